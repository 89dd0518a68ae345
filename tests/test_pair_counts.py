"""PairCounts: the boilerplate stage's counts per (outlet, hash), added up in a dictionary
(a few articles) or in numpy columns (a corpus), give what counting each pair in a
dictionary gives, however the adds are split, merged and pickled; a few articles' counts
never import numpy."""

from __future__ import annotations

import pickle
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from hypothesis import given
from hypothesis import strategies as st

from provenance import pair_counts
from provenance.pair_counts import PairCounts

# an article: its outlet, and its distinct hashes each with a flag (the full uint64 range)
ARTICLE = st.tuples(
    st.sampled_from(["a", "b", "c", "#id-1"]),
    st.dictionaries(st.integers(0, 2**64 - 1) | st.integers(0, 5), st.booleans(), max_size=6),
)
CORPUS = st.lists(ARTICLE, max_size=25)

Added = list[tuple[str, dict[int, bool]]]
Pairs = dict[tuple[str, int], tuple[int, int]]


def _expected(articles: Added) -> Pairs:
    """Per (outlet, hash): its articles and the flagged ones, by a Counter."""
    seen: Counter[tuple[str, int]] = Counter()
    flagged: Counter[tuple[str, int]] = Counter()
    for outlet, hashes in articles:
        for h, flag in hashes.items():
            seen[outlet, h] += 1
            flagged[outlet, h] += flag
    return {pair: (n, flagged[pair]) for pair, n in seen.items()}


def _count(articles: Added) -> PairCounts:
    counts = PairCounts(width=2)
    for outlet, hashes in articles:
        counts.add(outlet, list(hashes), [int(f) for f in hashes.values()])
    return counts


FORMS = ["dictionary", "columns", "columns merged often"]


@contextmanager
def _form(name: str) -> Iterator[None]:
    """Each form the counts take: a dictionary (few pairs), numpy columns, and columns into
    which the buffers are merged every three pairs."""
    with pytest.MonkeyPatch.context() as patch:
        if name != "dictionary":
            patch.setattr(pair_counts, "SMALL", 0)
        if name == "columns merged often":
            patch.setattr(pair_counts, "MERGE_MIN", 3)
        yield


def _check(counts: PairCounts, articles: Added) -> None:
    """Both questions asked of ``counts`` answered as the Counter of ``articles`` answers."""
    expected = _expected(articles)
    outlets = {outlet for outlet, _ in articles}
    for least in (1, 2):  # every outlet named, even one with no hash kept
        assert counts.kept_by_name(lambda n, _, least=least: n >= least) == {
            o: frozenset(h for (p, h), (n, _) in expected.items() if p == o and n >= least)
            for o in outlets
        }
    assert counts.kept_by_name(lambda n, flagged: flagged * 2 > n) == {
        o: frozenset(h for (p, h), (n, f) in expected.items() if p == o and f * 2 > n)
        for o in outlets
    }
    per_hash: dict[int, list[int]] = {}
    for (_, h), (n, f) in expected.items():
        total = per_hash.setdefault(h, [0, 0, 0])
        total[0], total[1], total[2] = total[0] + 1, total[1] + n, total[2] + f
    for outlets_needed in (1, 2):

        def passes(names: object, n: object, f: object, need: int = outlets_needed) -> object:
            return (names >= need) & (f <= 0.5 * n)  # type: ignore[operator]

        assert counts.kept_by_hash(passes) == frozenset(
            h for h, (o, n, f) in per_hash.items() if o >= outlets_needed and f <= 0.5 * n
        )


@pytest.mark.parametrize("form", FORMS)
@given(articles=CORPUS, cut=st.integers(0, 25))
def test_counts_are_the_dictionary_counts_however_split_and_merged(
    form: str, articles: Added, cut: int
) -> None:
    with _form(form):
        _check(_count(articles), articles)
        left, right = _count(articles[:cut]), _count(articles[cut:])
        _check(PairCounts(width=2).merge(right).merge(left), articles)
        shipped = pickle.loads(pickle.dumps(left))  # as a cluster sends a partition's counts
        _check(shipped.merge(right), articles)


@given(CORPUS)
def test_buffers_are_merged_into_columns_as_they_grow(articles: Added) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pair_counts, "MERGE_MIN", 3)
        counts = _count(articles)
        pairs = sum(len(h) for _, h in articles)
        held = 0 if counts._columns is None else len(counts._columns[0])
        assert len(counts._new_hashes) < max(3, held)  # never a buffer longer than that
        assert (counts._columns is None) == (pairs < 3)
        if counts._columns is not None:  # sorted by (hash, name), each pair once
            keys = list(zip(*(c.tolist() for c in counts._columns[:2]), strict=True))
            assert keys == sorted(set(keys))
        _check(counts, articles)


def test_adds_need_their_value_columns() -> None:
    with pytest.raises(ValueError, match="1 value columns expected, 0 given"):
        PairCounts(width=2).add("a", [1])


def test_a_few_articles_are_counted_without_numpy_and_a_corpus_with_it() -> None:
    """What ``provenance check`` counts (a few articles) imports no numpy; past ``SMALL``
    pairs the counts are columns."""
    program = (
        "import sys; from provenance.pair_counts import PairCounts, SMALL\n"
        "c = PairCounts()\n"
        "for k in range({n}): c.add('a', [k, k + 1])\n"
        "print(sorted(c.kept_by_name(lambda n: n >= 2)['a'])[:3], 'numpy' in sys.modules)\n"
    )
    few = subprocess.run(
        [sys.executable, "-c", program.format(n=5)], capture_output=True, text=True, check=True
    )
    assert few.stdout.split() == ["[1,", "2,", "3]", "False"]
    many = subprocess.run(
        [sys.executable, "-c", program.format(n=pair_counts.SMALL)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert many.stdout.split() == ["[1,", "2,", "3]", "True"]

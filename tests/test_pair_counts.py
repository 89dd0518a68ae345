"""PairCounts: the boilerplate stage's counts per (outlet, hash) in numpy columns give what
counting each pair in a dictionary gives, however the adds are split, merged and pickled."""

from __future__ import annotations

import pickle
from collections import Counter

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


def _expected(articles: Added) -> dict[tuple[str, int], tuple[int, int]]:
    seen: Counter[tuple[str, int]] = Counter()
    flagged: Counter[tuple[str, int]] = Counter()
    for outlet, hashes in articles:
        for h, flag in hashes.items():
            seen[outlet, h] += 1
            flagged[outlet, h] += flag
    return {pair: (n, flagged[pair]) for pair, n in seen.items()}


def _counted(counts: PairCounts) -> dict[tuple[str, int], tuple[int, int]]:
    counts.settle()
    pairs = zip(counts.codes.tolist(), counts.hashes.tolist(), counts.values.tolist(), strict=True)
    return {(counts.names[c], h): (n, f) for c, h, (n, f) in pairs}


def _count(articles: Added) -> PairCounts:
    counts = PairCounts(width=2)
    for outlet, hashes in articles:
        counts.add(outlet, list(hashes), [int(f) for f in hashes.values()])
    return counts


@given(CORPUS, st.integers(0, 25))
def test_counts_are_the_dictionary_counts_however_split_and_merged(
    articles: Added, cut: int
) -> None:
    expected = _expected(articles)
    assert _counted(_count(articles)) == expected
    left, right = _count(articles[:cut]), _count(articles[cut:])
    assert _counted(PairCounts(width=2).merge(right).merge(left)) == expected
    shipped = pickle.loads(pickle.dumps(left))  # as a cluster sends a partition's counts
    assert _counted(shipped.merge(right)) == expected


@given(CORPUS)
def test_counts_merged_a_few_pairs_at_a_time_are_the_same(articles: Added) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pair_counts, "MERGE_MIN", 3)  # settled many times while adding
        counts = _count(articles)
        assert len(counts._new_hashes) < max(3, len(counts.hashes))
        assert _counted(counts) == _expected(articles)


@given(CORPUS)
def test_columns_sorted_each_pair_once_and_grouped_by_hash_and_name(articles: Added) -> None:
    counts = _count(articles).settle()
    keys = list(zip(counts.hashes.tolist(), counts.codes.tolist(), strict=True))
    assert keys == sorted(set(keys))
    hashes, names, sums = counts.by_hash()
    expected = _expected(articles)
    for h, n, (total, flagged) in zip(hashes.tolist(), names.tolist(), sums.tolist(), strict=True):
        mine = [v for (_, k), v in expected.items() if k == h]
        assert (n, total, flagged) == (len(mine), sum(v[0] for v in mine), sum(v[1] for v in mine))
    assert set(hashes.tolist()) == {h for _, h in expected}
    many = counts.by_name(counts.values[:, 0] >= 2)
    assert set(many) == {outlet for outlet, _ in articles}  # every outlet, even with none kept
    for outlet, kept in many.items():
        assert kept.tolist() == sorted(
            h for (o, h), v in expected.items() if o == outlet and v[0] >= 2
        )


def test_adds_need_their_value_columns() -> None:
    with pytest.raises(ValueError, match="1 value columns expected, 0 given"):
        PairCounts(width=2).add("a", [1])

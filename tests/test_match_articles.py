"""The corpus-wide stages' articles as columns (provenance/match/articles.py) and candidate
pairs as columns (``candidates.CandidateTable``): the same answers as the objects."""

from __future__ import annotations

import bisect
import random

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from provenance.match.articles import ArticleTable, Ids, Strings
from provenance.match.candidates import Banding, Candidate, CandidateTable, candidates
from provenance.match.origin import UNKNOWN, first_appearance
from provenance.match.reuse_spans import Ranking
from provenance.model import Article, SourceKind

# ids of ASCII, Latin-1, Hangul, a lone surrogate and a character beyond the first plane
_ID_CHARS = "ab-9é서울\ud800\U0001f600"

# dates that tie, differ by an offset only, are a day alone, or are unreadable
_DATES = [
    None,
    "2024-03-01",
    "2024-03-01T00:00:00Z",
    "2024-02-29T19:00:00-05:00",  # the same instant as the one above
    "2024-03-01T09:30:00+09:00",
    "2024-03-02T08:00:00.250000Z",
    "not a date",
]


def _articles(rng: random.Random, n: int) -> list[Article]:
    kinds = list(SourceKind)
    return [
        Article(
            f"art-{k:03d}-{'é' * (k % 3)}",
            "text never kept",
            title="a title",
            outlet=rng.choice([None, "Daily", "Ежедневно", "Wire Desk"]),
            published=rng.choice(_DATES),
            source_kind=rng.choice(kinds),
        )
        for k in range(n)
    ]


@pytest.mark.parametrize("seed", range(8))
def test_the_table_answers_as_the_articles_do(seed: int) -> None:
    """Random articles (kinds, outlets, tied and unreadable dates): each article read back
    has the id, outlet, date and kind it was given and no text; the sources' ranks are
    ``Ranking.key``'s order; ``first_of`` any of them is ``first_appearance``."""
    rng = random.Random(seed)
    given = _articles(rng, 40)
    table = ArticleTable.of(reversed(given))  # sorted by id there
    ordered = sorted(given, key=lambda a: a.id)
    for k, a in enumerate(ordered):
        back = table.article(k)
        assert (back.id, back.text, back.outlet, back.published, back.source_kind) == (
            a.id,
            "",
            a.outlet,
            a.published,
            a.source_kind,
        )
        assert table.ids.index(a.id) == k
    best = sorted(range(len(ordered)), key=lambda k: Ranking.key(ordered[k]))
    assert np.argsort(table.ranks()).tolist() == best
    for _ in range(200):
        numbers = [rng.randrange(len(ordered)) for _ in range(rng.randint(1, 6))]
        expected = first_appearance([ordered[k] for k in numbers])
        assert table.first_id(np.array(numbers)) == expected
        found = table.first_of(np.array(numbers))
        assert (UNKNOWN if found is None else ordered[found].id) == expected


def test_ids_out_of_order_and_unknown_ids_are_refused() -> None:
    table = ArticleTable()
    table.add(Article("b", ""))
    with pytest.raises(ValueError, match="out of id order"):
        table.add(Article("a", ""))
    table.close()
    with pytest.raises(ValueError, match="'c' is not an article id"):
        table.ids.index("c")
    assert list(table.ids.picked(np.array([0, 0]))) == ["b", "b"]


@given(
    ids=st.sets(st.text(alphabet=_ID_CHARS, max_size=6), max_size=30),
    probes=st.lists(st.text(alphabet=_ID_CHARS, max_size=6), max_size=20),
)
def test_ids_are_found_where_bisect_finds_them_in_the_sorted_strings(
    ids: set[str], probes: list[str]
) -> None:
    """``Ids.bisect_left`` compares UTF-8 bytes, not decoded strings: for ids of several
    scripts, a lone surrogate and characters beyond the first plane, every id and any
    other string goes where ``bisect`` puts it in the sorted list of strings; ``index``
    finds each id and refuses the rest."""
    ordered = sorted(ids)
    table = Ids(Strings(ordered))
    for value in [*ordered, *probes]:
        assert table.bisect_left(value) == bisect.bisect_left(ordered, value)
        if value in ids:
            assert table.index(value) == ordered.index(value)
        else:
            with pytest.raises(ValueError, match="is not an article id"):
                table.index(value)
    if ordered:  # within bounds, as bisect's lo and hi
        middle = len(ordered) // 2
        for value in [*ordered, *probes]:
            assert table.bisect_left(value, 1, middle) == bisect.bisect_left(
                ordered, value, 1, max(1, middle)
            )


def test_strings_keep_none_empty_and_non_ascii_apart() -> None:
    values = [None, "", "서울", "a\ud800b", None, "x"]  # a lone surrogate survives too
    strings = Strings(values)
    assert list(strings) == values
    assert strings[-1] == "x"
    assert strings[1:4] == values[1:4]
    with pytest.raises(IndexError):
        strings[6]


def test_strings_offsets_widen_past_their_limit_and_keep_every_string() -> None:
    """Offsets are 4 bytes each while the buffer is small and 8 bytes past ``_SMALL``
    (2 GiB; lowered here to 10 bytes so that a test can cross it): the strings written on
    either side of the switch, None among them, read back as written, and ids past it are
    still found by ``Ids``' in-place search."""

    class Small(Strings):
        _SMALL = 10

    values = ["ab", "cde", None, "fghij", "k", "서울", "", "zz"]  # 5 bytes, then 10, then 11
    strings = Small(values)
    assert strings._ends.typecode == "q"  # widened on the way
    assert list(strings) == values
    assert Strings(["ab", "cde"])._ends.typecode == "i"
    ids = Ids(Small(["a1", "b22", "c333", "d4444", "e5555"]))
    assert [ids.index(x) for x in ["a1", "c333", "e5555"]] == [0, 2, 4]
    assert ids.bisect_left("d") == 3


def test_a_candidate_table_reads_as_the_list_of_candidates() -> None:
    """Candidates of planted signatures as columns: iterated, indexed from either end and
    sliced, they are the records ``Candidate(a, b, round(equal / width, 4))``, and the table
    equals that list (and no other)."""
    rng = np.random.default_rng(3)
    matrix = rng.integers(0, 3, size=(40, 8)).astype(np.uint32)
    a, b, equal = candidates(matrix, Banding(4, 2), 3)
    table = CandidateTable(a, b, equal, 8)
    records = [
        Candidate(int(x), int(y), round(int(e) / 8, 4))
        for x, y, e in zip(a.tolist(), b.tolist(), equal.tolist(), strict=True)
    ]
    assert len(records) > 10
    assert list(table) == records
    assert table == records
    assert table[-1] == records[-1]
    assert table[3] == records[3]
    assert table[2:7] == records[2:7]
    assert list(table[2:7]) == records[2:7]
    assert table != records[:-1]
    assert table != [*records[:-1], Candidate(0, 1, 0.0)]
    with pytest.raises(IndexError):
        table[len(records)]


def test_articles_read_back_past_the_cache_are_made_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With room for two, reading 0, 1, 2 drops 0 (the oldest): read again, it is made
    again, equal to the first but a new object; 2, still kept, is the same object."""
    from provenance.match import articles as module

    monkeypatch.setattr(module, "_CACHED", 2)
    table = ArticleTable.of(_articles(random.Random(1), 3))
    first = [table.article(k) for k in range(3)]
    assert table.article(2) is first[2]
    again = table.article(0)
    assert again == first[0]
    assert again is not first[0]

"""The report's outlet table (``render.data.outlet_table``): the same rows from ``Match``
objects with the articles in memory and from the matches' columns with (id, outlet) read
through once, as the streaming writer gives them."""

from __future__ import annotations

import pytest

from provenance.match.reuse_spans import MatchColumns
from provenance.model import (
    Article,
    ArticleResult,
    CorpusResult,
    Grade,
    Match,
    MatchSide,
    Segmentation,
)
from provenance.render import data
from provenance.render.data import outlet_table

OUTLETS = {"a": "X", "b": "Y", "c": None, "d": "X"}  # "e" is not among the articles


def _match(a: str, a0: int, a1: int, b: str, b0: int, b1: int) -> Match:
    return Match(MatchSide(a, a0, a1), MatchSide(b, b0, b1), 90.0, Grade.EDITED, 0.5)


MATCHES = (
    _match("a", 0, 10, "b", 5, 25),  # X -> Y 10, Y -> X 20
    _match("a", 30, 40, "c", 0, 8),  # X -> None 10, None -> X 8
    _match("b", 0, 4, "d", 2, 5),  # Y -> X 4, X -> Y 3
    _match("c", 10, 15, "e", 0, 5),  # None -> None 5, and (no outlet known) 5 again
)
# sorted by outlet, then source outlet, None as "": each pair of outlets once, both ways
EXPECTED = [
    {"outlet": None, "source_outlet": None, "characters": 10, "matches": 2},
    {"outlet": None, "source_outlet": "X", "characters": 8, "matches": 1},
    {"outlet": "X", "source_outlet": None, "characters": 10, "matches": 1},
    {"outlet": "X", "source_outlet": "Y", "characters": 13, "matches": 2},
    {"outlet": "Y", "source_outlet": "X", "characters": 24, "matches": 2},
]


def _articles() -> tuple[ArticleResult, ...]:
    return tuple(
        ArticleResult(Article(i, "", outlet=o), Segmentation((), ())) for i, o in OUTLETS.items()
    )


def test_the_outlet_table_adds_up_both_sides_of_every_match() -> None:
    assert outlet_table(CorpusResult(_articles(), MATCHES)) == EXPECTED
    assert outlet_table(CorpusResult(_articles())) == []


def test_the_columns_and_outlets_read_through_give_the_same_table() -> None:
    """A ``MatchTable`` (the matches in report order as columns) with the outlets as (id,
    outlet) pairs in id order, or out of order, or with none of the articles: the table of
    the ``Match`` objects with the articles in memory."""
    columns = MatchColumns(["a", "b", "c", "d", "e"])
    columns.extend(MATCHES)
    table = columns.table()
    assert sorted(table, key=lambda m: m.a.article_id) == sorted(
        MATCHES, key=lambda m: m.a.article_id
    )
    corpus = CorpusResult((), table)
    pairs = list(OUTLETS.items())
    assert outlet_table(corpus, pairs) == EXPECTED
    assert outlet_table(corpus, reversed(pairs)) == EXPECTED
    # only b's outlet known: a, c, d and e count as no outlet (10 + 8 + 5 + 5; 10 + 3)
    assert outlet_table(corpus, [("b", "Y")]) == [
        {"outlet": None, "source_outlet": None, "characters": 28, "matches": 4},
        {"outlet": None, "source_outlet": "Y", "characters": 13, "matches": 2},
        {"outlet": "Y", "source_outlet": None, "characters": 24, "matches": 2},
    ]


@pytest.mark.parametrize("chunk", [1, 2, 3, 1 << 16])
def test_the_outlet_table_counted_a_chunk_of_matches_at_a_time_is_the_same(
    monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    """``OUTLET_CHUNK`` matches counted at a time: the same rows, and pairs of outlets that
    sort alike (an outlet "" beside none: both sort as "") keep the order they first come
    in over the whole corpus. b (no outlet) -> a ("") comes first, both ways (4 and 6
    characters), then b -> d, both without an outlet (3 + 5), whose place in its own chunk
    is first but in the corpus third."""
    monkeypatch.setattr(data, "OUTLET_CHUNK", chunk)
    assert outlet_table(CorpusResult(_articles(), MATCHES)) == EXPECTED
    articles = tuple(
        ArticleResult(Article(i, "", outlet=o), Segmentation((), ()))
        for i, o in {"a": "", "b": None, "d": None}.items()
    )
    matches = (_match("b", 0, 4, "a", 0, 6), _match("b", 10, 13, "d", 0, 5))
    assert outlet_table(CorpusResult(articles, matches)) == [
        {"outlet": None, "source_outlet": "", "characters": 4, "matches": 1},
        {"outlet": "", "source_outlet": None, "characters": 6, "matches": 1},
        {"outlet": None, "source_outlet": None, "characters": 8, "matches": 2},
    ]

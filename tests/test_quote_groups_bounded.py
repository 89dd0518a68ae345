"""Quotation groups with bounded memory (provenance/match/quote_groups.py): the quotations
read back by number, their units' signatures in a stored matrix, the groups handed out as
they are made; the same groups as in memory, whatever the chunk sizes."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from provenance import pipeline
from provenance.config import Config
from provenance.match import quote_corpus
from provenance.match.quote_corpus import MemoryQuotations, QuoteRow
from provenance.match.quote_groups import find_quote_groups
from provenance.model import Article, QuoteGroup
from provenance.run import kernels
from provenance.run.stored import StoredMatrix
from provenance.run.workstore import WorkStore

# a-b and b-c align, a-c does not (tests/test_quotes.py: one group through b)
LINK_A = "We will not accept any deal that hurts our farmers"
LINK_B = f"{LINK_A} or our fishermen in the north"
LINK_C = "any deal that hurts our farmers or our fishermen in the north is bad for us all"
WEATHER = "The weather was fine all week long in the hills"


def _article(aid: str, text: str, published: str) -> Article:
    return Article(id=aid, text=text, published=published, outlet=aid.upper(), language="en")


ARTICLES = [
    _article("c", f"Minister Jo Park said: “{LINK_C}.”", "2024-01-03"),
    _article("a", f"Minister Jo Park said: “{LINK_A}.”", "2024-01-01"),
    _article("n", "No quotation here, only a plain sentence of news.", "2024-01-02"),
    _article("b", f"“{WEATHER},” said Jo Park. Jo Park said: “{LINK_B}.”", "2024-01-02"),
    _article("d", "“We shall see,” said Jo Park.", "2024-01-04"),
]
# in order of first occurrence (article id, offset): a's quotation (with b's second and
# c's), b's first (the weather, alone), d's (three words: never matched)
EXPECTED = [["a", "b", "c"], ["b"], ["d"]]


class _Rows(MemoryQuotations):
    """Quotations in memory, noting how many are handed in at once and read back."""

    def __init__(self) -> None:
        super().__init__()
        self.added: list[int] = []
        self.reads: list[list[int]] = []

    def extend(self, rows: Sequence[QuoteRow]) -> None:
        self.added.append(len(rows))
        super().extend(rows)

    def many(self, seqs: Sequence[int]) -> list[QuoteRow]:
        self.reads.append(list(seqs))
        return super().many(seqs)


def _listed(groups: Iterable[QuoteGroup]) -> Sequence[QuoteGroup]:
    assert not isinstance(groups, tuple | list)  # made one at a time, not all at once
    return list(groups)


def test_groups_are_the_same_from_stored_signatures_and_rows_read_back_one_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    results = pipeline.analyze_each(ARTICLES)
    config = Config()
    expected = find_quote_groups(results, config)
    assert isinstance(expected, tuple)
    assert [[o.article_id for o in g.occurrences] for g in expected] == EXPECTED
    assert [g.id for g in expected] == ["quote-0001", "quote-0002", "quote-0003"]
    for name in ("ROWS_CHUNK", "LINK_CHUNK", "GROUP_CHUNK", "PAIR_CHUNK"):
        monkeypatch.setattr(quote_corpus, name, 1)
    monkeypatch.setattr(kernels, "SIGN_CHUNK", 1)
    rows = _Rows()
    stored = StoredMatrix(tmp_path / "q.u32", config.fingerprint.num_perm)
    found = find_quote_groups(
        list(reversed(results)), config, rows_to=rows, signatures_to=stored, groups_to=_listed
    )
    assert list(found) == list(expected)
    # five quotations (a's 0; b's weather 1 and LINK_B 2; c's 3; d's 4) handed in after
    # each article that has any; the members read back a group at a time (a group is
    # read whole, however many members it has)
    assert rows.added == [1, 2, 1, 1, 0]
    assert rows.reads[-3:] == [[0, 2, 3], [1], [4]]
    assert len(stored) == 4  # a, b's two, c: one unit each (one sentence); d's three words: none
    stored.close()


def test_a_corpus_without_quotations_has_no_groups() -> None:
    results = pipeline.analyze_each([ARTICLES[2]])
    rows = _Rows()
    assert find_quote_groups(results, Config(), rows_to=rows) == ()
    assert rows.reads == [] or rows.reads == [[]]


def test_a_run_with_a_work_store_reads_its_groups_back_from_it(tmp_path: Path) -> None:
    """``analyze_streamed`` with a work store: the groups are rows of the store (read back
    as the report is written), the same as those made in memory; ``analyze`` reads them
    back whole."""
    in_memory = pipeline.analyze(ARTICLES)
    store = WorkStore(tmp_path / "work", resume=False)
    try:
        streamed = pipeline.analyze_streamed(ARTICLES, store=store)
        assert not isinstance(streamed.corpus.quotes, tuple)
        assert list(streamed.corpus.quotes) == list(in_memory.quotes)
        assert [[o.article_id for o in g.occurrences] for g in in_memory.quotes] == EXPECTED
        assert pipeline.analyze(ARTICLES, store=store).quotes == in_memory.quotes
    finally:
        store.close()


class _Ahead:
    """An executor that takes every item of a call before it runs any (as a pool's
    workers take some ahead, only more so), noting the tasks it ran."""

    def __init__(self) -> None:
        self.ran: list[str] = []

    def map(
        self,
        task: Callable[[Any, Any, Any], Any],
        items: Iterable[Any],
        context: Any,
        *,
        chunk: int | None = None,
    ) -> Iterator[Any]:
        del chunk  # all at once
        taken = list(items)
        self.ran.extend([task.__name__] * len(taken))
        return iter([task(item, context, None) for item in taken])

    def close(self) -> None:
        return None


def test_an_executor_that_takes_pairs_ahead_makes_the_same_groups() -> None:
    """The pairs are aligned and the groups made by the executor: one that takes all the
    pairs of a chunk at once aligns pairs that the serial order skips once their
    quotations are joined, and the groups are the same (components do not depend on the
    order of the joins). Each group is one task, in order."""
    results = pipeline.analyze_each(ARTICLES)
    config = Config()
    expected = find_quote_groups(results, config)
    ahead = _Ahead()
    found = find_quote_groups(results, config, executor=ahead)
    assert found == expected
    assert [[o.article_id for o in g.occurrences] for g in found] == EXPECTED
    assert ahead.ran.count("_group_task") == 3
    # a-b, b-c (and a-c, when LSH proposes it): none is skipped, all four are long enough
    assert 2 <= ahead.ran.count("_aligned_task") <= 3


def test_stored_results_are_read_back_by_number_in_batches(tmp_path: Path) -> None:
    """``WorkStore.many``: the results asked for, in the order asked, repeats included,
    across more numbers than one query binds; a number not stored is an IndexError."""
    store = WorkStore(tmp_path / "work", resume=False)
    try:
        rows = [(k, f"quotation {k}") for k in range(2000)]
        assert list(store.append("rows", rows)) == rows
        asked = [1999, 3, 3, 0, *range(100, 1900), 1500]
        assert store.many("rows", asked) == [rows[k] for k in asked]
        assert store.many("rows", []) == []
        with pytest.raises(IndexError, match="rows: no result 2000"):
            store.many("rows", [5, 2000])
    finally:
        store.close()

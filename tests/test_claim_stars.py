"""Claim groups are stars: the heap that picks each centre picks the one a full scan picks;
links kept as columns and groups kept pickled give back what was put in, in report order."""

from __future__ import annotations

import pickle
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from provenance.match import claim_groups
from provenance.match.claim_corpus import ClaimCorpus
from provenance.model import ClaimGroup, ClaimLink, ClaimOccurrence, Confidence
from provenance.run.workstore import WorkStore


def _scan(
    corpus: ClaimCorpus, links: dict[tuple[int, int], ClaimLink]
) -> list[tuple[int, dict[int, ClaimLink]]]:
    """The rule as the module docstring states it, one scan of the free texts per group:
    the centre reaches the most outlets through strong links, then through any link, then
    has the smallest number; it takes every free text it links to."""

    def links_of(node: int, free: set[int]) -> dict[int, ClaimLink]:
        ends = {(a, b): b if a == node else a for a, b in links if node in (a, b)}
        return {other: links[pair] for pair, other in ends.items() if other in free}

    def outlets(node: int, free: set[int], strong: bool) -> int:
        reached = set(corpus.text_outlets[node])
        for other, link in links_of(node, free).items():
            if not strong or link.confidence == Confidence.STRONG:
                reached.update(corpus.text_outlets[other])
        return len(reached)

    free = {x for pair in links for x in pair}
    groups = []
    while free:
        ranked = sorted(free, key=lambda n: (-outlets(n, free, True), -outlets(n, free, False), n))
        centre = ranked[0]
        members = links_of(centre, free)
        free -= {centre, *members}
        if members:
            groups.append((centre, members))
    return groups


def _corpus(outlets: list[frozenset[str]]) -> ClaimCorpus:
    """A corpus of texts with these outlets only: as sets and as CSR columns (numbers)."""
    corpus = ClaimCorpus.__new__(ClaimCorpus)
    corpus.text_outlets = outlets
    names = sorted(set().union(*outlets))
    ids = [sorted(names.index(o) for o in s) for s in outlets]
    corpus.outlet_cuts = np.cumsum([0, *map(len, ids)]).astype(np.int64)
    corpus.outlet_ids = np.asarray([i for s in ids for i in s], dtype=np.int32)
    return corpus


@settings(max_examples=300, deadline=None)
@given(
    outlets=st.lists(st.frozensets(st.sampled_from("ABCDE"), min_size=1), min_size=2, max_size=14),
    edges=st.lists(st.tuples(st.integers(0, 13), st.integers(0, 13), st.booleans()), max_size=40),
    chunk=st.sampled_from([1, 2, 3, claim_groups.END_CHUNK]),
)
def test_star_centres_are_those_of_a_full_scan(
    outlets: list[frozenset[str]], edges: list[tuple[int, int, bool]], chunk: int
) -> None:
    """Whatever the links, the stars are those of the full scan, however many link ends
    ``_stars`` looks up at once (``chunk``)."""
    corpus = _corpus(outlets)
    links = {}
    for a, b, strong in edges:
        if a != b and max(a, b) < len(outlets):
            level = Confidence.STRONG if strong else Confidence.POSSIBLE
            links[(min(a, b), max(a, b))] = ClaimLink(80.0, None, (), level)
    pairs = sorted(links)
    columns = claim_groups.Links.of(
        [
            (
                np.asarray([a for a, _ in pairs], dtype=np.int64),
                np.asarray([b for _, b in pairs], dtype=np.int64),
                [links[p] for p in pairs],
            )
        ]
    )
    got = [
        (centre, {m: columns.link(r, ()) for m, r in zip(ms.tolist(), rows.tolist(), strict=True)})
        for centre, ms, rows in claim_groups._stars(corpus, columns, chunk)
    ]
    assert got == _scan(corpus, links)


@settings(max_examples=200, deadline=None)
@given(
    outlets=st.lists(st.frozensets(st.sampled_from("ABCDE"), min_size=1), min_size=1, max_size=9),
    edges=st.lists(st.tuples(st.integers(0, 8), st.integers(0, 8)), max_size=30),
    keep=st.lists(st.booleans(), min_size=60, max_size=60),
    chunk=st.sampled_from([1, 2, 5, 1 << 20]),
)
def test_the_first_reaches_are_the_outlets_of_each_text_and_its_kept_neighbours(
    outlets: list[frozenset[str]], edges: list[tuple[int, int]], keep: list[bool], chunk: int
) -> None:
    """``_Outlets.reached`` counts, per node, the outlets of its text and of the
    neighbours that ``keep`` keeps (all, or some ends), as sets of names count them;
    ``count`` the outlets of all the texts; however many ends are counted at once. The
    nodes here are every other text (texts 1, 3, 5, ...), so a node's number is not its
    text's."""
    corpus = _corpus(outlets)
    nodes = np.arange(1, len(outlets), 2, dtype=np.int32)
    pairs = sorted({(a % len(nodes), b % len(nodes)) for a, b in edges} if len(nodes) else set())
    near = [[b for a, b in pairs if a == k] for k in range(len(nodes))]
    cuts = np.cumsum([0, *map(len, near)]).astype(np.int64)
    other = np.asarray([b for n in near for b in n], dtype=np.int32)
    kept = np.asarray(keep[: len(other)], dtype=np.bool_)
    counted = claim_groups._Outlets(corpus.outlet_cuts, corpus.outlet_ids)
    for flags in (None, kept):
        want = []
        for k in range(len(nodes)):
            reached = set(outlets[nodes[k]])
            for j, b in enumerate(near[k]):
                if flags is None or flags[int(cuts[k]) + j]:
                    reached |= outlets[nodes[b]]
            want.append(len(reached))
        assert counted.reached(nodes, cuts, other, flags, chunk).tolist() == want
    assert counted.count(nodes, chunk) == len(set().union(*(outlets[t] for t in nodes)))


def _group(level: Confidence, article: str, start: int) -> ClaimGroup:
    link = ClaimLink(91.5, 0.8123, ("seoul",), Confidence.POSSIBLE)
    first = ClaimOccurrence(article, "A", start, start + 40, 100.0, "2024-03-01")
    other = ClaimOccurrence("z", "B", 5, 45, 91.5, None, "ko", link)
    return ClaimGroup("", f"text of {article}", (first, other), article, level)


def _made() -> list[tuple[ClaimGroup, int]]:
    """Groups as made (any order), each with its first article's number."""
    return [
        (_group(Confidence.POSSIBLE, "b", 10), 1),
        (_group(Confidence.STRONG, "c", 0), 2),
        (_group(Confidence.STRONG, "a", 30), 0),
        (_group(Confidence.POSSIBLE, "a", 7), 0),
        (_group(Confidence.STRONG, "a", 3), 0),
    ]


def test_the_claim_table_reads_groups_back_in_report_order_numbered() -> None:
    # Added as made (any order): read back strong groups first, each kind by its first
    # occurrence (article number, then start), numbered from claim-0001 in that order;
    # the same after a pickle round trip (the work store keeps it so).
    made = _made()
    table = claim_groups.ClaimTable()
    for group, article in made:
        table.add(group, article)
    want = [made[k][0] for k in (4, 2, 1, 3, 0)]
    assert list(table) == [replace(g, id=f"claim-{n:04d}") for n, g in enumerate(want, 1)]
    assert table[1] == replace(want[1], id="claim-0002")
    assert table[-1].id == "claim-0005"
    assert len(table) == 5
    again = pickle.loads(pickle.dumps(table))
    assert again == table
    assert list(again) == list(table)


def test_a_claim_table_in_the_work_store_reads_its_groups_back_from_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Three groups a block: the groups go to the store's rows as blocks fill and when the
    # table is read; read back in report order, a block at a time, the same as in memory.
    # Pickled (the work store keeps the stage's results), the table leaves its rows in the
    # store; attached to it again (a resumed run), it reads them from there.
    monkeypatch.setattr(claim_groups, "GROUP_BLOCK", 3)
    made = _made()
    store = WorkStore(tmp_path, resume=False)
    try:
        here, stored = claim_groups.ClaimTable(), claim_groups.ClaimTable(store)
        for group, article in made:
            here.add(group, article)
            stored.add(group, article)
        assert store.done(claim_groups.GROUPS) == 3  # the first block, before any read
        assert list(stored) == list(here)
        assert store.done(claim_groups.GROUPS) == 5
        assert stored == here
        assert (stored.strong(), here.strong(), stored.stored, here.stored) == (3, 3, True, False)
        kept = pickle.loads(pickle.dumps(stored))
        with pytest.raises(RuntimeError):
            list(kept)
        again = claim_groups.attached(kept, store)
        assert list(again) == list(here)
        assert again[3] == here[3]
        assert claim_groups.attached(here, store) is here
        fresh = claim_groups.ClaimTable(store)  # a new run's table starts empty
        assert (len(fresh), store.done(claim_groups.GROUPS)) == (0, 0)
    finally:
        store.close()


def test_links_as_columns_give_back_each_link() -> None:
    links = [
        ClaimLink(91.5, 0.8123, ("x",), Confidence.STRONG),
        ClaimLink(40.0, None, (), Confidence.POSSIBLE),
    ]
    a, b = np.asarray([0, 2]), np.asarray([5, 3])
    columns = claim_groups.Links.of([(a[:1], b[:1], links[:1]), (a[1:], b[1:], links[1:])])
    assert columns.a[:].tolist() == [0, 2]
    assert columns.b[:].tolist() == [5, 3]
    assert [columns.link(k, links[k].anchors) for k in range(2)] == links
    kinds = [np.asarray(column[:]).dtype for column in columns.columns().values()]
    assert kinds == [np.int32, np.int32, np.float64, np.float64, np.int8]  # 26 bytes a link
    assert len(claim_groups.Links.of([])) == 0


@pytest.mark.parametrize("chunk", [1, 2, 3, claim_groups.END_CHUNK])
@given(
    pairs=st.lists(st.tuples(st.integers(0, 12), st.integers(0, 12)), max_size=40),
    in_order=st.booleans(),
)
def test_the_ends_order_is_a_stable_sorts(
    chunk: int, pairs: list[tuple[int, int]], in_order: bool
) -> None:
    # links ascending by first text (as Links holds them), or not (both halves sorted);
    # many equal texts, on both sides: their order is their positions'
    if in_order:
        pairs.sort(key=lambda p: p[0])
    a = np.asarray([p[0] for p in pairs], dtype=np.int32)
    b = np.asarray([p[1] for p in pairs], dtype=np.int32)
    ends = np.concatenate([a, b])
    got = claim_groups._stable_order(ends, len(pairs), chunk)
    assert got.tolist() == np.argsort(ends, kind="stable").tolist()
    assert got.dtype == np.int32

"""The Dask engine's reuse spans and matches, assembled in partitions (``run.dask_flow``):
by distinct text, then by article. The client holds the matches it writes; the candidate
pairs, the passages, the links and the spans stay on the workers.

With T blocks of distinct texts (the blocks of their texts on the workers) and P article
partitions:

1. occurrences: each article partition routes its passages to the block of their distinct
   text as compact rows (text, article number, start, length), with one row per article
   (id, outlet, date, kind: what ranking and spans read of it) per block it has passages
   in, never the ``Article`` itself; per block, each text's occurrences in passage order
   (``_occurrences``, one task per block);
2. links: the candidate pairs are each band-key block's best pairs, split by the blocks
   of their ends (``DaskExecutor.candidate_blocks``), one row of block pairs per block of
   their first end. Per text block, one task reads its texts and occurrences and picks,
   for each row, the texts its pairs name, each once, with their occurrences
   (``_serve``); per row, one task aligns its pairs from those picks (never a whole
   block), makes their links (``links.links_of``) with their candidate pair
   (candidates are in pair order) and each linked text's occurrences ranked best source
   first (article numbers, with the rows of those articles once per bundle), routed to
   the block of each end (``_link_row``);
3. spans by text: per block, each text's links in candidate order and its spans
   (``reuse_spans.text_spans``, the in-process engine's own loop), routed to the partition of
   each span's article with their order (``_block_spans``);
4. spans by article: per partition, each article's spans in the in-process order, pruned,
   and the matches they make (``reuse_spans.assemble``); the spans stay there for
   classification, the matches go to the client, a partition at a time, into numpy
   columns (``reuse_spans.MatchColumns``, as the local engine keeps them), which keep each
   match's first maker (partitions are in id order, as ``assemble`` goes) and sort them.
"""

from __future__ import annotations

import operator
from collections.abc import Iterator, Mapping, Sequence
from functools import partial
from typing import Any, TypeVar

import numpy as np
from distributed import Future

from provenance.config import Config
from provenance.match.align import align_texts
from provenance.match.links import Link, links_of, with_self
from provenance.match.origin import first_appearance
from provenance.match.reuse_spans import (
    MatchColumns,
    MatchTable,
    Occurrence,
    Ranking,
    assemble,
    text_spans,
)
from provenance.match.signatures import Matrix
from provenance.model import Article, Match, SourceKind, Span
from provenance.run import bandkeys
from provenance.run.dask import DaskExecutor
from provenance.run.dask_bands import Rows, as_candidates
from provenance.run.dask_passages import PassageTable

T = TypeVar("T")

# an article as the spans stage needs it (``_article`` makes a text-less ``Article`` of it):
# id, outlet, published, source kind, and its partition
Row = tuple[str, str | None, str | None, str, int]
# a passage routed to the block of its text: text, article number (its position in id
# order), start, length
Passage = tuple[int, int, int, int]
# an occurrence of a distinct text: article number, start
Seen = tuple[int, int]
# per distinct text of a block: its occurrences in passage order; its length; the rows of
# the articles these are in, by number
Occurrences = tuple[dict[int, list[Seen]], dict[int, int], dict[int, Row]]
# what a pair of blocks sends to the block of one end: (candidate pair, text, link), the
# ranked occurrences of each text linked to, and the rows of their articles
Bundle = tuple[list[tuple[tuple[int, int], int, Link]], dict[int, list[Seen]], dict[int, Row]]
# the texts of one block that a row of block pairs aligns: text by number, its
# occurrences, and the rows of their articles
Ends = tuple[dict[int, str], dict[int, list[Seen]], dict[int, Row]]
# a span of an article, with its order there (text, position among the text's spans)
Entry = tuple[str, int, int, Span, float]

# ------------------------------------------------------------------ tasks (run on workers)


def _route(
    table: PassageTable, numbers: list[int], part: int, first: int, bounds: np.ndarray[Any, Any]
) -> list[tuple[list[Passage], dict[int, Row]]]:
    """One partition's passages as compact rows, split by the block of their text, each
    block's with the rows of the articles they are in."""
    index = {a.id: n for n, a in enumerate(table.articles)}
    texts = [numbers[k] for k in table.local]
    owner = (np.searchsorted(bounds, texts, side="right") - 1).tolist()
    out: list[tuple[list[Passage], dict[int, Row]]] = [([], {}) for _ in bounds]
    for passage, k, u, block in zip(table.passages, table.local, texts, owner, strict=True):
        i = index[passage.article_id]
        n = first + i  # the article's position in id order
        rows, articles = out[block]
        rows.append((u, n, passage.start, table.lengths[k]))
        if n not in articles:
            a = table.articles[i]
            articles[n] = (a.id, a.outlet, a.published, a.source_kind.value, part)
    return out


def _occurrences(*pieces: tuple[list[Passage], dict[int, Row]]) -> Occurrences:
    found: dict[int, list[Seen]] = {}
    lengths: dict[int, int] = {}
    articles: dict[int, Row] = {}
    for rows, mine in pieces:  # partitions in id order: passages in passage order
        for u, n, start, length in rows:
            found.setdefault(u, []).append((n, start))
            lengths[u] = length
        articles.update(mine)
    return found, lengths, articles


class _Articles:
    """Text-less articles made from their rows, once each."""

    def __init__(self, rows: dict[int, Row]) -> None:
        self.rows = rows
        self._made: dict[int, Article] = {}
        self._keys: dict[int, tuple[object, ...]] = {}

    def __call__(self, n: int) -> Article:
        if n not in self._made:
            i, outlet, published, kind, _ = self.rows[n]
            self._made[n] = Article(
                i, "", outlet=outlet, published=published, source_kind=SourceKind(kind)
            )
        return self._made[n]

    def ranked(self, occurrences: list[Seen]) -> list[Seen]:
        """A text's occurrences, best source first (``reuse_spans.Ranking``'s order)."""
        for n, _ in occurrences:
            if n not in self._keys:
                self._keys[n] = Ranking.key(self(n))
        return sorted(occurrences, key=lambda o: self._keys[o[0]])


def _by_block_pair(
    top: tuple[Matrix, Matrix, int], bounds: Matrix
) -> dict[tuple[int, int], tuple[Matrix, Matrix]]:
    """A block's best candidate pairs and their equal values, by (block, block) of texts."""
    pairs, counts, _ = top
    owner_a = np.searchsorted(bounds, pairs[:, 0], side="right") - 1
    owner_b = np.searchsorted(bounds, pairs[:, 1], side="right") - 1
    out: dict[tuple[int, int], tuple[Matrix, Matrix]] = {}
    for pa, pb in sorted(set(zip(owner_a.tolist(), owner_b.tolist(), strict=True))):
        mine = (owner_a == pa) & (owner_b == pb)
        out[pa, pb] = (pairs[mine], counts[mine])
    return out


def _serve(
    first: int,
    texts: list[str],
    occurrences: Occurrences,
    wanted: list[tuple[int, tuple[int, ...], tuple[Matrix, Matrix]]],
) -> dict[int, Ends]:
    """What each row of block pairs needs of this block (the one task that reads its texts
    and occurrences for the links): per row, the texts named by its candidate pairs
    (``wanted``: the row, the columns of the pairs that fall in this block, the pairs),
    each once, with their occurrences and the rows of those articles."""
    found, _, articles = occurrences
    named: dict[int, set[int]] = {}
    for row, columns, (pairs, _) in wanted:
        named.setdefault(row, set()).update(pairs[:, list(columns)].ravel().tolist())
    out: dict[int, Ends] = {}
    for row, ids in named.items():
        seen = {u: found[u] for u in sorted(ids)}
        rows = {n: articles[n] for occ in seen.values() for n, _ in occ}
        out[row] = ({u: texts[u - first] for u in seen}, seen, rows)
    return out


def _link_row(
    row: int,
    width: int,
    config: Config,
    ends: list[Ends],
    cells: list[tuple[int, list[tuple[Matrix, Matrix]]]],
) -> dict[int, Bundle]:
    """The links of the candidate pairs of one row of block pairs (``cells``: per column
    block, in order, the pairs from the blocks that proposed them; each pair once, in
    order, as ``DaskExecutor.candidates`` has them), sent to the block of each end with the
    ranked occurrences of the text at the other end. ``ends``: the texts the pairs name,
    from each block once (``_serve``), not the blocks themselves."""
    texts: dict[int, str] = {}
    seen: dict[int, list[Seen]] = {}
    rows: dict[int, Row] = {}
    for mine_texts, mine_seen, mine_rows in ends:
        texts.update(mine_texts)
        seen.update(mine_seen)
        rows.update(mine_rows)
    articles = _Articles(rows)
    out: dict[int, Bundle] = {b: ([], {}, {}) for b in {row, *(c for c, _ in cells)}}
    for column, found in cells:
        pairs, counts = bandkeys.merge(found)
        for c in as_candidates(pairs, counts, width):
            aligned = align_texts(texts[c.a], texts[c.b])
            for u, links in links_of([(c, aligned)], config).items():
                for link in links:
                    made, ranked, sent = out[row if u == c.a else column]
                    made.append(((c.a, c.b), u, link))
                    if link.other not in ranked:
                        ranked[link.other] = articles.ranked(seen[link.other])
                        sent.update((n, rows[n]) for n, _ in ranked[link.other])
    return out


def _block_spans(
    occurrences: Occurrences, config: Config, parts: int, *bundles: Bundle
) -> list[list[Entry]]:
    """The spans of a block's texts (those linked to another or repeated), split by the
    partition of their article."""
    found, lengths, rows = occurrences
    links: dict[int, list[tuple[tuple[int, int], Link]]] = {}
    ranked: dict[int, list[Seen]] = {}
    rows = dict(rows)
    for made, theirs, sent in bundles:
        for pair, u, link in made:
            links.setdefault(u, []).append((pair, link))
        ranked.update(theirs)
        rows.update(sent)
    article = _Articles(rows)

    def ranking(text: int) -> list[Seen]:
        if text not in ranked:
            ranked[text] = article.ranked(found[text])
        return ranked[text]

    def occurrences_of(text: int) -> Iterator[Occurrence]:
        return ((article(n), s) for n, s in ranking(text))

    def first(mine: list[Link]) -> str:
        return first_appearance([article(n) for link in mine for n, _ in ranking(link.other)])

    out: list[list[Entry]] = [[] for _ in range(parts)]
    repeated = [u for u, occ in found.items() if len(occ) > 1]
    for u in sorted({*links, *repeated}):
        mine = with_self(
            u,
            lengths[u],
            (link for _, link in sorted(links.get(u, ()), key=operator.itemgetter(0))),
        )
        part = {rows[n][0]: rows[n][4] for n, _ in found[u]}
        spans = text_spans(
            ((article(n), s) for n, s in found[u]),
            mine,
            occurrences_of,
            partial(first, mine),
            config,
        )
        for order, (owner, span, jaccard) in enumerate(spans):
            out[part[owner.id]].append((owner.id, u, order, span, jaccard))
    return out


def _assembled(*pieces: list[Entry]) -> tuple[dict[str, tuple[Span, ...]], tuple[Match, ...]]:
    """A partition's spans per article, pruned, and the matches they make."""
    entries = sorted((e for piece in pieces for e in piece), key=lambda e: e[:3])
    candidates: dict[str, list[tuple[Span, float]]] = {}
    for article_id, _, _, span, jaccard in entries:
        candidates.setdefault(article_id, []).append((span, jaccard))
    return assemble(candidates)


# ------------------------------------------------------------------ the client's side


def _rows_of_cells(
    cells: Mapping[tuple[int, int], list[T]], blocks: int
) -> tuple[list[list[tuple[int, tuple[int, ...], T]]], dict[int, list[int]]]:
    """The rows of block pairs (``cells``: the candidate pairs of each (block, block), from
    each block that proposed them): per block, what names its texts (``_serve``'s
    ``wanted``: the row, the columns of the pairs that fall there, the pairs); and per
    row, its column blocks in order."""
    wanted: list[list[tuple[int, tuple[int, ...], T]]] = [[] for _ in range(blocks)]
    columns: dict[int, list[int]] = {}
    for (pa, pb), found in sorted(cells.items(), key=operator.itemgetter(0)):
        columns.setdefault(pa, []).append(pb)
        for f in found:
            if pa == pb:
                wanted[pa].append((pa, (0, 1), f))
            else:
                wanted[pa].append((pa, (0,), f))
                wanted[pb].append((pa, (1,), f))
    return wanted, columns


def reuse_spans(
    executor: DaskExecutor,
    config: Config,
    tables: Sequence[Future[Any]],
    numbers: Sequence[Future[Any]],
    texts: Rows,
    signatures: Rows,
    firsts: Sequence[int],
) -> tuple[list[Future[Any]], MatchTable]:
    """Per partition, a future of its articles' spans; and the matches, in report order
    (``firsts``: the position in id order of each partition's first article)."""
    client: Any = executor.client
    fp = config.fingerprint
    tops = client.compute(
        executor.candidate_blocks(
            signatures, fp.lsh_threshold, fp.max_candidates, fp.lsh_bands_per_pass
        )
    )
    bounds = np.array(texts.starts or [0], dtype=np.int64)
    blocks = len(bounds)
    routed = [
        client.submit(_route, t, n, p, first, bounds, pure=False)
        for p, (t, n, first) in enumerate(zip(tables, numbers, firsts, strict=True))
    ]
    pieces = [[client.submit(operator.getitem, r, b) for b in range(blocks)] for r in routed]
    occurrences = [client.submit(_occurrences, *(p[b] for p in pieces)) for b in range(blocks)]
    proposed = [client.submit(_by_block_pair, t, bounds) for t in tops]
    keys: list[list[tuple[int, int]]] = client.gather([client.submit(list, p) for p in proposed])
    executor.mark("candidates", *proposed)
    pairs = sorted({k for found in keys for k in found})
    cells = {
        k: [
            client.submit(operator.getitem, p, k)
            for p, mine in zip(proposed, keys, strict=True)
            if k in mine
        ]
        for k in pairs
    }
    wanted, columns = _rows_of_cells(cells, blocks)
    served = {
        b: client.submit(_serve, texts.starts[b], texts.parts[b], occurrences[b], w)
        for b, w in enumerate(wanted)
        if w
    }
    by_block: list[list[Future[Any]]] = [[] for _ in range(blocks)]
    picked: list[Future[Any]] = []
    for pa, row in columns.items():
        sources = sorted({pa, *row})
        ends = [client.submit(operator.getitem, served[b], pa) for b in sources]
        picked.extend(ends)
        made = client.submit(
            _link_row, pa, signatures.width, config, ends, [(pb, cells[pa, pb]) for pb in row]
        )
        for b in sources:
            by_block[b].append(client.submit(operator.getitem, made, b))
    spans = [
        client.submit(_block_spans, occurrences[b], config, len(tables), *by_block[b])
        for b in range(blocks)
    ]
    split = [[client.submit(operator.getitem, s, p) for p in range(len(tables))] for s in spans]
    assembled = [client.submit(_assembled, *(s[p] for s in split)) for p in range(len(tables))]
    if executor.measure:  # what each step reads (pickled), each read counted
        executor.sizes("spans: passages routed", (x for p in pieces for x in p))
        read = [*(occurrences[b] for b in served), *occurrences]
        executor.sizes("spans: occurrences read", read)
        executor.sizes("spans: texts read", (texts.parts[b] for b in served))
        executor.sizes("spans: texts picked for the link rows", picked)
        executor.sizes("spans: links and ranked occurrences", (x for b in by_block for x in b))
        executor.sizes("spans: spans by partition", (x for s in split for x in s))
    executor.mark("align, spans", *assembled)
    # numpy columns (``MatchColumns``): partitions in id order, the first maker of equal
    # sides wins, as in ``assemble``; ids numbered here only for the articles matches name
    named: list[str] = []
    number: dict[str, int] = {}
    made = MatchColumns(named, number)
    for future in assembled:
        found = client.submit(operator.itemgetter(1), future).result()
        executor.stats.add("spans: matches to client", executor._size(found))
        for m in found:
            for side in (m.a, m.b):
                if side.article_id not in number:
                    number[side.article_id] = len(named)
                    named.append(side.article_id)
        made.extend(found)
        del found
    by_article = [client.submit(operator.itemgetter(0), a) for a in assembled]
    return by_article, made.table()

"""The Dask engine's passages (``run.dask_flow``): each partition lists its passages
without their texts, the digest and length of each distinct text, and signs them; the
client reads the digests only and numbers the distinct texts as ``reuse.Corpus.build``
does. The tables, texts and signatures (``Rows``) stay on the workers; ``run.dask_spans``
assembles the spans from them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from distributed import Future

from provenance.config import Config
from provenance.fingerprint import FingerprintParams, shingles
from provenance.match.reuse import text_digest
from provenance.match.signatures import BatchSigner, Matrix, Permutations, union
from provenance.match.units import passages_of
from provenance.model import Article, ArticleResult, Passage
from provenance.run.dask import Rows

# ------------------------------------------------------------------ tasks (run on workers)


@dataclass(frozen=True)
class PassageTable:
    """One partition's passages without their texts (what the client assembles from)."""

    articles: tuple[Article, ...]  # text-less copies, in id order
    passages: tuple[Passage, ...]  # text-less, in article-id then text order
    local: tuple[int, ...]  # per passage: its distinct text in this partition
    digests: tuple[bytes, ...]  # per distinct text (first occurrence order)
    lengths: tuple[int, ...]
    signed: tuple[str, ...]  # ids of the articles with passages (their union signature)


def _passages_part(
    results: list[ArticleResult], config: Config
) -> tuple[PassageTable, list[str], Matrix, Matrix, list[str]]:
    """The partition's passage table, distinct texts, their signatures, and the union
    signature and text of each article that has passages."""
    minimum = config.fingerprint.min_passage_chars
    params = FingerprintParams.from_config(config.fingerprint)
    index: dict[str, int] = {}
    passages: list[Passage] = []
    local: list[int] = []
    per_article: list[list[int]] = []
    signed: list[ArticleResult] = []
    for r in results:
        mine = passages_of(r, minimum)
        if mine:
            signed.append(r)
            per_article.append([])
        for p in mine:
            k = index.setdefault(p.text, len(index))
            passages.append(replace(p, text=""))
            local.append(k)
            per_article[-1].append(k)
    texts = list(index)
    signatures = BatchSigner(params).sign_shingles(shingles(t, params) for t in texts)
    empty = Permutations.of(params.scheme, params.seed, params.num_perm).empty
    table = PassageTable(
        tuple(r.article.without_text() for r in results),
        tuple(passages),
        tuple(local),
        tuple(text_digest(t) for t in texts),
        tuple(len(t) for t in texts),
        tuple(r.article.id for r in signed),
    )
    unions = union(signatures, per_article, empty)
    return table, texts, signatures, unions, [r.article.text for r in signed]


# a partition's digests of distinct texts, ids of articles with passages, (id, outlet) of
# each article
Summary = tuple[list[bytes], list[str], list[tuple[str, str | None]]]


def _rows(values: Any, keep: list[int]) -> Any:
    if isinstance(values, np.ndarray):
        return np.ascontiguousarray(values[np.asarray(keep, dtype=np.int64)])
    return [values[k] for k in keep]


# ------------------------------------------------------------------ the client's side


def _summary(table: PassageTable) -> Summary:
    """What the client reads of a partition's table: the digests of its distinct texts, the
    ids of its articles with passages, and each article's id and outlet (for the report)."""
    return list(table.digests), list(table.signed), [(a.id, a.outlet) for a in table.articles]


def _numbered(digests: Sequence[Sequence[bytes]]) -> tuple[list[list[int]], list[list[int]]]:
    """The distinct texts numbered as ``reuse.Corpus.build`` numbers them (first occurrence
    in id order, so each partition's new texts get consecutive numbers): per partition, the
    number of each of its distinct texts, and the local positions of the texts first seen
    there (the rows its blocks contribute)."""
    number: dict[bytes, int] = {}
    numbers: list[list[int]] = []
    owned: list[list[int]] = []
    for table in digests:
        mine: list[int] = []
        for k, digest in enumerate(table):
            if digest not in number:
                number[digest] = len(number)
                mine.append(k)
        numbers.append([number[d] for d in table])
        owned.append(mine)
    return numbers, owned


def _rows_of(
    client: Any, blocks: Sequence[Future[Any]], keep: Sequence[list[int]], width: int, dtype: str
) -> Rows:
    parts, starts, total = [], [], 0
    for block, rows in zip(blocks, keep, strict=True):
        if rows:
            parts.append(client.submit(_rows, block, rows))
            starts.append(total)
            total += len(rows)
    return Rows(parts, starts, total, width, dtype)

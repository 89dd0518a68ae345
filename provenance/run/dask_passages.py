"""The Dask engine's passages (``run.dask_flow``): each partition lists its passages
without their texts, the digest and length of each distinct text, and signs them; the
client reads the digests only and numbers the distinct texts as ``reuse.Corpus.build``
does. The tables, texts and signatures (``Rows``) stay on the workers; ``run.dask_spans``
assembles the spans from them."""

from __future__ import annotations

import itertools
import operator
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from distributed import Future

from provenance.config import Config
from provenance.fingerprint import FingerprintParams, shingles
from provenance.match.claim_columns import text_digest
from provenance.match.signatures import BatchSigner, Matrix, Permutations, union
from provenance.match.units import passages_of
from provenance.model import Article, ArticleResult, Passage
from provenance.run.dask_bands import Rows

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


# a partition's ids of articles with passages, and (id, outlet) of each article
Summary = tuple[list[str], list[tuple[str, str | None]]]


def _bucket(digest: bytes, buckets: int) -> int:
    return int.from_bytes(digest[:8], "little") % buckets


def _route_digests(table: PassageTable, buckets: int) -> list[list[tuple[bytes, int]]]:
    """A partition's distinct digests with their positions, split by bucket (in order)."""
    out: list[list[tuple[bytes, int]]] = [[] for _ in range(buckets)]
    for k, digest in enumerate(table.digests):
        out[_bucket(digest, buckets)].append((digest, k))
    return out


def _firsts(*pieces: list[tuple[bytes, int]]) -> list[list[int]]:
    """Per partition, the positions of the bucket's digests first seen there (``pieces``:
    the bucket's piece of each partition, in partition order)."""
    first: dict[bytes, tuple[int, int]] = {}
    for part, piece in enumerate(pieces):
        for digest, k in piece:
            first.setdefault(digest, (part, k))
    out: list[list[int]] = [[] for _ in pieces]
    for part, k in first.values():
        out[part].append(k)
    return out


def _owned(*pieces: list[int]) -> list[int]:
    return sorted(k for piece in pieces for k in piece)


def _numbers_out(
    table: PassageTable, owned: list[int], offset: int, buckets: int
) -> list[dict[bytes, int]]:
    """The numbers of the texts first seen in a partition, split by the bucket of their
    digest."""
    out: list[dict[bytes, int]] = [{} for _ in range(buckets)]
    for n, k in enumerate(owned, start=offset):
        digest = table.digests[k]
        out[_bucket(digest, buckets)][digest] = n
    return out


def _numbers_back(parts: int, *pieces: Any) -> list[list[tuple[int, int]]]:
    """A bucket's numbers sent back, per partition, as (position, number) of its texts
    (``pieces``: the bucket's digests of each partition, then its numbers from each)."""
    seen: Sequence[list[tuple[bytes, int]]] = pieces[:parts]
    number: dict[bytes, int] = {}
    for found in pieces[parts:]:
        number.update(found)
    return [[(k, number[digest]) for digest, k in piece] for piece in seen]


def _numbers_in(table: PassageTable, *pieces: list[tuple[int, int]]) -> list[int]:
    numbers = [0] * len(table.digests)
    for piece in pieces:
        for k, n in piece:
            numbers[k] = n
    return numbers


def _rows(values: Any, keep: list[int]) -> Any:
    if isinstance(values, np.ndarray):
        return np.ascontiguousarray(values[np.asarray(keep, dtype=np.int64)])
    return [values[k] for k in keep]


# ------------------------------------------------------------------ the client's side


def _summary(table: PassageTable) -> Summary:
    """What the client reads of a partition's table: the ids of its articles with passages,
    and each article's id and outlet (for the report)."""
    return list(table.signed), [(a.id, a.outlet) for a in table.articles]


@dataclass(frozen=True)
class Numbered:
    """The distinct texts numbered on the workers (``numbered``): per partition, a future of
    the number of each of its distinct texts, a future of the local positions of the texts
    first seen there (the rows its blocks contribute), and how many those are."""

    numbers: list[Future[Any]]
    owned: list[Future[Any]]
    counts: list[int]


def numbered(client: Any, tables: Sequence[Future[Any]]) -> Numbered:
    """The distinct texts numbered as ``reuse.Corpus.build`` numbers them (first occurrence
    in id order, so each partition's new texts get consecutive numbers), by a shuffle on
    the texts' digests: each bucket of digests finds the partition and position where each
    was first seen; each partition's first-seen texts are numbered from the total of the
    partitions before it (the only figures the client reads); each bucket sends the numbers
    back to the partitions that have the texts."""
    parts = len(tables)
    routed = [client.submit(_route_digests, t, parts) for t in tables]
    pieces = [[client.submit(operator.getitem, r, b) for b in range(parts)] for r in routed]
    firsts = [client.submit(_firsts, *(p[b] for p in pieces)) for b in range(parts)]
    split = [[client.submit(operator.getitem, f, q) for q in range(parts)] for f in firsts]
    owned = [client.submit(_owned, *(f[q] for f in split)) for q in range(parts)]
    counts: list[int] = client.gather([client.submit(len, o) for o in owned])
    offsets = list(itertools.accumulate(counts, initial=0))
    sent = [
        client.submit(_numbers_out, t, o, offsets[q], parts)
        for q, (t, o) in enumerate(zip(tables, owned, strict=True))
    ]
    sent_pieces = [[client.submit(operator.getitem, x, b) for b in range(parts)] for x in sent]
    back = [
        client.submit(_numbers_back, parts, *(p[b] for p in pieces), *(x[b] for x in sent_pieces))
        for b in range(parts)
    ]
    back_pieces = [[client.submit(operator.getitem, x, q) for q in range(parts)] for x in back]
    numbers = [
        client.submit(_numbers_in, t, *(x[q] for x in back_pieces)) for q, t in enumerate(tables)
    ]
    return Numbered(numbers, owned, counts)


def _rows_of(
    client: Any,
    blocks: Sequence[Future[Any]],
    keep: Sequence[Any],
    counts: Sequence[int],
    width: int,
    dtype: str,
) -> Rows:
    """The rows ``keep`` (lists of positions, or futures of them, ``counts`` long) of each
    of ``blocks``, one table on the workers."""
    parts, starts, total = [], [], 0
    for block, rows, count in zip(blocks, keep, counts, strict=True):
        if count:
            parts.append(client.submit(_rows, block, rows))
            starts.append(total)
            total += count
    return Rows(parts, starts, total, width, dtype)

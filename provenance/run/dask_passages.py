"""The Dask engine's passages (``run.dask_flow``): each partition lists its passages
without their texts, the digest and length of each distinct text, and signs them; the
client numbers the distinct texts as ``reuse.Corpus.build`` does and makes a
``reuse.Corpus`` of the text-less passages whose texts (``WorkerTexts``) and signatures
(``Rows``) stay on the workers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from distributed import Future

from provenance.config import Config
from provenance.fingerprint import FingerprintParams, shingles
from provenance.match.reuse import Corpus, text_digest
from provenance.match.signatures import BatchSigner, Matrix, Permutations, union
from provenance.match.units import Texts, passages_of
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


def _rows(values: Any, keep: list[int]) -> Any:
    if isinstance(values, np.ndarray):
        return np.ascontiguousarray(values[np.asarray(keep, dtype=np.int64)])
    return [values[k] for k in keep]


# ------------------------------------------------------------------ the client's side


def _numbered(tables: Sequence[PassageTable]) -> tuple[list[list[int]], list[list[int]]]:
    """The distinct texts numbered as ``reuse.Corpus.build`` numbers them (first occurrence
    in id order, so each partition's new texts get consecutive numbers): per partition, the
    number of each of its distinct texts, and the local positions of the texts first seen
    there (the rows its blocks contribute)."""
    number: dict[bytes, int] = {}
    numbers: list[list[int]] = []
    owned: list[list[int]] = []
    for table in tables:
        mine: list[int] = []
        for k, digest in enumerate(table.digests):
            if digest not in number:
                number[digest] = len(number)
                mine.append(k)
        numbers.append([number[d] for d in table.digests])
        owned.append(mine)
    return numbers, owned


def _corpus(tables: Sequence[PassageTable], numbers: Sequence[list[int]], texts: Texts) -> Corpus:
    """``reuse.Corpus`` of the partitions' text-less passages; its ``texts`` are on the
    workers, and so are the signatures (an empty matrix here: the candidates are a shuffle
    on the workers)."""
    articles: dict[str, Article] = {}
    owner: list[int] = []
    starts: list[int] = []
    passage_text: list[int] = []
    lengths = np.zeros(len(texts), dtype=np.int64)
    for table, mine in zip(tables, numbers, strict=True):
        position = {}
        for a in table.articles:
            position[a.id] = len(articles)
            articles[a.id] = a
        for passage, k in zip(table.passages, table.local, strict=True):
            owner.append(position[passage.article_id])
            starts.append(passage.start)
            passage_text.append(mine[k])
        lengths[mine] = table.lengths
    return Corpus.of(
        articles,
        np.asarray(owner, dtype=np.int64),
        np.asarray(starts, dtype=np.int64),
        np.asarray(passage_text, dtype=np.int64),
        lengths,
        texts,
        np.empty((0, 0), dtype=np.uint32),
    )


class WorkerTexts:
    """``match.units.Texts`` over distinct texts left on the workers in blocks (``Rows`` of
    text lists): read back by number, a task per block asked for. Numbered already: the
    Dask engine's corpus is assembled from the partitions, never extended."""

    def __init__(self, client: Any, rows: Rows) -> None:
        self.client = client
        self.rows = rows

    def __len__(self) -> int:
        return self.rows.total

    def extend(self, texts: Sequence[str]) -> None:
        raise TypeError("the texts on the workers are numbered already")

    def many(self, seqs: Sequence[int]) -> list[str]:
        starts = self.rows.starts
        owner = (np.searchsorted(np.asarray(starts), seqs, side="right") - 1).tolist()
        wanted: dict[int, list[int]] = {}
        for seq, block in zip(seqs, owner, strict=True):
            wanted.setdefault(block, []).append(seq - starts[block])
        tasks = [self.client.submit(_rows, self.rows.parts[b], keep) for b, keep in wanted.items()]
        read = {b: iter(got) for b, got in zip(wanted, self.client.gather(tasks), strict=True)}
        return [next(read[block]) for block in owner]


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

"""The claim corpus's columns and the views that read them: per article, its distinct texts
and its outlet; per distinct text, a set of names (anchors, outlets) from CSR columns; the
stored texts as a sequence; and the numbering of distinct texts and of anchors.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, TypeVar, overload

import numpy as np

from provenance.match import codes
from provenance.match.articles import Ids, Lazy
from provenance.match.codes import index_type
from provenance.match.units import Texts
from provenance.model import Article, SourceKind

Column = np.ndarray[Any, Any]


def text_digest(text: str) -> bytes:
    """The 128-bit hash that tells distinct unit texts apart."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


# Sorted units compared with the one before them this many at a time (the comparison's
# temporaries: about 40 bytes a unit of the chunk, instead of a sorted copy of every key).
DISTINCT_CHUNK = 1 << 18


def number_distinct(digests: bytes | bytearray) -> tuple[Column, Column]:
    """Per unit, the number of its distinct text (numbered by first occurrence), and per
    distinct text, its first unit: from the units' 128-bit hashes, concatenated (int32
    numbers: fewer than 2**31 units). The units are sorted by hash (a stable sort: equal
    hashes by position), each compared with the one before it a chunk at a time."""
    keys = np.frombuffer(digests, dtype=np.uint64).reshape(-1, 2)
    n = len(keys)
    if not n:
        return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int32)
    order = np.lexsort((keys[:, 1], keys[:, 0])).astype(index_type(n))
    starts = np.empty(n, dtype=bool)  # where a distinct text starts in sorted order
    starts[0] = True
    for lo in range(1, n, DISTINCT_CHUNK):
        hi = min(lo + DISTINCT_CHUNK, n)
        starts[lo:hi] = (keys[order[lo - 1 : hi - 1]] != keys[order[lo:hi]]).any(axis=1)
    group = np.cumsum(starts, dtype=np.int32)
    group -= 1
    firsts = order[starts]  # each distinct text's first unit: the first of its sorted run
    del starts
    by_first = np.argsort(firsts)
    rank = np.empty(len(firsts), dtype=np.int32)
    rank[by_first] = np.arange(len(firsts), dtype=np.int32)
    numbers = np.empty(n, dtype=np.int32)
    numbers[order] = rank[group]
    return numbers, firsts[by_first]  # the order's type: int32 below 2**31 units


class ArticleTexts(Mapping[str, list[int]]):
    """Per article id (articles with units only, in id order): the distinct text of each
    of its units, in text order; computed from the unit columns when asked."""

    def __init__(self, ids: Ids, cuts: Column, unit_text: codes.Picked) -> None:
        self._ids = ids
        self._cuts = cuts
        self._unit_text = unit_text

    def spans(self) -> tuple[codes.Matrix, codes.Picked]:
        """The same by position, as CSR columns: article ``k`` (the ``k``-th in iteration
        order) has the texts ``unit_text[cuts[k] : cuts[k + 1]]``; (cuts, unit_text).
        An article without units has no range of its own: the positions are the distinct
        values of the per-article bounds, in order."""
        return np.unique(np.asarray(self._cuts[:], dtype=np.int64)), self._unit_text

    def __getitem__(self, article_id: str) -> list[int]:
        n = self._ids.bisect_left(article_id)
        if n == len(self._ids) or self._ids[n] != article_id or not self._has(n):
            raise KeyError(article_id)
        found: list[int] = self._unit_text[self._cuts[n] : self._cuts[n + 1]].tolist()
        return found

    def _has(self, n: int) -> bool:
        return bool(self._cuts[n + 1] > self._cuts[n])

    def __iter__(self) -> Iterator[str]:
        return (a for n, a in enumerate(self._ids) if self._has(n))

    def __len__(self) -> int:
        return int(np.count_nonzero(np.diff(self._cuts)))


V = TypeVar("V")


class _ById(Mapping[str, V]):
    """Per article id (all articles, in id order): a value made from its position."""

    def __init__(self, ids: Ids) -> None:
        self._ids = ids

    def _at(self, n: int) -> V:
        raise NotImplementedError

    def __getitem__(self, article_id: str) -> V:
        n = self._ids.bisect_left(article_id)
        if n == len(self._ids) or self._ids[n] != article_id:
            raise KeyError(article_id)
        return self._at(n)

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)


class ArticleOutlets(_ById[str]):
    """Per article id: its ``outlet_key``, from the columns."""

    def __init__(self, ids: Ids, outlet: Column, names: Sequence[str]) -> None:
        super().__init__(ids)
        self._outlet = outlet
        self._names = names

    def _at(self, n: int) -> str:
        return self._names[int(self._outlet[n])]


class Sets(Lazy[frozenset[str]]):
    """Per distinct text, a set of names from CSR columns (``names[ids[cuts[k]:cuts[k+1]]]``),
    made when asked; with ``shared``, equal sets are one object (a corpus has few outlet
    sets, each remembered once)."""

    def __init__(self, names: Sequence[str], cuts: Column, ids: codes.Column, shared: bool) -> None:
        self._names = names
        self._cuts = cuts
        self._ids = ids
        self._seen: dict[tuple[int, ...], frozenset[str]] | None = {} if shared else None

    def __len__(self) -> int:
        return len(self._cuts) - 1

    def _get(self, k: int) -> frozenset[str]:
        k = int(k)
        these: tuple[int, ...] = tuple(self._ids[self._cuts[k] : self._cuts[k + 1]].tolist())
        if self._seen is None:
            return frozenset(self._names[i] for i in these)
        found = self._seen.get(these)
        if found is None:
            found = self._seen[these] = frozenset(self._names[i] for i in these)
        return found


class TextSequence(Sequence[str]):
    """``Texts`` from number ``start`` on as a sequence: a slice, or ``BLOCK`` texts while
    iterating, read at once."""

    BLOCK = 2_048

    def __init__(self, texts: Texts, start: int = 0) -> None:
        self._texts = texts
        self._start = min(max(0, start), len(texts))

    def __len__(self) -> int:
        return len(self._texts) - self._start

    @overload
    def __getitem__(self, k: int) -> str: ...
    @overload
    def __getitem__(self, k: slice) -> list[str]: ...
    def __getitem__(self, k: int | slice) -> str | list[str]:
        if isinstance(k, slice):
            seqs = range(*k.indices(len(self)))
            at = self._start
            return self._texts.many(range(at + seqs.start, at + seqs.stop, seqs.step))
        if not -len(self) <= k < len(self):
            raise IndexError(k)
        return self._texts.many([self._start + k % len(self)])[0]

    def __iter__(self) -> Iterator[str]:
        for lo in range(0, len(self), self.BLOCK):
            yield from self[lo : lo + self.BLOCK]


def article_record(article: Article) -> str:
    """What the claim stage keeps of an article (``Article.without_text``) as one string."""
    a = article
    fields = [a.id, a.title, a.outlet, a.url, a.published, a.source_kind, a.language, a.authors]
    return json.dumps(fields, ensure_ascii=False)


def from_record(record: str) -> Article:
    """The text-less article of an ``article_record``."""
    id_, title, outlet, url, published, kind, language, authors = json.loads(record)
    return Article(
        id_, "", title, outlet, url, published, SourceKind(kind), language, tuple(authors)
    )


class StoredArticleRecords(_ById[Article]):
    """Per article id: the article without its text, read back from ``records``
    (``article_record`` of each article, in id order) when asked."""

    def __init__(self, ids: Ids, records: Texts) -> None:
        super().__init__(ids)
        self._records = records

    def _at(self, n: int) -> Article:
        return from_record(self._records.many([n])[0])

    def numbered(self, numbers: Sequence[int]) -> list[Article]:
        """The articles numbered ``numbers`` (positions in id order), read at once."""
        return [from_record(r) for r in self._records.many(numbers)]

"""The articles of a corpus-wide stage as numpy columns: what reuse and quotation groups
keep of every article (id, outlet, date, kind) without an ``Article`` object per article.

``Strings`` holds many strings in one UTF-8 buffer (a few bytes of offsets each);
``ArticleTable`` the text-less articles in id order, an ``Article`` made when one is read,
with the two questions the stages ask of many articles at once answered on the columns:
which is the best source (``ranks``: ``reuse_spans.Ranking.key``'s order) and which had a
text first (``first_of``: ``origin.first_appearance``'s rule; a test compares the two).
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar, overload

import numpy as np

from provenance.match.origin import UNKNOWN
from provenance.model import Article, SourceKind

Matrix = np.ndarray[Any, Any]
T = TypeVar("T")

# Articles made by ``ArticleTable.article`` kept for their next read (a text's occurrences
# are read together, and the best sources again and again).
_CACHED = 4096
_KINDS = tuple(SourceKind)


class Lazy(Sequence[T]):
    """A sequence whose items are made when read (``_get`` of a position in range)."""

    def __len__(self) -> int:
        raise NotImplementedError

    def _get(self, k: int) -> T:
        raise NotImplementedError

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[T]: ...
    def __getitem__(self, index: int | slice) -> T | Sequence[T]:
        if isinstance(index, slice):
            return [self._get(k) for k in range(*index.indices(len(self)))]
        if not -len(self) <= index < len(self):
            raise IndexError(index)
        return self._get(index % len(self))

    def __iter__(self) -> Iterator[T]:
        return (self._get(k) for k in range(len(self)))


class Strings(Lazy[str | None]):
    """Strings (or ``None``) in one UTF-8 buffer, read back by number."""

    # the offsets are 4 bytes each while the buffer is below 2 GiB (the claim corpus's
    # anchor names: millions of them at 1,000,000 articles), 8 bytes beyond
    _SMALL = 2**31 - 1

    def __init__(self, values: Iterable[str | None] = ()) -> None:
        self._buffer = bytearray()
        self._ends = array("i")
        self._none = array("b")
        for value in values:
            self.append(value)

    def append(self, value: str | None) -> None:
        if value is not None:
            self._buffer += value.encode("utf-8", "surrogatepass")
            if len(self._buffer) > self._SMALL and self._ends.typecode == "i":
                self._ends = array("q", self._ends)
        self._ends.append(len(self._buffer))
        self._none.append(value is None)

    def __len__(self) -> int:
        return len(self._ends)

    def _get(self, k: int) -> str | None:
        if self._none[k]:
            return None
        return self.utf8(k).decode("utf-8", "surrogatepass")

    def utf8(self, k: int) -> bytes:
        """String ``k``'s UTF-8 bytes as held (``None``'s: none), not decoded."""
        return bytes(self._buffer[self._ends[k - 1] if k else 0 : self._ends[k]])


class Names(Lazy[str]):
    """``Strings`` that are never None, read back by number (a few bytes each instead of a
    Python string each: the claim corpus's distinct anchors, the article ids)."""

    def __init__(self, strings: Strings) -> None:
        self._strings = strings

    def __len__(self) -> int:
        return len(self._strings)

    def _get(self, k: int) -> str:
        found = self._strings._get(k)  # k is in range: ``Lazy.__getitem__`` checked it
        assert found is not None  # a name is never None
        return found

    def utf8(self, numbers: Iterable[int]) -> list[bytes]:
        """The UTF-8 bytes of names ``numbers`` (``name.encode("utf-8")`` of each: a name
        is never a lone surrogate, as no input text holds one), read without decoding."""
        return [self._strings.utf8(k) for k in numbers]


class Ids(Names):
    """Article ids in id order (``ArticleTable.ids``); ``index`` by binary search."""

    def index(self, value: Any, start: int = 0, stop: int | None = None) -> int:
        """The number of article id ``value`` (a binary search; ValueError if absent)."""
        stop = len(self) if stop is None else stop
        if isinstance(value, str):
            k = self.bisect_left(value, start, stop)
            if k < stop and self[k] == value:
                return k
        raise ValueError(f"{value!r} is not an article id of the table")

    def bisect_left(self, value: str, start: int = 0, stop: int | None = None) -> int:
        """Where ``value`` goes among the ids (``bisect.bisect_left``), comparing the UTF-8
        bytes in place: their order is the code points', the order of ``str``, and no id is
        decoded on the way."""
        strings = self._strings
        buffer, ends = strings._buffer, strings._ends
        target = value.encode("utf-8", "surrogatepass")
        low, high = start, len(self) if stop is None else stop
        while low < high:
            middle = (low + high) // 2
            if buffer[ends[middle - 1] if middle else 0 : ends[middle]] < target:
                low = middle + 1
            else:
                high = middle
        return low

    def picked(self, numbers: Matrix) -> Sequence[str]:
        """The ids of articles ``numbers`` (in that order), read when asked for."""
        return _Picked(self, numbers)


class _Picked(Lazy[str]):
    def __init__(self, ids: Ids, numbers: Matrix) -> None:
        self._ids = ids
        self._numbers = numbers

    def __len__(self) -> int:
        return len(self._numbers)

    def _get(self, k: int) -> str:
        return self._ids[int(self._numbers[k])]


class ArticleTable:
    """Text-less articles in id order as columns: ids and published dates as ``Strings``,
    outlets as codes, the kind and the published instant (seconds, NaN when unknown) as
    numpy arrays. ``add`` them in id order, then ``close``."""

    def __init__(self) -> None:
        self._ids = Strings()
        self._published = Strings()
        self._outlet_names: list[str | None] = []
        self._outlet_codes: dict[str | None, int] = {}
        self._outlet = array("i")
        self._kind = array("b")
        self._instant = array("d")
        self.ids = Ids(self._ids)
        self.kind: Matrix = np.zeros(0, dtype=np.int8)  # index in ``_KINDS``
        self.wire: Matrix = np.zeros(0, dtype=bool)
        self.instant: Matrix = np.zeros(0)
        self._cache: dict[int, Article] = {}  # no cycle through a bound method

    @classmethod
    def of(cls, articles: Iterable[Article]) -> ArticleTable:
        """The table of ``articles`` (sorted by id here)."""
        table = cls()
        for a in sorted(articles, key=lambda a: a.id):
            table.add(a)
        return table.close()

    def add(self, article: Article) -> None:
        if len(self._ids) and article.id <= self.ids[len(self._ids) - 1]:
            raise ValueError(f"articles out of id order: {article.id!r}")
        self._ids.append(article.id)
        self._published.append(article.published)
        code = self._outlet_codes.setdefault(article.outlet, len(self._outlet_names))
        if code == len(self._outlet_names):
            self._outlet_names.append(article.outlet)
        self._outlet.append(code)
        self._kind.append(_KINDS.index(article.source_kind))
        at = article.published_at
        self._instant.append(at.timestamp() if at is not None else math.nan)

    def close(self) -> ArticleTable:
        """The numpy columns of the articles added (no more are added after)."""
        self.kind = np.frombuffer(self._kind, dtype=np.int8).copy()
        self.wire = self.kind == _KINDS.index(SourceKind.WIRE)
        self.instant = np.frombuffer(self._instant, dtype=np.float64).copy()
        self._kind, self._instant = array("b"), array("d")
        self._cache.clear()
        return self

    def __len__(self) -> int:
        return len(self._ids)

    def article(self, k: int) -> Article:
        """Article number ``k`` without its text: id, outlet, date and kind (what the
        corpus-wide stages read of an article); the last ``_CACHED`` made are kept."""
        found = self._cache.get(k)
        if found is None:
            if len(self._cache) >= _CACHED:  # the oldest goes
                del self._cache[next(iter(self._cache))]
            found = self._cache[k] = self._made(k)
        return found

    def _made(self, k: int) -> Article:
        return Article(
            self.ids[k],
            "",
            outlet=self._outlet_names[self._outlet[k]],
            published=self._published[k],
            source_kind=_KINDS[self.kind[k]],
        )

    def outlet(self, k: int) -> str | None:
        return self._outlet_names[self._outlet[k]]

    def published(self, k: int) -> str | None:
        return self._published[k]

    def ranks(self) -> Matrix:
        """Each article's rank as a source, best first: ``reuse_spans.Ranking.key``
        (wire articles, then the earliest instant, undated last, then id) on the columns."""
        undated = np.isnan(self.instant)
        order = np.lexsort(
            (np.arange(len(self)), np.where(undated, 0.0, self.instant), undated, ~self.wire)
        )
        rank = np.empty(len(self), dtype=np.int64)
        rank[order] = np.arange(len(self))
        return rank

    def first_of(self, numbers: Matrix) -> int | None:
        """Which of the articles ``numbers`` (all carrying one text, repeats allowed) had
        it first: ``origin.first_appearance`` on the columns, as an article number (None:
        ``UNKNOWN``)."""
        ks = np.unique(np.asarray(numbers, dtype=np.int64))
        wire = ks[self.wire[ks]]
        pool = wire if len(wire) else ks
        if len(pool) == 1:
            return int(pool[0])
        instants = self.instant[pool]
        if np.isnan(instants).any():
            return None
        earliest = np.flatnonzero(instants == instants.min())
        return int(pool[earliest[0]]) if len(earliest) == 1 else None

    def first_id(self, numbers: Matrix) -> str:
        """``first_of`` as an id (or ``UNKNOWN``)."""
        k = self.first_of(numbers)
        return UNKNOWN if k is None else self.ids[k]

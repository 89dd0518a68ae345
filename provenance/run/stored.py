"""What the work store keeps outside its tables' records: the matching stage's distinct
passage texts (``StoredTexts``, a table of the store), float32 vectors (``StoredRows``) and
MinHash signatures (``StoredMatrix``), each in a file of its own beside it, read back by
number when needed."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from provenance.errors import ProvenanceError

# Numbers bound in one SQL query (SQLite's default limit is 32766 since 3.32).
_SQL_VARS = 900


class WorkStoreError(ProvenanceError):
    """The work folder cannot be used (other input, other configuration, unreadable)."""


class StoredTexts:
    """Texts numbered in the order they are added, kept in the work store rather than in
    memory (``match.units.Texts``): the matching stage reads back the ones it aligns."""

    def __init__(self, db: sqlite3.Connection, name: str) -> None:
        self._db = db
        self._name = name
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def extend(self, texts: Sequence[str]) -> None:
        rows = [(self._name, self._count + i, t) for i, t in enumerate(texts)]
        with self._db:
            self._db.executemany("INSERT INTO texts VALUES (?, ?, ?)", rows)
        self._count += len(rows)

    def many(self, seqs: Sequence[int]) -> list[str]:
        """The texts numbered ``seqs``, in that order."""
        query = "SELECT seq, text FROM texts WHERE name = ? AND seq IN ({marks})"
        found: dict[int, str] = by_number(self._db, query, (self._name,), seqs)
        return [found[s] for s in seqs]


def by_number(
    db: sqlite3.Connection, query: str, first: tuple[Any, ...], seqs: Sequence[int]
) -> dict[int, Any]:
    """The rows ``(seq, value)`` of ``query`` for the distinct numbers of ``seqs``: its
    ``{marks}`` bound to ``_SQL_VARS`` numbers a query, after the parameters ``first``."""
    found: dict[int, Any] = {}
    wanted = sorted(set(seqs))
    for at in range(0, len(wanted), _SQL_VARS):
        part = wanted[at : at + _SQL_VARS]
        found.update(db.execute(query.format(marks=",".join("?" * len(part))), (*first, *part)))
    return found


class _RowFile:
    """Rows of ``width`` values of ``DTYPE`` in a file of their own beside the work store,
    appended a block at a time."""

    DTYPE: np.dtype[Any] = np.dtype("<f4")

    def __init__(self, path: Path, width: int) -> None:
        self._path = path
        self._width = width
        self._count = 0
        try:
            # never through a link: the file is ours, in our folder
            flags = os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW
            self._fd = os.open(path, flags, 0o600)
        except OSError as exc:
            raise WorkStoreError(f"{path}: cannot use the work folder: {exc.strerror}") from None

    def __len__(self) -> int:
        return self._count

    @property
    def shape(self) -> tuple[int, int]:
        return self._count, self._width

    def extend(self, rows: npt.NDArray[Any]) -> None:
        """Append ``rows`` (``len(self)`` x width)."""
        if not len(rows):
            return
        view = np.ascontiguousarray(rows, dtype=self.DTYPE).data.cast("B")  # no copy
        at, done = self._count * self._width * self.DTYPE.itemsize, 0
        while done < len(view):
            done += os.pwrite(self._fd, view[done:], at + done)
        self._count += len(rows)

    def _read(self, out: npt.NDArray[Any], start: int) -> None:
        """Rows ``start`` on into ``out`` (C-contiguous, whole rows)."""
        size = out.nbytes
        view = out.data.cast("B")
        done = 0
        while done < size:
            at = start * self._width * self.DTYPE.itemsize + done
            got = os.preadv(self._fd, [view[done:]], at)
            if got <= 0:
                raise WorkStoreError(f"{self._path}: the stored rows end early")
            done += got

    def _position(self, k: int) -> int:
        if not -self._count <= k < self._count:
            raise IndexError(k)
        return k % self._count

    def close(self) -> None:
        """Close and remove the file (what it held is no longer needed)."""
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
            self._path.unlink(missing_ok=True)


class StoredRows(_RowFile):
    """Rows of a float32 matrix in a file of their own (``match.units.Rows``), read back by
    row number with positioned reads: only the rows asked for are in memory, never a
    mapping of the whole file."""

    def __getitem__(
        self, index: int | Sequence[int] | npt.NDArray[np.integer[Any]]
    ) -> npt.NDArray[np.float32]:
        """Row ``index`` (a vector), or the rows ``index`` in that order (a matrix)."""
        if isinstance(index, int | np.integer):
            row = np.empty(self._width, dtype=np.float32)
            self._read(row, self._position(int(index)))
            return row
        wanted = [self._position(int(k)) for k in index]
        out = np.empty((len(wanted), self._width), dtype=np.float32)
        n = 0
        while n < len(wanted):  # a run of consecutive rows is one read
            m = n + 1
            while m < len(wanted) and wanted[m] == wanted[m - 1] + 1:
                m += 1
            self._read(out[n:m], wanted[n])
            n = m
        return out


class StoredMatrix(_RowFile):
    """MinHash signatures (uint32 rows: ``match.candidates.SignatureRows``) in a file of
    their own, read back as LSH reads them: a few columns of every row (a band), or rows
    picked by number. Each read maps the file, copies what it asked for and drops the
    mapping, so what stays resident is what one read returns: columns ``WINDOW`` at a time
    (read in one pass over the file, ``BLOCK`` rows mapped at once), picked rows as many as
    asked for."""

    DTYPE: np.dtype[Any] = np.dtype("<u4")
    BLOCK = 65_536  # rows mapped at once while columns are read
    WINDOW = 24  # columns read per pass over the file: more, fewer passes, more memory

    def __init__(self, path: Path, width: int) -> None:
        super().__init__(path, width)
        self._reader = open(self._fd, "rb", closefd=False)  # noqa: SIM115 (closed in close)
        self._window: tuple[int, npt.NDArray[np.uint32]] | None = None  # first column, values

    @property
    def dtype(self) -> np.dtype[Any]:
        return np.dtype(np.uint32)

    def _map(self, first: int, count: int) -> npt.NDArray[np.uint32]:
        """Rows ``first`` .. ``first + count`` of the file, mapped (dropped with the array)."""
        offset = first * self._width * self.DTYPE.itemsize
        shape = (count, self._width)
        return np.memmap(self._reader, dtype=self.DTYPE, mode="r", offset=offset, shape=shape)

    def _columns(self, start: int, stop: int) -> npt.NDArray[np.uint32]:
        if self._window is not None:
            first, values = self._window
            if first <= start and stop <= first + values.shape[1]:
                return values[:, start - first : stop - first]
        end = min(self._width, max(stop, start + self.WINDOW))
        values = np.empty((self._count, end - start), dtype=np.uint32)
        for lo in range(0, self._count, self.BLOCK):
            hi = min(self._count, lo + self.BLOCK)
            mapped = self._map(lo, hi - lo)
            values[lo:hi] = mapped[:, start:end]
            del mapped
        self._window = (start, values)
        return values[:, : stop - start]

    def __getitem__(self, index: Any) -> npt.NDArray[np.uint32]:
        """``[:, a:b]``: columns a to b of every row; ``[rows]``: the rows numbered ``rows``
        (a sequence, an integer array or a slice), in that order."""
        if isinstance(index, slice):
            index = np.arange(*index.indices(self._count))
        if isinstance(index, tuple):
            rows, cols = index
            if rows != slice(None) or not isinstance(cols, slice) or cols.step not in (None, 1):
                raise TypeError(f"unsupported index {index!r}")
            start, stop, _ = cols.indices(self._width)
            return self._columns(start, max(start, stop))
        picked = np.asarray(index, dtype=np.int64)
        if picked.ndim != 1:
            raise TypeError(f"unsupported index {index!r}")
        if len(picked) and not (-self._count <= picked.min() and picked.max() < self._count):
            raise IndexError("row number out of range")
        if not len(picked) or not self._count:
            return np.empty((0, self._width), dtype=np.uint32)
        mapped = self._map(0, self._count)
        out = np.array(mapped[picked % self._count], dtype=np.uint32)
        del mapped
        return out

    def extend(self, rows: npt.NDArray[Any]) -> None:
        self._window = None
        super().extend(rows)

    def close(self) -> None:
        self._window = None
        self._reader.close()
        super().close()

"""What the work store keeps outside its tables' records: the matching stage's distinct
passage texts (``StoredTexts``, a table of the store) and float32 vectors (``StoredRows``,
a file of their own beside it), read back by number when needed."""

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
        found: dict[int, str] = {}
        wanted = sorted(set(seqs))
        for at in range(0, len(wanted), _SQL_VARS):
            part = wanted[at : at + _SQL_VARS]
            marks = ",".join("?" * len(part))
            query = f"SELECT seq, text FROM texts WHERE name = ? AND seq IN ({marks})"
            found.update(self._db.execute(query, (self._name, *part)))
        return [found[s] for s in seqs]


class StoredRows:
    """Rows of a float32 matrix in a file of their own (``match.units.Rows``), appended a
    block at a time and read back by row number with positioned reads: only the rows asked
    for are in memory, never a mapping of the whole file."""

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

    def extend(self, rows: npt.NDArray[np.float32]) -> None:
        """Append ``rows`` (``len(self)`` x width)."""
        view = np.ascontiguousarray(rows, dtype="<f4").data.cast("B")  # no copy
        at, done = self._count * self._width * 4, 0
        while done < len(view):
            done += os.pwrite(self._fd, view[done:], at + done)
        self._count += len(rows)

    def _read(self, out: npt.NDArray[np.float32], start: int) -> None:
        """Rows ``start`` on into ``out`` (C-contiguous, whole rows)."""
        size = out.nbytes
        view = out.data.cast("B")
        done = 0
        while done < size:
            got = os.preadv(self._fd, [view[done:]], start * self._width * 4 + done)
            if got <= 0:
                raise WorkStoreError(f"{self._path}: the stored vectors end early")
            done += got

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

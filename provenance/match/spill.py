"""Int64 codes (with a small count each) dealt into numbered buckets and taken back whole:
in memory, or in files of the work folder, so that a step over hundreds of millions of
pair codes holds one bucket at a time, not all of them.

``Spill`` makes a uint32 matrix file of the work folder by name and width
(``run.stored.StoredMatrix.beside``, a file that ``close`` removes). A bucket's file holds
a row per code: its low and high 32 bits, little-endian, then its count when counted.
``dealt`` and ``SpillFiles`` (a bucket's rows by number, the files made as they are first
written) serve rows of any width too (``links.StoredLinks``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from provenance.match.codes import Matrix, joined


class SpillMatrix(Protocol):
    """A uint32 matrix file: rows appended, read back by number, removed by ``close``."""

    def __len__(self) -> int: ...

    def __getitem__(self, index: Any) -> Matrix: ...

    def extend(self, rows: Matrix) -> None: ...

    def close(self) -> None: ...


# A uint32 matrix file of the work folder, by name and width (``run.stored.StoredMatrix.beside``)
Spill = Callable[[str, int], SpillMatrix]

DEAL = 1 << 22  # codes dealt at once: their bucket numbers sorted (8 bytes each, twice)
TAKE = 1 << 20  # rows of a bucket's file read at once (12 bytes each, and their codes)
# The bucket files' names begin so: scratch of one step, never read by another run (the
# work store removes any it finds when it opens: a run stopped in the step left them).
SCRATCH = "scratch-"


def dealt(parts: Matrix, count: int) -> Iterator[tuple[int, Matrix]]:
    """For each bucket (numbers below ``count``) that ``parts`` names: its number and the
    positions in ``parts`` that name it, in their order (a stable sort of ``parts``)."""
    order = np.argsort(parts, kind="stable")
    cuts = np.searchsorted(parts[order], np.arange(count + 1)).tolist()
    for k in np.flatnonzero(np.diff(cuts)).tolist():
        yield k, order[cuts[k] : cuts[k + 1]]


class SpillFiles:
    """Files of the work folder named ``name``-k, ``width`` uint32 columns each, made when
    a bucket k is first written; ``pop`` hands one over (its reader closes it), ``close``
    removes those not handed over."""

    def __init__(self, spill: Spill, name: str, width: int) -> None:
        self._spill, self._name, self._width = spill, name, width
        self._files: dict[int, SpillMatrix] = {}

    def numbers(self) -> list[int]:
        """The buckets written and not handed over, ascending."""
        return sorted(self._files)

    def extend(self, k: int, rows: Matrix) -> None:
        """Append ``rows`` to bucket k's file."""
        if k not in self._files:
            self._files[k] = self._spill(f"{SCRATCH}{self._name}-{k}", self._width)
        self._files[k].extend(rows)

    def pop(self, k: int) -> SpillMatrix | None:
        """Bucket k's file, no longer held here (None: nothing was written to it)."""
        return self._files.pop(k, None)

    def close(self) -> None:
        """Remove the files not handed over (a step stopped part way)."""
        for stored in self._files.values():
            stored.close()
        self._files.clear()


class Buckets:
    """``count`` buckets named ``name``-k of codes (int64), each with a count when the
    buckets have ``counts``, given back by ``take`` in the order they were added; with
    ``spill`` each bucket is a file written as codes come (``close`` removes what was not
    taken)."""

    def __init__(
        self, name: str, count: int, spill: Spill | None, counts: npt.DTypeLike | None = None
    ) -> None:
        """``counts``: the unsigned type of the counts (at most 32 bits), or None for codes
        without counts."""
        self._counts = np.dtype(np.uint8) if counts is None else np.dtype(counts)
        self._width = 2 if counts is None else 3
        self._held: list[list[tuple[Matrix, Matrix | None]]] = [[] for _ in range(count)]
        self._files = None if spill is None else SpillFiles(spill, name, self._width)

    def __len__(self) -> int:
        return len(self._held)

    def add(self, k: int, codes: Matrix, counts: Matrix | None = None) -> None:
        """Append ``codes`` (and their ``counts``, if the buckets have counts) to bucket k;
        in memory the arrays themselves are held (not copied): the caller lets go of them."""
        if not len(codes):
            return
        if (counts is None) != (self._width == 2):
            raise ValueError("counts go with counted buckets only")
        if self._files is None:
            held = None if counts is None else np.asarray(counts, dtype=self._counts)
            self._held[k].append((np.asarray(codes, dtype=np.int64), held))
            return
        rows = np.empty((len(codes), self._width), dtype="<u4")
        rows[:, :2] = np.ascontiguousarray(codes, dtype="<i8").view("<u4").reshape(-1, 2)
        if counts is not None:
            rows[:, 2] = counts
        self._files.extend(k, rows)

    def deal(self, codes: Matrix, parts: Matrix, counts: Matrix | None = None) -> None:
        """Append each code (and count) to bucket ``parts[i]``, in their order within each;
        ``DEAL`` codes at a time (a sort of their bucket numbers each)."""
        for lo in range(0, len(codes), DEAL):
            part = parts[lo : lo + DEAL]
            if part[0] == part.min() == part.max():  # all to one bucket
                self.add(int(part[0]), codes[lo : lo + DEAL], _part(counts, lo, lo + DEAL))
                continue
            for k, at in dealt(part, len(self)):
                at = at + lo
                self.add(k, codes[at], None if counts is None else counts[at])

    def take(self, k: int) -> tuple[npt.NDArray[np.int64], Matrix]:
        """Bucket k's codes and counts (of the buckets' type; uint8 zeros when the buckets
        have no counts), emptied. In memory they may be (views of) the very arrays given
        to ``add``, which the buckets no longer hold: the caller may change them."""
        if self._files is None:
            held, self._held[k] = self._held[k], []
            codes = [c for c, _ in held]
            counts = [np.zeros(len(c), self._counts) if n is None else n for c, n in held]
            return joined(codes, np.dtype(np.int64)), joined(counts, self._counts)
        stored = self._files.pop(k)
        if stored is None:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=self._counts)
        try:  # read into the codes and counts a chunk of rows at a time, not copied whole
            size = len(stored)
            out: npt.NDArray[np.int64] = np.empty(size, dtype=np.int64)
            out_counts = np.zeros(size, dtype=self._counts)
            for lo in range(0, size, TAKE):
                rows = stored[lo : lo + TAKE]
                out[lo : lo + len(rows)] = _codes(rows)
                if self._width == 3:
                    out_counts[lo : lo + len(rows)] = rows[:, 2]
        finally:
            stored.close()
        return out, out_counts

    def parts(self, k: int) -> Iterator[npt.NDArray[np.int64]]:
        """Bucket k's codes (its counts are not read), emptied, a part at a time: in
        memory the arrays given to ``add``, each let go once given; else ``TAKE`` rows of
        its file at a time (the file removed at the end)."""
        if self._files is None:
            held, self._held[k] = self._held[k], []
            held.reverse()
            while held:
                yield held.pop()[0]
            return
        stored = self._files.pop(k)
        if stored is None:
            return
        try:
            for lo in range(0, len(stored), TAKE):
                yield _codes(stored[lo : lo + TAKE])
        finally:
            stored.close()

    def close(self) -> None:
        """Remove the files of the buckets not taken (a step stopped part way)."""
        if self._files is not None:
            self._files.close()
        self._held = [[] for _ in self._held]


def _codes(rows: Matrix) -> npt.NDArray[np.int64]:
    """The int64 codes of rows of a bucket's file (their first two columns)."""
    return np.ascontiguousarray(rows[:, :2]).view("<i8")[:, 0]


def _part(values: Matrix | None, lo: int, hi: int) -> Matrix | None:
    return None if values is None else values[lo:hi]

"""Counts per (name, hash) pair in numpy columns: what the boilerplate stage's corpus-wide
reductions (outlet repeats, template-sentence votes) add up, without a Python object per
hash (a ``Counter`` entry or a set costs 100-400 bytes; a pair here costs 12 bytes and 8 per
value column).

Pairs are appended to flat buffers and merged into columns sorted by (hash, name) when the
buffers grow as long as the columns (or ``MERGE_MIN``): each pair is sorted a few times in
all, and the buffers never hold more than the columns. Names (outlets) are numbered in the
order they come; counts of disjoint parts of a corpus add up (``merge``), so a cluster can
count per partition and add the counts in a tree (``run.dask_flow``).
"""

from __future__ import annotations

from array import array
from collections.abc import Collection, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

# Pairs buffered before the first merge: fewer, fewer sorts of small columns; more, a
# longer buffer (20-28 bytes a pair) before anything is collapsed.
MERGE_MIN = 1 << 20

Column = npt.NDArray[Any]


class PairCounts:
    """Per (name, hash): ``width`` counts. The first is the number of ``add`` calls that gave
    the pair (its articles, the hashes of one call being distinct); the others add the
    values given with each hash."""

    def __init__(self, width: int = 1) -> None:
        self.width = width
        self.names: list[str] = []
        self._numbers: dict[str, int] = {}
        # the merged columns, sorted by (hash, name number), each pair once
        self.hashes: npt.NDArray[np.uint64] = np.zeros(0, dtype=np.uint64)
        self.codes: npt.NDArray[np.int32] = np.zeros(0, dtype=np.int32)
        self.values: npt.NDArray[np.int64] = np.zeros((0, width), dtype=np.int64)
        self._clear()

    def _clear(self) -> None:
        """Empty buffers of new pairs."""
        self._new_hashes = array("Q")
        self._new_codes = array("i")
        self._new_values = [array("q") for _ in range(self.width)]

    def number(self, name: str) -> int:
        """The number of ``name`` (given the next one on first sight)."""
        found = self._numbers.get(name)
        if found is None:
            found = self._numbers[name] = len(self.names)
            self.names.append(name)
        return found

    def add(self, name: str, hashes: Collection[int], *values: Sequence[int]) -> None:
        """Count each of ``hashes`` (distinct) once for ``name``, with ``values`` (a sequence
        per further column, a value per hash)."""
        if len(values) != self.width - 1:
            raise ValueError(f"{self.width - 1} value columns expected, {len(values)} given")
        code = self.number(name)
        self._new_hashes.extend(hashes)
        self._new_codes.extend([code] * len(hashes))
        self._new_values[0].extend([1] * len(hashes))
        for column, given in zip(self._new_values[1:], values, strict=True):
            column.extend(given)
        if len(self._new_hashes) >= max(MERGE_MIN, len(self.hashes)):
            self.settle()

    def merge(self, other: PairCounts) -> PairCounts:
        """Add ``other``'s counts to these (its names numbered among these); returns self."""
        other.settle()
        self.settle()
        numbers = np.asarray([self.number(n) for n in other.names], dtype=np.int32)
        self._collapse(other.hashes, numbers[other.codes], other.values)
        return self

    def settle(self) -> PairCounts:
        """Merge the buffered pairs into the sorted columns; returns self."""
        if self._new_hashes:
            hashes = np.frombuffer(self._new_hashes, dtype=np.uint64)
            codes = np.frombuffer(self._new_codes, dtype=np.int32)
            values = np.stack([np.frombuffer(c, dtype=np.int64) for c in self._new_values], 1)
            self._clear()
            self._collapse(hashes, codes, values)
        return self

    def _collapse(self, hashes: Column, codes: Column, values: Column) -> None:
        """The columns with the pairs ``hashes``, ``codes`` (with ``values``) added."""
        if not len(hashes):
            return
        hashes = np.concatenate([self.hashes, hashes])
        codes = np.concatenate([self.codes, codes])
        values = np.concatenate([self.values, values])
        order = np.lexsort((codes, hashes))
        hashes, codes, values = hashes[order], codes[order], values[order]
        del order
        starts = np.flatnonzero(
            np.r_[True, (hashes[1:] != hashes[:-1]) | (codes[1:] != codes[:-1])]
        )
        self.hashes, self.codes = hashes[starts], codes[starts]
        self.values = np.add.reduceat(values, starts, axis=0)

    def by_name(self, keep: npt.NDArray[np.bool_]) -> dict[str, npt.NDArray[np.uint64]]:
        """Per name (every name seen), the hashes of its pairs where ``keep`` (a flag per
        pair of the settled columns), ascending."""
        self.settle()
        hashes, codes = self.hashes[keep], self.codes[keep]
        order = np.argsort(codes, kind="stable")
        cuts = np.searchsorted(codes[order], np.arange(len(self.names) + 1))
        hashes = hashes[order]
        return {n: hashes[cuts[k] : cuts[k + 1]] for k, n in enumerate(self.names)}

    def by_hash(self) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.int64], Column]:
        """Per distinct hash (ascending): the hash, its number of names, and each value
        column summed over its names (a row per hash)."""
        self.settle()
        if not len(self.hashes):
            return self.hashes, np.zeros(0, dtype=np.int64), self.values
        starts = np.flatnonzero(np.r_[True, self.hashes[1:] != self.hashes[:-1]])
        names = np.diff(np.r_[starts, len(self.hashes)]).astype(np.int64)
        return self.hashes[starts], names, np.add.reduceat(self.values, starts, axis=0)

    def __getstate__(self) -> dict[str, Any]:
        self.settle()
        state = dict(self.__dict__)
        for key in ("_new_hashes", "_new_codes", "_new_values"):
            del state[key]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._clear()

"""Counts per (name, hash) pair: what the boilerplate stage's corpus-wide reductions (outlet
repeats, template-sentence votes) add up, without a Python object per hash.

New pairs go to flat buffers (stdlib ``array``: 12 bytes a pair and 8 per value column).
A corpus's worth is merged into numpy columns sorted by (hash, name), each pair once, when
the buffers grow as long as the columns (and at least ``MERGE_MIN``): a ``Counter`` entry
or a set per hash cost 100-400 bytes, about 2.7 GB at 1,000,000 articles. A few articles'
worth (under ``SMALL`` pairs, never merged: what ``provenance check`` counts) is added up in
a dictionary when asked, without importing numpy (the cold check's latency). Names
(outlets) are numbered in the order they come; counts of disjoint parts of a corpus add up
(``merge``), so a cluster can count per partition and add the counts in a tree
(``run.dask_flow``).

What is asked of the counts (``kept_by_name``, ``kept_by_hash``) is a test written once for
both forms: it is called with Python ints for the dictionary, with numpy columns for the
columns (comparisons, ``&`` and ``*`` mean the same on both).
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Collection, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported where the columns are made: a check's few articles need none
    import numpy.typing as npt

    Column = npt.NDArray[Any]

# Pairs buffered before the first merge into columns: fewer, more sorts of small columns;
# more, a longer buffer (20-28 bytes a pair) before equal pairs are collapsed.
MERGE_MIN = 1 << 20
# Below this many pairs, never merged, the counts are added up in a dictionary when asked
# (no numpy import: a check's articles give a few hundred); above, in columns.
SMALL = 1 << 16

# A test of counts: ints (or numpy columns) in, a bool (or a flag per row) out.
Test = Callable[..., Any]


class PairCounts:
    """Per (name, hash): ``width`` counts. The first is the number of ``add`` calls that gave
    the pair (its articles, the hashes of one call being distinct); the others add the
    values given with each hash."""

    def __init__(self, width: int = 1) -> None:
        self.width = width
        self.names: list[str] = []
        self._numbers: dict[str, int] = {}
        # once merged: hashes (uint64), name numbers (int32), values (int64, a row per pair)
        self._columns: tuple[Column, Column, Column] | None = None
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
        self._maybe_merge()

    def merge(self, other: PairCounts) -> PairCounts:
        """Add ``other``'s counts to these (its names numbered among these); returns self."""
        numbers = [self.number(n) for n in other.names]
        if other._columns is not None:
            import numpy as np

            hashes, codes, values = other._columns
            self._collapse(hashes, np.asarray(numbers, dtype=np.int32)[codes], values)
        self._new_hashes.extend(other._new_hashes)
        self._new_codes.extend([numbers[c] for c in other._new_codes])
        for mine, theirs in zip(self._new_values, other._new_values, strict=True):
            mine.extend(theirs)
        self._maybe_merge()
        return self

    def _maybe_merge(self) -> None:
        held = len(self._columns[0]) if self._columns is not None else 0
        if len(self._new_hashes) >= max(MERGE_MIN, held):
            self._merged()

    def _merged(self) -> tuple[Column, Column, Column]:
        """The columns, with the buffered pairs merged into them."""
        import numpy as np

        if self._new_hashes:
            hashes = np.frombuffer(self._new_hashes, dtype=np.uint64)
            codes = np.frombuffer(self._new_codes, dtype=np.int32)
            values = np.stack([np.frombuffer(c, dtype=np.int64) for c in self._new_values], 1)
            self._collapse(hashes, codes, values)  # copies: the buffers can go
            self._clear()
        if self._columns is None:
            empty = np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int32)
            self._columns = (*empty, np.zeros((0, self.width), dtype=np.int64))
        return self._columns

    def _collapse(self, hashes: Column, codes: Column, values: Column) -> None:
        """The columns with the pairs ``hashes``, ``codes`` (with ``values``) added."""
        import numpy as np

        if not len(hashes):
            return
        if self._columns is not None:
            hashes = np.concatenate([self._columns[0], hashes])
            codes = np.concatenate([self._columns[1], codes])
            values = np.concatenate([self._columns[2], values])
            self._columns = None
        order = np.lexsort((codes, hashes))
        hashes, codes, values = hashes[order], codes[order], values[order]
        del order
        starts = np.flatnonzero(
            np.r_[True, (hashes[1:] != hashes[:-1]) | (codes[1:] != codes[:-1])]
        )
        self._columns = (hashes[starts], codes[starts], np.add.reduceat(values, starts, axis=0))

    def _small(self) -> dict[tuple[int, int], list[int]] | None:
        """Per (hash, name number), its counts, when few pairs were counted and none merged
        (else None: ask the columns)."""
        if self._columns is not None or len(self._new_hashes) >= SMALL:
            return None
        out: dict[tuple[int, int], list[int]] = {}
        rows = zip(self._new_hashes, self._new_codes, *self._new_values, strict=True)
        for h, code, *values in rows:
            counts = out.setdefault((h, code), [0] * self.width)
            for k, v in enumerate(values):
                counts[k] += v
        return out

    def kept_by_name(self, test: Test) -> dict[str, frozenset[int]]:
        """Per name (every name counted, with no hash when none passes), the hashes whose
        counts for it pass ``test`` (called with the ``width`` counts)."""
        small = self._small()
        if small is not None:
            kept: dict[str, set[int]] = {n: set() for n in self.names}
            for (h, code), counts in small.items():
                if test(*counts):
                    kept[self.names[code]].add(h)
            return {n: frozenset(hashes) for n, hashes in kept.items()}
        import numpy as np

        hashes, codes, values = self._merged()
        keep = np.asarray(test(*values.T), dtype=bool)
        hashes, codes = hashes[keep], codes[keep]
        order = np.argsort(codes, kind="stable")
        cuts = np.searchsorted(codes[order], np.arange(len(self.names) + 1))
        hashes = hashes[order]
        return {
            n: frozenset(hashes[cuts[k] : cuts[k + 1]].tolist()) for k, n in enumerate(self.names)
        }

    def kept_by_hash(self, test: Test) -> frozenset[int]:
        """The hashes whose counts over all names pass ``test`` (called with the number of
        names, then each count summed over them)."""
        small = self._small()
        if small is not None:
            per_hash: dict[int, list[int]] = {}
            for (h, _), counts in small.items():
                total = per_hash.setdefault(h, [0] * (self.width + 1))
                total[0] += 1
                for k, v in enumerate(counts, start=1):
                    total[k] += v
            return frozenset(h for h, total in per_hash.items() if test(*total))
        import numpy as np

        hashes, _, values = self._merged()
        if not len(hashes):
            return frozenset()
        starts = np.flatnonzero(np.r_[True, hashes[1:] != hashes[:-1]])
        names = np.diff(np.r_[starts, len(hashes)])
        sums = np.add.reduceat(values, starts, axis=0)
        keep = np.asarray(test(names, *sums.T), dtype=bool)
        return frozenset(hashes[starts][keep].tolist())

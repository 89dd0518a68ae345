"""Sorted distinct values of integer arrays (pair codes, row numbers) by sorting, and the
union of two such arrays a block at a time.

``numpy.unique`` of numpy 2.3+ finds distinct values with a hash set (``_unique_hash``, a
``std::unordered_set``), 20-60x slower than a sort for the millions of int64 pair codes the
matching stage de-duplicates (numpy issue #31969: 4 million codes, 12 s against 0.2 s here).
``unique`` returns the very same array (``numpy.unique``'s: ascending, each value once).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

Matrix = np.ndarray[Any, Any]


def unique(values: Matrix) -> Matrix:
    """The distinct values of a 1-D array, ascending (``numpy.unique(values)``)."""
    ordered = np.sort(values)
    if len(ordered) < 2:
        return ordered
    return ordered[np.r_[True, ordered[1:] != ordered[:-1]]]


def union_blocks(first: Matrix, second: Matrix, size: int) -> Iterator[tuple[Matrix, Matrix]]:
    """The union of two ascending arrays of distinct values (``unique`` of both, end to
    end) in consecutive blocks of ``size`` values (the last may be shorter), each with
    whether each value is in ``second``: what ``unique(np.concatenate([first, second]))``
    and ``np.isin`` of it give, cut in blocks, without either whole array nor the sort's
    copies in memory at once."""
    size = max(1, size)
    i = j = 0
    held: list[tuple[Matrix, Matrix]] = []
    count = 0
    while i < len(first) or j < len(second):
        # up to ``size`` more of each array, cut after the smaller of their last values,
        # so that every value up to the cut is taken from both
        i2, j2 = min(len(first), i + size), min(len(second), j + size)
        ends = [a[k - 1] for a, k in ((first, i2), (second, j2)) if k < len(a)]
        if ends:
            i2 = int(np.searchsorted(first, min(ends), side="right"))
            j2 = int(np.searchsorted(second, min(ends), side="right"))
        inside = second[j:j2]
        merged = unique(np.concatenate([first[i:i2], inside]))
        held.append((merged, np.isin(merged, inside, assume_unique=True)))
        count += len(merged)
        i, j = i2, j2
        while count >= size or (count and i >= len(first) and j >= len(second)):
            values = np.concatenate([v for v, _ in held])
            flags = np.concatenate([f for _, f in held])
            yield values[:size], flags[:size]
            held = [(values[size:], flags[size:])] if len(values) > size else []
            count = max(0, len(values) - size)

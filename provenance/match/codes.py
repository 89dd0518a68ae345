"""Sorted distinct values of integer arrays (pair codes, row numbers) by sorting, and the
union of two such arrays a block at a time.

``numpy.unique`` of numpy 2.3+ finds distinct values with a hash set (``_unique_hash``, a
``std::unordered_set``), 20-60x slower than a sort for the millions of int64 pair codes the
matching stage de-duplicates (numpy issue #31969: 4 million codes, 12 s against 0.2 s here).
``unique`` returns the very same array (``numpy.unique``'s: ascending, each value once);
``union`` is ``unique`` of arrays end to end, sorted in place once joined.
``joined`` puts arrays made a block at a time end to end; ``expand`` gives the entries of
sets of a CSR; ``runs`` cuts row numbers into runs that a file reads in one read each.
``lex_order`` is ``numpy.lexsort`` of integer (or float) keys, sorted as one int64 key
where their ranges allow.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

Matrix = np.ndarray[Any, Any]


def unique(values: Matrix) -> Matrix:
    """The distinct values of a 1-D array, ascending (``numpy.unique(values)``)."""
    return _distinct(np.sort(values))


def unique_in_place(values: Matrix) -> Matrix:
    """``unique(values)`` without a sorted copy: ``values`` itself is sorted (an array
    nothing else reads), and its distinct values copied out."""
    return values[: distinct_in_place(values)].copy()


# Values compared and moved at once by ``distinct_in_place`` (9 bytes each while they are).
DISTINCT_MOVE = 1 << 20


def distinct_in_place(values: Matrix) -> int:
    """Sort ``values`` (an array nothing else reads) and move its distinct values, each
    once, ascending, to its front, ``DISTINCT_MOVE`` at a time: their count. Nothing of the
    array's size is made (``unique``'s mask and copy are 9 bytes a value of int64)."""
    values.sort()
    size = len(values)
    at = min(size, 1)  # the first value stays where it is
    for lo in range(1, size, DISTINCT_MOVE):
        hi = min(size, lo + DISTINCT_MOVE)
        # each value compared with the one before it, as sorted: what was moved before
        # this chunk went below ``lo - 1``, or left it as it was when nothing was dropped
        moved = values[lo:hi][values[lo:hi] != values[lo - 1 : hi - 1]]
        values[at : at + len(moved)] = moved
        at += len(moved)
    return at


# Rows moved up at once by ``move_up`` (a copy of the kept ones among them beside the
# rows): fewer, more calls; more, a bigger copy.
MOVE_UP = 1 << 16


def move_up(rows: Matrix, keep: Matrix, chunk: int = MOVE_UP) -> int:
    """Move the rows ``keep`` marks (a mask, one per row) to the front of ``rows``, in
    place and in their order, ``chunk`` rows read at a time (a row never lands after
    where it was read): ``distinct_in_place``'s move, the rows to keep given. Their
    number."""
    landed = 0
    for lo in range(0, len(rows), chunk):
        picked = rows[lo : lo + chunk][keep[lo : lo + chunk]]
        rows[landed : landed + len(picked)] = picked
        landed += len(picked)
    return landed


def drained(parts: list[Matrix]) -> Matrix:
    """The arrays of ``parts`` end to end (int64 zeros when there are none), ``parts``
    emptied once they are joined: what only the list held is let go at once."""
    values = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
    parts.clear()
    return values


def union(parts: list[Matrix]) -> Matrix:
    """``unique`` of the arrays of ``parts`` end to end (int64 zeros when there are none),
    with two arrays of their size fewer alive at once: ``parts`` is emptied once they are
    joined (``drained``), so that what only it held is let go before the sort, and the
    joined array is sorted in place."""
    return unique_in_place(drained(parts))


def _distinct(ordered: Matrix) -> Matrix:
    """The first of each run of equal values of an ascending array."""
    if len(ordered) < 2:
        return ordered
    return ordered[np.r_[True, ordered[1:] != ordered[:-1]]]


# Packed keys ``lex_order`` sorts as one int64: their spans' product is below this.
_PACKED = 1 << 63


def lex_order(keys: Sequence[Matrix]) -> Matrix:
    """``numpy.lexsort(keys)`` (the last key first; ties in their order in the arrays) of
    1-D integer, bool or float arrays of one length, the very same order, sorted as one
    int64 key where the keys' ranges let one hold them: ``lexsort`` sorts key after key (a
    stable sort and a gather each), ~10x slower than one sort of 131,072 int64 keys
    (numpy 2.4, benchmarks/README "Session 26"). A float key is replaced by its values'
    ranks (``numpy.unique``'s inverse: equal values one rank, -0.0 with 0.0, NaNs last, as
    ``lexsort`` orders them). Each key's range (max - min + 1) is a digit's base; with the
    position as the last digit the keys are distinct and any sort gives ``lexsort``'s
    order; without room for it, a stable sort of the packed keys; without room for them,
    ``lexsort`` itself (so too for other kinds of keys)."""
    keys = list(keys)
    size = len(keys[0]) if keys else 0
    if size < 2 or any(k.dtype.kind not in "biuf" for k in keys):
        return np.lexsort(keys)
    keys = [_dense_ranks(k) if k.dtype.kind == "f" else k for k in keys]
    lows: list[int] = []
    spans: list[int] = []
    product = 1
    for key in keys:
        low, high = int(key.min()), int(key.max())
        lows.append(low)
        spans.append(high - low + 1)
        product *= high - low + 1
    if product >= _PACKED:
        return np.lexsort(keys)
    packed = np.zeros(size, dtype=np.int64)
    for key, low, span in zip(reversed(keys), reversed(lows), reversed(spans), strict=True):
        packed *= span
        packed += _offsets(key, low)
    if product * size >= _PACKED:
        return np.argsort(packed, kind="stable")
    packed *= size
    packed += np.arange(size, dtype=np.int64)
    return np.argsort(packed)


def _dense_ranks(values: Matrix) -> Matrix:
    """Each value's rank among the distinct values of ``values`` (ascending, from 0)."""
    return np.unique(values, return_inverse=True)[1].reshape(-1)


def _offsets(key: Matrix, low: int) -> Matrix:
    """Each value of ``key`` less ``low`` (its lowest), as int64 (in [0, span), span < 2**63)."""
    if key.dtype == np.uint64:  # above 2**63: subtracted before it is made int64
        return (key - np.uint64(low)).astype(np.int64)
    return key.astype(np.int64) - low


def index_type(count: int) -> type[np.signedinteger[Any]]:
    """The integer type of numbers and offsets below ``count`` (rows, texts, entries of
    a CSR): int32, 4 bytes each, below 2**31, else int64."""
    return np.int32 if count < 1 << 31 else np.int64


def expand(cuts: Matrix, sets: Matrix) -> tuple[Matrix, Matrix]:
    """For the sets ``sets`` of a CSR with ``cuts``: the position of each of their entries
    (set after set) and which of ``sets`` (its index) each one is of (int64 both)."""
    return spread(cuts[sets], cuts[sets + 1])


def spread(starts: Matrix, stops: Matrix) -> tuple[Matrix, Matrix]:
    """Every position of the ranges ``starts[k]:stops[k]``, range after range, and which
    range (its index) each one is of (int64 both)."""
    counts = (stops - starts).astype(np.int64)
    owner = np.repeat(np.arange(len(starts), dtype=np.int64), counts)
    within = np.arange(len(owner), dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
    return np.repeat(starts.astype(np.int64), counts) + within, owner


def runs(rows: Matrix, gap: int, span: int | None = None) -> tuple[Matrix, Matrix]:
    """``rows`` (ascending, each once) cut into runs that a file of rows reads a run at a
    time, with the rows between a run's rows: where each run starts and ends (positions
    in ``rows``, int64). A run ends where the next row is more than ``gap`` past the last,
    and with ``span``, before the first row ``span`` or more past its own first (what one
    read holds at most)."""
    if not len(rows):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    cuts = np.r_[0, np.flatnonzero(np.diff(rows) > gap) + 1, len(rows)].astype(np.int64)
    if span is None:
        return cuts[:-1], cuts[1:]
    starts: list[int] = []
    for lo, hi in itertools.pairwise(cuts.tolist()):
        while lo < hi:
            starts.append(lo)
            lo += int(np.searchsorted(rows[lo:hi], rows[lo] + span, side="left"))
    first = np.asarray(starts, dtype=np.int64)
    return first, np.r_[first[1:], len(rows)].astype(np.int64)


def joined(arrays: Sequence[Matrix], dtype: npt.DTypeLike) -> Matrix:
    """The arrays end to end (by rows) as ``dtype``: the one array itself when only one is
    given and of that type, no copy."""
    if not arrays:
        return np.zeros(0, dtype=dtype)
    if len(arrays) == 1:
        return arrays[0].astype(dtype, copy=False)
    return np.concatenate(arrays).astype(dtype, copy=False)


class Column(Protocol):
    """A 1-D array read a slice at a time: an array, or one kept in a file and read from
    it (``run.stored.KeptColumn``)."""

    def __len__(self) -> int: ...

    def __getitem__(self, index: slice, /) -> Matrix: ...


class Picked(Column, Protocol):
    """A ``Column`` whose values can also be read at any rows: an array (``take``), or
    one kept in a file (``KeptColumn.take``: runs of nearby rows read at once)."""

    def take(self, rows: Matrix, /) -> Matrix: ...


def union_blocks(first: Column, second: Column, size: int) -> Iterator[tuple[Matrix, Matrix]]:
    """The union of two ascending arrays of distinct values (``unique`` of both, end to
    end) in consecutive blocks of ``size`` values (the last may be shorter), each with
    whether each value is in ``second``: what ``unique(np.concatenate([first, second]))``
    and ``np.isin`` of it give, cut in blocks, without either whole array nor the sort's
    copies in memory at once. Each array is read once, a slice at a time, in order: it may
    be a ``Column`` read from a file."""
    size = max(1, size)
    i = j = 0
    held: list[tuple[Matrix, Matrix]] = []
    count = 0
    rest_a, rest_b = first[0:0], second[0:0]  # read, not merged yet: the next window's start
    while i < len(first) or j < len(second):
        # up to ``size`` more of each array, cut after the smaller of their last values,
        # so that every value up to the cut is taken from both
        i2, j2 = min(len(first), i + size), min(len(second), j + size)
        ahead, inside = _window(first, rest_a, i, i2), _window(second, rest_b, j, j2)
        ends = [w[-1] for w, k, a in ((ahead, i2, first), (inside, j2, second)) if k < len(a)]
        cut_a, cut_b = len(ahead), len(inside)
        if ends:  # the cut is inside both windows: found there, no pass over the rest
            cut_a = int(np.searchsorted(ahead, min(ends), side="right"))
            cut_b = int(np.searchsorted(inside, min(ends), side="right"))
        rest_a, rest_b = ahead[cut_a:], inside[cut_b:]
        ahead, inside = ahead[:cut_a], inside[:cut_b]
        i2, j2 = i + cut_a, j + cut_b
        merged = union([ahead, inside])
        held.append((merged, np.isin(merged, inside, assume_unique=True)))
        count += len(merged)
        i, j = i2, j2
        while count >= size or (count and i >= len(first) and j >= len(second)):
            values = np.concatenate([v for v, _ in held])
            flags = np.concatenate([f for _, f in held])
            yield values[:size], flags[:size]
            held = [(values[size:], flags[size:])] if len(values) > size else []
            count = max(0, len(values) - size)


def _window(column: Column, read: Matrix, start: int, stop: int) -> Matrix:
    """``column[start:stop]``, of which ``read`` are the first values (read already)."""
    have = start + len(read)
    if have >= stop:
        return read[: stop - start]
    more = column[have:stop]
    return np.concatenate([read, more]) if len(read) else more

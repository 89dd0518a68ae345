"""The sort-based distinct values (``match.codes.unique``, ``unique_in_place`` and ``union``)
are numpy.unique's, exactly, the union by blocks (``union_blocks``) is the union's,
cut in blocks, and ``lex_order`` is ``numpy.lexsort``'s order."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from provenance.match import codes
from provenance.match.codes import (
    index_type,
    lex_order,
    union,
    union_blocks,
    unique,
    unique_in_place,
)


@pytest.mark.parametrize("size", [0, 1, 2, 17, 5_000])
@pytest.mark.parametrize("high", [3, 1 << 40])
def test_unique_is_numpy_unique(size: int, high: int) -> None:
    rng = np.random.default_rng(size + high)
    values = rng.integers(-high, high, size, dtype=np.int64)
    got = unique(values)
    want = np.unique(values)
    assert got.dtype == want.dtype
    assert got.tolist() == want.tolist()


def test_unique_keeps_the_input() -> None:
    values = np.asarray([5, 1, 5, 3, 1], dtype=np.int64)
    assert unique(values).tolist() == [1, 3, 5]
    assert values.tolist() == [5, 1, 5, 3, 1]


@pytest.mark.parametrize("parts", [0, 1, 2, 5])
def test_union_is_numpy_unique_of_the_parts_end_to_end_and_lets_them_go(parts: int) -> None:
    """``union`` gives ``numpy.unique`` of the parts joined (int64 zeros for none), leaves
    the parts' arrays as they were and the list empty (what only it held is let go)."""
    rng = np.random.default_rng(parts)
    arrays = [rng.integers(0, 40, int(rng.integers(0, 30)), dtype=np.int64) for _ in range(parts)]
    copies = [a.copy() for a in arrays]
    given = list(arrays)
    got = union(given)
    want = np.unique(np.concatenate(copies)) if copies else np.zeros(0, dtype=np.int64)
    assert (got.dtype, got.tolist()) == (want.dtype, want.tolist())
    assert given == []
    assert [a.tolist() for a in arrays] == [c.tolist() for c in copies]


def test_unique_in_place_works_in_the_array_it_is_given() -> None:
    values = np.asarray([5, 1, 5, 3, 1], dtype=np.int64)
    assert unique_in_place(values).tolist() == [1, 3, 5]
    # sorted ([1, 1, 3, 5, 5]), then the distinct moved to the front: the rest as sorted
    assert values.tolist() == [1, 3, 5, 5, 5]


@pytest.mark.parametrize("move", [1, 2, 3, 1 << 20])
@pytest.mark.parametrize("size", [0, 1, 2, 17, 5_000])
@pytest.mark.parametrize("high", [3, 1 << 40])
def test_distinct_values_moved_to_the_front_a_chunk_at_a_time_are_numpy_unique(
    monkeypatch: pytest.MonkeyPatch, move: int, size: int, high: int
) -> None:
    """Chunks of 1, 2, 3 values and the default: runs of equal values (3 values drawn
    from) cross the chunks' edges, and chunks without a repeat move nothing back."""
    monkeypatch.setattr(codes, "DISTINCT_MOVE", move)
    rng = np.random.default_rng(size + high + move)
    values = rng.integers(-high, high, size, dtype=np.int64)
    want = np.unique(values)
    count = codes.distinct_in_place(values)
    assert count == len(want)
    assert values[:count].tolist() == want.tolist()


class _Slices:
    """An array that gives only its length and slices of step 1, each read once, in order
    (as ``run.stored.KeptColumn`` is read from its file)."""

    def __init__(self, values: np.ndarray[Any, Any]) -> None:
        self._values = values
        self._next = 0

    def __len__(self) -> int:
        return len(self._values)

    def __getitem__(self, index: slice) -> np.ndarray[Any, Any]:
        start, stop, step = index.indices(len(self._values))
        assert step == 1
        assert start == self._next  # in order, each value read once
        self._next = max(start, stop)
        return self._values[index].copy()


@pytest.mark.parametrize("sizes", [(0, 0), (0, 7), (9, 0), (40, 40), (1_000, 30), (25, 2_000)])
@pytest.mark.parametrize("block", [1, 3, 64])
@pytest.mark.parametrize("sliced", [False, True])
def test_union_blocks_cut_the_union_in_blocks(
    sizes: tuple[int, int], block: int, sliced: bool
) -> None:
    rng = np.random.default_rng(sum(sizes) + block)
    first, second = (unique(rng.integers(0, 3 * max(sizes) + 1, n)) for n in sizes)
    if sliced:
        blocks = list(union_blocks(_Slices(first), _Slices(second), block))
    else:
        blocks = list(union_blocks(first, second, block))
    union = unique(np.concatenate([first, second]))
    assert [len(v) for v, _ in blocks][:-1] == [block] * (len(blocks) - 1)
    assert not blocks or 0 < len(blocks[-1][0]) <= block
    values = np.concatenate([v for v, _ in blocks]) if blocks else union[:0]
    flags = np.concatenate([f for _, f in blocks]) if blocks else np.zeros(0, bool)
    assert values.tolist() == union.tolist()
    assert flags.tolist() == np.isin(union, second).tolist()


def test_union_blocks_of_overlapping_runs() -> None:
    # each value once, and marked where the second array has it
    got = list(union_blocks(np.asarray([1, 2, 5, 9]), np.asarray([2, 3, 9, 10]), 2))
    assert [v.tolist() for v, _ in got] == [[1, 2], [3, 5], [9, 10]]
    assert [f.tolist() for _, f in got] == [[False, True], [True, False], [True, True]]


def test_numbers_below_two_to_the_31_are_int32_else_int64() -> None:
    assert [index_type(n) for n in (0, (1 << 31) - 1, 1 << 31)] == [np.int32, np.int32, np.int64]


def test_runs_by_hand() -> None:
    rows = np.array([3, 4, 6, 20, 21, 40, 41, 42, 43, 44])
    # gap 2: 4 -> 6 stays (2 apart), 6 -> 20 and 21 -> 40 cut
    starts, ends = codes.runs(rows, 2)
    assert list(zip(starts.tolist(), ends.tolist(), strict=True)) == [(0, 3), (3, 5), (5, 10)]
    # span 3: a run holds rows less than 3 past its first: 40, 41, 42 | 43, 44
    starts, ends = codes.runs(rows, 2, 3)
    got = list(zip(starts.tolist(), ends.tolist(), strict=True))
    assert got == [(0, 2), (2, 3), (3, 5), (5, 8), (8, 10)]
    starts, ends = codes.runs(rows[:0], 2, 3)
    assert len(starts) == len(ends) == 0


@pytest.mark.parametrize("seed", range(20))
def test_runs_are_the_longest_within_the_gap_and_span(seed: int) -> None:
    rng = np.random.default_rng(seed)
    rows = unique(rng.integers(0, int(rng.integers(1, 3000)), int(rng.integers(1, 400))))
    gap, span = int(rng.integers(1, 40)), int(rng.integers(1, 200))
    for limit in (None, span):
        starts, ends = codes.runs(rows, gap, limit)
        # every row once, run after run in order
        assert starts[0] == 0
        assert ends[-1] == len(rows)
        assert (starts[1:] == ends[:-1]).all()
        assert (ends > starts).all()
        for lo, hi in zip(starts.tolist(), ends.tolist(), strict=True):
            run = rows[lo:hi]
            assert (np.diff(run) <= gap).all()
            if limit is not None:
                assert run[-1] - run[0] < limit
            if hi < len(rows):  # the next row could not have joined it
                assert rows[hi] - run[-1] > gap or (
                    limit is not None and rows[hi] - run[0] >= limit
                )


def test_lex_order_by_hand() -> None:
    """The last key first, then the one before; ties keep their order in the arrays:
    last key 0 at 1 and 3 (first key 7, 2: 3 before 1), 1 at 0 and 2 (5 and 5: 0, 2)."""
    first = np.asarray([5, 7, 5, 2], dtype=np.int32)
    last = np.asarray([1, 0, 1, 0], dtype=np.uint8)
    assert lex_order([first, last]).tolist() == [3, 1, 0, 2]


# Each integer type with its range, and bool.
_KINDS: list[tuple[type[np.generic], int, int]] = [(np.bool_, 0, 1)] + [
    (t, int(np.iinfo(t).min), int(np.iinfo(t).max))
    for t in (np.int8, np.uint8, np.int32, np.int64, np.uint64)
]


@st.composite
def _keys(draw: st.DrawFn) -> list[Any]:
    """One to three keys of one length: any of six integer types, ranges from one value
    to the type's whole (so each way ``lex_order`` sorts is drawn), many ties."""
    size = draw(st.integers(0, 60))
    keys = []
    for _ in range(draw(st.integers(1, 3))):
        kind, low, high = draw(st.sampled_from(_KINDS))
        lo = draw(st.integers(low, high))
        hi = draw(st.integers(lo, min(high, lo + draw(st.sampled_from([0, 3, 1000, high - low])))))
        values = draw(st.lists(st.integers(lo, hi), min_size=size, max_size=size))
        keys.append(np.asarray(values, dtype=kind))
    return keys


@settings(max_examples=400, deadline=None)
@given(_keys())
def test_lex_order_is_lexsort(keys: list[Any]) -> None:
    assert lex_order(keys).tolist() == np.lexsort(keys).tolist()


# Floats with ties, both zeros, infinities and NaN (``lexsort`` puts NaN last).
_FLOATS = st.sampled_from([0.0, -0.0, 0.5, -0.5, 1e300, float("inf"), -float("inf"), float("nan")])


@settings(max_examples=300, deadline=None)
@given(_keys(), st.data())
def test_lex_order_with_float_keys_is_lexsort(keys: list[Any], data: st.DataObject) -> None:
    """A float key (float32 or float64) among integer keys, at any place: its values'
    ranks sort as the values do."""
    values = data.draw(
        st.lists(st.one_of(_FLOATS, st.floats()), min_size=len(keys[0]), max_size=len(keys[0]))
    )
    kind = data.draw(st.sampled_from([np.float32, np.float64]))
    with np.errstate(over="ignore"):
        floats = np.asarray(values, dtype=np.float64).astype(kind)
    keys.insert(data.draw(st.integers(0, len(keys))), floats)
    assert lex_order(keys).tolist() == np.lexsort(keys).tolist()


def test_lex_order_of_keys_that_fit_sorts_one_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keys whose ranges (a float key's: its distinct values) multiply to under 2**63 are
    not sorted key by key: with ``numpy.lexsort`` unavailable, the order is still
    lexsort's (made before)."""
    rng = np.random.default_rng(3)
    size = 5_000
    keys: list[np.ndarray[Any, Any]] = [rng.integers(0, 7_500_000, size)]
    keys += [-rng.integers(0, 129, size), rng.integers(0, 900, size)]
    # the scores of ``claim_pairs._Best``: counts held as float32, and cosines
    counts = [keys[0], -rng.integers(0, 129, size).astype(np.float32), keys[2]]
    cosines = [keys[0], -rng.random(size), keys[2]]
    want = [np.lexsort(k).tolist() for k in (keys, counts, cosines)]
    monkeypatch.setattr(np, "lexsort", None)
    assert [lex_order(k).tolist() for k in (keys, counts, cosines)] == want

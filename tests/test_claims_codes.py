"""The sort-based distinct values (``match.codes.unique``) are numpy.unique's, exactly."""

from __future__ import annotations

import numpy as np
import pytest

from provenance.match.codes import unique


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

"""``semantic._band_keys``: a band's signs read from signs packed eight to a byte."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from provenance.semantic import _band_keys


@given(
    rows=st.integers(1, 20),
    bands=st.integers(1, 6),
    n=st.integers(0, 30),
    seed=st.integers(0, 2**32 - 1),
)
def test_band_keys_are_the_bands_signs_as_integers(
    rows: int, bands: int, n: int, seed: int
) -> None:
    # bands that start and end anywhere in a byte (rows 1-20)
    signs = np.random.default_rng(seed).random((n, bands * rows)) > 0.5
    packed = np.packbits(signs, axis=1, bitorder="little")
    weights = 1 << np.arange(rows, dtype=np.int64)
    for band in range(bands):
        want = signs[:, band * rows : (band + 1) * rows].astype(np.int64) @ weights
        got = _band_keys(packed, band, rows)
        assert got.tolist() == want.tolist()
        assert got.dtype == np.int64


def test_a_hand_made_band() -> None:
    # two bands of three signs: 1,0,1 | 1,1,0 -> 1 + 4 = 5 and 1 + 2 = 3
    packed = np.packbits(np.array([[1, 0, 1, 1, 1, 0]], dtype=bool), axis=1, bitorder="little")
    assert _band_keys(packed, 0, 3).tolist() == [5]
    assert _band_keys(packed, 1, 3).tolist() == [3]

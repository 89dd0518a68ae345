"""Buckets of codes (``match.spill.Buckets``): what is dealt comes back whole, in the order
it was added, from memory or from files of the work folder, and the files are removed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from provenance.match import spill
from provenance.match.spill import Buckets
from provenance.run.stored import StoredMatrix


def _spill(folder: Path) -> StoredMatrix:
    return StoredMatrix(folder / "anchor.u32", 1)


@pytest.mark.parametrize("deal", [1 << 22, 2])
@pytest.mark.parametrize("on_disk", [False, True])
def test_dealt_codes_come_back_by_bucket_in_their_order(
    tmp_path: Path, on_disk: bool, deal: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Codes beyond 32 bits (the high half matters), dealt twice into three buckets (at
    once, or 2 at a time: the first two to one bucket, then a split): each bucket gives
    its codes in the order dealt, with their counts; an untouched bucket is empty; a
    bucket taken is empty after."""
    monkeypatch.setattr(spill, "DEAL", deal)
    anchor = _spill(tmp_path)
    buckets = Buckets("t", 3, anchor.beside if on_disk else None, np.uint8)
    big = 1 << 40
    codes = np.array([big + 5, big + 2, 7, big + 1])
    buckets.deal(codes, np.array([2, 2, 0, 2]), np.array([1, 5, 2, 3]))
    buckets.deal(np.array([9, big]), np.array([0, 2]), np.array([4, 128]))
    codes, counts = buckets.take(2)
    assert codes.dtype == np.dtype(np.int64)
    assert counts.dtype == np.dtype(np.uint8)
    assert codes.tolist() == [big + 5, big + 2, big + 1, big]
    assert counts.tolist() == [1, 5, 3, 128]
    assert [c.tolist() for c in buckets.take(0)] == [[7, 9], [2, 4]]
    assert [c.tolist() for c in buckets.take(1)] == [[], []]
    assert [c.tolist() for c in buckets.take(2)] == [[], []]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["anchor.u32"]
    anchor.close()


def test_uncounted_buckets_give_zero_counts_and_refuse_counts(tmp_path: Path) -> None:
    anchor = _spill(tmp_path)
    buckets = Buckets("u", 2, anchor.beside)
    buckets.add(1, np.array([3, 1]))
    assert (tmp_path / "scratch-u-1.u32").stat().st_size == 2 * 2 * 4  # two uint32 a code
    codes, counts = buckets.take(1)
    assert (codes.tolist(), counts.tolist()) == ([3, 1], [0, 0])
    with pytest.raises(ValueError, match="counted buckets only"):
        buckets.add(0, np.array([1]), np.array([1]))
    with pytest.raises(ValueError, match="counted buckets only"):
        Buckets("c", 1, None, np.uint8).add(0, np.array([1]))
    anchor.close()


def test_close_removes_the_files_not_taken(tmp_path: Path) -> None:
    anchor = _spill(tmp_path)
    buckets = Buckets("v", 2, anchor.beside, np.uint16)
    buckets.add(0, np.array([1]), np.array([1]))
    buckets.add(1, np.array([2]), np.array([2]))
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["anchor.u32", "scratch-v-0.u32", "scratch-v-1.u32"]
    buckets.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["anchor.u32"]
    anchor.close()


@pytest.mark.parametrize("take", [1 << 20, 2])
@pytest.mark.parametrize("on_disk", [False, True])
def test_a_buckets_codes_come_back_a_part_at_a_time(
    tmp_path: Path, on_disk: bool, take: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``parts``: a bucket's codes (beyond 32 bits too) in the order added, a part at a
    time (in memory the arrays added; on disk ``TAKE`` rows of its file at once), the
    bucket empty after and its file removed; a bucket never added to gives nothing."""
    monkeypatch.setattr(spill, "TAKE", take)
    anchor = _spill(tmp_path)
    buckets = Buckets("p", 2, anchor.beside if on_disk else None)
    big = 1 << 40
    buckets.add(0, np.array([big + 3, 5, big]))
    buckets.add(0, np.array([7, big + 9]))
    parts = [p.tolist() for p in buckets.parts(0)]
    assert [c for p in parts for c in p] == [big + 3, 5, big, 7, big + 9]
    assert [len(p) for p in parts] == (([2, 2, 1] if take == 2 else [5]) if on_disk else [3, 2])
    assert list(buckets.parts(0)) == []
    assert list(buckets.parts(1)) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["anchor.u32"]
    anchor.close()

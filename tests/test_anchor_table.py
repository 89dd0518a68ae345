"""``AnchorTable`` numbers anchors as a dictionary does, whatever its hash function and
its batches; ``HashSlots`` finds what it stored."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from provenance.match import anchor_table
from provenance.match.anchor_table import AnchorTable, HashSlots


def by_dictionary(sets: list[list[str]]) -> tuple[list[str], list[int], list[int]]:
    """What the table must give: names by first appearance, per set its numbers sorted."""
    numbers: dict[str, int] = {}
    cuts, ids = [0], []
    for found in sets:
        ids.extend(sorted({numbers.setdefault(a, len(numbers)) for a in found}))
        cuts.append(len(ids))
    return list(numbers), cuts, ids


HASHERS: dict[str, Callable[[str], int]] = {
    "python": hash,
    "length": len,  # many anchors share a hash
    "one": lambda a: 1,  # every anchor has the same hash
    "negative": lambda a: -(len(a) % 5) - 2**62,  # negative hashes, masked into slots
}

anchor = st.text(alphabet="abcé북", min_size=0, max_size=4)


@pytest.mark.parametrize("hasher", sorted(HASHERS))
@pytest.mark.parametrize("batch", [1, 2, 5, anchor_table.BATCH])
@given(sets=st.lists(st.lists(anchor, max_size=6), max_size=25))
def test_numbers_are_a_dictionarys(hasher: str, batch: int, sets: list[list[str]]) -> None:
    with pytest.MonkeyPatch.context() as m:
        m.setattr(anchor_table, "BATCH", batch)
        table = AnchorTable(HASHERS[hasher])
        for found in sets:
            table.add(found)
        names, cuts, ids = table.columns()
    want_names, want_cuts, want_ids = by_dictionary(sets)
    assert list(names) == want_names
    assert cuts.tolist() == want_cuts
    assert ids.tolist() == want_ids
    assert ids.dtype == np.int32


@pytest.mark.parametrize("batch", [1, 3, anchor_table.BATCH])
@given(
    sets=st.lists(st.lists(anchor, max_size=6), max_size=25),
    every=st.integers(1, 8),
)
def test_numbers_taken_as_they_come_are_the_columns(
    batch: int, sets: list[list[str]], every: int
) -> None:
    """``take`` every few sets hands over the numbers of the sets numbered so far (the
    batches before the last, with ``BATCH`` sets a batch); ``columns`` gives the rest:
    end to end, a dictionary's numbers, and the cuts count every set's."""
    with pytest.MonkeyPatch.context() as m:
        m.setattr(anchor_table, "BATCH", batch)
        table = AnchorTable()
        taken: list[int] = []
        for k, found in enumerate(sets):
            table.add(found)
            if k % every == 0:
                held = table.held
                part = table.take()
                assert (len(part), part.dtype, table.held) == (held, np.int32, 0)
                taken += part.tolist()
        names, cuts, rest = table.columns()
    want_names, want_cuts, want_ids = by_dictionary(sets)
    assert taken + rest.tolist() == want_ids
    assert (list(names), cuts.tolist()) == (want_names, want_cuts)
    if batch == 1 and sets:  # each set numbered as it is added: none waits for ``columns``
        assert len(rest) == len(want_ids) - cuts[1 + (len(sets) - 1) // every * every]


def test_a_sets_anchors_once_each_and_ascending() -> None:
    table = AnchorTable()
    table.add(["seoul", "korea"])  # numbered in the order given: seoul 0, korea 1
    table.add(["korea", "korea", "seoul", "busan"])  # busan 2
    table.add([])
    names, cuts, ids = table.columns()
    assert list(names) == ["seoul", "korea", "busan"]
    assert cuts.tolist() == [0, 2, 5, 5]
    assert ids.tolist() == [0, 1, 0, 1, 2]


@given(st.lists(st.integers(-(2**63), 2**63 - 1), unique=True, max_size=3_000))
def test_slots_find_what_they_hold(hashes: list[int]) -> None:
    slots = HashSlots()
    half = len(hashes) // 2
    stored = np.asarray(hashes[:half], dtype=np.int64)
    # numbers with gaps (the table numbers some anchors outside the slots)
    numbers = (3 * np.arange(half)).astype(np.int32)
    for lo in range(0, half, 700):  # in several inserts: the slots grow between them
        slots.insert(stored[lo : lo + 700], numbers[lo : lo + 700])
    found = slots.find(np.asarray(hashes, dtype=np.int64))
    assert found[:half].tolist() == numbers.tolist()
    assert (found[half:] == -1).all()


@pytest.mark.parametrize("replace", [1, 100, HashSlots.REPLACE])
def test_slots_grow_as_they_fill(replace: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Twenty times the starting slots, a block at a time, the old slots placed again
    ``replace`` at a time as the table grows: all found, none made up."""
    monkeypatch.setattr(HashSlots, "REPLACE", replace)
    rng = np.random.default_rng(7)
    hashes = np.unique(rng.integers(-(2**63), 2**63 - 1, size=2 * 20 * HashSlots.START))
    stored, absent = hashes[::2], hashes[1::2]
    slots = HashSlots()
    for lo in range(0, len(stored), 1_000):
        numbers = np.arange(lo, min(lo + 1_000, len(stored)), dtype=np.int32)
        slots.insert(stored[lo : lo + 1_000], numbers)
    assert slots.find(stored).tolist() == list(range(len(stored)))
    assert (slots.find(absent) == -1).all()

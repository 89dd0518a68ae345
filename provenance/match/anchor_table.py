"""The claim corpus's table of distinct anchors: each anchor numbered by first appearance,
with no Python object per anchor.

A dictionary from anchor to number held three Python objects per distinct anchor (its
entry, the string, the integer: about 115 bytes; 65 MB for the 562,860 anchors of 100,000
synthetic articles) and was copied into one UTF-8 buffer at the end. Here the names go to
that buffer as they are numbered (``Strings``: about 19 bytes an anchor), and a hash table
of numbers (``HashSlots``: open addressing over a numpy array, 8 to 16 bytes an anchor,
plus the 8-byte hash of each) finds an anchor seen before. A hash only proposes a number:
the name stored under it is compared with the anchor, and an anchor whose hash an earlier,
different anchor took is numbered in a dictionary of its own, so the numbers are exactly
those of a dictionary whatever the hash function.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import numpy.typing as npt

from provenance.match.articles import Names, Strings
from provenance.match.codes import index_type, lex_order

Column = np.ndarray[Any, Any]
Hashes = npt.NDArray[np.int64]

# Sets numbered together: the table's numpy steps run once per batch, not once per set
# (a larger batch holds more of its anchors' strings at once).
BATCH = 8_192


class HashSlots:
    """Numbers found by 64-bit hash: open addressing with linear probing in an int32 array
    of slots (-1: empty) at most half full; the hash of each number is kept beside it (by
    number), so a slot holds the number alone."""

    START = 1_024  # slots of an empty table (a power of two)
    REPLACE = 1 << 18  # old slots read at a time when the table grows

    def __init__(self) -> None:
        self._slots = np.full(self.START, -1, dtype=np.int32)
        self._hashes = np.zeros(self.START, dtype=np.int64)  # by number, grown by half
        self._count = 0  # numbers in the slots

    def find(self, hashes: Hashes) -> npt.NDArray[np.int32]:
        """Per hash, the number stored under it, or -1."""
        found = np.full(len(hashes), -1, dtype=np.int32)
        mask = len(self._slots) - 1
        slot = (hashes & mask).astype(np.int64)
        todo = np.arange(len(hashes))
        while len(todo):
            held = self._slots[slot[todo]]
            empty = held < 0
            hit = ~empty & (self._hashes[np.maximum(held, 0)] == hashes[todo])
            found[todo[hit]] = held[hit]
            todo = todo[~(empty | hit)]
            slot[todo] = (slot[todo] + 1) & mask
        return found

    def insert(self, hashes: Hashes, numbers: npt.NDArray[np.int32]) -> None:
        """Store ``numbers`` under ``hashes`` (hashes not stored yet, each once)."""
        if not len(hashes):
            return
        top = int(numbers.max()) + 1
        if top > len(self._hashes):
            grown = np.zeros(max(top, len(self._hashes) * 3 // 2), dtype=np.int64)
            grown[: len(self._hashes)] = self._hashes
            self._hashes = grown
        self._hashes[numbers] = hashes
        self._count += len(hashes)
        if 2 * self._count > len(self._slots):
            size = len(self._slots)
            while 2 * self._count > size:
                size *= 2
            old, self._slots = self._slots, np.full(size, -1, dtype=np.int32)
            # placed again a run of old slots at a time: the placement's temporaries (some
            # 60 bytes a number) are a run's, not every number's at once (at 1,000,000
            # articles the slots double past 4.2 million anchors, the claims corpus's
            # peak; bench_anchor_table.py at 5 million sets: 603 -> 366 MB added)
            for lo in range(0, len(old), self.REPLACE):
                run = old[lo : lo + self.REPLACE]
                self._place(run[run >= 0])
            del old
        self._place(numbers)

    def _place(self, numbers: npt.NDArray[np.int32]) -> None:
        """Each number in the first empty slot from its hash's on (of two numbers after
        the same slot, the first listed takes it)."""
        mask = len(self._slots) - 1
        slot = (self._hashes[numbers] & mask).astype(np.int64)
        todo = np.arange(len(numbers))
        while len(todo):
            at = slot[todo]
            free = self._slots[at] < 0
            _, first = np.unique(at[free], return_index=True)
            takers = todo[free][first]
            self._slots[slot[takers]] = numbers[takers]
            placed = np.zeros(len(numbers), dtype=bool)
            placed[takers] = True
            todo = todo[~placed[todo]]
            slot[todo] = (slot[todo] + 1) & mask


class AnchorTable:
    """Anchor sets numbered as they are added: the distinct anchors (``names``, numbered by
    first appearance) and, per set, its anchors' numbers, ascending (CSR: ``cuts``, ``ids``;
    ``claim_pairs.AnchorColumns``). ``hasher`` only finds anchors seen before (the
    numbers do not depend on it: Python's string hash by default)."""

    def __init__(self, hasher: Callable[[str], int] = hash) -> None:
        self._hash = hasher
        self._names = Strings()
        self._slots = HashSlots()
        self._others: dict[str, int] = {}  # anchors whose hash an earlier anchor has
        self._pending: list[list[str]] = []
        self._ids = array("i")
        self._counts = array("i")  # per set, its anchors (4 bytes a set)

    def add(self, found: Iterable[str]) -> None:
        """One more set (new anchors numbered in the order given: sorted, for numbers that
        do not depend on the set's order)."""
        self._pending.append(list(found))
        if len(self._pending) >= BATCH:
            self.number()

    def number(self) -> None:
        """Number the sets added and not numbered yet (``add`` numbers them ``BATCH`` at a
        time; ``take`` hands over only numbered sets' numbers)."""
        if not self._pending:
            return
        sets, self._pending = self._pending, []
        local: dict[str, int] = {}  # the batch's distinct anchors, by first appearance
        seen = [local.setdefault(a, len(local)) for found in sets for a in found]
        distinct = list(local)
        del local
        hashes = np.fromiter((self._hash(a) for a in distinct), np.int64, len(distinct))
        numbers = self._slots.find(hashes)
        fresh_hashes: set[int] = set()  # hashes this batch stores
        fresh: list[int] = []  # positions in ``distinct`` of those anchors
        for k, a in enumerate(distinct):
            number = int(numbers[k])
            if number >= 0 and self._names[number] == a:
                continue
            h = int(hashes[k])
            if number < 0 and h not in fresh_hashes:  # a hash no anchor has yet
                fresh_hashes.add(h)
                fresh.append(k)
                number = len(self._names)
            else:  # an earlier, different anchor has this hash
                number = self._others.setdefault(a, len(self._names))
                if number < len(self._names):
                    numbers[k] = number
                    continue
            numbers[k] = number
            self._names.append(a)
        at = np.asarray(fresh, dtype=np.int64)
        self._slots.insert(hashes[at], numbers[at])
        # per set, its numbers ascending and once each
        owner = np.repeat(np.arange(len(sets)), [len(found) for found in sets])
        values = numbers[np.asarray(seen, dtype=np.int64)]
        order = lex_order((values, owner))
        owner, values = owner[order], values[order]
        keep = np.ones(len(values), dtype=bool)
        keep[1:] = (owner[1:] != owner[:-1]) | (values[1:] != values[:-1])
        self._ids.extend(values[keep].tolist())
        self._counts.extend(np.bincount(owner[keep], minlength=len(sets)).tolist())

    @property
    def held(self) -> int:
        """The anchor numbers the table holds (of the sets numbered and not taken)."""
        return len(self._ids)

    def take(self) -> Column:
        """The anchor numbers of the sets numbered so far and not taken before, in set
        order (int32), handed over: the table keeps only each set's count of them, so that
        a caller that writes them out as they come never holds them whole (at 1,000,000
        articles, 44 million numbers: 178 MB)."""
        ids = np.frombuffer(self._ids, dtype=np.int32) if self._ids else np.zeros(0, np.int32)
        self._ids = array("i")
        return ids

    def columns(self) -> tuple[Names, Column, Column]:
        """(names (one UTF-8 buffer: millions of them at 1M articles), cuts (one more than
        the sets: int32 below 2**31 ids, ``codes.index_type``), ids (int32: those not
        ``take``-n, which are all of them when none were; a view of the table's own array,
        not a copy, so no set is added after this)."""
        self.number()
        total = int(sum(self._counts))
        cuts = np.zeros(len(self._counts) + 1, dtype=index_type(total))
        np.cumsum(np.frombuffer(self._counts, dtype=np.int32), out=cuts[1:])
        return Names(self._names), cuts, self.take()

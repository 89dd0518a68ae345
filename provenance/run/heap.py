"""Handing the C heap's free pages back to the system between two stages of a long run.

glibc's ``free`` returns memory to the system only from the top of its heap. A stage that
makes and drops many arrays of a few MB (numpy's below glibc's mmap threshold, which
rises to 32 MB once such an array is freed) leaves its heap full of free pages behind a
few live blocks. Python's small objects (pymalloc's arenas) and arrays above the threshold
never come from those pages, so the next stage grows on top of them. At 100,000 articles
the reuse side left 205 MB resident, 93 MB of it free heap; ``malloc_trim`` gave 72 MB
back; at 1,000,000 articles, 528 MB of 1,132 (benchmarks/README, "Session 19").
``malloc_trim`` hands every free page back (``madvise``); other C libraries (musl, macOS)
have no such call, and there ``give_back`` does nothing. The report calls it three times:
once the reuse side's tables are dropped, once the claims corpus is made, and once the
claims' lexical candidates are kept (at 1,000,000 articles, 1,752 -> 1,283 MB:
benchmarks/README, "Session 20").

``steady`` keeps big arrays out of the heap in the first place: a run with a work store
fixes glibc's mmap threshold at 1 MB when its matching stage begins, so that each array of
1 MB or more is mapped on its own and unmapped when freed. At 100,000 articles
(``--claims-model none``) every stage of the matching stage peaked 20-70 MB lower, the run
at 385 MB instead of 404 (benchmarks/README, "Session 21"). Fixing one threshold stops
glibc from moving the other, the trim threshold (free bytes at the top of the heap that
``free`` cuts back at once), so ``steady`` fixes it too, higher than glibc's 128 KB
start: else the arrays below 1 MB that a loop makes and drops are cut back and faulted in
again each time (the claims' anchor Jaccard at 10,000 articles: 1.4 million page faults,
7.8 s, against 8,737 faults and 4.4 s; benchmarks/README, "Session 36").
"""

from __future__ import annotations

import ctypes
from typing import Any

# ``steady``: blocks of at least this many bytes are mapped each on its own and unmapped
# when freed, so a stage's big arrays leave no free pages behind. Lower, more of a stage's
# arrays are mapped anew (a page fault per 4 KB each time one is made: slower); higher,
# more of them come from the heap and may stay there as free pages once dropped. glibc's
# own starts at 128 KB and follows the largest mapped block freed, up to 32 MB.
MMAP_THRESHOLD = 1 << 20
# ``steady``: free bytes at the top of the heap kept for the next blocks before ``free``
# cuts the heap back. Lower, a loop's blocks just below ``MMAP_THRESHOLD`` are faulted in
# afresh each time the heap grows back; higher, more free memory stays resident between
# stages until ``give_back`` (which trims all of it).
TRIM_THRESHOLD = 32 << 20
# mallopt's parameter numbers in glibc's malloc.h
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3


def _c_library() -> Any:
    """The C library the interpreter runs on (None where there is no such handle)."""
    try:
        return ctypes.CDLL(None)
    except (OSError, TypeError):  # Windows: no such handle
        return None


def steady(threshold: int = MMAP_THRESHOLD, trim: int = TRIM_THRESHOLD) -> bool:
    """Fix glibc's mmap threshold at ``threshold`` bytes and its trim threshold at ``trim``
    for the rest of the process (they no longer follow the blocks freed); whether they
    were (False where the C library has no ``mallopt``, or is not glibc, whose numbering
    of its parameters this uses)."""
    library = _c_library()
    option = getattr(library, "mallopt", None)
    if option is None or getattr(library, "gnu_get_libc_version", None) is None:
        return False
    option.argtypes = [ctypes.c_int, ctypes.c_int]
    option.restype = ctypes.c_int
    mapped = bool(option(_M_MMAP_THRESHOLD, threshold))
    return bool(option(_M_TRIM_THRESHOLD, trim)) and mapped


def give_back() -> bool:
    """Return the C heap's free pages to the system; whether any were (False where the C
    library cannot)."""
    trim = getattr(_c_library(), "malloc_trim", None)
    if trim is None:
        return False
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return bool(trim(0))

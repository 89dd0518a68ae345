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
"""

from __future__ import annotations

import ctypes


def give_back() -> bool:
    """Return the C heap's free pages to the system; whether any were (False where the C
    library cannot)."""
    try:
        library = ctypes.CDLL(None)  # the C library the interpreter runs on
    except (OSError, TypeError):  # Windows: no such handle
        return False
    trim = getattr(library, "malloc_trim", None)
    if trim is None:
        return False
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return bool(trim(0))

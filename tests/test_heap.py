"""``run.heap.give_back``: free pages in the middle of the C heap go back to the system."""

from __future__ import annotations

import ctypes
import platform
import subprocess
import sys
import textwrap

import pytest

from provenance.run import heap

# In a fresh interpreter: 100,000 byte strings of 1 KB (above pymalloc's 512 bytes, so
# from the C heap) with a live one made after them, so that freeing the others leaves
# ~100 MB of free pages behind it, which ``free`` cannot give back from the top.
_SCRIPT = """
from provenance.run.heap import give_back

def anon():
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("RssAnon:")) // 1024

held = [bytes(1024) + bytes([k % 256]) for k in range(100_000)]
last = bytes(2048) + b"x"
del held
before = anon()
trimmed = give_back()
print(before, anon(), trimmed, len(last))
"""


@pytest.mark.skipif(
    platform.system() != "Linux" or platform.libc_ver()[0] != "glibc",
    reason="malloc_trim is glibc's",
)
def test_free_pages_in_the_heap_go_back() -> None:
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(_SCRIPT)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    before, after = int(out[0]), int(out[1])
    assert out[2] == "True"
    assert before - after >= 50, (before, after)  # of the ~100 MB freed


def test_nothing_to_do_without_malloc_trim(monkeypatch: pytest.MonkeyPatch) -> None:
    class NoTrim:  # a C library without the call (musl, macOS)
        def __init__(self, name: object) -> None:
            del name

    monkeypatch.setattr(ctypes, "CDLL", NoTrim)
    assert heap.give_back() is False

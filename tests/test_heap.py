"""``run.heap``: free pages in the middle of the C heap go back to the system
(``give_back``), and with the mmap threshold fixed (``steady``) big blocks leave none."""

from __future__ import annotations

import ctypes
import platform
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from provenance.run import heap

CORPUS = Path(__file__).resolve().parent.parent / "corpus"

# What the two scripts below share: the process's anonymous resident memory, in MB.
_ANON = """
def anon():
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("RssAnon:")) // 1024
"""
GLIBC_ONLY = pytest.mark.skipif(
    platform.system() != "Linux" or platform.libc_ver()[0] != "glibc",
    reason="malloc_trim and mallopt's threshold are glibc's",
)


def _fresh(script: str, *args: str) -> list[str]:
    """What ``script`` (with ``anon``) prints in a fresh interpreter, split into words."""
    return subprocess.run(
        [sys.executable, "-c", _ANON + textwrap.dedent(script), *args],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()


# In a fresh interpreter: 100,000 byte strings of 1 KB (above pymalloc's 512 bytes, so
# from the C heap) with a live one made after them, so that freeing the others leaves
# ~100 MB of free pages behind it, which ``free`` cannot give back from the top.
_SCRIPT = """
from provenance.run.heap import give_back

held = [bytes(1024) + bytes([k % 256]) for k in range(100_000)]
last = bytes(2048) + b"x"
del held
before = anon()
trimmed = give_back()
print(before, anon(), trimmed, len(last))
"""


@GLIBC_ONLY
def test_free_pages_in_the_heap_go_back() -> None:
    out = _fresh(_SCRIPT)
    before, after = int(out[0]), int(out[1])
    assert out[2] == "True"
    assert before - after >= 50, (before, after)  # of the ~100 MB freed


# In a fresh interpreter: a freed 8 MB block raises glibc's mmap threshold to 8 MB, so that
# 50 blocks of 2 MB come from the heap, below a live block made after them; freed, they are
# ~100 MB of free pages that ``free`` keeps. With ``steady`` (threshold 1 MB) first, each is
# mapped on its own and unmapped when freed.
_STEADY = """
import sys
from provenance.run import heap

raised = bytearray(8 << 20)
del raised
fixed = heap.steady() if sys.argv[1] == "steady" else None
held = [bytes([k % 256]) * (2 << 20) for k in range(50)]
last = bytes([1]) * 300_000
before = anon()
del held
print(before - anon(), fixed, len(last))
"""


@GLIBC_ONLY
def test_a_steady_threshold_leaves_no_free_pages() -> None:
    def freed(how: str) -> tuple[int, str]:
        out = _fresh(_STEADY, how)
        return int(out[0]), out[1]

    kept, fixed = freed("dynamic")
    assert fixed == "None"
    assert kept <= 20, kept  # glibc's own threshold: the ~100 MB stay in the heap
    returned, fixed = freed("steady")
    assert fixed == "True"
    assert returned >= 80, returned  # of the ~100 MB freed


# In a fresh interpreter with the thresholds fixed (the trim threshold given): a block of
# 512 KB (below the 1 MB mmap threshold, so from the heap's top) made and freed 200 times.
# With glibc's own trim threshold (128 KB) each free cuts the heap back to within 128 KB of
# what is live, so most of the next block's 128 pages are faulted in anew (here 96 a block);
# with ``steady``'s, the pages stay.
_TRIM = """
import resource, sys
from provenance.run import heap

trim = heap.TRIM_THRESHOLD if sys.argv[1] == "steady" else 128 * 1024
fixed = heap.steady(trim=trim)
def faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt
block = bytearray(512 * 1024)
del block
before = faults()
for _ in range(200):
    block = bytearray(512 * 1024)  # zeroed: every page touched
    del block
print(faults() - before, fixed)
"""


@GLIBC_ONLY
def test_a_steady_heap_keeps_the_pages_a_loop_makes_and_drops() -> None:
    def faults(how: str) -> int:
        out = _fresh(_TRIM, how)
        assert out[1] == "True"
        return int(out[0])

    assert faults("glibc") >= 200 * 64  # half a block's pages or more, faulted in anew
    assert faults("steady") <= 200  # the same pages, reused


def test_no_threshold_fixed_in_a_c_library_other_than_glibc(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Other:  # musl has a mallopt of its own numbering, and no gnu_get_libc_version
        def __init__(self, name: object) -> None:
            del name
            self.mallopt = self._refuse

        def _refuse(self, *args: object) -> int:
            raise AssertionError("mallopt called with glibc's numbering")

    monkeypatch.setattr(ctypes, "CDLL", Other)
    assert heap.steady() is False


def test_nothing_to_do_without_malloc_trim(monkeypatch: pytest.MonkeyPatch) -> None:
    class NoTrim:  # a C library without the call (musl, macOS)
        def __init__(self, name: object) -> None:
            del name

    monkeypatch.setattr(ctypes, "CDLL", NoTrim)
    assert heap.give_back() is False
    assert heap.steady() is False


def test_a_run_with_a_work_store_steadies_the_heap_before_its_matching_stage(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A long run (one with a work store) fixes the threshold when its matching stage
    begins, after the per-article stages; a run held in memory leaves glibc's own."""
    from provenance import cli_common, pipeline
    from provenance.config import Config
    from provenance.match import reuse
    from provenance.run.workstore import WorkStore

    calls: list[str] = []

    def steady() -> bool:
        calls.append("steady")
        return True

    monkeypatch.setattr(heap, "steady", steady)
    find_reuse = reuse.find_reuse

    def recorded(*args: Any, **kwargs: Any) -> Any:
        calls.append("match")
        return find_reuse(*args, **kwargs)

    monkeypatch.setattr(reuse, "find_reuse", recorded)
    articles = cli_common.load([str(CORPUS)], Config())
    pipeline.analyze_streamed(articles, Config())
    assert calls == ["match"]
    calls.clear()
    store = WorkStore(tmp_path, resume=False)
    try:
        tuple(pipeline.analyze_streamed(articles, Config(), store=store).articles)
    finally:
        store.close()
    assert calls == ["steady", "match"]

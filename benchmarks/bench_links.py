"""Memory and time of the passages' links (``links.LinkTable`` in memory beside
``links.StoredLinks`` in a work folder), on synthetic links.

    python benchmarks/bench_links.py [--links 8111140] [--texts 7265200] [--read-every K]
        [--json]

Per run: ``--links`` links between ``--texts`` distinct texts, made ``_FOLD`` at a time in
the compact blocks that the alignment stage hands the table (random texts, offsets and
counts under 16 bits, scores in whole hundredths: the narrow case the report's links are
in), the same on both sides (a seed). Each side, in a process of its own, makes its table
from the blocks (glibc's mmap threshold fixed, ``heap.steady``, as a report with a work
store runs), then reads the links of every ``--read-every``-th text back as the spans
stage does (``of_text``). Per side: seconds to make and to read, the resident memory
before, the peak added while making (VmHWM, reset first), what the table holds after (the
resident memory then, once glibc has given back the free pages: ``heap.give_back``), and
a digest of the links read, which must agree. The report before this change made the
table in memory (``LinkTable``) with a work store too; now it goes to the work folder
(``StoredLinks``). The defaults are ten times the links and texts
of the 100,000-article synthetic corpus (811,114 links among 726,520 distinct passage
texts, counted in session 30); at 1,000,000 articles they were not counted.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import memory  # noqa: E402
import sides  # noqa: E402


def _blocks(links: int, texts: int, seed: int) -> Iterator[Any]:
    """``links`` links in blocks as ``links._blocks`` makes them (owner, other, the seven
    offsets and counts as uint16, score and estimate as scaled uint16)."""
    import numpy as np

    from provenance.match import links as links_module

    rng = np.random.default_rng(seed)
    fold = links_module._FOLD
    for lo in range(0, links, fold):
        n = min(fold, links - lo)
        owner = rng.integers(0, texts, n).astype(np.int32)
        other = rng.integers(0, texts, n).astype(np.int32)
        spans = rng.integers(0, 1 << 12, (n, 7)).astype(np.uint16)
        floats = np.column_stack([rng.integers(4400, 10001, n), rng.integers(0, 10001, n)])
        yield owner, other, spans, floats.astype(np.uint16).reshape(-1)


def _measure(kind: str, links: int, texts: int, every: int, seed: int) -> dict[str, Any]:
    """One side: ``kind`` "memory" (``LinkTable``) or "stored" (``StoredLinks``)."""
    from provenance.match.links import LinkTable, StoredLinks
    from provenance.run import heap
    from provenance.run.stored import StoredMatrix

    heap.steady()  # as a report with a work store fixes the mmap threshold

    with tempfile.TemporaryDirectory(prefix="bench-links-") as folder:

        def spill(name: str, width: int) -> StoredMatrix:
            return StoredMatrix(Path(folder) / f"{name}.u32", width)

        memory._reset_peak()
        before = memory.status()["VmRSS"]
        started = time.perf_counter()
        blocks = _blocks(links, texts, seed)
        table = LinkTable(blocks) if kind == "memory" else StoredLinks(blocks, texts, spill)
        made = time.perf_counter() - started
        peak = memory.status()["VmHWM"] - before
        heap.give_back()  # the free pages the making left, given back (as a report does)
        held = memory.status()["VmRSS"] - before
        digest = hashlib.sha256()
        started = time.perf_counter()
        for u in range(0, texts, every):
            digest.update(repr(table.of_text(u)).encode("utf-8"))
        read = time.perf_counter() - started
        out = {
            "kind": kind,
            "links": len(table),
            "texts_with_links": len(table.texts),
            "make_seconds": round(made, 2),
            "read_seconds": round(read, 2),
            "rss_before_mb": round(before / 1024, 1),
            "peak_added_mb": round(peak / 1024, 1),
            "held_after_mb": round(held / 1024, 1),
            "links_sha256": digest.hexdigest(),
        }
        table.close()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--links", type=int, default=8_111_140)
    parser.add_argument("--texts", type=int, default=7_265_200)
    parser.add_argument("--read-every", type=int, default=1, help="read every K-th text")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--measure", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        kind, *numbers = args.measure
        print(json.dumps(_measure(kind, *(int(x) for x in numbers))))
        return 0
    given = (str(args.links), str(args.texts), str(args.read_every), str(args.seed))
    run: dict[str, Any] = {
        side: sides.measure_in(ROOT, __file__, side, *given) for side in ("memory", "stored")
    }
    run["same_links"] = run["memory"]["links_sha256"] == run["stored"]["links_sha256"]
    sides.show(run, args.json)
    return sides.finish([run], args.json, "same_links")


if __name__ == "__main__":
    sys.exit(main())

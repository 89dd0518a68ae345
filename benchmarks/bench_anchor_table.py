"""Memory and time of the claims corpus's anchor table (``anchor_table.AnchorTable``: the
distinct anchors numbered, each text's anchors as numbers), this tree's code beside an
earlier commit's, on synthetic anchor sets.

    python benchmarks/bench_anchor_table.py [--sizes 1000000] [--base REF] [--json]

Per size N: N sets of six anchors, three from 10,000 common names and three from N rare
ones (about 0.95 N distinct anchors: the 100,000-article synthetic corpus's 772,665 claim
texts had 562,860), made a batch at a time as the claims corpus adds them (never held
whole), numbered by each side in a process of its own. Per side: seconds, the resident
memory before, the peak the table adds (VmHWM, reset first) while it numbers the sets and
makes its columns, what it still holds then (its columns), and a digest of the columns
(names, cuts, ids), which must agree. The peak less what is held is the numbering's
transient: the slots' growth is the claims corpus's peak at 1,000,000 articles (session
29), and it shows at sizes where the last doubling of the slots comes late (about 4.4
million sets: the slots double to 2**24 past 4.2 million anchors).
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
sys.path.insert(0, str(HERE))

import memory  # noqa: E402
import sides  # noqa: E402

COMMON = 10_000  # names every part of the corpus draws from
PER_SET = 3  # anchors a set draws from the common names, and as many from the rare ones


def anchor_sets(n: int, seed: int) -> Iterator[list[str]]:
    """``n`` sets of anchors, sorted (as ``describe`` gives them), made as they are taken."""
    import numpy as np

    rng = np.random.default_rng(seed)
    block = 8_192
    for lo in range(0, n, block):
        size = min(block, n - lo)
        common = rng.integers(0, COMMON, size=(size, PER_SET)).tolist()
        rare = rng.integers(0, n, size=(size, PER_SET)).tolist()
        for c, r in zip(common, rare, strict=True):
            yield sorted({*(f"common {x}" for x in c), *(f"rare {x}" for x in r)})


def _measure(n: int, seed: int) -> dict[str, Any]:
    """The table of ``n`` sets, numbered with this process's ``provenance``."""
    from provenance.match.anchor_table import AnchorTable

    memory._reset_peak()
    before = memory.status()["VmRSS"]
    started = time.perf_counter()
    table = AnchorTable()
    for found in anchor_sets(n, seed):
        table.add(found)
    names, cuts, ids = table.columns()
    seconds = time.perf_counter() - started
    del table
    peak = memory.status()["VmHWM"] - before
    held = memory.status()["VmRSS"] - before
    digest = hashlib.sha256()
    for column in (cuts, ids):
        digest.update(column.dtype.str.encode("ascii"))
        digest.update(column.tobytes())
    for k in range(0, len(names), 65_536):
        digest.update("\n".join(names[k : k + 65_536]).encode("utf-8"))
    return {
        "sets": n,
        "anchors": len(names),
        "anchor_ids": len(ids),
        "seconds": round(seconds, 2),
        "rss_before_mb": round(before / 1024, 1),
        "peak_added_mb": round(peak / 1024, 1),
        "held_after_mb": round(held / 1024, 1),
        "columns_sha256": digest.hexdigest()[:12],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", type=int, default=[100_000, 1_000_000])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--base", default="e7b3295", help="the commit to compare with")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--measure", nargs=2, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(_measure(*args.measure)))
        return 0
    runs: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-anchor-table-") as tmp:
        base = sides.extract(args.base, Path(tmp) / "base")
        for n in sorted(args.sizes):
            size = (str(n), str(args.seed))
            run: dict[str, Any] = {
                "sets": n,
                "base": {"commit": args.base, **sides.measure_in(base, __file__, *size)},
                "new": sides.measure_in(sides.ROOT, __file__, *size),
            }
            run["same_columns"] = run["base"]["columns_sha256"] == run["new"]["columns_sha256"]
            sides.show(run, args.json)
            runs.append(run)
    return sides.finish(runs, args.json, "same_columns")


if __name__ == "__main__":
    sys.exit(main())

"""The input side alone: resident memory of reading a corpus as the local engine does.

    python benchmarks/ingest_memory.py EVAL_DIR [--sizes 3000 30000] [--seed 0] [--json]

For each size N, a synthetic corpus (benchmarks/synth.py) is read in a process of its own
two ways: ``memory`` (every article in a list sorted by id, its run key hashed from the
list: what ``report`` did before it streamed) and ``store`` (the articles streamed into a
work store, ids recorded there, numbered in id order, the run key computed from the stored
hashes, then read back once in id order as the first stage does). It reports the peak
resident memory of each (``VmHWM``) and its growth per article between sizes.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def _peak_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    return 0.0  # pragma: no cover - not Linux


def _read(path: Path, how: str) -> dict[str, Any]:
    from provenance import cli_common
    from provenance.config import Config
    from provenance.run import workstore

    config = Config()
    started = time.perf_counter()
    before = _peak_mb()
    with tempfile.TemporaryDirectory(prefix="ingest-memory-") as tmp:
        if how == "memory":
            articles = cli_common.load([str(path)], config)
            workstore.run_key(articles, config)
            count = sum(1 for _ in articles)
        else:
            store = workstore.WorkStore(Path(tmp), resume=False)
            stream = cli_common.stream([str(path)], config, seen=store.seen())
            count = sum(1 for _ in store.ingest(stream, config))
            store.close()
    return {
        "how": how,
        "articles": count,
        "seconds": round(time.perf_counter() - started, 1),
        "peak_rss_mb": _peak_mb(),
        "peak_rss_mb_at_start": before,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("eval_dir", type=Path)
    parser.add_argument("--sizes", nargs="+", type=int, default=[3000, 30000])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    if not args.eval_dir.is_dir():
        print(f"error: {args.eval_dir}: no such folder", file=sys.stderr)
        return 2
    from synth import corpora

    runs: list[dict[str, Any]] = []
    spawn = multiprocessing.get_context("spawn")
    with tempfile.TemporaryDirectory(prefix="ingest-memory-corpus-") as tmp:
        for n, path in corpora(args.eval_dir, args.sizes, args.seed, Path(tmp)):
            for how in ("memory", "store"):
                load = [round(x, 2) for x in os.getloadavg()]
                with ProcessPoolExecutor(1, mp_context=spawn) as alone:
                    run = alone.submit(_read, path, how).result()
                run["load_average"] = load
                runs.append(run)
                if not args.json:
                    print(
                        f"{n:>8} {how:<7} peak RSS {run['peak_rss_mb']:>7} MB "
                        f"{run['seconds']:>6} s  load {load}",
                        flush=True,
                    )
    if args.json:
        print(json.dumps({"seed": args.seed, "runs": runs}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

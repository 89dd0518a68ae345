"""Memory and time of the claims corpus (``claim_corpus.ClaimCorpus``: the claim units, the
distinct texts, their anchors, outlets and signatures), this tree's code beside an earlier
commit's, on the articles of a finished work store.

    python benchmarks/bench_claim_corpus.py STORE [--base REF] [--jobs N] [--json]

STORE is a work folder that a report kept (``speed.py --work-dir DIR`` keeps one per size:
``DIR/speed-N/store``); its analysed articles are read back, never changed. Each side
(``--base``, extracted with ``git archive``, and this tree) runs in a process of its own,
one after the other, and makes the corpus in that process, its texts, keys and signatures
in a temporary work store as a report's are (with what the report parks there: the unit
columns, the anchors' numbers); the distinct texts are described there too
(``--jobs 1``, the default) or by a pool of N workers as ``--jobs N`` does in a report
(the peak is the parent's: the workers' memory is not in it). Per side: seconds,
resident memory before, the peak it adds (VmHWM, reset first), the counts, and a digest
of the columns (units, distinct texts, anchors and their weights, outlets); the two
sides must agree. Nothing is written to the repository or to STORE.
"""

from __future__ import annotations

import argparse
import hashlib
import inspect
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import memory  # noqa: E402
import sides  # noqa: E402


def _measure(store: Path, jobs: int) -> dict[str, Any]:
    """The claims corpus of ``store``'s articles (this process's ``provenance``), described
    by ``jobs`` workers (1: in this process)."""
    import numpy as np

    from provenance.config import Config
    from provenance.match.claim_corpus import ClaimCorpus
    from provenance.resources import Resources
    from provenance.run import local
    from provenance.run.workstore import WorkStore

    source = WorkStore(store, resume=True)
    results = source.results("articles")
    lexicon = Resources.load().anchors
    runner = None if jobs <= 1 else local.executor(jobs)
    with tempfile.TemporaryDirectory(prefix="bench-claim-corpus-") as folder:
        work = WorkStore(Path(folder), resume=False)
        memory._reset_peak()
        before = memory.status()["VmRSS"]
        started = time.perf_counter()
        if "kept" in inspect.signature(ClaimCorpus).parameters:  # parked as it is made
            corpus = ClaimCorpus(results, Config(), lexicon, runner, work, kept=work)
        else:  # parked once made, as that commit's report did right after
            corpus = ClaimCorpus(results, Config(), lexicon, runner, work)
            corpus.park(work)  # type: ignore[attr-defined]
        seconds = time.perf_counter() - started
        peak = memory.status()["VmHWM"] - before
        if runner is not None:
            runner.close()
        digest = hashlib.sha256()
        for column in (
            corpus.unit_article,
            corpus.unit_start,
            corpus.unit_end,
            corpus.unit_text,
            corpus.anchor_cuts,
            corpus.anchor_ids[:],
            corpus.idf,
            corpus.outlet_cuts,
            corpus.outlet_ids,
        ):
            digest.update(column.dtype.str.encode("ascii"))
            digest.update(np.ascontiguousarray(column).tobytes())
        digest.update("\n".join(corpus.anchor_names).encode("utf-8"))
        digest.update("\n".join(corpus.outlet_names).encode("utf-8"))
        out = {
            "articles": len(corpus.ids),
            "jobs": jobs,
            "units": len(corpus.unit_text),
            "texts": len(corpus),
            "anchors": len(corpus.anchor_names),
            "anchor_ids": len(corpus.anchor_ids),
            "seconds": round(seconds, 2),
            "rss_before_mb": round(before / 1024, 1),
            "peak_added_mb": round(peak / 1024, 1),
            "columns_sha256": digest.hexdigest(),
        }
        corpus.close()
        corpus.close_keys()
        work.close()
    source.close()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("store", nargs="?", type=Path, help="a work folder a report kept")
    parser.add_argument("--base", default="d059372", help="the commit to compare with")
    parser.add_argument("--jobs", type=int, default=1, help="workers that describe the texts")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--measure", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(_measure(Path(args.measure[0]), int(args.measure[1]))))
        return 0
    if args.store is None or not (args.store / "work.sqlite").is_file():
        parser.error("STORE: a work folder with a work.sqlite (speed.py --work-dir keeps one)")
    store, jobs = str(args.store.resolve()), str(args.jobs)
    with tempfile.TemporaryDirectory(prefix="bench-claim-corpus-base-") as tmp:
        base = sides.extract(args.base, Path(tmp) / "base")
        run: dict[str, Any] = {
            "store": args.store.name,
            "base": {"commit": args.base, **sides.measure_in(base, __file__, store, jobs)},
            "new": sides.measure_in(ROOT, __file__, store, jobs),
        }
    run["same_columns"] = run["base"]["columns_sha256"] == run["new"]["columns_sha256"]
    sides.show(run, args.json)
    return sides.finish([run], args.json, "same_columns")


if __name__ == "__main__":
    sys.exit(main())

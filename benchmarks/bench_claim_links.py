"""The claim stage's link scoring (``claims._links``): in this process alone (as the
report did before session 16) beside a pool's workers (``--jobs``), in the same run, on the
same work store.

    python benchmarks/bench_claim_links.py [EVAL_DIR] [--sizes 3000 10000] [--jobs 2]
        [--claims-model MODEL] [--json]

Per size N: a synthetic corpus (``synth.py``), its per-article results (the pool), and the
claim groups made once with a work store in a temporary folder, which keeps the steps'
results (the lexical and semantic candidates, the links) and the sentence vectors. Then, for
each side, the kept links are dropped and the claims made again from the store (the claims
corpus described again, the vectors and the candidates read back): the links scored with
``executor=None`` (this process) or the pool. Reported per side: the seconds and CPU seconds
(this process, the workers) of the scoring alone, the resident memory it adds at its peak
in this process, and whether the groups equal the first run's.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import memory  # noqa: E402
import synth  # noqa: E402

from provenance import pipeline  # noqa: E402
from provenance.config import Config  # noqa: E402
from provenance.ingest import load_records  # noqa: E402
from provenance.match import claim_links, claims  # noqa: E402
from provenance.match.claims import find_claims  # noqa: E402
from provenance.resources import Resources  # noqa: E402
from provenance.run.local import Pool, kernels_of  # noqa: E402
from provenance.run.workstore import WorkStore  # noqa: E402
from provenance.semantic import DIMENSIONS  # noqa: E402


def _workers_cpu(pool: Pool) -> float:
    processes = getattr(pool._pool, "_processes", None) or {}
    return sum(memory._cpu_of(pid) for pid in processes)


def _side(results: Any, config: Config, store: WorkStore, pool: Pool, scorer: Pool | None) -> Any:
    """The claims made again from ``store`` with the links scored by ``scorer``."""
    timed: dict[str, float] = {}
    scored = claims.__dict__["_links"]  # the name find_claims calls

    def measured(*args: Any) -> Any:
        memory._reset_peak()
        before = memory.status()["VmRSS"]
        start, cpu, workers = time.perf_counter(), time.process_time(), _workers_cpu(pool)
        found = scored(*args)
        timed["seconds"] = round(time.perf_counter() - start, 2)
        timed["cpu_seconds"] = round(time.process_time() - cpu, 2)
        timed["cpu_seconds_workers"] = round(_workers_cpu(pool) - workers, 2)
        timed["peak_added_mb"] = round((memory.status()["VmHWM"] - before) / 1024, 1)
        return found

    store.drop_arrays(claim_links.LINKS)
    store.forget(claims.TABLE)  # the groups a side made, else the next reads them back
    vectors = store.kept_rows(pipeline._VECTORS, DIMENSIONS)
    setattr(claims, "_links", measured)  # noqa: B010 (typed as the function)
    try:
        groups = find_claims(
            results,
            config,
            Resources.load().anchors,
            kernels_of(pool),
            scorer,
            vectors_to=vectors,
            describe_by=pool,
            folder=store,
            checkpoints=store,
        )
        listed = list(groups)
    finally:
        setattr(claims, "_links", scored)  # noqa: B010
        vectors.close()
    return timed, listed


def run(eval_dir: Path, n: int, jobs: int, model: str | None) -> dict[str, Any]:
    config = Config()
    if model is not None:
        config = replace(config, claims=replace(config.claims, model=model))
    articles = load_records(synth.iter_corpus(synth.load_sentences(eval_dir), n))
    pool = Pool(jobs)
    try:
        results = pipeline.analyze_each(articles, config, executor=pool)
        with tempfile.TemporaryDirectory() as folder:
            store = WorkStore(Path(folder), resume=False)
            try:
                first, groups = _side(results, config, store, pool, pool)
                sides = {"first": first}
                for name, scorer in (("parent", None), ("pool", pool)):
                    timed, again = _side(results, config, store, pool, scorer)
                    sides[name] = {**timed, "same_groups": again == groups}
            finally:
                store.close()
    finally:
        pool.close()
    ratio = sides["pool"]["seconds"] / max(0.01, sides["parent"]["seconds"])
    return {"articles": n, "jobs": jobs, "groups": len(groups), **sides, "ratio": round(ratio, 3)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("eval_dir", nargs="?", type=Path, default=memory.DEFAULT_EVAL)
    parser.add_argument("--sizes", nargs="*", type=int, default=[3000, 10000])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--claims-model", default=None)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    rows = []
    for n in args.sizes:
        row = run(args.eval_dir, n, args.jobs, args.claims_model)
        rows.append(row)
        if not args.json:
            print(json.dumps(row), flush=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if args.json:
        print(json.dumps({"runs": rows, "max_rss_mb": round(peak / 1024, 1)}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The claim stage's embedding step alone, at scale: time and the parent's peak memory of a
pool's ``embed_into`` (each run's vectors go to the work store's vector file as they come
back) beside ``embed`` then one ``extend`` (every vector in memory at once, as the claim
stage did before), with whether both files hold the same bytes.

    python benchmarks/bench_embed_stream.py [EVAL_DIR] [--articles 3000 10000] [--jobs 2]
        [--ways whole stream] [--json]

Texts: the distinct claim texts of a 1,000-article synthetic corpus
(``bench_embed.claim_texts``), ``--texts-per-article`` of them per article (11.5 in the
30,000-article report), cycled with a number appended so that no two are the same. Each way
runs in a process of its own, with a pool of its own (the time includes the workers loading
the model, a few seconds); its peak is the growth of ``VmHWM`` over the resident memory
once the texts are built (the peak reset there through ``/proc/self/clear_refs``). Linux
only (``/proc``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_embed import claim_texts  # noqa: E402
from memory import _reset_peak, status  # noqa: E402
from speed import DEFAULT_EVAL  # noqa: E402

MODEL = "usem3"
WAYS = ("whole", "stream")


def _texts(base: list[str], count: int) -> list[str]:
    return [f"{base[i % len(base)]} {i // len(base)}" for i in range(count)]


def _digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _run(base: list[str], count: int, jobs: int, way: str) -> dict[str, Any]:
    from provenance.run.local import Pool, PoolKernels
    from provenance.run.stored import StoredRows
    from provenance.semantic import DIMENSIONS

    texts = _texts(base, count)
    pool = Pool(jobs)
    kernels = PoolKernels(pool)
    with tempfile.TemporaryDirectory(prefix="embed-") as tmp:
        rows = StoredRows(Path(tmp) / "claim-vectors.f32", DIMENSIONS)
        try:
            before = status()["VmRSS"]
            _reset_peak()
            started = time.perf_counter()
            if way == "stream":
                kernels.embed_into(texts, MODEL, rows)
            else:
                vectors = kernels.embed(texts, MODEL)
                rows.extend(vectors)
                del vectors
            seconds = time.perf_counter() - started
            peak = status()["VmHWM"]
            digest = _digest(Path(tmp) / "claim-vectors.f32")
        finally:
            rows.close()
            pool.close()
    return {
        "way": way,
        "texts": count,
        "seconds": round(seconds, 1),
        "ms_per_text": round(1000 * seconds / count, 3),
        "peak_growth_mb": round((peak - before) / 1024, 1),
        "vectors_sha256": digest,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("eval_dir", nargs="?", type=Path, default=DEFAULT_EVAL)
    parser.add_argument("--articles", nargs="+", type=int, default=[3000, 10000])
    parser.add_argument("--texts-per-article", type=float, default=11.5)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--ways", nargs="+", choices=WAYS, default=list(WAYS))
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    out: list[dict[str, Any]] = []
    spawn = multiprocessing.get_context("spawn")
    base = claim_texts(args.eval_dir, 1000, 0)
    for n in args.articles:
        count = round(n * args.texts_per_article)
        runs = {}
        for way in args.ways:
            with ProcessPoolExecutor(1, mp_context=spawn) as child:
                runs[way] = child.submit(_run, base, count, args.jobs, way).result()
        same = len({r["vectors_sha256"] for r in runs.values()}) == 1
        out.append({"articles": n, "same_vectors": same, **runs})
        if not args.json:
            print(json.dumps(out[-1], indent=2), flush=True)
    if args.json:
        print(json.dumps(out))
    return 0 if all(r["same_vectors"] for r in out) else 1


if __name__ == "__main__":
    raise SystemExit(main())

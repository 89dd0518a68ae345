"""Throughput of the whole pipeline on synthetic corpora, beside MinHash-only baselines.

    python benchmarks/speed.py [EVAL_DIR] [--sizes 1000 10000 100000] [--seed 0] [--json]
        [--jobs N] [--work-dir DIR] [--claims-model none]

For each size N, a deterministic corpus of N articles is built from real sentences of
EVAL_DIR with benchmarks/synth.py (about 10% wire stories, 30% of outlet articles copying
from them), then timed in the same run:
- ``pipeline``: ``pipeline.analyze`` with every stage (segment, boilerplate, attribution,
  fingerprint + LSH + alignment + claims + duplicates, classify), and the time per stage,
  with ``--jobs`` worker processes (default: the cores available) and a work store in a
  temporary folder (or ``--work-dir``), as ``provenance report`` runs it; the bytes the
  work store holds per article are reported;
- ``datasketch``: one datasketch MinHash per article over the same word 3-shingles
  (``MinHash.bulk``) inserted into a ``MinHashLSH``: hashing alone, no alignment;
- ``rensa``: the same with rensa's ``RMinHash`` and ``RMinHashLSH`` (``pip install rensa``,
  the ``bench`` extra).
The baselines sign one set per article; the pipeline signs every sentence and paragraph
(and claim units), aligns candidates and classifies every character, so it does far more
work per article. ``growth`` is the time ratio between consecutive sizes (10x articles:
about 10 is linear, about 100 quadratic). Timings include nothing of corpus construction.
``--matching-only`` times segmentation and the cross-outlet stage (``reuse.find_reuse``)
instead of the whole pipeline: the corpus-wide part whose growth is in question.
synth.py deals sentences without replacement and mutates them on later passes, so the
amount of reuse per article (the planted wire copies) does not grow with N; the work per
distinct passage is also capped (``max_candidates`` alignments, ``max_sources`` sources).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
DEFAULT_EVAL = HERE.parent.parent / "shared" / "eval"

from synth import iter_corpus, load_sentences  # noqa: E402

from provenance import pipeline  # noqa: E402
from provenance.config import Config  # noqa: E402
from provenance.fingerprint import FingerprintParams, lsh_bands, shingles  # noqa: E402
from provenance.model import Article, ArticleResult, SourceKind  # noqa: E402
from provenance.run import local, workstore  # noqa: E402
from provenance.segment import Abbreviations, segment  # noqa: E402


def build(sentences: list[str], n: int, seed: int) -> list[Article]:
    return [
        Article(
            r["id"],
            r["text"],
            outlet=r["outlet"],
            published=r["published"],
            source_kind=SourceKind(r["source_kind"]),
            language=r["language"],
        )
        for r in iter_corpus(sentences, n, seed)
    ]


def time_pipeline(
    articles: Sequence[Article], config: Config, jobs: int | None, work_dir: Path | None
) -> dict[str, Any]:
    stages: dict[str, float] = {}
    stages_cpu: dict[str, float] = {}
    started = time.perf_counter()
    cpu_started = time.process_time()

    def progress(stage: str, done: int, total: int) -> None:
        if done == total and stage not in stages:
            stages[stage] = time.perf_counter() - started
            stages_cpu[stage] = time.process_time() - cpu_started

    with tempfile.TemporaryDirectory(prefix="speed-", dir=work_dir) as folder:
        store = workstore.WorkStore(Path(folder), workstore.run_key(articles, config), resume=False)
        runner = local.executor(jobs, items=len(articles))
        try:
            result = pipeline.analyze(
                articles, config, progress=progress, executor=runner, store=store
            )
            seconds = time.perf_counter() - started
            store_bytes = store.size()
        finally:
            runner.close()
            store.close()
    return {
        "seconds": round(seconds, 2),
        "articles_per_second": round(len(articles) / seconds, 1),
        "stages_seconds": _per_stage(stages),
        # this process's CPU only: the pool's workers run the per-article stages and the
        # sentence embedding
        "stages_cpu_seconds_parent": _per_stage(stages_cpu),
        "jobs": getattr(runner, "jobs", 1),
        "work_store_bytes_per_article": round(store_bytes / max(1, len(articles))),
        "matches": len(result.matches),
        "claim_groups": len(result.claims),
        "duplicate_clusters": len(result.clusters),
    }


def _per_stage(ends: dict[str, float]) -> dict[str, float]:
    """Seconds of each stage, from when each ended (in order)."""
    previous = 0.0
    per_stage: dict[str, float] = {}
    for stage, at in sorted(ends.items(), key=lambda kv: kv[1]):
        per_stage[stage] = round(at - previous, 2)
        previous = at
    return per_stage


def time_matching(articles: Sequence[Article], config: Config) -> dict[str, Any]:
    """Segmentation and the cross-outlet stage alone (``reuse.find_reuse``: passages,
    MinHash, LSH, alignment, claims, duplicates), without boilerplate and attribution."""
    from provenance.match import reuse

    abbreviations = Abbreviations.load()
    started = time.perf_counter()
    results = [ArticleResult(a, segment(a.text, abbreviations)) for a in articles]
    segmented = time.perf_counter()
    found = reuse.find_reuse(results, config)
    seconds = time.perf_counter() - started
    return {
        "seconds": round(seconds, 2),
        "segment_seconds": round(segmented - started, 2),
        "articles_per_second": round(len(articles) / seconds, 1),
        "matches": len(found.matches),
        "claim_groups": len(found.claims),
    }


def time_datasketch(grams: list[list[bytes]], config: Config) -> dict[str, Any]:
    from datasketch import MinHash, MinHashLSH

    fp = config.fingerprint
    bands, rows = lsh_bands(fp.num_perm, fp.lsh_threshold)
    started = time.perf_counter()
    minhashes = MinHash.bulk(grams, num_perm=fp.num_perm, seed=fp.seed, scheme=fp.scheme)
    lsh = MinHashLSH(num_perm=fp.num_perm, params=(bands, rows))
    with lsh.insertion_session() as session:
        for key, mh in enumerate(minhashes):
            session.insert(key, mh, check_duplication=False)
    seconds = time.perf_counter() - started
    return {"seconds": round(seconds, 2), "articles_per_second": round(len(grams) / seconds, 1)}


def time_rensa(grams: list[list[bytes]], config: Config) -> dict[str, Any]:
    """rensa hashes ``str`` tokens: the shingles are decoded first (untimed), in place, so
    that only one copy of the corpus' shingles is held at a time."""
    try:
        from rensa import RMinHash, RMinHashLSH
    except ImportError:
        return {"skipped": "rensa is not installed (pip install rensa, or the bench extra)"}
    tokens: list[Any] = grams
    for i, gs in enumerate(grams):
        tokens[i] = [g.decode("utf-8") for g in gs]
    fp = config.fingerprint
    # the same banding as datasketch and ours: rensa takes rows = num_perm / num_bands, so it
    # hashes bands * rows permutations (126 of 128 at 42 x 3)
    bands, rows = lsh_bands(fp.num_perm, fp.lsh_threshold)
    started = time.perf_counter()
    lsh = RMinHashLSH(threshold=fp.lsh_threshold, num_perm=bands * rows, num_bands=bands)
    for key, article_tokens in enumerate(tokens):
        mh = RMinHash(num_perm=bands * rows, seed=fp.seed)
        mh.update(article_tokens)
        lsh.insert(key, mh)
    seconds = time.perf_counter() - started
    return {"seconds": round(seconds, 2), "articles_per_second": round(len(grams) / seconds, 1)}


def _pipeline_alone(
    eval_dir: Path,
    n: int,
    seed: int,
    matching_only: bool,
    jobs: int | None,
    work_dir: Path | None,
    config: Config,
) -> dict[str, Any]:
    """The pipeline in a process of its own (spawned by ``measure``): the corpus is built
    there again (deterministic), so the peak RSS is the pipeline's with its input, not the
    baselines' shingles."""
    articles = build(load_sentences(eval_dir), n, seed)
    built = resource.getrusage(resource.RUSAGE_SELF)
    timed = (
        time_matching(articles, config)
        if matching_only
        else time_pipeline(articles, config, jobs, work_dir)
    )
    own, workers = (resource.getrusage(r) for r in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    timed["peak_rss_mb"] = own.ru_maxrss // 1024
    # the largest worker process (a pool's workers hold one chunk of articles each)
    timed["peak_rss_mb_workers"] = workers.ru_maxrss // 1024
    # CPU time, user + system, of this process (from the built corpus on) and of the pool's
    # workers (counted once they have exited): on a shared machine the wall time depends on
    # the other load, the CPU time much less; cpu / wall is the share of the cores the run got
    cpu = own.ru_utime + own.ru_stime - built.ru_utime - built.ru_stime
    timed["cpu_seconds"] = round(cpu, 2)
    timed["cpu_seconds_workers"] = round(workers.ru_utime + workers.ru_stime, 2)
    return timed


def measure(
    sentences: list[str],
    n: int,
    seed: int,
    config: Config,
    matching_only: bool,
    jobs: int | None = None,
    work_dir: Path | None = None,
    eval_dir: Path = DEFAULT_EVAL,
) -> dict[str, Any]:
    articles = build(sentences, n, seed)
    params = FingerprintParams.from_config(config.fingerprint)
    started = time.perf_counter()
    grams = [sorted(shingles(a.text, params)) for a in articles]
    shingling = time.perf_counter() - started
    datasketch = time_datasketch(grams, config)
    rensa = time_rensa(grams, config)
    del grams, articles
    baselines_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    # a (non-daemonic) worker of its own, which may start the pipeline's pool in turn
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as alone:
        pipeline_run = alone.submit(
            _pipeline_alone, eval_dir, n, seed, matching_only, jobs, work_dir, config
        ).result()
    return {
        "articles": n,
        "shingling_seconds": round(shingling, 2),
        "datasketch": datasketch,
        "rensa": rensa,
        "pipeline": pipeline_run,
        "pipeline_vs_datasketch": round(
            pipeline_run["articles_per_second"] / max(1e-9, datasketch["articles_per_second"]), 4
        ),
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "peak_rss_mb_baselines": baselines_rss,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("eval_dir", nargs="?", type=Path, default=DEFAULT_EVAL)
    parser.add_argument("--sizes", nargs="+", type=int, default=[1000, 10000])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--matching-only",
        action="store_true",
        help="time segmentation + the cross-outlet stage instead of the whole pipeline",
    )
    parser.add_argument("--jobs", type=int, default=None, help="worker processes")
    parser.add_argument("--work-dir", type=Path, default=None, help="where the work store goes")
    parser.add_argument(
        "--claims-model",
        default=None,
        help='claims.model for the run ("none": no sentence embeddings, whose model and '
        "vectors otherwise dominate time and memory on a loaded machine)",
    )
    args = parser.parse_args(argv)
    if not args.eval_dir.is_dir():
        print(f"error: {args.eval_dir}: no such folder", file=sys.stderr)
        return 2
    sentences = load_sentences(args.eval_dir)
    config = Config()
    if args.claims_model is not None:
        config = replace(config, claims=replace(config.claims, model=args.claims_model))
    runs: list[dict[str, Any]] = []
    for n in sorted(args.sizes):
        load_before = [round(x, 2) for x in os.getloadavg()]
        run = measure(
            sentences,
            n,
            args.seed,
            config,
            args.matching_only,
            args.jobs,
            args.work_dir,
            args.eval_dir,
        )
        run["load_average_before"] = load_before
        if runs:
            run["growth_vs_previous"] = round(
                run["pipeline"]["seconds"] / max(1e-9, runs[-1]["pipeline"]["seconds"]), 2
            )
        runs.append(run)
        if not args.json:
            p, d, r = run["pipeline"], run["datasketch"], run["rensa"]
            print(f"== {n} articles")
            print(f"  pipeline    {p['seconds']:>9.2f} s  {p['articles_per_second']:>9.1f} art/s")
            print(f"    stages    {p.get('stages_seconds', 'segment + reuse only')}")
            if "stages_cpu_seconds_parent" in p:
                print(f"    cpu       {p['stages_cpu_seconds_parent']} (this process)")
            print(
                f"  cpu         {p['cpu_seconds']:>9.2f} s pipeline process "
                f"{p['cpu_seconds_workers']:.2f} s workers"
            )
            print(f"  datasketch  {d['seconds']:>9.2f} s  {d['articles_per_second']:>9.1f} art/s")
            if "skipped" in r:
                print(f"  rensa       {r['skipped']}")
            else:
                print(
                    f"  rensa       {r['seconds']:>9.2f} s  {r['articles_per_second']:>9.1f} art/s"
                )
            print(f"  shingling   {run['shingling_seconds']:>9.2f} s (baselines' input)")
            print(f"  load        {run['load_average_before']} -> {run['load_average_after']}")
            print(
                f"  peak RSS    {p['peak_rss_mb']} MB pipeline process, "
                f"{p['peak_rss_mb_workers']} MB largest worker, "
                f"{run['peak_rss_mb_baselines']} MB baselines"
            )
            print(f"  vs ds       x{run['pipeline_vs_datasketch']} of datasketch's art/s")
            if "work_store_bytes_per_article" in p:
                print(f"  work store  {p['work_store_bytes_per_article']} bytes per article")
            if "growth_vs_previous" in run:
                print(f"  growth      x{run['growth_vs_previous']} vs the previous size")
            sys.stdout.flush()
    if args.json:
        out = {
            "seed": args.seed,
            "matching_only": args.matching_only,
            "cores_available": local.available_cores(),
            "runs": runs,
        }
        print(json.dumps(out, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Throughput of the whole report on synthetic corpora, beside MinHash-only baselines.

    python benchmarks/speed.py [EVAL_DIR] [--sizes 1000 10000 100000] [--seed 0] [--json]
        [--jobs N] [--work-dir DIR [--resume]] [--claims-model none] [--matching-only]

For each size N, a deterministic corpus of N articles is built from real sentences of
EVAL_DIR with benchmarks/synth.py (about 10% wire stories, 30% of outlet articles copying
from them) and written to a JSONL file, then timed in the same run:
- ``datasketch``: one datasketch MinHash per article over the same word 3-shingles
  (``MinHash.bulk``) inserted into one ``MinHashLSH``: hashing alone, no alignment;
- ``rensa``: the same with rensa's ``RMinHash`` and ``RMinHashLSH`` (``pip install rensa``,
  the ``bench`` extra);
- ``pipeline``: the report of the file as ``provenance report FILE --format json --jobs N``
  makes it (``benchmarks/memory.py``'s ``run_report``: streamed input, the work store,
  ``--jobs`` worker processes, default the cores available), in a process of its own, with
  the seconds and resident memory of each stage and the bytes the work store holds per
  article.
The baselines read the file a chunk of ``BASELINE_CHUNK`` articles at a time: each chunk's
shingles are made untimed (``shingling_seconds``), then signed and inserted, timed, into the
one index of all N; only their indexes grow with N. They sign one set per article; the
pipeline signs every sentence and paragraph (and claim units), embeds the claim sentences,
aligns candidates and classifies every character, so it does far more work per article.
``growth`` is the time ratio between consecutive sizes (10x articles: about 10 is linear,
about 100 quadratic). Timings include nothing of corpus construction.

With ``--work-dir DIR`` the corpus, the work store and the report of each size are kept in
``DIR/speed-N`` and every attempt is appended to ``DIR/speed-N/attempts.jsonl``; ``--resume``
continues a run that was stopped (the baselines are not timed again, the report resumes
from its work store): the pipeline's seconds are then the sum of its attempts, each given.
``--matching-only`` times segmentation and the cross-outlet stage (``reuse.find_reuse``)
instead of the whole pipeline, with the corpus in memory (small sizes only).
synth.py deals sentences without replacement and mutates them on later passes, so the
amount of reuse per article (the planted wire copies) does not grow with N; the work per
distinct passage is also capped (``max_candidates`` alignments, ``max_sources`` sources).
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
DEFAULT_EVAL = HERE.parent.parent / "shared" / "eval"

from memory import Heartbeat, alone, run_report, status, stop_on_sigterm  # noqa: E402
from synth import iter_corpus, load_sentences  # noqa: E402

from provenance.config import Config  # noqa: E402
from provenance.fingerprint import FingerprintParams, lsh_bands, shingles  # noqa: E402
from provenance.model import Article, ArticleResult, SourceKind  # noqa: E402
from provenance.run import local  # noqa: E402
from provenance.run.workstore import FILE  # noqa: E402
from provenance.segment import Abbreviations, segment  # noqa: E402

# Articles whose shingles the baselines hold at once (the untimed part): more, fewer
# calls into each library, more memory beside their indexes.
BASELINE_CHUNK = 20_000


def write_corpus(sentences: list[str], n: int, seed: int, path: Path) -> None:
    """The synthetic corpus of ``n`` articles as JSONL at ``path``, whole or not at all (a
    run stopped while writing it leaves no file that a resumed run would take)."""
    partial = path.with_name(path.name + ".partial")
    with partial.open("w", encoding="utf-8") as handle:
        for record in iter_corpus(sentences, n, seed):
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    os.replace(partial, path)


def _records(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            yield json.loads(line)


def _article(r: dict[str, Any]) -> Article:
    return Article(
        r["id"],
        r["text"],
        outlet=r["outlet"],
        published=r["published"],
        source_kind=SourceKind(r["source_kind"]),
        language=r["language"],
    )


def build(sentences: list[str], n: int, seed: int) -> list[Article]:
    """The synthetic corpus of ``n`` articles in memory (small sizes)."""
    return [_article(r) for r in iter_corpus(sentences, n, seed)]


def time_baseline(path: Path, config: Config, library: str, max_rss_mb: float) -> dict[str, Any]:
    """``library``'s MinHash + LSH (``datasketch`` or ``rensa``) over the articles of
    ``path``, one index of all of them, fed ``BASELINE_CHUNK`` articles at a time, in a
    process of its own (spawned by ``measure``). An index that outgrows ``max_rss_mb`` of
    resident memory stops the feeding: the figures are then those of the articles fed
    (``stopped``)."""
    fp = config.fingerprint
    params = FingerprintParams.from_config(fp)
    bands, rows = lsh_bands(fp.num_perm, fp.lsh_threshold)
    if library == "datasketch":
        from datasketch import MinHash, MinHashLSH

        lsh = MinHashLSH(num_perm=fp.num_perm, params=(bands, rows))

        def index(grams: list[list[bytes]], first: int) -> None:
            minhashes = MinHash.bulk(grams, num_perm=fp.num_perm, seed=fp.seed, scheme=fp.scheme)
            with lsh.insertion_session() as session:
                for k, mh in enumerate(minhashes, start=first):
                    session.insert(k, mh, check_duplication=False)

    else:
        try:
            import rensa
        except ImportError:
            return {"skipped": "rensa is not installed (pip install rensa, or the bench extra)"}
        # the same banding as datasketch and ours: rensa takes rows = num_perm / num_bands,
        # so it hashes bands * rows permutations (126 of 128 at 42 x 3)
        table = rensa.RMinHashLSH(
            threshold=fp.lsh_threshold, num_perm=bands * rows, num_bands=bands
        )

        def index(grams: list[list[bytes]], first: int) -> None:
            for k, tokens in enumerate(grams, start=first):
                mh = rensa.RMinHash(num_perm=bands * rows, seed=fp.seed)
                mh.update(tokens)
                table.insert(k, mh)

    seconds = shingling = 0.0
    fed = 0
    stopped: str | None = None
    chunk: list[str] = []
    records = _records(path)
    while True:
        chunk = [r["text"] for r in itertools.islice(records, BASELINE_CHUNK)]
        if not chunk:
            break
        if status()["VmRSS"] / 1024 > max_rss_mb:  # articles are left, but no room to index them
            stopped = f"resident memory over {max_rss_mb:.0f} MB after {fed} articles"
            break
        started = time.perf_counter()
        grams: list[Any] = [sorted(shingles(text, params)) for text in chunk]
        if library == "rensa":  # rensa hashes ``str`` tokens: decoded untimed
            grams = [[g.decode("utf-8") for g in gs] for gs in grams]
        shingling += time.perf_counter() - started
        started = time.perf_counter()
        index(grams, fed)
        seconds += time.perf_counter() - started
        fed += len(chunk)
        del grams
    out: dict[str, Any] = {
        "seconds": round(seconds, 2),
        "articles": fed,
        "articles_per_second": round(fed / max(1e-9, seconds), 1),
        "shingling_seconds": round(shingling, 2),
        # the index and one chunk's shingles
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
    }
    if stopped is not None:
        out["stopped"] = stopped
    return out


def time_baselines(path: Path, config: Config, max_rss_mb: float) -> dict[str, Any]:
    """datasketch's and rensa's baselines, each in a process of its own (``time_baseline``)."""
    out: dict[str, Any] = {"kind": "baselines"}
    for library in ("datasketch", "rensa"):
        out[library] = alone(time_baseline, path, config, library, max_rss_mb)
    # the shingles of each article are made in both processes: datasketch's time counts
    out["shingling_seconds"] = out["datasketch"]["shingling_seconds"]
    peaks = [out[library].get("peak_rss_mb", 0) for library in ("datasketch", "rensa")]
    out["peak_rss_mb_baselines"] = max(peaks)
    return out


def time_matching(path: Path, config: Config) -> dict[str, Any]:
    """Segmentation and the cross-outlet stage alone (``reuse.find_reuse``: passages,
    MinHash, LSH, alignment, claims, duplicates), without boilerplate and attribution, the
    corpus in memory."""
    from provenance.match import reuse

    articles = [_article(r) for r in _records(path)]
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


def _pipeline_alone(
    path: Path,
    n: int,
    matching_only: bool,
    jobs: int | None,
    work: Path,
    resume: bool,
    model: str | None,
) -> dict[str, Any]:
    """The pipeline in a process of its own (spawned by ``measure``), so that its peak RSS
    is its own, not the baselines'."""
    if not matching_only:
        run = run_report(path, n, jobs, 0, model, work, resume)
        run["articles_per_second"] = round(n / max(1e-9, run["seconds"]), 1)
        return run
    config = Config()
    if model is not None:
        config = replace(config, claims=replace(config.claims, model=model))
    before = resource.getrusage(resource.RUSAGE_SELF)
    timed = time_matching(path, config)
    own = resource.getrusage(resource.RUSAGE_SELF)
    timed["peak_rss_mb"] = own.ru_maxrss // 1024
    timed["cpu_seconds"] = round(own.ru_utime + own.ru_stime - before.ru_utime - before.ru_stime, 2)
    return timed


def _attempts(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _append(path: Path, record: dict[str, Any]) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(record, sort_keys=True) + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def measure(
    sentences: list[str],
    n: int,
    seed: int,
    matching_only: bool,
    jobs: int | None,
    folder: Path,
    resume: bool,
    model: str | None,
    max_rss_mb: float,
) -> dict[str, Any]:
    """One size: the corpus, the baselines and the pipeline, in ``folder`` (kept there
    and continued with ``resume``)."""
    config = Config()
    if model is not None:
        config = replace(config, claims=replace(config.claims, model=model))
    corpus = folder / f"synth-{n}.jsonl"
    log = folder / "attempts.jsonl"
    if not resume:
        log.unlink(missing_ok=True)
    if not corpus.exists():
        write_corpus(sentences, n, seed, corpus)
    attempts = _attempts(log)
    baselines = next((a for a in attempts if a.get("kind") == "baselines"), None)
    if baselines is None:
        baselines = time_baselines(corpus, config, max_rss_mb)
        _append(log, baselines)
    store = folder / "store"
    resumed = resume and (store / FILE).exists()
    left = store / Heartbeat.FILE
    if resumed and left.exists():  # an attempt was killed: its time counts too
        killed = json.loads(left.read_text(encoding="utf-8"))
        _append(log, {**killed, "kind": "pipeline", "killed": True})
        left.unlink()
    load_before = [round(x, 2) for x in os.getloadavg()]
    # a (non-daemonic) process of its own, which may start the pipeline's pool in turn
    timed = alone(_pipeline_alone, corpus, n, matching_only, jobs, store, resumed, model)
    timed.update(kind="pipeline", resumed=resumed, load_average_before=load_before)
    timed["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    _append(log, timed)
    runs = [a for a in _attempts(log) if a.get("kind") == "pipeline"]
    pipeline = dict(runs[-1])
    if len(runs) > 1:  # stopped and resumed: what all the attempts took
        for key in ("seconds", "cpu_seconds", "cpu_seconds_workers"):
            pipeline[key] = round(sum(r.get(key, 0.0) for r in runs), 2)
        for key in ("peak_rss_mb", "peak_rss_mb_workers"):
            pipeline[key] = max(r.get(key, 0) for r in runs)
        pipeline["articles_per_second"] = round(n / max(1e-9, pipeline["seconds"]), 1)
        pipeline["attempts"] = runs
    datasketch = baselines["datasketch"]
    return {
        "articles": n,
        "shingling_seconds": baselines["shingling_seconds"],
        "datasketch": datasketch,
        "rensa": baselines["rensa"],
        "peak_rss_mb_baselines": baselines["peak_rss_mb_baselines"],
        "pipeline": pipeline,
        "pipeline_vs_datasketch": round(
            pipeline["articles_per_second"] / max(1e-9, datasketch["articles_per_second"]), 4
        ),
    }


def _memory_mb() -> float:
    with open("/proc/meminfo", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024
    return 8192.0  # pragma: no cover - every Linux has it


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
    parser.add_argument(
        "--work-dir", type=Path, default=None, help="keep each size's corpus and run here"
    )
    parser.add_argument(
        "--resume", action="store_true", help="continue the runs kept in --work-dir"
    )
    parser.add_argument(
        "--claims-model",
        default=None,
        help='claims.model for the run ("none": no sentence embeddings, whose model and '
        "vectors otherwise dominate time and memory on a loaded machine)",
    )
    parser.add_argument(
        "--baseline-max-mb",
        type=float,
        default=_memory_mb() / 2,
        help="stop feeding a baseline's index once its process holds this much (default: half "
        "the machine's memory; datasketch's MinHashLSH takes about 21 KB per article)",
    )
    args = parser.parse_args(argv)
    stop_on_sigterm()
    if not args.eval_dir.is_dir():
        print(f"error: {args.eval_dir}: no such folder", file=sys.stderr)
        return 2
    if args.resume and args.work_dir is None:
        print("error: --resume needs --work-dir", file=sys.stderr)
        return 2
    sentences = load_sentences(args.eval_dir)
    runs: list[dict[str, Any]] = []
    for n in sorted(args.sizes):
        with contextlib.ExitStack() as stack:
            if args.work_dir is None:
                folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="speed-")))
            else:
                folder = args.work_dir / f"speed-{n}"
                folder.mkdir(parents=True, exist_ok=True)
            run = measure(
                sentences,
                n,
                args.seed,
                args.matching_only,
                args.jobs,
                folder,
                args.resume,
                args.claims_model,
                args.baseline_max_mb,
            )
        if runs:
            run["growth_vs_previous"] = round(
                run["pipeline"]["seconds"] / max(1e-9, runs[-1]["pipeline"]["seconds"]), 2
            )
        runs.append(run)
        if not args.json:
            _print(run)
    if args.json:
        out = {
            "seed": args.seed,
            "matching_only": args.matching_only,
            "cores_available": local.available_cores(),
            "runs": runs,
        }
        print(json.dumps(out, indent=2, sort_keys=True))
    return 0


def _print(run: dict[str, Any]) -> None:
    p, d, r = run["pipeline"], run["datasketch"], run["rensa"]
    print(f"== {run['articles']} articles")
    print(f"  pipeline    {p['seconds']:>9.2f} s  {p['articles_per_second']:>9.1f} art/s")
    for row in p.get("stages", ()):
        print(f"    {row['stage']:<36} {row['seconds']:>8} s  peak {row['peak_mb']} MB")
    print(
        f"  cpu         {p['cpu_seconds']:>9.2f} s pipeline process "
        f"{p.get('cpu_seconds_workers', 0.0):.2f} s workers"
    )
    print(f"  datasketch  {d['seconds']:>9.2f} s  {d['articles_per_second']:>9.1f} art/s")
    for name, baseline in (("datasketch", d), ("rensa", r)):
        if "stopped" in baseline:
            print(f"    {name} stopped: {baseline['stopped']}")
    if "skipped" in r:
        print(f"  rensa       {r['skipped']}")
    else:
        print(f"  rensa       {r['seconds']:>9.2f} s  {r['articles_per_second']:>9.1f} art/s")
    print(f"  shingling   {run['shingling_seconds']:>9.2f} s (baselines' input)")
    print(f"  load        {p['load_average_before']} -> {p['load_average_after']}")
    print(
        f"  peak RSS    {p['peak_rss_mb']} MB pipeline process, "
        f"{p.get('peak_rss_mb_workers', 0)} MB largest worker, "
        f"{run['peak_rss_mb_baselines']} MB baselines"
    )
    print(f"  vs ds       x{run['pipeline_vs_datasketch']} of datasketch's art/s")
    if "work_store_bytes_per_article" in p:
        print(f"  work store  {p['work_store_bytes_per_article']} bytes per article")
    if p.get("disk_write_mb") is not None:
        print(f"  disk        {p['disk_read_mb']} MB read, {p['disk_write_mb']} MB written")
    if "work_folder_peak_mb" in p:
        print(f"  work folder {p['work_folder_peak_mb']} MB at most on disk (at a stage's end)")
    if "growth_vs_previous" in run:
        print(f"  growth      x{run['growth_vs_previous']} vs the previous size")
    sys.stdout.flush()


if __name__ == "__main__":
    raise SystemExit(main())

"""Speed and size of the persistent index and of `provenance check` (a measurement, not a test).

    python benchmarks/bench_index.py [EVAL_DIR] --sizes 10000 100000 1000000 [--json]
        [--work DIR] [--queries 100] [--cold-runs 10] [--baseline-max 100000] [--seed 0]
    python benchmarks/bench_index.py [EVAL_DIR] --sizes N --cold-index FILE [--cold-runs 30]
        [--base-code DIR] [--warm [--queries 100]]

For each size, a deterministic synthetic corpus (benchmarks/synth.py, real sentences of the
eval sets) is added to a fresh index in ``--work`` (default: a temporary folder, removed
afterwards unless ``--keep``). Reported:

- ``build``: articles/s of ``index add`` (the whole pipeline + SQLite writes, one transaction
  per batch), beside datasketch ``MinHash`` + ``MinHashLSH`` and rensa ``RMinHash`` +
  ``RMinHashLSH`` fed the same paragraphs and shingles in memory (on the first
  ``--baseline-max`` articles: both baselines hold everything in RAM), all three with the
  store's bands x rows and the synthetic corpus generated outside every timer;
- ``bytes_per_article``: (database file size - UTF-8 text bytes) / articles, after a WAL
  checkpoint;
- ``warm_ms``: p50/p95 of checking one new article in-process (analysis + queries +
  verification) against the open index, and ``warm_check_run_ms`` without the per-article
  analysis (segmentation, boilerplate, attribution); ``cold_ms``: the whole
  ``python -m provenance check`` command in a subprocess (``--cold-index`` times only that,
  against an index kept by an earlier run, e.g. on an otherwise idle machine), with the
  bytecode cached as an installed package has it (one untimed run first); ``cpu_p50`` and
  ``cpu_p95`` are the command's CPU milliseconds (user + system); with ``--base-code DIR``
  (another commit's tree, e.g. ``git archive COMMIT | tar -x -C DIR``) both trees are timed
  alternately in one run, with the ratios ours / base;
- ``recall``: planted near-duplicates (an indexed article with 5%, 10%, 20% of its words
  replaced): share whose source is proposed by the band keys (``candidate``) and share flagged
  as a near-duplicate at the default similarity threshold (``flagged``), with the median
  verified similarity, so users know what a threshold means.

Not registered in benchmarks/quality.py (no ``SETS``): it measures speed, not quality.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from synth import iter_corpus, load_sentences, mutate_words

from provenance import check, ingest, pipeline
from provenance.config import Config
from provenance.fingerprint import FingerprintParams, Signer, shingles
from provenance.model import ArticleResult
from provenance.quotes import extract
from provenance.segment import segment
from provenance.store import Fingerprinter, Store, add_articles

ROOT = Path(__file__).resolve().parent.parent
EDIT_RATES = (0.05, 0.10, 0.20)
CHUNK = 5000


def _percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    if not ordered:
        return {"p50": float("nan"), "p95": float("nan"), "n": 0}
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"p50": round(statistics.median(ordered), 2), "p95": round(p95, 2), "n": len(ordered)}


def _chunks(records: Iterator[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for record in records:
        batch.append(record)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _paragraphs(text: str) -> list[str]:
    return [p for p in text.split("\n") if len(p) >= 40]


def build_ours(
    db: Path, sentences: list[str], n: int, seed: int, config: Config
) -> dict[str, float]:
    """The index build without the boilerplate and attribution stages (segmentation,
    quotations, unit signatures, band keys, SQLite writes: the baselines sign paragraphs
    only), with the time split between fingerprinting and SQLite."""
    loaded = pipeline.Resources.load()
    abbreviations = loaded.abbreviations
    fingerprint = sqlite = 0.0
    with Store(db, Fingerprinter(config), create=True) as store:
        for batch in _chunks(iter_corpus(sentences, n, seed), CHUNK):
            t0 = time.perf_counter()
            articles = ingest.load_records(batch, "synth")
            results = [
                ArticleResult(
                    a,
                    segment(a.text, abbreviations),
                    quotes=extract(a.text, loaded.quotes.for_language(a.language), config.quotes),
                )
                for a in articles
            ]
            entries = store.fp.entries(results)
            t1 = time.perf_counter()
            store.put(entries)
            fingerprint += t1 - t0
            sqlite += time.perf_counter() - t1
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return {
        "articles_per_s": round(n / (fingerprint + sqlite), 1),
        "fingerprint_s": round(fingerprint, 1),
        "sqlite_s": round(sqlite, 1),
    }


def full_add_rate(db: Path, sentences: list[str], n: int, seed: int, config: Config) -> float:
    """Articles/s of ``add_articles`` (every per-article stage) into a scratch index."""
    records = list(iter_corpus(sentences, n, seed))
    start = time.perf_counter()
    with Store(db, Fingerprinter(config), create=True) as store:
        add_articles(store, ingest.load_records(records, "synth"), config)
    return n / (time.perf_counter() - start)


def build_datasketch(sentences: list[str], n: int, seed: int, config: Config) -> float:
    """datasketch ``MinHash`` + ``MinHashLSH`` with the store's bands x rows. As for ours,
    the corpus is generated outside the timer (in chunks) and only hashing and inserting
    are timed."""
    from datasketch import LeanMinHash, MinHashLSH

    params = FingerprintParams.from_config(config.fingerprint)
    signer = Signer(params)
    lsh = MinHashLSH(num_perm=params.num_perm, params=(config.index.bands, config.index.rows))
    elapsed = 0.0
    for batch in _chunks(iter_corpus(sentences, n, seed), CHUNK):
        start = time.perf_counter()
        for record in batch:
            for i, para in enumerate(_paragraphs(record["text"])):
                sig = signer.sign(para)
                key = f"{record['id']}/{i}"
                lsh.insert(key, LeanMinHash(sig.minhash), check_duplication=False)
        elapsed += time.perf_counter() - start
    return n / elapsed


def build_rensa(sentences: list[str], n: int, seed: int, config: Config) -> float | None:
    """rensa ``RMinHash`` + ``RMinHashLSH`` with the store's bands x rows: rensa derives rows
    from num_perm / num_bands, so it hashes bands * rows permutations (48 at 16 x 3) where
    ours and datasketch hash num_perm (128): a cost advantage for rensa, stated here. As for
    the others, shingling is timed (plus decoding the shingles to ``str``, which rensa
    hashes) and generating the corpus is not."""
    try:
        from rensa import RMinHash, RMinHashLSH
    except ImportError:
        return None
    params = FingerprintParams.from_config(config.fingerprint)
    perms = config.index.bands * config.index.rows
    lsh = RMinHashLSH(threshold=0.4, num_perm=perms, num_bands=config.index.bands)
    key = 0
    elapsed = 0.0
    for batch in _chunks(iter_corpus(sentences, n, seed), CHUNK):
        start = time.perf_counter()
        for record in batch:
            for para in _paragraphs(record["text"]):
                mh = RMinHash(num_perm=perms, seed=params.seed)
                mh.update([g.decode("utf-8") for g in shingles(para, params)])
                lsh.insert(key, mh)
                key += 1
        elapsed += time.perf_counter() - start
    return n / elapsed


def _planted(sentences: list[str], n: int, seed: int, queries: int) -> list[dict[str, Any]]:
    """Near-duplicates of random indexed articles, ``queries`` per edit rate."""
    rng = random.Random(seed + 1)
    wanted = sorted(rng.sample(range(n), min(n, queries)))
    vocabulary = sorted({w for s in sentences[:5000] for w in s.split() if w.isalpha()})
    sources = [r for i, r in enumerate(iter_corpus(sentences, n, seed)) if i in set(wanted)]
    out = []
    for rate in EDIT_RATES:
        for record in sources:
            text = "\n".join(
                mutate_words(p, rate, rng, vocabulary) for p in record["text"].split("\n")
            )
            out.append(
                {
                    **record,
                    "id": f"new-{rate}-{record['id']}",
                    "text": text,
                    "_source": record["id"],
                    "_rate": rate,
                }
            )
    return out


def measure_checks(db: Path, planted: list[dict[str, Any]], config: Config) -> dict[str, Any]:
    resources = pipeline.Resources.load()
    latencies: list[float] = []
    query_latencies: list[float] = []  # check.run alone: queries and verification
    by_rate: dict[float, dict[str, list[float]]] = {}
    with Store(db, Fingerprinter(config)) as store:
        for record in planted:
            meta = {k: v for k, v in record.items() if not k.startswith("_")}
            start = time.perf_counter()
            articles = ingest.load_records([meta], "planted")
            results = pipeline.analyze_each(articles, config, resources=resources)
            middle = time.perf_counter()
            verdict = check.run(results, store, config)
            end = time.perf_counter()
            latencies.append((end - start) * 1000)
            query_latencies.append((end - middle) * 1000)
            stats = by_rate.setdefault(record["_rate"], {"candidate": [], "flagged": [], "sim": []})
            entry = store.fp.entry(results[0], with_boilerplate=True)
            found, stored = check._matches(entry, store, config)
            ids = {stored[c.pk].article.id for c in found if c.pk in stored}
            stats["candidate"].append(float(record["_source"] in ids))
            dup = [
                f
                for f in verdict.articles[0].findings
                if f.kind == check.FindingKind.NEAR_DUPLICATE
            ]
            stats["flagged"].append(float(bool(dup) and dup[0].other_id == record["_source"]))
            source = store.articles(
                store.conn.execute(
                    "SELECT pk FROM articles WHERE id = ?", (record["_source"],)
                ).fetchone()
            )
            from provenance.match.align import similarity

            stats["sim"].append(
                similarity(record["text"], next(iter(source.values())).article.text)
            )
    recall = {
        f"{rate:.0%}": {
            "candidate": round(statistics.mean(s["candidate"]), 3),
            "flagged": round(statistics.mean(s["flagged"]), 3),
            "median_similarity": round(statistics.median(s["sim"]), 1),
            "n": len(s["sim"]),
        }
        for rate, s in sorted(by_rate.items())
    }
    return {
        "warm_ms": _percentiles(latencies),
        "warm_check_run_ms": _percentiles(query_latencies),
        "recall": recall,
    }


def _cold_once(db: Path, record: dict[str, Any], work: Path, code: Path) -> tuple[float, float]:
    """Wall and CPU milliseconds (user + system) of one whole ``python -m provenance check``
    of ``record`` against ``db``, with the package imported from the folder ``code``."""
    path = work / "one.json"
    path.write_text(
        json.dumps({k: v for k, v in record.items() if not k.startswith("_")}), encoding="utf-8"
    )
    # as an installed package runs: with its bytecode cached (``pip install`` compiles it;
    # with PYTHONDONTWRITEBYTECODE set, as on some CI machines, every run would compile the
    # package and typer from source, ~0.15-0.3 s); the first, untimed run writes the cache
    env = {**os.environ, "PYTHONPATH": str(code)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    command = [sys.executable, "-m", "provenance", "check", str(path), "--index", str(db)]
    start = time.perf_counter()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(
        [*command, "--format", "json"],
        check=False,
        capture_output=True,
        env=env,
        cwd=work,
    )
    wall = (time.perf_counter() - start) * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime) * 1000
    return wall, cpu


def _summary(times: list[float], cpu: list[float]) -> dict[str, float]:
    # the command's CPU time (user + system) too: on a shared machine the wall time depends
    # on the other load, the CPU time much less
    wall, used = _percentiles(times), _percentiles(cpu)
    return {**wall, "cpu_p50": used["p50"], "cpu_p95": used["p95"]}


def measure_cold(
    db: Path, planted: list[dict[str, Any]], work: Path, runs: int
) -> dict[str, float]:
    _cold_once(db, planted[0], work, ROOT)  # untimed: writes the bytecode cache
    timed = [_cold_once(db, record, work, ROOT) for record in planted[:runs]]
    return _summary([w for w, _ in timed], [c for _, c in timed])


def measure_cold_against(
    db: Path, planted: list[dict[str, Any]], work: Path, runs: int, base: Path
) -> dict[str, Any]:
    """The cold check of this tree and of ``base`` (another tree of the package, e.g.
    ``git archive COMMIT | tar -x -C DIR``) in one run, alternately (ABBA: neither always
    runs first) on the same articles, so that both see the same load."""
    trees = {"ours": ROOT, "base": base.resolve()}
    for code in trees.values():
        _cold_once(db, planted[0], work, code)  # untimed: writes the bytecode caches
    timed: dict[str, tuple[list[float], list[float]]] = {k: ([], []) for k in trees}
    for i, record in enumerate(planted[:runs]):
        order = list(trees) if i % 2 == 0 else list(reversed(trees))
        for name in order:
            wall, cpu = _cold_once(db, record, work, trees[name])
            timed[name][0].append(wall)
            timed[name][1].append(cpu)
    out: dict[str, Any] = {k: _summary(*v) for k, v in timed.items()}
    out["ratio_ours_to_base"] = {
        "p50": round(out["ours"]["p50"] / out["base"]["p50"], 3),
        "cpu_p50": round(out["ours"]["cpu_p50"] / out["base"]["cpu_p50"], 3),
    }
    return out


def run_size(
    eval_sentences: list[str], n: int, args: argparse.Namespace, work: Path
) -> dict[str, Any]:
    config = Config()
    db = work / f"index-{n}.sqlite"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    out: dict[str, Any] = {"articles": n}
    print(f"[{n}] building the index ...", file=sys.stderr, flush=True)
    ours = build_ours(db, eval_sentences, n, args.seed, config)
    out["build"] = ours
    out["build_articles_per_s"] = {"provenance_index": ours["articles_per_s"]}
    full_n = min(n, args.full_max)
    scratch = work / "scratch.sqlite"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{scratch}{suffix}").unlink(missing_ok=True)
    rate = full_add_rate(scratch, eval_sentences, full_n, args.seed, config)
    out["build_articles_per_s"]["provenance_index_add_full_pipeline"] = round(rate, 1)
    out["full_pipeline_articles"] = full_n
    base_n = min(n, args.baseline_max)
    print(f"[{n}] baselines on {base_n} articles ...", file=sys.stderr, flush=True)
    out["build_articles_per_s"]["datasketch_minhash_lsh"] = round(
        build_datasketch(eval_sentences, base_n, args.seed, config), 1
    )
    rensa = build_rensa(eval_sentences, base_n, args.seed, config)
    out["build_articles_per_s"]["rensa"] = round(rensa, 1) if rensa is not None else None
    out["baseline_articles"] = base_n
    with Store(db, Fingerprinter(config)) as store:
        stats = store.stats()
    out["file_bytes"] = stats.file_bytes
    out["bytes_per_article"] = round(
        (stats.file_bytes - stats.text_bytes) / max(1, stats.articles), 1
    )
    out["passages_per_article"] = round(stats.passages / max(1, stats.articles), 2)
    print(f"[{n}] checks ...", file=sys.stderr, flush=True)
    planted = _planted(eval_sentences, n, args.seed, args.queries)
    out.update(measure_checks(db, planted, config))
    out["cold_ms"] = measure_cold(db, planted, work, args.cold_runs)
    if not args.keep:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("eval_dir", type=Path, nargs="?", default=ROOT.parent / "shared" / "eval")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the index files")
    parser.add_argument("--queries", type=int, default=100, help="planted sources per edit rate")
    parser.add_argument("--cold-runs", type=int, default=10)
    parser.add_argument("--baseline-max", type=int, default=100_000)
    parser.add_argument("--full-max", type=int, default=2000, help="articles for index add")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--cold-index",
        type=Path,
        default=None,
        help="only time --cold-runs whole `check` commands against this existing index, "
        "built by an earlier run with --keep from the first --sizes articles",
    )
    parser.add_argument(
        "--warm",
        action="store_true",
        help="with --cold-index: also time the warm checks and the recall (--queries planted "
        "near-duplicates per edit rate) against that index",
    )
    parser.add_argument(
        "--base-code",
        type=Path,
        default=None,
        help="with --cold-index: also time the package in this folder (another commit's "
        "tree), alternately with this one, and give the ratios",
    )
    args = parser.parse_args(argv)
    sentences = load_sentences(args.eval_dir)
    if args.cold_index is not None:
        n = args.sizes[0]
        planted = _planted(sentences, n, args.seed, max(1, args.cold_runs))
        work = Path(tempfile.mkdtemp(prefix="bench-cold-"))
        db = args.cold_index.resolve()
        try:
            if args.base_code is None:
                cold: dict[str, Any] = measure_cold(db, planted, work, args.cold_runs)
            else:
                cold = measure_cold_against(db, planted, work, args.cold_runs, args.base_code)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        found: dict[str, Any] = {"benchmark": "cold_check", "articles": n, "cold_ms": cold}
        if args.warm:
            queries = _planted(sentences, n, args.seed, args.queries)
            found.update(measure_checks(db, queries, Config()))
        print(json.dumps(found))
        return 0
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-index-"))
    work.mkdir(parents=True, exist_ok=True)
    results = []
    try:
        for n in args.sizes:
            results.append(run_size(sentences, n, args, work))
            print(json.dumps(results[-1]), file=sys.stderr, flush=True)
    finally:
        if args.work is None and not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    report = {"benchmark": "index", "seed": args.seed, "sizes": results}
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        for r in results:
            print(
                f"{r['articles']:>9} articles: build {r['build_articles_per_s']} art/s; "
                f"{r['bytes_per_article']} B/article beyond text; warm {r['warm_ms']} ms; "
                f"cold {r['cold_ms']} ms; recall {r['recall']}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

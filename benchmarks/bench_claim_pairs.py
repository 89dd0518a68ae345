"""The claim stage's semantic candidates alone (``claim_pairs.semantic_pairs``), on synthetic
sentence vectors, beside an earlier commit's code in the same run.

    python benchmarks/bench_claim_pairs.py --sizes 10000 30000 100000 [--base 05bf122]
        [--base-max 30000] [--vectors store|memory|kept] [--jobs N] [--proposals] [--json]

No model and no evaluation data: each of N articles has 4-12 distinct texts whose vectors
(512 dimensions, unit length) share one direction (sentence vectors of a language model are
not spread over the sphere; article means even less), lean towards one of N / 50 topics and
carry noise; a fifth of an article's texts are texts of an earlier article of its topic
(copies) and a tenth are nudged versions of one (rewordings). Anchors: 0-3 per text from a
vocabulary of 2N names, drawn by a power law, plus one topic name. Everything is drawn from
a fixed seed, so both commits see the same input (since session 23 the names are drawn by
a search of their cumulative weights, so that drawing costs the same at any N, and the
vectors go to their file a block at a time: the draws, and so the pairs, differ from
earlier sessions' figures). The text vectors are written to a file of the work store's
kind (``StoredRows``, as a report holds them; ``--vectors memory``: an array; ``--vectors
kept``: the vectors and what the step keeps as it goes in a work store, and glibc's mmap
threshold fixed (``heap.steady``), as a report with a work store runs it) and the anchors
passed as each commit takes them (sets, or ``AnchorColumns``). ``--jobs N``: a pool of N
workers scores and ranks for a commit whose ``semantic_pairs`` takes an executor (since
session 39; an earlier one runs in its process alone, as its report did).

Per size and commit (each in a process of its own, the earlier commit's code extracted with
``git archive``; sizes over ``--base-max`` run the working tree only): wall and CPU seconds
of ``semantic_pairs`` with ``Config()``'s claims settings, per article too, the resident
memory it adds at its peak (``VmHWM`` reset before it) and where it was then
(``memory.PeakWhere``), the text pairs it returns (their count and a digest of their codes)
and the article pairs it ranks (per article too); with ``--proposals``, for the working
tree also the simhash proposals per article (partners over all bands) of three rules:
crowds propose nothing, crowds split down to ``simhash_max_bucket``, down to
``simhash_split_to``; and below ``simhash_split_from`` the text pairs with re-splitting
forced on.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from array import array
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import memory  # noqa: E402

DIMS = 512  # a text vector's dimensions, as the claims model's


def _inputs(n: int, rows: Any, seed: int = 0) -> tuple[dict[str, list[int]], dict[str, str], Any]:
    """The articles' texts and outlets, and the texts' anchors as ``(names, cuts, ids)``
    columns (the names sorted, each text's ids ascending); the text vectors go to ``rows``
    (``extend``, read back by number) a block at a time, so that no matrix of them is held:
    each draw costs the same whatever ``n`` (a million articles: ~8 million texts)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    dims, topics = 512, max(20, n // 50)
    common = rng.standard_normal(dims) * 1.2
    centres = rng.standard_normal((topics, dims)) * 0.8
    texts_of: dict[str, list[int]] = {}
    outlet_of: dict[str, str] = {}
    by_topic: dict[int, list[int]] = {}
    # anchor k < 2n is f"name{k}", drawn by a power law; 2n + t is topic t's: numbered in the
    # order of their names (zero-padded), so that the names are sorted as the columns want
    cdf = np.cumsum(1.0 / np.arange(1, 2 * n + 1))
    cdf /= cdf[-1]
    names = [f"name{k:08d}" for k in range(2 * n)] + [f"topic{t:08d}" for t in range(topics)]
    cuts, ids = array("q", [0]), array("i")
    held: list[Any] = []  # rows not yet handed to ``rows``
    done = 0  # rows handed

    def row(k: int) -> Any:
        return held[k - done] if k >= done else np.asarray(rows[k], dtype=np.float64)

    for a in range(n):
        topic = int(rng.integers(topics))
        mine: list[int] = []
        earlier = by_topic.setdefault(topic, [])
        for _ in range(int(rng.integers(4, 13))):
            draw = rng.random()
            if earlier and draw < 0.2:
                mine.append(int(earlier[rng.integers(len(earlier))]))
                continue
            if earlier and draw < 0.3:
                v = row(int(earlier[rng.integers(len(earlier))])) + rng.standard_normal(dims) * 0.3
            else:
                v = common + centres[topic] + rng.standard_normal(dims)
            held.append(v / np.linalg.norm(v))
            chosen = np.searchsorted(cdf, rng.random(int(rng.integers(0, 4))), side="right")
            ids.extend(sorted({*np.minimum(chosen, 2 * n - 1).tolist(), 2 * n + topic}))
            cuts.append(len(ids))
            mine.append(done + len(held) - 1)
        earlier.extend(mine)
        texts_of[f"a{a:07d}"] = mine
        outlet_of[f"a{a:07d}"] = f"outlet{int(rng.integers(40))}"
        if len(held) >= ROWS_HELD:
            rows.extend(np.asarray(held, dtype=np.float32))
            done += len(held)
            held.clear()
    if held:
        rows.extend(np.asarray(held, dtype=np.float32))
    columns = (names, np.frombuffer(cuts, dtype=np.int64), np.frombuffer(ids, dtype=np.int32))
    return texts_of, outlet_of, columns


ROWS_HELD = 1 << 14  # text vectors drawn before they go to the rows (8 MB of float64)


class _Growing:
    """Unit rows appended a block at a time into a float32 array grown by doubling (a list
    of float64 rows would take 4 KB a text: 2.6 GB at 100,000 articles)."""

    def __init__(self, dims: int) -> None:
        import numpy as np

        self._rows = np.zeros((1024, dims), dtype=np.float32)
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, k: int) -> Any:
        return self._rows[k]

    def extend(self, block: Any) -> None:
        import numpy as np

        while self._count + len(block) > len(self._rows):
            self._rows = np.concatenate([self._rows, np.zeros_like(self._rows)])
        self._rows[self._count : self._count + len(block)] = block
        self._count += len(block)

    def array(self) -> Any:
        return self._rows[: self._count].copy()


def _digest(found: Any, size: int) -> tuple[int, str]:
    """How many text pairs ``semantic_pairs`` found and a digest of them: a set of pairs
    (earlier commits) or sorted pair codes ``a * size + b`` (since they are codes: an
    array, or a file kept in the work store, read a slice at a time); the same digest for
    the same pairs either way."""
    import numpy as np

    if isinstance(found, set):
        found = np.asarray(sorted(a * size + b for a, b in found), dtype=np.int64)
    digest = hashlib.sha1()
    for lo in range(0, len(found), 1 << 20):
        digest.update(np.ascontiguousarray(found[lo : lo + (1 << 20)], dtype=np.int64).tobytes())
    return len(found), digest.hexdigest()[:12]


def _warm(item: int, context: int, resources: object) -> int:
    """A pool's first task (its workers started)."""
    return item + context


def _run(n: int, vectors_in: str, proposals: bool, jobs: int = 0) -> dict[str, Any]:
    """One measurement with whatever ``provenance`` this process imports (``jobs``: its
    pool's workers, when its ``semantic_pairs`` takes an executor)."""
    import inspect
    from dataclasses import replace

    from provenance import semantic
    from provenance.config import Config
    from provenance.match import claim_pairs

    pool: Any = None
    if jobs and "executor" in inspect.signature(claim_pairs.semantic_pairs).parameters:
        from provenance.run.local import Pool

        # the workers start now, before the inputs are drawn, as a report's start with it:
        # a forked worker's resident memory counts the pages of this process at its fork
        pool = Pool(jobs)
        assert list(pool.map(_warm, range(2 * jobs), 0, chunk=1)) == list(range(2 * jobs))
    folder = tempfile.TemporaryDirectory(prefix="bench-claim-pairs-rows-")
    vectors: Any = _Growing(DIMS)
    # ``semantic_pairs``' keywords for the work store and the pool, if any
    kept: dict[str, Any] = {} if pool is None else {"executor": pool}
    if vectors_in == "store":  # the text vectors on disk, as a report's work store holds them
        from provenance.run.stored import StoredRows

        vectors = StoredRows(Path(folder.name) / "claim-vectors.f32", DIMS)
    elif vectors_in == "kept":  # and the step's results kept in the store as it goes
        from provenance.run import heap
        from provenance.run.workstore import WorkStore

        work = WorkStore(Path(folder.name), resume=False)
        heap.steady()  # as a report with a work store fixes the mmap threshold
        vectors = work.kept_rows("claim-vectors", DIMS)
        kept["kept"] = work
    texts_of, outlet_of, (names, cuts, ids) = _inputs(n, vectors)
    if vectors_in == "memory":
        vectors = vectors.array()
    config = Config()
    columns: Any  # the anchor sets per text: as columns since there are columns
    if hasattr(claim_pairs, "AnchorColumns"):
        try:  # the names as a claim corpus holds them (one buffer), where the commit has it
            from provenance.match.articles import Names, Strings

            columns = claim_pairs.AnchorColumns(Names(Strings(names)), cuts, ids)
        except ImportError:
            columns = claim_pairs.AnchorColumns(names, cuts, ids)
    else:
        columns = [
            frozenset(names[i] for i in ids[cuts[k] : cuts[k + 1]]) for k in range(len(cuts) - 1)
        ]
    del names, cuts, ids
    counts: dict[str, int] = {}
    # the article pairs ranked: a list of pairs (earlier commits) or their codes
    inner = claim_pairs._article_pairs

    def counted(*args: Any) -> Any:
        out: Any = inner(*args)  # their codes, or (session 24 on) a ``_Best`` that gives them
        counts["article_pairs"] = out.count() if hasattr(out, "ordered") else len(out)
        return out

    setattr(claim_pairs, "_article_pairs", counted)  # noqa: B010 (a wrapper of the same call)
    memory._reset_peak()  # VmHWM from here on
    before = memory.status()["VmRSS"]
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    size = len(vectors)  # the means may be appended to a store
    where = memory.PeakWhere()
    found = claim_pairs.semantic_pairs(texts_of, outlet_of, vectors, columns, config, **kept)
    wall = time.perf_counter() - started
    at_peak = where.stop()
    used = resource.getrusage(resource.RUSAGE_SELF)
    if pool is not None:  # its workers' CPU counts once they are gone
        pool.close()
        kept.pop("executor")
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak = memory.status()["VmHWM"] - before
    count, digest = _digest(found, size)
    del found
    out: dict[str, Any] = {
        "articles": n,
        "texts": size,
        "vectors": vectors_in,
        "seconds": round(wall, 2),
        "jobs": jobs if pool is not None else 0,
        "cpu_seconds": round(used.ru_utime + used.ru_stime - cpu.ru_utime - cpu.ru_stime, 2),
        "cpu_seconds_workers": round(
            workers.ru_utime + workers.ru_stime - children.ru_utime - children.ru_stime, 2
        ),
        "peak_rss_mb_workers": round(workers.ru_maxrss / 1024, 1) if pool is not None else 0,
        "ms_per_article": round(1000 * wall / n, 3),
        "cpu_ms_per_article": round(
            1000 * (used.ru_utime + used.ru_stime - cpu.ru_utime - cpu.ru_stime) / n, 3
        ),
        "peak_added_mb": round(peak / 1024, 1),
        # where the step was at its highest resident memory (sampled; innermost first)
        "peak_where": at_peak["stack"],
        "peak_file_mb": at_peak["file_mb"],  # of the process's resident memory then
        "peak_rss_mb": at_peak["high_mb"],
        "before_rss_mb": round(before / 1024, 1),
        "text_pairs": count,
        "text_pairs_per_article": round(count / n, 2),
        "text_pairs_sha1": digest,
        **counts,
    }
    out["article_pairs_per_article"] = round(counts.get("article_pairs", 0) / n, 2)
    if proposals and "split_to" in inspect.signature(semantic.simhash_buckets).parameters:
        out.update(_proposals(texts_of, vectors, config))
        cc = config.claims
        if n < cc.simhash_split_from:  # at or above it the default run is already split
            forced = replace(config, claims=replace(cc, simhash_split_from=0))
            started = time.perf_counter()
            codes = claim_pairs.semantic_pairs(texts_of, outlet_of, vectors, columns, forced)
            out["text_pairs_split_forced"] = len(codes)
            out["seconds_split_forced"] = round(time.perf_counter() - started, 2)
    if vectors_in != "memory":
        vectors.close()
    if kept:
        kept["kept"].close()
    folder.cleanup()
    return out


def _proposals(texts_of: dict[str, list[int]], vectors: Any, config: Any) -> dict[str, Any]:
    """Simhash proposals per article (partners summed over the bands, a pair proposed by
    two bands counted twice), the largest number for one article and the articles with none,
    for three rules: crowds propose nothing (``simhash_split_bits`` 0), crowds split down
    to ``simhash_max_bucket`` (the rule before ``simhash_split_to``), and down to
    ``simhash_split_to``; counted bucket by bucket, never holding the pairs."""
    import numpy as np

    from provenance import semantic

    ids = sorted(texts_of)
    means = np.stack([vectors[texts_of[i]].mean(axis=0) for i in ids]).astype(np.float32)
    means /= np.maximum(np.linalg.norm(means, axis=1, keepdims=True), 1e-9)
    cc = config.claims
    n = len(ids)
    out: dict[str, Any] = {}
    rules = {
        "crowds_none": (0, None),
        "split_to_cap": (cc.simhash_split_bits, None),
        "split_to": (cc.simhash_split_bits, cc.simhash_split_to),
    }
    for rule, (bits, to) in rules.items():
        partners = np.zeros(n, dtype=np.int64)
        started = time.perf_counter()
        for block in semantic.simhash_buckets(
            means,
            cc.simhash_bands,
            cc.simhash_rows,
            config.fingerprint.seed,
            cc.simhash_max_bucket,
            bits,
            to,
        ):
            partners += np.bincount(block.ravel(), minlength=n) * (block.shape[1] - 1)
        out[f"proposals_per_article_{rule}"] = round(float(partners.mean()), 1)
        out[f"proposals_max_{rule}"] = int(partners.max())
        out[f"unproposed_articles_{rule}"] = int(np.count_nonzero(partners == 0))
        out[f"proposal_seconds_{rule}"] = round(time.perf_counter() - started, 2)
    return out


def _child(
    n: int, pythonpath: Path | None, vectors: str, proposals: bool, jobs: int
) -> dict[str, Any]:
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    done = subprocess.run(
        [
            sys.executable,
            str(Path(__file__).resolve()),
            *("--run", str(n), "--vectors", vectors, "--jobs", str(jobs)),
            *(["--proposals"] if proposals else []),
        ],
        env=env,
        cwd=pythonpath or ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="*", type=int, default=[1000, 3000, 10000])
    parser.add_argument("--base", default="05bf122")
    parser.add_argument(
        "--vectors",
        choices=["store", "memory", "kept"],
        default="store",
        help="the text vectors in a work-store file (as a report holds them), in memory, or "
        "in a work store that also keeps the step's results (as a report with one)",
    )
    parser.add_argument(
        "--base-max", type=int, default=30_000, help="larger sizes: the working tree only"
    )
    parser.add_argument(
        "--proposals",
        action="store_true",
        help="also count the simhash proposals per article under three rules (slow: the "
        "article means are made again)",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=0,
        help="pool workers that score and rank (a commit that takes an executor); 0: none",
    )
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--run", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.run:
        print(json.dumps(_run(args.run, args.vectors, args.proposals, args.jobs)))
        return 0
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-claim-pairs-") as tmp:
        base = Path(tmp)
        archive = subprocess.run(
            ["git", "archive", args.base, "provenance"], cwd=ROOT, check=True, capture_output=True
        )
        subprocess.run(["tar", "-x", "-C", str(base)], input=archive.stdout, check=True)
        for n in args.sizes:
            old = (
                _child(n, base, args.vectors, args.proposals, args.jobs)
                if n <= args.base_max
                else None
            )
            new = _child(n, None, args.vectors, args.proposals, args.jobs)
            rows.append({"articles": n, "base": old, "new": new, "load": os.getloadavg()})
            if not args.json:
                was = (
                    "base not run"
                    if old is None
                    else f"base {old['seconds']:.2f} s ({old['ms_per_article']} ms/article, "
                    f"{old['peak_added_mb']} MB, {old['article_pairs_per_article']} "
                    "article pairs/article), same text pairs: "
                    f"{old['text_pairs_sha1'] == new['text_pairs_sha1']}"
                )
                proposed = (
                    "; simhash proposals/article: split to the cap "
                    f"{new['proposals_per_article_split_to_cap']} (max "
                    f"{new['proposals_max_split_to_cap']}), split to simhash_split_to "
                    f"{new['proposals_per_article_split_to']} (max "
                    f"{new['proposals_max_split_to']})"
                    if args.proposals
                    else ""
                )
                print(
                    f"{n:>7} articles: {was}; new {new['seconds']:.2f} s "
                    f"({new['ms_per_article']} ms/article, {new['peak_added_mb']} MB, "
                    f"{new['article_pairs_per_article']} article pairs/article){proposed}; "
                    f"load {os.getloadavg()[0]:.1f}",
                    flush=True,
                )
    if args.json:
        print(json.dumps({"base": args.base, "sizes": rows}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

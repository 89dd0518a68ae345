"""The claim stage's semantic candidates alone (``claim_pairs.semantic_pairs``), on synthetic
sentence vectors, beside an earlier commit's code in the same run.

    python benchmarks/bench_claim_pairs.py --sizes 10000 30000 100000 [--base 05bf122]
        [--base-max 30000] [--vectors store|memory|kept] [--json]

No model and no evaluation data: each of N articles has 4-12 distinct texts whose vectors
(512 dimensions, unit length) share one direction (sentence vectors of a language model are
not spread over the sphere; article means even less), lean towards one of N / 50 topics and
carry noise; a fifth of an article's texts are texts of an earlier article of its topic
(copies) and a tenth are nudged versions of one (rewordings). Anchors: 0-3 per text from a
vocabulary of 2N names, drawn by a power law, plus one topic name. Everything is drawn from
a fixed seed, so both commits see the same input. The text vectors are written to a file
of the work store's kind (``StoredRows``, as a report holds them; ``--vectors memory``: an
array; ``--vectors kept``: the vectors and what the step keeps as it goes in a work store,
as a report with a work store runs it) and the anchors passed as each commit takes them
(sets, or ``AnchorColumns``).

Per size and commit (each in a process of its own, the earlier commit's code extracted with
``git archive``; sizes over ``--base-max`` run the working tree only): wall and CPU seconds
of ``semantic_pairs`` with ``Config()``'s claims settings, per article too, the resident
memory it adds at its peak (``VmHWM`` reset before it) and where it was then
(``memory.PeakWhere``), the text pairs it returns and the
article pairs it ranks (per article too); for the working tree also the simhash proposals
per article (partners over all bands) of three rules: crowds propose nothing, crowds split
down to ``simhash_max_bucket``, down to ``simhash_split_to``; and below
``simhash_split_from`` the text pairs with re-splitting forced on.
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
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import memory  # noqa: E402


def _inputs(n: int, seed: int = 0) -> tuple[dict[str, list[int]], dict[str, str], Any, list[Any]]:
    import numpy as np

    rng = np.random.default_rng(seed)
    dims, topics = 512, max(20, n // 50)
    common = rng.standard_normal(dims) * 1.2
    centres = rng.standard_normal((topics, dims)) * 0.8
    texts_of: dict[str, list[int]] = {}
    outlet_of: dict[str, str] = {}
    rows = _Growing(dims)
    anchors: list[frozenset[str]] = []
    by_topic: dict[int, list[int]] = {}
    names = [f"name{i}" for i in range(2 * n)]
    weights = 1.0 / np.arange(1, len(names) + 1)
    weights /= weights.sum()
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
                v = rows[int(earlier[rng.integers(len(earlier))])] + rng.standard_normal(dims) * 0.3
            else:
                v = common + centres[topic] + rng.standard_normal(dims)
            rows.append(v / np.linalg.norm(v))
            chosen = rng.choice(len(names), int(rng.integers(0, 4)), p=weights)
            anchors.append(frozenset([*(names[c] for c in chosen), f"topic{topic}"]))
            mine.append(len(rows) - 1)
        earlier.extend(mine)
        texts_of[f"a{a:07d}"] = mine
        outlet_of[f"a{a:07d}"] = f"outlet{int(rng.integers(40))}"
    return texts_of, outlet_of, rows.array(), anchors


class _Growing:
    """Unit rows appended one at a time into a float32 array grown by doubling (a list of
    float64 rows would take 4 KB a text: 2.6 GB at 100,000 articles)."""

    def __init__(self, dims: int) -> None:
        import numpy as np

        self._rows = np.zeros((1024, dims), dtype=np.float32)
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, k: int) -> Any:
        return self._rows[k].astype("float64")

    def append(self, row: Any) -> None:
        import numpy as np

        if self._count == len(self._rows):
            self._rows = np.concatenate([self._rows, np.zeros_like(self._rows)])
        self._rows[self._count] = row
        self._count += 1

    def array(self) -> Any:
        return self._rows[: self._count].copy()


def _as_pairs(found: Any, size: int) -> set[tuple[int, int]]:
    """Text pairs from ``semantic_pairs``: a set of pairs (earlier commits) or sorted pair
    codes ``a * size + b`` (since they are codes: an array, or a file kept in the work
    store, read whole here)."""
    if isinstance(found, set):
        return found
    return {(int(c) // size, int(c) % size) for c in found[:].tolist()}


def _run(n: int, vectors_in: str) -> dict[str, Any]:
    """One measurement with whatever ``provenance`` this process imports."""
    import inspect
    from dataclasses import replace

    from provenance import semantic
    from provenance.config import Config
    from provenance.match import claim_pairs

    texts_of, outlet_of, matrix, anchors = _inputs(n)
    config = Config()
    columns: Any = anchors  # the anchor sets per text: as columns since there are columns
    if hasattr(claim_pairs, "anchor_columns"):
        columns = claim_pairs.anchor_columns(anchors)
    del anchors
    folder = tempfile.TemporaryDirectory(prefix="bench-claim-pairs-rows-")
    vectors: Any = matrix
    kept: dict[str, Any] = {}  # ``semantic_pairs``' keyword for the work store, if any
    if vectors_in == "store":  # the text vectors on disk, as a report's work store holds them
        from provenance.run.stored import StoredRows

        vectors = StoredRows(Path(folder.name) / "claim-vectors.f32", matrix.shape[1])
    elif vectors_in == "kept":  # and the step's results kept in the store as it goes
        from provenance.run.workstore import WorkStore

        work = WorkStore(Path(folder.name), resume=False)
        vectors = work.kept_rows("claim-vectors", matrix.shape[1])
        kept["kept"] = work
    if vectors is not matrix:
        vectors.extend(matrix)
        del matrix
    counts: dict[str, int] = {}
    # the article pairs ranked: a list of pairs (earlier commits) or their codes
    inner = claim_pairs._article_pairs

    def counted(*args: Any) -> Any:
        out = inner(*args)
        counts["article_pairs"] = len(out)
        return out

    setattr(claim_pairs, "_article_pairs", counted)  # noqa: B010 (a wrapper of the same call)
    memory._reset_peak()  # VmHWM from here on
    before = memory.status()["VmRSS"]
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    size = len(vectors)  # the means may be appended to a store
    where = memory.PeakWhere()
    found = claim_pairs.semantic_pairs(texts_of, outlet_of, vectors, columns, config, **kept)
    wall = time.perf_counter() - started
    at_peak = where.stop()
    used = resource.getrusage(resource.RUSAGE_SELF)
    peak = memory.status()["VmHWM"] - before
    pairs = _as_pairs(found, size)
    del found
    out: dict[str, Any] = {
        "articles": n,
        "texts": size,
        "vectors": vectors_in,
        "seconds": round(wall, 2),
        "cpu_seconds": round(used.ru_utime + used.ru_stime - cpu.ru_utime - cpu.ru_stime, 2),
        "ms_per_article": round(1000 * wall / n, 3),
        "cpu_ms_per_article": round(
            1000 * (used.ru_utime + used.ru_stime - cpu.ru_utime - cpu.ru_stime) / n, 3
        ),
        "peak_added_mb": round(peak / 1024, 1),
        # where the step was at its highest resident memory (sampled; innermost first)
        "peak_where": at_peak["stack"],
        "text_pairs": len(pairs),
        "text_pairs_per_article": round(len(pairs) / n, 2),
        "text_pairs_sha1": hashlib.sha1(repr(sorted(pairs)).encode()).hexdigest()[:12],
        **counts,
    }
    out["article_pairs_per_article"] = round(counts.get("article_pairs", 0) / n, 2)
    del pairs
    if "split_to" in inspect.signature(semantic.simhash_buckets).parameters:
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


def _child(n: int, pythonpath: Path | None, vectors: str) -> dict[str, Any]:
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--run", str(n), "--vectors", vectors],
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
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--run", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.run:
        print(json.dumps(_run(args.run, args.vectors)))
        return 0
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-claim-pairs-") as tmp:
        base = Path(tmp)
        archive = subprocess.run(
            ["git", "archive", args.base, "provenance"], cwd=ROOT, check=True, capture_output=True
        )
        subprocess.run(["tar", "-x", "-C", str(base)], input=archive.stdout, check=True)
        for n in args.sizes:
            old = _child(n, base, args.vectors) if n <= args.base_max else None
            new = _child(n, None, args.vectors)
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
                print(
                    f"{n:>7} articles: {was}; new {new['seconds']:.2f} s "
                    f"({new['ms_per_article']} ms/article, {new['peak_added_mb']} MB, "
                    f"{new['article_pairs_per_article']} article pairs/article); simhash "
                    "proposals/article: split to the cap "
                    f"{new['proposals_per_article_split_to_cap']} (max "
                    f"{new['proposals_max_split_to_cap']}), split to simhash_split_to "
                    f"{new['proposals_per_article_split_to']} (max "
                    f"{new['proposals_max_split_to']}); load {os.getloadavg()[0]:.1f}",
                    flush=True,
                )
    if args.json:
        print(json.dumps({"base": args.base, "sizes": rows}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The claim stage's semantic candidates alone (``claim_pairs.semantic_pairs``), on synthetic
sentence vectors, beside an earlier commit's code in the same run.

    python benchmarks/bench_claim_pairs.py --sizes 1000 3000 10000 [--base 98d816f] [--json]

No model and no evaluation data: each of N articles has 4-12 distinct texts whose vectors
(512 dimensions, unit length) share one direction (sentence vectors of a language model are
not spread over the sphere; article means even less), lean towards one of N / 50 topics and
carry noise; a fifth of an article's texts are texts of an earlier article of its topic
(copies) and a tenth are nudged versions of one (rewordings). Anchors: 0-3 per text from a
vocabulary of 2N names, drawn by a power law, plus one topic name. Everything is drawn from
a fixed seed, so both commits see the same input.

Per size and commit (each in a process of its own, the earlier commit's code extracted with
``git archive``): wall and CPU seconds of ``semantic_pairs`` with ``Config()``'s claims
settings, the resident memory it adds at its peak (``VmHWM`` reset before it), the text
pairs it returns and the article pairs it ranks; for the working tree also the simhash
proposals (pair codes before the per-article cut) of the old rule (``simhash_split_bits``
0: crowds propose nothing) and of the re-splitting rule, forced on at every size.
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


def _inputs(n: int, seed: int = 0) -> tuple[dict[str, list[int]], dict[str, str], Any, list[Any]]:
    import numpy as np

    rng = np.random.default_rng(seed)
    dims, topics = 512, max(20, n // 50)
    common = rng.standard_normal(dims) * 1.2
    centres = rng.standard_normal((topics, dims)) * 0.8
    texts_of: dict[str, list[int]] = {}
    outlet_of: dict[str, str] = {}
    rows: list[Any] = []
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
    vectors = np.asarray(rows, dtype=np.float32)
    return texts_of, outlet_of, vectors, anchors


def _as_pairs(found: Any, size: int) -> set[tuple[int, int]]:
    """Text pairs from ``semantic_pairs``: a set of pairs (earlier commits) or sorted pair
    codes ``a * size + b`` (since they are codes)."""
    if isinstance(found, set):
        return found
    return {(int(c) // size, int(c) % size) for c in found.tolist()}


def _status(field: str) -> int:
    """A ``/proc/self/status`` figure in KB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _run(n: int) -> dict[str, Any]:
    """One measurement with whatever ``provenance`` this process imports."""
    from dataclasses import replace

    from provenance import semantic
    from provenance.config import Config
    from provenance.match import claim_pairs

    texts_of, outlet_of, vectors, anchors = _inputs(n)
    config = Config()
    found: dict[str, int] = {}
    inner = claim_pairs._article_pairs

    def counted(*args: Any) -> Any:
        out = inner(*args)
        found["article_pairs"] = len(out)
        return out

    setattr(claim_pairs, "_article_pairs", counted)  # noqa: B010 (a wrapper of the same call)
    Path("/proc/self/clear_refs").write_text("5")  # VmHWM from here on
    before = _status("VmRSS")
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    found = claim_pairs.semantic_pairs(texts_of, outlet_of, vectors, anchors, config)
    wall = time.perf_counter() - started
    pairs = _as_pairs(found, len(vectors))
    used = resource.getrusage(resource.RUSAGE_SELF)
    out: dict[str, Any] = {
        "articles": n,
        "texts": len(vectors),
        "seconds": round(wall, 2),
        "cpu_seconds": round(used.ru_utime + used.ru_stime - cpu.ru_utime - cpu.ru_stime, 2),
        "peak_added_mb": round((_status("VmHWM") - before) / 1024, 1),
        "text_pairs": len(pairs),
        "text_pairs_sha1": hashlib.sha1(repr(sorted(pairs)).encode()).hexdigest()[:12],
        **found,
    }
    if hasattr(semantic, "simhash_buckets"):  # the working tree: both proposal rules
        import numpy as np

        ids = sorted(texts_of)
        means = np.stack([vectors[texts_of[i]].mean(axis=0) for i in ids])
        means /= np.maximum(np.linalg.norm(means, axis=1, keepdims=True), 1e-9)
        cc = config.claims
        for name, bits in (("old_rule", 0), ("split", cc.simhash_split_bits)):
            started = time.perf_counter()
            codes = semantic.simhash_pairs(
                means.astype(np.float32),
                cc.simhash_bands,
                cc.simhash_rows,
                config.fingerprint.seed,
                cc.simhash_max_bucket,
                bits,
            )
            partners = np.bincount(np.r_[codes // n, codes % n], minlength=n)
            out[f"proposed_{name}"] = len(codes)
            out[f"unproposed_articles_{name}"] = int(np.count_nonzero(partners == 0))
            out[f"proposal_seconds_{name}"] = round(time.perf_counter() - started, 2)
        forced = replace(config, claims=replace(cc, simhash_split_from=0))
        started = time.perf_counter()
        out["text_pairs_split_forced"] = len(
            claim_pairs.semantic_pairs(texts_of, outlet_of, vectors, anchors, forced)
        )
        out["seconds_split_forced"] = round(time.perf_counter() - started, 2)
    return out


def _child(n: int, pythonpath: Path | None) -> dict[str, Any]:
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--run", str(n)],
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
    parser.add_argument("--base", default="98d816f")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--run", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.run:
        print(json.dumps(_run(args.run)))
        return 0
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-claim-pairs-") as tmp:
        base = Path(tmp)
        archive = subprocess.run(
            ["git", "archive", args.base, "provenance"], cwd=ROOT, check=True, capture_output=True
        )
        subprocess.run(["tar", "-x", "-C", str(base)], input=archive.stdout, check=True)
        for n in args.sizes:
            old, new = _child(n, base), _child(n, None)
            rows.append({"articles": n, "base": old, "new": new, "load": os.getloadavg()})
            if not args.json:
                print(
                    f"{n:>7} articles: base {old['seconds']:.2f} s ({old['peak_added_mb']} MB), "
                    f"new {new['seconds']:.2f} s ({new['peak_added_mb']} MB), "
                    f"same text pairs: {old['text_pairs_sha1'] == new['text_pairs_sha1']}; "
                    f"proposed old rule {new['proposed_old_rule']} "
                    f"(articles without any: {new['unproposed_articles_old_rule']}), "
                    f"split {new['proposed_split']} ({new['unproposed_articles_split']})",
                    flush=True,
                )
    if args.json:
        print(json.dumps({"base": args.base, "sizes": rows}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

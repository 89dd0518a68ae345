"""Memory and time of the claim groups' star search setting out (``claim_groups._stars``:
the linked texts' neighbours as CSR columns, then the heap of their keys), this tree's code
beside an earlier commit's, on the same links.

    python benchmarks/bench_stars.py [--sizes N ...] [--base REF] [--json]

N is the number of accepted claim links (about 14 million at a million articles): random
pairs among N / 2 texts, a third of them strong, each text in one to three of 50 outlets.
Each side (``--base``, extracted with ``git archive``, and this tree) runs in a process of
its own: it makes the same links from the seed as ``claim_groups.Links`` columns, then
takes the first ``--stars`` stars: resident memory before, the peak (VmHWM, reset first)
and seconds, and a digest of the stars taken (the two sides must agree). Nothing is
written to the repository.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import memory  # noqa: E402
import sides  # noqa: E402


def _measure(n: int, seed: int, stars: int) -> dict[str, Any]:
    """The first ``stars`` stars of ``n`` links made from ``seed`` (this process's
    ``provenance``)."""
    import itertools
    from types import SimpleNamespace

    import numpy as np

    from provenance.match import claim_groups

    rng = np.random.default_rng(seed)
    texts = max(n // 2, 2)
    a = rng.integers(0, texts, size=n)
    b = rng.integers(0, texts, size=n)
    a, b = np.minimum(a, b), np.maximum(a, b)
    pairs = np.unique((a * texts + b)[a != b])
    a, b = np.divmod(pairs, texts)
    del pairs
    count = len(a)
    links = claim_groups.Links(
        a.astype(np.int64),
        b.astype(np.int64),
        rng.integers(7000, 10001, count) / 100,
        np.full(count, np.nan),
        (rng.integers(0, 3, count) > 0).astype(np.int8),  # 0: strong, a third of them
    )
    pool = [
        frozenset(f"o{k}" for k in rng.choice(50, size=size, replace=False))
        for size in (1, 2, 3)
        for _ in range(40)
    ]
    chosen = rng.integers(0, len(pool), size=texts).tolist()
    names = sorted(set().union(*pool))
    numbers = [sorted(names.index(o) for o in s) for s in pool]
    sizes = np.asarray([len(numbers[k]) for k in chosen], dtype=np.int64)
    corpus = SimpleNamespace(  # the outlets as sets (what the base reads) and as CSR columns
        text_outlets=[pool[k] for k in chosen],
        outlet_cuts=np.r_[0, np.cumsum(sizes)],
        outlet_ids=np.asarray([i for k in chosen for i in numbers[k]], dtype=np.int32),
    )
    del a, b, chosen
    out: dict[str, Any] = {
        "links": count,
        "rss_before_mb": round(memory.status()["VmRSS"] / 1024, 1),
    }
    memory._reset_peak()
    started = time.perf_counter()
    digest = hashlib.sha256()
    taken = 0
    for centre, members, rows in itertools.islice(claim_groups._stars(corpus, links), stars):  # type: ignore[arg-type]
        digest.update(f"{centre}:{members.tolist()}:{rows.tolist()}\n".encode())
        taken += 1
    out["stars_seconds"] = round(time.perf_counter() - started, 2)
    out["stars_peak_mb"] = round(memory.status()["VmHWM"] / 1024, 1)
    out["stars_added_mb"] = round(out["stars_peak_mb"] - out["rss_before_mb"], 1)
    out["stars_taken"] = taken
    out["stars_sha256"] = digest.hexdigest()
    return out


def main(argv: list[str] | None = None) -> int:
    doc = __doc__.split("\n\n")[0]
    parser = sides.arguments(doc, memory.DEFAULT_EVAL, "34c3a5e", measure=3)
    parser.add_argument("--stars", type=int, default=1000, help="stars taken per side")
    args = parser.parse_args(argv)
    if args.measure:  # a side's process
        given = [int(x) for x in args.measure]
        print(json.dumps(_measure(*given)))
        return 0

    return sides.seeded(args, __file__, "stars", "links_made", str(args.stars))


if __name__ == "__main__":
    raise SystemExit(main())

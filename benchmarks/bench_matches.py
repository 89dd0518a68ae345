"""Memory and time of the reuse side's match table (``reuse_spans.MatchColumns.table``: the
matches made, the first maker of each pair of sides kept, put in report order), this tree's
code beside an earlier commit's, on the same matches.

    python benchmarks/bench_matches.py [--sizes N ...] [--base REF] [--json]

N is the number of matches made. The report makes most matches twice, once from each of
the two articles (``spans_for``: 5.6 million made for the 2.8 million a 1,000,000-article
run reports), so here N / 2 distinct pairs of sides (among N / 5 articles, offsets below
2,000) are each made twice, with another score the second time, in a shuffled order. Each
side (``--base``, extracted with ``git archive``, and this tree) runs in a process of its
own: it makes the same matches from the seed, puts them in the columns as ``extend``
gathers them (int32 and float64 arrays, filled at once here), then ``table()``: resident
memory before, its peak (VmHWM, reset first) and seconds, resident memory after (free
heap pages handed back; and again once the table is kept in a work store, when this
side's table can be); then the writer's outlet table of the matches (every article of
one of 45 outlets): its peak added and seconds; and a digest of the table's columns,
ids and outlet rows (the two sides must agree). Nothing is written to the repository.
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

OUTLETS = 45  # the synthetic corpora's 40 outlets and 5 agencies


def _measure(n: int, seed: int) -> dict[str, Any]:
    """``table()`` on ``n`` matches made from ``seed`` (this process's ``provenance``)."""
    import numpy as np

    from provenance.match.articles import Ids, Strings
    from provenance.match.reuse_spans import MatchColumns
    from provenance.run.heap import give_back, steady

    steady()  # as the report's matching stage does with a work store: big arrays mapped

    rng = np.random.default_rng(seed)
    articles = max(n // 5, 2)
    distinct = n // 2
    ints = np.zeros((distinct, 10), dtype=np.int32)
    ints[:, [0, 3]] = rng.integers(0, articles, size=(distinct, 2))
    starts = rng.integers(0, 2000, size=(distinct, 2))
    ints[:, [1, 4]] = starts
    ints[:, [2, 5]] = starts + rng.integers(20, 400, size=(distinct, 2))
    ints[:, 6] = rng.integers(0, 4, size=distinct)  # the grade
    ints[:, 7:] = rng.integers(0, 5, size=(distinct, 3))  # the edits
    floats = np.column_stack(
        [rng.integers(8000, 10001, distinct) / 100, rng.integers(0, 10001, distinct) / 10_000]
    )
    again = floats.copy()
    again[:, 0] = np.maximum(again[:, 0] - 1.0, 0.0)  # the second maker's other score
    order = rng.permutation(2 * distinct)
    all_ints = np.concatenate([ints, ints])[order]
    all_floats = np.concatenate([floats, again])[order]
    del ints, floats, again, order
    ids = Ids(Strings(f"a{k:08d}" for k in range(articles)))
    columns = MatchColumns(ids)
    columns._ints.frombytes(np.ascontiguousarray(all_ints).tobytes())
    columns._floats.frombytes(np.ascontiguousarray(all_floats).tobytes())
    del all_ints, all_floats
    out: dict[str, Any] = {"rss_before_mb": round(memory.status()["VmRSS"] / 1024, 1)}
    memory._reset_peak()
    started = time.perf_counter()
    table = columns.table()
    out["table_seconds"] = round(time.perf_counter() - started, 2)
    out["table_peak_mb"] = round(memory.status()["VmHWM"] / 1024, 1)
    out["table_added_mb"] = round(out["table_peak_mb"] - out["rss_before_mb"], 1)
    # what the table holds after, the rows made let go (free heap handed back first)
    give_back()
    out["rss_after_mb"] = round(memory.status()["VmRSS"] / 1024, 1)
    digest = hashlib.sha256()
    digest.update(np.ascontiguousarray(table._ints).tobytes())
    floats = np.asarray(table._floats)
    try:  # the floats as read (16-bit multiples since session 31, divided back)
        from provenance.match.links import unscaled
    except ImportError:  # an earlier commit's side: float64 as held
        pass
    else:
        floats = unscaled(floats).reshape(-1, 2)
    digest.update(np.ascontiguousarray(floats, dtype=np.float64).tobytes())
    del floats
    for name in table._names:
        digest.update(f"{name}\n".encode())
    out["matches_kept"] = len(table)
    # the writer's outlet table of these matches: every article of one of 45 outlets
    from provenance.model import CorpusResult
    from provenance.render.data import outlet_table

    outlets = ((ids[k], f"Outlet {k % OUTLETS:02d}") for k in range(articles))
    give_back()
    out["outlets_rss_before_mb"] = round(memory.status()["VmRSS"] / 1024, 1)
    memory._reset_peak()
    started = time.perf_counter()
    rows = outlet_table(CorpusResult((), table), outlets)
    out["outlets_seconds"] = round(time.perf_counter() - started, 2)
    peak = memory.status()["VmHWM"] / 1024
    out["outlets_added_mb"] = round(peak - out["outlets_rss_before_mb"], 1)
    digest.update(json.dumps(rows).encode())
    out["table_sha256"] = digest.hexdigest()
    if hasattr(table, "kept"):  # since session 31: the columns moved to a work store
        import tempfile

        from provenance.run.workstore import WorkStore

        with tempfile.TemporaryDirectory(prefix="bench-matches-") as folder:
            store = WorkStore(Path(folder), resume=False)
            table = table.kept(store, "matches")
            give_back()
            out["kept_rss_after_mb"] = round(memory.status()["VmRSS"] / 1024, 1)
            del table
            store.close()
    return out


def main(argv: list[str] | None = None) -> int:
    doc = __doc__.split("\n\n")[0]
    parser = sides.arguments(doc, memory.DEFAULT_EVAL, "34c3a5e", measure=2)
    args = parser.parse_args(argv)
    if args.measure:  # a side's process
        print(json.dumps(_measure(int(args.measure[0]), int(args.measure[1]))))
        return 0

    return sides.seeded(args, __file__, "table", "matches_made")


if __name__ == "__main__":
    raise SystemExit(main())

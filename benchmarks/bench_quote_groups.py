"""Time of the quotation groups (``quote_groups.find_quote_groups``, in this process), this
tree's code beside an earlier commit's, on the same quotations.

    python benchmarks/bench_quote_groups.py EVAL_DIR [--sizes N ...] [--base REF]
        [--jobs J] [--json]

For each size N, a synthetic corpus (benchmarks/synth.py) has its quotations found as the
report finds them (``quotes.extract``, on a pool of two processes; the quotations inside
boilerplate are kept, which the report drops: in these corpora there are few), and the
articles with quotations are pickled to a temporary folder. Each side (``--base``, extracted
with ``git archive``, and this tree) then runs in a process of its own: the groups made with
``Config()``, no work store, no executor; with ``--jobs J`` (1 or more), as the report makes
them: a work store in a temporary folder (the quotations, their units' signatures and the
groups kept there; glibc's mmap threshold fixed, ``run.heap.steady``) and
``run.local.executor(J)``. Reported per side: seconds, CPU seconds (this process's),
resident memory at the end and the most the groups' making added to it (VmHWM, reset
first), the groups, the largest group's size and a digest of the groups (the two sides
must agree).
The synthetic corpora deal their sentences again once the pool is used up, each time with
40% of the words changed, so a quotation comes back, altered, in more articles the larger
the corpus: the largest group grows faster than the corpus. Nothing is written to the
repository.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import pickle
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import memory  # noqa: E402
import sides  # noqa: E402
import synth  # noqa: E402


def _found(record: dict[str, Any]) -> Any:
    """The article of ``record`` with its segmentation and quotations, or None without
    quotations (a pool's task)."""
    from provenance import quotes
    from provenance.config import Config
    from provenance.ingest import load_records
    from provenance.model import ArticleResult
    from provenance.resources import Resources
    from provenance.segment import segment

    resources = _resources(Resources)
    (article,) = load_records([record])
    said = quotes.extract(
        article.text, resources.quotes.for_language(article.language), Config().quotes
    )
    if not said:
        return None
    return ArticleResult(article, segment(article.text, resources.abbreviations), quotes=said)


_LOADED: dict[str, Any] = {}


def _resources(kind: Any) -> Any:
    if "resources" not in _LOADED:
        _LOADED["resources"] = kind.load()
    return _LOADED["resources"]


def _results(eval_dir: Path, n: int, seed: int, path: Path) -> dict[str, Any]:
    sentences = synth.load_sentences(eval_dir)
    start = time.perf_counter()
    with ProcessPoolExecutor(2) as pool:
        found = pool.map(_found, synth.iter_corpus(sentences, n, seed), chunksize=256)
        results = [r for r in found if r is not None]
    path.write_bytes(pickle.dumps(results, protocol=pickle.HIGHEST_PROTOCOL))
    return {
        "articles_with_quotations": len(results),
        "quotations": sum(len(r.quotes) for r in results),
        "extract_seconds": round(time.perf_counter() - start, 1),
    }


def _measure(path: Path, jobs: int) -> dict[str, Any]:
    """One side (in a process of its own): without a work store and executor (``jobs``
    0), or as the report runs the stage."""
    from provenance import pipeline
    from provenance.config import Config
    from provenance.match.quote_groups import find_quote_groups
    from provenance.run import heap, local, workstore

    results = pickle.loads(path.read_bytes())
    with contextlib.ExitStack() as stack:
        make: Callable[[], Sequence[Any]] = partial(find_quote_groups, results, Config())
        if jobs:
            heap.steady()
            work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="quotes-")))
            store = workstore.WorkStore(work, resume=False)
            stack.callback(store.close)
            runner = local.executor(jobs, items=len(results))
            stack.callback(runner.close)
            make = partial(pipeline._quote_groups, results, Config(), store, runner)
        memory._reset_peak()
        before = memory.status()["VmRSS"]
        start, cpu = time.perf_counter(), time.process_time()
        found = make()
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        held = memory.status()
        groups = tuple(found)  # read back from the work store after the peak is taken
    return {
        "seconds": round(seconds, 1),
        "cpu_seconds": round(cpu, 1),
        "rss_mb": round(held["VmRSS"] / 1024, 1),
        "peak_added_mb": round((held["VmHWM"] - before) / 1024, 1),
        "groups": len(groups),
        "largest": max((len(g.occurrences) for g in groups), default=0),
        # of the values, not the pickle: a pickle's bytes change with which equal strings
        # are one object (groups made in worker processes share fewer)
        "sha256": hashlib.sha256(repr(groups).encode("utf-8")).hexdigest(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = sides.arguments(__doc__.split("\n\n")[0], memory.DEFAULT_EVAL, "421f292", 2)
    parser.add_argument("--jobs", type=int, default=0, help="0: no work store, no executor")
    args = parser.parse_args(argv)
    if args.measure:  # a side's process
        print(json.dumps(_measure(Path(args.measure[0]), int(args.measure[1]))))
        return 0

    def measure(n: int, base: Path, folder: Path) -> dict[str, Any]:
        path = folder / f"results-{n}.pickle"
        run: dict[str, Any] = {"articles": n, **_results(args.eval_dir, n, args.seed, path)}
        given = (str(path), str(args.jobs))
        run["base"] = {"commit": args.base, **sides.measure_in(base, __file__, *given)}
        run["new"] = sides.measure_in(ROOT, __file__, *given)
        run["same_groups"] = run["base"]["sha256"] == run["new"]["sha256"]
        run["ratio"] = round(run["new"]["seconds"] / max(0.1, run["base"]["seconds"]), 3)
        path.unlink()
        return run

    return sides.per_size(args, "bench-quotes-", measure, "same_groups")


if __name__ == "__main__":
    raise SystemExit(main())

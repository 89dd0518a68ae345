"""Memory and time of the boilerplate stage's corpus-wide reductions (outlet repeats and
template sentences), this tree's code beside an earlier commit's, on the same units.

    python benchmarks/bench_rules.py EVAL_DIR [--sizes N ...] [--base REF]
        [--units-from WORK_SQLITE] [--json]

For each size, a synthetic corpus (benchmarks/synth.py) is made and each article's map step
(``pipeline._units_task``: its outlet's line and sentence hashes, its template votes) is
computed once, in this process, and written to a temporary file. With ``--units-from``
(the ``work.sqlite`` of a report's ``--work-dir``, opened read-only) the first N units that
run stored are copied instead: the map step of a 1,000,000-article run is not made again.
Then each side (``--base``, extracted with ``git archive``, and this tree) runs the two
reductions in a process of its own, reading the units back one at a time as the pipeline
does with a work store: resident memory before, the peak of each reduction (VmHWM, reset
between them), the seconds, and a digest of the rules made (the two sides must agree).
Nothing is written to the repository.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import memory  # noqa: E402
import sides  # noqa: E402
import synth  # noqa: E402


def _read(path: Path) -> Iterator[Any]:
    with path.open("rb") as handle:
        while True:
            try:
                yield pickle.load(handle)
            except EOFError:
                return


def _units(eval_dir: Path, n: int, seed: int, path: Path) -> float:
    """The map step of ``n`` synthetic articles, pickled one after another to ``path``."""
    from speed import _article

    from provenance import pipeline
    from provenance.config import Config
    from provenance.resources import Resources

    config, resources = Config(), Resources.load()
    started = time.perf_counter()
    with path.open("wb") as handle:
        for record in synth.iter_corpus(synth.load_sentences(eval_dir), n, seed):
            unit = pipeline._units_task(_article(record), config, resources)
            pickle.dump(unit, handle, pickle.HIGHEST_PROTOCOL)
    return time.perf_counter() - started


def _stored_units(store: Path, n: int, path: Path) -> int:
    """The first ``n`` units a report's work store kept (each a pickle, as stored), written
    one after another to ``path``; how many there were."""
    import sqlite3

    db = sqlite3.connect(f"{store.absolute().as_uri()}?mode=ro", uri=True)
    copied = 0
    try:
        rows = db.execute(
            "SELECT blob FROM results WHERE stage = 'units' ORDER BY seq LIMIT ?", (n,)
        )
        with path.open("wb") as handle:
            for (blob,) in rows:
                handle.write(blob)
                copied += 1
    finally:
        db.close()
    return copied


def _measure(path: Path, n: int) -> dict[str, Any]:
    """The two reductions over the units in ``path`` (this process's ``provenance``)."""
    from provenance import boilerplate, templates
    from provenance.config import Config

    bp = Config().boilerplate
    out: dict[str, Any] = {"rss_before_mb": memory.status()["VmRSS"] / 1024}
    memory._reset_peak()
    started = time.perf_counter()
    repeats = boilerplate.repeats_of((pair for pair, _ in _read(path)), bp)
    out["repeats_seconds"] = round(time.perf_counter() - started, 2)
    out["repeats_peak_mb"] = round(memory.status()["VmHWM"] / 1024, 1)
    memory._reset_peak()
    started = time.perf_counter()
    found = templates.reduce_votes((vote for _, vote in _read(path)), n, bp)
    out["templates_seconds"] = round(time.perf_counter() - started, 2)
    out["templates_peak_mb"] = round(memory.status()["VmHWM"] / 1024, 1)
    for step in ("repeats", "templates"):  # above what the process held before
        out[f"{step}_added_mb"] = round(out[f"{step}_peak_mb"] - out["rss_before_mb"], 1)
    out["rss_before_mb"] = round(out["rss_before_mb"], 1)
    rules = (
        sorted((o, sorted(h)) for o, h in repeats.by_outlet.items()),
        sorted(found.hashes),
        found.min_articles,
    )
    out["rules_sha256"] = hashlib.sha256(pickle.dumps(rules, 4)).hexdigest()
    out["repeated_hashes"] = sum(len(h) for h in repeats.by_outlet.values())
    out["template_hashes"] = len(found.hashes)
    return out


def main(argv: list[str] | None = None) -> int:
    doc = __doc__.split("\n\n")[0]
    parser = sides.arguments(doc, memory.DEFAULT_EVAL, "069ef19", measure=2)
    parser.add_argument("--units-from", type=Path, help="a work store's work.sqlite")
    args = parser.parse_args(argv)
    if args.measure:  # a side's process
        print(json.dumps(_measure(Path(args.measure[0]), int(args.measure[1]))))
        return 0

    def measure(n: int, base: Path, folder: Path) -> dict[str, Any]:
        units = folder / f"units-{n}.pickle"
        if args.units_from is None:
            mapped: dict[str, Any] = {
                "map_seconds": round(_units(args.eval_dir, n, args.seed, units), 1)
            }
        else:
            n = _stored_units(args.units_from, n, units)
            mapped = {"units_from": args.units_from.name}
        run: dict[str, Any] = {
            "articles": n,
            **mapped,
            "units_bytes": units.stat().st_size,
            "base": {
                "commit": args.base,
                **sides.measure_in(base, __file__, str(units), str(n)),
            },
            "new": sides.measure_in(ROOT, __file__, str(units), str(n)),
        }
        run["same_rules"] = run["base"]["rules_sha256"] == run["new"]["rules_sha256"]
        units.unlink()
        return run

    return sides.per_size(args, "bench-rules-", measure, "same_rules")


if __name__ == "__main__":
    raise SystemExit(main())

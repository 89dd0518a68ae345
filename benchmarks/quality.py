"""Quality benchmarks over an evaluation folder (not tests).

    python benchmarks/quality.py [EVAL_DIR] [--json] [--sets PREFIX ...] [--limit N]

EVAL_DIR defaults to ../shared/eval beside the repository; any folder of the same format
works (see that folder's README). Each ``benchmarks/bench_*.py`` module contributes a
``SETS`` mapping from a set name ("boilerplate/zyte") to a function
``(set_dir: Path, limit: int | None) -> dict[str, object]`` that returns metric -> value.
A set reads the folder of its name under EVAL_DIR, unless its module's optional ``FOLDERS``
mapping names another ("html/zyte" -> "boilerplate/zyte"), so two benchmarks can share data.
Nothing of the evaluation data is copied anywhere; it is read from EVAL_DIR only.
"""

from __future__ import annotations

import argparse
import importlib
import json
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEFAULT_EVAL = HERE.parent.parent / "shared" / "eval"

Runner = Callable[[Path, int | None], dict[str, Any]]
_DEFINES_SETS = re.compile(r"^SETS\b", re.MULTILINE)


def _modules() -> list[Any]:
    """The ``bench_*`` modules that define ``SETS``. A module without (bench_dask.py,
    bench_index.py, ...) is a command of its own and is not imported: its optional
    dependencies (psutil, dask, rensa) need not be installed to run the quality sets."""
    sys.path.insert(0, str(HERE))
    return [
        importlib.import_module(path.stem)
        for path in sorted(HERE.glob("bench_*.py"))
        if _DEFINES_SETS.search(path.read_text(encoding="utf-8"))
    ]


def discover() -> dict[str, Runner]:
    sets: dict[str, Runner] = {}
    for module in _modules():
        sets.update(getattr(module, "SETS", {}))
    return dict(sorted(sets.items()))


def folders() -> dict[str, str]:
    """Set name -> folder under EVAL_DIR, where a module's ``FOLDERS`` says it differs."""
    found: dict[str, str] = {}
    for module in _modules():
        found.update(getattr(module, "FOLDERS", {}))
    return found


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("eval_dir", nargs="?", type=Path, default=DEFAULT_EVAL)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--sets", nargs="*", default=None, help="only sets with these prefixes")
    parser.add_argument("--limit", type=int, default=None, help="at most N rows per set")
    args = parser.parse_args(argv)
    if not args.eval_dir.is_dir():
        print(f"error: {args.eval_dir}: no such folder", file=sys.stderr)
        return 2
    results: dict[str, dict[str, Any]] = {}
    folder_of = folders()
    for name, runner in discover().items():
        if args.sets and not any(name.startswith(p) for p in args.sets):
            continue
        set_dir = args.eval_dir / folder_of.get(name, name)
        if not set_dir.is_dir():
            print(f"skip {name}: {set_dir} not found", file=sys.stderr)
            continue
        started = time.perf_counter()
        metrics = runner(set_dir, args.limit)
        metrics["seconds"] = round(time.perf_counter() - started, 1)
        results[name] = metrics
        if not args.json:
            print(f"== {name}")
            for key, value in metrics.items():
                print(f"  {key:<48} {_fmt(value)}")
            sys.stdout.flush()
    if args.json:
        print(json.dumps(results, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

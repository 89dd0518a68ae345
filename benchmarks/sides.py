"""What the benchmarks that compare this tree with a base commit share: the base's
``provenance`` extracted from git, a side measured in a process of its own with one tree's
``provenance`` on its path, and the arguments they all take."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def extract(ref: str, into: Path) -> Path:
    """The ``provenance`` package of commit ``ref``, written under ``into`` (made)."""
    into.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(
        ["git", "archive", ref, "provenance"], cwd=ROOT, check=True, capture_output=True
    )
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return into


def measure_in(tree: Path, script: str, *args: str) -> dict[str, Any]:
    """``script --measure ARGS`` run with ``tree``'s ``provenance``: the JSON it prints."""
    env = dict(os.environ, PYTHONPATH=str(tree))
    command = [sys.executable, script, "--measure", *args]
    done = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    measured: dict[str, Any] = json.loads(done.stdout)
    return measured


def arguments(description: str, eval_dir: Path, base: str, measure: int) -> argparse.ArgumentParser:
    """A parser with the arguments every such benchmark takes: the evaluation folder
    (default ``eval_dir``), ``--sizes``, ``--seed``, ``--base`` (default ``base``),
    ``--json``, and the hidden ``--measure`` of ``measure`` values that a side's process is
    started with."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("eval_dir", nargs="?", type=Path, default=eval_dir)
    parser.add_argument("--sizes", nargs="+", type=int, default=[10_000])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--base", default=base, help="the commit to compare with")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--measure", nargs=measure, help=argparse.SUPPRESS)
    return parser


def show(run: dict[str, Any], as_json: bool) -> None:
    """One size's measures, printed as they come (unless all go out as one JSON object)."""
    if not as_json:
        print(json.dumps(run, indent=1), flush=True)


def finish(runs: list[dict[str, Any]], as_json: bool, *same: str) -> int:
    """Print the runs as one JSON object (``--json``); the exit status: 1 when a run's
    value of one of the keys ``same`` (the sides agree) is false, else 0."""
    if as_json:
        print(json.dumps({"runs": runs}))
    return 0 if all(r[key] for r in runs for key in same if key in r) else 1


def per_size(
    args: argparse.Namespace,
    prefix: str,
    measure: Callable[[int, Path, Path], dict[str, Any]],
    same: str,
) -> int:
    """``measure(n, base, folder)`` for each of ``args.sizes``, smallest first: ``base`` the
    package of ``args.base`` (extracted), ``folder`` a temporary folder; each run shown as
    it comes (``show``), then ``finish``ed with the key ``same``: the exit status."""
    runs: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        base = extract(args.base, Path(tmp) / "base")
        for n in sorted(args.sizes):
            runs.append(measure(n, base, Path(tmp)))
            show(runs[-1], args.json)
    return finish(runs, args.json, same)


def seeded(args: argparse.Namespace, script: str, name: str, count: str, *extra: str) -> int:
    """``per_size`` for a benchmark whose sides make their input themselves from the size
    and ``args.seed`` (and ``extra`` arguments): each size's run holds the size (key
    ``count``), each side's JSON (``script --measure N SEED EXTRA``) and whether the sides'
    ``{name}_sha256`` agree (``same_{name}``), the key of the exit status."""

    def measure(n: int, base: Path, folder: Path) -> dict[str, Any]:
        given = (str(n), str(args.seed), *extra)
        run: dict[str, Any] = {
            count: n,
            "base": {"commit": args.base, **measure_in(base, script, *given)},
            "new": measure_in(ROOT, script, *given),
        }
        run[f"same_{name}"] = run["base"][f"{name}_sha256"] == run["new"][f"{name}_sha256"]
        return run

    return per_size(args, f"bench-{name}-", measure, f"same_{name}")

"""Is the report byte for byte what an earlier commit writes for the same input?

    python benchmarks/same_report.py [PATHS ...] [--base REF] [--eval EVAL_DIR --sizes N ...]
        [--seed S] [--format json md] [--new-args "--jobs 2"]

The earlier commit (``--base``, default c6bd3af: the last commit before the matching stage
was rewritten with numpy band keys) is extracted with ``git archive`` into a temporary
folder and run with the same Python; the working tree's code runs beside it. Inputs are the
PATHS given (default: corpus/) and, with ``--eval``, synthetic corpora of each ``--sizes``
built by benchmarks/synth.py (written to the temporary folder, never into the repository).
Prints one line per input and format; exits 1 if any report differs.
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def _report(
    target: Path, fmt: str, out: Path, cwd: Path, pythonpath: str | None, extra: list[str]
) -> float:
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    command = [sys.executable, "-m", "provenance", "report", str(target), "--format", fmt]
    started = time.perf_counter()
    subprocess.run(
        [*command, "--out", str(out), *extra], cwd=cwd, env=env, check=True, capture_output=True
    )
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", type=Path)
    parser.add_argument("--base", default="c6bd3af")
    parser.add_argument("--eval", type=Path, help="evaluation folder for synthetic corpora")
    parser.add_argument("--sizes", nargs="*", type=int, default=[])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--format", nargs="+", default=["json"], dest="formats")
    parser.add_argument("--new-args", default="", help="extra options for the new code only")
    args = parser.parse_args(argv)
    inputs = [p.resolve() for p in args.paths] or [ROOT / "corpus"]
    differ = 0
    with tempfile.TemporaryDirectory(prefix="same-report-") as tmp:
        work = Path(tmp)
        base = work / "base"
        base.mkdir()
        archive = subprocess.run(
            ["git", "archive", args.base], cwd=ROOT, check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(base)], input=archive, check=True)
        if args.sizes:
            sys.path.insert(0, str(HERE))
            from synth import main as synth_main

            for n in args.sizes:
                target = work / f"synth-{n}-seed{args.seed}.jsonl"
                synth_main([str(args.eval), str(n), str(target), "--seed", str(args.seed)])
                inputs.append(target)
        for target in inputs:
            for fmt in args.formats:
                old, new = work / f"old.{fmt}", work / f"new.{fmt}"
                t_old = _report(target, fmt, old, work, str(base), [])
                t_new = _report(target, fmt, new, work, None, shlex.split(args.new_args))
                same = old.read_bytes() == new.read_bytes()
                differ += not same
                print(
                    f"{'same' if same else 'DIFFERENT'}  {target.name} {fmt}  "
                    f"{old.stat().st_size} bytes  base {t_old:.1f} s  new {t_new:.1f} s",
                    flush=True,
                )
    return 1 if differ else 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Mutation testing of one core module against the tests that pin it (mutmut 3).

    python benchmarks/mutation.py MODULE [--workers 2] [--keep DIR]

MODULE is one of ``MODULES`` below (check, store, boilerplate, attribution, classify, reuse,
index). The repository's package, tests, corpus and schemas are copied to a scratch folder
whose ``pyproject.toml`` tells mutmut to mutate only that module's files and to run only
its targeted test files (a mutant of ``classify.partition`` would otherwise run nearly the
whole suite), then ``mutmut run`` runs there. Printed: one JSON line with the counts per
outcome, the kill rate (killed + timeout over all mutants that ran), the seconds and the
survivors' names (``mutmut show NAME`` in the scratch folder shows one; ``--keep`` keeps it).
Needs ``pip install mutmut``; not part of .ci/run (minutes per module).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# module -> (files to mutate, test files that pin them)
MODULES: dict[str, tuple[list[str], list[str]]] = {
    "check": (["provenance/check.py"], ["tests/test_check.py"]),
    "store": (["provenance/store/*"], ["tests/test_store.py", "tests/test_index.py"]),
    "boilerplate": (
        ["provenance/boilerplate.py", "provenance/boilerplate_rules.py"],
        ["tests/test_boilerplate.py", "tests/test_boilerplate_rules.py"],
    ),
    "attribution": (["provenance/attribution.py"], ["tests/test_attribution.py"]),
    "classify": (["provenance/classify.py"], ["tests/test_classify.py"]),
    "reuse": (
        ["provenance/match/reuse.py", "provenance/match/duplicates.py"],
        ["tests/test_reuse.py", "tests/test_golden.py"],
    ),
    "index": (
        ["provenance/match/units.py", "provenance/match/candidates.py"],
        ["tests/test_index.py", "tests/test_reuse.py"],
    ),
}
COPY = ("provenance", "tests", "corpus", "schemas", "README.md", "CHANGELOG.md")
_RESULT = re.compile(r"^\s+(\S+): (\w[\w ]*)$")


def _config(module: str) -> str:
    mutate, tests = MODULES[module]
    return f"""
[tool.mutmut]
source_paths = ["provenance/"]
only_mutate = {json.dumps(mutate)}
also_copy = ["corpus/", "schemas/", "README.md", "CHANGELOG.md"]
pytest_add_cli_args = ["-q", "-p", "no:cacheprovider", "-m", "not slow and not browser"]
pytest_add_cli_args_test_selection = {json.dumps(tests)}
"""


def _scratch(module: str, folder: Path) -> None:
    for name in COPY:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, folder / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, folder / name)
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    text = text.split("\n[tool.mutmut]")[0]  # the repository's own mutmut table, if any
    (folder / "pyproject.toml").write_text(text + _config(module), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("module", choices=sorted(MODULES))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep", type=Path, default=None, help="scratch folder to keep")
    args = parser.parse_args(argv)
    folder = args.keep or Path(tempfile.mkdtemp(prefix=f"mutation-{args.module}-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        _scratch(args.module, folder)
        mutmut = [sys.executable, "-m", "mutmut"]
        started = time.perf_counter()
        run = subprocess.run(
            [*mutmut, "run", "--max-children", str(args.workers)],
            cwd=folder,
            capture_output=True,
            text=True,
            check=False,
        )
        seconds = time.perf_counter() - started
        listed = subprocess.run(
            [*mutmut, "results", "--all", "true"],
            cwd=folder,
            capture_output=True,
            text=True,
            check=False,
        )
        outcomes: dict[str, list[str]] = {}
        for line in listed.stdout.splitlines():
            found = _RESULT.match(line)
            if found:
                outcomes.setdefault(found.group(2), []).append(found.group(1))
        counts = {k: len(v) for k, v in sorted(outcomes.items())}
        ran = sum(n for k, n in counts.items() if k not in ("not checked", "skipped"))
        killed = counts.get("killed", 0) + counts.get("timeout", 0)
        print(
            json.dumps(
                {
                    "module": args.module,
                    "tests": MODULES[args.module][1],
                    "counts": counts,
                    "kill_rate": round(killed / ran, 3) if ran else None,
                    "seconds": round(seconds),
                    "survivors": outcomes.get("survived", []),
                    "mutmut_exit": run.returncode,
                    "mutmut_tail": run.stdout.strip().splitlines()[-1:] if run.returncode else [],
                }
            )
        )
        return 0 if run.returncode == 0 else 1
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())

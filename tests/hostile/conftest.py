"""Helpers of the hostile-input suite (issue 11): run the CLI, build a small index.

Each test here reproduces one failure of the adversarial run (its number in the issue is in
the test's docstring) and failed before the fix. Cases that need root (writing /dev/null)
or an unprivileged user (unreadable folders: root reads everything) skip with the reason.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from provenance.cli import app

ROOT = Path(__file__).resolve().parent.parent.parent
CORPUS = ROOT / "corpus"
NOBODY = 65534


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str

    def one_error_line(self) -> str:
        """The single ``error:`` line of a refused run (asserting there is exactly one)."""
        lines = self.stderr.splitlines()
        assert self.code == 2, (self.code, self.stdout, self.stderr)
        assert len(lines) == 1, self.stderr
        assert lines[0].startswith("error: "), self.stderr
        assert "Traceback" not in self.stderr
        return lines[0]


def cli(*args: str, stdin: str | bytes | None = None) -> Run:
    """The CLI in this process (CliRunner): exit code, stdout, stderr."""
    result = CliRunner().invoke(app, list(args), input=stdin)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception  # a traceback is a failure of the test, shown in full
    return Run(result.exit_code, result.stdout, result.stderr)


def _nobody() -> list[str]:
    return ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]


# ``python -m provenance`` with its address space capped first (``resource``, in the child
# itself: no ``preexec_fn`` in a process that may have threads)
_CAPPED = (
    "import resource, runpy, sys; cap = int(sys.argv.pop(1)); "
    "resource.setrlimit(resource.RLIMIT_AS, (cap, cap)); "
    "runpy.run_module('provenance', run_name='__main__', alter_sys=True)"
)


def child_command(
    args: Sequence[str], address_space: int | None = None
) -> tuple[list[str], dict[str, str]]:
    """The argv and environment of ``python -m provenance ARGS`` run from this checkout,
    its address space capped at ``address_space`` bytes when given (an allocation past
    it is a ``MemoryError``, not the machine's memory)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    if address_space is not None:
        return [sys.executable, "-c", _CAPPED, str(address_space), *args], env
    return [sys.executable, "-m", "provenance", *args], env


def subprocess_cli(
    args: Sequence[str],
    *,
    cwd: Path,
    shell_stdin: str = "",
    as_nobody: bool = False,
    address_space: int | None = None,
) -> Run:
    """``python -m provenance ARGS`` in a child (``child_command``): through ``sh`` with a
    redirection such as ``<&-`` (``shell_stdin``), as the unprivileged user ``nobody``, or
    with its address space capped."""
    argv, env = child_command(args, address_space)
    if shell_stdin:
        argv = ["sh", "-c", " ".join(f"'{a}'" for a in argv) + f" {shell_stdin}"]
    if as_nobody:
        argv = [*_nobody(), *argv]
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False, env=env)
    return Run(done.returncode, done.stdout, done.stderr)


def needs_root() -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root (the failure was seen running as root)")


def needs_nobody() -> None:
    """Permission tests: root reads every folder, so they run the CLI as ``nobody``."""
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root and setpriv to run the CLI as an unprivileged user")
    probe = subprocess.run(
        [*_nobody(), sys.executable, "-c", "import provenance.cli"],
        capture_output=True,
        check=False,
        cwd="/",
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    if probe.returncode != 0:
        pytest.skip("the unprivileged user cannot run this checkout's Python")


def digest(*paths: Path) -> str:
    """A hash of the bytes of ``paths`` (missing files count as absent), to prove that a
    refused command wrote nothing."""
    h = hashlib.sha256()
    for path in paths:
        h.update(path.name.encode())
        h.update(path.read_bytes() if path.exists() else b"<absent>")
    return h.hexdigest()


def write_records(path: Path, records: Sequence[Mapping[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def corpus_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of the seed corpus, built once; tests copy it before damaging it."""
    path = tmp_path_factory.mktemp("index") / "corpus.sqlite"
    run = cli("index", "add", str(CORPUS), "--index", str(path))
    assert run.code == 0, run.stderr
    return path


@pytest.fixture
def index_copy(corpus_index: Path, tmp_path: Path) -> Path:
    path = tmp_path / "index.sqlite"
    shutil.copyfile(corpus_index, path)
    return path


@pytest.fixture(scope="session")
def copies(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed articles under new ids and another outlet: exact duplicates of the index."""
    from provenance import ingest

    folder = tmp_path_factory.mktemp("copies")
    records = [
        {"id": f"copy-{a.id}", "text": a.text, "outlet": "Copy Outlet"}
        for a in ingest.load([str(CORPUS)])
    ]
    return write_records(folder / "copies.jsonl", records)

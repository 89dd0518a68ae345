"""`report --work-dir DIR [--resume]` with a work store that is not what it seems: another
program's database, a text file, a link or a device named `work.sqlite`, a store whose run
record or results are damaged. Each is refused in one line (exit 2) and left as it was; a
damaged result is never read as a result. Before: a foreign database got the work store's
tables and the WAL journal (or was deleted without --resume), a damaged pickle was an
"internal error", and a store with its run record emptied was resumed as if it matched."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from provenance.run.workstore import FILE, INBOX
from tests.hostile.conftest import CORPUS, child_command, cli, digest

FAST = '[claims]\nmodel = "none"\n'  # no sentence model: the store is the same kind


def _report(tmp_path: Path, work: Path, *extra: str) -> tuple[int, str, Path]:
    config = tmp_path / "fast.toml"
    config.write_text(FAST, encoding="utf-8")
    out = tmp_path / "r.json"
    out.unlink(missing_ok=True)
    run = cli(
        "report", str(CORPUS), "-f", "json", "-o", str(out), "-j", "1",
        "--config", str(config), "--work-dir", str(work), *extra,
    )  # fmt: skip
    return run.code, run.stderr, out


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes]:
    """A work folder of a finished run, and its report."""
    tmp_path = tmp_path_factory.mktemp("finished")
    work = tmp_path / "work"
    code, stderr, out = _report(tmp_path, work)
    assert code == 0, stderr
    return work, out.read_bytes()


def _foreign(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (body TEXT)")
    conn.execute("INSERT INTO notes VALUES ('keep me')")
    conn.commit()
    conn.close()


@pytest.mark.parametrize("resume", [False, True], ids=["fresh", "resume"])
@pytest.mark.parametrize("kind", ["foreign database", "text file"])
def test_a_file_that_is_no_work_store_is_left_alone(
    tmp_path: Path, kind: str, resume: bool
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    store = work / FILE
    if kind == "text file":
        store.write_text("my notes\n", encoding="utf-8")
    else:
        _foreign(store)
    before = digest(store)
    code, stderr, out = _report(tmp_path, work, *(["--resume"] if resume else []))
    assert code == 2, stderr
    why = (
        "not an SQLite database" if kind == "text file" else "an SQLite database without its tables"
    )
    assert stderr.splitlines() == [
        f"error: {store}: not a work store of news-provenance ({why}); use another --work-dir"
    ]
    assert digest(store) == before
    assert sorted(p.name for p in work.iterdir()) == [FILE]  # no -wal, no -shm
    assert not out.exists()


@pytest.mark.parametrize("kind", ["symlink", "fifo", "folder"])
def test_a_work_store_that_is_no_regular_file(tmp_path: Path, kind: str) -> None:
    work = tmp_path / "work"
    work.mkdir()
    store = work / FILE
    target = tmp_path / "elsewhere.sqlite"
    _foreign(target)
    if kind == "symlink":
        store.symlink_to(target)
    elif kind == "fifo":
        os.mkfifo(store)
    else:
        store.mkdir()
    before = digest(target)
    for extra in ([], ["--resume"]):
        code, stderr, _ = _report(tmp_path, work, *extra)
        assert code == 2, stderr
        assert stderr.splitlines() == [
            f"error: {store}: not a regular file; use another --work-dir"
        ]
        assert os.path.lexists(store)
    assert digest(target) == before


def _damaged_resume(tmp_path: Path, finished: Path, damage: str) -> tuple[Path, str, Path]:
    """A copy of the finished work folder damaged by the SQL ``damage``, resumed: it must be
    refused (exit 2); the folder, the one stderr line and the --out path."""
    work = tmp_path / "work"
    shutil.copytree(finished, work)
    conn = sqlite3.connect(work / FILE)
    conn.execute(damage)
    conn.commit()
    conn.close()
    code, stderr, out = _report(tmp_path, work, "--resume")
    assert code == 2, stderr
    (line,) = stderr.splitlines()
    return work, line, out


def test_a_damaged_result_is_refused(tmp_path: Path, finished: tuple[Path, bytes]) -> None:
    damage = "UPDATE results SET blob = x'80049500' WHERE seq = 1"
    work, line, out = _damaged_resume(tmp_path, finished[0], damage)
    assert line == (
        f"error: {work / FILE}: damaged work store: a stored result cannot be read "
        "(UnpicklingError); run without --resume"
    )
    assert not out.exists()


def test_a_store_without_its_run_record_is_not_resumed(
    tmp_path: Path, finished: tuple[Path, bytes]
) -> None:
    work, line, _ = _damaged_resume(tmp_path, finished[0], "DELETE FROM meta")
    assert line == f"error: {work / FILE}: damaged work store: no run record; run without --resume"
    # without --resume the damaged store is the program's own: it is replaced, same report
    code, stderr, out = _report(tmp_path, work)
    assert code == 0, stderr
    assert out.read_bytes() == finished[1]


def test_an_own_store_and_an_empty_file_are_used(
    tmp_path: Path, finished: tuple[Path, bytes]
) -> None:
    work = tmp_path / "work"
    shutil.copytree(finished[0], work)
    code, stderr, out = _report(tmp_path, work, "--resume")
    assert (code, out.read_bytes()) == (0, finished[1]), stderr
    for extra in ([], ["--resume"]):
        shutil.rmtree(work)
        work.mkdir()
        (work / FILE).touch()
        code, stderr, out = _report(tmp_path, work, *extra)
        assert (code, out.read_bytes()) == (0, finished[1]), stderr


@pytest.mark.parametrize("resume", [False, True], ids=["fresh", "resume"])
def test_a_link_named_as_the_articles_as_read_is_removed_not_followed(
    tmp_path: Path, finished: tuple[Path, bytes], resume: bool
) -> None:
    """The articles as read go to a scratch file beside the store (``INBOX``), removed
    once they are numbered. A link of that name (left there, or planted) is removed before
    the file is made: the file it points to is not written, the report is the same."""
    work = tmp_path / "work"
    if resume:
        shutil.copytree(finished[0], work)
    else:
        work.mkdir()
    target = tmp_path / "elsewhere.sqlite"
    _foreign(target)
    before = digest(target)
    (work / INBOX).symlink_to(target)
    code, stderr, out = _report(tmp_path, work, *(["--resume"] if resume else []))
    assert (code, out.read_bytes()) == (0, finished[1]), stderr
    assert not os.path.lexists(work / INBOX)
    assert digest(target) == before


def test_a_report_stopped_by_sigterm_removes_its_temporary_work_store(tmp_path: Path) -> None:
    """A report stopped by `kill` (SIGTERM) left its temporary work store in $TMPDIR (the
    default action ends the process with no clean-up; Ctrl-C unwinds it). Stopped while
    it waits for standard input (the store is made first), it now ends with 143 (128 +
    15), no traceback, and the store gone. (Not SIGINT: a child started from a background
    job inherits it ignored, as CI's run showed.)"""
    temp = tmp_path / "tmp"
    temp.mkdir()
    argv, env = child_command(["report", "-"])
    env["TMPDIR"] = str(temp)
    with subprocess.Popen(
        argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    ) as child:
        for _ in range(600):  # the store appears once the imports are done (a minute at most)
            if any(temp.glob("provenance-*")) or child.poll() is not None:
                break
            time.sleep(0.1)
        assert [p.name[:11] for p in temp.iterdir()] == ["provenance-"]
        child.send_signal(signal.SIGTERM)
        out, err = child.communicate(timeout=60)
    assert child.returncode == 143, err
    assert b"Traceback" not in err
    assert out == b""
    assert list(temp.iterdir()) == []

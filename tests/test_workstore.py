"""The work store: a report killed part-way resumes from its work folder, same bytes."""

from __future__ import annotations

import json
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from provenance.run.workstore import BATCH, FILE
from tests.test_pipeline import POOL

SENTENCES = POOL
ARTICLES = 2 * BATCH


def _corpus(path: Path) -> Path:
    rng = random.Random(3)
    with path.open("w", encoding="utf-8") as handle:
        for i in range(ARTICLES):
            # mostly text of its own; one article in four shares a sentence with others
            paragraphs = [
                f"Story number {i} has a line of its own about item {i * 7} and more.",
                f"A second line of story {i} mentions {rng.randint(0, 10**6)} things today.",
            ]
            if i % 4 == 0:
                paragraphs.append(rng.choice(SENTENCES))
            record = {
                "id": f"a{i:05d}",
                "text": "\n".join(paragraphs),
                "outlet": f"Outlet {i % 5}",
                "published": f"2024-05-{1 + i % 28:02d}",
            }
            handle.write(json.dumps(record) + "\n")
    return path


def _report(
    corpus: Path, out: Path, *extra: str, stderr: int = subprocess.DEVNULL
) -> subprocess.Popen[bytes]:
    """The report command (its text summary on stderr is dropped unless asked for: a pipe
    nobody reads would block it)."""
    command = [sys.executable, "-m", "provenance", "report", str(corpus), "--format", "json"]
    return subprocess.Popen(
        [*command, "--out", str(out), "--jobs", "1", *extra],
        stdout=subprocess.DEVNULL,
        stderr=stderr,
    )


def _stored(work: Path, stage: str) -> int:
    try:
        with sqlite3.connect(work / FILE, timeout=0.1) as db:
            row = db.execute("SELECT COUNT(*) FROM results WHERE stage = ?", (stage,)).fetchone()
            return int(row[0])
    except sqlite3.Error:
        return 0


@pytest.mark.slow
def test_a_killed_report_resumes_to_the_same_bytes(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path / "corpus.jsonl")
    clean = tmp_path / "clean.json"
    assert _report(corpus, clean).wait(timeout=900) == 0

    work = tmp_path / "work"
    killed = tmp_path / "killed.json"
    run = _report(corpus, killed, "--work-dir", str(work))
    deadline = time.monotonic() + 900
    while _stored(work, "articles") < BATCH:  # part of the per-article results are stored
        assert run.poll() is None, "the run ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.02)
    run.send_signal(signal.SIGKILL)
    run.wait()
    stored = _stored(work, "articles")
    assert BATCH <= stored < ARTICLES
    assert not killed.exists()  # nothing half-written

    resumed = _report(corpus, killed, "--work-dir", str(work), "--resume")
    assert resumed.wait(timeout=900) == 0
    assert killed.read_bytes() == clean.read_bytes()
    assert _stored(work, "articles") == ARTICLES  # continued, each article stored once


def test_resume_with_another_configuration_is_refused(tmp_path: Path) -> None:
    corpus = tmp_path / "one.jsonl"
    corpus.write_text(json.dumps({"id": "x", "text": SENTENCES[0]}) + "\n", encoding="utf-8")
    work = tmp_path / "work"
    assert _report(corpus, tmp_path / "a.json", "--work-dir", str(work)).wait() == 0
    config = tmp_path / "provenance.toml"
    config.write_text("[fingerprint]\nmin_passage_chars = 30\n", encoding="utf-8")
    options = ("--work-dir", str(work), "--resume", "--config", str(config))
    other = _report(corpus, tmp_path / "b.json", *options, stderr=subprocess.PIPE)
    _, err = other.communicate()
    assert other.returncode == 2
    assert b"another configuration" in err
    assert err.count(b"\n") == 1  # one line, no traceback
    assert not (tmp_path / "b.json").exists()


def test_an_sqlite_error_during_the_run_names_the_work_store(tmp_path: Path) -> None:
    # a run killed part-way (its stored results cut back to two per stage, nothing
    # reduced), resumed while another process holds the store's write lock: the resumed run
    # gets SQLite's "database is locked" when it stores its next result, in mid-run
    corpus = _corpus(tmp_path / "corpus.jsonl")
    work = tmp_path / "work"
    assert _report(corpus, tmp_path / "a.json", "--work-dir", str(work)).wait() == 0
    holder = sqlite3.connect(work / FILE, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        holder.execute("DELETE FROM results WHERE seq >= 2")
        holder.execute("DELETE FROM reduced")
        holder.execute("COMMIT")
        holder.execute("BEGIN IMMEDIATE")  # held until the resumed run has failed
        out = tmp_path / "b.json"
        resumed = _report(corpus, out, "--work-dir", str(work), "--resume", stderr=subprocess.PIPE)
        _, err = resumed.communicate(timeout=600)
    finally:
        holder.close()
    assert resumed.returncode == 2
    assert err.decode().splitlines() == [f"error: {work / FILE}: work store: database is locked"]
    assert not out.exists()  # nothing half-written

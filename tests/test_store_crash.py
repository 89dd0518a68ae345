"""The index under kill -9 and under eight concurrent writers.

Articles are generated here from hand-written sentence templates (no evaluation data).
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from provenance.config import Config
from provenance.store import Fingerprinter, Store

ROOT = Path(__file__).resolve().parent.parent

SUBJECTS = (
    "The city council",
    "A regional court",
    "The health ministry",
    "Local farmers",
    "The central bank",
    "Rescue teams",
    "The opposition party",
    "Researchers at the university",
)
VERBS = ("announced", "rejected", "approved", "questioned", "postponed", "welcomed", "reviewed")
OBJECTS = (
    "a plan to rebuild the northern bridge",
    "new rules on water use",
    "the budget for next year",
    "a proposal to expand the port",
    "the report on air quality",
    "changes to the school calendar",
)
WHEN = ("on Monday", "after a long debate", "late on Friday", "in a statement", "this week")


def template_articles(count: int, seed: int = 7) -> list[dict[str, Any]]:
    """``count`` distinct short articles: 3-5 paragraphs of 1-3 templated sentences, each
    sentence carrying a random number so that no two articles share a paragraph."""
    rng = random.Random(seed)
    out = []
    for i in range(count):
        paragraphs = [
            " ".join(
                f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} "
                f"{rng.choice(WHEN)}, according to document {rng.randint(1, 10**9)}."
                for _ in range(rng.randint(1, 3))
            )
            for _ in range(rng.randint(3, 5))
        ]
        out.append(
            {
                "id": f"t-{i:05d}",
                "text": "\n\n".join(paragraphs),
                "outlet": f"Outlet {i % 7}",
                "published": f"2024-05-{1 + i % 28:02d}",
                "source_kind": "outlet",
            }
        )
    return out


def _write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


# Adds a JSONL file with the store's own add_articles, analysing with segmentation alone:
# this test is about the store's transactions, not about the (slower) boilerplate stages.
ADDER = """
import sys
from provenance import ingest
from provenance.config import Config, StoreConfig
from provenance.model import ArticleResult
from provenance.segment import Abbreviations, segment
from provenance.store import Fingerprinter, Store, add_articles

abbreviations = Abbreviations.load()
def analyze(articles, config):
    return [ArticleResult(a, segment(a.text, abbreviations)) for a in articles]

config = Config(index=StoreConfig(batch_size=int(sys.argv[3])))
articles = ingest.load([sys.argv[1]])
with Store(sys.argv[2], Fingerprinter(config), create=True) as store:
    add_articles(store, articles, config, analyze=analyze)
"""


def _count(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            return int(conn.execute("SELECT count(*) FROM articles").fetchone()[0])
    except sqlite3.Error:
        return 0


def _adder(source: Path, db: Path, batch: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", ADDER, str(source), str(db), str(batch)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _verify(db: Path) -> tuple[list[str], list[str]]:
    with Store(db, Fingerprinter(Config())) as store:
        ids = [r[0] for r in store.conn.execute("SELECT id FROM articles ORDER BY id")]
        return store.verify(), ids


@pytest.mark.slow
def test_kill_9_while_adding_10000_articles_leaves_a_consistent_index(tmp_path: Path) -> None:
    records = template_articles(10_000)
    source = _write_jsonl(tmp_path / "articles.jsonl", records)
    db = tmp_path / "index.sqlite"
    batch = 100
    rng = random.Random(3)
    seen = 0
    for _ in range(3):  # three crashes at different points of the run
        proc = _adder(source, db, batch)
        deadline = time.monotonic() + 300
        while _count(db) < seen + batch and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(rng.uniform(0.0, 1.0))  # somewhere inside a later batch
        assert proc.poll() is None, "the adder finished before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        problems, ids = _verify(db)
        assert problems == []
        # Batches are atomic: a crash never leaves part of one.
        assert len(ids) % batch == 0
        assert len(ids) == len(set(ids))
        assert seen < len(ids) < len(records)
        seen = len(ids)
    proc = _adder(source, db, batch)
    _, err = proc.communicate(timeout=900)
    assert proc.returncode == 0, err.decode()
    problems, ids = _verify(db)
    assert problems == []
    assert ids == [r["id"] for r in records]


@pytest.mark.slow
def test_eight_concurrent_writers_with_overlapping_sets(tmp_path: Path) -> None:
    records = template_articles(120, seed=11)
    config = tmp_path / "provenance.toml"
    config.write_text("[index]\nbatch_size = 5\n", encoding="utf-8")
    db = tmp_path / "shared" / "index.sqlite"  # created by whichever writer comes first
    procs = []
    for i in range(8):
        subset = [records[(i * 15 + k) % len(records)] for k in range(40)]
        source = _write_jsonl(tmp_path / f"part{i}.jsonl", subset)
        procs.append(
            subprocess.Popen(
                [
                    *(sys.executable, "-m", "provenance", "index", "add", str(source)),
                    *("--index", str(db), "--config", str(config)),
                ],
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
        )
    for proc in procs:
        _, err = proc.communicate(timeout=900)
        assert proc.returncode == 0, err.decode()
        assert b"locked" not in err.lower()
        assert b"busy" not in err.lower()
    problems, ids = _verify(db)
    assert problems == []
    assert ids == sorted({r["id"] for r in records})

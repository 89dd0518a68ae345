"""The work store: a report killed part-way resumes from its work folder, same bytes."""

from __future__ import annotations

import io
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from provenance import cli_common, pipeline
from provenance.config import Config
from provenance.match import candidates, claim_links, claims, reuse
from provenance.render import stream
from provenance.run import kernels
from provenance.run.kernels import Local, VectorSink
from provenance.run.stored import StoredMatrix
from provenance.run.workstore import BATCH, FILE, WorkStore, WorkStoreError
from provenance.semantic import DIMENSIONS
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


SEEDS = sorted(str(p) for p in (Path(__file__).parent.parent / "corpus").glob("*.json"))


def _embedding_report(work: Path, kernels: Local, *, resume: bool) -> bytes:
    """The JSON report of the seed corpus as the local engine makes it with a work store in
    ``work``, one process, ``kernels`` embedding the claims' sentences."""
    config = Config()
    store = WorkStore(work, resume=resume)
    try:
        articles = store.ingest(cli_common.stream(SEEDS, config, seen=store.seen()), config)
        run = pipeline.analyze_streamed(articles, config, store=store, kernels=kernels)
        out = io.StringIO()
        stream.write_json(out, run.corpus, run.outlets, run.articles, config)
        return out.getvalue().encode("utf-8")
    finally:
        store.close()


class _Killed(Exception):
    pass


class _Counting(Local):
    """Kernels that count the texts they are asked to embed, and stop the run (as a kill
    would) once ``stop_after`` runs of vectors are stored."""

    def __init__(self, stop_after: int | None = None) -> None:
        self.embedded = 0
        self.stop_after = stop_after

    def embed_into(self, texts: Sequence[str], model: str, sink: VectorSink) -> None:
        self.embedded += len(texts)
        stop_after = self.stop_after

        class Stopping:
            runs = 0

            def extend(self, rows: npt.NDArray[np.float32]) -> None:
                sink.extend(rows)
                self.runs += 1
                if self.runs == stop_after:
                    raise _Killed

        super().embed_into(texts, model, sink if stop_after is None else Stopping())


@pytest.mark.slow
def test_a_run_stopped_in_the_claims_keeps_the_reuse_side_and_the_vectors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # runs of a few texts (those of a few of the model's micro-batches), so that the seed
    # articles' claim sentences take many
    monkeypatch.setattr(kernels, "EMBED_BLOCK", 16)
    whole = _Counting()
    clean = _embedding_report(tmp_path / "clean", whole, resume=False)
    assert whole.embedded > 5 * 16  # more than five runs to embed

    work = tmp_path / "work"
    with pytest.raises(_Killed):
        _embedding_report(work, _Counting(stop_after=3), resume=False)
    kept = np.fromfile(work / "claim-vectors.f32", dtype="<f4").size // DIMENSIONS
    assert 3 <= kept < whole.embedded  # three runs of at least one text, not all

    def made_again(*args: object) -> None:
        raise AssertionError("the reuse side was kept before the claims: not made again")

    monkeypatch.setattr(reuse, "find_links", made_again)
    rest = _Counting()
    assert _embedding_report(work, rest, resume=True) == clean
    assert rest.embedded == whole.embedded - kept  # the stored vectors were not made again
    assert not (work / "claim-vectors.f32").exists()  # gone once the results are stored


STEPS = [f"{name}.npz" for name in claim_links.CHECKPOINTS]


def _stop(*args: object) -> None:
    raise _Killed


def _made_again(*args: object) -> None:
    raise AssertionError("kept by the run that stopped: not made again")


@pytest.mark.slow
def test_a_run_stopped_after_the_claim_links_takes_up_each_kept_step(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clean = _embedding_report(tmp_path / "clean", Local(), resume=False)
    assert not any((tmp_path / "clean" / name).exists() for name in STEPS)

    work = tmp_path / "work"
    with monkeypatch.context() as stopped:  # killed as the groups are made: every step kept
        stopped.setattr(claims, "claim_table", _stop)
        with pytest.raises(_Killed):
            _embedding_report(work, Local(), resume=False)
    assert all((work / name).exists() for name in STEPS)

    for step in ("_lexical_candidates", "semantic_pairs", "_accepted"):
        monkeypatch.setattr(claim_links, step, _made_again)
    assert _embedding_report(work, Local(), resume=True) == clean
    assert not any((work / name).exists() for name in STEPS)  # gone once stored


@pytest.mark.slow
def test_a_run_stopped_in_the_semantic_pairs_keeps_the_lexical_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clean = _embedding_report(tmp_path / "clean", Local(), resume=False)
    work = tmp_path / "work"
    with monkeypatch.context() as stopped:
        stopped.setattr(claim_links, "semantic_pairs", _stop)
        with pytest.raises(_Killed):
            _embedding_report(work, Local(), resume=False)
    kept = [name for name in claim_links.CHECKPOINTS if (work / f"{name}.npz").exists()]
    assert kept == [claim_links.LEXICAL]

    monkeypatch.setattr(claim_links, "_lexical_candidates", _made_again)
    assert _embedding_report(work, Local(), resume=True) == clean


@pytest.mark.slow
def test_lexical_candidates_spilled_in_parts_give_the_same_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The seed corpus's claim texts ranked in parts of 8 rows, their pairs dealt to files
    beside the work store (as a million articles' are, in parts of 262,144 rows): the same
    report bytes as in one part; the files were made, and are gone (the passages' links,
    dealt by text and grouped, too)."""
    clean = _embedding_report(tmp_path / "clean", Local(), resume=False)
    made: list[str] = []
    beside = StoredMatrix.beside

    def spill(self: StoredMatrix, name: str, width: int) -> StoredMatrix:
        made.append(name)
        return beside(self, name, width)

    monkeypatch.setattr(candidates, "_PART_ROWS", 8)
    monkeypatch.setattr(StoredMatrix, "beside", spill)
    work = tmp_path / "work"
    assert _embedding_report(work, Local(), resume=False) == clean
    assert {name.rsplit("-", 1)[0] for name in made} == {
        "scratch-lsh-first",
        "scratch-lsh-second",
        "scratch-lsh-kept",
        "scratch-links",
    }
    assert not list(work.glob("scratch-*"))


@pytest.mark.parametrize("resume", [False, True])
def test_scratch_files_a_stopped_step_left_are_removed_when_the_store_opens(
    tmp_path: Path, resume: bool
) -> None:
    """Bucket files of an LSH step stopped part way (never read again: the step starts
    over) go when the store is opened again, resumed or not; the store's other files
    stay."""
    store = WorkStore(tmp_path, resume=False)
    store.keep_arrays("c", {"codes": np.arange(3, dtype=np.int64)})
    store.close()
    (tmp_path / "scratch-lsh-first-3.u32").write_bytes(b"\0" * 8)
    (tmp_path / "scratch-lsh-kept-0.u32").write_bytes(b"")
    WorkStore(tmp_path, resume=resume).close()
    assert not list(tmp_path.glob("scratch-*"))
    assert (tmp_path / "c.npz").exists()  # kept arrays are the store's to drop, or to ignore
    assert (tmp_path / FILE).exists()


def _kept_codes(folder: Path) -> Path:
    """A work store in ``folder`` that keeps arrays ``c``: codes 0..9 and one flag."""
    store = WorkStore(folder, resume=False)
    store.keep_arrays("c", {"codes": np.arange(10, dtype=np.int64), "flags": np.ones(1, bool)})
    store.close()
    return folder / "c.npz"


def test_kept_arrays_come_back_as_kept_until_dropped(tmp_path: Path) -> None:
    path = _kept_codes(tmp_path)
    store = WorkStore(tmp_path, resume=True)
    kept = store.kept_arrays("c")
    assert kept is not None
    assert kept["codes"].tolist() == list(range(10))
    assert kept["codes"].dtype == np.int64
    assert kept["flags"].tolist() == [True]
    assert store.kept_arrays("other") is None
    store.drop_arrays("c")
    assert store.kept_arrays("c") is None
    assert not path.exists()
    store.close()


def test_kept_arrays_belong_to_their_run(tmp_path: Path) -> None:
    path = _kept_codes(tmp_path)
    fresh = WorkStore(tmp_path, resume=False)  # a new run: the file is not its own
    assert path.exists()
    assert fresh.kept_arrays("c") is None
    fresh.close()


def test_kept_arrays_that_were_not_recorded_are_not_read(tmp_path: Path) -> None:
    store = WorkStore(tmp_path, resume=False)
    (tmp_path / "c.npz").write_bytes(b"a file a killed write left")  # never recorded
    assert store.kept_arrays("c") is None
    store.close()


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda p: os.truncate(p, p.stat().st_size - 1), "not the size recorded"),
        (lambda p: p.write_bytes(b"\0" * p.stat().st_size), "cannot be read"),
        (lambda p: p.unlink(), "cannot be read"),
    ],
)
def test_damaged_kept_arrays_are_refused(
    tmp_path: Path, damage: Callable[[Path], object], message: str
) -> None:
    damage(_kept_codes(tmp_path))
    store = WorkStore(tmp_path, resume=True)
    with pytest.raises(WorkStoreError, match=message):
        store.kept_arrays("c")
    store.close()


def _three_ones(folder: Path) -> None:
    """A work store in ``folder`` whose kept rows ``v`` are three rows of four ones."""
    store = WorkStore(folder, resume=False)
    rows = store.kept_rows("v", 4)
    rows.extend(np.ones((3, 4), dtype=np.float32))
    rows.close()
    store.close()


def test_vector_rows_after_the_last_record_are_dropped_on_resume(tmp_path: Path) -> None:
    _three_ones(tmp_path)
    with (tmp_path / "v.f32").open("ab") as handle:  # half a row, written but not recorded
        handle.write(b"\x00" * 10)

    store = WorkStore(tmp_path, resume=True)
    again = store.kept_rows("v", 4)
    assert len(again) == 3
    again.extend(np.full((1, 4), 2, dtype=np.float32))
    assert again[[0, 3]].tolist() == [[1.0] * 4, [2.0] * 4]
    again.close()
    store.close()
    assert (tmp_path / "v.f32").stat().st_size == 4 * 4 * 4

    fresh = WorkStore(tmp_path, resume=False)  # a new run starts with no rows
    assert len(fresh.kept_rows("v", 4)) == 0
    fresh.close()


def test_vector_rows_shorter_than_recorded_are_refused(tmp_path: Path) -> None:
    _three_ones(tmp_path)
    os.truncate(tmp_path / "v.f32", 2 * 4 * 4)
    store = WorkStore(tmp_path, resume=True)
    with pytest.raises(WorkStoreError, match="ends before its recorded rows"):
        store.kept_rows("v", 4)
    store.close()


@pytest.mark.parametrize("limited", [True, False])
def test_the_journal_is_cut_back_once_its_pages_are_in_the_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, limited: bool
) -> None:
    """A reduction of ~4.6 MB kept whole is one transaction: the journal grows past 4 MB
    (SQLite copies it into the store at commit, its pages being over 1,000). The next
    write starts the journal again and, with ``WAL_LIMIT`` at 64 KB, cuts the file back to
    that; with no limit (-1: SQLite's default) it keeps its size."""
    from provenance.run import workstore as module

    monkeypatch.setattr(module, "WAL_LIMIT", 1 << 16 if limited else -1)
    store = WorkStore(tmp_path, resume=False)
    try:
        store.keep("reduced", "Seoul said the talks would resume on Monday. " * 100_000)
        wal = tmp_path / "work.sqlite-wal"
        grown = wal.stat().st_size
        assert grown > 4 << 20
        assert list(store.append("stage", range(3))) == [0, 1, 2]  # one small write
        assert (wal.stat().st_size <= 1 << 16) is limited
    finally:
        store.close()


def test_reading_results_while_texts_are_stored_keeps_the_journal_short(tmp_path: Path) -> None:
    """The passages' step reads every stored result while it stores texts (committed a
    few hundred at a time). Had the reading held one statement open, its snapshot would
    keep SQLite from copying the journal into the store until it ended: the journal
    would grow by every text (768 of 16 KB: over 12 MB). Read a page at a time, it is
    copied back at each commit past 1,000 pages (SQLite's automatic checkpoint, 4 MB of
    4 KB pages) and starts again from its beginning, so it stays under twice that."""
    store = WorkStore(tmp_path, resume=False)
    try:
        list(store.append("results", (f"r{k}" for k in range(4 * BATCH))))
        texts = store.texts("passages")
        batch: list[str] = []
        read = []
        for k, result in enumerate(store.results("results")):
            read.append(result)
            if k % 4 < 3:  # 3 texts of 16 KB for every 4 results: 768 of them
                batch.append(f"{k:08d}" * 2048)
            if len(batch) == 64:
                texts.extend(batch)
                batch.clear()
        assert read == [f"r{k}" for k in range(4 * BATCH)]
        assert len(texts) == 768
        assert texts.many([0, 767]) == ["00000000" * 2048, f"{4 * BATCH - 2:08d}" * 2048]
        assert (tmp_path / "work.sqlite-wal").stat().st_size < 8 << 20
    finally:
        store.close()


def test_another_process_reads_stored_results_beside_the_run(tmp_path: Path) -> None:
    """A pool's worker reads a block of stored results from the store's file, read-only,
    while the run holds the store open and writes on; a block the store does not hold
    whole, or a damaged row, is one error naming the file."""
    from provenance.run.workstore import read_results

    store = WorkStore(tmp_path / "my work", resume=False)
    try:
        deque(store.append("s", ({"n": k} for k in range(10))), maxlen=0)
        with ProcessPoolExecutor(max_workers=1) as workers:
            read = workers.submit(read_results, store.path, "s", 3, 7)
            deque(store.append("t", ["later"]), maxlen=0)  # the run writes on
            assert read.result() == [{"n": k} for k in range(3, 7)]
        assert read_results(store.path, "s", 0, 0) == []
        with pytest.raises(WorkStoreError, match=r"my work.*s 8-12 missing"):
            read_results(store.path, "s", 8, 12)
        with store._db:
            store._db.execute("UPDATE results SET blob = x'00' WHERE stage = 's' AND seq = 5")
        with pytest.raises(WorkStoreError, match="cannot be read"):
            read_results(store.path, "s", 4, 6)
        with pytest.raises(WorkStoreError, match="cannot read the work store"):
            read_results(tmp_path / "none" / FILE, "s", 0, 1)
    finally:
        store.close()

"""The local engine's articles go from ingest into the work store as they are read, are
numbered there in id order and read back one at a time: same articles, same errors (a
repeated id named with where it was first seen), same report, and a resume that reads its
input again and refuses other input."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from provenance import ingest, pipeline
from provenance.config import Config
from provenance.errors import InputErrors
from provenance.model import Article
from provenance.run.local import Serial
from provenance.run.workstore import (
    BATCH,
    FILE,
    INBOX,
    StoredArticles,
    WorkStore,
    WorkStoreError,
    run_key,
)
from tests.hostile.conftest import CORPUS, cli
from tests.test_pipeline import POOL

FAST = '[claims]\nmodel = "none"\n'  # no sentence model: quicker, the store the same kind


def _stored(store: WorkStore, paths: list[str], config: Config) -> StoredArticles:
    return store.ingest(ingest.stream(paths, config.ingest, seen=store.seen()), config)


def _jsonl(path: Path, ids: list[str], *, changed: str | None = None) -> Path:
    with path.open("w", encoding="utf-8") as handle:
        for i in ids:
            k = sorted(ids).index(i)  # an article is the same whatever the input order
            text = f"Story {i} says {POOL[k % len(POOL)]}"
            if i == changed:
                text += " One more sentence."
            record = {"id": i, "text": text, "outlet": f"Outlet {k % 3}"}
            handle.write(json.dumps(record) + "\n")
    return path


def test_stored_articles_are_the_loaded_ones_in_id_order(tmp_path: Path) -> None:
    config = Config()
    # input order is not id order; "é" (U+00E9) sorts after "z" by code point, as in Python
    ids = ["b", "é", "a10", "a9", "z", "a"]
    corpus = _jsonl(tmp_path / "c.jsonl", ids)
    loaded = ingest.load([str(corpus)], config.ingest)
    store = WorkStore(tmp_path / "work", resume=False)
    try:
        stored = _stored(store, [str(corpus)], config)
        assert len(stored) == len(ids)
        assert list(stored) == loaded  # every field, text and origin included
        assert [a.id for a in stored] == ["a", "a10", "a9", "b", "z", "é"]
        assert stored[1] == loaded[1]
        assert stored[-1].id == "é"
        middle = stored[2:5]  # a view on the store, not a list
        assert isinstance(middle, StoredArticles)
        assert [a.id for a in middle] == ["a9", "b", "z"]
        assert [a.id for a in middle[1:]] == ["b", "z"]
        assert stored[::2] == [loaded[0], loaded[2], loaded[4]]
        assert len(stored[7:]) == 0
        with pytest.raises(IndexError):
            stored[6]
        assert list(stored.outlets()) == [(a.id, a.outlet) for a in loaded]
        with sqlite3.connect(tmp_path / "work" / FILE) as db:
            (run,) = db.execute("SELECT value FROM meta WHERE key = 'run'").fetchone()
            tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master")}
        assert run == run_key(loaded, config)  # the key of what was stored
        # the articles as read were in a file of their own, gone once they are numbered
        assert "incoming" not in tables
        assert not (tmp_path / "work" / INBOX).exists()
    finally:
        store.close()


def test_stored_articles_report_the_same_bytes_as_a_list(tmp_path: Path) -> None:
    from provenance.render import stream

    config = Config.from_mapping({"claims": {"model": "none"}}, "test")
    loaded = ingest.load([str(CORPUS)], config.ingest)

    def written(articles: list[Article] | StoredArticles, store: WorkStore | None) -> str:
        run = pipeline.analyze_streamed(articles, config, executor=Serial(), store=store)
        path = tmp_path / "r.json"
        with path.open("w", encoding="utf-8") as handle:
            stream.write_json(handle, run.corpus, run.outlets, run.articles, config)
        return path.read_text(encoding="utf-8")

    store = WorkStore(tmp_path / "work", resume=False)
    try:
        assert written(_stored(store, [str(CORPUS)], config), store) == written(loaded, None)
    finally:
        store.close()


def _lines(exc: InputErrors) -> list[str]:
    return [e.one_line() for e in exc.errors]


def test_a_repeated_id_is_refused_as_in_memory(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    _jsonl(tmp_path / "in" / "a.jsonl", ["x", "dup", "y"])
    _jsonl(tmp_path / "in" / "b.jsonl", ["z", "dup", "w", "dup"])
    paths = [str(tmp_path / "in")]
    with pytest.raises(InputErrors) as in_memory:
        ingest.load(paths)
    store = WorkStore(tmp_path / "work", resume=False)
    try:
        with pytest.raises(InputErrors) as in_store:
            _stored(store, paths, Config())
    finally:
        store.close()
    assert _lines(in_store.value) == _lines(in_memory.value)
    assert _lines(in_store.value) == [
        f"{tmp_path / 'in' / 'b.jsonl'}: line {n}: $.id: duplicate id 'dup', first seen in "
        f"{tmp_path / 'in' / 'a.jsonl'} line 2"
        for n in (2, 4)
    ]


def test_articles_given_without_their_ids_recorded_still_refuse_a_repeat(
    tmp_path: Path,
) -> None:
    store = WorkStore(tmp_path, resume=False)
    try:
        with pytest.raises(WorkStoreError, match="duplicate article id 'a'"):
            store.ingest(
                [Article("a", "One."), Article("b", "Two."), Article("a", "Three.")], Config()
            )
    finally:
        store.close()


def _report(tmp_path: Path, corpus: Path, out: Path, *extra: str) -> tuple[int, str]:
    config = tmp_path / "fast.toml"
    config.write_text(FAST, encoding="utf-8")
    args = [str(corpus), "-f", "json", "-o", str(out), "-j", "1", "--config", str(config)]
    run = cli("report", *args, *extra)
    return run.code, run.stderr


def test_bad_input_with_a_new_work_dir_leaves_nothing(tmp_path: Path) -> None:
    corpus = _jsonl(tmp_path / "c.jsonl", ["a", "b", "a"])
    work = tmp_path / "work"
    code, stderr = _report(tmp_path, corpus, tmp_path / "r.json", "--work-dir", str(work))
    assert code == 2
    assert stderr.splitlines() == [
        f"error: {corpus}: line 3: $.id: duplicate id 'a', first seen in {corpus} line 1"
    ]
    assert not work.exists()  # neither the store nor the folder this run made
    assert not (tmp_path / "r.json").exists()


def test_bad_input_on_resume_leaves_the_run_to_continue(tmp_path: Path) -> None:
    ids = [f"a{k}" for k in range(6)]
    corpus = _jsonl(tmp_path / "c.jsonl", ids)
    work = tmp_path / "work"
    clean = tmp_path / "clean.json"
    assert _report(tmp_path, corpus, clean, "--work-dir", str(work))[0] == 0
    bad = _jsonl(tmp_path / "bad.jsonl", [*ids, "a0"])
    code, stderr = _report(tmp_path, bad, tmp_path / "r.json", "--work-dir", str(work), "--resume")
    assert (code, len(stderr.splitlines())) == (2, 1)
    assert "duplicate id 'a0'" in stderr
    again = tmp_path / "again.json"
    assert _report(tmp_path, corpus, again, "--work-dir", str(work), "--resume")[0] == 0
    assert again.read_bytes() == clean.read_bytes()


def test_a_resume_with_other_articles_is_refused(tmp_path: Path) -> None:
    ids = [f"a{k}" for k in range(6)]
    corpus = _jsonl(tmp_path / "c.jsonl", ids)
    work = tmp_path / "work"
    assert _report(tmp_path, corpus, tmp_path / "a.json", "--work-dir", str(work))[0] == 0
    other = _jsonl(tmp_path / "other.jsonl", ids, changed="a3")  # one text longer
    out = tmp_path / "b.json"
    code, stderr = _report(tmp_path, other, out, "--work-dir", str(work), "--resume")
    assert code == 2
    assert stderr.splitlines() == [
        f"error: {work}: the work folder holds a run of other articles or another "
        "configuration; use another folder or run without --resume"
    ]
    assert not out.exists()
    # the same articles in another input order are the same run
    shuffled = _jsonl(tmp_path / "shuffled.jsonl", ids[::-1])
    code, stderr = _report(tmp_path, shuffled, out, "--work-dir", str(work), "--resume")
    assert code == 0, stderr
    assert out.read_bytes() == (tmp_path / "a.json").read_bytes()


def test_a_run_stopped_while_reading_its_input_resumes(tmp_path: Path) -> None:
    ids = [f"s{k:04d}" for k in range(BATCH + 40)]
    corpus = _jsonl(tmp_path / "c.jsonl", ids)
    clean = tmp_path / "clean.json"
    assert _report(tmp_path, corpus, clean)[0] == 0
    work = tmp_path / "work"
    config = Config.from_mapping({"claims": {"model": "none"}}, "test")
    store = WorkStore(work, resume=False)

    def stopped() -> Iterator[Article]:  # a kill after more than a batch was committed
        for k, article in enumerate(ingest.stream([str(corpus)], config.ingest, seen=store.seen())):
            if k == BATCH + 10:
                raise KeyboardInterrupt
            yield article

    with pytest.raises(KeyboardInterrupt):
        store.ingest(stopped(), config)
    store.close()
    with sqlite3.connect(work / INBOX) as db:
        (read,) = db.execute("SELECT COUNT(*) FROM incoming").fetchone()
    assert read >= BATCH  # what was read before the stop is in the work folder
    resumed = tmp_path / "resumed.json"
    code, stderr = _report(tmp_path, corpus, resumed, "--work-dir", str(work), "--resume")
    assert code == 0, stderr
    assert resumed.read_bytes() == clean.read_bytes()
    with sqlite3.connect(work / FILE) as db:
        assert db.execute("SELECT COUNT(*) FROM articles").fetchone() == (len(ids),)
    assert not (work / INBOX).exists()  # read again, then removed


@pytest.mark.parametrize("watched", [False, True])
def test_the_numbered_articles_are_written_once_not_through_the_journal(
    tmp_path: Path, watched: bool
) -> None:
    """1,600 articles of ~3 KB read and numbered: the store holds them (over 4.6 MB), the
    WAL journal that the later stages write through stays empty (the numbering is one
    transaction of a rollback journal, which an append to an empty table barely uses), and
    the store is in WAL mode again afterwards, its later writes through that journal.
    With another connection open on the store (``watched``: SQLite then keeps it in WAL
    mode) they go through the WAL journal instead (over 4.6 MB of it), the same articles."""
    text = "Seoul said the talks would resume on Monday. " * 60
    articles = [Article(f"a{k:05d}", text, outlet="X") for k in range(1600)]
    store = WorkStore(tmp_path, resume=False)
    watcher = sqlite3.connect(tmp_path / FILE) if watched else None
    if watcher is not None:  # open on the store once it has read from it
        assert watcher.execute("SELECT value FROM meta").fetchone() == ("reading",)
    try:
        stored = store.ingest(articles, Config())
        assert [a.id for a in stored[:2]] == ["a00000", "a00001"]
        assert stored[1599] == articles[1599]
        assert store.size() > 1600 * len(text)
        wal = tmp_path / f"{FILE}-wal"
        through = wal.stat().st_size if wal.exists() else 0
        assert (through > 1600 * len(text)) is watched
        assert through == 0 or watched
        assert not (tmp_path / f"{FILE}-journal").exists()  # committed
        assert store._db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert list(store.append("stage", range(3))) == [0, 1, 2]
        assert wal.stat().st_size > 0
    finally:
        store.close()
        if watcher is not None:
            watcher.close()


def test_a_resumed_run_leaves_its_numbered_articles_where_they_are(tmp_path: Path) -> None:
    """A resumed run's articles were numbered with its key, in one transaction: the resume
    reads its input again (the key), but does not delete and write them again (they took
    the pages the delete freed, all over the store, and a later pass over them read the
    disk at random: a resumed 1M report's outlet table, for minutes). A mark put on a
    stored row by hand is still there after the resumed ingest; the articles read back
    are the input's."""
    articles = [Article(f"a{k:02d}", f"Story {k} says {POOL[k % len(POOL)]}") for k in range(50)]
    store = WorkStore(tmp_path, resume=False)
    try:
        assert list(store.ingest(articles, Config())) == articles
    finally:
        store.close()
    db = sqlite3.connect(tmp_path / FILE)
    with db:
        db.execute("UPDATE articles SET outlet = 'mark' WHERE seq = 7")
    db.close()
    store = WorkStore(tmp_path, resume=True)
    try:
        stored = store.ingest(articles, Config())
        assert list(stored) == articles
        assert list(stored.outlets())[7] == ("a07", "mark")
    finally:
        store.close()

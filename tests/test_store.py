"""The persistent index: idempotent adds, changed texts, parameters, removal, the CLI, the
deep check of a damaged index, lock waits and the messages of SQLite errors."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from provenance import pipeline
from provenance.cli import app
from provenance.config import Config, FingerprintConfig, QuoteConfig, StoreConfig
from provenance.errors import ConfigError, StoreError
from provenance.fingerprint import shingles
from provenance.match.candidates import Banding
from provenance.match.claims import claim_shingles, load_stopwords
from provenance.match.signatures import BatchSigner
from provenance.model import Article, ArticleResult, SourceKind
from provenance.store import (
    AddSummary,
    Entry,
    Fingerprinter,
    Store,
    add_articles,
    content_hash,
    describe_sqlite_error,
    ops,
    rebuild,
    ref_parts,
    verify,
)
from provenance.store import sqlite as store_sqlite
from provenance.store.keys import QUOTE_SALT, QUOTE_SEQ
from provenance.store.sqlite import APPLICATION_ID, PutResult

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
runner = CliRunner()


def _open(path: Path, config: Config | None = None, create: bool = True) -> Store:
    return Store(path, Fingerprinter(config or Config()), create=create)


def _rows(store: Store, table: str) -> int:
    return int(store.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def test_add_is_idempotent_and_complete(
    tmp_path: Path, corpus_articles: dict[str, Article]
) -> None:
    articles = list(corpus_articles.values())
    with _open(tmp_path / "i.sqlite") as store:
        first = add_articles(store, articles, Config())
        rows = (_rows(store, "articles"), _rows(store, "passages"), _rows(store, "bands"))
        second = add_articles(store, articles, Config())
        assert (first.added, first.unchanged) == (5, 0)
        assert (second.added, second.unchanged) == (0, 5)
        assert (_rows(store, "articles"), _rows(store, "passages"), _rows(store, "bands")) == rows
        # one band row per band per indexed paragraph
        assert rows[2] == rows[1] * store.fp.bands
        assert store.verify() == []


def test_passage_texts_are_slices_of_the_stored_text(
    tmp_path: Path, corpus_articles: dict[str, Article]
) -> None:
    article = corpus_articles["000"]
    with _open(tmp_path / "i.sqlite") as store:
        add_articles(store, [article], Config())
        rows = store.conn.execute('SELECT start, "end", text FROM passage_texts').fetchall()
    assert rows
    for start, end, text in rows:
        assert text == article.text[start:end]


def _add_one(store: Store, article: Article) -> tuple[ArticleResult, Entry]:
    """Index one article; its analysis and the entry the index made of it."""
    add_articles(store, [article], Config())
    (result,) = pipeline.analyze_each([article])
    return result, store.fp.entry(result)


def test_a_passage_finds_itself_in_every_band(
    tmp_path: Path, corpus_articles: dict[str, Article]
) -> None:
    with _open(tmp_path / "i.sqlite") as store:
        _, entry = _add_one(store, corpus_articles["003"])
        hits = store.hits(entry.passages[0].keys)
        assert max(hits.values()) == store.fp.bands
        assert store.fp.estimate(store.fp.bands) == 1.0


def test_quotations_are_units_of_their_own_that_only_quotations_meet(
    tmp_path: Path, corpus_articles: dict[str, Article]
) -> None:
    article = corpus_articles["004"]
    with _open(tmp_path / "i.sqlite") as store:
        result, entry = _add_one(store, article)
        # every quotation of 4 words or more (8 of the 10: “strategic consultations.” and
        # “escalating provocations” are too short) is stored from QUOTE_SEQ on
        assert [article.text[q.start : q.end][:12] for q in entry.quotes][:2] == [
            "“shared comm",
            "“building a ",
        ]
        assert len(entry.quotes) == 8
        seqs = [seq for (seq,) in store.conn.execute("SELECT seq FROM passages ORDER BY seq")]
        assert seqs == [*range(len(entry.passages)), *range(QUOTE_SEQ, QUOTE_SEQ + 8)]
        # the same words meet their unit in every band, whoever another article names as
        # the speaker (the attribution is outside the quotation)
        watson = next(q for q in result.quotes if q.speaker == "Adrienne Watson")
        hits = store.hits(store.fp.quote_keys(watson.text))
        (ref,) = [r for r, n in hits.items() if n == store.fp.bands]
        assert ref_parts(ref)[1] >= QUOTE_SEQ
        # sentence keys never meet quotation units (their keys are salted)
        for p in entry.passages:
            assert all(ref_parts(r)[1] < QUOTE_SEQ for r in store.hits(p.keys))


def test_changed_text_is_refused_unless_replace(
    tmp_path: Path, corpus_articles: dict[str, Article]
) -> None:
    article = corpus_articles["001"]
    changed = replace(article, text=article.text + "\n\nA paragraph added after publication.")
    with _open(tmp_path / "i.sqlite") as store:
        add_articles(store, [article], Config())
        with pytest.raises(StoreError, match=article.id):
            add_articles(store, [changed], Config())
        summary = add_articles(store, [changed], Config(), replace=True)
        assert summary.replaced == 1
        stored = store.conn.execute("SELECT text FROM articles").fetchall()
        assert stored == [(changed.text,)]
        assert store.verify() == []


def test_other_fingerprint_parameters_are_refused_and_rebuild_fixes_them(
    tmp_path: Path, corpus_articles: dict[str, Article]
) -> None:
    path = tmp_path / "i.sqlite"
    with _open(path) as store:
        add_articles(store, list(corpus_articles.values()), Config())
    other = Config(fingerprint=FingerprintConfig(num_perm=64), index=StoreConfig(bands=8))
    with pytest.raises(StoreError, match="provenance index rebuild") as info:
        _open(path, other, create=False)
    assert "num_perm=128 (now 64)" in str(info.value)
    with Store(path, Fingerprinter(other), check_meta=False) as store:
        assert rebuild(store, other) == 5
    with _open(path, other, create=False) as store:
        assert store.verify() == []
        assert store.stats().meta["num_perm"] == "64"


def test_another_format_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "i.sqlite"
    _open(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE meta SET value = '0' WHERE key = 'format_version'")
    with pytest.raises(StoreError, match="delete the file"):
        _open(path, create=False)


def test_missing_index_is_not_created_by_readers(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="provenance index add"):
        _open(tmp_path / "none.sqlite", create=False)
    assert not (tmp_path / "none.sqlite").exists()


def test_nothing_is_pickled(tmp_path: Path, corpus_articles: dict[str, Article]) -> None:
    with _open(tmp_path / "i.sqlite") as store:
        add_articles(store, list(corpus_articles.values()), Config())
        tables = [
            r[0] for r in store.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        for table in tables:
            for row in store.conn.execute(f"SELECT * FROM {table}"):
                for value in row:
                    assert value is None or isinstance(value, int | str | bytes)
                    if isinstance(value, bytes):
                        assert len(value) == 16  # the content hash, nothing else
                        assert not value.startswith(b"\x80")  # no pickle protocol header


def test_remove_by_id_outlet_and_date(tmp_path: Path, corpus_articles: dict[str, Article]) -> None:
    dated = [
        replace(corpus_articles["000"], id="a", outlet="X", published="2024-01-05"),
        replace(corpus_articles["001"], id="b", outlet="X", published="2024-03-01"),
        replace(corpus_articles["002"], id="c", outlet="Y", published="2024-01-01"),
        replace(corpus_articles["003"], id="d", outlet="Y", published=None),
    ]
    with _open(tmp_path / "i.sqlite") as store:
        add_articles(store, dated, Config())
        assert store.remove(outlet="X", before="2024-02-01") == ["a"]
        assert store.remove(before="2024-02-01") == ["c"]
        assert store.remove(ids=["d", "zz"]) == ["d"]
        assert [r[0] for r in store.conn.execute("SELECT id FROM articles")] == ["b"]
        assert store.verify() == []
        # band rows of removed articles are gone, not left behind
        assert _rows(store, "bands") == _rows(store, "passages") * store.fp.bands
        with pytest.raises(StoreError, match="needs --ids"):
            store.remove()


def test_cli_add_stats_remove(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PROVENANCE_INDEX", str(tmp_path / "env.sqlite"))
    added = runner.invoke(app, ["index", "add", str(CORPUS)])
    assert added.exit_code == 0, added.output
    assert "added 5" in added.output
    again = runner.invoke(app, ["index", "add", str(CORPUS)])
    assert "unchanged 5" in again.output
    stats = runner.invoke(app, ["index", "stats", "--format", "json", "--verify"])
    assert stats.exit_code == 0, stats.output
    data = json.loads(stats.output)
    assert data["articles"] == 5
    assert data["problems"] == []
    assert data["meta"]["scheme"] == "affine32"
    bad = runner.invoke(app, ["index", "remove", "--before", "yesterday"])
    assert bad.exit_code == 2
    removed = runner.invoke(app, ["index", "remove", "--ids", "000_3f8e6b0e94d37dc3,nope"])
    assert "removed 1" in removed.output
    assert not (tmp_path / ".provenance").exists()  # the variable replaced the default path


def test_cli_changed_text_exits_2_naming_the_id(tmp_path: Path) -> None:
    record = json.loads((CORPUS / "003_ccb038054484d1e6.json").read_text(encoding="utf-8"))
    first = tmp_path / "a.json"
    first.write_text(json.dumps(record), encoding="utf-8")
    record["text"] += "\n\nCorrection: an earlier version misstated the date."
    second = tmp_path / "b.json"
    second.write_text(json.dumps(record), encoding="utf-8")
    index = str(tmp_path / "i.sqlite")
    assert runner.invoke(app, ["index", "add", str(first), "--index", index]).exit_code == 0
    refused = runner.invoke(app, ["index", "add", str(second), "--index", index])
    assert refused.exit_code == 2
    assert record["id"] in refused.output
    replaced = runner.invoke(app, ["index", "add", str(second), "--index", index, "--replace"])
    assert replaced.exit_code == 0
    assert "replaced 1" in replaced.output


def test_a_file_that_is_not_an_index_is_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite"
    path.write_text("these are notes, not a database\n" * 200, encoding="utf-8")
    with pytest.raises(StoreError, match=r"notes\.sqlite"):
        _open(path, create=False)


def test_cli_refuses_other_parameters_and_rebuild_follows_the_advice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    index = str(tmp_path / "i.sqlite")
    (tmp_path / "provenance.toml").write_text("[index]\nbands = 6\n", encoding="utf-8")
    assert runner.invoke(app, ["index", "add", str(CORPUS), "--index", index]).exit_code == 0
    (tmp_path / "provenance.toml").unlink()  # back to the default 8 bands
    one = str(CORPUS / "000_3f8e6b0e94d37dc3.json")
    refused = runner.invoke(app, ["check", one, "--index", index])
    assert refused.exit_code == 2
    assert "bands=6 (now 8)" in refused.output
    assert f"provenance index rebuild --index {index}" in refused.output
    rebuilt = runner.invoke(app, ["index", "rebuild", "--index", index])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "rebuilt 5 articles" in rebuilt.output
    assert runner.invoke(app, ["check", one, "--index", index]).exit_code == 0


def test_a_reader_does_not_wait_for_a_writer(
    tmp_path: Path, corpus_articles: dict[str, Article]
) -> None:
    """Opening an existing index and checking against it only reads: it goes through while
    another process holds the write lock (WAL readers see the last committed state)."""
    from provenance import check

    path = tmp_path / "i.sqlite"
    with _open(path) as store:
        add_articles(store, list(corpus_articles.values()), Config())
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("DELETE FROM articles")  # uncommitted: readers must not see it
    try:
        reader = Store(path, Fingerprinter(Config()), lock_timeout_s=0.2)
        with reader:
            assert _rows(reader, "articles") == 5
            copy = replace(corpus_articles["003"], id="copy-of-003")
            results = pipeline.analyze_each([copy], Config())
            verdict = check.run(results, reader, Config())
        findings = {f.kind for f in verdict.articles[0].findings}
        assert check.FindingKind.NEAR_DUPLICATE in findings  # the indexed 003 was found
        other = Store(path, Fingerprinter(Config()), lock_timeout_s=0.2)
        with other, pytest.raises(StoreError, match="locked"):  # a writer waits, gives up
            other.transaction().__enter__()
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def test_a_new_index_uses_the_configured_page_size(
    tmp_path: Path, corpus_articles: dict[str, Article]
) -> None:
    for size in (4096, 16384):
        path = tmp_path / f"p{size}.sqlite"
        with Store(path, Fingerprinter(Config()), create=True, page_size=size) as store:
            add_articles(store, list(corpus_articles.values()), Config())
        # an existing file keeps its page size whatever a later open asks for
        with Store(path, Fingerprinter(Config()), page_size=8192) as store:
            assert store.conn.execute("PRAGMA page_size").fetchone()[0] == size
            assert _rows(store, "articles") == 5


# --- a damaged index must be reported, and a failed transaction must leave nothing ---------


def _damaged(tmp_path: Path, articles: list[Article], sql: str) -> list[str]:
    with _open(tmp_path / "d.sqlite") as store:
        add_articles(store, articles, Config())
        assert store.verify() == []
        store.conn.execute(sql)
        return store.verify()


def test_verify_reports_a_missing_band_row(
    tmp_path: Path, corpus_articles: dict[str, Article]
) -> None:
    """One band row of article pk 1 deleted (a half-written passage): that article, and
    only it, is reported with its counts."""
    problems = _damaged(
        tmp_path,
        [corpus_articles["000"], corpus_articles["003"]],
        "DELETE FROM bands WHERE (key, ref) = (SELECT key, ref FROM bands WHERE ref >> 12 = 1"
        " ORDER BY key LIMIT 1)",
    )
    assert len(problems) == 1
    assert problems[0].startswith("article pk 1: ")
    assert "band rows, expected" in problems[0]


def test_verify_reports_a_missing_passage(
    tmp_path: Path, corpus_articles: dict[str, Article]
) -> None:
    problems = _damaged(
        tmp_path,
        [corpus_articles["000"], corpus_articles["003"]],
        "DELETE FROM passages WHERE article = 2 AND seq = 0",
    )
    assert len(problems) == 1
    assert problems[0].startswith("article pk 2: ")


def test_verify_reports_rows_of_a_missing_article(
    tmp_path: Path, corpus_articles: dict[str, Article]
) -> None:
    """An article row deleted without its passages and band rows (a crash in the middle of
    a removal) leaves orphans that verify names."""
    problems = _damaged(tmp_path, [corpus_articles["003"]], "DELETE FROM articles WHERE pk = 1")
    assert problems == ["passages or band rows of a missing article (pk 1)"]


def test_verify_reports_a_wrong_passage_count(
    tmp_path: Path, corpus_articles: dict[str, Article]
) -> None:
    problems = _damaged(
        tmp_path, [corpus_articles["003"]], "UPDATE articles SET n_passages = n_passages + 1"
    )
    assert len(problems) == 1
    assert problems[0].startswith("article pk 1: ")


def _put_then_fail(store: Store, entry: Entry) -> None:
    with store.transaction():
        store.put([entry])
        assert store.count() == 1  # visible inside the transaction
        raise RuntimeError("interrupted")


def test_a_failed_transaction_leaves_nothing_behind(
    tmp_path: Path, corpus_articles: dict[str, Article]
) -> None:
    """An error inside a transaction rolls back what was written in it: the same
    connection sees nothing of it, and the next write starts a transaction of its own."""
    article = corpus_articles["003"]
    (result,) = pipeline.analyze_each([article])
    with _open(tmp_path / "t.sqlite") as store:
        entry = store.fp.entry(result)
        with pytest.raises(RuntimeError, match="interrupted"):
            _put_then_fail(store, entry)
        assert store.count() == 0
        assert not store.conn.in_transaction
        assert store.verify() == []
        store.put([entry])
    with _open(tmp_path / "t.sqlite", create=False) as reopened:  # committed, not pending
        assert reopened.count() == 1
        assert reopened.verify() == []


# --- the deep check, rebuild, removal at a boundary, lock waits and error messages ----------
# (written against mutants of provenance/store that the tests above let pass)


def _index(path: Path, articles: list[Article], config: Config | None = None) -> Store:
    store = Store(path, Fingerprinter(config or Config()), create=True)
    add_articles(store, articles, config or Config())
    return store


@pytest.fixture
def two(corpus_articles: dict[str, Article]) -> list[Article]:
    """Two seed articles; sorted by id, "000" is stored first (pk 1)."""
    return [corpus_articles["000"], corpus_articles["003"]]


# --- the deep check (`provenance index verify`): rows recomputed from each text -------------


def test_deep_verify_of_a_sound_index_finds_nothing(tmp_path: Path, two: list[Article]) -> None:
    with _index(tmp_path / "i.sqlite", two) as store:
        assert verify(store, Config()) == []


def test_deep_verify_reports_a_damaged_text_of_the_first_article(
    tmp_path: Path, two: list[Article]
) -> None:
    """The first article's text altered in place (its hash kept): it, and only it, is
    named, as a text that no longer matches its content hash."""
    with _index(tmp_path / "i.sqlite", two) as store:
        store.conn.execute("UPDATE articles SET text = text || ' Extra.' WHERE pk = 1")
        problems = verify(store, Config())
    assert f"article {two[0].id!r}: its text does not match its content hash (text damaged)" in (
        problems
    )
    assert all(p.startswith(f"article {two[0].id!r}: ") for p in problems)


def test_deep_verify_counts_the_missing_band_keys(tmp_path: Path, two: list[Article]) -> None:
    """One band row of the first article deleted: 1 of its (passages x bands) keys missing;
    the row counts of ``inspect.verify`` report it as well."""
    with _index(tmp_path / "i.sqlite", two) as store:
        passages = store.conn.execute("SELECT count(*) FROM passages WHERE article = 1")
        total = passages.fetchone()[0] * store.fp.bands
        store.conn.execute(
            "DELETE FROM bands WHERE (key, ref) = (SELECT key, ref FROM bands"
            " WHERE ref >> 12 = 1 ORDER BY key LIMIT 1)"
        )
        problems = verify(store, Config())
    name = f"article {two[0].id!r}"
    assert f"{name}: 1 of its {total} band keys are missing from the index" in problems


def test_deep_verify_reports_moved_passage_offsets(tmp_path: Path, two: list[Article]) -> None:
    """Passage offsets shifted by one character: the same number of passages, but not the
    ones recomputed from the text."""
    with _index(tmp_path / "i.sqlite", two) as store:
        count = store.conn.execute("SELECT count(*) FROM passages WHERE article = 1").fetchone()[0]
        store.conn.execute("UPDATE passages SET start = start + 1 WHERE article = 1 AND seq = 0")
        problems = verify(store, Config())
    name = f"article {two[0].id!r}"
    expected = f"{name}: {count} stored passages differ from the {count} recomputed from its text"
    assert problems == [expected]


def test_deep_verify_reports_an_unreadable_article_by_its_pk(
    tmp_path: Path, two: list[Article]
) -> None:
    """Metadata that is not JSON: the article cannot be read back, which is a problem line
    naming its pk and what is wrong, not an exception; the other article is still checked."""
    with _index(tmp_path / "i.sqlite", two) as store:
        store.conn.execute("UPDATE articles SET metadata = 'not json' WHERE pk = 1")
        problems = verify(store, Config())
    assert len(problems) == 1
    assert problems[0].startswith("article pk 1: unreadable: ")
    assert "damaged index" in problems[0]
    assert "unreadable row" in problems[0]


# --- rebuild -------------------------------------------------------------------------------


def test_rebuild_in_small_batches_keeps_every_article(
    tmp_path: Path, corpus_articles: dict[str, Article]
) -> None:
    """A rebuild in batches of two re-adds each of the five articles once, with the same text
    and the same rows a fresh add makes."""
    config = Config(index=StoreConfig(batch_size=2))
    articles = list(corpus_articles.values())
    with _index(tmp_path / "fresh.sqlite", articles, config) as fresh:
        expected = fresh.conn.execute(
            'SELECT a.id, a.text, p.seq, p.start, p."end" FROM passages p '
            "JOIN articles a ON a.pk = p.article ORDER BY a.id, p.seq"
        ).fetchall()
        bands = fresh.conn.execute("SELECT count(*) FROM bands").fetchone()[0]
    with _index(tmp_path / "r.sqlite", articles, config) as store:
        assert rebuild(store, config) == 5
        rows = store.conn.execute(
            'SELECT a.id, a.text, p.seq, p.start, p."end" FROM passages p '
            "JOIN articles a ON a.pk = p.article ORDER BY a.id, p.seq"
        ).fetchall()
        assert rows == expected
        assert store.conn.execute("SELECT count(*) FROM bands").fetchone()[0] == bands
        assert store.count() == 5
        assert verify(store, config) == []


# --- removal ---------------------------------------------------------------------------------


def test_remove_before_keeps_an_article_published_at_the_cutoff(
    tmp_path: Path, corpus_articles: dict[str, Article]
) -> None:
    """``--before 2024-02-01`` is 2024-02-01T00:00Z: an article published at that instant
    (written with another offset) is not before it; one a second earlier is."""
    at = replace(corpus_articles["000"], id="at", published="2024-02-01T01:00:00+01:00")
    early = replace(corpus_articles["003"], id="early", published="2024-01-31T23:59:59Z")
    with _index(tmp_path / "i.sqlite", [at, early]) as store:
        assert store.remove(before="2024-02-01") == ["early"]
        assert store.count() == 1
        with pytest.raises(StoreError) as info:
            store.remove(before="last week")
        assert str(info.value) == "not a date or RFC 3339 date-time: 'last week'"
        with pytest.raises(StoreError) as info:
            store.remove()
        assert str(info.value) == "index remove needs --ids, --outlet or --before"


# --- concurrent writers ------------------------------------------------------------------


def test_a_writer_waits_past_sqlites_busy_timeout_for_another_writer(
    tmp_path: Path, corpus_articles: dict[str, Article], monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite's own wait (``busy_timeout``, made 20 ms here) ends long before the other
    writer commits: "database is locked" is then retried up to ``lock_timeout_s``, so the
    second add succeeds instead of failing; with a lock timeout shorter than the other's
    transaction it fails with a message that says the index is locked."""
    monkeypatch.setattr(store_sqlite, "_BUSY_TIMEOUT_MS", 20)
    path = tmp_path / "i.sqlite"
    _index(path, [corpus_articles["000"]]).close()
    holding = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with Store(path, Fingerprinter(Config())) as other, other.transaction():
            holding.set()
            release.wait(10)

    # analysed before any lock is taken, so that the write meets the other's transaction
    (result,) = pipeline.analyze_each([corpus_articles["003"]])

    def add(lock_timeout_s: float) -> None:
        with Store(path, Fingerprinter(Config()), lock_timeout_s=lock_timeout_s) as store:
            store.put([store.fp.entry(result)])

    holder = threading.Thread(target=hold)
    holder.start()
    assert holding.wait(10)
    with pytest.raises(StoreError, match="locked"):
        add(0.2)
    timer = threading.Timer(0.5, release.set)
    timer.start()
    add(30.0)
    holder.join()
    with Store(path, Fingerprinter(Config())) as store:
        assert store.count() == 2


# --- messages --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (
            "database disk image is malformed",
            "damaged index (database disk image is malformed); "
            "`provenance index verify` tells more",
        ),
        (
            "file is not a database",
            "damaged index (file is not a database); `provenance index verify` tells more",
        ),
        (
            "attempt to write a readonly database",
            "cannot write the index (attempt to write a readonly database): "
            "check the permissions of the file and folder",
        ),
        ("database or disk is full", "cannot write the index (database or disk is full)"),
        ("disk I/O error", "cannot write the index (disk I/O error)"),
        ("disk is full", "cannot write the index (disk is full)"),
        (
            "attempt to write a read-only database",
            "cannot write the index (attempt to write a read-only database): "
            "check the permissions of the file and folder",
        ),
        ("no such table:\n  bands", "no such table: bands"),
    ],
)
def test_sqlite_errors_are_told_with_what_to_do(message: str, expected: str) -> None:
    """SQLite's own messages (white space folded to one line), with advice when known."""
    assert describe_sqlite_error(sqlite3.OperationalError(message)) == expected


def test_a_foreign_sqlite_database_is_not_an_index(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE notes (body TEXT)")
    with pytest.raises(StoreError) as info:
        Store(path, Fingerprinter(Config()), create=True)
    assert str(info.value) == (
        f"{path}: not an index (an SQLite database without the index tables)"
    )


def test_an_index_whose_creation_never_finished_is_named_so(tmp_path: Path) -> None:
    """Our application id but no tables (a creation killed before its first commit): a
    reader is told that `provenance index add` creates the tables."""
    path = tmp_path / "half.sqlite"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.close()
    with pytest.raises(StoreError) as info:
        Store(path, Fingerprinter(Config()), create=False)
    assert str(info.value) == (
        f"{path}: an index whose creation never finished (no tables); "
        "`provenance index add` creates them"
    )


# --- session 7: mutation testing of provenance/store (small hand-built indexes) ------------

BRIDGE = (
    "The city council approved a plan to rebuild the northern bridge on Monday after a long "
    "debate.\n\n"
    "The mayor said the work would begin in the spring and take two years to finish.\n\n"
    '"We will keep one lane open at all times," the mayor said.'
)
HARBOUR = (
    "Rescue teams searched the harbour for a missing fishing boat late on Friday night.\n\n"
    "The coast guard said the crew of four had last radioed from the northern reef.\n\n"
    "Relatives gathered at the café by the pier while the search went on until dawn."
)
FERRY = (
    "The ferry company postponed the new timetable for the island route this week.\n\n"
    "Its director blamed a shortage of engineers and the late delivery of a second ship.\n\n"
    "Passengers will keep the winter schedule until the end of April, the company said."
)


def _article(aid: str, text: str = BRIDGE, **fields: object) -> Article:
    return Article(id=aid, text=text, **fields)  # type: ignore[arg-type]


def _entries(store: Store, articles: list[Article]) -> list[Entry]:
    return store.fp.entries(pipeline.analyze_each(articles))


def test_a_stored_article_reads_back_with_all_its_metadata(tmp_path: Path) -> None:
    """Every field of an article survives the index: columns for id, outlet, published and
    kind, a JSON object (sorted keys, non-ASCII kept as it is) for the rest."""
    article = _article(
        "wire-1",
        HARBOUR,
        title="Boat missing off the reef, café owners help",
        outlet="Coast Wire",
        url="https://example.org/boat",
        published="2024-03-01T08:00:00Z",
        source_kind=SourceKind.WIRE,
        language="en",
        authors=("A. Writer", "B. Writer"),
        extra={"section": "coast", "n": 3},
    )
    plain = _article("plain", BRIDGE)
    with _open(tmp_path / "i.sqlite") as store:
        (entry,) = _entries(store, [article])
        store.put([entry, *_entries(store, [plain])])
        stored = {s.article.id: s for s in store.iter_articles()}
        assert [s.article for s in stored.values()] == [plain, article]  # by id
        assert store.articles([stored["wire-1"].pk])[stored["wire-1"].pk] == stored["wire-1"]
        assert stored["wire-1"].passages == tuple((p.start, p.end) for _, p in entry.numbered())
        (metadata, n_passages), (plain_metadata, _) = store.conn.execute(
            "SELECT metadata, n_passages FROM articles ORDER BY id DESC"
        ).fetchall()
    assert n_passages == len(entry.passages) + len(entry.quotes)
    assert "café" in metadata  # not \u00e9
    loaded = json.loads(metadata)
    assert list(loaded) == ["authors", "extra", "language", "title", "url"]
    assert loaded["extra"] == {"n": 3, "section": "coast"}
    assert "extra" not in json.loads(plain_metadata)  # no extra fields: no key


def test_stats_count_what_the_index_holds(tmp_path: Path) -> None:
    """Articles per kind, distinct outlets (an unknown outlet is none), passages and band
    rows, the first and last dates, the text in UTF-8 bytes, the file with its -wal, and
    the recorded parameters."""
    articles = [
        _article("a", BRIDGE, outlet="Daily", published="2024-01-02"),
        _article("b", HARBOUR, outlet="Daily", published="2023-12-31", source_kind=SourceKind.WIRE),
        _article("c", FERRY, source_kind=SourceKind.PRESS_RELEASE),
    ]
    path = tmp_path / "i.sqlite"
    with _open(path) as store:
        entries = _entries(store, articles)
        store.put(entries)
        stats = store.stats()
        wal = Path(f"{path}-wal").stat().st_size
        sizes = path.stat().st_size + wal
    assert wal > 0  # the writes are in the -wal file until a checkpoint
    units = sum(len(e.passages) + len(e.quotes) for e in entries)
    assert stats.articles == 3
    assert list(stats.by_source_kind.items()) == [("outlet", 1), ("press_release", 1), ("wire", 1)]
    assert stats.outlets == 1
    assert (stats.passages, stats.band_rows) == (units, units * 8)
    assert (stats.first_published, stats.last_published) == ("2023-12-31", "2024-01-02")
    assert stats.text_bytes == sum(len(a.text.encode("utf-8")) for a in articles)
    assert stats.text_bytes == sum(len(a.text) for a in articles) + 1  # the é
    assert stats.file_bytes == sizes
    assert stats.meta == dict(sorted(Fingerprinter(Config()).meta().items()))
    assert list(stats.meta) == sorted(stats.meta)
    with Store(":memory:", Fingerprinter(Config())) as memory:
        empty = memory.stats()
    assert (empty.articles, empty.by_source_kind, empty.file_bytes, empty.text_bytes) == (
        0,
        {},
        0,
        0,
    )
    assert (empty.first_published, empty.last_published) == (None, None)


def test_the_recorded_parameters_name_everything_that_must_agree() -> None:
    meta = Fingerprinter(Config()).meta()
    assert meta == {
        "format_version": "3",
        "scheme": "affine32",
        "num_perm": "128",
        "seed": "1",
        "word_shingle": "3",
        "char_shingle": "4",
        "datasketch_major": "2",
        "bands": "8",
        "rows": "3",
        "key_bits": "32",
        "passage_kind": "sentence",
        "quote_min_words": "4",
    }


def test_bands_times_rows_may_use_every_permutation_but_not_more() -> None:
    fits = Fingerprinter(Config(index=StoreConfig(bands=32, rows=4)))  # 128 of 128
    assert (fits.bands, fits.rows) == (32, 4)
    with pytest.raises(ConfigError) as info:
        Fingerprinter(Config(index=StoreConfig(bands=43, rows=3)))
    assert str(info.value) == (
        "index.bands * index.rows (43 * 3) exceeds fingerprint.num_perm (128)"
    )


def test_the_jaccard_estimate_inverts_the_band_curve() -> None:
    """(hits / bands) ** (1 / rows), capped at 1 and rounded to 4 places: with 8 bands of
    3 rows, 1 hit is 0.5 (0.125 ** (1/3)), 2 hits 0.63 (0.62996), 4 hits 0.7937, 8 or more
    1.0."""
    fp = Fingerprinter(Config())
    assert [fp.estimate(n) for n in (0, 1, 2, 4, 8, 9)] == [0.0, 0.5, 0.63, 0.7937, 1.0, 1.0]


def test_stored_keys_are_the_upper_32_bits_of_the_reports_band_keys() -> None:
    """A sentence's keys: one per band, the signed 64-bit band keys of ``Banding`` cut to
    their upper 32 bits; a quotation's: the keys of its content words, XORed with QUOTE_SALT."""
    fp = Fingerprinter(Config())
    signer, banding = BatchSigner(fp.params), Banding(8, 3)
    text = "The mayor said the work would begin in the spring and take two years to finish."
    full = banding.keys(signer.sign_texts([text]))[0]
    assert fp.keys(text) == tuple(k >> 32 for k in full)
    assert len(fp.keys(text)) == 8
    quote = "We will keep one lane open at all times"
    words = claim_shingles(quote, fp.params, load_stopwords())
    salted = tuple((k >> 32) ^ QUOTE_SALT for k in banding.keys(signer.sign_shingles([words]))[0])
    assert fp.quote_keys(quote) == salted
    chinese = "我们将在任何时候都保持一条车道畅通"  # spaceless: signed by its character shingles
    shingled = banding.keys(signer.sign_shingles([shingles(chinese, fp.params)]))[0]
    assert fp.quote_keys(chinese) == tuple((k >> 32) ^ QUOTE_SALT for k in shingled)
    assert all(-(1 << 31) <= k < 1 << 31 for k in (*fp.keys(text), *fp.quote_keys(quote)))


def test_boilerplate_sentences_are_left_out_of_the_stored_units_unless_asked(
    corpus_articles: dict[str, Article],
) -> None:
    """Article 003 ends in boilerplate: the stored units stay clear of every boilerplate
    span; ``with_boilerplate`` (the duplicate query) keeps the sentences there too."""
    (result,) = pipeline.analyze_each([corpus_articles["003"]])
    fp = Fingerprinter(Config())
    stored = fp.entry(result)
    query = fp.entry(result, with_boilerplate=True)
    spans = [(b.start, b.end) for b in result.boilerplate]
    assert spans
    assert all(p.end <= s or p.start >= e for p in stored.passages for s, e in spans)
    assert len(query.passages) > len(stored.passages)
    assert {(p.start, p.end) for p in stored.passages} < {(p.start, p.end) for p in query.passages}
    assert query.quotes == stored.quotes
    assert stored.content_hash == content_hash(corpus_articles["003"].text)


def test_a_quotation_of_the_minimum_word_count_is_a_unit_and_a_shorter_one_is_not() -> None:
    text = (
        "The city council approved a plan to rebuild the northern bridge on Monday after a "
        'long debate.\n\n"We will keep going," the mayor said after the vote in the council '
        'chamber.\n\n"We keep going," her deputy added as the session ended.'
    )
    (result,) = pipeline.analyze_each([_article("q", text)])
    entry = Fingerprinter(Config()).entry(result)  # quotes.match_min_words = 4
    assert [text[q.start : q.end] for q in entry.quotes] == ['"We will keep going,"']
    assert [seq for seq, _ in entry.numbered()][-1] == QUOTE_SEQ
    assert entry.numbered()[: len(entry.passages)] == list(enumerate(entry.passages))


def test_a_content_hash_is_16_bytes_of_blake2b_of_the_utf8_text() -> None:
    digest = hashlib.blake2b("café".encode(), digest_size=16).digest()
    assert content_hash("café") == digest
    assert content_hash("cafe") != digest


def _spy() -> tuple[list[list[str]], ops.Analyze]:
    """An analysis that records the ids of each batch it is given."""
    batches: list[list[str]] = []

    def analyze(articles: Sequence[Article], config: Config) -> Sequence[ArticleResult]:
        batches.append([a.id for a in articles])
        return pipeline.analyze_each(articles, config)

    return batches, analyze


def test_add_counts_added_replaced_and_unchanged_and_analyses_only_what_it_writes(
    tmp_path: Path,
) -> None:
    """Batches of two, in id order, with the progress after each; an article indexed with
    the same text is neither analysed nor written again."""
    config = Config(index=StoreConfig(batch_size=2))
    with _open(tmp_path / "i.sqlite", config) as store:
        add_articles(store, [_article("m", BRIDGE), _article("k", HARBOUR)], config)
        batches, analyze = _spy()
        progress: list[tuple[int, int]] = []
        summary = add_articles(
            store,
            [_article("z", FERRY), _article("k", FERRY), _article("m", BRIDGE), _article("a")],
            config,
            replace=True,
            analyze=analyze,
            progress=lambda done, total: progress.append((done, total)),
        )
        assert summary == AddSummary(added=2, replaced=1, unchanged=1)
        assert batches == [["a", "k"], ["z"]]
        assert progress == [(2, 3), (3, 3)]
        assert dict(store.conn.execute("SELECT id, text FROM articles").fetchall())["k"] == FERRY
        assert store.count() == 4


def test_changed_texts_are_refused_by_name_before_anything_is_written(tmp_path: Path) -> None:
    """Five changed ids are all named; past five, the first five and "...". A new article
    in the same call is not stored either."""
    ids = [f"id{n}" for n in range(6)]
    with _open(tmp_path / "i.sqlite") as store:
        add_articles(store, [_article(i, BRIDGE) for i in ids], Config())
        for changed, shown in (
            (ids[:5], "'id0', 'id1', 'id2', 'id3', 'id4'"),
            (ids, "'id0', 'id1', 'id2', 'id3', 'id4' ..."),
        ):
            batches, analyze = _spy()
            with pytest.raises(StoreError) as info:
                add_articles(
                    store,
                    [_article("new", HARBOUR), *(_article(i, FERRY) for i in reversed(changed))],
                    Config(),
                    analyze=analyze,
                )
            assert str(info.value) == (
                f"{len(changed)} article(s) already indexed with a different text: {shown}; "
                "use --replace to replace them"
            )
            assert batches == []
        assert store.count() == 6


def test_deep_verify_names_what_it_cannot_read(tmp_path: Path) -> None:
    """A content hash stored as text cannot be compared: that article's rows are a problem
    line, the other article is still checked; checked one article at a time (batch=1)
    every article is checked."""
    articles = [_article("a", BRIDGE), _article("b", HARBOUR), _article("c", FERRY)]
    with _index(tmp_path / "i.sqlite", articles) as store:
        assert verify(store, Config(), batch=1) == []
        store.conn.execute("UPDATE articles SET content_hash = 'text' WHERE id = 'b'")
        store.conn.execute("UPDATE articles SET text = text || ' Extra.' WHERE id IN ('a', 'c')")
        problems = verify(store, Config(), batch=1)
    assert "article 'b': cannot read its rows: string argument without an encoding" in problems
    for aid in "ac":
        damaged = f"article {aid!r}: its text does not match its content hash (text damaged)"
        assert damaged in problems
    assert {p.split(":")[0] for p in problems} == {"article 'a'", "article 'b'", "article 'c'"}


def test_deep_verify_of_an_index_without_its_articles_table_says_so(tmp_path: Path) -> None:
    with _index(tmp_path / "i.sqlite", [_article("a")]) as store:
        store.conn.execute("DROP TABLE articles")
        problems = verify(store, Config())
    assert problems == [
        "cannot count the rows of each article: no such table: articles",
        "cannot list the articles: no such table: articles",
    ]


def test_verify_reports_rows_it_cannot_count(tmp_path: Path) -> None:
    """A passage row whose article is text, not a pk: the counts cannot be compared,
    which is a problem line, not an exception."""
    with _index(tmp_path / "i.sqlite", [_article("a")]) as store:
        store.conn.execute("UPDATE passages SET article = 'x' WHERE seq = 0")
        problems = store.verify()
    assert len(problems) == 1
    assert problems[0].startswith("cannot count the rows of each article: ")
    assert "not supported between instances of" in problems[0]


def test_verify_reports_sqlites_integrity_check(tmp_path: Path) -> None:
    """One byte of the id index changed on disk: SQLite's integrity check names the rows
    missing from that index, one line each; the row counts still agree."""
    path = tmp_path / "i.sqlite"
    with _index(path, [_article("a-first"), _article("b-second", HARBOUR)]) as store:
        (root,) = store.conn.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = 'sqlite_autoindex_articles_1'"
        ).fetchone()
        page = store.conn.execute("PRAGMA page_size").fetchone()[0]
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(path.read_bytes())
    at = data.index(b"a-first", (root - 1) * page)
    data[at] = ord("z")
    path.write_bytes(data)
    with _open(path, create=False) as store:
        assert store.verify() == [
            "integrity_check: row 1 missing from index sqlite_autoindex_articles_1",
            "integrity_check: row 2 missing from index sqlite_autoindex_articles_1",
        ]


def _refusal(path: Path, **options: object) -> str:
    """The message of a refused open; the refused file is left exactly as it was (no
    journal, no -wal or -shm file, the same bytes)."""
    before = path.read_bytes() if path.is_file() else None
    with pytest.raises(StoreError) as info:
        Store(path, Fingerprinter(Config()), **options)  # type: ignore[arg-type]
    if before is not None:
        assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]
    return str(info.value)


def test_files_that_are_not_an_index_are_refused_by_their_header(tmp_path: Path) -> None:
    """A folder, an empty file (unless creating), a file shorter than an SQLite header or
    without its magic, and an SQLite database of another application are each refused
    with a line naming the file."""
    folder = tmp_path / "dir"
    folder.mkdir()
    (folder / "x.sqlite").mkdir()
    assert _refusal(folder / "x.sqlite") == (
        f"{folder / 'x.sqlite'}: not a regular file, so not an index"
    )
    empty = tmp_path / "empty" / "i.sqlite"
    empty.parent.mkdir()
    empty.touch()
    assert _refusal(empty) == (
        f"{empty}: empty file, not an index (delete it or name another file)"
    )
    short = tmp_path / "short" / "i.sqlite"
    short.parent.mkdir()
    short.write_bytes(b"SQLite format 3\x00" + bytes(83))  # 99 of the 100 header bytes
    assert _refusal(short) == f"{short}: not an index (not an SQLite database)"
    short.write_bytes(b"SQLite format 4\x00" + bytes(84))
    assert _refusal(short) == f"{short}: not an index (not an SQLite database)"
    foreign = tmp_path / "foreign" / "i.sqlite"
    foreign.parent.mkdir()
    with sqlite3.connect(foreign) as conn:
        conn.execute("PRAGMA application_id = 305419896")
        conn.execute("CREATE TABLE t (x)")
    conn.close()
    assert _refusal(foreign, create=True) == (
        f"{foreign}: not an index (an SQLite database of another application, id 0x12345678)"
    )
    plain = tmp_path / "plain" / "i.sqlite"  # application id 0, as before ids were written
    plain.parent.mkdir()
    with sqlite3.connect(plain) as conn:
        conn.execute("CREATE TABLE notes (body TEXT)")
    conn.close()
    assert _refusal(plain) == (
        f"{plain}: not an index (an SQLite database without the index tables)"
    )


def test_a_foreign_database_beside_an_empty_wal_is_refused_unchanged(tmp_path: Path) -> None:
    """An empty -wal holds no data: the main file is the current state, so the checks
    on it refuse the file before the real connection could switch its journal to WAL."""
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE notes (body TEXT)")
    conn.close()
    Path(f"{path}-wal").touch()
    before = path.read_bytes()
    with pytest.raises(StoreError, match="without the index tables"):
        Store(path, Fingerprinter(Config()), create=True)
    assert path.read_bytes() == before


def test_an_empty_file_is_made_an_index_when_creating(tmp_path: Path) -> None:
    """An empty file is an index another writer is creating this instant: ``create``
    makes it one, with our application id in the header and WAL, synchronous=FULL and the
    busy timeout set on the connection."""
    path = tmp_path / "i.sqlite"
    path.touch()
    with Store(path, Fingerprinter(Config()), create=True) as store:
        settings = [
            store.conn.execute(f"PRAGMA {name}").fetchone()[0]
            for name in ("journal_mode", "synchronous", "busy_timeout", "cache_size")
        ]
        assert settings == ["wal", 2, 2000, -65536]
        assert store.stats().meta == Fingerprinter(Config()).meta()
    assert int.from_bytes(path.read_bytes()[68:72], "big") == APPLICATION_ID
    with Store(path, Fingerprinter(Config())) as store:
        assert store.count() == 0


def test_a_new_index_is_made_in_a_new_folder(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "i.sqlite"
    with Store(path, Fingerprinter(Config()), create=True) as store:
        store.put(_entries(store, [_article("x")]))
    with Store(path, Fingerprinter(Config()), readonly=True) as store:
        assert store.count() == 1


def _make_index(path: Path, *statements: str) -> Path:
    """A sound, empty index at ``path``, then ``statements`` run on it with plain sqlite3."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Store(path, Fingerprinter(Config()), create=True).close()
    conn = sqlite3.connect(path, isolation_level=None)
    for statement in statements:
        conn.execute(statement)
    conn.execute("PRAGMA journal_mode = DELETE")  # no -wal file beside it
    conn.close()
    return path


def test_an_index_with_a_table_or_column_missing_is_refused_and_left_alone(
    tmp_path: Path,
) -> None:
    lacking = _make_index(tmp_path / "t" / "i.sqlite", "DROP TABLE bands")
    assert _refusal(lacking, create=True) == (
        f"{lacking}: not a complete provenance index: table(s) bands missing"
    )
    column = _make_index(
        tmp_path / "c" / "i.sqlite",
        "DROP TABLE passages",
        "CREATE TABLE passages (article INTEGER, seq INTEGER)",
    )
    assert _refusal(column) == (
        f"{column}: not a provenance index: table passages lacks column(s) end, start"
    )


def test_an_index_whose_meta_lacks_a_parameter_is_refused(tmp_path: Path) -> None:
    path = _make_index(
        tmp_path / "m" / "i.sqlite", "DELETE FROM meta WHERE key IN ('rows', 'bands')"
    )
    assert _refusal(path, create=True) == (
        f"{path}: damaged index: its meta table lacks bands, rows, so its parameters are "
        "unknown; "
        "delete the file and add the articles again"
    )


def test_an_older_format_is_refused_with_the_rebuild_command_and_rebuild_upgrades_it(
    tmp_path: Path,
) -> None:
    """Format 2 has the same tables: a normal open is refused, saying how to rebuild; the
    rebuild (which opens without the parameter check) reads it and writes format 3."""
    path = _make_index(tmp_path / "f" / "i.sqlite")
    with Store(path, Fingerprinter(Config())) as store:
        store.put(_entries(store, [_article("x")]))
        store.conn.execute("UPDATE meta SET value = '2' WHERE key = 'format_version'")
    with pytest.raises(StoreError) as info:
        Store(path, Fingerprinter(Config()))
    assert str(info.value) == (
        f"{path} has index format 2, this version reads format 3: "
        f"rebuild it with `provenance index rebuild --index {path}`"
    )
    with Store(path, Fingerprinter(Config()), check_meta=False) as store:
        assert rebuild(store, Config()) == 1
        store.conn.execute("UPDATE meta SET value = '0' WHERE key = 'format_version'")
    with pytest.raises(StoreError) as info:  # format 0 cannot even be rebuilt
        Store(path, Fingerprinter(Config()), check_meta=False)
    assert str(info.value) == (
        f"{path} has index format 0, this version reads format 3: "
        "delete the file and add the articles again"
    )
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE meta SET value = '3' WHERE key = 'format_version'")
    conn.close()
    with Store(path, Fingerprinter(Config())) as store:
        assert store.stats().meta["format_version"] == "3"
        assert verify(store, Config()) == []


def test_an_open_refused_after_connecting_leaves_no_wal_or_shm_file(tmp_path: Path) -> None:
    """The format and parameter checks run on the real connection (the file passes the
    read-only precheck): a refusal closes it, so no -wal/-shm file stays beside the index
    and the index's bytes are as they were."""
    path = _make_index(tmp_path / "w" / "i.sqlite")
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")  # an index as the tool leaves it
    conn.execute("UPDATE meta SET value = '2' WHERE key = 'format_version'")
    conn.close()
    before = path.read_bytes()
    assert not Path(f"{path}-wal").exists()
    for config in (Config(), Config(index=StoreConfig(bands=6, rows=4))):
        with pytest.raises(StoreError):
            Store(path, Fingerprinter(config))
        assert not Path(f"{path}-wal").exists()
        assert not Path(f"{path}-shm").exists()
        assert path.read_bytes() == before


def test_other_parameters_are_listed_each_with_this_runs_value(tmp_path: Path) -> None:
    path = _make_index(tmp_path / "p" / "i.sqlite")
    other = Config(index=StoreConfig(bands=6, rows=4))
    with pytest.raises(StoreError) as info:
        Store(path, Fingerprinter(other))
    assert str(info.value) == (
        f"{path} was built with other fingerprint parameters: bands=8 (now 6), "
        f"rows=3 (now 4); rebuild it with `provenance index rebuild --index {path}` "
        "(or delete it and add the articles again)"
    )
    with Store(path, Fingerprinter(other), check_meta=False) as store:  # for a rebuild
        assert store.count() == 0


def test_a_reader_never_creates_or_changes_an_index(tmp_path: Path) -> None:
    """``readonly`` refuses a missing file, and opens an existing one with SQLite's
    ``mode=ro``: its journal mode stays as it is and a write fails; the file keeps its
    bytes."""
    missing = tmp_path / "none" / "i.sqlite"
    with pytest.raises(StoreError) as info:
        Store(missing, Fingerprinter(Config()), create=True, readonly=True)
    assert str(info.value) == (
        f"no index at {missing}; create it with `provenance index add PATHS`"
    )
    assert not missing.parent.exists()
    path = _make_index(tmp_path / "r" / "i.sqlite")
    before = path.read_bytes()
    with Store(path, Fingerprinter(Config()), readonly=True) as store:
        entries = _entries(store, [_article("x")])
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            store.put(entries)
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert path.read_bytes() == before


def _nested_then_fail(store: Store, entries: list[Entry]) -> None:
    with store.transaction():
        store.put(entries[:1])
        with store.transaction():
            store.put(entries[1:])
        assert store.conn.in_transaction  # the inner one did not commit
        raise RuntimeError("after both")


def test_a_read_transaction_never_commits_and_an_inner_transaction_joins_the_outer(
    tmp_path: Path,
) -> None:
    """``transaction(write=False)`` rolls back whatever ran inside it; a transaction opened
    inside another is part of it: the outer one's error undoes both."""
    with _open(tmp_path / "i.sqlite") as store:
        entries = _entries(store, [_article("a"), _article("b", HARBOUR)])
        with store.transaction(write=False):
            store.put(entries[:1])
            assert store.count() == 1
        assert store.count() == 0
        assert not store.conn.in_transaction
        with pytest.raises(RuntimeError, match="after both"):
            _nested_then_fail(store, entries)
        assert store.count() == 0
        store.put(entries)
    with _open(tmp_path / "i.sqlite", create=False) as reopened:
        assert reopened.count() == 2


class _FailingCommit:
    """A connection whose COMMIT fails as on a full disk (everything else is passed on)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
        if sql == "COMMIT":
            raise sqlite3.OperationalError("database or disk is full")
        return self.conn.execute(sql, *args)

    def __getattr__(self, name: str) -> object:
        return getattr(self.conn, name)


def test_a_failed_commit_rolls_back_and_says_nothing_was_written(tmp_path: Path) -> None:
    path = tmp_path / "i.sqlite"
    with _open(path) as store:
        entries = _entries(store, [_article("a")])
        real = store.conn
        store.conn = _FailingCommit(real)  # type: ignore[assignment]
        with pytest.raises(StoreError) as info:
            store.put(entries)
        assert str(info.value) == (
            f"{path}: commit failed, nothing of this transaction was written: "
            "cannot write the index (database or disk is full)"
        )
        store.conn = real
        assert not real.in_transaction
        assert store.count() == 0


def test_a_damaged_row_read_back_is_a_store_error_naming_the_row(tmp_path: Path) -> None:
    """Each column a reader relies on, damaged in place, gives a one-line StoreError that
    names the file, the article and what is wrong, never a wrong article."""
    path = tmp_path / "i.sqlite"
    cases = [
        ("metadata = '[1]'", "'a'", "metadata is not a JSON object or text is not text"),
        ("metadata = 'not json'", "'a'", "Expecting value: line 1 column 1 (char 0)"),
        ("text = ''", "'a'", "metadata is not a JSON object or text is not text"),
        ("text = X'41'", "'a'", "metadata is not a JSON object or text is not text"),
        ("id = X'41'", "b'A'", "id, outlet or published is not text"),
        ("outlet = X'41'", "'a'", "id, outlet or published is not text"),
        ("published = X'41'", "'a'", "id, outlet or published is not text"),
        ("source_kind = 'blog'", "'a'", "'blog' is not a valid SourceKind"),
    ]
    with _index(path, [_article("a", outlet="Daily", published="2024-01-02")]) as store:
        for change, name, why in cases:
            with store.transaction(write=False):  # rolled back after each case
                store.conn.execute(f"UPDATE articles SET {change}")
                with pytest.raises(StoreError) as info:
                    store.articles([1])
                assert str(info.value) == (
                    f"{path}: damaged index: article {name} (pk 1) has an unreadable row ({why})"
                )
                with pytest.raises(StoreError):
                    list(store.iter_articles())
        assert store.articles([1])[1].article.outlet == "Daily"


def test_band_rows_and_passages_that_point_nowhere_are_store_errors(tmp_path: Path) -> None:
    path = tmp_path / "i.sqlite"
    with _index(path, [_article("a", source_kind=SourceKind.WIRE)]) as store:
        assert store.kinds([1, 1]) == {1: ("a", SourceKind.WIRE)}
        missing = (
            f"{path}: damaged index: band rows point at article pk 7, which is not in the "
            "articles table; `provenance index verify` tells more"
        )
        with pytest.raises(StoreError) as info:
            store.kinds([1, 7, 9])
        assert str(info.value) == missing
        with pytest.raises(StoreError) as info:
            store.articles([9, 7, 1])
        assert str(info.value) == missing
        for change, shown in (("start = 'x'", "str 'x'"), ('"end" = 2.5', "float '2.5'")):
            with store.transaction(write=False):
                store.conn.execute(f"UPDATE passages SET {change} WHERE seq = 1")
                with pytest.raises(StoreError) as info:
                    store.articles([1])
                assert str(info.value) == (
                    f"{path}: damaged index: a passage offset of article 'a' is {shown}, not "
                    "an integer; `provenance index verify` tells more"
                )
        key = store.conn.execute("SELECT key FROM bands LIMIT 1").fetchone()[0]
        store.conn.execute("INSERT INTO bands VALUES (?, 'abcdefghijklmnopqrstuvwxyz')", (key,))
        with pytest.raises(StoreError) as info:
            store.hits([key])
        assert str(info.value) == (
            f"{path}: damaged index: a band row's ref is str 'abcdefghijklmnopqrst', not an "
            "integer; `provenance index verify` tells more"
        )
        store.conn.execute("UPDATE articles SET source_kind = 'blog'")
        with pytest.raises(StoreError) as info:
            store.kinds([1])
        assert str(info.value) == f"{path}: damaged index: article pk 1 has source_kind 'blog'"


def test_hits_count_the_bands_each_stored_unit_shares_with_the_keys(tmp_path: Path) -> None:
    """Two articles with the same first sentence: its keys meet the first unit of each in
    all 8 bands; 3 of the keys meet them in 3; no keys, no hits."""
    second = BRIDGE.split("\n\n")[0] + "\n\n" + HARBOUR
    with _index(tmp_path / "i.sqlite", [_article("a"), _article("b", second)]) as store:
        keys = store.fp.keys(BRIDGE.split("\n\n")[0])
        pk = {aid: pk for pk, aid in store.conn.execute("SELECT pk, id FROM articles")}
        first = {pk["a"] << 12, pk["b"] << 12}
        assert {r: n for r, n in store.hits(keys).items() if r in first} == dict.fromkeys(first, 8)
        assert {r: n for r, n in store.hits(keys[:3]).items() if r in first} == dict.fromkeys(
            first, 3
        )
        assert store.hits([]) == {}
        assert [ref_parts(r) for r in sorted(first)] == [(pk["a"], 0), (pk["b"], 0)]
        assert ref_parts(pk["a"] << 12 | 4095) == (pk["a"], 4095)


def test_the_hashes_of_many_ids_are_looked_up_in_chunks_that_miss_none(tmp_path: Path) -> None:
    with _index(tmp_path / "i.sqlite", [_article("a"), _article("zzz", HARBOUR)]) as store:
        ids = ["zzz", *(f"m{n:04}" for n in range(1200)), "a", "a"]
        assert store.hashes(ids) == {"a": content_hash(BRIDGE), "zzz": content_hash(HARBOUR)}
        assert store.hashes([]) == {}


def test_remove_applies_every_filter_and_takes_quotation_units_with_it(
    tmp_path: Path,
) -> None:
    """Ids, outlet and date together select the articles matching all three; an article
    without a date is never before one; a removed article leaves no passage or band row
    (its quotation units' keys are recomputed as quotation keys)."""
    articles = [
        _article("a", BRIDGE, outlet="X", published="2024-01-01"),
        _article("b", HARBOUR, outlet="X", published="2024-01-01"),
        _article("c", FERRY, outlet="Y", published="2024-01-01"),
        _article("d", FERRY, outlet="X"),
    ]
    with _index(tmp_path / "i.sqlite", articles) as store:
        assert store.remove(ids=["a", "c", "d"], outlet="X", before="2024-06-01") == ["a"]
        assert store.remove(ids=["b", "c"], outlet="Y") == ["c"]
        assert store.remove(outlet="X", before=datetime(2025, 1, 1, tzinfo=UTC)) == ["b"]
        assert store.remove(before="2030-01-01") == []
        assert [r[0] for r in store.conn.execute("SELECT id FROM articles")] == ["d"]
        assert store.verify() == []
        assert store.remove(ids=["d"]) == ["d"]
        assert (_rows(store, "passages"), _rows(store, "bands")) == (0, 0)


SIGNS = (
    "The city council approved a plan to rebuild the northern bridge on Monday after a long "
    'debate.\n\nSigns reading "a bridge too far" appeared along the river bank overnight.'
)


def test_add_rebuild_and_verify_analyse_with_the_runs_configuration(tmp_path: Path) -> None:
    """An unattributed quotation of 4 words is kept by default and dropped with
    ``quotes.keep_short_unattributed = false``: indexed with that setting the article has no
    quotation unit, which the deep check with the default setting reports, a rebuild with
    the default setting adds, and a rebuild with the setting removes again."""
    strict = Config(quotes=QuoteConfig(keep_short_unattributed=False))
    with _open(tmp_path / "i.sqlite") as store:
        add_articles(store, [_article("s", SIGNS)], strict)
        sentences = _rows(store, "passages")
        assert store.conn.execute("SELECT max(seq) FROM passages").fetchone()[0] < QUOTE_SEQ
        assert verify(store, strict) == []
        assert verify(store, Config()) == [
            f"article 's': {sentences} stored passages differ from the {sentences + 1} "
            "recomputed from its text",
            f"article 's': 8 of its {(sentences + 1) * 8} band keys are missing from the index",
        ]
        assert rebuild(store, Config()) == 1
        assert _rows(store, "passages") == sentences + 1
        assert verify(store, Config()) == []
        assert rebuild(store, strict) == 1
        assert _rows(store, "passages") == sentences


def test_put_says_which_ids_it_added_replaced_or_left_and_refuses_a_change_whole(
    tmp_path: Path,
) -> None:
    path = tmp_path / "i.sqlite"
    with _open(path) as store:
        a, b = _entries(store, [_article("a"), _article("b", HARBOUR)])
        (a2,) = _entries(store, [_article("a", FERRY)])
        (c,) = _entries(store, [_article("c", FERRY)])
        assert store.put([a, b]) == PutResult(added=("a", "b"))
        assert store.put([b, a]) == PutResult(unchanged=("b", "a"))
        with pytest.raises(StoreError) as info:
            store.put([c, a2])
        assert str(info.value) == (
            "article 'a' is already indexed with a different text; use --replace to replace it"
        )
        assert store.hashes(["a", "c"]) == {"a": a.content_hash}  # c was rolled back too
        assert store.put([c, a2, b], replace=True) == PutResult(
            added=("c",), replaced=("a",), unchanged=("b",)
        )
        assert store.verify() == []
        assert verify(store, Config()) == []
        store.conn.execute("UPDATE articles SET content_hash = 'text' WHERE id = 'b'")
        with pytest.raises(StoreError) as info:
            store.put([b])
        assert str(info.value) == (
            f"{path}: damaged index: article 'b' has no readable content hash"
        )


def test_replacing_an_article_with_damaged_rows_is_refused_naming_it(tmp_path: Path) -> None:
    """Replacing recomputes the old band keys from the stored text and offsets: a text or
    an offset that is not what it should be stops the replacement with a StoreError."""
    path = tmp_path / "i.sqlite"
    with _index(path, [_article("a")]) as store:
        (changed,) = _entries(store, [_article("a", FERRY)])
        with store.transaction(write=False):
            store.conn.execute("UPDATE passages SET start = 'x' WHERE seq = 0")
            with pytest.raises(StoreError) as info:
                store.put([changed], replace=True)
            assert str(info.value) == (
                f"{path}: damaged index: a passage of article pk 1 is str 'x', not an integer; "
                "`provenance index verify` tells more"
            )
        with store.transaction(write=False):
            store.conn.execute("UPDATE articles SET text = X'41'")
            with pytest.raises(StoreError) as info:
                store.put([changed], replace=True)
            assert str(info.value) == f"{path}: damaged index: article pk 1 has no readable text"
        assert store.put([changed], replace=True) == PutResult(replaced=("a",))
        assert (store.verify(), verify(store, Config())) == ([], [])


def test_a_writer_finishes_an_index_whose_creation_never_finished(tmp_path: Path) -> None:
    """Our application id and no tables: a writer (``create``) makes the tables and
    records the parameters; a reader is refused (see above)."""
    path = tmp_path / "half.sqlite"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.close()
    with pytest.raises(StoreError, match="never finished"):
        Store(path, Fingerprinter(Config()), readonly=True)
    with Store(path, Fingerprinter(Config()), create=True) as store:
        store.put(_entries(store, [_article("a")]))
        assert store.stats().meta == Fingerprinter(Config()).meta()
    with Store(path, Fingerprinter(Config())) as store:
        assert store.count() == 1


def test_a_foreign_database_with_a_live_wal_is_refused_on_the_real_connection(
    tmp_path: Path,
) -> None:
    """While another connection's -wal holds data the header check is skipped (the main
    file alone is not the current state); the checks on the real connection refuse the
    file all the same."""
    path = tmp_path / "other.sqlite"
    keep = sqlite3.connect(path, isolation_level=None)
    try:
        keep.execute("PRAGMA journal_mode = WAL")
        keep.execute("CREATE TABLE notes (body TEXT)")
        keep.execute("INSERT INTO notes VALUES ('x')")
        assert Path(f"{path}-wal").stat().st_size > 0
        with pytest.raises(StoreError) as info:
            Store(path, Fingerprinter(Config()), create=True)
        assert str(info.value) == (
            f"{path}: not an index (an SQLite database without the index tables)"
        )
        keep.execute("DROP TABLE notes")
        for statement in store_sqlite._SCHEMA.split(";")[:2]:  # meta and articles only
            keep.execute(statement)
        with pytest.raises(StoreError) as info:
            Store(path, Fingerprinter(Config()), create=True)
        assert str(info.value) == (
            f"{path}: not a complete provenance index: table(s) bands, passages missing"
        )
    finally:
        keep.close()


def test_deep_verify_of_articles_added_out_of_id_order_finds_nothing(tmp_path: Path) -> None:
    """Articles added in two runs, "z" before "a", have pks out of id order; the deep
    check compares each article with its own recomputed rows (it compared "z" with the
    rows of "a" before session 7, and reported both as damaged)."""
    with _open(tmp_path / "i.sqlite") as store:
        add_articles(store, [_article("z", HARBOUR)], Config())
        add_articles(store, [_article("a", FERRY)], Config())
        assert verify(store, Config()) == []
        store.conn.execute("UPDATE articles SET content_hash = 'text' WHERE id = 'a'")
        assert verify(store, Config()) == [  # once, though "a" is the last of the batch
            "article 'a': cannot read its rows: string argument without an encoding"
        ]


def test_deep_verify_quotes_an_unreadable_rows_error_as_it_is(tmp_path: Path) -> None:
    """The StoreError of an unreadable row is quoted unchanged, even when the damaged
    value reads like an SQLite error ("not a database" as a source kind)."""
    with _index(tmp_path / "i.sqlite", [_article("a")]) as store:
        store.conn.execute("UPDATE articles SET source_kind = 'not a database'")
        assert verify(store, Config()) == [
            f"article pk 1: unreadable: {store.path}: damaged index: article 'a' (pk 1) has an "
            "unreadable row ('not a database' is not a valid SourceKind)"
        ]


def test_a_store_opened_without_create_never_makes_a_file(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="create it with `provenance index add PATHS`"):
        Store(tmp_path / "i.sqlite", Fingerprinter(Config()))
    assert list(tmp_path.iterdir()) == []


def test_a_reader_is_refused_a_half_created_index_behind_a_live_wal(tmp_path: Path) -> None:
    """Our application id written through a -wal (the header check is skipped while the
    -wal holds data) and no tables: a reader is told the creation never finished."""
    path = tmp_path / "half.sqlite"
    keep = sqlite3.connect(path, isolation_level=None)
    try:
        keep.execute("PRAGMA journal_mode = WAL")
        keep.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        assert Path(f"{path}-wal").stat().st_size > 0
        with pytest.raises(StoreError) as info:
            Store(path, Fingerprinter(Config()), readonly=True)
        assert str(info.value) == (
            f"{path}: an index whose creation never finished (no tables); "
            "`provenance index add` creates them"
        )
    finally:
        keep.close()


def _race(monkeypatch: pytest.MonkeyPatch, before_transaction: Any) -> None:
    """Run ``before_transaction(path)`` right after a new Store's first look at the file
    found no tables: another process acting between that look and our transaction."""
    real = store_sqlite._schema_problem
    calls: list[int] = []

    def first_look(conn: sqlite3.Connection) -> str:
        problem = real(conn)
        if not calls:
            calls.append(1)
            path = conn.execute("PRAGMA database_list").fetchone()[2]
            before_transaction(Path(path))
        return problem

    monkeypatch.setattr(store_sqlite, "_schema_problem", first_look)


def test_tables_another_writer_made_meanwhile_are_checked_like_any_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A writer creating an index finds no tables, then, inside its transaction, tables
    another process made meanwhile: an index of other parameters is refused as such, and
    incomplete tables are refused naming what is missing; nothing is changed."""
    other = Config(index=StoreConfig(bands=6))

    def other_index(path: Path) -> None:
        Store(path, Fingerprinter(other), create=True).close()

    _race(monkeypatch, other_index)
    path = tmp_path / "a.sqlite"
    with pytest.raises(StoreError) as info:
        Store(path, Fingerprinter(Config()), create=True)
    assert str(info.value).startswith(
        f"{path} was built with other fingerprint parameters: bands=6 (now 8); "
    )
    monkeypatch.undo()
    with sqlite3.connect(path) as conn:  # the other writer's index, as it made it
        assert conn.execute("SELECT value FROM meta WHERE key = 'bands'").fetchone() == ("6",)
        assert conn.execute("SELECT count(*) FROM articles").fetchone() == (0,)
    conn.close()

    def meta_only(path: Path) -> None:
        with sqlite3.connect(path) as conn:
            conn.execute(store_sqlite._SCHEMA.split(";")[0])
        conn.close()

    _race(monkeypatch, meta_only)
    path = tmp_path / "b.sqlite"
    with pytest.raises(StoreError) as info:
        Store(path, Fingerprinter(Config()), create=True)
    assert str(info.value) == (
        f"{path}: not a complete provenance index: table(s) articles, bands, passages missing"
    )
    monkeypatch.undo()
    with sqlite3.connect(path) as conn:
        assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master")] == ["meta"]
    conn.close()


def test_deep_verify_names_an_article_sqlite_cannot_read(tmp_path: Path) -> None:
    """The passages table gone: the counts cannot be taken, and each article is a problem
    line with SQLite's reason, not an exception."""
    with _index(tmp_path / "i.sqlite", [_article("a"), _article("b", HARBOUR)]) as store:
        store.conn.execute("DROP TABLE passages")
        problems = verify(store, Config())
    assert problems == [
        "cannot count the rows of each article: no such table: passages",
        "article pk 1: unreadable: no such table: passages",
        "article pk 2: unreadable: no such table: passages",
    ]


def test_verify_counts_an_article_left_without_any_row(tmp_path: Path) -> None:
    """Every passage and band row of the first article gone: it has 0 of each where its
    row promises 4 units (3 sentences and a quotation) and 4 x 8 band rows; the other
    article is sound."""
    with _index(tmp_path / "i.sqlite", [_article("a"), _article("b", HARBOUR)]) as store:
        assert store.conn.execute("SELECT n_passages FROM articles WHERE pk = 1").fetchone() == (4,)
        store.conn.execute("DELETE FROM passages WHERE article = 1")
        store.conn.execute("DELETE FROM bands WHERE ref >> 12 = 1")
        assert store.verify() == ["article pk 1: 0 passages and 0 band rows, expected 4 and 32"]


def test_the_size_of_an_index_without_a_wal_is_its_file_alone(tmp_path: Path) -> None:
    path = _make_index(tmp_path / "s" / "i.sqlite")  # journal_mode DELETE: no -wal file
    with Store(path, Fingerprinter(Config()), readonly=True) as store:
        assert store.stats().file_bytes == path.stat().st_size
    assert not Path(f"{path}-wal").exists()


def test_verify_counts_each_kind_of_row_and_accepts_an_article_without_units(
    tmp_path: Path,
) -> None:
    """A text too short for any unit is stored with 0 passages and 0 band rows: sound.
    One passage row of another article deleted: its count says 3 of 4 passages, with all
    32 band rows still there."""
    articles = [_article("a"), _article("short", "Short note.")]
    with _index(tmp_path / "i.sqlite", articles) as store:
        assert store.conn.execute(
            "SELECT n_passages FROM articles WHERE id = 'short'"
        ).fetchone() == (0,)
        assert store.verify() == []
        store.conn.execute("DELETE FROM passages WHERE article = 1 AND seq = 0")
        assert store.verify() == ["article pk 1: 3 passages and 32 band rows, expected 4 and 32"]


def test_only_a_locked_database_is_retried(tmp_path: Path) -> None:
    """ "database is locked" is tried again until the lock timeout; any other SQLite error
    is a StoreError at the first attempt."""
    with Store(tmp_path / "i.sqlite", Fingerprinter(Config()), create=True, lock_timeout_s=1) as s:
        attempts: list[str] = []

        def fail(message: str) -> None:
            attempts.append(message)
            raise sqlite3.OperationalError(message)

        with pytest.raises(StoreError) as info:
            s._retry(lambda: fail("no such table: bands"))
        assert str(info.value) == f"{s.path}: no such table: bands"
        assert attempts == ["no such table: bands"]
        with pytest.raises(StoreError, match="database is locked"):
            s._retry(lambda: fail("database is locked"))
        assert len(attempts) > 2

        def damaged() -> None:
            attempts.append("damaged")
            raise sqlite3.DatabaseError("file is not a database")

        attempts.clear()
        with pytest.raises(StoreError) as info:
            s._retry(damaged)
        assert str(info.value) == (
            f"{s.path}: damaged index (file is not a database); "
            "`provenance index verify` tells more"
        )
        assert attempts == ["damaged"]


def test_a_failed_rollback_does_not_hide_the_failed_commit(tmp_path: Path) -> None:
    class _FailingBoth(_FailingCommit):
        def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
            if sql == "ROLLBACK":
                raise sqlite3.OperationalError("cannot rollback")
            return super().execute(sql, *args)

    path = tmp_path / "i.sqlite"
    with _open(path) as store:
        entries = _entries(store, [_article("a")])
        real = store.conn
        store.conn = _FailingBoth(real)  # type: ignore[assignment]
        with pytest.raises(StoreError, match="commit failed, nothing of this transaction"):
            store.put(entries)
        store.conn = real
        real.execute("ROLLBACK")
        assert store.count() == 0


def test_a_file_with_an_sqlite_header_and_garbage_after_it_is_a_damaged_index(
    tmp_path: Path,
) -> None:
    path = tmp_path / "g.sqlite"
    path.write_bytes(b"SQLite format 3\x00" + bytes(84) + b"garbage!" * 600)
    assert _refusal(path) == (
        f"{path}: damaged index (file is not a database); `provenance index verify` tells more"
    )

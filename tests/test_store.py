"""The persistent index: idempotent adds, changed texts, parameters, removal, the CLI, the
deep check of a damaged index, lock waits and the messages of SQLite errors."""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from provenance import pipeline
from provenance.cli import app
from provenance.config import Config, FingerprintConfig, StoreConfig
from provenance.errors import StoreError
from provenance.model import Article, ArticleResult
from provenance.store import (
    Entry,
    Fingerprinter,
    Store,
    add_articles,
    describe_sqlite_error,
    rebuild,
    ref_parts,
    verify,
)
from provenance.store import sqlite as store_sqlite
from provenance.store.keys import QUOTE_SEQ
from provenance.store.sqlite import APPLICATION_ID

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

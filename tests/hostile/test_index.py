"""Issue 11, failures 2 and 3: damaged or foreign indexes, SQLite errors as tracebacks."""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
import stat
from pathlib import Path
from typing import Any

import pytest

from provenance.store.sqlite import APPLICATION_ID
from tests.hostile.conftest import CORPUS, cli, digest, needs_nobody, subprocess_cli


def _files(index: Path) -> list[Path]:
    return [index, Path(f"{index}-wal"), Path(f"{index}-shm")]


def _sql(index: Path, *statements: str) -> None:
    conn = sqlite3.connect(index, isolation_level=None)
    for statement in statements:
        conn.execute(statement)
    conn.close()


def test_an_empty_file_is_not_an_index(tmp_path: Path, copies: Path) -> None:
    """A 0-byte file became an empty index and every article passed. Reading commands
    refuse it; writing ones (`index add`, `check --add`) create an index in it, since a
    concurrent writer that is creating the index has such a file for an instant."""
    index = tmp_path / "empty.sqlite"
    index.touch()
    for args in (["check", str(copies)], ["index", "stats"], ["index", "verify"]):
        run = cli(*args, "--index", str(index))
        assert run.one_error_line() == (
            f"error: {index}: empty file, not an index (delete it or name another file)"
        )
    assert index.stat().st_size == 0
    assert not Path(f"{index}-wal").exists()
    assert cli("index", "add", str(CORPUS), "--index", str(index)).code == 0
    assert cli("check", str(copies), "--index", str(index)).code == 1  # the copies fail


@pytest.mark.parametrize(
    ("damage", "message", "commands"),
    [
        # after `drop table bands` the check recreated it empty and passed everything
        ("DROP TABLE bands", "table(s) bands missing", ("check", "add", "stats")),
        # an emptied meta table was silently rewritten, bypassing the parameter guard
        ("DELETE FROM meta", "damaged index: its meta table lacks", ("check", "add", "rebuild")),
    ],
)
def test_a_damaged_schema_is_refused_not_repaired(
    index_copy: Path, copies: Path, damage: str, message: str, commands: tuple[str, ...]
) -> None:
    _sql(index_copy, damage)
    before = digest(*_files(index_copy))
    argv = {
        "check": ["check", str(copies)],
        "add": ["index", "add", str(CORPUS)],
        "stats": ["index", "stats"],
        "rebuild": ["index", "rebuild"],
    }
    for command in commands:
        run = cli(*argv[command], "--index", str(index_copy))
        assert message in run.one_error_line()
    assert digest(*_files(index_copy)) == before


def test_a_missing_column_is_refused(index_copy: Path, copies: Path) -> None:
    _sql(index_copy, "ALTER TABLE articles DROP COLUMN published")
    run = cli("check", str(copies), "--index", str(index_copy))
    assert "table articles lacks column(s) published" in run.one_error_line()


def test_a_meta_row_missing_one_key_is_refused(index_copy: Path, copies: Path) -> None:
    _sql(index_copy, "DELETE FROM meta WHERE key = 'bands'")
    run = cli("check", str(copies), "--index", str(index_copy))
    assert "its meta table lacks bands" in run.one_error_line()


def test_a_foreign_database_is_left_alone(tmp_path: Path) -> None:
    """`index stats` on an unrelated SQLite database added our tables and switched it to WAL."""
    other = tmp_path / "app.db"
    _sql(other, "CREATE TABLE users (name TEXT)", "INSERT INTO users VALUES ('ann')")
    before = digest(*_files(other))
    for args in (["index", "stats"], ["index", "add", str(CORPUS)], ["index", "verify"]):
        run = cli(*args, "--index", str(other))
        assert run.one_error_line() == (
            f"error: {other}: not an index (an SQLite database without the index tables)"
        )
    assert digest(*_files(other)) == before
    conn = sqlite3.connect(other)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"


def test_a_database_of_another_application_is_refused_by_its_header(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    _sql(other, "PRAGMA application_id = 1234", "CREATE TABLE t (x)")
    run = cli("index", "add", str(CORPUS), "--index", str(other))
    assert run.one_error_line().endswith("(an SQLite database of another application, id 0x4d2)")


def test_a_file_that_is_not_sqlite_is_refused(tmp_path: Path) -> None:
    text = tmp_path / "notes.sqlite"
    text.write_text("just some notes\n" * 20, encoding="utf-8")
    run = cli("index", "add", str(CORPUS), "--index", str(text))
    assert run.one_error_line() == f"error: {text}: not an index (not an SQLite database)"


def test_a_new_index_carries_the_application_id(corpus_index: Path) -> None:
    header = corpus_index.read_bytes()[:100]
    assert int.from_bytes(header[68:72], "big") == APPLICATION_ID


def test_reading_commands_never_create_or_switch_the_journal(
    index_copy: Path, tmp_path: Path, copies: Path
) -> None:
    missing = tmp_path / "nothing.sqlite"
    run = cli("check", str(copies), "--index", str(missing))
    assert "no index at" in run.one_error_line()
    assert not missing.exists()
    _sql(index_copy, "PRAGMA journal_mode = DELETE")
    before = digest(index_copy)
    assert cli("check", str(copies), "--index", str(index_copy)).code == 1
    assert cli("index", "stats", "--index", str(index_copy)).code == 0
    assert cli("index", "verify", "--index", str(index_copy)).code == 0
    assert digest(index_copy) == before
    conn = sqlite3.connect(index_copy)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"


def test_malformed_pages_never_let_a_duplicate_pass(
    corpus_index: Path, copies: Path, tmp_path: Path
) -> None:
    """Overwritten pages let some exact duplicates pass with no error, and `stats --verify`
    crashed on one. Every page but the header page (which the identity check reads) is
    overwritten in turn, with random bytes and with a copy of another page: the check of
    the duplicates fails them (exit 1) or refuses the index (exit 2), never passes; verify
    reports the damage (exit 1) or refuses the file (exit 2), never says it is sound."""
    page_size = int.from_bytes(corpus_index.read_bytes()[16:18], "big")
    pages = corpus_index.stat().st_size // page_size
    rng = random.Random(11)
    damaged = tmp_path / "damaged.sqlite"
    outcomes = []
    for page in range(1, pages):
        for how in ("random", "copy"):
            shutil.copyfile(corpus_index, damaged)
            data = bytearray(damaged.read_bytes())
            other = 1 + page % (pages - 1)
            new = (
                rng.randbytes(page_size)
                if how == "random"
                else bytes(data[other * page_size : (other + 1) * page_size])
            )
            data[page * page_size : (page + 1) * page_size] = new
            damaged.write_bytes(bytes(data))
            checked = cli("check", str(copies), "--index", str(damaged))
            verified = cli("index", "verify", "--index", str(damaged))
            outcomes.append((page, how, checked.code, verified.code))
            assert checked.code in (1, 2), (page, how, checked.stdout)
            if checked.code == 2:
                checked.one_error_line()
            assert verified.code in (1, 2), (page, how, verified.stdout)
            assert "Traceback" not in verified.stderr
    assert outcomes  # the index has pages beyond the header


def test_verify_recomputes_band_keys_and_passages(index_copy: Path) -> None:
    assert cli("index", "verify", "--index", str(index_copy)).code == 0
    conn = sqlite3.connect(index_copy, isolation_level=None)
    key, ref = conn.execute("SELECT key, ref FROM bands ORDER BY key LIMIT 1").fetchone()
    # one band row moved to another key: counts still agree, so only the recomputation sees it
    conn.execute("UPDATE bands SET key = ? WHERE key = ? AND ref = ?", (key ^ 1, key, ref))
    conn.execute('UPDATE passages SET "end" = "end" - 1 WHERE article = 1 AND seq = 0')
    conn.execute("UPDATE articles SET text = text || ' ' WHERE pk = 2")
    conn.close()
    run = cli("index", "verify", "--index", str(index_copy))
    assert run.code == 1
    text = run.stdout
    assert "1 of its" in text
    assert "band keys are missing" in text
    assert "stored passages differ from the" in text
    assert "its text does not match its content hash" in text
    stats = cli("index", "stats", "--verify", "--index", str(index_copy))
    assert stats.code == 1


def test_invalid_metadata_json_during_rebuild(index_copy: Path) -> None:
    """A row with invalid metadata JSON gave a traceback during `rebuild`."""
    _sql(index_copy, "UPDATE articles SET metadata = '{not json' WHERE pk = 3")
    before = digest(*_files(index_copy))
    run = cli("index", "rebuild", "--index", str(index_copy))
    line = run.one_error_line()
    assert "damaged index: article" in line
    assert "(pk 3) has an unreadable row" in line
    assert digest(*_files(index_copy)) == before
    assert (
        "(pk 3) has an unreadable row" in cli("index", "verify", "--index", str(index_copy)).stdout
    )


def test_a_full_disk_is_reported_as_such(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`database or disk is full` was a traceback, then hidden by `cannot rollback - no
    transaction is active`. SQLite's max_page_count makes the file full after 4 pages."""
    real = sqlite3.connect

    def small(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        conn: sqlite3.Connection = real(*args, **kwargs)
        conn.execute("PRAGMA max_page_count = 4")
        return conn

    monkeypatch.setattr(sqlite3, "connect", small)
    index = tmp_path / "full.sqlite"
    run = cli("index", "add", str(CORPUS), "--index", str(index))
    line = run.one_error_line()
    assert "database or disk is full" in line
    assert "rollback" not in line


def test_a_read_only_index_file_in_a_writable_folder(tmp_path: Path) -> None:
    """`attempt to write a readonly database` escaped as a traceback (exit 1)."""
    needs_nobody()
    folder = Path(os.environ.get("TMPDIR", "/tmp")) / f"i11-ro-{os.getpid()}"
    folder.mkdir(mode=0o777, exist_ok=True)
    folder.chmod(0o777)
    try:
        index = folder / "index.sqlite"
        assert (
            cli(
                "index", "add", str(CORPUS / "000_3f8e6b0e94d37dc3.json"), "--index", str(index)
            ).code
            == 0
        )
        index.chmod(0o444)
        os.chown(folder, 65534, 65534)
        run = subprocess_cli(
            ["index", "add", str(CORPUS), "--index", str(index)], cwd=folder, as_nobody=True
        )
        line = run.one_error_line()
        assert "readonly database" in line
        assert str(index) in line
        assert stat.S_IMODE(index.stat().st_mode) == 0o444
    finally:
        shutil.rmtree(folder)


class _FailingCommit:
    """A connection whose COMMIT fails as a full disk would (sqlite3.Connection itself
    cannot be patched), delegating everything else."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def __getattr__(self, name: str) -> object:
        return getattr(self._conn, name)

    def execute(self, sql: str, *args: object) -> sqlite3.Cursor:
        if sql == "COMMIT":
            self._conn.execute("ROLLBACK")  # SQLite ends the transaction by itself here
            raise sqlite3.OperationalError("database or disk is full")
        return self._conn.execute(sql, *args)  # type: ignore[arg-type]


def test_a_failed_commit_is_reported_as_such(index_copy: Path) -> None:
    from provenance.config import Config
    from provenance.errors import StoreError
    from provenance.store import Fingerprinter, Store

    with Store(index_copy, Fingerprinter(Config())) as store:
        before = store.count()
        store.conn = _FailingCommit(store.conn)  # type: ignore[assignment]
        with pytest.raises(StoreError) as raised, store.transaction():
            store.conn.execute("DELETE FROM articles WHERE pk = 1")
        message = str(raised.value)
        assert "commit failed, nothing of this transaction was written" in message
        assert "database or disk is full" in message
        assert "rollback" not in message
        assert store.count() == before

"""The persistent index: one embedded SQLite file of articles, passages and band keys.

Tables (nothing is pickled; every column is a plain SQL value):

- ``meta(key, value)``: the format version and the fingerprint parameters (scheme, seed,
  num_perm, shingle sizes, datasketch major, bands, rows, key bits). Opening a file whose
  parameters differ from this run's is refused with a message that says how to rebuild.
- ``articles``: metadata, the 16-byte content hash and the text. ``pk`` is AUTOINCREMENT so
  a band row of a removed article can never point at a later article.
- ``passages(article, seq, start, end)``: the indexed sentence units as offsets into the text;
  their texts are ``articles.text[start:end]`` (the view ``passage_texts`` shows them).
- ``bands(key, ref)``: one row per band per passage, clustered on ``key`` (WITHOUT ROWID),
  so a query is one index seek per band. ``ref = article_pk << 12 | seq``.

Durability and concurrency: WAL journal, ``synchronous=FULL``, one ``BEGIN IMMEDIATE``
transaction per batch, a ``busy_timeout`` and a retry loop (with jittered back-off) up to
``lock_timeout_s``, so concurrent writers wait for each other instead of failing.
"""

from __future__ import annotations

import json
import random
import sqlite3
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from provenance.config import StoreConfig
from provenance.errors import StoreError
from provenance.model import Article, SourceKind, parse_instant
from provenance.store import inspect
from provenance.store.inspect import Stats
from provenance.store.keys import (
    FORMAT_VERSION,
    QUOTE_SEQ,
    REBUILDABLE_FORMATS,
    REF_BITS,
    Entry,
    Fingerprinter,
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS articles (
    pk INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    content_hash BLOB NOT NULL,
    source_kind TEXT NOT NULL,
    outlet TEXT,
    published TEXT,
    n_passages INTEGER NOT NULL,
    metadata TEXT NOT NULL,
    text TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS passages (
    article INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    PRIMARY KEY (article, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS bands (
    key INTEGER NOT NULL,
    ref INTEGER NOT NULL,
    PRIMARY KEY (key, ref)
) WITHOUT ROWID;
CREATE VIEW IF NOT EXISTS passage_texts AS
    SELECT a.id AS article_id, p.seq, p.start, p."end",
           substr(a.text, p.start + 1, p."end" - p.start) AS text
    FROM passages AS p JOIN articles AS a ON a.pk = p.article;
"""
# The SQLite header's application id ("PROV"): `file` and `sqlite3` show what the file is,
# and an index is told from any other SQLite database without reading its tables.
APPLICATION_ID = 0x50524F56
# The columns each table must have (a file without them is refused, never altered).
_TABLES = {
    "meta": {"key", "value"},
    "articles": {
        "pk",
        "id",
        "content_hash",
        "source_kind",
        "outlet",
        "published",
        "n_passages",
        "metadata",
        "text",
    },
    "passages": {"article", "seq", "start", "end"},
    "bands": {"key", "ref"},
}
_SQLITE_MAGIC = b"SQLite format 3\x00"
_HEADER_BYTES = 100
_BUSY_TIMEOUT_MS = 2000
_MASK = (1 << REF_BITS) - 1


def check_identity(path: str) -> None:
    """Refuse, reading only its 100-byte header, a file that is not an index: not a regular
    file, empty, not SQLite, or an SQLite database with another application id. (Id 0 is
    an index made before ids were written, or a foreign database: the tables then decide.)"""
    file = Path(path)
    if not file.is_file():
        raise StoreError(f"{path}: not a regular file, so not an index")
    try:
        with file.open("rb") as handle:
            header = handle.read(_HEADER_BYTES)
    except OSError as exc:
        raise StoreError(f"{path}: cannot read the index: {exc.strerror or exc}") from None
    if not header:
        raise StoreError(f"{path}: empty file, not an index (delete it or name another file)")
    if not header.startswith(_SQLITE_MAGIC) or len(header) < _HEADER_BYTES:
        raise StoreError(f"{path}: not an index (not an SQLite database)")
    app_id = int.from_bytes(header[68:72], "big")
    if app_id not in (0, APPLICATION_ID):
        raise StoreError(
            f"{path}: not an index (an SQLite database of another application, id {app_id:#x})"
        )


_NO_TABLES = "no index tables"


def _schema_problem(conn: sqlite3.Connection) -> str:
    """What keeps a database from being an index: "" when nothing, ``_NO_TABLES`` when it
    has none of the tables, else a phrase naming the missing table or column."""
    names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master")]
    found = {
        name: {str(r[1]) for r in conn.execute(f'PRAGMA table_info("{name}")')}
        for name in names
        if name in _TABLES
    }
    if not found:
        return _NO_TABLES
    missing = sorted(set(_TABLES) - set(found))
    if missing:
        return f"not a complete provenance index: table(s) {', '.join(missing)} missing"
    for name, columns in _TABLES.items():
        lacking = sorted(columns - found[name])
        if lacking:
            return f"not a provenance index: table {name} lacks column(s) {', '.join(lacking)}"
    return ""


def _app_id(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA application_id").fetchone()[0])


def _explain(problem: str, ours: bool) -> str:
    if problem != _NO_TABLES:
        return problem
    if ours:
        return (
            "an index whose creation never finished (no tables); "
            "`provenance index add` creates them"
        )
    return "not an index (an SQLite database without the index tables)"


def describe_sqlite_error(exc: Exception) -> str:
    """An SQLite error as a phrase for a one-line message, with what to do when known."""
    text = " ".join(str(exc).split())
    low = text.lower()
    if "malformed" in low or "not a database" in low:
        return f"damaged index ({text}); `provenance index verify` tells more"
    if "readonly" in low or "read-only" in low:
        return f"cannot write the index ({text}): check the permissions of the file and folder"
    if "disk is full" in low or "disk i/o" in low:
        return f"cannot write the index ({text})"
    return text


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


@dataclass(frozen=True)
class StoredArticle:
    pk: int
    article: Article
    passages: tuple[tuple[int, int], ...]  # (start, end) by seq


@dataclass(frozen=True)
class PutResult:
    added: tuple[str, ...] = ()
    replaced: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()


class Store:
    """An open index file. Use as a context manager; writes go through ``transaction()``."""

    def __init__(
        self,
        path: str | Path,
        fingerprinter: Fingerprinter,
        *,
        create: bool = False,
        readonly: bool = False,
        lock_timeout_s: float = StoreConfig.lock_timeout_s,
        check_meta: bool = True,
        page_size: int = StoreConfig.page_size,
    ) -> None:
        """Open (``create``: or create) the index at ``path``. An existing file is checked
        before SQLite writes anything (``check_identity``); ``readonly`` opens it with
        SQLite's ``mode=ro``, so nothing (journal mode, tables, meta) can change."""
        self.path = str(path)
        self.fp = fingerprinter
        self.lock_timeout_s = lock_timeout_s
        self.readonly = readonly
        memory = self.path == ":memory:"
        new = not memory and not Path(self.path).exists()
        if not memory and not new and create and not readonly:
            # an empty regular file is an index another writer is creating this instant
            # (sqlite3.connect makes the file before its first page): create it alike
            file = Path(self.path)
            new = file.is_file() and file.stat().st_size == 0
        if new and (readonly or not create):
            raise StoreError(
                f"no index at {self.path}; create it with `provenance index add PATHS`"
            )
        if not memory and not new:
            check_identity(self.path)
            self._precheck(creating=create and not readonly)
        elif new:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            if readonly:
                uri = f"{Path(self.path).absolute().as_uri()}?mode=ro"
                self.conn = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=0)
            else:
                self.conn = sqlite3.connect(self.path, isolation_level=None, timeout=0)
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot open the index: {exc}") from None
        try:
            self._prepare(new=new, memory=memory, page_size=page_size, check_meta=check_meta)
        except BaseException:
            # a refused or failed open leaves nothing behind: no open connection holding
            # -wal/-shm files beside the user's file
            self.conn.close()
            raise

    def _prepare(self, *, new: bool, memory: bool, page_size: int, check_meta: bool) -> None:
        """Set up the opened connection: pragmas, then the tables of a new index or the
        checks of an existing one."""
        readonly = self.readonly
        self.conn.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
        self.conn.execute("PRAGMA cache_size = -65536")  # 64 MiB of page cache
        if not readonly:
            if new or memory:
                # takes effect only in a file that has no page yet (before WAL): see
                # StoreConfig. The application id is written before WAL is switched on, so
                # it is in the main file's header from the first byte on.
                self.conn.execute(f"PRAGMA page_size = {int(page_size)}")
                self._retry(lambda: self.conn.execute(f"PRAGMA application_id = {APPLICATION_ID}"))
            self._retry(lambda: self.conn.execute("PRAGMA journal_mode = WAL").fetchone())
            self.conn.execute("PRAGMA synchronous = FULL")
        problem = self._retry(lambda: _schema_problem(self.conn))
        if not problem:
            # an existing index: checking its parameters is a read, so a read-only user
            # (``provenance check`` without ``--add``) never waits for a writer's lock
            self._retry(lambda: self._check_meta(check_meta))
            return
        ours = new or memory or self._retry(lambda: _app_id(self.conn) == APPLICATION_ID)
        if problem != _NO_TABLES or readonly or not ours:
            raise StoreError(f"{self.path}: {_explain(problem, ours)}")
        with self.transaction():
            problem = _schema_problem(self.conn)
            if problem == _NO_TABLES:
                # a new file, or one whose creation never committed (it has our id, no table)
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        self.conn.execute(statement)
                self.write_meta()
            elif problem:
                raise StoreError(f"{self.path}: {_explain(problem, ours)}")
            self._check_meta(check_meta)

    def _precheck(self, *, creating: bool) -> None:
        """Tables, columns and a complete meta row of an existing file, read through an
        ``immutable`` connection that takes no lock and creates no ``-wal``/``-shm`` file,
        so a file that is refused is left exactly as it was. Skipped while a ``-wal`` file
        holds data (the main file alone is then not the current state; the same checks run
        again on the real connection)."""
        wal = Path(f"{self.path}-wal")
        if wal.is_file() and wal.stat().st_size > 0:
            return
        uri = f"{Path(self.path).absolute().as_uri()}?mode=ro&immutable=1"
        try:
            conn = sqlite3.connect(uri, uri=True, isolation_level=None)
            try:
                problem = _schema_problem(conn)
                ours = _app_id(conn) == APPLICATION_ID
                if problem == _NO_TABLES and creating and ours:
                    return
                if problem:
                    raise StoreError(f"{self.path}: {_explain(problem, ours)}")
                # an older rebuildable format passes here; _check_meta refuses it for
                # anything but a rebuild on the real connection
                meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
                self._meta_complete(meta, rebuilding=True)
            finally:
                conn.close()
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: {describe_sqlite_error(exc)}") from None

    # -- connection and transactions ------------------------------------------------------

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _retry(self, action: Any) -> Any:
        deadline = time.monotonic() + self.lock_timeout_s
        delay = 0.01
        while True:
            try:
                return action()
            except sqlite3.OperationalError as exc:
                if not _is_busy(exc) or time.monotonic() > deadline:
                    raise StoreError(f"{self.path}: {describe_sqlite_error(exc)}") from None
            except sqlite3.DatabaseError as exc:
                raise StoreError(f"{self.path}: {describe_sqlite_error(exc)}") from None
            time.sleep(delay * (1 + random.random()))
            delay = min(delay * 2, 0.5)

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[None]:
        """``BEGIN IMMEDIATE`` (waiting for other writers) ... ``COMMIT``, or roll back.
        ``write=False``: a read transaction (``BEGIN DEFERRED``, always rolled back), so
        that every query inside sees one state of the file and concurrent writers cannot
        make a band row and its article disagree."""
        if self.conn.in_transaction:
            yield
            return
        self._retry(lambda: self.conn.execute("BEGIN IMMEDIATE" if write else "BEGIN DEFERRED"))
        try:
            yield
        except BaseException:
            self._rollback()
            raise
        if not write:
            self._rollback()
            return
        try:
            self.conn.execute("COMMIT")
        except sqlite3.Error as exc:
            self._rollback()
            raise StoreError(
                f"{self.path}: commit failed, nothing of this transaction was written: "
                f"{describe_sqlite_error(exc)}"
            ) from None

    def _rollback(self) -> None:
        """Roll back if a transaction is still open: SQLite ends one by itself after some
        errors (a full disk), and a second error must not hide the first."""
        if self.conn.in_transaction:
            with suppress(sqlite3.Error):
                self.conn.execute("ROLLBACK")

    def _check_meta(self, check: bool) -> None:
        """The recorded parameters must be complete and (when ``check``) this run's."""
        stored = dict(self.conn.execute("SELECT key, value FROM meta").fetchall())
        wanted = self._meta_complete(stored, rebuilding=not check)
        diff = [f"{k}={stored.get(k)} (now {v})" for k, v in wanted.items() if stored.get(k) != v]
        if diff and check:
            raise StoreError(
                f"{self.path} was built with other fingerprint parameters: {', '.join(diff)}; "
                f"rebuild it with `provenance index rebuild --index {self.path}` "
                "(or delete it and add the articles again)"
            )

    def _meta_complete(
        self, stored: Mapping[str, str], *, rebuilding: bool = False
    ) -> dict[str, str]:
        """This run's parameters, after checking that ``stored`` names each of them and has a
        format this version reads (an older format with the same tables only to rebuild it)."""
        wanted = self.fp.meta()
        found = stored.get("format_version")
        if found not in (None, str(FORMAT_VERSION)) and not (
            found in REBUILDABLE_FORMATS and rebuilding
        ):
            how = (
                f"rebuild it with `provenance index rebuild --index {self.path}`"
                if found in REBUILDABLE_FORMATS
                else "delete the file and add the articles again"
            )
            raise StoreError(
                f"{self.path} has index format {found}, this version reads format "
                f"{FORMAT_VERSION}: {how}"
            )
        missing = sorted(set(wanted) - set(stored))
        if missing:
            raise StoreError(
                f"{self.path}: damaged index: its meta table lacks {', '.join(missing)}, so "
                "its parameters are unknown; delete the file and add the articles again"
            )
        return wanted

    def write_meta(self) -> None:
        """Record this run's parameters (used by rebuild, inside its transaction)."""
        self.conn.execute("DELETE FROM meta")
        self.conn.executemany("INSERT INTO meta VALUES (?, ?)", sorted(self.fp.meta().items()))

    # -- writing ----------------------------------------------------------------------------

    def hashes(self, ids: Iterable[str]) -> dict[str, bytes]:
        """Content hashes of those ``ids`` that are indexed."""
        out: dict[str, bytes] = {}
        for chunk in _chunks(sorted(set(ids)), 500):
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT id, content_hash FROM articles WHERE id IN ({marks})"
            out.update(self.conn.execute(sql, chunk).fetchall())
        return out

    def put(self, entries: Sequence[Entry], *, replace: bool = False) -> PutResult:
        """Store ``entries`` (inside a transaction). Same id and hash: nothing to do; same
        id, other text: ``StoreError`` naming the id unless ``replace``."""
        added: list[str] = []
        replaced: list[str] = []
        unchanged: list[str] = []
        band_rows: list[tuple[int, int]] = []
        with self.transaction():
            for entry in entries:
                article = entry.article
                row = self.conn.execute(
                    "SELECT pk, content_hash FROM articles WHERE id = ?", (article.id,)
                ).fetchone()
                if row is not None and not isinstance(row[1], bytes):
                    raise StoreError(
                        f"{self.path}: damaged index: article {article.id!r} "
                        "has no readable content hash"
                    )
                if row is not None and row[1] == entry.content_hash:
                    unchanged.append(article.id)
                    continue
                if row is not None:
                    if not replace:
                        raise StoreError(
                            f"article {article.id!r} is already indexed with a different text; "
                            "use --replace to replace it"
                        )
                    self._delete(int(row[0]))
                    replaced.append(article.id)
                else:
                    added.append(article.id)
                band_rows.extend(self._insert(entry))
            band_rows.sort()
            self.conn.executemany("INSERT OR IGNORE INTO bands VALUES (?, ?)", band_rows)
        return PutResult(tuple(added), tuple(replaced), tuple(unchanged))

    def _insert(self, entry: Entry) -> list[tuple[int, int]]:
        a = entry.article
        metadata = {k: v for k, v in a.metadata().items() if k not in _COLUMNS}
        if a.extra:
            metadata["extra"] = dict(a.extra)
        cursor = self.conn.execute(
            "INSERT INTO articles (id, content_hash, source_kind, outlet, published, n_passages,"
            " metadata, text) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                a.id,
                entry.content_hash,
                a.source_kind.value,
                a.outlet,
                a.published,
                len(entry.passages) + len(entry.quotes),
                json.dumps(metadata, ensure_ascii=False, sort_keys=True),
                a.text,
            ),
        )
        pk = int(cursor.lastrowid or 0)
        self.conn.executemany(
            'INSERT INTO passages (article, seq, start, "end") VALUES (?, ?, ?, ?)',
            [(pk, seq, p.start, p.end) for seq, p in entry.numbered()],
        )
        return [(key, pk << REF_BITS | seq) for seq, p in entry.numbered() for key in p.keys]

    def _delete(self, pk: int) -> None:
        """Remove an article with its passages and band rows (keys recomputed from text)."""
        text = self.conn.execute("SELECT text FROM articles WHERE pk = ?", (pk,)).fetchone()[0]
        spans = [
            tuple(self._integer(v, f"a passage of article pk {pk}") for v in row)
            for row in self.conn.execute(
                'SELECT seq, start, "end" FROM passages WHERE article = ?', (pk,)
            ).fetchall()
        ]
        if not isinstance(text, str):
            raise StoreError(f"{self.path}: damaged index: article pk {pk} has no readable text")
        rows = [
            (key, pk << REF_BITS | seq)
            for seq, start, end in spans
            for key in (self.fp.quote_keys if seq >= QUOTE_SEQ else self.fp.keys)(text[start:end])
        ]
        self.conn.executemany("DELETE FROM bands WHERE key = ? AND ref = ?", rows)
        self.conn.execute("DELETE FROM passages WHERE article = ?", (pk,))
        self.conn.execute("DELETE FROM articles WHERE pk = ?", (pk,))

    def remove(
        self,
        ids: Sequence[str] = (),
        outlet: str | None = None,
        before: datetime | str | None = None,
    ) -> list[str]:
        """Remove the articles matching every given filter; returns their ids. ``before``
        is an instant (a string is read by ``parse_instant``: a date alone is 00:00 UTC);
        ``published`` values are compared with it as instants, not as strings."""
        if not ids and outlet is None and before is None:
            raise StoreError("index remove needs --ids, --outlet or --before")
        cutoff = parse_instant(before) if isinstance(before, str) else before
        if isinstance(before, str) and cutoff is None:
            raise StoreError(f"not a date or RFC 3339 date-time: {before!r}")
        where: list[str] = ["1"]
        args: list[str] = []
        if ids:
            where.append(f"id IN ({','.join('?' * len(ids))})")
            args.extend(ids)
        if outlet is not None:
            where.append("outlet = ?")
            args.append(outlet)
        if cutoff is not None:
            where.append("published IS NOT NULL")
        with self.transaction():
            sql = f"SELECT pk, id, published FROM articles WHERE {' AND '.join(where)} ORDER BY id"
            found = [
                (pk, aid)
                for pk, aid, published in self.conn.execute(sql, args).fetchall()
                if cutoff is None or _before(published, cutoff)
            ]
            for pk, _ in found:
                self._delete(int(pk))
        return [str(i) for _, i in found]

    # -- reading ----------------------------------------------------------------------------

    def hits(self, keys: Sequence[int]) -> Counter[int]:
        """Stored passage refs sharing at least one band key, with the number shared."""
        if not keys:
            return Counter()
        marks = ",".join("?" * len(keys))
        sql = f"SELECT ref, count(*) FROM bands WHERE key IN ({marks}) GROUP BY ref"
        found: Counter[int] = Counter()
        for ref, count in self.conn.execute(sql, list(keys)).fetchall():
            found[self._integer(ref, "a band row's ref")] = count
        return found

    def _integer(self, value: object, what: str) -> int:
        """``value`` if it is an integer; a damaged file can hold anything in any column."""
        if type(value) is not int:
            raise StoreError(
                f"{self.path}: damaged index: {what} is {type(value).__name__} "
                f"{str(value)[:20]!r}, not an integer; `provenance index verify` tells more"
            )
        return value

    def count(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM articles").fetchone()[0])

    def kinds(self, pks: Iterable[int]) -> dict[int, tuple[str, SourceKind]]:
        """(id, source_kind) of ``pks``. Band rows leave with their article (``_delete``),
        so a band row pointing at no article means a damaged file: ``StoreError``, never
        a candidate silently dropped (read inside ``transaction(write=False)``, a concurrent remove
        cannot cause this)."""
        out: dict[int, tuple[str, SourceKind]] = {}
        wanted = sorted(set(pks))
        for chunk in _chunks(wanted, 500):
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT pk, id, source_kind FROM articles WHERE pk IN ({marks})"
            for pk, aid, kind in self.conn.execute(sql, chunk):
                if kind not in _KINDS:
                    raise StoreError(
                        f"{self.path}: damaged index: article pk {pk} has source_kind {kind!r}"
                    )
                out[int(pk)] = (str(aid), SourceKind(kind))
        self._require(wanted, out)
        return out

    def articles(self, pks: Iterable[int]) -> dict[int, StoredArticle]:
        out: dict[int, StoredArticle] = {}
        wanted = sorted(set(pks))
        for chunk in _chunks(wanted, 500):
            marks = ",".join("?" * len(chunk))
            for row in self.conn.execute(f"SELECT {_SELECT} WHERE pk IN ({marks})", chunk):
                out[int(row[0])] = self._stored(row)
        self._require(wanted, out)
        return out

    def _require(self, wanted: Sequence[int], found: Mapping[int, object]) -> None:
        missing = [pk for pk in wanted if pk not in found]
        if missing:
            raise StoreError(
                f"{self.path}: damaged index: band rows point at article pk {missing[0]}, "
                "which is not in the articles table; `provenance index verify` tells more"
            )

    def iter_articles(self) -> Iterator[StoredArticle]:
        for row in self.conn.execute(f"SELECT {_SELECT} ORDER BY id").fetchall():
            yield self._stored(row)

    def _stored(self, row: Sequence[Any]) -> StoredArticle:
        pk, aid, kind, outlet, published, metadata, text = row
        try:
            extra = json.loads(metadata)
            if not isinstance(extra, dict) or not isinstance(text, str) or not text:
                raise ValueError("metadata is not a JSON object or text is not text")
            if not isinstance(aid, str) or not all(
                v is None or isinstance(v, str) for v in (outlet, published)
            ):
                raise ValueError("id, outlet or published is not text")
            source_kind = SourceKind(kind)
        except (TypeError, ValueError) as exc:  # JSONDecodeError is a ValueError
            raise StoreError(
                f"{self.path}: damaged index: article {aid!r} (pk {pk}) has an unreadable "
                f"row ({' '.join(str(exc).split())})"
            ) from None
        article = Article(
            id=aid,
            text=text,
            title=extra.get("title"),
            outlet=outlet,
            url=extra.get("url"),
            published=published,
            source_kind=source_kind,
            language=extra.get("language"),
            authors=tuple(extra.get("authors") or ()),
            extra=extra.get("extra") or {},
        )
        spans = self.conn.execute(
            'SELECT start, "end" FROM passages WHERE article = ? ORDER BY seq', (pk,)
        ).fetchall()
        what = f"a passage offset of article {aid!r}"
        return StoredArticle(
            int(pk),
            article,
            tuple((self._integer(s, what), self._integer(e, what)) for s, e in spans),
        )

    def stats(self) -> Stats:
        return inspect.stats(self)

    def verify(self) -> list[str]:
        """Consistency problems (empty when sound); see ``inspect.verify``."""
        return inspect.verify(self)


_COLUMNS = ("id", "outlet", "published", "source_kind")
_KINDS = frozenset(k.value for k in SourceKind)
_SELECT = "pk, id, source_kind, outlet, published, metadata, text FROM articles"


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _before(published: object, cutoff: datetime) -> bool:
    at = parse_instant(published) if isinstance(published, str) else None
    return at is not None and at < cutoff


def ref_parts(ref: int) -> tuple[int, int]:
    """(article pk, passage seq) of a band row's ``ref``."""
    return ref >> REF_BITS, ref & _MASK

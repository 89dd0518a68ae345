"""The work store: the articles and the per-article results on disk as they are produced,
so that a run holds no article in memory and can resume.

One SQLite file (``work.sqlite``) in a work folder (``--work-dir``, or a temporary folder
removed after the run). The articles go in as they are read (``ingest``: each id recorded
as it comes, so a repeated one is refused without a set of ids in memory), then are
numbered in id order, and the stages read them back one at a time (``StoredArticles``).
Each map stage appends its results in id order, committed every ``BATCH`` results; a reduce
step stores its output once. A run started again on the same folder with ``--resume`` reads
its input again, skips what is stored and continues; the input (a hash of each article, in
id order) and the configuration are recorded, and a resume with other input or another
configuration is refused instead of mixing results. Records are pickled (they are this
program's own, read back by the same version; the store is never an exchange format).
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import sqlite3
import stat
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any, overload

import numpy.typing as npt

from provenance.config import Config
from provenance.match.spill import SCRATCH
from provenance.model import Article, Origin
from provenance.run.stored import (
    Arrays,
    KeptColumn,
    KeptRows,
    StoredBlobs,
    StoredMatrix,
    StoredRows,
    StoredStrings,
    StoredTexts,
    WorkStoreError,
    by_number,
    read_arrays,
    read_column,
    write_arrays,
    write_blocks,
    write_parts,
)

__all__ = [
    "BATCH",
    "FILE",
    "INBOX",
    "StoredArticles",
    "StoredBlobs",
    "StoredIds",
    "StoredMatrix",
    "StoredResults",
    "StoredRows",
    "StoredStrings",
    "StoredTexts",
    "WorkStore",
    "WorkStoreError",
    "run_key",
]

FILE = "work.sqlite"
INBOX = f"{FILE}-incoming"  # the articles as read, before they are numbered (``_inbox``)
FORMAT = 2
# Results written per transaction: a kill loses at most this many.
BATCH = 256
# The journal (``work.sqlite-wal``) is cut back to this many bytes once its pages are
# copied into the store. Without a limit it keeps the size of the largest transaction
# (a large reduction kept whole) on disk to the end of the run; lower, more truncating
# and growing the file again.
WAL_LIMIT = 64 << 20


# The run record of a store whose articles are still being read: nothing is computed yet.
_READING = "reading"
# Meta keys of the files kept beside the store: the rows of ``kept_rows`` recorded (a
# count), the arrays of ``keep_arrays`` (the file's size).
_ROWS = "rows {}"
_ARRAYS = "arrays {}"


def _article_digest(article: Article) -> bytes:
    """A 128-bit hash of everything of an article that its results depend on."""
    record = [article.metadata(), article.text, dict(article.extra)]
    data = json.dumps(record, sort_keys=True, default=str).encode("utf-8")
    return hashlib.blake2b(data, digest_size=16).digest()


def _key_of(digests: Iterable[bytes], config: Config) -> str:
    digest = hashlib.blake2b(digest_size=16)
    digest.update(json.dumps(config.to_dict(), sort_keys=True).encode("utf-8"))
    for d in digests:
        digest.update(d)
    return f"{FORMAT}:{digest.hexdigest()}"


def run_key(articles: Sequence[Article], config: Config) -> str:
    """What a resumed run must share with the first: config, and each article's hash in id
    order (``WorkStore.ingest`` computes the same key from the articles it stored)."""
    ordered = sorted(articles, key=lambda a: a.id)
    return _key_of(map(_article_digest, ordered), config)


_TABLES = {"meta", "results"}  # what makes a file a work store (older ones lack texts)
_SQLITE_MAGIC = b"SQLite format 3\x00"
_NOT_OURS = "not a work store of news-provenance"


def _resumable(path: Path, resume: bool) -> bool:
    """Whether ``path`` holds a work store of this program to continue: never without
    ``resume``, nor when nothing is there (or an empty file). Anything else at ``path``
    (another program's file, a link, a device) raises, so that it is never written or
    replaced; so does, on ``resume``, a work store without its run record."""
    if not os.path.lexists(path):
        return False
    if not stat.S_ISREG(os.lstat(path).st_mode):
        raise WorkStoreError(f"{path}: not a regular file; use another --work-dir")
    with path.open("rb") as handle:
        head = handle.read(len(_SQLITE_MAGIC))
    if not head:
        return False
    if head != _SQLITE_MAGIC:
        raise WorkStoreError(
            f"{path}: {_NOT_OURS} (not an SQLite database); use another --work-dir"
        )
    try:  # read-only: another program's database gets no table and no journal mode
        db = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)
        try:
            tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master")}
            run = None
            if tables >= _TABLES:
                run = db.execute("SELECT value FROM meta WHERE key = 'run'").fetchone()
        finally:
            db.close()
    except sqlite3.Error as exc:
        raise WorkStoreError(f"{path}: {_NOT_OURS} ({exc}); use another --work-dir") from None
    if not tables >= _TABLES:
        raise WorkStoreError(
            f"{path}: {_NOT_OURS} (an SQLite database without its tables); use another --work-dir"
        )
    if run is None and resume:
        raise WorkStoreError(f"{path}: damaged work store: no run record; run without --resume")
    return resume


def _files(path: Path) -> tuple[Path, ...]:
    """The store's file, its journal's and the articles' as read (``_inbox``)."""
    return path, Path(f"{path}-wal"), Path(f"{path}-shm"), _inbox(path)


def _journal(db: sqlite3.Connection, mode: str) -> bool:
    """Switch the store's journal to ``mode``: whether it is now (SQLite refuses to leave
    WAL mode while another connection has the store open; the store stays as it was)."""
    try:
        (now,) = db.execute(f"PRAGMA journal_mode={mode}").fetchone()
    except sqlite3.OperationalError:
        return False
    return str(now).lower() == mode


def _inbox(path: Path) -> Path:
    """The file of the articles as they are read, before they are numbered in id order
    (``ingest``): scratch, never resumed (a run stopped while reading reads its input
    again), so written once, without a journal, and removed once they are numbered. In the
    store itself they were written twice (the journal, then the store) and their pages
    left free in it once numbered, for the next stages' records."""
    return path.with_name(INBOX)


# the stored results of a stage from one number to before another, in order
_RESULTS = "SELECT blob FROM results WHERE stage = ? AND seq >= ? AND seq < ? ORDER BY seq"


def _loads(path: Path, blob: bytes) -> Any:
    try:
        return pickle.loads(blob)
    except Exception as exc:  # any failure to unpickle: the bytes are not what was stored
        raise WorkStoreError(
            f"{path}: damaged work store: a stored result cannot be read "
            f"({type(exc).__name__}); run without --resume"
        ) from None


def read_results(path: Path, stage: str, start: int, stop: int) -> list[Any]:
    """The stored results ``start`` to ``stop`` of ``stage`` in the store ``path``, read by
    another process than the run's (a pool's worker) while the run holds the store: opened
    read-only (its journal lets a reader beside the writer), closed once read."""
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            rows = db.execute(_RESULTS, (stage, start, stop)).fetchall()
        finally:
            db.close()
    except sqlite3.Error as exc:
        raise WorkStoreError(f"{path}: cannot read the work store: {exc}") from None
    if len(rows) != stop - start:
        raise WorkStoreError(f"{path}: damaged work store: {stage} {start}-{stop} missing")
    return [_loads(path, blob) for (blob,) in rows]


class WorkStore:
    """The work store in ``folder``. With ``key`` (``run_key`` of articles the caller
    holds), a resume of another run is refused here; without it, ``ingest`` reads the
    articles in, computes the key from what it stored and refuses there."""

    def __init__(self, folder: Path, key: str | None = None, *, resume: bool) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / FILE
        self._path = path
        self._folder = folder
        if not _resumable(path, resume):  # start afresh: our own store, or an empty file
            for companion in _files(path):
                companion.unlink(missing_ok=True)
        for scratch in folder.glob(f"{SCRATCH}*"):  # a stopped step's spilled buckets
            scratch.unlink(missing_ok=True)
        self._reading = False  # whether ``_inbox`` is attached
        try:
            self._db = sqlite3.connect(path)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(f"PRAGMA journal_size_limit={int(WAL_LIMIT)}")
            self._db.executescript(
                "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
                "CREATE TABLE IF NOT EXISTS results (stage TEXT NOT NULL, seq INTEGER NOT NULL,"
                " blob BLOB NOT NULL, PRIMARY KEY (stage, seq));"
                "CREATE TABLE IF NOT EXISTS reduced (stage TEXT PRIMARY KEY, blob BLOB NOT NULL);"
                "CREATE TABLE IF NOT EXISTS texts (name TEXT NOT NULL, seq INTEGER NOT NULL,"
                " text TEXT NOT NULL, PRIMARY KEY (name, seq));"
                # the articles numbered in id order once all are read
                "CREATE TABLE IF NOT EXISTS articles (seq INTEGER PRIMARY KEY, id TEXT NOT NULL,"
                " outlet TEXT, blob BLOB NOT NULL);"
            )
            row = self._db.execute("SELECT value FROM meta WHERE key = 'run'").fetchone()
            if row is None:
                with self._db:
                    self._db.execute("INSERT INTO meta VALUES ('run', ?)", (key or _READING,))
            elif key is not None and row[0] != key:
                raise self._other_run()
        except sqlite3.Error as exc:
            raise WorkStoreError(f"{path}: cannot use the work store: {exc}") from None

    def _other_run(self) -> WorkStoreError:
        return WorkStoreError(
            f"{self._folder}: the work folder holds a run of other articles or another "
            "configuration; use another folder or run without --resume"
        )

    def seen(self) -> StoredIds:
        """The ids read, recorded in the store as they come (``ingest.Seen``): pass it to
        the ``ingest.stream`` whose articles go to ``ingest``."""
        self._open_inbox()
        return StoredIds(self._db)

    def _open_inbox(self) -> None:
        """Attach ``_inbox`` (unless attached), empty: what a stopped run read is read again."""
        if self._reading:
            return
        inbox = _inbox(self._path)
        if os.path.islink(inbox) or os.path.isfile(inbox):  # a link goes, never followed
            inbox.unlink()
        try:
            self._db.execute("ATTACH DATABASE ? AS inbox", (str(inbox),))
            self._db.execute("PRAGMA inbox.journal_mode=OFF")
            self._db.execute("PRAGMA inbox.synchronous=OFF")
            # key: the id's UTF-8 bytes, whose order is the ids'
            self._db.execute(
                "CREATE TABLE inbox.incoming (key BLOB PRIMARY KEY, path TEXT NOT NULL,"
                " record TEXT, digest BLOB, id TEXT, outlet TEXT, blob BLOB)"
            )
        except sqlite3.Error as exc:
            raise WorkStoreError(f"{inbox}: cannot use the work folder: {exc}") from None
        self._reading = True

    def _close_inbox(self) -> None:
        if self._reading:
            self._db.execute("DETACH DATABASE inbox")
            _inbox(self._path).unlink(missing_ok=True)
            self._reading = False

    def ingest(self, articles: Iterable[Article], config: Config) -> StoredArticles:
        """Store ``articles`` as they come (in ``_inbox``, committed every ``BATCH``), then
        number them in id order in the store; the run's key is computed from what was
        stored. On a resumed run the key must be the one recorded (else
        ``WorkStoreError``); on a fresh one it is recorded with the numbered articles, in
        one transaction. Returns them, read back on demand."""
        db = self._db
        self._open_inbox()
        update = (
            "UPDATE inbox.incoming SET digest = ?, id = ?, outlet = ?, blob = ? "
            "WHERE key = ? AND blob IS NULL"
        )
        for count, a in enumerate(articles, start=1):
            id_key = a.id.encode("utf-8")
            row = (_article_digest(a), a.id, a.outlet, pickle.dumps(a, pickle.HIGHEST_PROTOCOL))
            if db.execute(update, (*row, id_key)).rowcount == 0:  # not recorded by ``seen``
                insert = "INSERT INTO inbox.incoming VALUES (?, ?, NULL, ?, ?, ?, ?)"
                try:
                    db.execute(insert, (id_key, a.origin.path if a.origin else "?", *row))
                except sqlite3.IntegrityError:
                    db.rollback()
                    raise WorkStoreError(f"duplicate article id {a.id!r}") from None
            if count % BATCH == 0:
                db.commit()
        db.commit()
        query = "SELECT digest FROM inbox.incoming WHERE blob IS NOT NULL ORDER BY key"
        key = _key_of((d for (d,) in db.execute(query)), config)
        (stored,) = db.execute("SELECT value FROM meta WHERE key = 'run'").fetchone()
        if stored not in (key, _READING):
            self._close_inbox()
            raise self._other_run()
        if stored == _READING:
            self._number(key)
        # else resumed: the articles were numbered with this key (all or none) and stay
        # where the first run wrote them, in id order. Deleted and written again, they took
        # the pages the delete freed, all over the store, and each later pass over them
        # read the disk at random (the outlet table of a resumed 1M report: about 1 MB/s,
        # for minutes).
        self._close_inbox()
        (count,) = db.execute("SELECT COUNT(*) FROM articles").fetchone()
        return StoredArticles(self, 0, int(count))

    def _number(self, key: str) -> None:
        """Number the articles read (``_inbox``) in id order in the store, and record the
        run's ``key`` with them."""
        db = self._db
        # The numbered articles are one transaction (all or none), not through the WAL
        # journal, which would hold them all, then copy them into the store: a rollback
        # journal keeps the pages it changes as they were, and appending to an empty
        # table changes almost none (at 30,000 articles the ingest wrote 6.0 KB an
        # article so, 8.9 through the WAL; each is ~3 KB stored). SQLite leaves WAL mode
        # only when no other connection has the store open: else through the WAL.
        rollback = _journal(db, "delete")
        with db:
            db.execute("DELETE FROM articles")
            numbered = db.execute(
                "SELECT id, outlet, blob FROM inbox.incoming WHERE blob IS NOT NULL ORDER BY key"
            )
            db.executemany(
                "INSERT INTO articles VALUES (?, ?, ?, ?)",
                ((seq, *row) for seq, row in enumerate(numbered)),
            )
            db.execute("UPDATE meta SET value = ? WHERE key = 'run'", (key,))
        if rollback:
            _journal(db, "wal")  # with its busy wait: a reader of the store ends soon

    def done(self, stage: str) -> int:
        row = self._db.execute("SELECT COUNT(*) FROM results WHERE stage = ?", (stage,)).fetchone()
        return int(row[0])

    def append(self, stage: str, results: Iterable[Any], start: int = 0) -> Iterator[Any]:
        """Store ``results`` (sequence numbers from ``start``) as they pass through."""
        pending: list[tuple[str, int, bytes]] = []
        for seq, result in enumerate(results, start=start):
            pending.append((stage, seq, pickle.dumps(result, pickle.HIGHEST_PROTOCOL)))
            if len(pending) >= BATCH:
                self._flush(pending)
            yield result
        self._flush(pending)

    def _flush(self, pending: list[tuple[str, int, bytes]]) -> None:
        if pending:
            with self._db:
                self._db.executemany("INSERT INTO results VALUES (?, ?, ?)", pending)
            pending.clear()

    def _pages(
        self, query: str, start: int, stop: int, first: tuple[Any, ...] = ()
    ) -> Iterator[Any]:
        """The rows of ``query`` (after the parameters ``first``, over ``seq`` from ``?`` to
        before ``?``) a page of ``BATCH`` at a time: no statement stays open while the
        store is written. (An open one holds its reading's snapshot: the journal could not
        be copied into the store and cut back until it ended, and would grow by all that
        is written meanwhile, such as every passage text of the passages' step, which
        reads the stored results while it stores the texts.)"""
        for at in range(start, stop, BATCH):
            yield from self._db.execute(query, (*first, at, min(stop, at + BATCH))).fetchall()

    def article(self, seq: int) -> Article:
        """The stored article ``seq`` (in id order)."""
        row = self._db.execute("SELECT blob FROM articles WHERE seq = ?", (seq,)).fetchone()
        if row is None:
            raise IndexError(f"no article {seq} in the work store")
        article: Article = self._loads(row[0])
        return article

    def read(self, stage: str, stop: int | None = None) -> Iterator[Any]:
        """The stored results of ``stage`` in order (the first ``stop`` of them)."""
        stop = self.done(stage) if stop is None else stop
        for (blob,) in self._pages(_RESULTS, 0, stop, (stage,)):
            yield self._loads(blob)

    def get(self, stage: str, seq: int) -> Any:
        """The stored result ``seq`` of ``stage``."""
        query = "SELECT blob FROM results WHERE stage = ? AND seq = ?"
        row = self._db.execute(query, (stage, seq)).fetchone()
        if row is None:
            raise IndexError(f"{stage}: no result {seq} in the work store")
        return self._loads(row[0])

    def many(self, stage: str, seqs: Sequence[int]) -> list[Any]:
        """The stored results ``seqs`` of ``stage``, in that order (repeats allowed): a
        query per few hundred distinct numbers (``stored.by_number``), not one per result."""
        query = "SELECT seq, blob FROM results WHERE stage = ? AND seq IN ({marks})"
        found: dict[int, bytes] = by_number(self._db, query, (stage,), seqs)
        if len(found) < len(set(seqs)):
            missing = next(s for s in seqs if s not in found)
            raise IndexError(f"{stage}: no result {missing} in the work store")
        loaded = {s: self._loads(blob) for s, blob in found.items()}
        return [loaded[s] for s in seqs]

    def results(self, stage: str) -> StoredResults:
        """The results of ``stage`` as a sequence read back from the store on demand."""
        return StoredResults(self, stage, self.done(stage))

    def texts(self, name: str) -> StoredTexts:
        """An empty table of texts ``name`` (a previous run's rows are dropped)."""
        with self._db:
            self._db.execute("DELETE FROM texts WHERE name = ?", (name,))
        return StoredTexts(self._db, name)

    def blobs(self, name: str, *, fresh: bool = True) -> StoredBlobs:
        """Byte strings ``name`` (rows of ``results`` under that name), read back by
        number: an empty table (a previous run's rows are dropped), or with ``fresh=False``
        the rows stored before (a resumed run reads back what the first one kept)."""
        if fresh:
            with self._db:
                self._db.execute("DELETE FROM results WHERE stage = ?", (name,))
        return StoredBlobs(self._db, name, self.done(name))

    def strings(self, name: str) -> StoredStrings:
        """An empty file of texts ``name`` (a previous run's is replaced), beside the store,
        read back by number (each with one positioned read)."""
        return StoredStrings(self._path.parent / f"{name}.utf8")

    def rows(self, name: str, width: int) -> StoredRows:
        """An empty file of float32 rows ``name`` of ``width`` values (a previous run's is
        replaced), beside the store: vectors kept on disk, read back by row number."""
        return StoredRows(self._path.parent / f"{name}.f32", width)

    def _recorded(self, key: str) -> int | None:
        """The count recorded under ``key`` in the store's meta table (None: none)."""
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        if not isinstance(row[0], int | str) or not str(row[0]).isdigit():
            raise WorkStoreError(f"{self._path}: damaged work store: {key!r}; run without --resume")
        return int(row[0])

    def _record(self, key: str, count: int | None) -> None:
        """Record ``count`` under ``key`` (None: remove the record)."""
        with self._db:
            if count is None:
                self._db.execute("DELETE FROM meta WHERE key = ?", (key,))
            else:
                self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, str(count)))

    def kept_rows(self, name: str, width: int) -> KeptRows:
        """Float32 rows ``name`` as ``rows`` makes them, but continued by a resumed run: the
        rows a previous run of this store appended and recorded are kept (``len``)."""
        key = _ROWS.format(name)
        kept = self._recorded(key) or 0
        return KeptRows(self._path.parent / f"{name}.f32", width, kept, partial(self._record, key))

    def drop_rows(self, name: str) -> None:
        """Remove the rows ``name`` that ``kept_rows`` made (once what they served is
        stored): the record first, so that a run killed in between starts them afresh."""
        self._record(_ROWS.format(name), None)
        (self._path.parent / f"{name}.f32").unlink(missing_ok=True)

    def keep_arrays(self, name: str, arrays: Arrays) -> None:
        """Keep numpy ``arrays`` (a step's result, for a resumed run: ``kept_arrays``) in a
        file ``name`` beside the store, whole or not at all; recorded once written."""
        size = write_arrays(self._path.parent / f"{name}.npz", arrays)
        self._record(_ARRAYS.format(name), size)

    def keep_parts(
        self, name: str, key: str, dtype: npt.DTypeLike, total: int, parts: Iterable[Any]
    ) -> None:
        """``keep_arrays`` of one 1-D array ``key`` given as its parts in order (never
        joined: ``write_parts``), read back as ``keep_arrays``' are."""
        size = write_parts(self._path.parent / f"{name}.npz", key, dtype, total, parts)
        self._record(_ARRAYS.format(name), size)

    def keep_blocks(
        self, name: str, kinds: Mapping[str, npt.DTypeLike], blocks: Iterable[Mapping[str, Any]]
    ) -> None:
        """``keep_arrays`` of 1-D arrays given a block of each at a time, their lengths
        known only at the end (never joined: ``write_blocks``)."""
        size = write_blocks(self._path.parent / f"{name}.npz", kinds, blocks)
        self._record(_ARRAYS.format(name), size)

    def kept_arrays(self, name: str) -> dict[str, npt.NDArray[Any]] | None:
        """The arrays ``keep_arrays`` kept under ``name`` (None: none recorded)."""
        size = self._recorded(_ARRAYS.format(name))
        return None if size is None else read_arrays(self._path.parent / f"{name}.npz", size)

    def has_arrays(self, name: str) -> bool:
        return self._recorded(_ARRAYS.format(name)) is not None

    def kept_column(self, name: str, key: str) -> KeptColumn | None:
        """The 1-D array ``key`` of the arrays kept as ``name``, read from their file a
        slice at a time (``KeptColumn``; None: none recorded; WorkStoreError as
        ``kept_arrays``)."""
        size = self._recorded(_ARRAYS.format(name))
        return None if size is None else read_column(self._path.parent / f"{name}.npz", size, key)

    def drop_arrays(self, name: str) -> None:
        """Remove the arrays ``name`` (once what they served is stored): the record first."""
        self._record(_ARRAYS.format(name), None)
        (self._path.parent / f"{name}.npz").unlink(missing_ok=True)

    def matrix(self, name: str, width: int) -> StoredMatrix:
        """An empty file of uint32 rows ``name`` of ``width`` values (MinHash signatures; a
        previous run's is replaced), beside the store, read back by band or by row."""
        return StoredMatrix(self._path.parent / f"{name}.u32", width)

    def reduced(self, stage: str) -> Any | None:
        row = self._db.execute("SELECT blob FROM reduced WHERE stage = ?", (stage,)).fetchone()
        return None if row is None else self._loads(row[0])

    def _loads(self, blob: bytes) -> Any:
        return _loads(self._path, blob)

    @property
    def path(self) -> Path:
        """The store's file (``read_results`` opens it from another process)."""
        return self._path

    def keep(self, stage: str, value: Any) -> None:
        with self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO reduced VALUES (?, ?)",
                (stage, pickle.dumps(value, pickle.HIGHEST_PROTOCOL)),
            )

    def forget(self, stage: str) -> None:
        """Drop what ``keep`` kept for ``stage`` (a checkpoint whose results moved on)."""
        with self._db:
            self._db.execute("DELETE FROM reduced WHERE stage = ?", (stage,))

    def size(self) -> int:
        """Bytes the store holds (pages in use)."""
        count = self._db.execute("PRAGMA page_count").fetchone()[0]
        size = self._db.execute("PRAGMA page_size").fetchone()[0]
        return int(count) * int(size)

    def close(self) -> None:
        self._db.close()

    def remove(self) -> None:
        """Delete the store's file and its journal (closed first)."""
        self.close()
        for companion in _files(self._path):
            companion.unlink(missing_ok=True)


class StoredResults(Sequence[Any]):
    """The stored results of one stage, in their order: iterating reads them back one at a
    time, indexing reads one; nothing is held."""

    def __init__(self, store: WorkStore, stage: str, count: int) -> None:
        self._store = store
        self._stage = stage
        self._count = count

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[Any]:
        return self._store.read(self._stage, self._count)

    @overload
    def __getitem__(self, index: int) -> Any: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Any]: ...
    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._count))]
        if not -self._count <= index < self._count:
            raise IndexError(index)
        return self._store.get(self._stage, index % self._count)


class StoredIds:
    """The ids read so far, each with where it was first seen, in the work store's table of
    incoming articles (``ingest.Seen``)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def first(self, id: str, origin: Origin) -> Origin | None:
        key = id.encode("utf-8")
        query = "INSERT OR IGNORE INTO inbox.incoming (key, path, record) VALUES (?, ?, ?)"
        if self._db.execute(query, (key, origin.path, origin.record)).rowcount == 1:
            return None
        path, record = self._db.execute(
            "SELECT path, record FROM inbox.incoming WHERE key = ?", (key,)
        ).fetchone()
        return Origin(path, record)


class StoredArticles(Sequence[Article]):
    """The stored articles ``start`` to ``stop`` in id order: iterating reads them back a
    page at a time, indexing reads one, a slice is another such view; nothing is held."""

    def __init__(self, store: WorkStore, start: int, stop: int) -> None:
        self._store = store
        self._start = start
        self._stop = max(start, stop)

    def __len__(self) -> int:
        return self._stop - self._start

    def __iter__(self) -> Iterator[Article]:
        query = "SELECT blob FROM articles WHERE seq >= ? AND seq < ? ORDER BY seq"
        for (blob,) in self._store._pages(query, self._start, self._stop):
            article: Article = self._store._loads(blob)
            yield article

    @overload
    def __getitem__(self, index: int) -> Article: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Article]: ...
    def __getitem__(self, index: int | slice) -> Article | Sequence[Article]:
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            if step != 1:
                return [self[i] for i in range(start, stop, step)]
            return StoredArticles(self._store, self._start + start, self._start + stop)
        if not -len(self) <= index < len(self):
            raise IndexError(index)
        return self._store.article(self._start + index % len(self))

    def outlets(self) -> Iterable[tuple[str, str | None]]:
        """(id, outlet) of each article, in id order, read back when iterated."""
        return _Outlets(self._store, self._start, self._stop)


class _Outlets:
    def __init__(self, store: WorkStore, start: int, stop: int) -> None:
        self._store = store
        self._start = start
        self._stop = stop

    def __iter__(self) -> Iterator[tuple[str, str | None]]:
        query = "SELECT id, outlet FROM articles WHERE seq >= ? AND seq < ? ORDER BY seq"
        yield from self._store._pages(query, self._start, self._stop)

"""What the work store keeps outside its tables' records: the matching stage's distinct
passage texts (``StoredTexts``, a table of the store), float32 vectors (``StoredRows``) and
MinHash signatures (``StoredMatrix``), each in a file of its own beside it, read back by
number when needed.

Rows picked by number are copied out of a read-only mapping of the file, a window of the
file at a time, and each window's pages are dropped from the mapping once copied
(``madvise(MADV_DONTNEED)``: the pages stay in the page cache, not in the process), so a
read of any size keeps at most about ``WINDOW_BYTES`` of the file resident: one pass of
numpy's gather instead of a system call per run of rows."""

from __future__ import annotations

import contextlib
import functools
import itertools
import mmap
import os
import sqlite3
import weakref
import zipfile
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, BinaryIO, Generic, TypeVar

import numpy as np
import numpy.typing as npt

from provenance.errors import ProvenanceError
from provenance.match.codes import runs, unique

# Numbers bound in one SQL query (SQLite's default limit is 32766 since 3.32).
_SQL_VARS = 900

V = TypeVar("V")


class WorkStoreError(ProvenanceError):
    """The work folder cannot be used (other input, other configuration, unreadable)."""


class _Numbered(Generic[V]):
    """Values numbered in the order they are added, rows of one of the work store's tables
    (``_INSERT``: name, number, value; ``_SELECT``: number and value of the numbers in
    ``({marks})``, see ``by_number``), read back by number, many at once."""

    _INSERT = ""
    _SELECT = ""

    def __init__(self, db: sqlite3.Connection, name: str, count: int = 0) -> None:
        self._db = db
        self._name = name
        self._count = count

    def __len__(self) -> int:
        return self._count

    def extend(self, values: Sequence[V]) -> None:
        rows = [(self._name, self._count + i, v) for i, v in enumerate(values)]
        with self._db:
            self._db.executemany(self._INSERT, rows)
        self._count += len(rows)

    def many(self, seqs: Sequence[int]) -> list[V]:
        """The values numbered ``seqs``, in that order."""
        found: dict[int, V] = by_number(self._db, self._SELECT, (self._name,), seqs)
        return [found[s] for s in seqs]


class StoredTexts(_Numbered[str]):
    """Texts numbered in the order they are added, kept in the work store rather than in
    memory (``match.units.Texts``): the matching stage reads back the ones it aligns."""

    _INSERT = "INSERT INTO texts VALUES (?, ?, ?)"
    _SELECT = "SELECT seq, text FROM texts WHERE name = ? AND seq IN ({marks})"


class StoredBlobs(_Numbered[bytes]):
    """Byte strings numbered in the order they are added (rows of the store's results
    under their own name), read back by number: records made once and read later in
    another order (the claim groups)."""

    _INSERT = "INSERT INTO results VALUES (?, ?, ?)"
    _SELECT = "SELECT seq, blob FROM results WHERE stage = ? AND seq IN ({marks})"


def _created(path: Path, keep: int = 0) -> int:
    """A new empty file of our own at ``path`` (one there before is replaced), open; with
    ``keep``, the file there, cut to its first ``keep`` bytes (``WorkStoreError`` if it
    holds fewer: it is not the one recorded)."""
    try:
        # never through a link: the file is ours, in our folder
        flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | (0 if keep else os.O_TRUNC)
        fd = os.open(path, flags, 0o600)
    except OSError as exc:
        raise WorkStoreError(f"{path}: cannot use the work folder: {exc.strerror}") from None
    if keep:
        try:
            if os.fstat(fd).st_size < keep:
                raise WorkStoreError(
                    f"{path}: damaged work store: the file ends before its recorded rows; "
                    "run without --resume"
                )
            os.ftruncate(fd, keep)  # what a killed append wrote after the last record
        except BaseException:
            os.close(fd)
            raise
    return fd


def _close(fd: int) -> None:
    with contextlib.suppress(OSError):
        os.close(fd)


def _opened(owner: object, path: Path) -> tuple[int, weakref.finalize[Any, Any]]:
    """``path`` opened read-only for ``owner``: the descriptor, and what closes it (once:
    when called, or when ``owner`` goes)."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    return fd, weakref.finalize(owner, _close, fd)


def _read_at(fd: int, out: npt.NDArray[Any], at: int, ends_early: str) -> None:
    """Fill ``out`` (C-contiguous) from byte ``at`` of ``fd``; WorkStoreError
    ``ends_early`` when the file ends first."""
    view = out.data.cast("B")
    done = 0
    while done < out.nbytes:
        got = os.preadv(fd, [view[done:]], at + done)
        if got <= 0:
            raise WorkStoreError(ends_early)
        done += got


class _Reopened:
    """A file beside the work store that pickles as its path and what reading it needs,
    not its descriptor: unpickled (in a pool worker that scores with it), it opens the file
    again, read-only. Such a copy only reads: ``close`` (or the copy going away) closes its
    descriptor and leaves the file to the process that made it."""

    _path: Path
    _fd: int
    # state that stays with the process that made the file: its descriptor, a mapping of
    # it, what records its rows (``KeptRows``)
    _LOCAL: tuple[str, ...] = ("_fd", "_mapping", "_record")
    _closer: weakref.finalize[Any, Any] | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k not in self._LOCAL}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        try:
            self._fd, self._closer = _opened(self, self._path)
        except OSError as e:
            raise WorkStoreError(f"{self._path}: cannot open it again: {e.strerror}") from None

    def _closed_copy(self) -> bool:
        """Close a copy's descriptor (true), or do nothing for the process that made the
        file (false)."""
        if self._closer is None:
            return False
        self._closer()
        self._fd = -1
        return True


class StoredStrings(_Reopened):
    """Texts numbered in the order they are added, in a file of their own beside the work
    store (UTF-8, one after the other; where each ends, 8 bytes a text, in memory), read
    back by number with a positioned read each (``match.units.Texts``): several times
    faster than a table's rows when many scattered ones are read (the claim keys that a
    block of proposed links compares)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._fd = _created(path)
        self._ends = array("q")

    def __len__(self) -> int:
        return len(self._ends)

    def extend(self, texts: Sequence[str]) -> None:
        data = [t.encode("utf-8", "surrogatepass") for t in texts]
        at = self._ends[-1] if self._ends else 0
        joined = memoryview(b"".join(data))
        done = 0
        while done < len(joined):
            done += os.pwrite(self._fd, joined[done:], at + done)
        for d in data:
            at += len(d)
            self._ends.append(at)

    def many(self, seqs: Sequence[int]) -> list[str]:
        """The texts numbered ``seqs``, in that order."""
        ends = self._ends
        out: list[str] = []
        for k in seqs:
            start = ends[k - 1] if k else 0
            data = os.pread(self._fd, ends[k] - start, start)
            if len(data) != ends[k] - start:
                raise WorkStoreError(f"{self._path}: the stored texts end early")
            out.append(data.decode("utf-8", "surrogatepass"))
        return out

    def close(self) -> None:
        """Close and remove the file (what it held is no longer needed)."""
        if self._closed_copy():
            return
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
            self._path.unlink(missing_ok=True)


def by_number(
    db: sqlite3.Connection, query: str, first: tuple[Any, ...], seqs: Sequence[int]
) -> dict[int, Any]:
    """The rows ``(seq, value)`` of ``query`` for the distinct numbers of ``seqs``: its
    ``{marks}`` bound to ``_SQL_VARS`` numbers a query, after the parameters ``first``."""
    found: dict[int, Any] = {}
    wanted = sorted(set(seqs))
    for at in range(0, len(wanted), _SQL_VARS):
        part = wanted[at : at + _SQL_VARS]
        found.update(db.execute(query.format(marks=",".join("?" * len(part))), (*first, *part)))
    return found


class _RowFile(_Reopened):
    """Rows of ``width`` values of ``DTYPE`` in a file of their own beside the work store,
    appended a block at a time, picked back by number through a mapping (``_pick``)."""

    DTYPE: np.dtype[Any] = np.dtype("<f4")
    # file bytes copied from the mapping before their pages are dropped from it: more,
    # fewer system calls per read, more of the file resident while a read lasts
    WINDOW_BYTES = 8 << 20
    # pages the kernel maps around a faulting one (its fault-around, 64 KB by default) are
    # dropped too: the dropped range is widened to multiples of this
    AROUND = 1 << 20
    # runs of consecutive rows read with a positioned read each rather than through the
    # mapping (a read of a few rows: a system call each is cheaper than faulting them in)
    FEW_RUNS = 64
    # whether ``close`` leaves the file (``KeptRows``)
    KEPT = False

    def __init__(self, path: Path, width: int, keep: int = 0) -> None:
        """An empty file at ``path``, or with ``keep`` the first ``keep`` rows of the one
        there (a resumed run's)."""
        self._path = path
        self._width = width
        self._count = keep
        self._mapping: tuple[mmap.mmap, npt.NDArray[Any]] | None = None  # of ``_count`` rows
        self._fd = _created(path, keep * width * self.DTYPE.itemsize)

    def __len__(self) -> int:
        return self._count

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        self._mapping = None  # made on the first read through it

    @property
    def shape(self) -> tuple[int, int]:
        return self._count, self._width

    def extend(self, rows: npt.NDArray[Any]) -> None:
        """Append ``rows`` (``len(self)`` x width)."""
        if not len(rows):
            return
        self._unmap()
        view = np.ascontiguousarray(rows, dtype=self.DTYPE).data.cast("B")  # no copy
        at, done = self._count * self._width * self.DTYPE.itemsize, 0
        while done < len(view):
            done += os.pwrite(self._fd, view[done:], at + done)
        self._count += len(rows)

    def beside(self, name: str, width: int) -> StoredMatrix:
        """A ``StoredMatrix`` of ``width`` columns in a file ``name`` of this one's folder
        (the work folder): for uint32 rows a step needs while it reads these."""
        return StoredMatrix(self._path.parent / f"{name}.u32", width)

    def cut(self, count: int) -> None:
        """Drop the rows after the first ``count``."""
        if count < self._count:
            self._unmap()
            os.ftruncate(self._fd, count * self._width * self.DTYPE.itemsize)
            self._count = count

    def _read(self, out: npt.NDArray[Any], start: int) -> None:
        """Rows ``start`` on into ``out`` (C-contiguous, whole rows)."""
        at = start * self._width * self.DTYPE.itemsize
        _read_at(self._fd, out, at, f"{self._path}: the stored rows end early")

    def _position(self, k: int) -> int:
        if not -self._count <= k < self._count:
            raise IndexError(k)
        return k % self._count

    def _view(self) -> npt.NDArray[Any]:
        """The file's rows as a read-only mapping (made again when rows were appended)."""
        if self._mapping is not None and len(self._mapping[1]) == self._count:
            return self._mapping[1]
        self._unmap()
        size = self._count * self._width * self.DTYPE.itemsize
        mapped = mmap.mmap(self._fd, size, access=mmap.ACCESS_READ)
        view = np.frombuffer(mapped, dtype=self.DTYPE).reshape(self._count, self._width)
        self._mapping = (mapped, view)
        return view

    def _unmap(self) -> None:
        if self._mapping is None:
            return
        mapped = self._mapping[0]
        self._mapping = None  # and the view of it with the tuple
        with contextlib.suppress(BufferError):  # a view still alive: unmapped when it goes
            mapped.close()

    def _pick(self, index: Any) -> npt.NDArray[Any]:
        """The rows numbered ``index`` (a sequence or integer array), in that order, as a
        new array: fewer than ``FEW_RUNS`` runs of consecutive rows with a read each, more
        copied from the mapping in ascending row order, a window of
        ``WINDOW_BYTES`` of the file at a time, each window's pages dropped once copied."""
        wanted = np.asarray(index, dtype=np.int64)
        if wanted.ndim != 1:
            raise TypeError(f"unsupported index {index!r}")
        if len(wanted) and not (-self._count <= wanted.min() and wanted.max() < self._count):
            raise IndexError("row number out of range")
        out = np.empty((len(wanted), self._width), dtype=self.DTYPE)
        if not len(wanted):
            return out
        wanted = wanted % self._count
        runs = np.flatnonzero(wanted[1:] != wanted[:-1] + 1) + 1
        if len(runs) < self.FEW_RUNS:  # a few runs of rows: a positioned read each
            for lo, hi in itertools.pairwise([0, *runs.tolist(), len(wanted)]):
                self._read(out[lo:hi], int(wanted[lo]))
            return out
        order = None if (wanted[1:] >= wanted[:-1]).all() else np.argsort(wanted, kind="stable")
        rows = wanted if order is None else wanted[order]
        into = out if order is None else np.empty_like(out)
        view = self._view()
        row_bytes = self._width * self.DTYPE.itemsize
        per = max(1, self.WINDOW_BYTES // row_bytes)
        cuts = np.flatnonzero(rows[1:] // per != rows[:-1] // per) + 1
        mapped = self._mapping[0] if self._mapping is not None else None
        for lo, hi in itertools.pairwise([0, *cuts.tolist(), len(rows)]):
            np.take(view, rows[lo:hi], axis=0, out=into[lo:hi])
            if mapped is not None:
                start = int(rows[lo]) * row_bytes // self.AROUND * self.AROUND
                end = min(
                    len(mapped),
                    -(-(int(rows[hi - 1]) + 1) * row_bytes // self.AROUND) * self.AROUND,
                )
                mapped.madvise(mmap.MADV_DONTNEED, start, end - start)
        if order is not None:
            out[order] = into
        return out

    def close(self) -> None:
        """Close and remove the file (what it held is no longer needed), unless it is kept
        for a resumed run (``KEPT``)."""
        self._unmap()
        if self._closed_copy():
            return
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
            if not self.KEPT:
                self._path.unlink(missing_ok=True)


class StoredRows(_RowFile):
    """Rows of a float32 matrix in a file of their own (``match.units.Rows``), read back by
    row number: one row with a positioned read, many through the mapping (``_pick``): only
    the rows asked for stay in memory."""

    def __getitem__(
        self, index: int | Sequence[int] | npt.NDArray[np.integer[Any]]
    ) -> npt.NDArray[np.float32]:
        """Row ``index`` (a vector), or the rows ``index`` in that order (a matrix)."""
        if isinstance(index, int | np.integer):
            row = np.empty(self._width, dtype=np.float32)
            self._read(row, self._position(int(index)))
            return row
        return self._pick(index)


class KeptRows(StoredRows):
    """``StoredRows`` that a resumed run continues instead of making again (the claims'
    sentence vectors: hours of a worker's time at a million articles): after each append
    the file is flushed to disk (``fsync``) and its row count given to ``record`` (the work
    store keeps it), so a run killed at any point leaves the rows recorded last, whole, and
    a store opened again on them (``keep``) drops whatever was written after. ``close``
    leaves the file (a run stopped by an error or an interrupt resumes from it too); the
    work store removes it once what the rows served is stored (``WorkStore.drop_rows``)."""

    KEPT = True

    def __init__(self, path: Path, width: int, keep: int, record: Callable[[int], None]) -> None:
        super().__init__(path, width, keep)
        self._record = record

    def extend(self, rows: npt.NDArray[Any]) -> None:
        if not len(rows):
            return
        super().extend(rows)
        self._kept()

    def cut(self, count: int) -> None:
        if count < self._count:
            super().cut(count)
            self._kept()

    def _kept(self) -> None:
        os.fsync(self._fd)
        self._record(self._count)


class StoredMatrix(_RowFile):
    """MinHash signatures (uint32 rows: ``match.candidates.SignatureRows``) in a file of
    their own, read back as LSH reads them: a few columns of every row (a band), or rows
    picked by number. Each read drops the file's pages from the process once copied, so
    what stays resident is what one read returns: columns ``WINDOW`` at a time (read in one
    pass over the file, ``BLOCK`` rows mapped at once), picked rows as many as asked for
    (``_pick``)."""

    DTYPE: np.dtype[Any] = np.dtype("<u4")
    BLOCK = 65_536  # rows mapped at once while columns are read
    # columns read per pass over the file: more, fewer passes, more memory; and at most
    # this many bytes of them (at 7.5 million rows, 24 columns are 720 MB: 4 fit, and of
    # bands of 3 columns one is read a pass: 42 passes over the file, where 21 passes of
    # 8 columns took 4.8 s in all, the file in the page cache).
    # Apart from ``WINDOW_BYTES``, the window of rows picked by number (``_pick``), which
    # bounds how much of the file a pick maps before dropping it: when this cap was that
    # window too, a pick of rows spread over a large file held up to 256 MB of its pages.
    WINDOW = 24
    COLUMN_BYTES = 128 << 20

    def __init__(self, path: Path, width: int) -> None:
        super().__init__(path, width)
        self._reader = open(self._fd, "rb", closefd=False)  # noqa: SIM115 (closed in close)
        self._window: tuple[int, npt.NDArray[np.uint32]] | None = None  # first column, values

    @property
    def dtype(self) -> np.dtype[Any]:
        return np.dtype(np.uint32)

    def _map(self, first: int, count: int) -> npt.NDArray[np.uint32]:
        """Rows ``first`` .. ``first + count`` of the file, mapped (dropped with the array)."""
        offset = first * self._width * self.DTYPE.itemsize
        shape = (count, self._width)
        return np.memmap(self._reader, dtype=self.DTYPE, mode="r", offset=offset, shape=shape)

    def _columns(self, start: int, stop: int) -> npt.NDArray[np.uint32]:
        """Columns ``start`` to ``stop`` of every row. A read (one pass over the file) takes
        as many whole reads of this width as ``WINDOW`` and ``COLUMN_BYTES`` allow, and
        keeps them for the next reads (LSH reads band after band); the read that takes the
        window's last columns takes the window with it, so that once its caller lets go of
        them nothing of the file is held."""
        if self._window is not None:
            first, values = self._window
            if first <= start and stop <= first + values.shape[1]:
                if stop == first + values.shape[1]:
                    self._window = None
                return values[:, start - first : stop - first]
        self._window = None  # let go before the next is read (a caller's views may hold it)
        width = max(1, stop - start)
        fits = self.COLUMN_BYTES // max(1, self._count * self.DTYPE.itemsize)
        reads = max(1, min(min(self.WINDOW, fits) // width, (self._width - start) // width))
        end = max(stop, start + reads * width)
        values = np.empty((self._count, end - start), dtype=np.uint32)
        for lo in range(0, self._count, self.BLOCK):
            hi = min(self._count, lo + self.BLOCK)
            mapped = self._map(lo, hi - lo)
            values[lo:hi] = mapped[:, start:end]
            del mapped
        if end > stop:
            self._window = (start, values)
        return values[:, : stop - start]

    def __getitem__(self, index: Any) -> npt.NDArray[np.uint32]:
        """``[:, a:b]``: columns a to b of every row; ``[rows]``: the rows numbered ``rows``
        (a sequence, an integer array or a slice), in that order."""
        if isinstance(index, slice):
            start, stop, step = index.indices(self._count)
            if step == 1:  # consecutive rows: one read, no row numbers made
                out = np.empty((max(0, stop - start), self._width), dtype=self.DTYPE)
                if len(out):
                    self._read(out, start)
                return out
            index = np.arange(start, stop, step)
        if isinstance(index, tuple):
            rows, cols = index
            if rows != slice(None) or not isinstance(cols, slice) or cols.step not in (None, 1):
                raise TypeError(f"unsupported index {index!r}")
            start, stop, _ = cols.indices(self._width)
            return self._columns(start, max(start, stop))
        return self._pick(index)

    def extend(self, rows: npt.NDArray[Any]) -> None:
        self._window = None
        super().extend(rows)

    def close(self) -> None:
        self._window = None
        self._reader.close()
        super().close()


Arrays = Mapping[str, npt.NDArray[Any]]


def write_arrays(path: Path, arrays: Arrays) -> int:
    """Write ``arrays`` (numbers, no objects) to ``path`` in numpy's ``.npz`` form, whole or
    not at all: into a file beside it, flushed to disk (``fsync``), then renamed over it.
    Returns the file's size, for the caller to record."""
    partial = path.with_name(f"{path.name}.partial")
    with partial.open("wb") as handle:
        save: Any = np.savez  # typed as if every keyword were its allow_pickle flag
        save(handle, allow_pickle=False, **arrays)
        _synced(handle)
    os.replace(partial, path)
    return path.stat().st_size


def write_parts(
    path: Path, key: str, dtype: npt.DTypeLike, total: int, parts: Iterable[npt.NDArray[Any]]
) -> int:
    """``write_arrays`` of one 1-D array ``key`` of ``total`` values of ``dtype``, given as
    its parts in order: each part written as it comes, the whole never joined in memory
    (an uncompressed ``.npz`` that ``numpy.load`` and ``KeptColumn`` read). ValueError, and
    nothing written, when the parts hold another number of values."""
    kind = np.dtype(dtype)
    partial = path.with_name(f"{path.name}.partial")
    try:
        with partial.open("wb") as handle:
            written = 0

            def data() -> Iterator[memoryview]:
                nonlocal written
                for part in parts:
                    values = np.ascontiguousarray(part, dtype=kind)
                    written += len(values)
                    if written > total:
                        break
                    yield values.data.cast("B")

            with zipfile.ZipFile(handle, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
                _member(archive, key, kind, total, data())
            if written != total:
                raise ValueError(f"{key}: {written} values given for {total}")
            _synced(handle)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, path)
    return path.stat().st_size


def write_blocks(
    path: Path, kinds: Mapping[str, npt.DTypeLike], blocks: Iterable[Mapping[str, Any]]
) -> int:
    """``write_arrays`` of 1-D arrays (``kinds``: name and type) whose lengths are known
    only at the end, given a block of each at a time (each block a value for every name):
    each array goes to a file of its own beside ``path`` as its blocks come, and is copied
    into the ``.npz`` at the end, so that memory holds one block, not the arrays (the claim
    links: 26 bytes a link, 14 million links at a million articles). Nothing is written
    to ``path`` when the blocks end in an exception."""
    types = {name: np.dtype(kind) for name, kind in kinds.items()}
    spilled = {name: path.with_name(f"{path.name}.{name}.partial") for name in types}
    partial = path.with_name(f"{path.name}.partial")
    counts = dict.fromkeys(types, 0)
    try:
        with contextlib.ExitStack() as files:
            out = {name: files.enter_context(spilled[name].open("wb")) for name in types}
            for block in blocks:
                for name, kind in types.items():
                    values = np.ascontiguousarray(block[name], dtype=kind)
                    counts[name] += len(values)
                    out[name].write(values.data.cast("B"))
        with partial.open("wb") as handle:
            with zipfile.ZipFile(handle, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
                for name, kind in types.items():
                    with spilled[name].open("rb") as spill:
                        chunks = iter(functools.partial(spill.read, _COPY_BYTES), b"")
                        _member(archive, name, kind, counts[name], chunks)
            _synced(handle)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        for spill_path in spilled.values():
            spill_path.unlink(missing_ok=True)
    os.replace(partial, path)
    return path.stat().st_size


# Bytes copied at a time from a spilled array into its ``.npz``.
_COPY_BYTES = 1 << 20


def _member(
    archive: zipfile.ZipFile, key: str, kind: np.dtype[Any], total: int, data: Iterable[Any]
) -> None:
    """Array ``key`` (``total`` values of ``kind``, given as ``data``: buffers of its bytes
    in order) as a member of an ``.npz`` being written, with its ``.npy`` header."""
    header = {"descr": np.lib.format.dtype_to_descr(kind), "fortran_order": False}
    with archive.open(f"{key}.npy", "w", force_zip64=True) as out:
        np.lib.format.write_array_header_2_0(out, {**header, "shape": (total,)})
        for chunk in data:
            out.write(chunk)


def _synced(handle: BinaryIO) -> None:
    """Flush ``handle`` and its file to disk (``fsync``)."""
    handle.flush()
    os.fsync(handle.fileno())


# How the header of a ``.npy`` is read, by its format version.
_NPY_HEADERS = {
    (1, 0): np.lib.format.read_array_header_1_0,
    (2, 0): np.lib.format.read_array_header_2_0,
}


class KeptColumn(_Reopened):
    """One 1-D array that ``write_arrays`` kept, read from its file a slice at a time (a
    positioned read each; nothing of it held): what a step that goes through a kept array
    once, in order, needs of it (``codes.union_blocks``), or some of its rows (``take``).
    The array must be stored uncompressed, as ``numpy.savez`` stores it (ValueError
    otherwise). It pickles as its path (a pool worker that scores links reads it)."""

    # a copy opens its own descriptor and closes it, as the process that made it does
    _LOCAL = (*_Reopened._LOCAL, "_closer")

    def __init__(self, path: Path, name: str) -> None:
        self._path = path
        with zipfile.ZipFile(path) as archive:
            info = archive.getinfo(f"{name}.npy")
        with path.open("rb") as handle:
            handle.seek(info.header_offset)
            local = handle.read(30)  # a member's local header, then its name and extra field
            if info.compress_type != zipfile.ZIP_STORED or local[:4] != b"PK\x03\x04":
                raise ValueError(f"{name} is not stored whole")
            skip = int.from_bytes(local[26:28], "little") + int.from_bytes(local[28:30], "little")
            handle.seek(info.header_offset + 30 + skip)
            read_header = _NPY_HEADERS.get(np.lib.format.read_magic(handle))
            if read_header is None:
                raise ValueError(f"{name}: a .npy format this does not read")
            shape, _, dtype = read_header(handle)
            if len(shape) != 1 or dtype.hasobject:
                raise ValueError(f"{name} is not a column of numbers")
            self._start = handle.tell()
        self._dtype: np.dtype[Any] = dtype
        self._count = int(shape[0])
        self._fd, self._closer = _opened(self, path)

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index: slice) -> npt.NDArray[Any]:
        """Values ``index`` (a slice of step 1), as a new array."""
        start, stop, step = index.indices(self._count)
        if step != 1:
            raise IndexError("a kept column is read in slices of step 1")
        out = np.empty(max(0, stop - start), dtype=self._dtype)
        at = self._start + start * out.itemsize
        _read_at(self._fd, out, at, f"{self._path}: the kept array ends early")
        return out

    # ``take`` reads the rows asked for in runs: two rows at most ``TAKE_GAP`` apart are
    # read in one read, with the values between them (fewer reads, each longer: 512 values
    # are 4 KB of int64, a page), and one read spans at most ``TAKE_WINDOW`` values (what
    # a read holds at once: 512 KB of int64, whatever the rows asked for).
    TAKE_GAP = 512
    TAKE_WINDOW = 1 << 16

    def take(self, rows: npt.NDArray[np.integer[Any]]) -> npt.NDArray[Any]:
        """Values at ``rows`` (any order, repeats allowed), as ``array[rows]`` gives them,
        read from the file in runs of nearby rows (IndexError for a row out of range)."""
        rows = np.asarray(rows, dtype=np.int64)
        if len(rows) and (int(rows.min()) < 0 or int(rows.max()) >= self._count):
            raise IndexError(f"a row out of the {self._count} of {self._path}")
        wanted = unique(rows)  # ascending, each once
        got = np.empty(len(wanted), dtype=self._dtype)
        starts, ends = runs(wanted, self.TAKE_GAP, self.TAKE_WINDOW)
        for i, j in zip(starts.tolist(), ends.tolist(), strict=True):
            first = int(wanted[i])
            got[i:j] = self[first : int(wanted[j - 1]) + 1][wanted[i:j] - first]
        return got[np.searchsorted(wanted, rows)]

    def close(self) -> None:
        if self._closer is not None:
            self._closer()


def read_arrays(path: Path, size: int) -> dict[str, npt.NDArray[Any]]:
    """What ``write_arrays`` wrote to ``path``, a file of ``size`` bytes (WorkStoreError
    when it is missing, of another size or unreadable)."""

    def whole(path: Path) -> dict[str, npt.NDArray[Any]]:
        with np.load(path, allow_pickle=False) as loaded:
            return {name: loaded[name] for name in loaded.files}

    return _kept(path, size, whole)


def read_column(path: Path, size: int, key: str) -> KeptColumn:
    """The array ``key`` of what ``write_arrays`` wrote to ``path`` (``size`` bytes), read
    a slice at a time (``KeptColumn``; WorkStoreError as ``read_arrays``)."""
    return _kept(path, size, lambda path: KeptColumn(path, key))


T = TypeVar("T")


def _kept(path: Path, size: int, read: Callable[[Path], T]) -> T:
    damaged = f"{path}: damaged work store: a kept checkpoint"
    try:
        if path.stat().st_size != size:
            raise WorkStoreError(f"{damaged} is not the size recorded; run without --resume")
        return read(path)
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        raise WorkStoreError(
            f"{damaged} cannot be read ({type(exc).__name__}); run without --resume"
        ) from None

"""Run a task over many items on this machine: serially, or in a pool of processes.

A task is a top-level function ``task(item, context, resources) -> result``; ``context``
(the configuration, a corpus-wide reduction) is the same for every item; ``resources`` are
the data files, loaded once per process (the serial executor loads them once; each pool
worker loads them when it starts). Results come back in the order of the items, whatever
order the workers finish in, so the executors are interchangeable. ``Executor``, ``Task``
and ``Serial`` live in ``run.serial`` (without numpy, for a one-article check).
"""

from __future__ import annotations

import itertools
import os
import pickle
import tempfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import numpy as np

from provenance.fingerprint import FingerprintParams
from provenance.match.align import Alignment
from provenance.match.candidates import Candidate, localized
from provenance.match.signatures import Matrix
from provenance.resources import Resources
from provenance.run.kernels import (
    EMBED_BLOCK,
    Chunk,
    Kernels,
    Local,
    Shingler,
    VectorSink,
    align_block,
    embed_in_runs,
    sign_block,
)
from provenance.run.serial import Context, Executor, Item, Result, Serial, Task

__all__ = [
    "CHUNK",
    "Context",
    "Executor",
    "Item",
    "Pool",
    "PoolKernels",
    "Result",
    "Serial",
    "Task",
    "available_cores",
    "blocks",
    "executor",
    "kernels_of",
]

if TYPE_CHECKING:
    from concurrent.futures import Future

# Items sent to a worker at once: fewer round trips against finer load balancing.
CHUNK = 64
# A context that pickles to more bytes than this goes to the workers through a file, each
# worker reading it once per ``map``, rather than with every chunk: the claim links'
# scoring (anchor columns, the keys' offsets) is hundreds of MB at a million articles; a
# configuration is a few KB, and for it a file would cost more than it saves.
SHARED_BYTES = 1 << 20


def available_cores() -> int:
    """The cores this process may run on (the affinity mask, not the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


class _Worker:
    """The data files of one pool worker process (set by ``_start`` when it starts), and
    the context of the ``map`` it works for when that came through a file (``_Shared``):
    its token and what the file held."""

    resources: Resources | None = None
    shared: tuple[bytes, Any] | None = None


class _Shared:
    """A ``map``'s context pickled in a file: what each chunk carries instead of it. The
    token tells one map from another (a later map's file may get a removed one's name)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.token = os.urandom(16)


# The name of a context's file begins with this and the pid of the process that made it.
_CONTEXT = "provenance-context-"


def _remove_stale() -> None:
    """Remove the context files that a killed process left (its pid is no longer alive):
    a killed report cannot remove its own, and at a million articles one is hundreds of
    MB."""
    for path in Path(tempfile.gettempdir()).glob(f"{_CONTEXT}*-*.pickle"):
        pid = path.name[len(_CONTEXT) :].split("-", 1)[0]
        if not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:  # gone: nobody reads the file any more
            path.unlink(missing_ok=True)
        except OSError:  # alive, another user's
            continue


class _Spool:
    """Where ``Pool.map`` pickles a context: in memory up to ``limit`` bytes, then in a
    file of its own (never a whole copy in memory)."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._size = 0
        self._parts: list[bytes] = []
        self._file: BinaryIO | None = None
        self._path: str | None = None

    def write(self, data: Any) -> int:
        size = len(memoryview(data).cast("B"))
        if self._file is None and self._size + size > self._limit:
            _remove_stale()
            fd, self._path = tempfile.mkstemp(prefix=f"{_CONTEXT}{os.getpid()}-", suffix=".pickle")
            self._file = os.fdopen(fd, "wb")
            self._file.writelines(self._parts)
            self._parts = []
        if self._file is not None:
            self._file.write(data)
        else:
            self._parts.append(bytes(data))
        self._size += size
        return size

    def done(self) -> str | None:
        """The file's path (written whole), or None when it all fitted in memory."""
        self._parts = []
        if self._file is not None:
            self._file.close()
        return self._path

    def remove(self) -> None:
        if self._file is not None:
            self._file.close()
        if self._path is not None:
            os.unlink(self._path)
            self._path = None


def _start() -> None:
    _Worker.resources = Resources.load()


def _context(sent: Any) -> Any:
    """The context a chunk was sent with: read from its file on a worker's first chunk of
    that ``map``; a worker lets go of it when a chunk of another ``map`` comes."""
    if not isinstance(sent, _Shared):
        _Worker.shared = None
        return sent
    if _Worker.shared is None or _Worker.shared[0] != sent.token:
        _Worker.shared = None  # the one before goes first
        with open(sent.path, "rb") as handle:
            _Worker.shared = (sent.token, pickle.load(handle))
    return _Worker.shared[1]


def _run_chunk(task: Task[Item, Context, Result], chunk: list[Item], context: Any) -> list[Any]:
    resources = _Worker.resources
    if resources is None:  # pragma: no cover - _start always ran first
        resources = _Worker.resources = Resources.load()
    found = _context(context)
    return [task(item, found, resources) for item in chunk]


class Pool:
    """A pool of ``jobs`` worker processes. Items go out in chunks of ``CHUNK``, at most
    ``2 * jobs`` chunks are in flight (memory stays bounded whatever the corpus size), and
    results are yielded in input order. ``chunk``: items per chunk (``CHUNK``)."""

    def __init__(self, jobs: int, chunk: int = CHUNK) -> None:
        self.jobs = max(1, jobs)
        self.chunk = max(1, chunk)
        # imported here: the serial executor (a one-article ``provenance check``) does
        # without multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        self._pool = ProcessPoolExecutor(max_workers=self.jobs, initializer=_start)

    def map(
        self,
        task: Task[Item, Context, Result],
        items: Iterable[Item],
        context: Context,
        *,
        chunk: int | None = None,
    ) -> Iterator[Result]:
        """``Executor.map``: ``chunk`` items at a time (default: the pool's)."""
        size = max(1, chunk or self.chunk)
        spool = _Spool(SHARED_BYTES)
        try:
            pickle.dump(context, spool, protocol=pickle.HIGHEST_PROTOCOL)
            path = spool.done()
            if path is None:  # small: it goes with each chunk
                yield from self._chunks(task, items, context, size)
            else:
                yield from self._chunks(task, items, _Shared(path), size)
        finally:
            spool.remove()

    def _chunks(
        self, task: Task[Item, Context, Result], items: Iterable[Item], context: Any, size: int
    ) -> Iterator[Result]:
        """``map`` with the context as sent (itself, or ``_Shared``), ``size`` items a chunk."""
        pending: deque[Future[list[Any]]] = deque()
        chunk: list[Item] = []
        for item in items:
            chunk.append(item)
            if len(chunk) == size:
                pending.append(self._pool.submit(_run_chunk, task, chunk, context))
                chunk = []
                while len(pending) >= 2 * self.jobs:
                    yield from pending.popleft().result()
        if chunk:
            pending.append(self._pool.submit(_run_chunk, task, chunk, context))
        while pending:
            yield from pending.popleft().result()

    def each(self, fn: Callable[..., Result], calls: Iterable[tuple[Any, ...]]) -> list[Result]:
        """``fn(*args)`` for each ``args`` of ``calls``, on the workers, in order."""
        return list(self.each_lazily(fn, calls))

    def each_lazily(
        self, fn: Callable[..., Result], calls: Iterable[tuple[Any, ...]]
    ) -> Iterator[Result]:
        """``each``, the results yielded in order as they are ready, with at most ``2 *
        jobs`` calls submitted and not yet taken: the calls are taken from ``calls`` as
        results are, and this process lets go of a result once the caller has taken it."""
        pending: deque[Future[Result]] = deque()
        for args in calls:
            pending.append(self._pool.submit(fn, *args))
            if len(pending) >= 2 * self.jobs:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()

    def close(self) -> None:
        self._pool.shutdown(cancel_futures=True)


def blocks(n: int, count: int) -> list[tuple[int, int]]:
    """``count`` (at most ``n``) nearly equal (start, end) blocks of ``n`` items."""
    count = max(1, min(count, n))
    edges = [round(i * n / count) for i in range(count + 1)]
    return [(lo, hi) for lo, hi in itertools.pairwise(edges) if hi > lo]


class PoolKernels(Local):
    """The matching kernels of a ``Pool``'s run: signing, alignment and sentence embedding
    on its workers (the model loads in each worker, not in this process), the candidates
    here. A call's texts (or pairs) go out in ``BLOCKS_PER_JOB`` blocks per worker, the
    results come back in order, the same as ``Local``'s. For the embedding, the workers tokenize
    blocks of texts, the token ids are cut into runs where the model starts a micro-batch
    (``Embedder.runs_of``) and the runs encoded on the workers (``kernels.embed_in_runs``):
    the vectors of one ``encode`` of all texts, bit for bit, each text tokenized once, and
    only the blocks in flight in this process's memory."""

    # blocks per worker at least: more balance a worker slowed down by other load, fewer
    # save round trips
    BLOCKS_PER_JOB = 4

    def __init__(self, pool: Pool, block: int = EMBED_BLOCK) -> None:
        self.pool = pool
        self.block = max(1, block)

    def _blocks(self, n: int) -> list[tuple[int, int]]:
        """How a call of ``n`` texts or pairs is cut for the workers (none: too few to be
        worth sending, done here)."""
        return [] if n < 2 * self.pool.chunk else blocks(n, self.BLOCKS_PER_JOB * self.pool.jobs)

    def sign(self, texts: Sequence[str], params: FingerprintParams, shingler: Shingler) -> Matrix:
        cuts = self._blocks(len(texts))
        if not cuts:
            return super().sign(texts, params, shingler)
        calls = ((texts[lo:hi], params, shingler) for lo, hi in cuts)
        return np.vstack(list(self.pool.each_lazily(sign_block, calls)))

    def align(self, texts: Sequence[str], pairs: Sequence[Candidate]) -> list[Alignment | None]:
        if not self._blocks(len(pairs)):
            return super().align(texts, pairs)
        return list(self.align_each([(texts, pairs)]))

    def align_each(self, chunks: Iterable[Chunk]) -> Iterator[Alignment | None]:
        """The chunks' pairs aligned on the workers, ``BLOCKS_PER_JOB`` blocks a worker
        per chunk, all of them through one ``Pool.each_lazily``: the next chunk is taken
        (its texts read from the work store) while the workers align the blocks still
        pending, not after all of a chunk's have come back."""

        def calls() -> Iterator[tuple[list[str], list[Candidate]]]:
            for texts, pairs in chunks:
                for lo, hi in blocks(len(pairs), self.BLOCKS_PER_JOB * self.pool.jobs):
                    needed, local = localized(pairs[lo:hi])  # a block with its texts alone
                    yield [texts[u] for u in needed], local

        for block in self.pool.each_lazily(align_block, calls()):
            yield from block

    def embed_into(self, texts: Sequence[str], model: str, sink: VectorSink) -> None:
        if not self._blocks(len(texts)):
            return super().embed_into(texts, model, sink)
        block = min(self.block, -(-len(texts) // (self.BLOCKS_PER_JOB * self.pool.jobs)))
        embed_in_runs(texts, model, sink, self.pool.each_lazily, block)
        return None


def kernels_of(runner: Executor) -> Kernels:
    """The matching kernels that go with an executor: a pool's workers embed."""
    return PoolKernels(runner) if isinstance(runner, Pool) else Local()


def executor(
    jobs: int | None = None, *, items: int | None = None, resources: Resources | None = None
) -> Executor:
    """``Serial`` for one job, else a ``Pool``; ``None`` means the cores available. With
    ``items`` known, fewer than two chunks per worker run serially: starting the workers
    (each loads the data files) would cost more than it saves."""
    jobs = available_cores() if jobs is None else jobs
    if items is not None:
        jobs = min(jobs, items // (2 * CHUNK))
    return Serial(resources) if jobs <= 1 else Pool(jobs)

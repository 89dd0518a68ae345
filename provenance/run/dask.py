"""The Dask executor: the report's stages on a Dask cluster, the same bytes as in process.

How the work is cut (P partitions: ``partitions``, else four per worker unless
that makes partitions smaller than ``min_articles`` / ``min_texts``):

- Inputs are sent by the client: it reads and validates the articles (so bad input is one
  line before anything runs), sorts them by id and puts each partition into the task graph.
  A graph literal, unlike ``scatter``ed data, survives the loss of the worker holding it.
- Per-article stages run per partition, with the data files loaded once per worker (a
  worker plugin, ``RESOURCES_PLUGIN``). The outlet-repeat reduction between them is a tree
  of ``boilerplate.merge_repeat_counts`` over the partitions' ``repeat_counts``.
- Signing runs per block of distinct texts. Candidates are a shuffle on band keys
  (``bandkeys``): each round routes the rows of ``bands_per_pass`` bands only (NeMo
  Curator's ``buckets_per_shuffle``), so a round moves ``blocks x rows`` bytes whatever the
  number of bands; bucket partitions emit neighbour pairs, grouped by the block of their
  first id; estimates read both blocks' signatures by id; each block keeps its best pairs.
- Alignment runs per (block, block) of candidate pairs, each task reading the two blocks of
  texts by key (each block is one task output, shipped once to a worker that needs it).
- Classification runs per partition of articles.

The client keeps the corpus-wide assembly (ranking sources, spans, claims, clusters) and
writes the report. A worker lost mid-run makes Dask recompute its tasks elsewhere; every
task is a pure function, so the report is the same.
"""

from __future__ import annotations

import hashlib
import itertools
import warnings
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import CancelledError
from dataclasses import dataclass, field
from importlib import metadata, resources
from typing import Any, TypeVar

import numpy as np

from provenance import boilerplate
from provenance.align import Alignment, align_texts
from provenance.config import Config
from provenance.errors import MissingExtra, ProvenanceError
from provenance.fingerprint import FingerprintParams, Signature, Signer, lsh_bands
from provenance.index import Candidate
from provenance.model import Article, ArticleResult, Duplicate, Span
from provenance.pipeline import (
    Progress,
    Resources,
    annotate_article,
    classify_article,
    segment_article,
)
from provenance.reuse import Reuse
from provenance.run import Shingler, bandkeys

try:
    from dask.delayed import Delayed, delayed
    from distributed import Client, WorkerPlugin, as_completed, get_worker
    from distributed.comm.core import CommClosedError
    from distributed.scheduler import KilledWorker
except ImportError as exc:  # pragma: no cover - the tests install the extra
    raise MissingExtra(
        "--engine dask needs the dask extra: pip install 'news-provenance[dask]'"
    ) from exc

RESOURCES_PLUGIN = "provenance-resources"
T = TypeVar("T")


class EngineError(ProvenanceError):
    """The cluster cannot be used: unreachable, or its workers run other versions."""


# ------------------------------------------------------------------ connecting


def code_identity() -> str:
    """The package version and a digest of its code and data files: a worker whose
    identity differs from the client's would not compute the same report."""
    digest = hashlib.sha256()
    root = resources.files("provenance")

    def walk(node: Any, prefix: str) -> Iterator[tuple[str, bytes]]:
        for child in sorted(node.iterdir(), key=lambda c: c.name):
            name = f"{prefix}/{child.name}"
            if child.is_dir():
                if child.name != "__pycache__":
                    yield from walk(child, name)
            elif not child.name.endswith((".pyc", ".pyo")):
                yield name, child.read_bytes()

    for name, data in walk(root, ""):
        digest.update(name.encode() + b"\0" + data + b"\0")
    return f"{metadata.version('news-provenance')}+{digest.hexdigest()[:16]}"


class _ResourcesPlugin(WorkerPlugin):
    """Loads the data files once per worker process (also on workers that join later)."""

    name = RESOURCES_PLUGIN

    def setup(self, worker: Any) -> None:
        self.resources = Resources.load()


def _resources() -> Resources:
    plugin = get_worker().plugins[RESOURCES_PLUGIN]
    if not isinstance(plugin, _ResourcesPlugin):  # another plugin took the name
        raise EngineError(f"worker plugin {RESOURCES_PLUGIN!r} is not news-provenance's")
    return plugin.resources


def connect(address: str, timeout: float) -> Client:
    """A client of the scheduler at ``address`` whose workers run this very code."""
    try:
        client = Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise EngineError(
            f"{address}: cannot reach the Dask scheduler within {timeout:g} s ({exc})"
        ) from None
    try:
        _check_versions(client, address)
        client.register_plugin(_ResourcesPlugin())
    except BaseException:
        client.close()
        raise
    return client


def _check_versions(client: Client, address: str) -> None:
    try:
        client.get_versions(check=True)
    except ValueError as exc:
        detail = " ".join(str(exc).split())
        raise EngineError(f"{address}: the cluster's packages differ from ours: {detail}") from None
    mine = code_identity()
    try:
        theirs = client.run(code_identity)
    except Exception as exc:
        raise EngineError(
            f"{address}: a worker cannot run news-provenance ({type(exc).__name__}: {exc})"
        ) from None
    other = sorted({v for v in theirs.values() if v != mine})
    if other:
        raise EngineError(
            f"{address}: workers run news-provenance {', '.join(other)}, this client {mine}"
        )


# ------------------------------------------------------------------ tasks (run on workers)


def _repeat_counts(part: list[Article], config: Config) -> dict[str, Counter[int]]:
    res = _resources()
    segmented = [segment_article(a, res) for a in part]
    return boilerplate.repeat_counts(segmented, config.boilerplate)


def _finish_repeats(counts: dict[str, Counter[int]], config: Config) -> boilerplate.OutletRepeats:
    return boilerplate.repeats_from_counts(counts, config.boilerplate)


def _annotate(
    part: list[Article], repeats: boilerplate.OutletRepeats, config: Config
) -> list[ArticleResult]:
    res = _resources()
    return [annotate_article(segment_article(a, res), repeats, config, res) for a in part]


def _sign(texts: list[str], params: FingerprintParams, shingler: Shingler) -> np.ndarray[Any, Any]:
    sigs = Signer(params).sign_many_shingles([shingler(t) for t in texts])
    return np.stack([s.hashvalues for s in sigs]) if sigs else np.empty((0, params.num_perm))


def _edges_by_owner(
    pieces: list[np.ndarray[Any, Any]], max_candidates: int, bounds: np.ndarray[Any, Any]
) -> list[np.ndarray[Any, Any]]:
    return bandkeys.split_by_owner(bandkeys.edges(pieces, max_candidates), bounds)


def _owned(pieces: list[np.ndarray[Any, Any]], bounds: np.ndarray[Any, Any]) -> list[Any]:
    """The pairs of one block from every round, each once, split by the second id's block."""
    pairs = np.unique(np.concatenate(pieces), axis=0)
    flipped = bandkeys.split_by_owner(pairs[:, ::-1], bounds)
    return [f[:, ::-1] for f in flipped]


def _estimates(
    pairs: np.ndarray[Any, Any],
    own: np.ndarray[Any, Any],
    own_first: int,
    other: np.ndarray[Any, Any],
    other_first: int,
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    return pairs, bandkeys.estimates(pairs, own, own_first, other, other_first)


def _top(
    found: list[tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]], max_candidates: int
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], int]:
    pairs = np.concatenate([p for p, _ in found])
    jaccard = np.concatenate([j for _, j in found])
    best, estimates = bandkeys.top(pairs, jaccard, max_candidates)
    return best, estimates, len(pairs)


def _align(
    texts_a: list[str], a_first: int, texts_b: list[str], b_first: int, pairs: list[tuple[int, int]]
) -> list[Alignment | None]:
    return [align_texts(texts_a[a - a_first], texts_b[b - b_first]) for a, b in pairs]


def _classify(
    part: list[ArticleResult],
    spans: dict[str, tuple[Span, ...]],
    dups: dict[str, tuple[Duplicate, ...]],
) -> list[ArticleResult]:
    return [
        classify_article(r, spans.get(r.article.id, ()), dups.get(r.article.id, ())) for r in part
    ]


# ------------------------------------------------------------------ the executor


@dataclass
class ShuffleStats:
    """Bytes moved per stage (client to workers, between workers, workers to client)."""

    stages: dict[str, int] = field(default_factory=dict)

    def add(self, stage: str, nbytes: int) -> None:
        self.stages[stage] = self.stages.get(stage, 0) + nbytes


def _blocks(n: int, count: int) -> list[tuple[int, int]]:
    count = max(1, min(count, n))
    edges = [round(i * n / count) for i in range(count + 1)]
    return [(lo, hi) for lo, hi in itertools.pairwise(edges) if hi > lo]


@dataclass
class DaskExecutor:
    """Runs the stages on the cluster behind ``client`` (see ``connect``)."""

    client: Client
    # partitions of every stage; None: four per worker, fewer when a partition would hold
    # less than the minimum below (a task costs milliseconds of scheduling whatever its size)
    partitions: int | None = None
    # smallest partition of articles (per-article stages) and of texts (signing, candidates,
    # alignment) when ``partitions`` is None: fewer partitions mean fewer, bigger tasks
    min_articles: int = 250
    min_texts: int = 5_000
    stats: ShuffleStats = field(default_factory=ShuffleStats)

    def _count(self, items: int, minimum: int) -> int:
        if self.partitions:
            return self.partitions
        workers = len(self.client.scheduler_info(n_workers=-1).get("workers", {}))
        return max(1, min(4 * workers, -(-items // minimum)))

    def _compute(
        self, tasks: Sequence[Delayed], stage: str, sizes: Sequence[int], progress: Progress
    ) -> list[Any]:
        """Compute ``tasks``, reporting progress as their parts (``sizes``) finish."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "large graph" warnings: the inputs are in it
            futures = self.client.compute(list(tasks))
        where = {f.key: i for i, f in enumerate(futures)}
        total, done = sum(sizes), 0
        for future in as_completed(futures, loop=self.client.loop):
            done += sizes[where[future.key]]
            progress(stage, done, total)
        results: list[Any] = self.client.gather(futures)
        return results

    def analyze_each(
        self, articles: Sequence[Article], config: Config, progress: Progress
    ) -> tuple[ArticleResult, ...]:
        ordered = sorted(articles, key=lambda a: a.id)
        count = self._count(len(ordered), self.min_articles)
        parts = [ordered[lo:hi] for lo, hi in _blocks(len(ordered), count)]
        if not parts:
            return ()
        self.stats.add("articles to workers", sum(len(a.text.encode()) for a in ordered))
        sent = [delayed(list)(p) for p in parts]  # the partition, as a graph literal
        counts: list[Delayed] = [delayed(_repeat_counts)(p, config) for p in sent]
        while len(counts) > 1:  # a tree reduction: log2(P) levels
            pairs = zip(counts[::2], counts[1::2], strict=False)
            merged = [delayed(boilerplate.merge_repeat_counts)(a, b) for a, b in pairs]
            counts = merged + ([counts[-1]] if len(counts) % 2 else [])
        repeats = delayed(_finish_repeats)(counts[0], config)
        tasks = [delayed(_annotate)(p, repeats, config) for p in sent]
        done = self._compute(tasks, "boilerplate", [len(p) for p in parts], progress)
        return tuple(r for part in done for r in part)

    def sign(
        self, texts: Sequence[str], params: FingerprintParams, shingler: Shingler
    ) -> list[Signature]:
        blocks = _blocks(len(texts), self._count(len(texts), self.min_texts))
        tasks = [delayed(_sign)(list(texts[lo:hi]), params, shingler) for lo, hi in blocks]
        matrices = self._compute(tasks, "sign", [hi - lo for lo, hi in blocks], _quiet)
        self.stats.add("sign: texts to workers", sum(len(t.encode()) for t in texts))
        self.stats.add("sign: signatures to client", sum(m.nbytes for m in matrices))
        return [Signature(params, _lean(row, params)) for m in matrices for row in m]

    def candidates(
        self,
        signatures: Sequence[Signature],
        threshold: float,
        max_candidates: int,
        bands_per_pass: int,
    ) -> list[Candidate]:
        if len(signatures) < 2:
            return []
        params = signatures[0].params
        for sig in signatures:
            params.require_same(sig.params)
        bands, rows = lsh_bands(params.num_perm, threshold)
        values = np.stack([s.hashvalues for s in signatures]).astype(np.uint32)
        blocks = _blocks(len(values), self._count(len(values), self.min_texts))
        bounds = np.array([lo for lo, _ in blocks], dtype=np.int64)
        sig_blocks = [delayed(np.ascontiguousarray)(values[lo:hi]) for lo, hi in blocks]
        self.stats.add("candidates: signatures to workers", values.nbytes)
        parts = len(blocks)
        per_round = max(1, bands_per_pass)
        owned: list[list[Delayed]] = [[] for _ in blocks]
        for first in range(0, bands, per_round):
            round_bands = range(first, min(bands, first + per_round))
            routed = [
                delayed(bandkeys.route, nout=parts)(block, lo, round_bands, rows, parts)
                for block, (lo, _) in zip(sig_blocks, blocks, strict=True)
            ]
            for q in range(parts):
                split = delayed(_edges_by_owner, nout=parts)(
                    [r[q] for r in routed], max_candidates, bounds
                )
                for p in range(parts):
                    owned[p].append(split[p])
            row_bytes = bandkeys.row_dtype(rows).itemsize
            self.stats.add(
                "candidates: band-key shuffle", len(values) * len(round_bands) * row_bytes
            )
        tops: list[Delayed] = []
        for p, (lo, _) in enumerate(blocks):
            by_other = delayed(_owned, nout=parts)(owned[p], bounds)
            found = [
                delayed(_estimates)(by_other[r], sig_blocks[p], lo, sig_blocks[r], rlo)
                for r, (rlo, _) in enumerate(blocks)
            ]
            tops.append(delayed(_top)(found, max_candidates))
        results = self._compute(tops, "candidates", [1] * len(tops), _quiet)
        self.stats.add(
            "candidates: pairs to client", sum(p.nbytes + j.nbytes for p, j, _ in results)
        )
        self.stats.add("candidates: neighbour pairs", sum(16 * n for _, _, n in results))
        pairs, jaccard = bandkeys.merge([(p, j) for p, j, _ in results])
        return [
            Candidate(int(a), int(b), round(float(j), 4))
            for (a, b), j in zip(pairs.tolist(), jaccard.tolist(), strict=True)
        ]

    def align(
        self, texts: Sequence[str], candidates: Sequence[Candidate]
    ) -> list[Alignment | None]:
        if not candidates:
            return []
        blocks = _blocks(len(texts), self._count(len(texts), self.min_texts))
        bounds = np.array([lo for lo, _ in blocks], dtype=np.int64)
        text_blocks = [delayed(list)(texts[lo:hi]) for lo, hi in blocks]
        grouped: dict[tuple[int, int], list[int]] = {}
        owner_a = np.searchsorted(bounds, [c.a for c in candidates], side="right") - 1
        owner_b = np.searchsorted(bounds, [c.b for c in candidates], side="right") - 1
        for i, (pa, pb) in enumerate(zip(owner_a.tolist(), owner_b.tolist(), strict=True)):
            grouped.setdefault((pa, pb), []).append(i)
        order: list[list[int]] = []
        tasks: list[Delayed] = []
        for (pa, pb), members in sorted(grouped.items()):
            pairs = [(candidates[i].a, candidates[i].b) for i in members]
            tasks.append(
                delayed(_align)(
                    text_blocks[pa], blocks[pa][0], text_blocks[pb], blocks[pb][0], pairs
                )
            )
            order.append(members)
        self.stats.add("align: texts to workers", sum(len(t.encode()) for t in texts))
        done = self._compute(tasks, "align", [len(m) for m in order], _quiet)
        out: list[Alignment | None] = [None] * len(candidates)
        for members, found in zip(order, done, strict=True):
            for i, alignment in zip(members, found, strict=True):
                out[i] = alignment
        return out

    def classify(
        self, results: Sequence[ArticleResult], found: Reuse, progress: Progress
    ) -> tuple[ArticleResult, ...]:
        blocks = _blocks(len(results), self._count(len(results), self.min_articles))
        tasks = []
        for lo, hi in blocks:
            part = list(results[lo:hi])
            ids = [r.article.id for r in part]
            spans = {k: found.spans[k] for k in ids if k in found.spans}
            dups = {k: found.duplicates[k] for k in ids if k in found.duplicates}
            tasks.append(delayed(_classify)(part, spans, dups))
        done = self._compute(tasks, "classify", [hi - lo for lo, hi in blocks], progress)
        return tuple(r for part in done for r in part)


def _quiet(stage: str, done: int, total: int) -> None:
    del stage, done, total


def _lean(row: np.ndarray[Any, Any], params: FingerprintParams) -> Any:
    from datasketch import LeanMinHash

    return LeanMinHash(seed=params.seed, hashvalues=row, scheme=params.scheme)


def run_with(
    address: str, timeout: float, partitions: int | None, work: Callable[[DaskExecutor], T]
) -> T:
    """Connect, run ``work`` with an executor on that cluster, and disconnect."""
    client = connect(address, timeout)
    try:
        return work(DaskExecutor(client, partitions))
    except (KilledWorker, CommClosedError, CancelledError, OSError, TimeoutError) as exc:
        detail = " ".join(str(exc).split()) or "lost"
        raise EngineError(
            f"{address}: the run failed on the cluster: {type(exc).__name__}: {detail}"
        ) from None
    finally:
        client.close()

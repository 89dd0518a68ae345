"""Semantic claim candidates: article pairs from LSH, then sentence ranking inside each pair.

1. Candidate article pairs (never all pairs): random-hyperplane LSH over each article's mean
   sentence vector (``semantic.simhash_buckets``: buckets of at most ``simhash_max_bucket``
   articles, crowds re-split from ``simhash_split_from`` articles on, so an article has at
   most ``simhash_bands * (simhash_max_bucket - 1)`` proposals whatever the corpus size)
   and MinHash LSH over each article's set of anchors (``candidates.lsh_candidates``),
   articles of different outlets only. Each article keeps the ``ClaimsConfig.article_pairs``
   partners with the highest cosine + anchor Jaccard, scored with numpy a chunk of pairs at
   a time and kept in two ``n`` x ``article_pairs`` arrays (``_Best``).
2. Inside a candidate pair, the cosine matrix of the two articles' sentences is computed and
   the mutually best pairs (each the other's most similar sentence in the other article) are
   returned: ``claims.confidence`` then decides them.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import replace

import numpy as np
import numpy.typing as npt

from provenance.config import Config
from provenance.fingerprint import FingerprintParams
from provenance.match.candidates import Banding, band_links
from provenance.match.codes import unique
from provenance.match.signatures import BatchSigner
from provenance.match.units import Rows
from provenance.semantic import Vectors, bucket_pairs, simhash_buckets

PAIR_CHUNK = 65_536  # pair codes scored per step, at least (bounds the arrays alive at once)
MERGE_MAX = 1 << 22  # kept offers merged at once, at most (bounds memory at any corpus size)
MERGE_ROWS = 1 << 16  # articles whose kept partners are merged with their new offers at once
LOOKUPS = 1 << 20  # anchors looked up at once for the Jaccard of a chunk of pairs
ROW_CACHE = 1_024  # articles whose text vectors stay read while pairs are ranked
DOT_CHUNK = 2_048  # pairs whose two mean vectors are gathered at once for their dot products

Codes = npt.NDArray[np.int64]


class _Anchors:
    """Each article's anchor set as sorted anchor numbers (one array for all articles),
    for the sizes of many pairs' intersections at once."""

    def __init__(self, anchor_sets: Sequence[frozenset[str]]) -> None:
        number: dict[str, int] = {}
        for s in anchor_sets:
            for a in sorted(s):
                number.setdefault(a, len(number))
        self.size = np.asarray([len(s) for s in anchor_sets], dtype=np.int64)
        self.ptr = np.r_[0, np.cumsum(self.size)].astype(np.int64)
        flat = [np.sort(np.asarray([number[a] for a in s], dtype=np.int64)) for s in anchor_sets]
        self.ids = np.concatenate(flat) if flat else np.zeros(0, dtype=np.int64)
        self.width = max(len(number), 1)
        owner = np.repeat(np.arange(len(anchor_sets), dtype=np.int64), self.size)
        self.keys = owner * self.width + self.ids  # ascending: by article, then anchor

    def jaccard(self, a: Codes, b: Codes) -> npt.NDArray[np.float64]:
        """|A & B| / |A | B| of the anchor sets of articles ``a[k]`` and ``b[k]`` (0 when
        both are empty): each anchor of the smaller set is looked up in the other's, about
        ``LOOKUPS`` at a time (the arrays of one step hold one entry per lookup)."""
        looked = np.cumsum(np.minimum(self.size[a], self.size[b]))
        cuts = np.searchsorted(looked, np.arange(LOOKUPS, looked[-1] if len(a) else 0, LOOKUPS))
        bounds = [0, *(int(c) + 1 for c in unique(cuts)), len(a)]
        out = np.zeros(len(a), dtype=np.float64)
        for lo, hi in itertools.pairwise(bounds):
            if lo < hi:
                out[lo:hi] = self._jaccard(a[lo:hi], b[lo:hi])
        return out

    def _jaccard(self, a: Codes, b: Codes) -> npt.NDArray[np.float64]:
        small = np.where(self.size[a] <= self.size[b], a, b)
        other = np.where(self.size[a] <= self.size[b], b, a)
        counts = self.size[small]
        pair = np.repeat(np.arange(len(a), dtype=np.int64), counts)
        within = np.arange(len(pair), dtype=np.int64) - np.repeat(
            np.cumsum(counts) - counts, counts
        )
        wanted = other[pair] * self.width + self.ids[self.ptr[small][pair] + within]
        at = np.minimum(np.searchsorted(self.keys, wanted), max(len(self.keys) - 1, 0))
        inter = np.bincount(pair, weights=self.keys[at] == wanted, minlength=len(a))
        union = self.size[a] + self.size[b] - inter
        out = np.zeros(len(a), dtype=np.float64)
        np.divide(inter, union, out=out, where=union > 0)
        return out


class _Best:
    """Per article, the ``k`` partners of highest score (ties: the lower number), as two
    ``n`` x ``k`` arrays: memory per article, not per proposed pair. A pair offered again
    is kept once. An offer below its article's k-th best so far can never be kept and is
    dropped at once; the others wait until ``limit`` of them are merged, ``MERGE_ROWS``
    articles at a time, so a merge's arrays stay bounded however many articles."""

    def __init__(self, n: int, k: int, limit: int) -> None:
        self.k = k
        self.limit = limit
        self.partner = np.full((n, k), -1, dtype=np.int64)
        self.score = np.full((n, k), -np.inf, dtype=np.float64)
        self._waiting: list[tuple[Codes, Codes, npt.NDArray[np.float64]]] = []
        self._count = 0

    def offer(self, rows: Codes, partners: Codes, scores: npt.NDArray[np.float64]) -> None:
        keep = scores >= self.score[rows, self.k - 1]
        if keep.any():
            self._waiting.append((rows[keep], partners[keep], scores[keep]))
            self._count += int(np.count_nonzero(keep))
        if self._count >= self.limit:
            self.merge()

    def merge(self) -> None:
        """Merge the waiting offers into each article's kept partners."""
        if not self._waiting:
            return
        rows, partners, scores = (np.concatenate(x) for x in zip(*self._waiting, strict=True))
        self._waiting, self._count = [], 0
        order = np.argsort(rows, kind="stable")
        rows, partners, scores = rows[order], partners[order], scores[order]
        edges = np.searchsorted(rows, np.arange(0, len(self.partner) + MERGE_ROWS, MERGE_ROWS))
        for lo, hi in itertools.pairwise(edges.tolist()):
            if lo < hi:
                self._merge(rows[lo:hi], partners[lo:hi], scores[lo:hi])

    def _merge(self, rows: Codes, partners: Codes, scores: npt.NDArray[np.float64]) -> None:
        touched = unique(rows)
        held = self.partner[touched] >= 0
        rows = np.concatenate([rows, np.repeat(touched, self.k)[held.ravel()]])
        partners = np.concatenate([partners, self.partner[touched][held]])
        scores = np.concatenate([scores, self.score[touched][held]])
        order = np.lexsort((partners, -scores, rows))
        rows, partners, scores = rows[order], partners[order], scores[order]
        again = np.r_[False, (rows[1:] == rows[:-1]) & (partners[1:] == partners[:-1])]
        rows, partners, scores = rows[~again], partners[~again], scores[~again]
        first = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
        rank = np.arange(len(rows)) - np.repeat(first, np.diff(np.r_[first, len(rows)]))
        keep = rank < self.k
        self.partner[touched] = -1
        self.score[touched] = -np.inf
        self.partner[rows[keep], rank[keep]] = partners[keep]
        self.score[rows[keep], rank[keep]] = scores[keep]

    def codes(self) -> Codes:
        """The pair codes ``a * n + b`` of every (a, b), a < b, that a or b keeps, sorted."""
        self.merge()
        rows, slots = np.nonzero(self.partner >= 0)
        partners = self.partner[rows, slots]
        n = len(self.partner)
        return unique(np.minimum(rows, partners) * n + np.maximum(rows, partners))


def _article_pairs(
    ids: Sequence[str],
    outlet_of: Mapping[str, str],
    means: Vectors,
    anchor_sets: Sequence[frozenset[str]],
    config: Config,
) -> Codes:
    """The candidate article pairs as sorted pair codes ``a * n + b`` (a < b)."""
    cc = config.claims
    n = len(ids)
    outlet_codes: dict[str, int] = {}
    outlet = np.asarray([outlet_codes.setdefault(outlet_of[i], len(outlet_codes)) for i in ids])
    anchors = _Anchors(anchor_sets)
    # a merge touches up to n x k kept pairs: as many offers at once, within MERGE_MAX
    chunk = max(PAIR_CHUNK, min(n * cc.article_pairs, MERGE_MAX))
    best = _Best(n, cc.article_pairs, chunk)

    def score(codes: Codes) -> None:
        """Offer each pair of ``codes`` (of two outlets) to both its articles, scored by
        cosine + anchor Jaccard: the cosine in float32 as ``means[a] @ means[b]``."""
        a, b = np.divmod(codes, n)
        other = outlet[a] != outlet[b]
        a, b = a[other], b[other]
        cosine = np.empty(len(a), dtype=np.float32)
        for lo in range(0, len(a), DOT_CHUNK):
            hi = lo + DOT_CHUNK
            cosine[lo:hi] = np.vecdot(means[a[lo:hi]], means[b[lo:hi]])
        total = cosine.astype(np.float64) + anchors.jaccard(a, b)
        best.offer(np.r_[a, b], np.r_[b, a], np.r_[total, total])

    pending: list[Codes] = []
    held = 0
    split = cc.simhash_split_bits if n >= cc.simhash_split_from else 0
    buckets = simhash_buckets(
        means,
        cc.simhash_bands,
        cc.simhash_rows,
        config.fingerprint.seed,
        cc.simhash_max_bucket,
        split,
        cc.simhash_split_to,
    )
    for block in buckets:
        per_row = block.shape[1] * (block.shape[1] - 1) // 2
        step = max(1, chunk // per_row)
        for lo in range(0, len(block), step):
            pending.append(bucket_pairs(block[lo : lo + step], n))
            held += len(pending[-1])
            if held >= chunk:
                score(unique(np.concatenate(pending)))
                pending, held = [], 0
    pending.append(_anchor_pairs(anchor_sets, n, config))
    score(unique(np.concatenate(pending)))
    return best.codes()


def _anchor_pairs(anchor_sets: Sequence[frozenset[str]], n: int, config: Config) -> Codes:
    """Pair codes of articles whose anchor sets MinHash LSH proposes: ``lsh_candidates``'
    pairs (each row's ``max_candidates`` links of highest estimated Jaccard, ties: the
    lower row), found band by band into a ``_Best`` of ``n`` x ``max_candidates`` rather
    than from every distinct link of all bands at once (the step's peak at 10k, ~22 KB an
    article, growing with n)."""
    params = replace(FingerprintParams.from_config(config.fingerprint), word_shingle=1)
    with_anchors = [i for i, s in enumerate(anchor_sets) if s]
    signatures = BatchSigner(params).sign_shingles(
        [{a.encode("utf-8") for a in anchor_sets[i]} for i in with_anchors]
    )
    fp = config.fingerprint
    m = len(with_anchors)
    if m < 2:
        return np.zeros(0, dtype=np.int64)
    banding = Banding.for_threshold(signatures.shape[1], config.claims.anchor_lsh_threshold)
    best = _Best(m, fp.max_candidates, max(PAIR_CHUNK, min(m * fp.max_candidates, MERGE_MAX)))
    for part in banding.slices(signatures):
        for src, dst in band_links(part, fp.max_candidates):
            keep = src != dst
            src, dst = src[keep], dst[keep]
            for lo in range(0, len(src), PAIR_CHUNK):
                a, b = src[lo : lo + PAIR_CHUNK], dst[lo : lo + PAIR_CHUNK]
                equal = (signatures[a] == signatures[b]).sum(axis=1).astype(np.float64)
                best.offer(a.astype(np.int64), b.astype(np.int64), equal)
    codes = best.codes()
    number = np.asarray(with_anchors, dtype=np.int64)
    return np.asarray(number[codes // m] * n + number[codes % m], dtype=np.int64)


def semantic_pairs(
    article_texts: Mapping[str, Sequence[int]],
    outlet_of: Mapping[str, str],
    vectors: Rows,
    text_anchors: Sequence[frozenset[str]],
    config: Config,
) -> Codes:
    """Pairs (a < b) of distinct texts that are mutually best in a candidate article pair,
    as sorted pair codes ``a * len(vectors) + b``."""
    ids = sorted(article_texts)
    if len(ids) < 2:
        return np.zeros(0, dtype=np.int64)
    means = np.empty((len(ids), vectors[0].shape[0]), dtype=np.float32)
    for n, i in enumerate(ids):
        means[n] = vectors[list(article_texts[i])].mean(axis=0)
    means /= np.maximum(np.linalg.norm(means, axis=1, keepdims=True), 1e-9)
    anchor_sets = [frozenset().union(*(text_anchors[k] for k in article_texts[i])) for i in ids]
    pairs = _article_pairs(ids, outlet_of, means, anchor_sets, config)
    del means, anchor_sets
    first, second = np.divmod(pairs, len(ids))
    del pairs

    @functools.lru_cache(maxsize=ROW_CACHE)
    def rows(a: int) -> tuple[Codes, Vectors]:
        """An article's distinct texts (ascending) and their vectors, read once while
        its pairs are ranked (pairs come sorted by their first article)."""
        texts = sorted(set(article_texts[ids[a]]))
        return np.asarray(texts, dtype=np.int64), vectors[texts]

    found: list[Codes] = []
    size = len(vectors)
    for a, b in zip(first.tolist(), second.tolist(), strict=True):
        (ta, va), (tb, vb) = rows(a), rows(b)
        cos = va @ vb.T
        best_b = cos.argmax(axis=1)
        mutual = np.flatnonzero(cos.argmax(axis=0)[best_b] == np.arange(len(ta)))
        x, y = ta[mutual], tb[best_b[mutual]]
        found.append((np.minimum(x, y) * size + np.maximum(x, y))[x != y])
    rows.cache_clear()
    return unique(np.concatenate(found)) if found else np.zeros(0, dtype=np.int64)

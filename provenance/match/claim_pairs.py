"""Semantic claim candidates: article pairs from LSH, then sentence ranking inside each pair.

1. Candidate article pairs (never all pairs): random-hyperplane LSH over each article's mean
   sentence vector (``semantic.simhash_pairs``) and MinHash LSH over each article's set of
   anchors (``candidates.lsh_candidates``), articles of different outlets only. Each article keeps
   the ``ClaimsConfig.article_pairs`` partners with the highest cosine + anchor Jaccard.
2. Inside a candidate pair, the cosine matrix of the two articles' sentences is computed and
   the mutually best pairs (each the other's most similar sentence in the other article) are
   returned: ``claims.confidence`` then decides them.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from dataclasses import replace

import numpy as np

from provenance.config import Config
from provenance.fingerprint import FingerprintParams
from provenance.match.candidates import lsh_candidates
from provenance.match.signatures import BatchSigner
from provenance.match.units import Rows
from provenance.semantic import Vectors, simhash_pairs

PAIR_CHUNK = 65_536  # pair codes scored per step (bounds the Python ints alive at once)


def _article_pairs(
    ids: Sequence[str],
    outlet_of: Mapping[str, str],
    means: Vectors,
    anchor_sets: Sequence[frozenset[str]],
    config: Config,
) -> list[tuple[int, int]]:
    cc = config.claims
    n = len(ids)
    proposed = simhash_pairs(
        means, cc.simhash_bands, cc.simhash_rows, config.fingerprint.seed, cc.simhash_max_bucket
    )
    params = replace(FingerprintParams.from_config(config.fingerprint), word_shingle=1)
    with_anchors = [i for i, s in enumerate(anchor_sets) if s]
    signatures = BatchSigner(params).sign_shingles(
        [{a.encode("utf-8") for a in anchor_sets[i]} for i in with_anchors]
    )
    fp = config.fingerprint
    by_anchors = []
    for c in lsh_candidates(
        signatures, cc.anchor_lsh_threshold, fp.max_candidates, fp.lsh_bands_per_pass
    ):
        a, b = sorted((with_anchors[c.a], with_anchors[c.b]))
        by_anchors.append(a * n + b)
    codes = np.union1d(proposed, np.asarray(by_anchors, dtype=np.int64))
    # Per article, the article_pairs partners of highest score (ties: the lower number), kept
    # in a heap of that size: memory per article, not per proposed pair.
    best: dict[int, list[tuple[float, int]]] = {}

    def offer(a: int, b: int, score: float) -> None:
        heap = best.setdefault(a, [])
        item = (score, -b)
        if len(heap) < cc.article_pairs:
            heapq.heappush(heap, item)
        elif item > heap[0]:
            heapq.heapreplace(heap, item)

    for start in range(0, len(codes), PAIR_CHUNK):
        for code in codes[start : start + PAIR_CHUNK].tolist():
            a, b = divmod(code, n)
            if outlet_of[ids[a]] == outlet_of[ids[b]]:
                continue
            union = anchor_sets[a] | anchor_sets[b]
            jaccard = len(anchor_sets[a] & anchor_sets[b]) / len(union) if union else 0.0
            score = float(means[a] @ means[b]) + jaccard
            offer(a, b, score)
            offer(b, a, score)
    keep = {(min(a, -nb), max(a, -nb)) for a, heap in best.items() for _, nb in heap}
    return sorted(keep)


def semantic_pairs(
    article_texts: Mapping[str, Sequence[int]],
    outlet_of: Mapping[str, str],
    vectors: Rows,
    text_anchors: Sequence[frozenset[str]],
    config: Config,
) -> set[tuple[int, int]]:
    """Pairs (a < b) of distinct texts that are mutually best in a candidate article pair."""
    ids = sorted(article_texts)
    if len(ids) < 2:
        return set()
    means = np.stack([vectors[list(article_texts[i])].mean(axis=0) for i in ids])
    means /= np.maximum(np.linalg.norm(means, axis=1, keepdims=True), 1e-9)
    anchor_sets = [frozenset().union(*(text_anchors[k] for k in article_texts[i])) for i in ids]
    out: set[tuple[int, int]] = set()
    for a, b in _article_pairs(ids, outlet_of, means.astype(np.float32), anchor_sets, config):
        ta = sorted(set(article_texts[ids[a]]))
        tb = sorted(set(article_texts[ids[b]]))
        cos = vectors[ta] @ vectors[tb].T
        best_b = cos.argmax(axis=1)
        best_a = cos.argmax(axis=0)
        for i, j in enumerate(best_b):
            if best_a[j] == i and ta[i] != tb[int(j)]:
                x, y = ta[i], tb[int(j)]
                out.add((min(x, y), max(x, y)))
    return out

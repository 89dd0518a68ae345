"""Passages to fingerprint, and the in-memory LSH index that proposes candidate pairs.

``passages_of`` says what is matched: the sentences and paragraphs of an article that do not
touch boilerplate. ``lsh_candidates`` says which pairs are worth aligning: datasketch
``MinHashLSH`` buckets the signatures (never an all-pairs loop), and each signature keeps
only its ``max_candidates`` most similar neighbours (estimated Jaccard), so a passage that
recurs in thousands of articles costs a bounded number of alignments.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from datasketch import MinHashLSH

from provenance.config import FingerprintConfig
from provenance.fingerprint import Signature, lsh_bands
from provenance.model import ArticleResult, Passage, SegmentKind

# The default of ``FingerprintConfig.min_passage_chars``, kept as a name for callers.
MIN_PASSAGE_CHARS = FingerprintConfig.min_passage_chars


def _overlaps_boilerplate(result: ArticleResult, start: int, end: int) -> bool:
    return any(b.start < end and start < b.end for b in result.boilerplate)


def passages_of(result: ArticleResult, min_chars: int = MIN_PASSAGE_CHARS) -> tuple[Passage, ...]:
    """Sentences and paragraphs of the article that are not boilerplate, in text order.

    A sentence that is its whole paragraph is listed once, as the paragraph."""
    out: dict[tuple[int, int], Passage] = {}
    for seg in (*result.segmentation.paragraphs, *result.segmentation.sentences):
        if seg.end - seg.start < min_chars or _overlaps_boilerplate(result, seg.start, seg.end):
            continue
        out.setdefault(
            (seg.start, seg.end), Passage(result.article.id, seg.start, seg.end, seg.text, seg.kind)
        )
    return tuple(
        sorted(out.values(), key=lambda p: (p.start, p.kind != SegmentKind.PARAGRAPH, p.end))
    )


@dataclass(frozen=True)
class Candidate:
    """Two signatures (by position, ``a < b``) that LSH put in a common bucket."""

    a: int
    b: int
    estimated_jaccard: float


def lsh_candidates(
    signatures: Sequence[Signature], threshold: float, max_candidates: int
) -> list[Candidate]:
    """Candidate pairs among ``signatures``, sorted, each pair once.

    Every signature is inserted into one ``MinHashLSH`` (bands from ``lsh_bands``, the same
    banding as the persistent store); of the keys it shares a bucket with, the
    ``max_candidates`` with the highest estimated Jaccard (ties: lower position) are kept."""
    if len(signatures) < 2:
        return []
    params = signatures[0].params
    for sig in signatures:
        params.require_same(sig.params)
    bands, rows = lsh_bands(params.num_perm, threshold)
    lsh = MinHashLSH(num_perm=params.num_perm, params=(bands, rows))
    with lsh.insertion_session() as session:
        for key, sig in enumerate(signatures):
            session.insert(key, sig.minhash, check_duplication=False)
    # Reading the buckets once gives the same pairs as querying every key, at half the cost.
    # A bucket bigger than ``4 * max_candidates`` (many texts with one signature band) links
    # its members to its first ``max_candidates`` keys only, so it costs linear time.
    neighbours: dict[int, set[int]] = {}
    for table in lsh.hashtables:
        for bucket_key in table.keys():  # noqa: SIM118 (a datasketch storage, not a dict)
            bucket = table.get(bucket_key)
            if len(bucket) < 2:
                continue
            if len(bucket) <= 4 * max_candidates:
                for key in bucket:
                    neighbours.setdefault(key, set()).update(bucket)
                continue
            hubs = sorted(bucket)[:max_candidates]
            for key in bucket:
                neighbours.setdefault(key, set()).update(hubs)
            for hub in hubs:
                neighbours[hub].update(bucket)
    del lsh  # the buckets are read: free them before stacking the signatures
    values = np.stack([sig.hashvalues for sig in signatures])
    pairs: dict[tuple[int, int], float] = {}
    for key in sorted(neighbours):
        found = np.fromiter(sorted(neighbours[key] - {key}), dtype=np.int64)
        estimates = (values[found] == values[key]).mean(axis=1)
        order = np.lexsort((found, -estimates))[:max_candidates]
        for i in order:
            other = int(found[i])
            pair = (key, other) if key < other else (other, key)
            pairs[pair] = float(estimates[i])
    return [Candidate(a, b, round(j, 4)) for (a, b), j in sorted(pairs.items())]

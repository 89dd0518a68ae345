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
from datasketch import LeanMinHash, MinHashLSH

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
    signatures: Sequence[Signature],
    threshold: float,
    max_candidates: int,
    bands_per_pass: int = FingerprintConfig.lsh_bands_per_pass,
) -> list[Candidate]:
    """Candidate pairs among ``signatures``, sorted, each pair once.

    The signatures are bucketed by datasketch ``MinHashLSH`` (bands from ``lsh_bands``, the
    same banding as the persistent store), ``bands_per_pass`` bands at a time: each pass
    inserts the signatures' slices for its bands into one ``MinHashLSH``, reads its buckets
    and frees it, so peak memory holds a few bands, not all of them; the buckets, and so the
    candidates, are those of one ``MinHashLSH`` over every band. Of the keys a signature
    shares a bucket with, the ``max_candidates`` with the highest estimated Jaccard (ties:
    lower position) are kept."""
    if len(signatures) < 2:
        return []
    params = signatures[0].params
    for sig in signatures:
        params.require_same(sig.params)
    bands, rows = lsh_bands(params.num_perm, threshold)
    values = np.stack([sig.hashvalues for sig in signatures])
    neighbours: dict[int, set[int]] = {}
    # datasketch needs two bands or more per MinHashLSH: a last pass of one joins the previous
    starts = list(range(0, bands, max(2, bands_per_pass)))
    if len(starts) > 1 and bands - starts[-1] < 2:
        starts.pop()
    for first, end in zip(starts, [*starts[1:], bands], strict=True):
        group = end - first
        lo, hi = first * rows, end * rows
        lsh = MinHashLSH(num_perm=group * rows, params=(group, rows))
        with lsh.insertion_session() as session:
            for key in range(len(signatures)):
                part = LeanMinHash(
                    seed=params.seed, hashvalues=values[key, lo:hi], scheme=params.scheme
                )
                session.insert(key, part, check_duplication=False)
        _read_buckets(lsh, neighbours, max_candidates)
        del lsh, session
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


def _read_buckets(lsh: MinHashLSH, neighbours: dict[int, set[int]], max_candidates: int) -> None:
    """Add the bucket mates of every key to ``neighbours`` (reading the buckets once gives
    the same pairs as querying every key, at half the cost). A bucket bigger than
    ``4 * max_candidates`` (many texts with one signature band) links its members to its
    first ``max_candidates`` keys only, so it costs linear time."""
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
                neighbours.setdefault(hub, set()).update(bucket)

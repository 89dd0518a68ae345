"""Passages to fingerprint, and the in-memory LSH index that proposes candidate pairs.

``passages_of`` says what is matched: the sentences and paragraphs of an article that do not
touch boilerplate. ``lsh_candidates`` says which pairs are worth aligning: band keys bucket
the signatures (never an all-pairs loop), and each signature keeps
only its ``max_candidates`` most similar neighbours (estimated Jaccard), so a passage that
recurs in thousands of articles costs a bounded number of alignments.
"""

from __future__ import annotations

from provenance.config import FingerprintConfig
from provenance.match.candidates import Banding, Candidate, Matrix, candidate_list
from provenance.model import ArticleResult, Passage, SegmentKind

__all__ = ["MIN_PASSAGE_CHARS", "Candidate", "lsh_candidates", "passages_of"]

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


def lsh_candidates(
    signatures: Matrix,
    threshold: float,
    max_candidates: int,
    bands_per_pass: int = FingerprintConfig.lsh_bands_per_pass,
) -> list[Candidate]:
    """Candidate pairs among the rows of a signature matrix, sorted, each pair once: band
    keys grouped with numpy (``match.candidates``; the same pairs as datasketch
    ``MinHashLSH`` with the banding of ``lsh_bands``), and of the rows a row shares a bucket
    with, the ``max_candidates`` with the highest estimated Jaccard (ties: lower position).
    ``bands_per_pass`` bands of links are gathered before they are de-duplicated."""
    banding = Banding.for_threshold(signatures.shape[1], threshold)
    return candidate_list(signatures, banding, max_candidates, bands_per_pass)

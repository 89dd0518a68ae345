"""Alignment of candidate passages with rapidfuzz: exact spans, a score and a grade.

Texts are compared after a length-preserving case fold (each character lowered only when
lowering keeps it one character), so offsets found in the folded text are offsets in the
original text too.
"""

from __future__ import annotations

from rapidfuzz import fuzz

from provenance.config import AlignConfig
from provenance.fingerprint import normalize
from provenance.model import Grade, Match, MatchSide, Passage


def similarity(a: str, b: str) -> float:
    """Normalised Indel similarity (0-100) of two texts after case and Unicode folding."""
    return float(fuzz.ratio(" ".join(normalize(a).split()), " ".join(normalize(b).split())))


def fold(text: str) -> str:
    """Lower-case ``text`` without changing its length (offsets stay valid)."""
    return "".join(low if len(low := ch.lower()) == 1 else ch for ch in text)


def grade(score: float, config: AlignConfig) -> Grade:
    if score >= config.verbatim_min_score:
        return Grade.VERBATIM
    if score >= config.edited_min_score:
        return Grade.EDITED
    return Grade.REWRITTEN


def align_passages(
    a: Passage, b: Passage, config: AlignConfig, estimated_jaccard: float = 0.0
) -> Match | None:
    """Align two passages; ``None`` when their best alignment scores below the match floor.

    The shorter passage is located inside the longer one (rapidfuzz partial alignment), the
    aligned stretches are scored with ``fuzz.ratio``, and the grade follows ``config``.
    """
    fa, fb = fold(a.text), fold(b.text)
    if not fa.strip() or not fb.strip():
        return None
    swap = len(fa) > len(fb)
    short, long_ = (fb, fa) if swap else (fa, fb)
    found = fuzz.partial_ratio_alignment(short, long_)
    if found is None:
        return None
    s_start, s_end = found.src_start, found.src_end
    l_start, l_end = found.dest_start, found.dest_end
    score = float(fuzz.ratio(short[s_start:s_end], long_[l_start:l_end]))
    # The part of the shorter passage left out of the alignment counts against the score.
    coverage = (s_end - s_start) / max(1, len(short))
    score *= coverage
    if score < config.match_min_score:
        return None
    (a_start, a_end), (b_start, b_end) = (
        ((l_start, l_end), (s_start, s_end)) if swap else ((s_start, s_end), (l_start, l_end))
    )
    return Match(
        a=MatchSide(a.article_id, a.start + a_start, a.start + a_end),
        b=MatchSide(b.article_id, b.start + b_start, b.start + b_end),
        score=round(score, 2),
        grade=grade(score, config),
        estimated_jaccard=estimated_jaccard,
    )

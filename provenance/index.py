"""Passages to fingerprint, and the in-memory LSH index that proposes candidate pairs.

This first version only defines which passages are indexed; the reuse stage adds the LSH.
"""

from __future__ import annotations

from provenance.model import ArticleResult, Passage, SegmentKind

# Passages shorter than this many characters are not matched: too little text for a
# meaningful alignment ("He said." matches everywhere). Lower finds short shared lines at the
# cost of noise.
MIN_PASSAGE_CHARS = 40


def _overlaps_boilerplate(result: ArticleResult, start: int, end: int) -> bool:
    return any(b.start < end and start < b.end for b in result.boilerplate)


def passages_of(result: ArticleResult, min_chars: int = MIN_PASSAGE_CHARS) -> tuple[Passage, ...]:
    """Sentences and paragraphs of the article that are not boilerplate, in text order."""
    out: list[Passage] = []
    for seg in (*result.segmentation.paragraphs, *result.segmentation.sentences):
        if seg.end - seg.start < min_chars or _overlaps_boilerplate(result, seg.start, seg.end):
            continue
        out.append(Passage(result.article.id, seg.start, seg.end, seg.text, seg.kind))
    out.sort(key=lambda p: (p.start, p.kind != SegmentKind.PARAGRAPH, p.end))
    return tuple(out)

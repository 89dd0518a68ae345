"""Alignment of candidate passages with rapidfuzz: exact spans, a score and a grade.

Texts are compared after a length-preserving case fold (each character lowered only when
lowering keeps it one character), so offsets found in the folded text are offsets in the
original text too.

``align_texts`` / ``align_passages``: is one passage copied from the other, and how
closely? The shorter text is located inside the longer one (rapidfuzz partial alignment),
the aligned stretches are scored with ``fuzz.ratio`` (character Indel similarity), and the
part of the shorter text left out of the alignment counts against the score. The grade
(verbatim / edited / rewritten) is a cut on that score, calibrated on Clough-Stevenson.
Whether two sentences state the same claim is another question (``claims.claim_score``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rapidfuzz import fuzz
from rapidfuzz.distance import Indel, Levenshtein

from provenance.config import AlignConfig
from provenance.fingerprint import normalize
from provenance.model import Grade, Match, MatchSide, Passage, WordEdits

_WORD = re.compile(r"\w+", re.UNICODE)


def similarity(a: str, b: str) -> float:
    """Normalised Indel similarity (0-100) of two texts after case and Unicode folding."""
    return float(fuzz.ratio(" ".join(normalize(a).split()), " ".join(normalize(b).split())))


def fold(text: str) -> str:
    """Lower-case ``text`` without changing its length (offsets stay valid)."""
    lowered = text.lower()
    if len(lowered) == len(text):  # lowering never shortens a character: none grew
        return lowered
    return "".join(low if len(low := ch.lower()) == 1 else ch for ch in text)


@dataclass(frozen=True)
class WordDiff:
    """``edits`` plus where they are: character ranges of the words of the copy that are
    not in the source (inserted or changed) and of the source words that are not in the copy
    (deleted or changed), offsets into the texts given to ``word_diff``."""

    edits: WordEdits
    copy_ranges: tuple[tuple[int, int], ...]
    source_ranges: tuple[tuple[int, int], ...]


def _tokens(text: str) -> tuple[list[str], list[tuple[int, int]]]:
    found = list(_WORD.finditer(text))
    return [normalize(m.group()) for m in found], [m.span() for m in found]


def word_diff(copy: str, source: str) -> WordDiff:
    """The word-level edit script (Levenshtein over normalised words) from ``source`` to
    ``copy``: one function for the grade, the report's counts and the HTML highlights."""
    words_c, spans_c = _tokens(copy)
    words_s, spans_s = _tokens(source)
    changed = inserted = deleted = 0
    in_copy: list[tuple[int, int]] = []
    in_source: list[tuple[int, int]] = []
    for op in Levenshtein.opcodes(words_s, words_c):
        if op.tag == "equal":
            continue
        n_src, n_copy = op.src_end - op.src_start, op.dest_end - op.dest_start
        changed += min(n_src, n_copy)
        deleted += max(0, n_src - n_copy)
        inserted += max(0, n_copy - n_src)
        in_source.extend(spans_s[op.src_start : op.src_end])
        in_copy.extend(spans_c[op.dest_start : op.dest_end])
    return WordDiff(WordEdits(changed, inserted, deleted), tuple(in_copy), tuple(in_source))


def grade(score: float, config: AlignConfig, edits: WordEdits | None = None) -> Grade:
    """``verbatim`` for the same words (``edits`` empty: case, white space, typographic
    quotes and dashes and punctuation aside); any word changed, inserted or deleted makes it
    ``edited`` or ``rewritten`` by the calibrated score. Without ``edits`` (a bare score, as
    in the Clough-Stevenson calibration) ``verbatim_min_score`` stands in for them."""
    if edits is None:
        if score >= config.verbatim_min_score:
            return Grade.VERBATIM
    elif edits.total == 0:
        return Grade.VERBATIM
    if score >= config.edited_min_score:
        return Grade.EDITED
    return Grade.REWRITTEN


@dataclass(frozen=True)
class Alignment:
    """Where two texts align (offsets into each text) and how well (0-100)."""

    a_start: int
    a_end: int
    b_start: int
    b_end: int
    score: float
    edits: WordEdits = field(default_factory=WordEdits)  # a's stretch against b's


# Matching blocks shorter than this at either end of an alignment are dropped: a stray
# shared space or period outside the copied text must not stretch the span.
_MIN_EDGE_BLOCK = 4
# Unaligned ends of the shorter text up to this many characters are taken into the copy.
_SNAP_CHARS = 12
_SENTENCE_END = re.compile(r"[.!?。！？]\s")


def _refine(short: str, long_: str, start: int, end: int) -> tuple[int, int, int, int]:
    """Exact bounds of the copy: partial alignment gives a window of the short text's
    length, but an edited copy is longer or shorter than its source. Align the short text
    with the window widened by a margin (rapidfuzz Indel matching blocks) and keep the
    stretch from the first to the last substantial block, on both sides."""
    margin = len(short) // 4 + 16
    lo, hi = max(0, start - margin), min(len(long_), end + margin)
    blocks: list[tuple[int, int, int]] = []  # (a, b, size), adjacent blocks merged
    for m in Indel.opcodes(short, long_[lo:hi]).as_matching_blocks():
        if m.size == 0:
            continue
        if blocks and blocks[-1][0] + blocks[-1][2] == m.a and blocks[-1][1] + blocks[-1][2] == m.b:
            a, b, size = blocks[-1]
            blocks[-1] = (a, b, size + m.size)
        else:
            blocks.append((m.a, m.b, m.size))
    while blocks and blocks[0][2] < _MIN_EDGE_BLOCK:
        blocks.pop(0)
    while blocks and blocks[-1][2] < _MIN_EDGE_BLOCK:
        blocks.pop()
    if not blocks:
        return 0, 0, start, start
    (a0, b0, _), (a1, b1, size) = blocks[0], blocks[-1]
    # The short text is a whole sentence or paragraph: a few unaligned characters at its
    # ends (an added "said", a changed last word) belong to the copy, not to new text.
    a_start = 0 if a0 <= _SNAP_CHARS else _grow_left(short, a0)
    a_end = len(short) if len(short) - (a1 + size) <= _SNAP_CHARS else a1 + size
    return (
        a_start,
        _grow_right(short, a_end),
        _grow_left(long_, lo + b0),
        _grow_right(long_, lo + b1 + size),
    )


def _edit_bounds(long_: str, start: int, end: int, whole_short: bool) -> tuple[int, int]:
    """The stretch of the longer text whose words the copy is compared with: the aligned
    stretch, plus a few unaligned characters at an end of the longer text when the whole
    shorter text is aligned (a first or last word the copy dropped counts as deleted, not
    as outside the copy). The spans stay the aligned stretch. A gap that holds a sentence
    end ("Earlier on. ") is another sentence and stays out."""
    if whole_short and start <= _SNAP_CHARS and not _SENTENCE_END.search(long_[:start]):
        start = 0
    tail = long_[end:]
    if whole_short and len(tail) <= _SNAP_CHARS and not _SENTENCE_END.search(tail):
        end = len(long_)
    return start, end


def _is_mark(ch: str) -> bool:
    return not ch.isalnum() and not ch.isspace()


def _grow_left(text: str, start: int) -> int:
    """Move ``start`` back over punctuation that opens the aligned stretch (quotes)."""
    while start > 0 and _is_mark(text[start - 1]):
        start -= 1
    return start


def _grow_right(text: str, end: int) -> int:
    """Move ``end`` over punctuation that closes the aligned stretch (".", "”")."""
    while end < len(text) and _is_mark(text[end]):
        end += 1
    return end


def align_texts(a: str, b: str, *, edits: bool = True) -> Alignment | None:
    """The best alignment of the shorter text inside the longer one, or ``None`` when a text
    is blank. The score is ``fuzz.ratio`` of the aligned stretches times the share of the
    shorter text that they cover. ``edits=False``: the word edits are not computed (left
    empty), for a caller that reads only the score and spans (a third of the time)."""
    fa, fb = fold(a), fold(b)
    if not fa.strip() or not fb.strip():
        return None
    swap = len(fa) > len(fb)
    short, long_ = (fb, fa) if swap else (fa, fb)
    at = long_.find(short)
    if at >= 0:  # the exact place, no fuzzy search needed
        s_start, s_end, l_start, l_end = 0, len(short), at, at + len(short)
        score = 100.0
    else:
        found = fuzz.partial_ratio_alignment(short, long_)
        if found is None:
            return None
        s_start, s_end, l_start, l_end = _refine(short, long_, found.dest_start, found.dest_end)
        if s_end <= s_start:
            return None
        score = float(fuzz.ratio(short[s_start:s_end], long_[l_start:l_end]))
        score = round(score * (s_end - s_start) / max(1, len(short)), 2)
    e_start, e_end = _edit_bounds(long_, l_start, l_end, (s_start, s_end) == (0, len(short)))
    if swap:  # a is the longer text
        a_span, b_span = (l_start, l_end), (s_start, s_end)
        a_edit, b_edit = (e_start, e_end), b_span
    else:
        a_span, b_span = (s_start, s_end), (l_start, l_end)
        a_edit, b_edit = a_span, (e_start, e_end)
    if not edits or (score == 100.0 and (e_start, e_end) == (l_start, l_end)):
        # not asked for, or the same characters (case aside): the same words
        return Alignment(*a_span, *b_span, score)
    found_edits = word_diff(a[a_edit[0] : a_edit[1]], b[b_edit[0] : b_edit[1]]).edits
    return Alignment(*a_span, *b_span, score, found_edits)


def align_passages(
    a: Passage, b: Passage, config: AlignConfig, estimated_jaccard: float = 0.0
) -> Match | None:
    """Align two passages; ``None`` when their best alignment scores below the match floor."""
    found = align_texts(a.text, b.text)
    if found is None or found.score < config.match_min_score:
        return None
    return Match(
        a=MatchSide(a.article_id, a.start + found.a_start, a.start + found.a_end),
        b=MatchSide(b.article_id, b.start + found.b_start, b.start + found.b_end),
        score=found.score,
        grade=grade(found.score, config, found.edits),
        estimated_jaccard=estimated_jaccard,
        edits=found.edits,
    )

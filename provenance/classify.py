"""Turn overlapping evidence into a partition of the text: one label per character.

Input: candidate spans from every stage (boilerplate spans, wire credit blocks, wire and
shared alignments), possibly overlapping. Output: spans that cover ``[0, len(text))``
exactly once, in order. Where candidates overlap, the label of higher precedence wins
(boilerplate > wire > shared > original); among candidates of the same label the sources
are merged and the first candidate (in a fixed order) gives reason, agency and credit.
White space between two spans joins the span before it (the first span absorbs leading
white space), so a newline never becomes a span of its own; neighbours with identical
evidence are then merged.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import replace

from provenance.model import (
    LABEL_PRECEDENCE,
    BoilerplateSpan,
    Label,
    Span,
    SpanSource,
    WireCredit,
)

_RANK = {label: rank for rank, label in enumerate(LABEL_PRECEDENCE)}


def boilerplate_candidates(spans: Iterable[BoilerplateSpan]) -> list[Span]:
    return [Span(b.start, b.end, Label.BOILERPLATE, reason=b.reason, rule=b.rule) for b in spans]


def credit_candidates(credits: Iterable[WireCredit]) -> list[Span]:
    return [
        Span(c.block_start, c.block_end, Label.WIRE, agency=c.agency, evidence="credit", credit=c)
        for c in credits
        if c.block_end > c.block_start
    ]


def _order_key(span: Span) -> tuple[object, ...]:
    return (
        _RANK[span.label],
        span.start,
        span.end,
        span.reason or "",
        span.agency or "",
        span.evidence or "",
        span.rule or "",
        # tie-breaks, so that the first candidate does not depend on the input order
        (span.credit.start, span.credit.end, span.credit.text) if span.credit else (),
        tuple((s.article_id, s.start, s.end) for s in span.sources),
        span.first or "",
    )


def _evidence_key(span: Span) -> tuple[object, ...]:
    return (
        span.label,
        span.reason,
        span.rule,
        span.agency,
        span.evidence,
        span.credit,
        span.sources,
        span.first,
    )


def _merge_sources(spans: Sequence[Span]) -> tuple[SpanSource, ...]:
    merged = {(s.article_id, s.start, s.end): s for span in spans for s in span.sources}
    return tuple(merged[k] for k in sorted(merged))


def partition(text: str, candidates: Iterable[Span]) -> tuple[Span, ...]:
    """The partition of ``text`` implied by ``candidates`` (see the module docstring)."""
    length = len(text)
    clipped = [
        replace(c, start=max(0, c.start), end=min(length, c.end))
        for c in candidates
        if min(length, c.end) > max(0, c.start)
    ]
    clipped.sort(key=_order_key)
    cuts = sorted({0, length, *(c.start for c in clipped), *(c.end for c in clipped)})
    pieces: list[Span] = []
    for start, end in itertools.pairwise(cuts):
        covering = [c for c in clipped if c.start <= start and c.end >= end]
        if not covering:
            pieces.append(Span(start, end, Label.ORIGINAL))
            continue
        best = covering[0]
        same = [c for c in covering if c.label == best.label]
        sources = _merge_sources(same)
        first = best.first
        if best.label == Label.SHARED:
            firsts = sorted({c.first for c in same if c.first})
            first = firsts[0] if len(firsts) == 1 else "unknown"
        pieces.append(replace(best, start=start, end=end, sources=sources, first=first))
    return _absorb_whitespace(text, pieces)


def _absorb_whitespace(text: str, pieces: list[Span]) -> tuple[Span, ...]:
    out: list[Span] = []
    for piece in pieces:
        blank = not text[piece.start : piece.end].strip()
        if out and (blank or _evidence_key(out[-1]) == _evidence_key(piece)):
            out[-1] = replace(out[-1], end=piece.end)
        elif blank and not out:
            out.append(piece)  # leading white space: joins whatever follows
        elif out and not text[out[-1].start : out[-1].end].strip():
            out[-1] = replace(piece, start=out[-1].start)
        else:
            out.append(piece)
    return tuple(out)


def check_partition(text: str, spans: Sequence[Span]) -> None:
    """Raise ValueError unless ``spans`` partition ``text`` (used by tests and the pipeline)."""
    position = 0
    for span in spans:
        if span.start != position or span.end <= span.start:
            raise ValueError(f"spans do not partition the text at offset {position}")
        position = span.end
    if position != len(text):
        raise ValueError(f"spans end at {position}, text has {len(text)} characters")

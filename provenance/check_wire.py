"""The wire part of the pre-ingest check: copy of indexed wire articles that no credit covers.

Sentence units (``match.units.sentence_units``: a copied sentence inside an original paragraph
counts) of the new article that align (``align.align_passages``) with units of indexed
articles of ``source_kind: wire`` and that no wire credit of the new article covers make up
its unattributed wire copy; ``check`` reports it when it is more than
``check.unattributed_wire_max_share`` of the article's characters. A credit covers copy of
the agencies it names (a joint credit "(AP/Reuters)" or "AFP/dpa" covers copy of each): text
aligned with a Reuters story under an "(AP)" dateline is still unattributed. When the wire
article's outlet is not an agency of ``data/agencies.toml`` (so its agency is not known), any
credit covers it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from provenance.agencies import AgencyLexicon
from provenance.config import Config
from provenance.match import align
from provenance.model import ArticleResult, Grade, Passage, SegmentKind, SourceKind
from provenance.store import Entry, Store, StoredArticle

_UNIT = SegmentKind.SENTENCE  # the kind of the indexed units (``match.units.sentence_units``)

# An indexed article the new one shares band keys with, and its passage pairs:
# new passage index -> (stored passage seq, band hits).
Candidate = tuple[StoredArticle, dict[int, tuple[int, int]]]


@dataclass(frozen=True)
class WireMatch:
    """A stretch of the new article aligned with a stretch of an indexed wire article."""

    start: int
    end: int
    other_id: str
    other_outlet: str | None
    other_start: int
    other_end: int
    score: float
    grade: Grade


@dataclass(frozen=True)
class UnattributedCopy:
    """The new article's wire copy that no credit covers (more than the allowed share)."""

    share: float  # of the article's characters
    matches: tuple[WireMatch, ...]  # each uncredited aligned unit, in text order
    message: str


def _union(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        elif end > start:
            out.append((start, end))
    return out


def _minus(spans: list[tuple[int, int]], holes: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for start, end in spans:
        pieces = [(start, end)]
        for h_start, h_end in holes:
            pieces = [
                part
                for s, e in pieces
                for part in ((s, min(e, h_start)), (max(s, h_end), e))
                if part[1] > part[0]
            ]
        out.extend(pieces)
    return out


def aligned_wire(
    result: ArticleResult,
    entry: Entry,
    candidates: Iterable[Candidate],
    index: Store,
    config: Config,
    lexicon: AgencyLexicon,
) -> list[tuple[str | None, WireMatch]]:
    """(agency, match) for every sentence unit of the new article that aligns with a unit of
    an indexed wire article, in text order (agency ``None``: the outlet names no known
    agency)."""
    article = result.article
    out: list[tuple[str | None, WireMatch]] = []
    for wire, pairs in candidates:
        if wire.article.source_kind != SourceKind.WIRE:
            continue
        for qi, (seq, hits) in sorted(pairs.items()):
            new_p, (w_start, w_end) = entry.passages[qi], wire.passages[seq]
            text, other = article.text, wire.article.text
            match = align.align_passages(
                Passage(article.id, new_p.start, new_p.end, text[new_p.start : new_p.end], _UNIT),
                Passage(wire.article.id, w_start, w_end, other[w_start:w_end], _UNIT),
                config.align,
                index.fp.estimate(hits),
            )
            if match is not None:
                agency = lexicon.agency_of_wire(wire.article.outlet)
                out.append(
                    (
                        agency,
                        WireMatch(
                            match.a.start,
                            match.a.end,
                            wire.article.id,
                            wire.article.outlet,
                            match.b.start,
                            match.b.end,
                            match.score,
                            match.grade,
                        ),
                    )
                )
    return sorted(out, key=lambda e: (e[1].start, e[1].end, e[1].other_id, e[1].other_start))


def unattributed_copy(
    result: ArticleResult, aligned: list[tuple[str | None, WireMatch]], config: Config
) -> UnattributedCopy | None:
    """The part of ``aligned`` (from ``aligned_wire``) that no credit of ``result`` covers,
    or None when it is not more than ``check.unattributed_wire_max_share`` of the text."""
    article = result.article
    uncredited_parts: list[tuple[int, int]] = []
    uncredited: list[WireMatch] = []
    for agency, m in aligned:
        blocks = _union(
            [
                (c.block_start, c.block_end)
                for c in result.wire_credits
                if agency is None or agency in c.agencies
            ]
        )
        parts = _minus([(m.start, m.end)], blocks)
        if parts:
            uncredited_parts.extend(parts)
            uncredited.append(m)
    parts = _union(uncredited_parts)
    share = round(sum(e - s for s, e in parts) / len(article.text), 4)
    if not parts or share <= config.check.unattributed_wire_max_share:
        return None
    agencies: dict[str, set[str]] = {}
    for _, m in aligned:
        agencies.setdefault(m.other_outlet or "wire", set()).add(m.other_id)
    found = {a for a, _ in aligned}
    named = sorted({a for c in result.wire_credits for a in c.agencies} - found)
    credits_named = f" (the credits name {', '.join(named)})" if named else ""
    sources = "; ".join(f"{a}: {', '.join(sorted(ids))}" for a, ids in sorted(agencies.items()))
    first = uncredited[0]
    message = (
        f"unattributed wire copy: {share:.0%} of the text aligns with indexed wire "
        f"articles ({sources}) and no credit line covers it{credits_named}; first: "
        f"characters {first.start}-{first.end} = {first.other_id!r} characters "
        f"{first.other_start}-{first.other_end} ({first.grade.value})"
    )
    return UnattributedCopy(share, tuple(uncredited), message)

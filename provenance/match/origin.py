"""Origin: which of the articles that carry the same text or claim had it first.

The last step of the matching stage: reuse (a shared span's ``first``), claims and quotations
(a group's ``first``) ask it once their members are known.
"""

from __future__ import annotations

from collections.abc import Sequence

from provenance.model import Article, SourceKind

UNKNOWN = "unknown"


def first_appearance(articles: Sequence[Article]) -> str:
    """Which of ``articles`` (all carrying the same text or claim) had it first: the wire
    article when exactly one is a wire article; otherwise the one with the earliest
    ``published`` instant (among the wire articles, if several; a date alone is 00:00 UTC);
    ``"unknown"`` when a date is missing or the earliest instant is tied."""
    unique = {a.id: a for a in articles}
    wire = [a for a in unique.values() if a.source_kind == SourceKind.WIRE]
    pool = wire or list(unique.values())
    if len(pool) == 1:
        return pool[0].id
    instants = {a.id: a.published_at for a in pool}  # compared as instants, not strings
    if any(t is None for t in instants.values()):
        return UNKNOWN
    earliest = min(t for t in instants.values() if t is not None)
    at_earliest = [a.id for a in pool if instants[a.id] == earliest]
    return at_earliest[0] if len(at_earliest) == 1 else UNKNOWN

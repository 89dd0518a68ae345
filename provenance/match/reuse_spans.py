"""Links turned into the wire / shared candidate spans of each article and the matches they
make (used by ``reuse``; the rules are in its docstring).

    links -> per occurrence, its best-ranked sources in other outlets' articles (``Ranking``)
          -> wire or shared spans (``spans_for``) -> pruned, with their matches (``assemble``)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import partial
from typing import TYPE_CHECKING

import numpy as np

from provenance.config import Config
from provenance.match.align import grade
from provenance.match.links import Link, with_self
from provenance.match.origin import first_appearance
from provenance.model import (
    Article,
    Label,
    Match,
    MatchSide,
    SourceKind,
    Span,
    SpanSource,
    outlet_key,
)

if TYPE_CHECKING:
    from provenance.match.reuse import Corpus


class Ranking:
    """Occurrences of each distinct text, best source first (computed on demand)."""

    def __init__(self, corpus: Corpus) -> None:
        self._corpus = corpus
        self._cache: dict[int, list[int]] = {}

    @staticmethod
    def key(a: Article) -> tuple[object, ...]:
        """Best source first: wire articles, then the earliest ``published``, then id."""
        at = a.published_at  # an instant: "-05:00" late on the 1st is after 01:00Z on the 2nd
        return (a.source_kind != SourceKind.WIRE, at is None, at.timestamp() if at else 0.0, a.id)

    def of(self, text: int) -> list[int]:
        if text not in self._cache:
            occurrences = self._corpus.occurrences(text)
            self._cache[text] = sorted(
                occurrences, key=lambda i: self.key(self._corpus.article_of(i))
            )
        return self._cache[text]


def _first_of(corpus: Corpus, links: list[Link]) -> str:
    arts = [corpus.article_of(i) for link in links for i in corpus.occurrences(link.other)]
    return first_appearance(arts)


def _contained(inner: Span, outer: Span) -> bool:
    ids = {s.article_id for s in outer.sources}
    return (
        outer.label == inner.label
        and outer.start <= inner.start
        and inner.end <= outer.end
        and outer.end - outer.start > inner.end - inner.start
        and all(s.article_id in ids for s in inner.sources)
    )


def _prune(spans: list[tuple[Span, float]]) -> list[tuple[Span, float]]:
    longest_first = sorted(spans, key=lambda e: (e[0].start - e[0].end, e[0].start))
    kept: list[tuple[Span, float]] = []
    for span, jaccard in longest_first:  # a span can only be inside a longer one
        if not any(_contained(span, outer) for outer, _ in kept):
            kept.append((span, jaccard))
    return sorted(
        kept,
        key=lambda e: (
            e[0].start,
            e[0].end,
            e[0].label,
            tuple((x.article_id, x.start, x.end) for x in e[0].sources),
        ),
    )


# an occurrence of a distinct text: the (text-less) article it is in, and its start there
Occurrence = tuple[Article, int]


def spans_for(
    corpus: Corpus, config: Config, links: dict[int, list[Link]], ranking: Ranking
) -> dict[str, list[tuple[Span, float]]]:
    """Per article: candidate spans with the estimated Jaccard of their link."""
    spans: dict[str, list[tuple[Span, float]]] = {}

    def ranked(text: int) -> Iterator[Occurrence]:
        return ((corpus.article_of(j), corpus.start_of(j)) for j in ranking.of(text))

    repeated = np.flatnonzero(np.diff(corpus.bounds) > 1).tolist()
    for u in sorted({*links, *repeated}):  # a unique text without alignment shares nothing
        mine_links = with_self(u, int(corpus.lengths[u]), links.get(u, ()))
        found = text_spans(
            ((corpus.article_of(i), corpus.start_of(i)) for i in corpus.occurrences(u)),
            mine_links,
            ranked,
            partial(_first_of, corpus, mine_links),
            config,
        )
        for mine, span, jaccard in found:
            spans.setdefault(mine.id, []).append((span, jaccard))
    return spans


def text_spans(
    occurrences: Iterable[Occurrence],
    links: Sequence[Link],
    ranked: Callable[[int], Iterable[Occurrence]],
    first: Callable[[], str],
    config: Config,
) -> Iterator[tuple[Article, Span, float]]:
    """The candidate spans of one distinct text's ``occurrences`` (in passage order), each
    with its article and the estimated Jaccard of its link: per occurrence, per link of
    ``links`` (``with_self``), the best-ranked occurrences of the linked text (``ranked``,
    best source first) in articles of other outlets are the sources. ``first()`` names the
    first appearance, asked once, when a shared span needs it."""
    firsts: list[str] = []
    for mine, p_start in occurrences:
        for link in links:
            chosen: list[tuple[SpanSource, Article]] = []
            for theirs, q_start in ranked(link.other):
                if theirs.id == mine.id or outlet_key(theirs) == outlet_key(mine):
                    continue
                source = SpanSource(
                    theirs.id,
                    theirs.outlet,
                    q_start + link.theirs[0],
                    q_start + link.theirs[1],
                    link.score,
                    grade(link.score, config.align, link.edits),
                    theirs.published,
                    link.edits,
                )
                chosen.append((source, theirs))
                if len(chosen) >= config.align.max_sources:
                    break
            if not chosen:
                continue
            start, end = p_start + link.mine[0], p_start + link.mine[1]
            wire = [s for s, a in chosen if a.source_kind == SourceKind.WIRE]
            if wire and mine.source_kind != SourceKind.WIRE:
                agency = wire[0].outlet or wire[0].article_id
                span = Span(
                    start, end, Label.WIRE, agency=agency, evidence="alignment", sources=tuple(wire)
                )
            else:
                if not firsts:
                    firsts.append(first())
                sources = tuple(s for s, _ in chosen)
                span = Span(start, end, Label.SHARED, sources=sources, first=firsts[0])
            yield mine, span, link.estimated_jaccard


def _match(article_id: str, span: Span, source: SpanSource, jaccard: float) -> Match:
    a = MatchSide(article_id, span.start, span.end)
    b = MatchSide(source.article_id, source.start, source.end)
    if (b.article_id, b.start, b.end) < (a.article_id, a.start, a.end):
        return Match(b, a, source.score, source.grade, jaccard, source.edits.swapped())
    return Match(a, b, source.score, source.grade, jaccard, source.edits)


def assemble(
    candidates: Mapping[str, list[tuple[Span, float]]],
) -> tuple[dict[str, tuple[Span, ...]], tuple[Match, ...]]:
    """Per article, the candidate spans left after pruning; the matches they make."""
    spans: dict[str, tuple[Span, ...]] = {}
    matches: dict[tuple[MatchSide, MatchSide], Match] = {}
    for article_id in sorted(candidates):
        kept = _prune(candidates[article_id])
        spans[article_id] = tuple(s for s, _ in kept)
        for span, jaccard in kept:
            for source in span.sources:
                m = _match(article_id, span, source, jaccard)
                matches.setdefault((m.a, m.b), m)
    return spans, in_report_order(matches)


def in_report_order(matches: Mapping[tuple[MatchSide, MatchSide], Match]) -> tuple[Match, ...]:
    """The matches sorted by their sides (article, start, end of each)."""

    def key(k: tuple[MatchSide, MatchSide]) -> tuple[object, ...]:
        return (k[0].article_id, k[0].start, k[0].end, k[1].article_id, k[1].start, k[1].end)

    return tuple(matches[k] for k in sorted(matches, key=key))

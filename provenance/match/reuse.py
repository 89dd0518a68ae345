"""Cross-outlet reuse: which passages of an article appear in another outlet's article.

    passages -> distinct texts -> MinHash matrix -> band-key candidates -> rapidfuzz alignment
             -> wire / shared candidate spans (for classify), matches, near-duplicates

Identical passages are signed and aligned once (a sentence repeated in a thousand articles
is one distinct text with a thousand occurrences). Each distinct text is linked to itself
(score 100) and to the distinct texts it aligns with. An occurrence in article A then takes
as sources, per link, the best-ranked occurrences in articles of *other* outlets (wire
articles first, then earliest ``published``, then id), at most ``AlignConfig.max_sources``:
- if one of them is a wire article (``source_kind: wire``) and A is not, the span is
  ``wire`` (evidence ``alignment``, agency = the wire article's outlet, sources = the wire
  spans);
- otherwise it is ``shared``, with ``first``: the wire article when exactly one wire article
  has the text, else the article with the earliest ``published`` among all articles that
  have it, or ``"unknown"`` when a date is missing or the earliest date is tied.
Same-outlet repeats are never sources (boilerplate reports them as ``outlet_repeat``).
A sentence span inside a paragraph span with the same label and sources is dropped, so a
copied paragraph is one span with one grade.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial

from provenance.anchors import AnchorLexicon
from provenance.config import Config
from provenance.fingerprint import FingerprintParams, shingles
from provenance.match.align import Alignment, grade
from provenance.match.candidates import Candidate
from provenance.match.claims import find_claims
from provenance.match.duplicates import find_duplicates
from provenance.match.origin import first_appearance
from provenance.match.signatures import Matrix
from provenance.match.units import passages_of
from provenance.model import (
    Article,
    ArticleResult,
    ClaimGroup,
    Duplicate,
    FrozenMap,
    Label,
    Match,
    MatchSide,
    Passage,
    SourceKind,
    Span,
    SpanSource,
    WordEdits,
    outlet_key,
)
from provenance.run.kernels import Kernels, Local


@dataclass(frozen=True)
class Link:
    """A distinct text aligned with another (or itself): spans relative to each text."""

    other: int
    mine: tuple[int, int]
    theirs: tuple[int, int]
    score: float
    estimated_jaccard: float
    edits: WordEdits = field(default_factory=WordEdits)  # my words against theirs


@dataclass(frozen=True)
class Reuse:
    """What the reuse stage hands to classify and to the report."""

    spans: Mapping[str, tuple[Span, ...]]  # article id -> wire/shared candidate spans
    matches: tuple[Match, ...]
    duplicates: Mapping[str, tuple[Duplicate, ...]]
    clusters: tuple[tuple[str, ...], ...]
    claims: tuple[ClaimGroup, ...]


@dataclass(frozen=True)
class Corpus:
    """Passages of a corpus grouped by distinct text, with their signatures."""

    articles: Mapping[str, Article]
    passages: tuple[Passage, ...]
    texts: tuple[str, ...]  # distinct passage texts
    occurrences: tuple[tuple[int, ...], ...]  # per distinct text: positions in passages
    signatures: Matrix  # one row per distinct text

    @classmethod
    def build(cls, results: Sequence[ArticleResult], config: Config, kernels: Kernels) -> Corpus:
        ordered = sorted(results, key=lambda r: r.article.id)
        minimum = config.fingerprint.min_passage_chars
        passages = tuple(p for r in ordered for p in passages_of(r, minimum))
        index: dict[str, int] = {}
        occurrences: list[list[int]] = []
        for i, p in enumerate(passages):
            k = index.setdefault(p.text, len(index))
            if k == len(occurrences):
                occurrences.append([])
            occurrences[k].append(i)
        texts = tuple(index)
        params = FingerprintParams.from_config(config.fingerprint)
        return cls(
            FrozenMap({r.article.id: r.article for r in ordered}),
            passages,
            texts,
            tuple(tuple(o) for o in occurrences),
            kernels.sign(texts, params, partial(shingles, params=params)),
        )


def _links(corpus: Corpus, config: Config, kernels: Kernels) -> list[list[Link]]:
    fp = config.fingerprint
    candidates = kernels.candidates(
        corpus.signatures, fp.lsh_threshold, fp.max_candidates, fp.lsh_bands_per_pass
    )
    found = kernels.align(corpus.texts, candidates)
    return links_of([len(t) for t in corpus.texts], candidates, found, config)


def links_of(
    lengths: Sequence[int],
    candidates: Sequence[Candidate],
    found: Sequence[Alignment | None],
    config: Config,
) -> list[list[Link]]:
    """Each distinct text's links: to itself, and to the candidates it aligns with."""
    links = [[Link(u, (0, n), (0, n), 100.0, 1.0)] for u, n in enumerate(lengths)]
    for c, alignment in zip(candidates, found, strict=True):
        if alignment is None or alignment.score < config.align.match_min_score:
            continue
        a_span, b_span = (alignment.a_start, alignment.a_end), (alignment.b_start, alignment.b_end)
        j = c.estimated_jaccard
        links[c.a].append(Link(c.b, a_span, b_span, alignment.score, j, alignment.edits))
        links[c.b].append(Link(c.a, b_span, a_span, alignment.score, j, alignment.edits.swapped()))
    return links


class _Ranking:
    """Occurrences of each distinct text, best source first (computed on demand)."""

    def __init__(self, corpus: Corpus) -> None:
        self._corpus = corpus
        self._cache: dict[int, list[int]] = {}

    def _key(self, i: int) -> tuple[object, ...]:
        p = self._corpus.passages[i]
        a = self._corpus.articles[p.article_id]
        at = a.published_at  # an instant: "-05:00" late on the 1st is after 01:00Z on the 2nd
        return (a.source_kind != SourceKind.WIRE, at is None, at.timestamp() if at else 0.0, a.id)

    def of(self, text: int) -> list[int]:
        if text not in self._cache:
            self._cache[text] = sorted(self._corpus.occurrences[text], key=self._key)
        return self._cache[text]


def _first_of(corpus: Corpus, links: list[Link]) -> str:
    arts = [
        corpus.articles[corpus.passages[i].article_id]
        for link in links
        for i in corpus.occurrences[link.other]
    ]
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


def _spans_for(
    corpus: Corpus, config: Config, links: list[list[Link]], ranking: _Ranking
) -> dict[str, list[tuple[Span, float]]]:
    """Per article: candidate spans with the estimated Jaccard of their link."""
    spans: dict[str, list[tuple[Span, float]]] = {}
    firsts: dict[int, str] = {}
    for u, positions in enumerate(corpus.occurrences):
        if len(links[u]) == 1 and len(positions) == 1:
            continue  # unique text, no alignment: nothing to share
        for i in positions:
            p = corpus.passages[i]
            mine = corpus.articles[p.article_id]
            for link in links[u]:
                chosen: list[SpanSource] = []
                for j in ranking.of(link.other):
                    q = corpus.passages[j]
                    theirs = corpus.articles[q.article_id]
                    if theirs.id == mine.id or outlet_key(theirs) == outlet_key(mine):
                        continue
                    chosen.append(
                        SpanSource(
                            theirs.id,
                            theirs.outlet,
                            q.start + link.theirs[0],
                            q.start + link.theirs[1],
                            link.score,
                            grade(link.score, config.align, link.edits),
                            theirs.published,
                            link.edits,
                        )
                    )
                    if len(chosen) >= config.align.max_sources:
                        break
                if not chosen:
                    continue
                start, end = p.start + link.mine[0], p.start + link.mine[1]
                wire = [
                    s
                    for s in chosen
                    if corpus.articles[s.article_id].source_kind == SourceKind.WIRE
                ]
                if wire and mine.source_kind != SourceKind.WIRE:
                    agency = wire[0].outlet or wire[0].article_id
                    span = Span(
                        start,
                        end,
                        Label.WIRE,
                        agency=agency,
                        evidence="alignment",
                        sources=tuple(wire),
                    )
                else:
                    if u not in firsts:
                        firsts[u] = _first_of(corpus, links[u])
                    span = Span(start, end, Label.SHARED, sources=tuple(chosen), first=firsts[u])
                spans.setdefault(mine.id, []).append((span, link.estimated_jaccard))
    return spans


def _match(article_id: str, span: Span, source: SpanSource, jaccard: float) -> Match:
    a = MatchSide(article_id, span.start, span.end)
    b = MatchSide(source.article_id, source.start, source.end)
    if (b.article_id, b.start, b.end) < (a.article_id, a.start, a.end):
        return Match(b, a, source.score, source.grade, jaccard, source.edits.swapped())
    return Match(a, b, source.score, source.grade, jaccard, source.edits)


def find_reuse(
    results: Sequence[ArticleResult],
    config: Config,
    anchor_lexicon: AnchorLexicon | None = None,
    kernels: Kernels | None = None,
) -> Reuse:
    """Wire and shared candidate spans, matches and near-duplicates of a corpus; ``kernels``
    sign, propose candidates and align (default: in this process)."""
    kernels = kernels or Local()
    corpus = Corpus.build(results, config, kernels)
    links = _links(corpus, config, kernels)
    candidates = _spans_for(corpus, config, links, _Ranking(corpus))
    rows_of: dict[str, list[int]] = {}
    for u, positions in enumerate(corpus.occurrences):
        for i in positions:
            rows_of.setdefault(corpus.passages[i].article_id, []).append(u)
    duplicates, clusters = find_duplicates(
        rows_of, corpus.signatures, lambda a: corpus.articles[a].text, config, kernels
    )
    spans, matches = assemble(candidates)
    return Reuse(
        spans=FrozenMap(spans),
        matches=matches,
        duplicates=FrozenMap(duplicates),
        clusters=clusters,
        claims=find_claims(results, config, anchor_lexicon),
    )


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
    order = sorted(
        matches,
        key=lambda k: (
            k[0].article_id,
            k[0].start,
            k[0].end,
            k[1].article_id,
            k[1].start,
            k[1].end,
        ),
    )
    return spans, tuple(matches[k] for k in order)

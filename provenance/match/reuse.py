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

import hashlib
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial

import numpy as np

from provenance.anchors import AnchorLexicon
from provenance.config import Config
from provenance.fingerprint import FingerprintParams, shingles
from provenance.match.align import Alignment, grade
from provenance.match.candidates import Candidate
from provenance.match.claims import find_claims
from provenance.match.duplicates import find_duplicates
from provenance.match.origin import first_appearance
from provenance.match.signatures import Matrix
from provenance.match.units import MemoryTexts, RowStore, Texts, in_id_order, passages_of
from provenance.model import (
    Article,
    ArticleResult,
    ClaimGroup,
    Duplicate,
    FrozenMap,
    Label,
    Match,
    MatchSide,
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


# Candidate pairs aligned at once: their texts are read back together (from the work store
# when there is one), so memory holds one chunk of texts, not the corpus.
ALIGN_CHUNK = 8192
# Distinct texts signed at once.
SIGN_CHUNK = 4096


def text_digest(text: str) -> bytes:
    """The 128-bit hash that tells distinct passage texts apart."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


@dataclass(frozen=True)
class Corpus:
    """Passages of a corpus grouped by distinct text, with their signatures: numpy arrays
    and the articles' metadata; the texts themselves are in ``texts`` (memory or the work
    store), read back when alignment needs them."""

    articles: Mapping[str, Article]  # without their text (``Article.without_text``)
    ids: tuple[str, ...]  # article ids in order; passages point into it
    passage_article: Matrix  # per passage (in article, then text order): its article
    passage_start: Matrix  # per passage: its start in its article
    passage_text: Matrix  # per passage: its distinct text
    lengths: Matrix  # per distinct text: its length
    by_text: Matrix  # passages grouped by distinct text, in passage order
    bounds: Matrix  # distinct text u's passages: by_text[bounds[u] : bounds[u + 1]]
    texts: Texts  # distinct passage texts, numbered in order of first occurrence
    signatures: Matrix  # one row per distinct text

    @classmethod
    def build(
        cls, results: Sequence[ArticleResult], config: Config, kernels: Kernels, texts: Texts
    ) -> Corpus:
        """Two passes over ``results`` (in id order; a lazy sequence is read back twice): the
        passages and a 128-bit hash of each text, then the first occurrence of each distinct
        text, written to ``texts`` and signed a chunk at a time."""
        minimum = config.fingerprint.min_passage_chars
        articles: dict[str, Article] = {}
        owner, starts, ends = array("q"), array("q"), array("q")
        digests = bytearray()
        for k, r in enumerate(results):
            articles[r.article.id] = r.article.without_text()
            for p in passages_of(r, minimum):
                owner.append(k)
                starts.append(p.start)
                ends.append(p.end)
                digests += text_digest(p.text)
        keys = np.frombuffer(bytes(digests), dtype=np.uint64).reshape(-1, 2)
        _, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
        order = np.argsort(first)  # distinct texts numbered by their first occurrence
        rank = np.empty(len(first), dtype=np.int64)
        rank[order] = np.arange(len(first))
        passage_text = rank[inverse.reshape(-1)] if len(keys) else np.zeros(0, dtype=np.int64)
        firsts = first[order]
        start_of, end_of, owner_of = np.asarray(starts), np.asarray(ends), np.asarray(owner)
        params = FingerprintParams.from_config(config.fingerprint)
        shingler = partial(shingles, params=params)
        blocks: list[Matrix] = []
        batch: list[str] = []

        def flush() -> None:
            texts.extend(batch)
            blocks.append(kernels.sign(batch, params, shingler))
            batch.clear()

        at = 0
        for k, r in enumerate(results):
            while at < len(firsts) and owner_of[firsts[at]] == k:
                i = firsts[at]
                batch.append(r.article.text[start_of[i] : end_of[i]])
                at += 1
                if len(batch) >= SIGN_CHUNK:
                    flush()
            if at == len(firsts):
                break
        if batch or not blocks:
            flush()
        lengths = (end_of - start_of)[firsts]
        return cls.of(articles, owner_of, start_of, passage_text, lengths, texts, np.vstack(blocks))

    @classmethod
    def of(
        cls,
        articles: Mapping[str, Article],
        passage_article: Matrix,
        passage_start: Matrix,
        passage_text: Matrix,
        lengths: Matrix,
        texts: Texts,
        signatures: Matrix,
    ) -> Corpus:
        """The corpus of numbered passages (``articles`` text-less, in id order; the
        passages in article, then text order): ``build``'s, or the Dask engine's, which
        numbers them from the partitions' digests."""
        by_text = np.argsort(passage_text, kind="stable")
        bounds = np.searchsorted(passage_text[by_text], np.arange(len(lengths) + 1))
        return cls(
            FrozenMap(articles),
            tuple(articles),
            passage_article,
            passage_start,
            passage_text,
            lengths,
            by_text,
            bounds,
            texts,
            signatures,
        )

    def occurrences(self, text: int) -> list[int]:
        """The passages of distinct text ``text``, in passage order."""
        return self.by_text[self.bounds[text] : self.bounds[text + 1]].tolist()  # type: ignore[no-any-return]

    def article_of(self, passage: int) -> Article:
        return self.articles[self.ids[self.passage_article[passage]]]

    def start_of(self, passage: int) -> int:
        return int(self.passage_start[passage])


def _links(corpus: Corpus, config: Config, kernels: Kernels) -> dict[int, list[Link]]:
    """Per distinct text, the texts it aligns with (``links_of``); candidates are aligned
    ``ALIGN_CHUNK`` at a time."""
    fp = config.fingerprint
    candidates = kernels.candidates(
        corpus.signatures, fp.lsh_threshold, fp.max_candidates, fp.lsh_bands_per_pass
    )
    return links_of(_aligned(corpus, candidates, kernels), config)


def _aligned(
    corpus: Corpus, candidates: Sequence[Candidate], kernels: Kernels
) -> Iterator[tuple[Candidate, Alignment | None]]:
    """Each candidate with its alignment, in order; the texts of ``ALIGN_CHUNK`` candidates
    read back at a time."""
    for at in range(0, len(candidates), ALIGN_CHUNK):
        chunk = candidates[at : at + ALIGN_CHUNK]
        needed = sorted({x for c in chunk for x in (c.a, c.b)})
        local = {u: n for n, u in enumerate(needed)}
        texts = corpus.texts.many(needed)
        pairs = [Candidate(local[c.a], local[c.b], c.estimated_jaccard) for c in chunk]
        yield from zip(chunk, kernels.align(texts, pairs), strict=True)


def links_of(
    aligned: Iterable[tuple[Candidate, Alignment | None]], config: Config
) -> dict[int, list[Link]]:
    """Per distinct text, the texts it aligns with, in candidate order (the link to itself
    is ``with_self``'s): the Dask engine aligns where the texts are and calls it too."""
    links: dict[int, list[Link]] = {}
    for c, found in aligned:
        if found is None or found.score < config.align.match_min_score:
            continue
        a_span, b_span = (found.a_start, found.a_end), (found.b_start, found.b_end)
        j = c.estimated_jaccard
        links.setdefault(c.a, []).append(Link(c.b, a_span, b_span, found.score, j, found.edits))
        back = Link(c.a, b_span, a_span, found.score, j, found.edits.swapped())
        links.setdefault(c.b, []).append(back)
    return links


def with_self(u: int, length: int, links: Iterable[Link]) -> list[Link]:
    """Distinct text ``u``'s links: itself (score 100), then the texts it aligns with."""
    return [Link(u, (0, length), (0, length), 100.0, 1.0), *links]


class _Ranking:
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


def _spans_for(
    corpus: Corpus, config: Config, links: dict[int, list[Link]], ranking: _Ranking
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


def find_reuse(
    results: Sequence[ArticleResult],
    config: Config,
    anchor_lexicon: AnchorLexicon | None = None,
    kernels: Kernels | None = None,
    texts: Texts | None = None,
    vectors_to: RowStore | None = None,
) -> Reuse:
    """Wire and shared candidate spans, matches and near-duplicates of a corpus; ``kernels``
    sign, propose candidates and align (default: in this process). ``results`` may be a
    lazy sequence in id order (the work store's): it is read through, never held; the
    distinct passage texts go to ``texts`` and the claims' sentence vectors to
    ``vectors_to`` (default for both: memory)."""
    kernels = kernels or Local()
    ordered = in_id_order(results)
    corpus = Corpus.build(ordered, config, kernels, texts if texts is not None else MemoryTexts())
    links = _links(corpus, config, kernels)
    candidates = _spans_for(corpus, config, links, _Ranking(corpus))
    del links
    cuts = np.searchsorted(corpus.passage_article, np.arange(len(corpus.ids) + 1))
    rows_of = {
        a: corpus.passage_text[cuts[k] : cuts[k + 1]].tolist()
        for k, a in enumerate(corpus.ids)
        if cuts[k + 1] > cuts[k]
    }
    position = {a: k for k, a in enumerate(corpus.ids)}
    duplicates, clusters = find_duplicates(
        rows_of,
        corpus.signatures,
        lambda a: ordered[position[a]].article.text,  # read back when LSH proposes it
        config,
        kernels,
    )
    del corpus, rows_of
    spans, matches = assemble(candidates)
    del candidates  # the claim stage runs without the passages' tables
    return Reuse(
        spans=FrozenMap(spans),
        matches=matches,
        duplicates=FrozenMap(duplicates),
        clusters=clusters,
        claims=find_claims(ordered, config, anchor_lexicon, kernels, vectors_to=vectors_to),
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
    return spans, in_report_order(matches)


def in_report_order(matches: Mapping[tuple[MatchSide, MatchSide], Match]) -> tuple[Match, ...]:
    """The matches sorted by their sides (article, start, end of each)."""

    def key(k: tuple[MatchSide, MatchSide]) -> tuple[object, ...]:
        return (k[0].article_id, k[0].start, k[0].end, k[1].article_id, k[1].start, k[1].end)

    return tuple(matches[k] for k in sorted(matches, key=key))

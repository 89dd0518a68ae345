"""The only module that wires the stages together: ingest'd articles in, CorpusResult out.

    segment -> boilerplate -> attribution -> fingerprint/index/align -> classify

Stages are pure functions of their inputs; this module passes their outputs along and
reports progress through an optional callback (the CLI draws it; the library never prints).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from provenance import attribution, boilerplate, classify, reuse, templates
from provenance.agencies import AgencyLexicon
from provenance.anchors import AnchorLexicon
from provenance.boilerplate_rules import BoilerplateLexicon
from provenance.claims import load_stopwords
from provenance.config import BoilerplateConfig, Config
from provenance.model import Article, ArticleResult, CorpusResult
from provenance.segment import Abbreviations, segment

# progress(stage, done, total)
Progress = Callable[[str, int, int], None]


def _no_progress(stage: str, done: int, total: int) -> None:
    del stage, done, total


@dataclass(frozen=True)
class Resources:
    """Data files loaded once per run (lexicons, abbreviations) and handed to the stages."""

    abbreviations: Abbreviations
    boilerplate: BoilerplateLexicon
    agencies: AgencyLexicon
    anchors: AnchorLexicon

    @classmethod
    def load(cls) -> Resources:
        lexicon = BoilerplateLexicon.load()
        function_words = frozenset().union(load_stopwords(), *lexicon.stopwords.values())
        return cls(
            abbreviations=Abbreviations.load(),
            boilerplate=lexicon,
            agencies=AgencyLexicon.load(),
            anchors=AnchorLexicon.load(function_words),
        )


def _boilerplate_config(article: Article, config: BoilerplateConfig) -> BoilerplateConfig:
    """Text that trafilatura extracted from an HTML page skips the feature pass: trafilatura
    already dropped the page chrome on the same kind of evidence, and a second pass mostly
    cuts story lines (DEV, benchmarks/bench_html.py: Zyte 4-gram F1 0.9465 with the pass,
    0.9600 without, trafilatura alone 0.9597; trafilatura-set snippet F1 0.9132 / 0.9236 /
    0.9222). The lexicon, structure and comment rules still run."""
    if config.feature_pass and article.extra.get("extracted_by") == "trafilatura":
        return replace(config, feature_pass=False)
    return config


def _outlet(article: Article) -> str:
    """An article's outlet for corpus rules; one without outlet or URL is its own outlet."""
    return boilerplate.outlet_key(article) or f"#{article.id}"


def analyze_each(
    articles: Sequence[Article],
    config: Config | None = None,
    *,
    resources: Resources | None = None,
    progress: Progress | None = None,
) -> tuple[ArticleResult, ...]:
    """The per-article stages only (no matching across articles), in article-id order: what
    the persistent index and the pre-ingest check need; ``analyze`` continues from here."""
    config = config or Config()
    resources = resources or Resources.load()
    report = progress or _no_progress
    ordered = sorted(articles, key=lambda a: a.id)
    total = len(ordered)

    results: list[ArticleResult] = []
    for done, article in enumerate(ordered, start=1):
        results.append(ArticleResult(article, segment(article.text, resources.abbreviations)))
        report("segment", done, total)

    repeats = boilerplate.outlet_repeats(results, config.boilerplate)
    bp = config.boilerplate
    found = templates.reduce_votes(
        (templates.sentence_votes(r, _outlet(r.article), bp, resources.anchors) for r in results),
        len(results),
        bp,
    )
    for done, result in enumerate(results, start=1):
        article, seg = result.article, result.segmentation
        bp_config = _boilerplate_config(article, config.boilerplate)
        spans = boilerplate.detect(article, seg, resources.boilerplate, bp_config, repeats, found)
        credits = attribution.find_credits(article, seg, resources.agencies, spans)
        cited = attribution.find_cited_sources(article, seg, resources.agencies, credits)
        spans = attribution.merge_boilerplate(spans, credits)
        results[done - 1] = ArticleResult(article, seg, spans, credits, cited)
        report("boilerplate", done, total)
    return tuple(results)


def analyze(
    articles: Sequence[Article],
    config: Config | None = None,
    *,
    resources: Resources | None = None,
    progress: Progress | None = None,
) -> CorpusResult:
    """Run every stage over ``articles``; the result is in article-id order."""
    config = config or Config()
    report = progress or _no_progress
    resources = resources or Resources.load()
    results = list(analyze_each(articles, config, resources=resources, progress=progress))
    total = len(results)

    found = reuse.find_reuse(results, config, resources.anchors)
    report("match", total, total)

    final: list[ArticleResult] = []
    for done, result in enumerate(results, start=1):
        candidates = [
            *classify.boilerplate_candidates(result.boilerplate),
            *classify.credit_candidates(result.wire_credits),
            *found.spans.get(result.article.id, ()),
        ]
        spans = classify.partition(result.article.text, candidates)
        final.append(
            ArticleResult(
                result.article,
                result.segmentation,
                result.boilerplate,
                result.wire_credits,
                result.cited_sources,
                spans,
                found.duplicates.get(result.article.id, ()),
            )
        )
        report("classify", done, total)
    return CorpusResult(
        articles=tuple(final),
        matches=found.matches,
        claims=found.claims,
        clusters=found.clusters,
    )

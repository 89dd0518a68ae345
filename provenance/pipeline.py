"""The only module that wires the stages together: ingest'd articles in, CorpusResult out.

    segment -> boilerplate -> attribution -> fingerprint/index/align -> classify

Stages are pure functions of their inputs; the per-article ones are here
(``segment_article``, ``annotate_article``, ``classify_article``), and an executor
(``provenance.run``: in process, or on a Dask cluster) runs them and the corpus-wide steps.
Progress goes through an optional callback (the CLI draws it; the library never prints).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from provenance import attribution, boilerplate, classify, reuse
from provenance.agencies import AgencyLexicon
from provenance.boilerplate import OutletRepeats
from provenance.boilerplate_rules import BoilerplateLexicon
from provenance.config import BoilerplateConfig, Config
from provenance.model import Article, ArticleResult, CorpusResult, Duplicate, Span
from provenance.segment import Abbreviations, segment

if TYPE_CHECKING:
    from provenance.run import Executor

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

    @classmethod
    def load(cls) -> Resources:
        return cls(
            abbreviations=Abbreviations.load(),
            boilerplate=BoilerplateLexicon.load(),
            agencies=AgencyLexicon.load(),
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


def segment_article(article: Article, resources: Resources) -> ArticleResult:
    """The first per-article stage: paragraphs and sentences."""
    return ArticleResult(article, segment(article.text, resources.abbreviations))


def annotate_article(
    result: ArticleResult, repeats: OutletRepeats, config: Config, resources: Resources
) -> ArticleResult:
    """The per-article stages after the outlet-repeat reduction: boilerplate, credits,
    cited sources (a new value; ``result`` is its segmentation)."""
    article, seg = result.article, result.segmentation
    bp_config = _boilerplate_config(article, config.boilerplate)
    spans = boilerplate.detect(article, seg, resources.boilerplate, bp_config, repeats)
    credits = attribution.find_credits(article, seg, resources.agencies, spans)
    cited = attribution.find_cited_sources(article, seg, resources.agencies, credits)
    spans = attribution.merge_boilerplate(spans, credits)
    return ArticleResult(article, seg, spans, credits, cited)


def classify_article(
    result: ArticleResult, reuse_spans: Sequence[Span], duplicates: Sequence[Duplicate]
) -> ArticleResult:
    """The last per-article stage: one label per character, from every stage's evidence."""
    candidates = [
        *classify.boilerplate_candidates(result.boilerplate),
        *classify.credit_candidates(result.wire_credits),
        *reuse_spans,
    ]
    spans = classify.partition(result.article.text, candidates)
    return ArticleResult(
        result.article,
        result.segmentation,
        result.boilerplate,
        result.wire_credits,
        result.cited_sources,
        spans,
        tuple(duplicates),
    )


def _executor(executor: Executor | None, resources: Resources | None) -> Executor:
    if executor is not None:
        return executor
    from provenance.run.local import LocalExecutor

    return LocalExecutor(resources)


def analyze_each(
    articles: Sequence[Article],
    config: Config | None = None,
    *,
    resources: Resources | None = None,
    progress: Progress | None = None,
    executor: Executor | None = None,
) -> tuple[ArticleResult, ...]:
    """The per-article stages only (no matching across articles), in article-id order: what
    the persistent index and the pre-ingest check need; ``analyze`` continues from here."""
    config = config or Config()
    run = _executor(executor, resources)
    return run.analyze_each(articles, config, progress or _no_progress)


def analyze(
    articles: Sequence[Article],
    config: Config | None = None,
    *,
    resources: Resources | None = None,
    progress: Progress | None = None,
    executor: Executor | None = None,
) -> CorpusResult:
    """Run every stage over ``articles``; the result is in article-id order. ``executor``
    says where the stages run (default: in this process)."""
    config = config or Config()
    report = progress or _no_progress
    run = _executor(executor, resources)
    results = run.analyze_each(articles, config, report)
    total = len(results)

    found = reuse.find_reuse(results, config, run)
    report("match", total, total)

    final = run.classify(results, found, report)
    return CorpusResult(
        articles=final,
        matches=found.matches,
        claims=found.claims,
        clusters=found.clusters,
    )

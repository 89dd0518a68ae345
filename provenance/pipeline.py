"""The only module that wires the stages together: ingest'd articles in, CorpusResult out.

    map:    segment -> line and sentence hashes           (per article)
    reduce: outlet repeats                                 (corpus)
    map:    analyze_article: segment -> boilerplate -> attribution   (per article)
    reduce: find_reuse: signatures -> candidates -> align -> reuse, claims, duplicates
    map:    classify_article                               (per article)

The per-article steps are pure functions of (article, context, resources) that an executor
(``run.local``: this process or a process pool) runs; their records pickle with the
standard library. Results are always in article-id order, whatever the executor. Progress
goes through an optional callback (the CLI draws it; the library never prints).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from provenance import attribution, boilerplate, classify, reuse
from provenance.boilerplate import OutletRepeats
from provenance.config import BoilerplateConfig, Config
from provenance.model import (
    Article,
    ArticleResult,
    CorpusResult,
    Duplicate,
    Span,
)
from provenance.resources import Resources
from provenance.run.kernels import Kernels
from provenance.run.local import Executor, RepeatsReducer, Serial
from provenance.segment import segment

__all__ = [
    "Progress",
    "Resources",
    "analyze",
    "analyze_article",
    "analyze_each",
    "classify_article",
]

# progress(stage, done, total)
Progress = Callable[[str, int, int], None]


def _no_progress(stage: str, done: int, total: int) -> None:
    del stage, done, total


def _boilerplate_config(article: Article, config: BoilerplateConfig) -> BoilerplateConfig:
    """Text that trafilatura extracted from an HTML page skips the feature pass: trafilatura
    already dropped the page chrome on the same kind of evidence, and a second pass mostly
    cuts story lines (DEV, benchmarks/bench_html.py: Zyte 4-gram F1 0.9465 with the pass,
    0.9600 without, trafilatura alone 0.9597; trafilatura-set snippet F1 0.9132 / 0.9236 /
    0.9222). The lexicon, structure and comment rules still run."""
    if config.feature_pass and article.extra.get("extracted_by") == "trafilatura":
        return replace(config, feature_pass=False)
    return config


def _repeat_task(
    article: Article, config: Config, resources: Resources
) -> tuple[str, frozenset[int]]:
    """Map step of the outlet repeats: the article's outlet and its line/sentence hashes."""
    seg = segment(article.text, resources.abbreviations)
    return boilerplate.unit_hashes(ArticleResult(article, seg), config.boilerplate)


@dataclass(frozen=True)
class ArticleContext:
    """What every article of a run shares: the configuration and the outlet repeats."""

    config: Config
    repeats: OutletRepeats


def analyze_article(
    article: Article, repeats: OutletRepeats, config: Config, resources: Resources
) -> ArticleResult:
    """The per-article stages (segment, boilerplate, attribution) of one article: a pure
    function of its arguments."""
    seg = segment(article.text, resources.abbreviations)
    bp_config = _boilerplate_config(article, config.boilerplate)
    spans = boilerplate.detect(article, seg, resources.boilerplate, bp_config, repeats)
    credits = attribution.find_credits(article, seg, resources.agencies, spans)
    cited = attribution.find_cited_sources(article, seg, resources.agencies, credits)
    spans = attribution.merge_boilerplate(spans, credits)
    return ArticleResult(article, seg, spans, credits, cited)


def _analyze_task(article: Article, context: ArticleContext, resources: Resources) -> ArticleResult:
    return analyze_article(article, context.repeats, context.config, resources)


def _classify_task(
    item: tuple[ArticleResult, tuple[Span, ...], tuple[Duplicate, ...]],
    context: None,
    resources: Resources,
) -> ArticleResult:
    del context, resources
    return classify_article(*item)


def classify_article(
    result: ArticleResult, found: Sequence[Span], duplicates: tuple[Duplicate, ...]
) -> ArticleResult:
    """The final partition of one article from its own evidence and the reuse stage's."""
    candidates = [
        *classify.boilerplate_candidates(result.boilerplate),
        *classify.credit_candidates(result.wire_credits),
        *found,
    ]
    spans = classify.partition(result.article.text, candidates)
    return replace(result, spans=spans, duplicates=duplicates)


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
    runner = executor or Serial(resources)
    report = progress or _no_progress
    ordered = sorted(articles, key=lambda a: a.id)
    total = len(ordered)

    if isinstance(runner, RepeatsReducer):  # a cluster reduces where the hashes are
        context = ArticleContext(config, runner.outlet_repeats(_repeat_task, ordered, config))
    else:
        hashed: list[tuple[str, frozenset[int]]] = []
        for done, pair in enumerate(runner.map(_repeat_task, ordered, config), start=1):
            hashed.append(pair)
            report("segment", done, total)
        context = ArticleContext(config, boilerplate.repeats_of(hashed, config.boilerplate))
        del hashed
    results: list[ArticleResult] = []
    for done, result in enumerate(runner.map(_analyze_task, ordered, context), start=1):
        results.append(result)
        report("boilerplate", done, total)
    return tuple(results)


def analyze(
    articles: Sequence[Article],
    config: Config | None = None,
    *,
    resources: Resources | None = None,
    progress: Progress | None = None,
    executor: Executor | None = None,
    kernels: Kernels | None = None,
) -> CorpusResult:
    """Run every stage over ``articles``; the result is in article-id order. ``executor``
    runs the per-article stages, ``kernels`` the heavy steps of matching (default: both in
    this process)."""
    config = config or Config()
    report = progress or _no_progress
    runner = executor or Serial(resources)
    results = analyze_each(
        articles, config, resources=resources, progress=progress, executor=runner
    )
    total = len(results)

    found = reuse.find_reuse(results, config, kernels)
    report("match", total, total)

    items = (
        (r, found.spans.get(r.article.id, ()), found.duplicates.get(r.article.id, ()))
        for r in results
    )
    final: list[ArticleResult] = []
    for done, result in enumerate(runner.map(_classify_task, items, None), start=1):
        final.append(result)
        report("classify", done, total)
    return CorpusResult(
        articles=tuple(final),
        matches=found.matches,
        claims=found.claims,
        clusters=found.clusters,
    )

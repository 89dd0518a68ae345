"""The only module that wires the stages together: ingest'd articles in, CorpusResult out.

    map:    segment -> line and sentence hashes, template votes   (per article)
    reduce: outlet repeats, template sentences             (corpus)
    map:    analyze_article: segment -> boilerplate -> attribution   (per article)
    reduce: find_reuse: signatures -> candidates -> align -> reuse, claims, duplicates
    map:    classify_article                               (per article)

The per-article steps are pure functions of (article, context, resources) that an executor
(``run.local``: this process or a process pool) runs; their records pickle with the
standard library. Results are always in article-id order, whatever the executor. Progress
goes through an optional callback (the CLI draws it; the library never prints).
"""

from __future__ import annotations

import contextlib
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import chain, islice
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeGuard, TypeVar

from provenance import attribution, boilerplate, classify, quotes, templates
from provenance.agencies import AgencyLexicon
from provenance.boilerplate import OutletRepeats
from provenance.config import BoilerplateConfig, Config
from provenance.model import (
    Article,
    ArticleResult,
    CorpusResult,
    Duplicate,
    QuoteGroup,
    Span,
    outlet_key,
)
from provenance.resources import Resources
from provenance.run.serial import Executor, Serial, Task
from provenance.segment import segment

if TYPE_CHECKING:  # the matching stage is imported where it runs (``analyze_streamed``):
    # the per-article stages (``analyze_each``, all a ``provenance check`` needs) do without
    # it, and without numpy (the kernels, the work store's matrices)
    from provenance.match import reuse
    from provenance.match.quote_corpus import QuoteRow
    from provenance.render.stream import RenderedArticle
    from provenance.run.kernels import Kernels
    from provenance.run.workstore import StoredArticles, WorkStore

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
    cuts story lines (compare ``recall_ours`` with ``recall_ours_no_features`` in
    ``python benchmarks/quality.py EVAL_DIR --sets boilerplate/``). The lexicon, structure
    and comment rules still run."""
    if config.feature_pass and article.extra.get("extracted_by") == "trafilatura":
        return replace(config, feature_pass=False)
    return config


def _outlet(article: Article) -> str:
    """An article's outlet for corpus rules; one without outlet or URL is its own outlet."""
    return outlet_key(article, by_host=True) or f"#{article.id}"  # a blank name: its own


Units = tuple[tuple[str, frozenset[int]], templates.Votes]


def _units_task(article: Article, config: Config, resources: Resources) -> Units:
    """Map step of the corpus rules: the article's outlet with its line/sentence hashes
    (outlet repeats) and its template-sentence votes."""
    result = ArticleResult(article, segment(article.text, resources.abbreviations))
    bp = config.boilerplate
    votes = templates.sentence_votes(result, _outlet(article), bp, resources.anchor_finder)
    return boilerplate.unit_hashes(result, bp), votes


@dataclass(frozen=True)
class CorpusRules:
    """The corpus-wide reductions every article is judged with."""

    repeats: OutletRepeats
    templates: templates.TemplateSentences


@dataclass(frozen=True)
class ArticleContext:
    """What every article of a run shares: the configuration and the corpus rules."""

    config: Config
    rules: CorpusRules


def analyze_article(
    article: Article, rules: CorpusRules, config: Config, resources: Resources
) -> ArticleResult:
    """The per-article stages (segment, boilerplate, attribution) of one article: a pure
    function of its arguments."""
    seg = segment(article.text, resources.abbreviations)
    bp_config = _boilerplate_config(article, config.boilerplate)
    spans = boilerplate.detect(
        article, seg, resources.boilerplate, bp_config, rules.repeats, rules.templates
    )
    credits = attribution.find_credits(article, seg, resources.agencies, spans)
    cited = attribution.find_cited_sources(article, seg, resources.agencies, credits)
    spans = attribution.merge_boilerplate(spans, credits)
    said = quotes.extract(
        article.text, resources.quotes.for_language(article.language), config.quotes
    )
    said = tuple(  # a quotation inside boilerplate (a caption, a comment) is not news
        q for q in said if not any(b.start <= q.start and q.end <= b.end for b in spans)
    )
    return ArticleResult(article, seg, spans, credits, cited, quotes=said)


def _analyze_task(article: Article, context: ArticleContext, resources: Resources) -> ArticleResult:
    return analyze_article(article, context.rules, context.config, resources)


def classify_article(
    result: ArticleResult,
    found: Sequence[Span],
    duplicates: tuple[Duplicate, ...],
    agencies: AgencyLexicon,
) -> ArticleResult:
    """The final partition of one article from its own evidence and the reuse stage's."""
    candidates = [
        *classify.boilerplate_candidates(result.boilerplate),
        *classify.credit_candidates(result.wire_credits),
        *found,
    ]
    spans = classify.partition(result.article.text, candidates)
    spans = attribution.credit_mismatches(spans, result.wire_credits, agencies)
    return replace(result, spans=spans, duplicates=duplicates)


C = TypeVar("C")
R = TypeVar("R")
T = TypeVar("T")


def _mapped(
    runner: Executor,
    task: Task[Article, C, R],
    items: Sequence[Article],
    context: C,
    stage: str,
    store: WorkStore | None,
) -> Iterator[R]:
    """``runner.map``, with the results stored as they come and, on a resumed run, the
    stored ones read back instead of computed again."""
    if store is None:
        return runner.map(task, items, context)
    done = store.done(stage)
    fresh = runner.map(task, items[done:], context)
    return chain(store.read(stage, done), store.append(stage, fresh, start=done))


def analyze_each(
    articles: Sequence[Article],
    config: Config | None = None,
    *,
    resources: Resources | None = None,
    progress: Progress | None = None,
    executor: Executor | None = None,
    store: WorkStore | None = None,
) -> tuple[ArticleResult, ...]:
    """The per-article stages only (no matching across articles), in article-id order: what
    the persistent index and the pre-ingest check need; ``analyze`` continues from here.
    With a work ``store``, results are written as they are produced and a resumed run
    continues where the store ends."""
    return tuple(
        _analyzed(
            articles,
            config or Config(),
            resources=resources,
            progress=progress,
            executor=executor,
            store=store,
        )
    )


def _stored_articles(articles: Sequence[Article]) -> TypeGuard[StoredArticles]:
    """Whether ``articles`` are a work store's (``StoredArticles``: in id order, read back
    on demand); none can exist before ``run.workstore`` is imported, which a one-article
    check never does."""
    workstore = sys.modules.get("provenance.run.workstore")
    return workstore is not None and isinstance(articles, workstore.StoredArticles)


def _analyzed(
    articles: Sequence[Article],
    config: Config,
    *,
    resources: Resources | None,
    progress: Progress | None,
    executor: Executor | None,
    store: WorkStore | None,
) -> Iterator[ArticleResult]:
    """``analyze_each`` as results come (stored as they come when there is a store)."""
    runner = executor or Serial(resources)
    report = progress or _no_progress
    # the work store's articles are numbered in id order already (and read back on demand)
    ordered = articles
    if not _stored_articles(articles):
        ordered = sorted(articles, key=lambda a: a.id)
    total = len(ordered)

    rules = store.reduced("rules") if store is not None else None
    if not isinstance(rules, CorpusRules):
        held: list[Units] = []
        mapped = _mapped(runner, _units_task, ordered, config, "units", store)
        for done, unit in enumerate(mapped, start=1):
            if store is None:
                held.append(unit)
            report("segment", done, total)
        # with a store, stored as they came: each reduction reads them back
        units: Sequence[Units] = held if store is None else store.results("units")
        bp = config.boilerplate
        rules = CorpusRules(
            boilerplate.repeats_of((pair for pair, _ in units), bp),
            templates.reduce_votes((vote for _, vote in units), total, bp),
        )
        del units, held
        if store is not None:
            store.keep("rules", rules)
    context = ArticleContext(config, rules)
    analysed = _mapped(runner, _analyze_task, ordered, context, "articles", store)
    for done, result in enumerate(analysed, start=1):
        yield result
        report("boilerplate", done, total)


@dataclass(frozen=True)
class CorpusReductions:
    """The corpus-wide results computed from every article (kept in the work store)."""

    reuse: reuse.Reuse
    quotes: Sequence[QuoteGroup]  # a tuple, or rows of the work store


@dataclass(frozen=True)
class Streamed:
    """A run whose articles come one at a time (classified as they are read), after the
    corpus-wide results: what an incremental writer needs."""

    corpus: CorpusResult  # matches, claims and clusters; ``articles`` is empty
    # (article id, outlet) in id order: the work store's are read back when iterated
    outlets: Iterable[tuple[str, str | None]]
    articles: Iterator[ArticleResult]  # classified, in article-id order
    # the same articles' items of the JSON report, each made where it is classified (a
    # pool's worker), when the run can: iterate this or ``articles``, not both
    rendered: Iterator[RenderedArticle] | None = None

    @property
    def for_json(self) -> Iterator[ArticleResult | RenderedArticle]:
        """What ``render.stream.write_json`` takes: the items made where the articles are
        classified, when the run makes them, else the articles."""
        return self.articles if self.rendered is None else self.rendered


def analyze_streamed(
    articles: Sequence[Article],
    config: Config | None = None,
    *,
    resources: Resources | None = None,
    progress: Progress | None = None,
    executor: Executor | None = None,
    store: WorkStore | None = None,
    kernels: Kernels | None = None,
) -> Streamed:
    """``analyze`` with the classified articles as an iterator: with a work store they are
    read back from it one at a time instead of being held in memory. ``executor`` runs the
    per-article stages, ``kernels`` the heavy steps of matching (default: this process)."""
    from provenance.match import claims, reuse
    from provenance.run import heap
    from provenance.run.local import kernels_of
    from provenance.semantic import DIMENSIONS

    config = config or Config()
    report = progress or _no_progress
    runner = executor or Serial(resources)
    if resources is None:
        resources = runner.resources if isinstance(runner, Serial) else Resources.load()
    kernels = kernels or kernels_of(runner)
    analysed = _analyzed(
        articles, config, resources=resources, progress=progress, executor=runner, store=store
    )
    results: Sequence[ArticleResult]
    outlets: Iterable[tuple[str, str | None]]
    if store is None:
        results = tuple(analysed)
        outlets = tuple((r.article.id, r.article.outlet) for r in results)
    elif _stored_articles(articles):  # all in the store, read back from it
        deque(analysed, maxlen=0)  # written to the store as they come
        outlets = articles.outlets()
        results = store.results("articles")
    else:  # written to the store as they come, read back from it one at a time
        outlets = tuple((r.article.id, r.article.outlet) for r in analysed)
        results = store.results("articles")
    total = len(results)
    reduced: Any = store.reduced("reuse") if store is not None else None
    if not isinstance(reduced, CorpusReductions):
        texts = store.texts("passages") if store is not None else None
        with contextlib.ExitStack() as stack:
            vectors = signatures = unions = None
            if store is not None:
                # a long run: the matching stage's big arrays are mapped each on its own,
                # so that dropping them leaves no free heap (``run.heap.steady``)
                heap.steady()
                # the claims' sentence vectors (those a killed run recorded are kept: a
                # resumed run embeds the rest) and the passages' and articles' signatures,
                # read back by row (and the signatures by band)
                vectors = store.kept_rows(_VECTORS, DIMENSIONS)
                stack.callback(vectors.close)
                num_perm = config.fingerprint.num_perm
                signatures = store.matrix("passage-signatures", num_perm)
                stack.callback(signatures.close)
                unions = store.matrix("article-signatures", num_perm)
                stack.callback(unions.close)
            spans_to = _stored(store, _SPANS) if store is not None else tuple
            # a pool's workers describe the claim texts (and align the quotations and make
            # their groups); in this process, the claims (and quotations) do it
            describe_by = None if isinstance(runner, Serial) else runner
            found = reuse.find_reuse(
                results,
                config,
                resources.anchors,
                kernels,
                texts,
                vectors,
                spans_to,
                signatures_to=signatures,
                executor=describe_by,
                article_signatures_to=unions,
                claims_to=store,
                checkpoints=store,
            )
        quotes = _quote_groups(results, config, store, describe_by)
        reduced = CorpusReductions(found, quotes)
        if store is not None:  # the spans and groups are rows of their own (``_stored``)
            kept = replace(reduced, reuse=replace(found, spans=()), quotes=())
            store.keep("reuse", kept)
            store.forget(reuse.SIDE)  # what it held is in "reuse" now
            store.forget(claims.TABLE)
            store.drop_rows(_VECTORS)
            for step in claims.CHECKPOINTS:
                store.drop_arrays(step)
    found = reduced.reuse
    if store is not None:  # a resumed run's claim groups are read back from the store
        from provenance.match.claim_groups import attached

        found = replace(found, spans=store.results(_SPANS), claims=attached(found.claims, store))
        reduced = replace(reduced, quotes=store.results(_QUOTES))
    report("match", total, total)
    corpus = CorpusResult(
        articles=(),
        matches=found.matches if store is not None else tuple(found.matches),
        claims=found.claims,
        clusters=found.clusters,
        quotes=reduced.quotes,
    )
    each = (runner, store, results, outlets, found, report)
    return Streamed(
        corpus,
        outlets,
        _classify_each(_classify_task, *each),
        _classify_each(_rendered_task, *each),
    )


_SPANS = "reuse-spans"
_VECTORS = "claim-vectors"
_QUOTES = "quote-groups"


def _stored(store: WorkStore, stage: str) -> Callable[[Iterable[T]], Sequence[T]]:
    """Where rows of ``stage`` go as they are made (the reuse stage's spans, the quotation
    groups): the work store, read back one at a time; the rows a killed run stored already
    are made again (the same) and skipped."""

    def write(rows: Iterable[T]) -> Sequence[T]:
        done = store.done(stage)
        for _ in store.append(stage, islice(rows, done, None), start=done):
            pass
        return store.results(stage)

    return write


class _StoredQuotations:
    """``quote_groups.Quotations`` as rows of the work store, read back by number; rows a
    killed run stored already are made again (the same) and skipped."""

    STAGE = "quotations"

    def __init__(self, store: WorkStore) -> None:
        self._store = store
        self._done = store.done(self.STAGE)
        self._count = 0

    def extend(self, rows: Sequence[QuoteRow]) -> None:
        skip = max(0, min(len(rows), self._done - self._count))
        deque(self._store.append(self.STAGE, rows[skip:], start=self._count + skip), maxlen=0)
        self._count += len(rows)

    def many(self, seqs: Sequence[int]) -> list[QuoteRow]:
        rows: list[QuoteRow] = self._store.many(self.STAGE, seqs)
        return rows


def _quote_groups(
    results: Sequence[ArticleResult],
    config: Config,
    store: WorkStore | None,
    executor: Executor | None = None,
) -> Sequence[QuoteGroup]:
    """``find_quote_groups`` (``executor``: a pool whose workers align the quotations and
    make the groups); with a work store, the quotations, their units' signatures and the
    groups go to it as they are made and are read back from it."""
    from provenance.match.quote_groups import find_quote_groups

    if store is None:
        return find_quote_groups(results, config, executor=executor)
    signatures = store.matrix("quote-signatures", config.fingerprint.num_perm)
    try:
        return find_quote_groups(
            results,
            config,
            rows_to=_StoredQuotations(store),
            signatures_to=signatures,
            groups_to=_stored(store, _QUOTES),
            executor=executor,
        )
    finally:
        signatures.close()


# What classification takes of an article: its result, its reuse spans, its duplicates;
# and a task that classifies one (``_classify_task``, ``_rendered_task``)
ClassifyItem = tuple[ArticleResult, tuple[Span, ...], tuple[Duplicate, ...]]
ClassifyTask = Task[ClassifyItem, None, R]


def classify_items(
    results: Iterable[tuple[ArticleResult, tuple[Span, ...]]],
    duplicates: Mapping[str, tuple[Duplicate, ...]],
) -> Iterator[ClassifyItem]:
    """Each article (with its spans) and its duplicates (none unless ``duplicates`` has
    its id)."""
    return ((r, spans, duplicates.get(r.article.id, ())) for r, spans in results)


def _classify_task(
    item: ClassifyItem,
    context: None,
    resources: Resources,
) -> ArticleResult:
    """``classify_article`` with the agencies of the resources where the task runs (the
    worker's, loaded once there), as the local engine passes its own."""
    del context
    return classify_article(*item, resources.agencies)


def _rendered_task(
    item: ClassifyItem,
    context: None,
    resources: Resources,
) -> RenderedArticle:
    """``_classify_task``'s article as its item of the JSON report (made where the task
    runs: the writing process then only copies it)."""
    from provenance.render.stream import rendered  # here: the per-article stages do without it

    return rendered(_classify_task(item, context, resources))


def _classified(
    runner: Executor,
    task: ClassifyTask[R],
    results: Sequence[ArticleResult],
    found: reuse.Reuse,
    total: int,
    report: Progress,
) -> Iterator[R]:
    """``task`` of each article with its spans and duplicates, in order (a generator: the
    articles are read, one at a time with a work store, only once it is iterated)."""
    # with a work store, the results and spans are read back one at a time
    items = classify_items(zip(results, found.spans, strict=True), found.duplicates)
    yield from _counted(runner.map(task, items, None), total, report)


# Articles a pool's worker reads from the work store and classifies per call (a block of a
# few dozen: the store is opened once a block; at most ``2 * jobs`` blocks are in flight)
CLASSIFY_BLOCK = 64

_Block = tuple[int, int, dict[str, tuple[Duplicate, ...]]]  # start, stop, their duplicates


@dataclass(frozen=True)
class _StoredBlocks(Generic[R]):
    """What a pool's workers need to classify blocks of stored articles: the store's file,
    the stages of the results and of their reuse spans, and the task."""

    path: Path
    results: str
    spans: str
    task: ClassifyTask[R]


def _classified_block(block: _Block, stored: _StoredBlocks[R], resources: Resources) -> list[R]:
    """``stored.task`` of the stored articles ``block`` (start, stop, the duplicates of
    those that have any), read by the worker."""
    from provenance.run.workstore import read_results

    start, stop, duplicates = block
    results = read_results(stored.path, stored.results, start, stop)
    spans = read_results(stored.path, stored.spans, start, stop)
    items = classify_items(zip(results, spans, strict=True), duplicates)
    return [stored.task(item, None, resources) for item in items]


def _classify_each(
    task: ClassifyTask[R],
    runner: Executor,
    store: WorkStore | None,
    results: Sequence[ArticleResult],
    outlets: Iterable[tuple[str, str | None]],
    found: reuse.Reuse,
    report: Progress,
) -> Iterator[R]:
    """``task`` of each article with its spans and duplicates, in order: with a work store
    and a pool, the pool's workers read the articles (and their spans) from the store, a
    block at a time: this process sends the blocks' numbers and duplicates (their ids from
    ``outlets``) and takes back what the task made, never reading, unpickling and sending
    the articles."""
    total = len(results)
    if store is None or isinstance(runner, Serial):
        return _classified(runner, task, results, found, total, report)

    def blocks() -> Iterator[_Block]:
        ids = (i for i, _ in outlets)
        for lo in range(0, total, CLASSIFY_BLOCK):
            hi = min(total, lo + CLASSIFY_BLOCK)
            mine = (i for i in islice(ids, hi - lo) if i in found.duplicates)
            yield lo, hi, {i: found.duplicates[i] for i in mine}

    stored = _StoredBlocks(store.path, "articles", _SPANS, task)
    parts = runner.map(_classified_block, blocks(), stored, chunk=1)
    return _counted(chain.from_iterable(parts), total, report)


def _counted(classified: Iterable[R], total: int, report: Progress) -> Iterator[R]:
    """``classified`` one at a time, each reported."""
    for done, result in enumerate(classified, start=1):
        yield result
        report("classify", done, total)


def analyze(
    articles: Sequence[Article],
    config: Config | None = None,
    *,
    resources: Resources | None = None,
    progress: Progress | None = None,
    executor: Executor | None = None,
    store: WorkStore | None = None,
    kernels: Kernels | None = None,
) -> CorpusResult:
    """Run every stage over ``articles``; the result is in article-id order."""
    streamed = analyze_streamed(
        articles,
        config,
        resources=resources,
        progress=progress,
        executor=executor,
        store=store,
        kernels=kernels,
    )
    # all in memory: the groups a work store holds are read back too (before it closes)
    return held(streamed)


def held(streamed: Streamed) -> CorpusResult:
    """The corpus of ``streamed`` with its articles and the groups a work store holds read
    back into memory (before the store closes)."""
    from provenance.match.claim_groups import ClaimTable

    corpus = streamed.corpus
    claims = corpus.claims
    if isinstance(claims, ClaimTable) and claims.stored:
        claims = tuple(claims)
    return replace(
        corpus, articles=tuple(streamed.articles), claims=claims, quotes=tuple(corpus.quotes)
    )

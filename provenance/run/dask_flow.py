"""The report on a Dask cluster with the data kept on the workers, the same bytes as in
process (``pipeline.analyze_streamed``).

Articles are cut into P partitions of consecutive ids (``run.dask_inputs``: sent by the
client, or read by the workers from a shared path). Every per-article result stays on the
worker that computed it, as a future per partition; the client gathers only small tables
and what it writes:

- corpus rules: each partition counts its outlet-repeat hashes and template votes; the
  counts are added in a tree (``FAN_IN`` at a time) on the workers and the rules built
  there; the client never sees them (the analysis tasks take them by key);
- analysis: per partition, the rules' future as context; the results stay on the workers;
- passages: each partition lists its passages (text-less: article id, offsets, kind), the
  digest and length of each distinct passage text, and signs its distinct texts and the
  union of each article's. The distinct texts are numbered in the order the local engine
  does (first occurrence in id order) by a shuffle on their digests (``run.dask_passages``:
  the client reads two counts per partition; the article ids and outlets it writes stay
  on the workers until it writes them, read a partition at a time: ``Outlets``);
  tables, texts and signatures stay on the workers: candidates are
  the band-key shuffle over those blocks, near-duplicate similarities read the articles'
  texts on their workers;
- reuse spans and matches (``run.dask_spans``): one task per row of block pairs aligns
  its candidate pairs, reading only the texts they name (picked once per row from each
  text block by one task per block); the links, the ranking of sources and the spans are
  assembled in partitions, by text block, then by article partition; the spans stay there
  for classification, the client gathers the matches it writes, as numpy columns
  (``reuse_spans.MatchTable``, as the local engine keeps them);
- quotation groups (``run.dask_quotes``): each partition lists and signs its quotations;
  candidates are the band-key shuffle over those blocks, the alignments run per
  (partition, partition) of quotations, the groups' comparisons in partitions of groups;
  the client joins the linked pairs and holds the quotations (as the local engine does);
- claims run as one task on a worker, from the partitions' sentences. From the claims task
  (``worker_client``), the sentence embedding (blocks tokenized once; the token ids stay
  on the workers and are encoded in runs cut where the model starts a micro-batch: the
  same vectors bit for bit), the lexical signing, the band-key candidates and the scoring
  of proposed links run partitioned on the cluster; the claims' corpus (distinct
  sentences, their anchors and vectors), the semantic article pairs and the grouping stay
  in that one task. It is the run's longest chain: its own tasks go first
  (``CLAIMS_PRIORITY``), and the other stages run beside it;
- classification runs per partition on the workers holding the results, with each
  article's reuse spans and duplicates, submitted when the writer first reads the articles
  (for JSON, the workers also make each article's item of the report: ``rendered``); the
  client streams the classified partitions in order and writes them while the claims task
  still runs, and takes its groups (``Later``) after the last article.

Every task is a pure function of its inputs: a worker lost mid-run makes Dask recompute
what it held, from the partitions in the graph (inputs sent by the client) or from the
shared files.
"""

from __future__ import annotations

import bisect
import itertools
import operator
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, overload

from distributed import Future, wait, worker_client

from provenance import boilerplate, pipeline, templates
from provenance.config import Config
from provenance.fingerprint import FingerprintParams
from provenance.match.align import similarity
from provenance.match.claims import find_claims
from provenance.match.duplicates import duplicates_of
from provenance.match.signatures import BatchSigner
from provenance.model import (
    Article,
    ArticleResult,
    ClaimGroup,
    CorpusResult,
    Duplicate,
    Match,
    Segmentation,
)
from provenance.pair_counts import PairCounts
from provenance.run.dask import DaskExecutor, Pair, _run_part
from provenance.run.dask_connect import worker_resources
from provenance.run.dask_inputs import Inputs
from provenance.run.dask_passages import Summary, _passages_part, _rows_of, _summary, numbered
from provenance.run.dask_quotes import quote_groups
from provenance.run.dask_spans import reuse_spans

R = TypeVar("R")

# partial counts added per task of the corpus-rule tree
FAN_IN = 8
# Dask's priority of the claims task's own tasks (the others have 0): the claims are the
# run's longest chain, the rest of the report is computed beside it
CLAIMS_PRIORITY = 1

Counts = tuple[PairCounts, PairCounts]  # outlet repeats, template votes


@dataclass(frozen=True)
class Reused:
    """The reuse stage's results on the Dask engine: the spans stay on the workers."""

    spans: list[Future[Any]]  # per partition: article id -> its wire/shared spans
    matches: Sequence[Match]
    duplicates: Mapping[str, tuple[Duplicate, ...]]
    clusters: tuple[tuple[str, ...], ...]
    part_of: Mapping[str, int]  # the partition of each article of a duplicate pair


# ------------------------------------------------------------------ tasks (run on workers)


def _units_part(articles: list[Article], config: Config) -> Counts:
    resources = worker_resources()
    units = [pipeline._units_task(a, config, resources) for a in articles]
    hashed = boilerplate.count_units(h for h, _ in units)
    return hashed, templates.count_votes(v for _, v in units)


def _add_counts(*parts: Counts) -> Counts:
    hashed, votes = PairCounts(), PairCounts(width=2)
    for counts, vote in parts:
        hashed.merge(counts)
        votes.merge(vote)
    return hashed, votes


def _context(config: Config, total: int, counts: Counts) -> pipeline.ArticleContext:
    bp = config.boilerplate
    rules = pipeline.CorpusRules(
        boilerplate.repeats_from_counts(counts[0], bp),
        templates.templates_from_counts(counts[1], total, bp),
    )
    return pipeline.ArticleContext(config, rules)


def _analyze_part(articles: list[Article], context: pipeline.ArticleContext) -> list[ArticleResult]:
    return _run_part(pipeline._analyze_task, articles, context)


def _similar(
    texts_a: list[str], a_first: int, texts_b: list[str], b_first: int, pairs: list[Pair]
) -> list[float]:
    return [similarity(texts_a[a - a_first], texts_b[b - b_first]) for a, b in pairs]


def _sentences(results: list[ArticleResult]) -> list[ArticleResult]:
    """What the claims stage reads of each article: its text, sentences and boilerplate."""
    return [
        ArticleResult(r.article, Segmentation((), r.segmentation.sentences), r.boilerplate)
        for r in results
    ]


def _claims(config: Config, *parts: list[ArticleResult]) -> Any:
    results = list(itertools.chain.from_iterable(parts))
    anchors = worker_resources().anchors
    with worker_client() as client:  # signing, candidates and scoring partitioned
        cluster = DaskExecutor(client, priority=CLAIMS_PRIORITY)
        return find_claims(results, config, anchors, cluster, cluster)


def _classify_part(
    task: pipeline.ClassifyTask[R],
    results: list[ArticleResult],
    found: dict[str, Any],
    duplicates: dict[str, Any],
) -> list[R]:
    """``task`` (``pipeline._classify_task``, or ``_rendered_task``: the article's item of
    the JSON report) of each article of a partition, with its reuse spans and duplicates."""
    items = pipeline.classify_items(((r, found.get(r.article.id, ())) for r in results), duplicates)
    return _run_part(task, list(items), None)


# ------------------------------------------------------------------ the client's side


def _tree(executor: DaskExecutor, parts: list[Future[Any]]) -> Future[Any]:
    client = executor.client
    while len(parts) > 1:
        parts = [
            client.submit(_add_counts, *parts[i : i + FAN_IN]) for i in range(0, len(parts), FAN_IN)
        ]
    return parts[0]


def _parts(client: Any, future: Future[Any], count: int) -> list[Future[Any]]:
    """The ``count`` values of a task's tuple, each taken out on a worker that holds the
    tuple (a ``getitem`` run elsewhere would move all of it); another worker may take one
    out if that one is lost."""
    with client.as_current():
        wait([future])
    holders = list(client.who_has([future]).get(future.key, ()))
    return [
        client.submit(
            operator.getitem, future, i, workers=holders or None, allow_other_workers=True
        )
        for i in range(count)
    ]


def _sizes(summary: Summary) -> tuple[int, int]:
    """A partition's number of articles and of articles with passages."""
    signed, outlets = summary
    return len(outlets), len(signed)


def _signed_ids(summary: Summary, positions: list[int]) -> list[str]:
    """The ids of a partition's articles with passages at ``positions`` among them."""
    return [summary[0][k] for k in positions]


def _outlets_of(summary: Summary) -> list[tuple[str, str | None]]:
    return summary[1]


class Outlets:
    """Each article's (id, outlet) in id order, read from the partitions' summaries on the
    workers one partition at a time, each time it is iterated: the client never holds
    them all."""

    def __init__(self, executor: DaskExecutor, summaries: list[Future[Any]]) -> None:
        self._executor = executor
        self._summaries = summaries

    def __iter__(self) -> Iterator[tuple[str, str | None]]:
        client = self._executor.client
        for summary in self._summaries:
            part = client.submit(_outlets_of, summary).result()
            self._executor.stats.add("write: ids and outlets to client", self._executor._size(part))
            yield from part


def _ids_of(
    client: Any, summaries: list[Future[Any]], firsts: list[int], rows: list[int]
) -> dict[int, tuple[str, int]]:
    """The id and partition of the articles with passages numbered ``rows`` (in id order
    among them; ``firsts``: the number of each partition's first), read on the workers."""
    wanted: dict[int, list[int]] = {}
    for row in rows:
        wanted.setdefault(bisect.bisect_right(firsts, row) - 1, []).append(row)
    found = {
        p: client.submit(_signed_ids, summaries[p], [r - firsts[p] for r in mine])
        for p, mine in wanted.items()
    }
    out: dict[int, tuple[str, int]] = {}
    for p, future in found.items():
        out.update((r, (i, p)) for r, i in zip(wanted[p], future.result(), strict=True))
    return out


def _reuse(
    executor: DaskExecutor, config: Config, results: list[Future[Any]]
) -> tuple[Reused, Outlets]:
    """Reuse spans (a future per partition), matches, duplicates and clusters; and the
    articles' ids with their outlets (read from the workers when written)."""
    client = executor.client
    fp = config.fingerprint
    params = FingerprintParams.from_config(fp)
    made = [client.submit(_passages_part, r, config) for r in results]
    pieces = [_parts(client, m, 5) for m in made]
    summaries = [client.submit(_summary, p[0]) for p in pieces]
    sizes: list[tuple[int, int]] = client.gather([client.submit(_sizes, s) for s in summaries])
    executor.stats.add("passages: counts to client", executor._size(sizes))
    executor.mark("passages", *(x for p in pieces for x in p))
    del made
    tables = [p[0] for p in pieces]
    numbers = numbered(client, tables)
    executor.mark("numbering", *numbers.numbers)
    width, dtype = params.num_perm, str(BatchSigner(params).sign_shingles([]).dtype)
    owned, counts = numbers.owned, numbers.counts
    signatures = _rows_of(client, [p[2] for p in pieces], owned, counts, width, dtype)
    texts = _rows_of(client, [p[1] for p in pieces], owned, counts, 0, "")
    firsts = list(itertools.accumulate((n for n, _ in sizes), initial=0))
    spans, matches = reuse_spans(
        executor, config, tables, numbers.numbers, texts, signatures, firsts[:-1]
    )
    del texts, signatures, tables, numbers
    signed_sizes = [k for _, k in sizes]
    signed = [range(k) for k in signed_sizes]
    articles = _rows_of(client, [p[3] for p in pieces], signed, signed_sizes, width, dtype)
    article_texts = _rows_of(client, [p[4] for p in pieces], signed, signed_sizes, 0, "")
    pairs = executor.candidates(
        articles, fp.duplicate_lsh_threshold, fp.max_candidates, fp.lsh_bands_per_pass
    )
    scores = executor.by_block_pair(
        _similar, article_texts.parts, article_texts.starts, [(c.a, c.b) for c in pairs]
    )
    signed_firsts = list(itertools.accumulate(signed_sizes, initial=0))
    ids = _ids_of(client, summaries, signed_firsts, sorted({r for c in pairs for r in (c.a, c.b)}))
    executor.mark("duplicates")
    duplicates, clusters = duplicates_of(
        (
            (ids[c.a][0], ids[c.b][0], c.estimated_jaccard, s)
            for c, s in zip(pairs, scores, strict=True)
        ),
        config,
    )
    part_of = dict(ids.values())
    found = Reused(spans, matches, duplicates, clusters, part_of)
    return found, Outlets(executor, summaries)


def analyze_streamed(
    executor: DaskExecutor,
    inputs: Inputs,
    config: Config,
    progress: pipeline.Progress | None = None,
) -> pipeline.Streamed:
    """``pipeline.analyze_streamed`` on the cluster, the inputs already in partitions."""
    report = progress or pipeline._no_progress
    client = executor.client
    total = inputs.total
    counts = [client.submit(_units_part, part, config) for part in inputs.parts]
    context = client.submit(_context, config, total, _tree(executor, counts))
    results = [client.submit(_analyze_part, part, context) for part in inputs.parts]
    executor.mark("inputs, rules, analysis", *results)
    del counts, context
    inputs.parts = []  # the results hold the articles (the graph can recompute them)
    claims = client.submit(_claims, config, *(client.submit(_sentences, r) for r in results))
    executor.mark("claims", claims)  # measured runs wait for each stage: no overlap
    quotes = quote_groups(executor, config, results)
    found, outlets = _reuse(executor, config, results)
    report("boilerplate", total, total)
    later = Later(claims)
    corpus = CorpusResult(
        articles=(),
        matches=found.matches,
        claims=later,
        clusters=found.clusters,
        quotes=quotes,
    )
    report("match", total, total)
    # the articles classified, or their items of the JSON report made on the workers: the
    # tasks of the one read are submitted when it is first read (the claims task runs on)
    return pipeline.Streamed(
        corpus,
        outlets,
        _submitted(executor, pipeline._classify_task, results, found, later, report, total),
        _submitted(executor, pipeline._rendered_task, results, found, later, report, total),
    )


class Later(Sequence[ClaimGroup]):
    """The claim groups of the claims task, taken from the cluster when first read (or
    when the last classified article has been read: ``take``), so that the articles are
    classified and written while the claims task still runs."""

    def __init__(self, future: Future[Any]) -> None:
        self._future: Future[Any] | None = future
        self._groups: Sequence[ClaimGroup] = ()

    def take(self) -> Sequence[ClaimGroup]:
        if self._future is not None:
            self._groups = self._future.result()
            self._future.release()
            self._future = None
        return self._groups

    def __len__(self) -> int:
        return len(self.take())

    @overload
    def __getitem__(self, index: int) -> ClaimGroup: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[ClaimGroup]: ...
    def __getitem__(self, index: int | slice) -> ClaimGroup | Sequence[ClaimGroup]:
        return self.take()[index]

    def __iter__(self) -> Iterator[ClaimGroup]:
        return iter(self.take())


def _submitted(
    executor: DaskExecutor,
    task: pipeline.ClassifyTask[R],
    results: list[Future[Any]],
    found: Reused,
    claims: Later,
    report: pipeline.Progress,
    total: int,
) -> Iterator[R]:
    """``task`` of each partition with its articles' spans and duplicates, submitted once
    this is first read (one task per partition, run beside the claims task), then the
    partitions' articles in order (``_classified``)."""
    client = executor.client
    twins: list[dict[str, tuple[Duplicate, ...]]] = [{} for _ in results]
    for article_id, mine in found.duplicates.items():
        twins[found.part_of[article_id]][article_id] = mine
    tasks = []
    for future, spans, theirs in zip(results, found.spans, twins, strict=True):
        executor.stats.add("classify: duplicates to workers", executor._size(theirs))
        tasks.append(client.submit(_classify_part, task, future, spans, theirs))
    results.clear()
    yield from _classified(executor, tasks, claims, report, total)


def _classified(
    executor: DaskExecutor,
    tasks: list[Any],
    claims: Later,
    report: pipeline.Progress,
    total: int,
) -> Iterator[Any]:
    """The classified articles (or their items), partition after partition (each gathered,
    written and released before the next); then the claims are taken (before the caller
    reads them and closes the client)."""
    done = 0
    while tasks:
        task = tasks.pop(0)
        part = task.result()
        executor.stats.add("classify: results to client", executor._size(part))
        task.release()
        del task
        for result in part:
            done += 1
            yield result
            report("classify", done, total)
    executor.mark("classify")
    claims.take()

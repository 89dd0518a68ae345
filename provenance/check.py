"""The pre-ingest check: policy over analysed articles and the index -> a Verdict.

For every new article (in id order):

- ``near_duplicate``: an indexed article whose passages share band keys with this one
  (estimated Jaccard from the shared bands) and whose whole text rapidfuzz confirms at
  ``check.duplicate_min_similarity`` or more. Names the indexed id and outlet.
- ``batch_duplicate``: the same, against the articles of this run that come before it (an
  in-memory index, so both use one code path).
- ``unattributed_wire``: copy of indexed wire articles that no wire credit of this article
  covers, when it makes up more than ``check.unattributed_wire_max_share`` of its characters
  (``check_wire``). The finding names the first such stretch with its wire article and span,
  and lists them all.
- ``leftover_boilerplate``: boilerplate spans whose reason is in ``check.leftover_reasons``.
- ``altered_quote`` / ``speaker_mismatch``: a quotation of the new article that is one with a
  quotation of an indexed candidate article (found by its sentences or by its quotations'
  own band keys, ``store.keys``: quotation units; ``quote_groups.linked``; quotations of
  stored articles are extracted again from their stored text) but whose words differ
  inside the stretch they share (same speaker, or a speaker unknown on one side), or that
  names another speaker for the same words.

Each kind fails, warns or is off according to ``CheckConfig``. An indexed article with the
same id as the new one is never its own duplicate (re-checking an added article passes).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from provenance import check_wire
from provenance.agencies import AgencyLexicon
from provenance.check_wire import WireMatch
from provenance.config import Config, Policy
from provenance.match import align
from provenance.match.quote_groups import compare, linked, same_speaker
from provenance.model import Article, ArticleResult, SourceKind
from provenance.quotes import QuoteLexicons, extract
from provenance.store import Entry, Store, StoredArticle, ref_parts
from provenance.store.keys import QUOTE_SEQ


class FindingKind(StrEnum):
    NEAR_DUPLICATE = "near_duplicate"
    BATCH_DUPLICATE = "batch_duplicate"
    UNATTRIBUTED_WIRE = "unattributed_wire"
    LEFTOVER_BOILERPLATE = "leftover_boilerplate"
    ALTERED_QUOTE = "altered_quote"
    SPEAKER_MISMATCH = "speaker_mismatch"


class Status(StrEnum):
    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"


@dataclass(frozen=True)
class Finding:
    kind: FindingKind
    level: Policy  # FAIL or WARN
    message: str
    start: int  # the stretch of the new article's text the finding points at
    end: int
    other_id: str | None = None
    other_outlet: str | None = None
    similarity: float | None = None  # verified, 0-100
    estimated_jaccard: float | None = None
    share: float | None = None  # unattributed wire: share of the article's characters
    reason: str | None = None  # leftover boilerplate
    wire: tuple[WireMatch, ...] = ()  # unattributed wire: each uncredited aligned unit


@dataclass(frozen=True)
class ArticleVerdict:
    article: Article
    findings: tuple[Finding, ...]
    added: bool = False

    @property
    def status(self) -> Status:
        levels = {f.level for f in self.findings}
        if Policy.FAIL in levels:
            return Status.FAIL
        return Status.WARN if levels else Status.PASS

    def line_of(self, offset: int) -> int | None:
        """1-based line of ``offset`` in the article's file, where it can be known: a text
        file holds the text as is; a JSONL record is one line; a JSON file cannot say."""
        origin = self.article.origin
        if origin is None or origin.path == "-":
            return None
        if origin.record and origin.record.startswith("line "):
            return int(origin.record.removeprefix("line "))
        if origin.record is None and origin.path.lower().endswith(".txt"):
            return self.article.text.count("\n", 0, max(0, offset)) + 1
        return None

    def column_of(self, offset: int) -> int | None:
        """1-based column (in characters) of ``offset`` on its line, where it can be known:
        in a text file. A JSONL record's column would count JSON escapes, so it is not given."""
        origin = self.article.origin
        if origin is None or origin.path == "-" or origin.record is not None:
            return None
        if not origin.path.lower().endswith(".txt"):
            return None
        offset = max(0, offset)
        return offset - (self.article.text.rfind("\n", 0, offset) + 1) + 1


@dataclass(frozen=True)
class Verdict:
    articles: tuple[ArticleVerdict, ...]
    indexed: int  # articles in the index when the check ran

    @property
    def status(self) -> Status:
        found = {a.status for a in self.articles}
        for status in (Status.FAIL, Status.WARN):
            if status in found:
                return status
        return Status.PASS


@dataclass(frozen=True)
class _Candidate:
    pk: int
    estimate: float  # share of the new article's passage text, weighted by estimated Jaccard
    pairs: dict[int, tuple[int, int]]  # new passage index -> (stored passage seq, band hits)


def _candidates(entry: Entry, source: Store, with_quotes: bool = False) -> list[_Candidate]:
    """Indexed articles sharing band keys with ``entry``'s sentence units (and, with
    ``with_quotes``, its quotation units after them), best first. A unit pairs only with
    stored units of its own kind: a sentence key equal to a quotation unit's salted key is a
    32-bit collision (met at 1,000,000 indexed articles), and that unit's ``seq`` is no
    sentence of the article."""
    units = entry.passages + entry.quotes if with_quotes else entry.passages
    pairs: dict[int, dict[int, tuple[int, int]]] = {}
    for qi, passage in enumerate(units):
        quote = qi >= len(entry.passages)
        for ref, hits in source.hits(passage.keys).items():
            pk, seq = ref_parts(ref)
            if (seq >= QUOTE_SEQ) != quote:
                continue
            best = pairs.setdefault(pk, {})
            if qi not in best or hits > best[qi][1]:
                best[qi] = (seq, hits)
    lengths = [p.end - p.start for p in units]
    total = sum(lengths) or 1
    found = [
        _Candidate(
            pk,
            round(sum(lengths[qi] * source.fp.estimate(h) for qi, (_, h) in m.items()) / total, 4),
            m,
        )
        for pk, m in pairs.items()
    ]
    return sorted(found, key=lambda c: (-c.estimate, c.pk))


def _matches(
    entry: Entry, source: Store, config: Config, with_quotes: bool = False
) -> tuple[list[_Candidate], dict[int, StoredArticle]]:
    found = _candidates(entry, source, with_quotes)
    kinds = source.kinds(c.pk for c in found)
    others = [c for c in found if c.pk in kinds and kinds[c.pk][0] != entry.article.id]
    limit = config.check.max_candidates
    chosen = others[:limit] + [c for c in others if kinds[c.pk][1] == SourceKind.WIRE][:limit]
    return others, source.articles(c.pk for c in chosen)


def _duplicate(
    kind: FindingKind, entry: Entry, source: Store, config: Config, where: str
) -> list[Finding]:
    level = getattr(config.check, kind.value)
    if level == Policy.OFF or not entry.passages:
        return []
    found, stored = _matches(entry, source, config)
    text = entry.article.text
    for cand in found[: config.check.max_candidates]:
        other = stored[cand.pk].article
        score = round(align.similarity(text, other.text), 2)
        if score >= config.check.duplicate_min_similarity:
            outlet = f" ({other.outlet})" if other.outlet else ""
            return [
                Finding(
                    kind,
                    level,
                    f"near-duplicate of {where} article {other.id!r}{outlet}: similarity "
                    f"{score:.1f}, estimated Jaccard {cand.estimate:.2f}",
                    0,
                    len(text),
                    other_id=other.id,
                    other_outlet=other.outlet,
                    similarity=score,
                    estimated_jaccard=cand.estimate,
                )
            ]
    return []


def _unattributed_wire(
    result: ArticleResult, entry: Entry, index: Store, config: Config, lexicon: AgencyLexicon
) -> list[Finding]:
    level = config.check.unattributed_wire
    article = result.article
    if level == Policy.OFF or article.source_kind == SourceKind.WIRE or not article.text:
        return []
    found, stored = _matches(entry, index, config)
    candidates = [(stored[c.pk], c.pairs) for c in found if c.pk in stored]
    aligned = check_wire.aligned_wire(result, entry, candidates, index, config, lexicon)
    copy = check_wire.unattributed_copy(result, aligned, config)
    if copy is None:
        return []
    first = copy.matches[0]
    return [
        Finding(
            FindingKind.UNATTRIBUTED_WIRE,
            level,
            copy.message,
            first.start,
            first.end,
            other_id=first.other_id,
            other_outlet=first.other_outlet,
            share=copy.share,
            wire=copy.matches,
        )
    ]


def _leftovers(result: ArticleResult, config: Config) -> list[Finding]:
    level = config.check.leftover_boilerplate
    if level == Policy.OFF:
        return []
    wanted = set(config.check.leftover_reasons)
    text = result.article.text
    out = []
    for span in sorted(result.boilerplate, key=lambda b: (b.start, b.end)):
        if span.reason.value not in wanted:
            continue
        snippet = " ".join(text[span.start : span.end].split())
        snippet = snippet if len(snippet) <= 60 else snippet[:57] + "..."
        out.append(
            Finding(
                FindingKind.LEFTOVER_BOILERPLATE,
                level,
                f"leftover boilerplate ({span.reason.value}) that should be stripped before "
                f"ingest: {snippet!r}",
                span.start,
                span.end,
                reason=span.reason.value,
            )
        )
    return out


def _quote_findings(
    result: ArticleResult, entry: Entry, index: Store, config: Config, lexicons: QuoteLexicons
) -> list[Finding]:
    altered, mismatch = config.check.altered_quote, config.check.speaker_mismatch
    if (altered == Policy.OFF and mismatch == Policy.OFF) or not result.quotes:
        return []
    # the stored quotations (``store.keys``: quotation units) as well as the sentences
    found, stored = _matches(entry, index, config, with_quotes=True)
    others = [
        (art, q)
        for art in (stored[c.pk].article for c in found if c.pk in stored)
        for q in extract(art.text, lexicons.for_language(art.language), config.quotes)
    ]
    out: list[Finding] = []
    for q in result.quotes:
        # Every indexed quotation linked to ``q``, the one that speaks for it first: one with
        # the same speaker and words clears it (an article may quote the same words twice,
        # once under a name and once under a role), then the same speaker with other words
        # (altered), then the best-scoring other speaker (mismatch).
        linked_to = [
            (art, theirs, score, compare(theirs.text, q.text).changes)
            for art, theirs in others
            if (score := linked(theirs, q, config.quotes)) is not None
        ]
        if not linked_to:
            continue
        art, theirs, score, changes = min(
            linked_to,
            key=lambda c: (not same_speaker(q.speaker, c[1].speaker), bool(c[3]), -c[2]),
        )
        outlet = f" ({art.outlet})" if art.outlet else ""
        if not same_speaker(q.speaker, theirs.speaker):
            kind, level = FindingKind.SPEAKER_MISMATCH, mismatch
            message = (
                f"quotation attributed to {q.speaker!r}; indexed article {art.id!r}"
                f"{outlet} attributes the same words to {theirs.speaker!r}"
            )
        elif changes:
            kind, level = FindingKind.ALTERED_QUOTE, altered
            diff = "; ".join(f"{c.removed!r} -> {c.added!r}" for c in changes[:3])
            message = (
                f"quotation differs in wording from the same quotation in indexed "
                f"article {art.id!r}{outlet}: {diff}"
            )
        else:
            continue
        if level != Policy.OFF:
            out.append(
                Finding(
                    kind,
                    level,
                    message,
                    q.start,
                    q.end,
                    other_id=art.id,
                    other_outlet=art.outlet,
                    similarity=score,
                )
            )
    return out


def run(
    results: Sequence[ArticleResult],
    index: Store,
    config: Config,
    *,
    add: bool = False,
    replace: bool = False,
    agencies: AgencyLexicon | None = None,
    quote_lexicons: QuoteLexicons | None = None,
) -> Verdict:
    """Check ``results`` against ``index``; with ``add``, store the articles that did not
    fail in the same transaction as the checks, so no writer slips in between.
    ``agencies``: the lexicon the results were analysed with (loaded when needed if not
    given)."""
    lexicon = agencies or AgencyLexicon.load()
    quoting = quote_lexicons or QuoteLexicons.load()
    fp = index.fp
    ordered = sorted(results, key=lambda r: r.article.id)
    # Duplicates are looked up with every paragraph, boilerplate or not: a detector that
    # wrongly took a whole article for boilerplate must not hide a copy of it.
    pairs = [fp.entry_pair(r) for r in ordered]
    entries = [stored for stored, _ in pairs]
    queries = [query for _, query in pairs]
    verdicts: list[ArticleVerdict] = []
    with Store(":memory:", fp) as batch, index.transaction(write=add):
        indexed = index.count()
        for result, entry, query in zip(ordered, entries, queries, strict=True):
            findings = [
                *_duplicate(FindingKind.NEAR_DUPLICATE, query, index, config, "indexed"),
                *_duplicate(FindingKind.BATCH_DUPLICATE, query, batch, config, "new"),
                *_unattributed_wire(result, entry, index, config, lexicon),
                *_leftovers(result, config),
                *_quote_findings(result, entry, index, config, quoting),
            ]
            verdicts.append(ArticleVerdict(result.article, tuple(findings)))
            batch.put([entry])
        if add:
            passed = {v.article.id for v in verdicts if v.status != Status.FAIL}
            put = index.put([e for e in entries if e.article.id in passed], replace=replace)
            stored = {*put.added, *put.replaced}  # not those already indexed unchanged
            verdicts = [
                ArticleVerdict(v.article, v.findings, v.article.id in stored) for v in verdicts
            ]
    return Verdict(tuple(verdicts), indexed)

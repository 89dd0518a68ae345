"""The report as plain data, valid against ``schemas/report.schema.json``.

Deterministic: the same input gives byte-identical JSON, whatever the order of the input
articles, and no timestamps go into the body.
"""

from __future__ import annotations

import itertools
import json
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from importlib.metadata import version
from typing import Any, Protocol, runtime_checkable

import numpy as np

from provenance.config import Config
from provenance.match.codes import Matrix
from provenance.model import (
    LABEL_PRECEDENCE,
    ArticleResult,
    ClaimGroup,
    ClaimLink,
    Confidence,
    CorpusResult,
    Match,
    QuoteGroup,
    Span,
    SpanSource,
    WireCredit,
    WordEdits,
)
from provenance.semantic import model_info

SCHEMA_VERSION = "1.0"


def _credit(c: WireCredit) -> dict[str, Any]:
    return {
        "agency": c.agency,
        "kind": c.kind.value,
        "start": c.start,
        "end": c.end,
        "block_start": c.block_start,
        "block_end": c.block_end,
        "text": c.text,
    }


def _source(s: SpanSource) -> dict[str, Any]:
    return {
        "article_id": s.article_id,
        "outlet": s.outlet,
        "start": s.start,
        "end": s.end,
        "score": round(s.score, 2),
        "grade": s.grade.value,
        "published": s.published,
        "words": words_dict(s.edits),
    }


def words_dict(edits: WordEdits) -> dict[str, int]:
    return {"changed": edits.changed, "inserted": edits.inserted, "deleted": edits.deleted}


def _span(span: Span) -> dict[str, Any]:
    out: dict[str, Any] = {"start": span.start, "end": span.end, "label": span.label.value}
    if span.reason is not None:
        out["reason"] = span.reason.value
    if span.rule is not None:
        out["rule"] = span.rule
    if span.agency is not None:
        out["agency"] = span.agency
    if span.evidence is not None:
        out["evidence"] = span.evidence
    if span.credit is not None:
        out["credit"] = _credit(span.credit)
    if span.sources or span.label.value == "shared":
        out["sources"] = [_source(s) for s in span.sources]
    if span.first is not None:
        out["first"] = span.first
    if span.credit_mismatch:
        out["credit_mismatch"] = list(span.credit_mismatch)
    return out


def article_dict(result: ArticleResult) -> dict[str, Any]:
    a = result.article
    return {
        **a.metadata(),
        "length": len(a.text),
        "composition": result.composition(),
        "spans": [_span(s) for s in result.spans],
        "wire_credits": [_credit(c) for c in result.wire_credits],
        "cited_sources": [
            {
                "agency": c.agency,
                "start": c.start,
                "end": c.end,
                "sentence_start": c.sentence_start,
                "sentence_end": c.sentence_end,
                "text": c.text,
            }
            for c in result.cited_sources
        ],
        "duplicates": [
            {
                "article_id": d.other_id,
                "estimated_jaccard": round(d.estimated_jaccard, 4),
                "similarity": round(d.similarity, 2),
            }
            for d in result.duplicates
        ],
    }


def _link(link: ClaimLink | None) -> dict[str, Any] | None:
    if link is None:
        return None
    return {
        "confidence": link.confidence.value,
        "lexical": round(link.lexical, 2),
        "semantic": None if link.semantic is None else round(link.semantic, 4),
        "anchors": list(link.anchors),
    }


def _claim(group: ClaimGroup) -> dict[str, Any]:
    return {
        "id": group.id,
        "text": group.text,
        "confidence": group.confidence.value,
        "first": group.first,
        "occurrences": [
            {
                "article_id": o.article_id,
                "outlet": o.outlet,
                "language": o.language,
                "start": o.start,
                "end": o.end,
                "score": round(o.score, 2),
                "published": o.published,
                "link": _link(o.link),
            }
            for o in group.occurrences
        ],
    }


@runtime_checkable
class _Counted(Protocol):
    """Claim groups that count their strong ones without reading them back
    (``match.claim_groups.ClaimTable``)."""

    def strong(self) -> int: ...


def _strong(claims: Sequence[ClaimGroup]) -> int:
    """How many of ``claims`` are strong."""
    if isinstance(claims, _Counted):
        return claims.strong()
    return sum(g.confidence == Confidence.STRONG for g in claims)


def quote_dict(group: QuoteGroup) -> dict[str, Any]:
    """One quote group as the report prints it (``schemas/report.schema.json`` ``quote``)."""
    return {
        "id": group.id,
        "text": group.text,
        "speaker": group.speaker,
        "first": group.first,
        "flags": list(group.flags),
        "occurrences": [
            {
                "article_id": o.article_id,
                "outlet": o.outlet,
                "start": o.start,
                "end": o.end,
                "speaker": o.speaker,
                "speaker_start": o.speaker_start,
                "speaker_end": o.speaker_end,
                "score": round(o.score, 2),
                "published": o.published,
                "resolved": o.resolved,
                "truncated": o.truncated,
                "changes": [
                    {"removed": c.removed, "added": c.added, "start": c.start, "end": c.end}
                    for c in o.changes
                ],
            }
            for o in group.occurrences
        ],
    }


def claims_by_confidence(data: dict[str, Any]) -> list[tuple[str, list[dict[str, Any]]]]:
    """The report's claim groups split for display: strong ones first, possible ones apart."""
    claims = data["claims"]
    return [
        ("strong", [c for c in claims if c["confidence"] == "strong"]),
        ("possible", [c for c in claims if c["confidence"] == "possible"]),
    ]


def link_evidence(occurrence: dict[str, Any]) -> str:
    """One line of why an occurrence belongs to its claim: confidence, scores, anchors."""
    link = occurrence["link"]
    if link is None:
        return "claim text"
    parts = [link["confidence"], f"lexical {link['lexical']:.0f}"]
    if link["semantic"] is not None:
        parts.append(f"semantic {link['semantic']:.2f}")
    if link["anchors"]:
        parts.append("anchors: " + ", ".join(link["anchors"][:6]))
    return "; ".join(parts)


# Matches counted at once in the outlet table (a few int64 columns of twice as many sides):
# more, fewer numpy calls; fewer, less beside the matches' sides.
OUTLET_CHUNK = 1 << 16


def outlet_table(
    result: CorpusResult, outlets: Iterable[tuple[str, str | None]] | None = None
) -> list[dict[str, Any]]:
    """Characters and matches of each outlet's text that match another outlet's text; the
    outlets of the articles are ``result.articles``' or, for a writer that streams the
    articles, ``outlets``: (id, outlet) in id order."""
    names, a, a_len, b, b_len = _sides(result.matches)
    if outlets is None:
        outlets = sorted((r.article.id, r.article.outlet) for r in result.articles)
    labels, code = _outlets_of(names, outlets)
    # per pair of outlets (a code): where it first comes, characters, matches
    found: dict[int, list[int]] = {}
    for lo in range(0, len(a), OUTLET_CHUNK):
        hi = min(len(a), lo + OUTLET_CHUNK)
        mine, theirs, length = (np.empty(2 * (hi - lo), dtype=np.int64) for _ in range(3))
        mine[0::2], mine[1::2] = code[a[lo:hi]], code[b[lo:hi]]  # seen from a, then from b
        theirs[0::2], theirs[1::2] = code[b[lo:hi]], code[a[lo:hi]]
        length[0::2], length[1::2] = a_len[lo:hi], b_len[lo:hi]
        keys, first, inverse = np.unique(
            mine * (len(labels) + 1) + theirs, return_index=True, return_inverse=True
        )
        chars = np.bincount(inverse.reshape(-1), weights=length, minlength=len(keys))
        counts = np.bincount(inverse.reshape(-1), minlength=len(keys))
        for k, at, c, n in zip(
            keys.tolist(), first.tolist(), chars.tolist(), counts.tolist(), strict=True
        ):
            sums = found.setdefault(k, [2 * lo + at, 0, 0])
            sums[1] += int(c)
            sums[2] += n
    rows = [
        (labels[k // (len(labels) + 1)], labels[k % (len(labels) + 1)], c, n)
        for k, (_, c, n) in sorted(found.items(), key=lambda item: item[1][0])
    ]  # in order of first appearance, as the pairs of outlets come, then sorted (stable)
    return [
        {"outlet": o, "source_outlet": s, "characters": c, "matches": n}
        for o, s, c, n in sorted(rows, key=lambda r: (r[0] or "", r[1] or ""))
    ]


@runtime_checkable
class _Sided(Protocol):
    def sides(self) -> tuple[Sequence[str], Matrix, Matrix, Matrix, Matrix]: ...


def _sides(matches: Sequence[Match]) -> tuple[Sequence[str], Matrix, Matrix, Matrix, Matrix]:
    """``reuse_spans.MatchTable.sides`` of any sequence of matches: the ids they name, and
    per match its sides' articles (numbers into the ids) and lengths."""
    if isinstance(matches, _Sided):
        return matches.sides()
    names = sorted({side.article_id for m in matches for side in (m.a, m.b)})
    number = {name: k for k, name in enumerate(names)}
    columns = np.array(
        [
            (
                number[m.a.article_id],
                m.a.end - m.a.start,
                number[m.b.article_id],
                m.b.end - m.b.start,
            )
            for m in matches
        ],
        dtype=np.int64,
    ).reshape(-1, 4)
    return names, columns[:, 0], columns[:, 1], columns[:, 2], columns[:, 3]


def _outlets_of(
    names: Sequence[str], outlets: Iterable[tuple[str, str | None]]
) -> tuple[list[str | None], Matrix]:
    """The outlets the articles ``names`` are from, as codes into a list of outlets (an
    article not among ``outlets``: ``None``). ``outlets`` (in id order: an id out of order
    is looked up from the start) is read through once beside ``names`` when those are in id
    order too, with no map of ids; else the names are looked up in a map of them."""
    labels: list[str | None] = [None]
    label_code: dict[str | None, int] = {None: 0}
    code = np.zeros(len(names), dtype=np.int64)
    ordered = all(x < y for x, y in itertools.pairwise(names))
    wanted = None if ordered else {name: k for k, name in enumerate(names)}
    k, last = 0, ""
    for article_id, outlet in outlets:
        if wanted is not None:
            at = wanted.get(article_id)
        else:
            if article_id < last:  # out of id order: look it up from the start
                k = bisect_left(names, article_id)
            last = article_id
            while k < len(names) and names[k] < article_id:
                k += 1
            at = k if k < len(names) and names[k] == article_id else None
        if at is not None:
            code[at] = label_code.setdefault(outlet, len(labels))
            if code[at] == len(labels):
                labels.append(outlet)
    return labels, code


def config_dict(config: Config) -> dict[str, Any]:
    """The effective config, plus the embedding model's distribution and version."""
    out = config.to_dict()
    if config.claims.model != "none":
        info = model_info(config.claims.model)
        out["claims"]["model_version"] = f"{info.distribution}=={info.version}"
    return out


TAIL = ("claims", "clusters", "outlets", "quotes")  # the sections after the articles


def tail_sections(
    result: CorpusResult, outlets: Iterable[tuple[str, str | None]] | None = None
) -> dict[str, Iterator[Any]]:
    """The report's corpus-wide sections (``TAIL``, in order), each made an item at a time
    as it is read, so that a writer can stream them (``outlets``: ``outlet_table``'s)."""
    return {
        "claims": (_claim(g) for g in result.claims),
        "clusters": (sorted(c) for c in sorted(result.clusters)),
        "outlets": iter(outlet_table(result, outlets)),
        "quotes": (quote_dict(g) for g in result.quotes),
    }


def report_dict(result: CorpusResult, config: Config, *, tail: bool = True) -> dict[str, Any]:
    """The whole report as one dict; with ``tail=False`` its ``TAIL`` sections are left
    empty (for a writer that streams them from ``tail_sections``)."""
    articles = [article_dict(r) for r in sorted(result.articles, key=lambda r: r.article.id)]
    total = sum(a["length"] for a in articles)
    composition = {label.value: 0.0 for label in LABEL_PRECEDENCE}
    for r in result.articles:
        for span in r.spans:
            composition[span.label.value] += span.end - span.start
    sections = tail_sections(result) if tail else {}
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "news-provenance", "version": version("news-provenance")},
        "config": config_dict(config),
        "summary": {
            "articles": len(articles),
            "characters": total,
            "composition": {
                k: round(v / total, 4) if total else 0.0 for k, v in composition.items()
            },
            "matches": len(result.matches),
            "claims": len(result.claims),
            "claims_strong": _strong(result.claims),
            "clusters": len(result.clusters),
        },
        "articles": articles,
        **{name: list(sections.get(name, ())) for name in TAIL},
    }


def encoder() -> json.JSONEncoder:
    """The report's JSON settings, for ``to_json`` and for the streamed writer's pieces
    (``render.stream``), so the two cannot drift apart."""
    # allow_nan=False: a NaN or infinity is a bug to report, never a bare NaN in the JSON
    return json.JSONEncoder(ensure_ascii=False, indent=2, sort_keys=False, allow_nan=False)


def to_json(data: dict[str, Any]) -> str:
    return encoder().encode(data) + "\n"

"""Wire attribution quality: attribution/wire-credits and attribution/impresso.

wire-credits: the document-level decision "this body is credited to a wire agency" and which
agency. As the eval README asks, the row's ``authors`` and ``outlet`` are passed as the
article's metadata (``byline:`` and ``publisher:`` credits exist only there). A document is
wire when it has a credit of any kind except a photo credit (a credited photo does not make
the story wire copy). Recall is printed separately for rows whose gold evidence is in the
body text (``body:``) and for the others (``byline:``/``publisher:``/``page:``), and the
text-only decision (no metadata) is printed beside it. Agency accuracy is over true
positives: the first credit in the text, else the first metadata credit, against the gold
agency.

impresso: historical French/German newspaper OCR, text only (no metadata). Document-level
P/R of "some agency is a source" (gold: ``agencies_as_source`` not empty) and credit-span
recall: a gold credit span counts as found when one of our credits' own spans overlaps it
(with the label: when our agency also matches the gold label). Our credit spans are whole
credit lines ("Wien, 7. Aug. (Exchange)"), the gold marks the agency token, so exact-match
span scores would say nothing; the overlap rule is stated here instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import evalsets as ev

from provenance import attribution, boilerplate
from provenance.config import Config
from provenance.model import Article, CreditKind, WireCredit
from provenance.pipeline import Resources
from provenance.segment import segment

# impresso fine labels -> our canonical names (labels equal to a canonical name map to it)
_IMPRESSO_LABELS = {"ATS-SDA": "SDA", "UP-UPI": "UPI", "ag": "unspecified", "Reuter": "Reuters"}


def credits_of(article: Article, config: Config, res: Resources) -> tuple[WireCredit, ...]:
    seg = segment(article.text, res.abbreviations)
    spans = boilerplate.detect(article, seg, res.boilerplate, config.boilerplate)
    return attribution.find_credits(article, seg, res.agencies, spans)


def _wire(credits: Sequence[WireCredit]) -> list[WireCredit]:
    body = [c for c in credits if c.kind not in (CreditKind.PHOTO_CREDIT, CreditKind.METADATA)]
    meta = [c for c in credits if c.kind == CreditKind.METADATA]
    return body + meta


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    p = ev.ratio(tp, tp + fp)
    r = ev.ratio(tp, tp + fn)
    return {"precision": p, "recall": r, "f1": ev.ratio(2 * p * r, p + r)}


def _put(out: dict[str, Any], prefix: str, values: dict[str, float]) -> None:
    for key, value in values.items():
        out[f"{prefix}.{key}"] = round(value, 4)


def run_wire_credits(set_dir: Path, limit: int | None) -> dict[str, Any]:
    config, res = Config(), Resources.load()
    counts = {k: [0, 0, 0] for k in ("with_metadata", "text_only")}
    recall_by = {"body": [0, 0], "other": [0, 0]}
    agency_ok = agency_n = 0
    rows = 0
    for n, row in enumerate(ev.read_jsonl(set_dir / "docs.jsonl")):
        if limit is not None and n >= limit:
            break
        rows += 1
        gold = row.get("wire")
        evidence = str(row.get("evidence") or "")
        full = Article(
            id=str(row["id"]),
            text=row["text"],
            authors=tuple(row.get("authors") or ()),
            outlet=row.get("outlet"),
        )
        bare = Article(id=str(row["id"]), text=row["text"])
        for name, article in (("with_metadata", full), ("text_only", bare)):
            found = _wire(credits_of(article, config, res))
            cell = counts[name]
            if found and gold:
                cell[0] += 1
            elif found:
                cell[1] += 1
            elif gold:
                cell[2] += 1
            if name == "with_metadata" and gold:
                group = recall_by["body" if evidence.startswith("body:") else "other"]
                group[0] += bool(found)
                group[1] += 1
                if found:
                    agency_n += 1
                    agency_ok += found[0].agency.split("/")[0] == gold
    out: dict[str, Any] = {"docs": rows}
    for name, (tp, fp, fn) in counts.items():
        _put(out, name, _prf(tp, fp, fn))
        out[f"{name}.tp_fp_fn"] = f"{tp}/{fp}/{fn}"
    for kind, (hit, total) in recall_by.items():
        out[f"with_metadata.recall_{kind}_evidence"] = round(ev.ratio(hit, total), 4)
        out[f"positives_{kind}_evidence"] = total
    out["agency_accuracy"] = round(ev.ratio(agency_ok, agency_n), 4)
    return out


def run_impresso(set_dir: Path, limit: int | None) -> dict[str, Any]:
    config, res = Config(), Resources.load()
    tp = fp = fn = 0
    spans_found = spans_labelled = spans_total = 0
    ours_total = ours_on_gold = 0
    rows = 0
    for n, row in enumerate(ev.read_jsonl(set_dir / "docs.jsonl")):
        if limit is not None and n >= limit:
            break
        rows += 1
        article = Article(id=str(row["id"]), text=row["text"], language=row.get("lang"))
        credits = [c for c in _wire(credits_of(article, config, res)) if c.start >= 0]
        gold = bool(row.get("agencies_as_source"))
        tp += bool(credits) and gold
        fp += bool(credits) and not gold
        fn += not credits and gold
        gold_spans = row.get("credit_spans", [])
        for span in gold_spans:
            spans_total += 1
            hits = [c for c in credits if c.start < span["end"] and span["start"] < c.end]
            spans_found += bool(hits)
            label = _IMPRESSO_LABELS.get(span["agency"], span["agency"])
            names = {name for c in hits for name in c.agency.split("/")}
            spans_labelled += label in names or (span["agency"] == "unk" and bool(hits))
        for c in credits:
            ours_total += 1
            ours_on_gold += any(c.start < s["end"] and s["start"] < c.end for s in gold_spans)
    out: dict[str, Any] = {"docs": rows}
    _put(out, "doc", _prf(tp, fp, fn))
    out["doc.tp_fp_fn"] = f"{tp}/{fp}/{fn}"
    out["span.gold"] = spans_total
    out["span.recall"] = round(ev.ratio(spans_found, spans_total), 4)
    out["span.recall_with_agency"] = round(ev.ratio(spans_labelled, spans_total), 4)
    out["span.ours"] = ours_total
    out["span.precision"] = round(ev.ratio(ours_on_gold, ours_total), 4)
    return out


SETS = {
    "attribution/wire-credits": run_wire_credits,
    "attribution/impresso": run_impresso,
}

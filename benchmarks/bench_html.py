"""HTML input: trafilatura alone beside trafilatura plus our boilerplate pass, same pages.

    python benchmarks/quality.py [EVAL_DIR] --sets html/ [--limit N] [--json]

Sets (they read the boilerplate folders; see ``FOLDERS``):
- ``html/zyte`` (``boilerplate/zyte``): 4-gram precision / recall / F1 against the
  human-selected article body, ScrapingHub-style (``evalsets.ngram_prf``, ``aggregate_prf``).
- ``html/trafilatura`` (``boilerplate/trafilatura``): snippet scores as trafilatura's own
  evaluation counts them: a ``with`` snippet found is a true positive, one missing a false
  negative, a ``without`` snippet found a false positive; plus the share of reader-comment
  snippets (``comments``) removed, since comments are not the story.

Systems, each scored on the same pages in one run:
- ``trafilatura_default``: ``trafilatura.extract(page)`` with its defaults (its CLI's output;
  comments included when it finds them).
- ``trafilatura``: trafilatura alone as our HTML reader calls it: the main text of
  ``bare_extraction`` (comments left out).
- ``pipeline``: the page through ``provenance.htmlinput`` (main text, then trafilatura's
  comments marked by ``html_comments_start``) and ``pipeline.analyze`` over all pages of the
  set at once; what is kept is every character not labelled boilerplate.
Nothing of the data is copied; pages are read from EVAL_DIR.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from evalsets import (
    aggregate_prf,
    load_html,
    ngram_prf,
    ratio,
    read_jsonl,
    snippet_rates,
    trafilatura_text,
)

from provenance import htmlinput, ingest, pipeline
from provenance.config import Config
from provenance.errors import InputError, InputErrors
from provenance.model import Article, ArticleResult, Label, Origin

SYSTEMS = ("trafilatura_default", "trafilatura", "pipeline")
MAX_BYTES = Config().ingest.max_record_bytes


def _kept(text: str, result: ArticleResult) -> str:
    """The characters of ``text`` not labelled boilerplate, pieces joined by newlines."""
    return "\n".join(text[s.start : s.end] for s in result.spans if s.label != Label.BOILERPLATE)


def _outputs(
    set_dir: Path, rows: Sequence[dict[str, Any]]
) -> tuple[dict[str, dict[str, str]], dict[str, float], int]:
    """Per system, page id -> kept text; share of characters the pass removed per reason;
    the number of pages without extractable text."""
    out: dict[str, dict[str, str]] = {s: {} for s in SYSTEMS}
    articles: list[Article] = []
    failed = 0
    for row in rows:
        out["trafilatura_default"][row["id"]] = trafilatura_text(
            load_html(set_dir, row), recall=False
        )
        raw = (set_dir / row["html"]).read_bytes()
        try:
            record = htmlinput.page_record(raw, Origin(row["html"]), max_bytes=MAX_BYTES)
            record["id"] = row["id"]
            articles.extend(ingest.load_records([record], label=row["html"]))
        except (InputError, InputErrors):
            failed += 1
            out["trafilatura"][row["id"]] = out["pipeline"][row["id"]] = ""
            continue
        start = record.get(htmlinput.COMMENTS_FIELD)
        text = record["text"]
        out["trafilatura"][row["id"]] = text if start is None else text[: start - 2]
    removed: Counter[str] = Counter()
    for result in pipeline.analyze(articles, Config()).articles:
        out["pipeline"][result.article.id] = _kept(result.article.text, result)
        for span in result.spans:
            if span.label == Label.BOILERPLATE and span.reason is not None:
                removed[span.reason.value] += span.end - span.start
    total = sum(len(a.text) for a in articles)
    shares = {f"pipeline_removed_share.{k}": ratio(v, total) for k, v in sorted(removed.items())}
    return out, shares, failed


def zyte(set_dir: Path, limit: int | None) -> dict[str, Any]:
    rows = list(read_jsonl(set_dir / "pages.jsonl"))[:limit]
    outputs, removed, failed = _outputs(set_dir, rows)
    metrics: dict[str, Any] = {"pages": len(rows), "pages_without_text": failed}
    for system in SYSTEMS:
        scores = [ngram_prf(outputs[system][r["id"]], r["body"]) for r in rows]
        for key, value in aggregate_prf(scores).items():
            if key != "pages":
                metrics[f"{system}.{key}"] = value
    metrics.update(removed)
    return metrics


def trafilatura_set(set_dir: Path, limit: int | None) -> dict[str, Any]:
    rows = list(read_jsonl(set_dir / "pages.jsonl"))[:limit]
    outputs, removed, failed = _outputs(set_dir, rows)
    metrics: dict[str, Any] = {"pages": len(rows), "pages_without_text": failed}
    for system in SYSTEMS:
        tp = fn = fp = tn = c_removed = c_total = 0
        for row in rows:
            kept = outputs[system][row["id"]]
            counts = snippet_rates(kept, row["with"], row["without"])
            tp += counts.with_kept
            fn += counts.with_total - counts.with_kept
            tn += counts.without_removed
            fp += counts.without_total - counts.without_removed
            comments = snippet_rates(kept, [], row["comments"])
            c_removed += comments.without_removed
            c_total += comments.without_total
        precision, recall = ratio(tp, tp + fp), ratio(tp, tp + fn)
        metrics[f"{system}.snippet_precision"] = precision
        metrics[f"{system}.snippet_recall"] = recall
        metrics[f"{system}.snippet_f1"] = ratio(2 * precision * recall, precision + recall)
        metrics[f"{system}.snippet_accuracy"] = ratio(tp + tn, tp + tn + fp + fn)
        metrics[f"{system}.comments_removed"] = ratio(c_removed, c_total)
    metrics.update(removed)
    return metrics


SETS: dict[str, Callable[[Path, int | None], dict[str, Any]]] = {
    "html/trafilatura": trafilatura_set,
    "html/zyte": zyte,
}
FOLDERS = {"html/trafilatura": "boilerplate/trafilatura", "html/zyte": "boilerplate/zyte"}

"""Boilerplate quality on real pages: boilerplate/zyte, boilerplate/trafilatura, boilerplate/fundus.

For every page our classifier runs on plain text made two ways:
  (a) ``visible``: all visible text of the page (``evalsets.visible_text``);
  (b) ``recall``: trafilatura with comments included and ``favor_recall``.
The kept text is that text minus our boilerplate spans (credit lines and datelines included,
as in the report). Printed beside it, from the same run: the input as is (``raw``) and
trafilatura's own default extraction (``trafilatura_default``).

``recall_ours_no_features`` is (b) the way HTML ingest treats trafilatura's text (marked
``extracted_by``): without the length/stop-word feature pass.

Metrics: ScrapingHub 4-gram precision/recall/F1 against the gold body (zyte; fundus with its
paragraphs and subheadings as the body), ``with`` snippets kept / ``without`` removed /
``comments`` removed (trafilatura set), and for fundus the share of gold paragraphs kept and of
captions, photo credits and author names removed, each macro-averaged over publishers and
counted only where the string was in the input text at all (``*_present`` says how many).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import evalsets as ev

from provenance import attribution, boilerplate
from provenance.config import Config
from provenance.model import Article, ArticleResult
from provenance.pipeline import Resources
from provenance.segment import segment

VARIANTS = ("visible", "recall")


@dataclass(frozen=True)
class Page:
    row: dict[str, Any]
    inputs: dict[str, str]  # variant -> plain text given to the classifier
    default: str  # trafilatura's default extraction


def kept_text(articles: Sequence[Article], config: Config, res: Resources) -> list[str]:
    """Each article's text minus its boilerplate spans (pieces joined by newlines)."""
    results = [_result(a, res) for a in articles]
    repeats = boilerplate.outlet_repeats(results, config.boilerplate)
    out = []
    for result in results:
        article, seg = result.article, result.segmentation
        spans = boilerplate.detect(article, seg, res.boilerplate, config.boilerplate, repeats)
        credits = attribution.find_credits(article, seg, res.agencies, spans)
        spans = attribution.merge_boilerplate(spans, credits)
        pieces, pos = [], 0
        for span in sorted(spans, key=lambda s: s.start):
            if span.start > pos:
                pieces.append(article.text[pos : span.start])
            pos = max(pos, span.end)
        pieces.append(article.text[pos:])
        out.append("\n".join(p for p in pieces if p.strip()))
    return out


def _result(article: Article, res: Resources) -> ArticleResult:
    return ArticleResult(article, segment(article.text, res.abbreviations))


def _pages(set_dir: Path, limit: int | None, file: str = "pages.jsonl") -> list[Page]:
    pages = []
    for n, row in enumerate(ev.read_jsonl(set_dir / file)):
        if limit is not None and n >= limit:
            break
        html = ev.load_html(set_dir, row)
        inputs = {
            "visible": ev.visible_text(html),
            "recall": ev.trafilatura_text(html, recall=True),
        }
        pages.append(Page(row, inputs, ev.trafilatura_text(html, recall=False)))
    return pages


def _outputs(
    pages: Sequence[Page], lang: Callable[[dict[str, Any]], str | None], outlet: str
) -> dict[str, list[str]]:
    """variant name -> one text per page: raw inputs, our kept texts, trafilatura default."""
    config, res = Config(), Resources.load()
    out: dict[str, list[str]] = {"trafilatura_default": [p.default for p in pages]}
    for variant in VARIANTS:
        articles = [
            Article(
                id=str(i),
                text=p.inputs[variant],
                language=lang(p.row),
                outlet=p.row.get(outlet) if outlet in p.row else None,
                url=p.row.get("url"),
            )
            for i, p in enumerate(pages)
        ]
        out[f"{variant}_raw"] = [p.inputs[variant] for p in pages]
        out[f"{variant}_ours"] = kept_text(articles, config, res)
    # what HTML ingest does with trafilatura's text (extracted_by): lexicon, structure and
    # corpus evidence only, no feature pass
    lexicon_only = replace(config, boilerplate=replace(config.boilerplate, feature_pass=False))
    articles = [Article(id=str(i), text=p.inputs["recall"], language=lang(p.row),
                        url=p.row.get("url")) for i, p in enumerate(pages)]  # fmt: skip
    out["recall_ours_no_features"] = kept_text(articles, lexicon_only, res)
    return out


def _prf(texts: Iterable[str], golds: Iterable[str]) -> dict[str, float]:
    return ev.aggregate_prf([ev.ngram_prf(k, g) for k, g in zip(texts, golds, strict=True)])


def _put(metrics: dict[str, Any], prefix: str, values: dict[str, float]) -> None:
    for key, value in values.items():
        if key != "pages":
            metrics[f"{prefix}.{key}"] = round(value, 4)


# ------------------------------------------------------------------ zyte


def run_zyte(set_dir: Path, limit: int | None) -> dict[str, Any]:
    pages = _pages(set_dir, limit)
    outputs = _outputs(pages, lambda r: r.get("lang"), "host")
    golds = [p.row["body"] for p in pages]
    metrics: dict[str, Any] = {"pages": len(pages)}
    for name, texts in outputs.items():
        _put(metrics, name, _prf(texts, golds))
    return metrics


# ------------------------------------------------------------------ trafilatura


def run_trafilatura(set_dir: Path, limit: int | None) -> dict[str, Any]:
    pages = _pages(set_dir, limit)
    outputs = _outputs(pages, lambda r: r.get("lang"), "host")
    metrics: dict[str, Any] = {"pages": len(pages)}
    for name, texts in outputs.items():
        totals = [0, 0, 0, 0]
        comments_removed = comments_total = 0
        for page, kept in zip(pages, texts, strict=True):
            counts = ev.snippet_rates(kept, page.row["with"], page.row["without"])
            totals = [a + b for a, b in zip(totals, counts, strict=True)]
            comment_counts = ev.snippet_rates(kept, [], page.row.get("comments", []))
            comments_removed += comment_counts.without_removed
            comments_total += comment_counts.without_total
        metrics[f"{name}.with_kept"] = round(ev.ratio(totals[0], totals[1]), 4)
        metrics[f"{name}.without_removed"] = round(ev.ratio(totals[2], totals[3]), 4)
        metrics[f"{name}.comments_removed"] = round(ev.ratio(comments_removed, comments_total), 4)
    metrics["snippets.with"] = totals[1]
    metrics["snippets.without"] = totals[3]
    metrics["snippets.comments"] = comments_total
    return metrics


# ------------------------------------------------------------------ fundus


def _paragraph_kept(paragraph: str, kept_norm: str, kept_tokens: set[str]) -> bool:
    norm = ev.normalize_space(paragraph)
    if norm in kept_norm:
        return True
    tokens = ev.tokens(paragraph)
    return bool(tokens) and sum(t in kept_tokens for t in tokens) >= 0.9 * len(tokens)


def _fundus_page(row: dict[str, Any], source: str, kept: str) -> dict[str, tuple[int, int]]:
    """Per kind: (successes, cases) for one page."""
    kept_norm, src_norm = ev.normalize_space(kept), ev.normalize_space(source)
    kept_tokens = set(ev.tokens(kept))
    paragraphs = [p for p in row["paragraphs"] if p.strip()]
    out = {"paragraphs_kept": (sum(_paragraph_kept(p, kept_norm, kept_tokens) for p in paragraphs),
                               len(paragraphs))}  # fmt: skip
    for kind in ("captions", "photo_credits", "authors"):
        present = [ev.normalize_space(s) for s in row.get(kind, []) if s and s.strip()]
        present = [s for s in present if s in src_norm]
        out[f"{kind}_removed"] = (sum(s not in kept_norm for s in present), len(present))
    return out


def run_fundus(set_dir: Path, limit: int | None) -> dict[str, Any]:
    pages = _pages(set_dir, limit)
    outputs = _outputs(pages, lambda r: None, "publisher")
    golds = ["\n".join([*p.row["paragraphs"], *p.row.get("subheadings", [])]) for p in pages]
    metrics: dict[str, Any] = {"pages": len(pages)}
    for name, texts in outputs.items():
        _put(metrics, name, _prf(texts, golds))
        source = {
            "trafilatura_default": [p.default for p in pages],
            **{f"{v}_{k}": [p.inputs[v] for p in pages] for v in VARIANTS for k in ("raw", "ours")},
            "recall_ours_no_features": [p.inputs["recall"] for p in pages],
        }[name]
        per_pub: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
        for page, src, kept in zip(pages, source, texts, strict=True):
            for kind, (hit, total) in _fundus_page(page.row, src, kept).items():
                cell = per_pub[page.row["publisher"]][kind]
                cell[0] += hit
                cell[1] += total
        for kind in ("paragraphs_kept", "captions_removed", "photo_credits_removed",
                     "authors_removed"):  # fmt: skip
            rates = [c[kind][0] / c[kind][1] for c in per_pub.values() if c[kind][1]]
            metrics[f"{name}.{kind}"] = round(statistics.fmean(rates), 4) if rates else None
            metrics[f"{name}.{kind}_present"] = sum(c[kind][1] for c in per_pub.values())
    metrics["publishers"] = len({p.row["publisher"] for p in pages})
    return metrics


SETS = {
    "boilerplate/zyte": run_zyte,
    "boilerplate/trafilatura": run_trafilatura,
    "boilerplate/fundus": run_fundus,
}

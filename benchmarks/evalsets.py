"""Readers and metrics for the evaluation folder (see the eval folder's README.md).

Nothing here copies evaluation data anywhere; every function reads from the folder it is
given. Stable names (other benchmarks import them): ``read_jsonl``, ``load_html``,
``visible_text``, ``ngram_prf``, ``aggregate_prf``, ``snippet_rates``.

- ``ngram_prf`` / ``aggregate_prf`` follow ScrapingHub's ``evaluate.py``: tokens are ``\\w+``
  matches (case kept), shingles are 4-token n-grams counted as a multiset (a text of fewer
  than n tokens is one shingle of all its tokens), per-page TP/FP/FN are normalised to sum
  1, precision is averaged over pages whose prediction has shingles, recall over pages whose
  gold has shingles, and F1 is the harmonic mean of the two averages.
- ``snippet_rates``: white-space-normalised substring match of ``with`` / ``without``
  snippets, returned as counts so that callers can micro-average over pages.
- ``visible_text``: all text a reader could see on the page, one line per block element;
  ``<head>``, ``script``, ``style``, ``noscript``, ``template``, ``svg`` and elements marked
  ``hidden`` are dropped. No boilerplate is removed: that is the classifier's job.
"""

from __future__ import annotations

import gzip
import json
import random
import re
import statistics
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from lxml import etree
from lxml import html as lxml_html

_TOKEN_RE = re.compile(r"\w+", re.UNICODE)
_SPACE_RE = re.compile(r"\s+")
_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.I)

_DROP = frozenset({"head", "script", "style", "noscript", "template", "svg", "iframe", "object"})
_BLOCK = frozenset(
    {
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "br",
        "caption",
        "dd",
        "details",
        "dialog",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "html",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
        "option",
        "button",
        "label",
        "select",
        "textarea",
    }
)


# ---------------------------------------------------------------- readers


def read_jsonl(path: Path | str) -> Iterator[dict[str, Any]]:
    """The rows of a JSONL file, in file order."""
    with Path(path).open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                row: dict[str, Any] = json.loads(line)
                yield row


def _declared_charset(raw: bytes) -> str | None:
    match = _CHARSET_RE.search(raw[:8192])
    if not match:
        return None
    name = match.group(1).decode("ascii", "replace").strip().lower()
    try:
        "".encode(name)
    except LookupError:
        return None
    return name


def load_html(set_dir: Path | str, row: dict[str, Any]) -> str:
    """The page of ``row`` (``html`` is relative to ``set_dir``), decoded with its declared
    charset (UTF-8 when none is declared; undecodable bytes are replaced)."""
    raw = gzip.decompress((Path(set_dir) / row["html"]).read_bytes())
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", "replace")
    charset = _declared_charset(raw) or "utf-8"
    try:
        return raw.decode(charset)
    except UnicodeDecodeError:
        return raw.decode("utf-8" if charset != "utf-8" else "cp1252", "replace")


# ---------------------------------------------------------------- visible text


def visible_text(page: str) -> str:
    """All visible text of an HTML page: one line per block, white space collapsed."""
    if not page.strip():
        return ""
    try:
        root = lxml_html.document_fromstring(page)
    except (etree.ParserError, ValueError):
        root = lxml_html.document_fromstring(page.encode("utf-8", "replace"))
    parts: list[str] = []
    # explicit stack instead of recursion: some pages nest thousands of elements deep
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, closing = stack.pop()
        tag = node.tag if isinstance(node.tag, str) else None
        name = tag.lower() if tag else ""
        if closing:
            if name in _BLOCK:
                parts.append("\n")
            if node.tail:
                parts.append(node.tail)
            continue
        if tag is None or name in _DROP or node.get("hidden") is not None:
            if node.tail:
                parts.append(node.tail)
            continue
        if name in _BLOCK:
            parts.append("\n")
        if node.text:
            parts.append(node.text)
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(node))
    lines = (_SPACE_RE.sub(" ", line).strip() for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)


# ---------------------------------------------------------------- 4-gram P/R/F1


class PageScore(NamedTuple):
    """One page's shingle scores. ``p`` is None when the prediction has no shingles and
    ``r`` is None when the gold has none (those pages are left out of the averages)."""

    p: float | None
    r: float | None
    f: float | None


def _shingles(text: str, n: int) -> Counter[tuple[str, ...]]:
    tokens = _TOKEN_RE.findall(text or "")
    grams = (tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)))
    return Counter(g for g in grams if g)


def ngram_prf(kept: str, gold: str, n: int = 4) -> PageScore:
    """ScrapingHub-style shingle precision, recall and F1 of ``kept`` against ``gold``."""
    true, pred = _shingles(gold, n), _shingles(kept, n)
    tp = float(sum((true & pred).values()))
    fp = float(sum((pred - true).values()))
    fn = float(sum((true - pred).values()))
    total = tp + fp + fn
    if total > 0:
        tp, fp, fn = tp / total, fp / total, fn / total
    p = (1.0 if fp == fn == 0 else tp / (tp + fp)) if tp + fp > 0 else None
    r = (1.0 if fp == fn == 0 else tp / (tp + fn)) if tp + fn > 0 else None
    f = 2 * p * r / (p + r) if p is not None and r is not None and p + r > 0 else None
    return PageScore(p, r, f)


def _prf(scores: Sequence[PageScore]) -> tuple[float, float, float]:
    ps = [s.p for s in scores if s.p is not None]
    rs = [s.r for s in scores if s.r is not None]
    p = statistics.fmean(ps) if ps else 0.0
    r = statistics.fmean(rs) if rs else 0.0
    return p, r, (2 * p * r / (p + r) if p + r > 0 else 0.0)


def aggregate_prf(scores: Sequence[PageScore], n_bootstrap: int = 200) -> dict[str, float]:
    """Averages over pages, as upstream, with a bootstrap 95% half-width for F1
    (fixed seed, so the output is deterministic)."""
    p, r, f = _prf(scores)
    out = {"precision": p, "recall": r, "f1": f, "pages": float(len(scores))}
    if len(scores) > 1 and n_bootstrap > 1:
        rng = random.Random(0)
        f1s = [_prf(rng.choices(scores, k=len(scores)))[2] for _ in range(n_bootstrap)]
        out["f1_ci95"] = 1.96 * statistics.stdev(f1s)
    return out


# ---------------------------------------------------------------- snippets


class SnippetCounts(NamedTuple):
    with_kept: int
    with_total: int
    without_removed: int
    without_total: int


def normalize_space(text: str) -> str:
    return _SPACE_RE.sub(" ", text).strip()


def tokens(text: str) -> list[str]:
    """``\\w+`` tokens, as the shingle metric uses them."""
    return _TOKEN_RE.findall(text or "")


def snippet_rates(kept: str, with_: Sequence[str], without: Sequence[str]) -> SnippetCounts:
    """How many ``with`` snippets are in ``kept`` and how many ``without`` snippets are not
    (white-space-normalised substring match). Sum the counts over pages to micro-average."""
    hay = normalize_space(kept)
    wanted = [normalize_space(s) for s in with_ if normalize_space(s)]
    unwanted = [normalize_space(s) for s in without if normalize_space(s)]
    return SnippetCounts(
        sum(1 for s in wanted if s in hay),
        len(wanted),
        sum(1 for s in unwanted if s not in hay),
        len(unwanted),
    )


def ratio(part: float, whole: float) -> float:
    return part / whole if whole else 0.0


# ---------------------------------------------------------------- trafilatura


def trafilatura_text(page: str, *, recall: bool) -> str:
    """trafilatura's plain-text extraction: its default settings (``recall=False``) or the
    recall-oriented input of our classifier (comments included, ``favor_recall``)."""
    import trafilatura  # optional extra `html`; imported here so readers work without it

    if recall:
        text = trafilatura.extract(page, include_comments=True, favor_recall=True)
    else:
        text = trafilatura.extract(page)
    return text or ""

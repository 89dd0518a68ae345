"""One article of the HTML report: its text with coloured spans, and the evidence cards.

Every string taken from the report or the texts goes through ``esc`` (``html.escape`` with
``quote=True``). Anchors are made from positions (``art-3``, ``art-3-s7``), never from ids.
"""

from __future__ import annotations

import html
from typing import Any

from provenance.match.align import word_diff
from provenance.render.safe import visible
from provenance.render.text import LABEL_ORDER, word_edits
from provenance.render.words import count

REASON_TEXT = {
    "read_also": "“Read also” / related-story link",
    "promo": "promotion (subscribe, newsletter, app)",
    "comments_marker": "start of the comments section",
    "reader_comment": "reader comment",
    "comment_widget": "comment widget (Reply, Delete, ...)",
    "byline": "byline",
    "caption": "photo caption",
    "photo_credit": "photo credit",
    "credit_line": "credit line",
    "dateline": "dateline",
    "share": "share buttons",
    "navigation": "site navigation",
    "footer": "page footer",
    "outlet_repeat": "line repeated across this outlet's articles",
    "generated_filler": "generated filler (text about the article itself)",
    "consent": "cookie / consent notice",
    "captcha": "captcha or blocked-access notice",
    "media_player": "media player message",
    "syndication": "syndication note",
    "press_contact": "press contact",
    "template": "sentence repeated across many outlets' pages, no story names or numbers",
}
UNKNOWN_FIRST = "unknown (publication dates missing or tied)"
QUOTE_LIMIT = 600  # characters of a matching passage shown in an evidence card


def esc(value: object) -> str:
    """Escape text for HTML content and attribute values (quotes included)."""
    return html.escape(str(value), quote=True)


def name_html(value: object) -> str:
    """A name from the data (id, title, outlet, date, author, URL) as HTML: escaped, with
    control and bidirectional override characters shown as escapes (``\\u202e``), so that a
    name cannot reorder or hide what is printed around it. Article text keeps its bidi marks
    (right-to-left scripts need them) and goes through ``esc`` alone."""
    return esc(visible(str(value)))


def pct(share: float) -> str:
    return f"{share * 100:.1f}%"


def bar(composition: dict[str, float], big: bool = False) -> str:
    described = ", ".join(f"{k} {pct(composition.get(k, 0.0))}" for k in LABEL_ORDER)
    segs = "".join(
        f'<span class="seg {k}" style="width:{composition.get(k, 0.0) * 100:.2f}%" '
        f'title="{k} {pct(composition.get(k, 0.0))}"></span>'
        for k in LABEL_ORDER
        if composition.get(k, 0.0) > 0
    )
    cls = "bar big" if big else "bar"
    return f'<div class="{cls}" role="img" aria-label="composition: {described}">{segs}</div>'


def nums(composition: dict[str, float]) -> str:
    items = "".join(
        f'<li><i class="seg {k}"></i>{k} {pct(composition.get(k, 0.0))}</li>' for k in LABEL_ORDER
    )
    return f'<ul class="nums">{items}</ul>'


def excerpt(text: str, limit: int = QUOTE_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class Page:
    """Lookups shared by the sections: anchors, article metadata, texts."""

    def __init__(self, data: dict[str, Any], texts: dict[str, str]) -> None:
        self.data = data
        self.texts = texts
        self.articles: dict[str, dict[str, Any]] = {a["id"]: a for a in data["articles"]}
        self.anchor = {a["id"]: f"art-{n}" for n, a in enumerate(data["articles"])}

    def name(self, article_id: str) -> str:
        a = self.articles.get(article_id)
        return (a.get("title") or article_id) if a else article_id

    def link(self, article_id: str, span_start: int | None = None) -> str:
        anchor = self.anchor.get(article_id)
        shown = name_html(article_id)
        if anchor is None:
            return f"<span>{shown}</span>"
        target = anchor
        if span_start is not None:
            for k, sp in enumerate(self.articles[article_id]["spans"]):
                if sp["start"] <= span_start < sp["end"] and sp["label"] != "original":
                    target = f"{anchor}-s{k}"
                    break
        return f'<a href="#{target}" title="{name_html(self.name(article_id))}">{shown}</a>'

    def who(self, article_id: str) -> str:
        """A link to the article, with its outlet and date when known."""
        a = self.articles.get(article_id, {})
        return " · ".join(
            [self.link(article_id)] + [name_html(a[k]) for k in ("outlet", "published") if a.get(k)]
        )


def _marks(article: dict[str, Any]) -> list[tuple[int, int, str, str]]:
    """Credit lines and cited-source mentions, marked inside the text (no overlaps)."""
    found = [
        (c["start"], c["end"], "credit", f"credit to {c['agency']} ({c['kind']})")
        for c in article["wire_credits"]
        if 0 <= c["start"] < c["end"]
    ]
    found += [
        (c["start"], c["end"], "cite", f"cites {c['agency']} as a source")
        for c in article["cited_sources"]
        if c["start"] < c["end"]
    ]
    kept: list[tuple[int, int, str, str]] = []
    for mark in sorted(found):
        if not kept or mark[0] >= kept[-1][1]:
            kept.append(mark)
    return kept


def _credit_marked(
    text: str, start: int, end: int, marks: list[tuple[int, int, str, str]], tag: str = "mark"
) -> str:
    """``text[start:end]`` escaped, with the sorted, disjoint ``marks`` (start, end, class,
    title) wrapped in ``<tag>`` (a fixed tag name, never text)."""
    out: list[str] = []
    pos = start
    for m_start, m_end, cls, title in marks:
        a, b = max(m_start, pos), min(m_end, end)
        if a >= b:
            continue
        out.append(esc(text[pos:a]))
        out.append(f'<{tag} class="{cls}" title="{esc(title)}">{esc(text[a:b])}</{tag}>')
        pos = b
    out.append(esc(text[pos:end]))
    return "".join(out)


def _highlighted(text: str, ranges: tuple[tuple[int, int], ...], tag: str, title: str) -> str:
    """``text`` escaped, cut at ``QUOTE_LIMIT``, with the words at ``ranges`` wrapped in
    ``<tag class="diff">`` (a fixed tag and class: nothing from the text reaches markup)."""
    shown = excerpt(text)
    limit = len(shown) if shown == text else len(shown) - 1
    marks = [(start, end, "diff", title) for start, end in ranges]
    return _credit_marked(text, 0, limit, marks, tag) + esc(shown[limit:])


def _source_card(page: Page, src: dict[str, Any], label: str, first: str | None, mine: str) -> str:
    """A matching passage of another article; where the words differ from ``mine`` (this
    span's text), the source's words that this text lacks and this text's words that the
    source lacks are highlighted (``align.word_diff``)."""
    other = page.texts.get(src["article_id"], "")
    quote = other[src["start"] : src["end"]]
    tag = ' <span class="first">had it first</span>' if src["article_id"] == first else ""
    words = src.get("words") or {}
    diff = word_diff(mine, quote) if quote and mine and any(words.values()) else None
    body = ""
    if diff is not None:
        body = (
            f'<blockquote class="quote {label}">'
            f"{_highlighted(quote, diff.source_ranges, 'del', 'not in this article')}</blockquote>"
            f'<p class="diff-note">this article: '
            f"{_highlighted(mine, diff.copy_ranges, 'ins', 'not in the source')}</p>"
        )
    elif quote:
        body = f'<blockquote class="quote {label}">{esc(excerpt(quote))}</blockquote>'
    edits = f" · {esc(word_edits(words))}" if words else ""
    return (
        f'<div class="src">{page.link(src["article_id"], src["start"])}'
        f"{' · ' + name_html(src['outlet']) if src['outlet'] else ''}"
        f"{' · ' + name_html(src['published']) if src['published'] else ''}{tag}"
        f"<br>score {src['score']:.1f} · {esc(src['grade'])}{edits} · characters "
        f"{src['start']}–{src['end']}" + body + "</div>"
    )


def _evidence(page: Page, article: dict[str, Any], k: int, text: str) -> str:
    sp = article["spans"][k]
    label = esc(sp["label"])
    rows: list[tuple[str, str]] = []
    if "reason" in sp:
        rows.append(("reason", esc(REASON_TEXT.get(sp["reason"], sp["reason"]))))
    if "rule" in sp:
        rows.append(("rule", f"<code>{esc(sp['rule'])}</code>"))
    if "agency" in sp:
        rows.append(("agency", f"<b>{esc(sp['agency'])}</b>"))
    if "evidence" in sp:
        how = "explicit credit" if sp["evidence"] == "credit" else "aligned with a wire article"
        rows.append(("evidence", how))
    credit = sp.get("credit")
    if credit:
        where = "from metadata" if credit["start"] < 0 else f"at {credit['start']}–{credit['end']}"
        rows.append(
            (
                "credit line",
                f'<mark class="credit">{esc(credit["text"])}</mark> ({esc(credit["kind"])}, '
                f"{where}); covers {credit['block_start']}–{credit['block_end']}",
            )
        )
    if sp.get("credit_mismatch"):
        rows.append(
            (
                "credit mismatch",
                "aligned with a wire article of <b>"
                + esc(", ".join(sp["credit_mismatch"]))
                + "</b>, which the credit does not name",
            )
        )
    first = sp.get("first")
    if first is not None:
        had = (
            page.who(first)
            if first in page.articles
            else esc(UNKNOWN_FIRST if first == "unknown" else first)
        )
        rows.append(("first", had))
    dl = "".join(f"<dt>{esc(k_)}</dt><dd>{v}</dd>" for k_, v in rows)
    mine = text[sp["start"] : sp["end"]]
    sources = "".join(_source_card(page, s, label, first, mine) for s in sp.get("sources", []))
    if label in ("wire", "shared") and "sources" in sp and not sp["sources"]:
        sources = '<p class="empty">no matching article recorded</p>'
    gist = excerpt(" ".join(text[sp["start"] : sp["end"]].split()), 160)
    return (
        f'<li class="ev" id="{page.anchor[article["id"]]}-e{k}">'
        f'<div class="head"><span class="badge {label}">{label}</span>'
        f'<span class="where">characters {sp["start"]}–{sp["end"]}</span></div>'
        f'<p class="excerpt">“{esc(gist)}”</p>'
        f"<dl>{dl}</dl>{sources}</li>"
    )


def _heading(article: dict[str, Any]) -> str:
    """The title; without one, the article's id and the word "untitled" (never a sentence of
    the text cut to fit, which reads as a title that is not there)."""
    if article.get("title"):
        return name_html(article["title"])
    return f'{name_html(article["id"])} <span class="untitled">(untitled)</span>'


def paragraphs(text: str) -> int:
    """Paragraphs as a reader counts them: the non-blank lines."""
    return sum(1 for line in text.splitlines() if line.strip())


def _more(aid: str, text: str) -> str:
    """The "show all N paragraphs" button of a long text. It starts hidden: the script
    collapses a text only when it is much taller than the collapsed height, and then shows
    the button; without the script every text stays expanded."""
    label = f"Show all {count(paragraphs(text), 'paragraph')}"
    return (
        f'<button type="button" class="more" aria-controls="{aid}-text" aria-expanded="true" '
        f'data-label="{esc(label)}" hidden>{esc(label)}</button>'
    )


def article(page: Page, article: dict[str, Any]) -> str:
    aid = page.anchor[article["id"]]
    text = page.texts.get(article["id"])
    meta = [f'<span class="id">{name_html(article["id"])}</span>']
    meta += [name_html(article[k]) for k in ("outlet", "published") if article.get(k)]
    if article["authors"]:
        meta.append("by " + name_html(", ".join(article["authors"])))
    if article["source_kind"] != "outlet":
        meta.append(esc(article["source_kind"]))
    if article.get("language"):
        meta.append(esc(article["language"]))
    url = article.get("url") or ""
    if url.lower().startswith(("https://", "http://")):
        meta.append(f'<a href="{esc(url)}" rel="noopener noreferrer">{name_html(url)}</a>')
    elif url:
        meta.append(name_html(url))
    flags = [
        f'<li><b>{esc(c["agency"])}</b> credit: <mark class="credit">{esc(c["text"])}</mark></li>'
        for c in article["wire_credits"]
    ]
    flags += [
        f"<li>cites <b>{esc(c['agency'])}</b>: “{esc(c['text'])}”</li>"
        for c in article["cited_sources"]
    ]
    flags += [
        f"<li>near-duplicate of {page.link(d['article_id'])} "
        f"(similarity {d['similarity']:.1f})</li>"
        for d in article["duplicates"]
    ]
    parts = [
        f'<article class="doc card" id="{aid}" aria-labelledby="{aid}-h">',
        f'<h3 id="{aid}-h">{_heading(article)}</h3>',
        f'<p class="meta">{"".join(f"<span>{m}</span>" for m in meta)}</p>',
        bar(article["composition"]),
        nums(article["composition"]),
    ]
    if flags:
        parts.append(f'<ul class="flags">{"".join(flags)}</ul>')
    if text is None:
        parts.append('<p class="empty">The text of this article was not given.</p></article>')
        return "".join(parts)
    marks = _marks(article)
    from provenance.render import html_quotes

    found_quotes = html_quotes.occurrences(page, article["id"])
    quote_marks = html_quotes.marks(aid, found_quotes)

    def _marked(text: str, start: int, end: int, marks: list[tuple[int, int, str, str]]) -> str:
        return html_quotes.quoted(
            text, start, end, quote_marks, lambda a, b: _credit_marked(text, a, b, marks)
        )

    body: list[str] = []
    cards: list[str] = []
    pos = 0
    for k, sp in enumerate(article["spans"]):
        start, end = max(sp["start"], pos), min(sp["end"], len(text))
        if start > pos:
            body.append(_marked(text, pos, start, marks))
        if end <= start:
            continue
        inner = _marked(text, start, end, marks)
        if sp["label"] == "original":
            body.append(inner)
        else:
            body.append(
                f'<span class="sp {esc(sp["label"])}" id="{aid}-s{k}" tabindex="0" '
                f'data-ev="{aid}-e{k}" aria-describedby="{aid}-e{k}">{inner}</span>'
            )
            cards.append(_evidence(page, article, k, text))
        pos = end
    if pos < len(text):
        body.append(_marked(text, pos, len(text), marks))
    lang = esc(article.get("language") or "")
    parts.append(f'<div class="text" id="{aid}-text" lang="{lang}">{"".join(body)}</div>')
    parts.append(_more(aid, text))
    if cards:
        parts.append(
            f'<details class="evidence"><summary>Evidence for '
            f"{count(len(cards), 'marked passage')}</summary>"
            f'<ol class="ev-list">{"".join(cards)}</ol></details>'
        )
    parts.append(html_quotes.cards(page, found_quotes, aid))
    parts.append("</article>")
    return "\n".join(parts)

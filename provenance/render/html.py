"""The report as one self-contained HTML page that a reader can look at.

The page makes no network request: styles and script are inlined from ``report.css`` and
``report.js`` next to this module, there are no fonts, images or external resources, and a
Content-Security-Policy forbids every load (``default-src 'none'``), allowing only inline
styles and the one inline script, by its hash. Every piece of article text and metadata goes
through ``html.escape(quote=True)`` (see ``html_article.esc``); the report data embedded for
scripts sits in a ``<script type="application/json">`` with ``<``, ``>``, ``&``, U+2028 and
U+2029 escaped, so no article can close the element. Links to article URLs are only made for
http(s) URLs.

Output is deterministic: the same report and texts give byte-identical HTML.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections import defaultdict
from datetime import UTC, datetime
from importlib import resources
from typing import Any

from provenance.model import parse_instant
from provenance.render.data import claims_by_confidence, link_evidence
from provenance.render.html_article import (
    UNKNOWN_FIRST,
    Page,
    article,
    bar,
    esc,
    excerpt,
    name_html,
    nums,
    pct,
)
from provenance.render.text import LABEL_ORDER
from provenance.render.words import count, plural

LABEL_HELP = {
    "boilerplate": "Not part of the story: bylines, captions, credit lines, “Read also” links, "
    "newsletter pitches, reader comments, generated filler.",
    "wire": "Copied from or credited to a wire agency (AP, Reuters, Yonhap, Newsis, TASS, ...).",
    "shared": "Also found in another outlet's article, with no wire source known; "
    "the card says who had it first.",
    "original": "Everything else: the outlet's own reporting (green in the bars).",
}


# Characters JSON may carry raw that must not be raw inside ``<script>`` (markup, and line
# separators that end a JavaScript line) or in the page's source as a reader sees it
# (bidirectional controls that reorder the line): written as ``\\uXXXX`` escapes, which JSON
# reads back as the same characters.
_SCRIPT_ESCAPE = re.compile("[&<>\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def script_json(data: Any) -> str:
    """JSON that is safe inside ``<script>``: no ``</script>``, ``<!--``, line separators or
    raw bidirectional controls."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return _SCRIPT_ESCAPE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)


def _asset(name: str) -> str:
    return resources.files("provenance.render").joinpath(name).read_text("utf-8")


def content_security_policy(script: str) -> str:
    """No loads at all; inline styles; only the script whose SHA-256 is given runs."""
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    return (
        "default-src 'none'; style-src 'unsafe-inline'; "
        f"script-src 'sha256-{digest}'; base-uri 'none'; form-action 'none'"
    )


def _section(anchor: str, title: str, body: str) -> str:
    return f'<section id="{anchor}"><h2>{title}</h2><div class="card">{body}</div></section>'


# --- the corpus overview ----------------------------------------------------------------------


def _by_instant(article: dict[str, Any]) -> tuple[bool, datetime, str]:
    """Undated articles last; the others by the instant they were published (a date alone is
    00:00 UTC, as ``model.parse_instant`` says), not by the spelling of the date."""
    instant = parse_instant(article.get("published") or "")
    return (instant is None, instant or datetime.min.replace(tzinfo=UTC), article["id"])


def _by_outlet(page: Page) -> str:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for a in page.data["articles"]:
        groups[a.get("outlet") or ""].append(a)
    rows: list[str] = []
    for outlet in sorted(groups, key=lambda o: (o == "", o.casefold(), o)):
        arts = sorted(groups[outlet], key=_by_instant)
        name = name_html(outlet) if outlet else "<i>outlet unknown</i>"
        rows.append(f'<tr class="group"><td colspan="5">{name} · {len(arts)}</td></tr>')
        for a in arts:
            rows.append(
                f"<tr><td>{name_html(a.get('published') or '—')}</td>"
                f"<td>{page.link(a['id'])}<br><small>{name_html(a.get('title') or '')}</small></td>"
                f'<td class="num">{a["length"]}</td>'
                f"<td>{bar(a['composition'])}</td>"
                f'<td class="num">{pct(a["composition"]["original"])}</td></tr>'
            )
    return (
        '<div class="scroll"><table><thead><tr><th>published</th><th>article</th>'
        '<th class="num">characters</th><th>composition</th><th class="num">original</th>'
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )


def _matrix(page: Page) -> str:
    cells = page.data["outlets"]
    if not cells:
        return '<p class="empty">No passage of one outlet matches another outlet’s text.</p>'
    names = sorted({c["outlet"] or "" for c in cells} | {c["source_outlet"] or "" for c in cells})
    grid = {(c["outlet"] or "", c["source_outlet"] or ""): c for c in cells}
    peak = max(c["characters"] for c in cells) or 1

    def head(name: str) -> str:
        return name_html(name) if name else "<i>unknown</i>"

    rows = []
    for row in names:
        tds = []
        for col in names:
            c = grid.get((row, col))
            self_cls = " self" if row == col else ""
            if c is None:
                tds.append(f'<td class="cell{self_cls}">·</td>')
                continue
            tds.append(
                f'<td class="cell{self_cls}" style="--heat:{c["characters"] / peak:.3f}" '
                f'title="{count(c["matches"], "match")}">{c["characters"]}</td>'
            )
        rows.append(f'<tr><th scope="row">{head(row)}</th>{"".join(tds)}</tr>')
    cols = "".join(f'<th scope="col" class="num">{head(n)}</th>' for n in names)
    return (
        '<p class="lede">Characters of the row outlet’s text that match text of the column '
        'outlet (hover a cell for the number of matches).</p><div class="scroll">'
        f'<table class="matrix"><thead><tr><th>outlet ↓ / source →</th>{cols}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _claim_rows(page: Page, claims: list[dict[str, Any]]) -> str:
    rows = []
    for c in claims:
        outlets = sorted({o["outlet"] or "outlet unknown" for o in c["occurrences"]})
        chips = "".join(f'<span class="chip">{name_html(o)}</span>' for o in outlets)
        occ = "<br>".join(
            page.link(o["article_id"], o["start"])
            + (f" [{name_html(o['language'])}]" if o["language"] else "")
            + f" — {esc(link_evidence(o))}"
            for o in c["occurrences"]
        )
        first = c["first"]
        had = page.who(first) if first in page.articles else esc(UNKNOWN_FIRST)
        rows.append(
            f"<tr><td>“{esc(excerpt(c['text'], 280))}”</td><td>{chips}<br><small>{occ}"
            f"</small></td><td>{had}</td></tr>"
        )
    return (
        '<div class="scroll"><table><thead><tr><th>claim</th><th>carried by (why linked)</th>'
        f"<th>first appearance</th></tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )


def _claims(page: Page) -> str:
    if not page.data["claims"]:
        return '<p class="empty">No claim is repeated across outlets.</p>'
    parts = []
    for kind, claims in claims_by_confidence(page.data):
        if not claims:
            continue
        title = (
            "Strong"
            if kind == "strong"
            else "Possible <small>(weaker evidence: check before use)</small>"
        )
        parts.append(f'<h3 class="claims-{kind}">{title}</h3>{_claim_rows(page, claims)}')
    return "".join(parts)


def _clusters(page: Page) -> str:
    clusters = page.data["clusters"]
    if not clusters:
        return '<p class="empty">No near-duplicate articles.</p>'
    items = []
    for n, ids in enumerate(clusters, start=1):
        members = "".join(f"<li>{page.who(i)} — {name_html(page.name(i))}</li>" for i in ids)
        items.append(f"<li>Cluster {n} ({len(ids)} articles)<ul>{members}</ul></li>")
    return f"<ol>{''.join(items)}</ol>"


LABEL_CUE = {
    "boilerplate": "grey, dotted underline",
    "wire": "blue, solid underline",
    "shared": "amber, dashed underline",
    "original": "plain text",
}


def _legend() -> str:
    """Each cue of the article texts, shown as it looks, with the one thing it means."""
    rows = "".join(
        f'<div><span class="swatch {k}"></span><p><b>{k}</b> '
        + (f'<span class="cue {k}">{LABEL_CUE[k]}</span>' if k != "original" else LABEL_CUE[k])
        + f" — {esc(LABEL_HELP[k])}</p></div>"
        for k in LABEL_ORDER
    )
    hint = (
        '<p class="hint"><mark class="credit">Bold</mark> text is a wire credit line '
        '(“[서울=뉴시스]”, “(AP)”). <mark class="cite">Boxed</mark> text cites an agency as '
        "a source (citing is not copying). The bars use the swatch colours. Hover, click or "
        "focus (Tab) a marked passage to see its evidence; Enter pins the card, Escape closes "
        "it. A long article starts collapsed: “Show all N paragraphs” expands it.</p>"
    )
    return (
        '<section class="card" id="legend" aria-label="Legend">'
        f'<div class="legend">{rows}{hint}</div></section>'
    )


def render(data: dict[str, Any], texts: dict[str, str]) -> str:
    """The whole page. ``data`` is the report dict, ``texts`` maps article id to its text."""
    page = Page(data, texts)
    script = _asset("report.js")
    s = data["summary"]
    stats = [
        (s["articles"], "article"),
        (s["characters"], "character"),
        (s["matches"], "cross-article match"),
        (s["claims"], "claim group"),
        (s["clusters"], "duplicate cluster"),
    ]
    articles = "\n".join(article(page, a) for a in data["articles"])
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            '<meta http-equiv="Content-Security-Policy" '
            f'content="{esc(content_security_policy(script))}">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            '<meta name="referrer" content="no-referrer">',
            f"<title>Provenance report · {count(s['articles'], 'article')}</title>",
            f"<style>{_asset('report.css')}</style></head><body>",
            '<a class="skip" href="#articles">Skip to the articles</a>',
            '<header class="top"><span class="brand">news-provenance</span>'
            '<nav aria-label="Sections">'
            '<a href="#overview">Overview</a><a href="#reuse">Reuse</a><a href="#claims">Claims</a>'
            '<a href="#clusters">Duplicates</a><a href="#articles">Articles</a></nav></header>',
            '<main><section id="overview"><h1>Provenance report</h1>',
            f'<p class="lede">Where each passage of {count(s["articles"], "article")} came from: '
            "boilerplate, wire copy, text shared with other outlets, or original reporting. "
            f"news-provenance {esc(data['tool']['version'])}, report schema "
            f"{esc(data['schema_version'])}.</p>",
            '<ul class="stats">'
            + "".join(f"<li><b>{n:,}</b><span>{esc(plural(t, n))}</span></li>" for n, t in stats)
            + "</ul>",
            f'<div class="card"><b>Whole corpus</b>{bar(s["composition"], big=True)}'
            f"{nums(s['composition'])}</div>",
            _legend(),
            f'<h2>Articles by outlet and date</h2><div class="card">{_by_outlet(page)}</div>',
            "</section>",
            _section("reuse", "Outlet-by-outlet reuse", _matrix(page)),
            _section("claims", "Claims repeated across outlets", _claims(page)),
            _section("clusters", "Near-duplicate clusters", _clusters(page)),
            f'<section id="articles"><h2>Articles</h2>{articles}</section>',
            '<footer class="foot">Generated by news-provenance. This page is self-contained '
            "and makes no network requests.</footer></main>",
            '<div id="tip" role="tooltip" hidden></div>',
            f'<script type="application/json" id="report-data">{script_json(data)}</script>',
            f"<script>{script}</script>",
            "</body></html>",
            "",
        ]
    )

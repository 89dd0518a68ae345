"""Quotations in the HTML report: marked in the article text, with a card (on hover, click
or focus, like the passage cards) that names the speaker and every other article printing
the quotation, altered words highlighted. All text goes through ``esc``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from provenance.render.html_article import UNKNOWN_FIRST, Page, esc, excerpt, name_html

Marks = list[tuple[int, int, str]]  # (start, end, card id) of the quotations of one article

RESOLVED = {
    "pronoun": "resolved from a pronoun",
    "role": "resolved from a role",
    "surname": "full name from earlier in the text",
    "continuation": "same speaker as the quotation before (broken quotation)",
}


def occurrences(page: Page, article_id: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(group, occurrence) of every quotation in one article, in text order."""
    found = [
        (q, o)
        for q in page.data.get("quotes", [])
        for o in q["occurrences"]
        if o["article_id"] == article_id
    ]
    return sorted(found, key=lambda e: (e[1]["start"], e[1]["end"]))


def marks(anchor: str, found: list[tuple[dict[str, Any], dict[str, Any]]]) -> Marks:
    out: Marks = []
    for n, (_, o) in enumerate(found):
        if not out or o["start"] >= out[-1][1]:
            out.append((o["start"], o["end"], f"{anchor}-q{n}"))
    return out


def quoted(text: str, start: int, end: int, quotes: Marks, inner: Callable[[int, int], str]) -> str:
    """``text[start:end]`` with its quotations wrapped in focusable marks; ``inner`` renders
    the pieces (credit and citation marks)."""
    out: list[str] = []
    pos = start
    for q_start, q_end, card in quotes:
        a, b = max(q_start, start), min(q_end, end)
        if a >= b:
            continue
        out.append(inner(pos, a))
        out.append(
            f'<mark class="qt" tabindex="0" data-ev="{card}" aria-describedby="{card}">'
            f"{inner(a, b)}</mark>"
        )
        pos = b
    out.append(inner(pos, end))
    return "".join(out)


def _highlighted(text: str, occ: dict[str, Any]) -> str:
    """The occurrence's quotation with the words it changed in ``<ins>``."""
    pos, out = occ["start"], []
    for c in sorted(occ["changes"], key=lambda c: c["start"]):
        if c["end"] <= c["start"] or c["start"] < pos:
            continue
        out.append(esc(text[pos : c["start"]]))
        added = esc(text[c["start"] : c["end"]])
        out.append(f'<ins title="instead of “{esc(c["removed"])}”">{added}</ins>')
        pos = c["end"]
    out.append(esc(text[pos : occ["end"]]))
    return "".join(out)


def _removed(occ: dict[str, Any]) -> str:
    gone = [c["removed"] for c in occ["changes"] if c["removed"]]
    return "".join(f" <del>{esc(excerpt(w, 120))}</del>" for w in gone)


def _card(page: Page, group: dict[str, Any], occ: dict[str, Any], card: str) -> str:
    rows = []
    speaker = esc(occ["speaker"] or "not found")
    text = page.texts.get(occ["article_id"], "")
    if occ["speaker_start"] >= 0:
        said = text[occ["speaker_start"] : occ["speaker_end"]]
        if said and said != occ["speaker"]:
            speaker += f" (“{esc(said)}”)"
    if occ["resolved"]:
        speaker += f" <small>{esc(RESOLVED.get(occ['resolved'], occ['resolved']))}</small>"
    rows.append(("speaker", speaker))
    if group["speaker"] and group["speaker"] != occ["speaker"]:
        rows.append(("group speaker", esc(group["speaker"])))
    first = group["first"]
    if len(group["occurrences"]) > 1:
        had = page.who(first) if first in page.articles else esc(UNKNOWN_FIRST)
        rows.append(("first", had))
    if group["flags"]:
        rows.append(("flags", esc(", ".join(group["flags"]))))
    if occ["changes"]:
        rows.append(("altered", f"{_highlighted(text, occ)}{_removed(occ)}"))
    dl = "".join(f"<dt>{esc(k)}</dt><dd>{v}</dd>" for k, v in rows)
    others = [o for o in group["occurrences"] if o is not occ]
    srcs = "".join(
        f'<div class="src">{page.link(o["article_id"])}'
        f"{' · ' + name_html(o['outlet']) if o['outlet'] else ''}"
        f"{' · ' + name_html(o['published']) if o['published'] else ''} · "
        f"{esc(o['speaker'] or 'speaker not found')} · score {o['score']:.1f}"
        f"{' · truncated' if o['truncated'] else ''}"
        f'<blockquote class="quote">{_highlighted(page.texts.get(o["article_id"], ""), o)}'
        f"{_removed(o)}</blockquote></div>"
        for o in others
    )
    if not others:
        srcs = '<p class="empty">no other article prints this quotation</p>'
    return (
        f'<li class="ev" id="{card}"><div class="head"><span class="badge quote">quotation</span>'
        f'<span class="where">characters {occ["start"]}–{occ["end"]}</span></div>'
        f'<p class="excerpt">{esc(excerpt(" ".join(group["text"].split()), 160))}</p>'
        f"<dl>{dl}</dl>{srcs}</li>"
    )


def cards(page: Page, found: list[tuple[dict[str, Any], dict[str, Any]]], anchor: str) -> str:
    """The article's list of quotation cards (the tooltip copies them)."""
    if not found:
        return ""
    items = "".join(_card(page, g, o, f"{anchor}-q{n}") for n, (g, o) in enumerate(found))
    plural = "s" if len(found) != 1 else ""
    return (
        f'<details class="evidence quotes"><summary>{len(found)} quotation{plural}</summary>'
        f'<ol class="ev-list">{items}</ol></details>'
    )

"""The report as Markdown, for pasting into a review."""

from __future__ import annotations

from typing import Any

from provenance.render.data import claims_by_confidence, link_evidence
from provenance.render.quotes_text import markdown_lines
from provenance.render.safe import markdown
from provenance.render.text import (
    LABEL_ORDER,
    article_with_outlet,
    first_text,
    snippet,
    strongest_matches,
    word_edits,
)
from provenance.render.words import count


def _cell(value: object) -> str:
    """Article data as inline Markdown: shown literally, never as HTML, links or markup."""
    return markdown(str(value if value is not None else "—"))


def _quote(text: str, limit: int = 160) -> str:
    return _cell(snippet(text, limit))


def _lang(occurrence: dict[str, Any]) -> str:
    return f" [{occurrence['language']}]" if occurrence["language"] else ""


def render(data: dict[str, Any], texts: dict[str, str]) -> str:
    s = data["summary"]
    out = [
        "# Provenance report",
        "",
        f"{count(s['articles'], 'article')}, {count(s['characters'], 'character')}; "
        f"{count(s['matches'], 'cross-article match')}, {count(s['claims'], 'claim group')}, "
        f"{count(s['clusters'], 'duplicate cluster')} (news-provenance {data['tool']['version']}).",
        "",
        "| article | outlet | published | " + " | ".join(LABEL_ORDER) + " |",
        "|---|---|---|" + "---:|" * len(LABEL_ORDER),
    ]
    for a in data["articles"]:
        comp = a["composition"]
        out.append(
            f"| {_cell(a['id'])} | {_cell(a['outlet'])} | {_cell(a['published'])} | "
            + " | ".join(f"{comp[k] * 100:.1f}%" for k in LABEL_ORDER)
            + " |"
        )
    matches = strongest_matches(data)
    if matches:
        out += [
            "",
            "## Strongest cross-outlet matches",
            "",
            "| score | grade | article | text | source | source text |",
            "|---:|---|---|---|---|---|",
        ]
        for m in matches:
            a, b = m["a"], m["b"]
            a_text = texts.get(a["id"], "")[a["start"] : a["end"]]
            b_text = texts.get(b["id"], "")[b["start"] : b["end"]]
            a_name = _cell(article_with_outlet(a["id"], a["outlet"]))
            b_name = _cell(article_with_outlet(b["id"], b["outlet"]))
            out.append(
                f"| {m['score']:.2f} | {m['grade']} ({word_edits(m['words'])}) | {a_name} "
                f"{a['start']}–{a['end']} | {_quote(a_text)} "
                f"| {b_name} {b['start']}–{b['end']} | "
                f"{_quote(b_text)} |"
            )
    for a in data["articles"]:
        flagged = [sp for sp in a["spans"] if sp["label"] != "original"]
        if not flagged:
            continue
        text = texts.get(a["id"], "")
        out += [
            "",
            f"## {_cell(article_with_outlet(a['id'], a['outlet']))}",
            "",
            "| span | label | evidence | text |",
            "|---|---|---|---|",
        ]
        for sp in flagged:
            evidence = sp.get("reason") or sp.get("agency") or ""
            if sp["label"] == "shared":
                evidence = "first: " + first_text(sp.get("first"))
            out.append(
                f"| {sp['start']}–{sp['end']} | {_cell(sp['label'])} | {_cell(evidence)} | "
                f"{_quote(text[sp['start'] : sp['end']])} |"
            )
    out += ["", "## Claims repeated across outlets"]
    if not data["claims"]:
        out += ["", "None found."]
    for kind, claims in claims_by_confidence(data):
        if not claims:
            continue
        title = "Strong" if kind == "strong" else "Possible (weaker evidence: check before use)"
        out += [
            "",
            f"### {title}",
            "",
            "| claim | occurrences (why linked) | first |",
            "|---|---|---|",
        ]
        for c in claims:
            occ = "<br>".join(
                _cell(
                    article_with_outlet(o["article_id"], o["outlet"])
                    + (f" [{o['language']}]" if o["language"] else "")
                    + f": {link_evidence(o)}"
                )
                for o in c["occurrences"]
            )
            out.append(f"| {_quote(c['text'])} | {occ} | {_cell(first_text(c['first']))} |")
    if data["outlets"]:
        out += [
            "",
            "## Outlet reuse",
            "",
            "| outlet | source outlet | characters | matches |",
            "|---|---|---:|---:|",
        ]
        for row in data["outlets"]:
            out.append(
                f"| {_cell(row['outlet'])} | {_cell(row['source_outlet'])} | "
                f"{row['characters']} | {row['matches']} |"
            )
    if data["clusters"]:
        out += ["", "## Near-duplicate clusters", ""]
        out += [f"- {_cell(', '.join(cluster))}" for cluster in data["clusters"]]
    out += markdown_lines(data)
    return "\n".join(out) + "\n"

"""The report as Markdown, for pasting into a review."""

from __future__ import annotations

from typing import Any

from provenance.render.safe import markdown
from provenance.render.text import LABEL_ORDER, snippet, strongest_matches


def _cell(value: object) -> str:
    """Article data as inline Markdown: shown literally, never as HTML, links or markup."""
    return markdown(str(value if value is not None else "—"))


def _quote(text: str, limit: int = 160) -> str:
    return _cell(snippet(text, limit))


def render(data: dict[str, Any], texts: dict[str, str]) -> str:
    s = data["summary"]
    out = [
        "# Provenance report",
        "",
        f"{s['articles']} articles, {s['characters']} characters; {s['matches']} matches, "
        f"{s['claims']} claim groups, {s['clusters']} duplicate clusters "
        f"(news-provenance {data['tool']['version']}).",
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
            out.append(
                f"| {m['score']:.2f} | {m['grade']} | {_cell(a['id'])} ({_cell(a['outlet'])}) "
                f"{a['start']}–{a['end']} | {_quote(a_text)} "
                f"| {_cell(b['id'])} ({_cell(b['outlet'])}) {b['start']}–{b['end']} | "
                f"{_quote(b_text)} |"
            )
    for a in data["articles"]:
        flagged = [sp for sp in a["spans"] if sp["label"] != "original"]
        if not flagged:
            continue
        text = texts.get(a["id"], "")
        out += [
            "",
            f"## {_cell(a['id'])}",
            "",
            "| span | label | evidence | text |",
            "|---|---|---|---|",
        ]
        for sp in flagged:
            evidence = sp.get("reason") or sp.get("agency") or ""
            if sp["label"] == "shared":
                evidence = "first: " + sp["first"]
            out.append(
                f"| {sp['start']}–{sp['end']} | {_cell(sp['label'])} | {_cell(evidence)} | "
                f"{_quote(text[sp['start'] : sp['end']])} |"
            )
    if data["claims"]:
        out += [
            "",
            "## Claims repeated across outlets",
            "",
            "| claim | outlets | first |",
            "|---|---|---|",
        ]
        for c in data["claims"]:
            outlets = sorted({o["outlet"] or o["article_id"] for o in c["occurrences"]})
            out.append(
                f"| {_quote(c['text'])} | {_cell(', '.join(outlets))} | {_cell(c['first'])} |"
            )
    else:
        out += ["", "## Claims repeated across outlets", "", "None found by lexical matching."]
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
    return "\n".join(out) + "\n"

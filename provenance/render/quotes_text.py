"""The quotations section of the text and Markdown reports: quotations listed by speaker."""

from __future__ import annotations

from typing import Any

from provenance.render.safe import markdown
from provenance.render.text import snippet

NO_SPEAKER = "speaker not found"


def by_speaker(data: dict[str, Any]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Quote groups under their speaker (names in alphabetical order, unknown last)."""
    found: dict[str, list[dict[str, Any]]] = {}
    for q in data.get("quotes", []):
        found.setdefault(q["speaker"] or "", []).append(q)
    order = sorted(found, key=lambda s: (s == "", s.casefold(), s))
    return [(s or NO_SPEAKER, found[s]) for s in order]


def _where(q: dict[str, Any]) -> str:
    ids = sorted({o["article_id"] for o in q["occurrences"]})
    first = f"; first: {q['first']}" if len(ids) > 1 else ""
    flags = f"; {', '.join(q['flags'])}" if q["flags"] else ""
    return f"in {', '.join(ids)}{first}{flags}"


def _changes(q: dict[str, Any]) -> list[str]:
    return [
        f"{o['article_id']}: “{c['removed']}” → “{c['added']}”"
        for o in q["occurrences"]
        for c in o["changes"]
    ]


def text_lines(data: dict[str, Any]) -> list[str]:
    groups = by_speaker(data)
    lines = ["", f"Quotations by speaker ({len(data.get('quotes', []))}):"]
    if not groups:
        lines.append("  none found")
    for speaker, quotes in groups:
        lines.append(f"  {speaker}")
        for q in quotes:
            lines.append(f"    “{snippet(q['text'], 80)}” {_where(q)}")
            lines += [f"        altered in {c}" for c in _changes(q)]
    return lines


def _cell(value: str) -> str:
    """Article data as inline Markdown: shown literally, never as HTML, links or markup."""
    return markdown(value)


def markdown_lines(data: dict[str, Any]) -> list[str]:
    groups = by_speaker(data)
    out = ["", "## Quotations by speaker", ""]
    if not groups:
        return [*out, "No direct quotation found."]
    out += ["| speaker | quotation | where | changes |", "|---|---|---|---|"]
    for speaker, quotes in groups:
        for q in quotes:
            out.append(
                f"| {_cell(speaker)} | “{_cell(snippet(q['text'], 160))}” | {_cell(_where(q))} "
                f"| {_cell('; '.join(_changes(q)))} |"
            )
    return out

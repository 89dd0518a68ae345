"""The terminal summary: composition per article, strongest matches, claim groups."""

from __future__ import annotations

from typing import Any

LABEL_ORDER = ("boilerplate", "wire", "shared", "original")


def _pct(share: float) -> str:
    return f"{share * 100:5.1f}%"


def _snippet(text: str, limit: int = 90) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def render(data: dict[str, Any], texts: dict[str, str]) -> str:
    """``data`` is the report dict, ``texts`` maps article id to its text (for snippets)."""
    summary = data["summary"]
    lines = [
        f"news-provenance {data['tool']['version']}: {summary['articles']} articles, "
        f"{summary['characters']} characters, {summary['matches']} cross-article matches, "
        f"{summary['claims']} claim groups, {summary['clusters']} duplicate clusters",
        "",
        "corpus  " + "  ".join(f"{k} {_pct(summary['composition'][k])}" for k in LABEL_ORDER),
        "",
        f"{'article':<28} {'outlet':<16} " + " ".join(f"{k[:11]:>11}" for k in LABEL_ORDER),
    ]
    for art in data["articles"]:
        comp = art["composition"]
        outlet = (art["outlet"] or "-")[:16]
        lines.append(
            f"{art['id'][:28]:<28} {outlet:<16} "
            + " ".join(f"{_pct(comp[k]):>11}" for k in LABEL_ORDER)
        )
    for art in data["articles"]:
        text = texts.get(art["id"], "")
        flagged = [s for s in art["spans"] if s["label"] != "original"]
        if not flagged and not art["cited_sources"]:
            continue
        lines += ["", f"== {art['id']} ({art['outlet'] or 'outlet unknown'})"]
        for span in flagged:
            detail = span.get("reason") or span.get("agency") or ""
            if span["label"] == "shared":
                ids = ", ".join(sorted({s["article_id"] for s in span["sources"]}))
                detail = f"also in {ids}; first: {span['first']}"
            elif span.get("evidence"):
                detail = f"{span['agency']} ({span['evidence']})"
            lines.append(
                f"  [{span['start']:>5}-{span['end']:<5}] {span['label']:<11} "
                f"{detail:<24} {_snippet(text[span['start'] : span['end']], 60)}"
            )
        for cited in art["cited_sources"]:
            lines.append(f"  cites {cited['agency']}: {_snippet(cited['text'], 60)}")
    if data["claims"]:
        lines += ["", "Claims repeated across outlets:"]
        for claim in data["claims"]:
            outlets = sorted({o["outlet"] or o["article_id"] for o in claim["occurrences"]})
            lines.append(f"  {claim['id']}: {_snippet(claim['text'])}")
            lines.append(
                f"      in {len(claim['occurrences'])} articles ({', '.join(outlets)}); "
                f"first: {claim['first']}"
            )
    return "\n".join(lines) + "\n"

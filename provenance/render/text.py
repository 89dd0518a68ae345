"""The terminal summary: composition per article, the strongest cross-outlet matches with
snippets, flagged spans, claim groups, the outlet-by-outlet reuse table and duplicates."""

from __future__ import annotations

from typing import Any

from provenance.render.safe import visible

LABEL_ORDER = ("boilerplate", "wire", "shared", "original")
# How many cross-outlet matches the summaries show (the JSON has all of them in the spans).
TOP_MATCHES = 10


def _pct(share: float) -> str:
    return f"{share * 100:5.1f}%"


def snippet(text: str, limit: int = 90) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def strongest_matches(data: dict[str, Any], limit: int = TOP_MATCHES) -> list[dict[str, Any]]:
    """Cross-outlet matches from the spans' sources, each pair once: highest score first,
    then longest, then by article id and offset (deterministic)."""
    outlets = {a["id"]: a["outlet"] for a in data["articles"]}
    seen: dict[tuple[Any, ...], dict[str, Any]] = {}
    for art in data["articles"]:
        for span in art["spans"]:
            if span["label"] not in ("wire", "shared") or span.get("evidence") == "credit":
                continue
            for src in span.get("sources", []):
                mine = (art["id"], span["start"], span["end"])
                theirs = (src["article_id"], src["start"], src["end"])
                a, b = sorted((mine, theirs))
                seen.setdefault(
                    (a, b),
                    {
                        "a": {"id": a[0], "outlet": outlets.get(a[0]), "start": a[1], "end": a[2]},
                        "b": {"id": b[0], "outlet": outlets.get(b[0]), "start": b[1], "end": b[2]},
                        "score": src["score"],
                        "grade": src["grade"],
                        "label": span["label"],
                    },
                )
    ranked = sorted(
        seen.values(),
        key=lambda m: (
            -m["score"],
            -(m["a"]["end"] - m["a"]["start"]),
            m["a"]["id"],
            m["a"]["start"],
            m["b"]["id"],
            m["b"]["start"],
        ),
    )
    return ranked[:limit]


def _side(side: dict[str, Any]) -> str:
    outlet = visible(side["outlet"] or "outlet unknown")
    return f"{side['id']} ({outlet}) [{side['start']}-{side['end']}]"


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
        outlet = visible(art["outlet"] or "-")[:16]
        lines.append(
            f"{art['id'][:28]:<28} {outlet:<16} "
            + " ".join(f"{_pct(comp[k]):>11}" for k in LABEL_ORDER)
        )
    matches = strongest_matches(data)
    lines += ["", "Strongest cross-outlet matches:"]
    if not matches:
        lines.append("  none (no passage of one outlet aligns with another outlet's text)")
    for m in matches:
        lines.append(f"  {m['score']:6.2f} {m['grade']:<9} {_side(m['a'])}  <->  {_side(m['b'])}")
        for side in (m["a"], m["b"]):
            text = texts.get(side["id"], "")
            lines.append(f"         {snippet(text[side['start'] : side['end']])}")
    for art in data["articles"]:
        text = texts.get(art["id"], "")
        flagged = [s for s in art["spans"] if s["label"] != "original"]
        if not flagged and not art["cited_sources"] and not art["duplicates"]:
            continue
        lines += ["", f"== {art['id']} ({visible(art['outlet'] or 'outlet unknown')})"]
        for span in flagged:
            detail = span.get("reason") or span.get("agency") or ""
            if span["label"] == "shared":
                ids = ", ".join(sorted({s["article_id"] for s in span["sources"]}))
                detail = f"also in {ids}; first: {span['first']}"
            elif span.get("evidence"):
                detail = f"{span['agency']} ({span['evidence']})"
            lines.append(
                f"  [{span['start']:>5}-{span['end']:<5}] {span['label']:<11} "
                f"{detail:<24} {snippet(text[span['start'] : span['end']], 60)}"
            )
        for cited in art["cited_sources"]:
            lines.append(f"  cites {cited['agency']}: {snippet(cited['text'], 60)}")
        for dup in art["duplicates"]:
            lines.append(
                f"  near-duplicate of {dup['article_id']}: similarity {dup['similarity']:.2f}, "
                f"estimated Jaccard {dup['estimated_jaccard']:.2f}"
            )
    lines += ["", "Claims repeated across outlets:"]
    if not data["claims"]:
        lines.append("  none found by lexical matching (paraphrases are not seen)")
    for claim in data["claims"]:
        outlets = sorted({visible(o["outlet"] or o["article_id"]) for o in claim["occurrences"]})
        lines.append(f"  {claim['id']}: {snippet(claim['text'])}")
        lines.append(
            f"      in {len(claim['occurrences'])} places ({', '.join(outlets)}); "
            f"first: {claim['first']}"
        )
    lines += ["", "Outlet reuse (characters of OUTLET text matching SOURCE text):"]
    if not data["outlets"]:
        lines.append("  none")
    for row in data["outlets"]:
        lines.append(
            f"  {visible(row['outlet'] or '-')[:24]:<24} "
            f"<- {visible(row['source_outlet'] or '-')[:24]:<24} "
            f"{row['characters']:>8} chars {row['matches']:>5} matches"
        )
    if data["clusters"]:
        lines += ["", "Near-duplicate clusters:"]
        lines += [f"  {', '.join(cluster)}" for cluster in data["clusters"]]
    # ids cannot hold a line break (the article schema), outlets were escaped above; every
    # other control character (ANSI escapes, "\r", bidi overrides) is made visible here
    return visible("\n".join(lines) + "\n", keep_newlines=True)

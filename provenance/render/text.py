"""The terminal summary: composition per article, the strongest cross-outlet matches with
snippets, flagged spans, claim groups, the outlet-by-outlet reuse table and duplicates."""

from __future__ import annotations

from typing import Any

from provenance.render.data import claims_by_confidence, link_evidence
from provenance.render.safe import visible
from provenance.render.words import count

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
                words = dict(src["words"])  # the span's words against the source's
                if a != mine:
                    words["inserted"], words["deleted"] = words["deleted"], words["inserted"]
                seen.setdefault(
                    (a, b),
                    {
                        "a": {"id": a[0], "outlet": outlets.get(a[0]), "start": a[1], "end": a[2]},
                        "b": {"id": b[0], "outlet": outlets.get(b[0]), "start": b[1], "end": b[2]},
                        "score": src["score"],
                        "grade": src["grade"],
                        "words": words,  # a's words against b's
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


def word_edits(words: dict[str, int]) -> str:
    """ "words: 2 changed, 1 inserted, 0 deleted" (the first text against the second), or
    "same words" for a verbatim match."""
    if not any(words.values()):
        return "same words"
    return "words: " + ", ".join(f"{words[k]} {k}" for k in ("changed", "inserted", "deleted"))


def composition_line(composition: dict[str, float]) -> str:
    """ "boilerplate 7.5%, wire 10.2%, shared 0.0%, original 82.3%"."""
    return ", ".join(f"{k} {composition[k] * 100:.1f}%" for k in LABEL_ORDER)


def summary_line(data: dict[str, Any], destination: str) -> str:
    """The one line ``report --out`` prints: what was reported and where it went."""
    summary = data["summary"]
    return (
        f"wrote {destination}: {count(summary['articles'], 'article')}, "
        f"{composition_line(summary['composition'])}"
    )


def outlet_of(outlet: str | None) -> str:
    """An outlet as shown: its control characters (even a line break) made visible."""
    return visible(outlet) if outlet else "outlet unknown"


def article_with_outlet(article_id: str, outlet: str | None) -> str:
    """An article named as an article, with its outlet: "003_ccb0 (BNN Breaking)"."""
    return f"{article_id} ({outlet_of(outlet)})"


def first_text(first: str | None) -> str:
    """Who had a passage or claim first: an article id, or "unknown" when dates cannot say."""
    if first is None or first == "unknown":
        return "unknown (publication dates missing or tied)"
    return f"article {first}"


def claim_places(claim: dict[str, Any]) -> str:
    """Where a claim was found: "in 2 articles: a (BNN Breaking), b (outlet unknown)"."""
    places = sorted(
        {article_with_outlet(o["article_id"], o["outlet"]) for o in claim["occurrences"]}
    )
    return f"in {count(len(places), 'article')}: {', '.join(places)}"


def _side(side: dict[str, Any]) -> str:
    return f"{article_with_outlet(side['id'], side['outlet'])} [{side['start']}-{side['end']}]"


def render(data: dict[str, Any], texts: dict[str, str]) -> str:
    """``data`` is the report dict, ``texts`` maps article id to its text (for snippets)."""
    summary = data["summary"]
    lines = [
        f"news-provenance {data['tool']['version']}: {count(summary['articles'], 'article')}, "
        f"{count(summary['characters'], 'character')}, "
        f"{count(summary['matches'], 'cross-article match')}, "
        f"{count(summary['claims'], 'claim group')}, "
        f"{count(summary['clusters'], 'duplicate cluster')}",
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
        lines.append(f"         {word_edits(m['words'])}")
        for side in (m["a"], m["b"]):
            text = texts.get(side["id"], "")
            lines.append(f"         {snippet(text[side['start'] : side['end']])}")
    for art in data["articles"]:
        text = texts.get(art["id"], "")
        flagged = [s for s in art["spans"] if s["label"] != "original"]
        if not flagged and not art["cited_sources"] and not art["duplicates"]:
            continue
        lines += ["", f"== {article_with_outlet(art['id'], art['outlet'])}"]
        for span in flagged:
            detail = span.get("reason") or span.get("agency") or ""
            if span["label"] == "shared":
                ids = ", ".join(sorted({s["article_id"] for s in span["sources"]}))
                detail = f"also in {ids}; first: {first_text(span.get('first'))}"
            elif span.get("evidence"):
                detail = f"{span['agency']} ({span['evidence']})"
            if span.get("credit_mismatch"):
                detail += f"; aligned with {', '.join(span['credit_mismatch'])}, not credited"
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
        lines.append("  none found")
    for kind, claims in claims_by_confidence(data):
        if not claims:
            continue
        heading = "strong" if kind == "strong" else "possible (weaker evidence: check before use)"
        lines.append(f"  {heading}:")
        for claim in claims:
            lines.append(f"  {claim['id']}: {snippet(claim['text'])}")
            lines.append(f"      {claim_places(claim)}; first: {first_text(claim['first'])}")
            for o in claim["occurrences"]:
                lang = f" [{o['language']}]" if o["language"] else ""
                lines.append(
                    f"        {o['article_id']}{lang} {o['start']}-{o['end']}: {link_evidence(o)}"
                )
    lines += ["", "Outlet reuse (characters of OUTLET text matching SOURCE text):"]
    if not data["outlets"]:
        lines.append("  none")
    for row in data["outlets"]:
        lines.append(
            f"  {visible(row['outlet'] or '-')[:24]:<24} "
            f"<- {visible(row['source_outlet'] or '-')[:24]:<24} "
            f"{row['characters']:>8} chars {count(row['matches'], 'match'):>11}"
        )
    if data["clusters"]:
        lines += ["", "Near-duplicate clusters:"]
        lines += [f"  {', '.join(cluster)}" for cluster in data["clusters"]]
    from provenance.render.quotes_text import text_lines

    lines += text_lines(data)
    # ids cannot hold a line break (the article schema), outlets were escaped above; every
    # other control character (ANSI escapes, "\r", bidi overrides) is made visible here
    return visible("\n".join(lines) + "\n", keep_newlines=True)

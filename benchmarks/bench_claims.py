"""Claims across outlets: quality and cost (run through benchmarks/quality.py).

    python benchmarks/quality.py [EVAL_DIR] --sets similarity/semeval2022 claims/seeds --json

- ``similarity/semeval2022``: every article of every pair goes into ONE corpus (each
  article its own outlet, its language from the pair), the whole report pipeline runs once,
  and a pair counts as linked when the report links its two articles: a claim group with
  both (``claims_any``; ``claims_strong``: a strong group where both occurrences are
  strong or the claim text), a shared span of one citing the other, or a near-duplicate
  (``linked``: any of these). Shares of same-story pairs (overall <= 1.5) and
  different-story pairs (overall >= 3.5), overall, monolingual vs cross-language, and per
  language pair. Cost: the claim stage (``claims.find_claims``, model loaded already) timed
  beside the rest of the report (per article), and the model's first load.
- ``claims/seeds``: the repository's seed corpus (``corpus/``; the set's folder argument is
  not used): which of its four repeated claims a group finds in all its articles, and
  groups that mix different claims. The claims are named by what their sentences say in
  each article (``SEED_CLAIMS``); they are not used anywhere in the product.
Nothing of the evaluation data is copied; rows are read from EVAL_DIR.
"""

from __future__ import annotations

import json
import re
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from provenance.claims import find_claims
from provenance.config import Config
from provenance.ingest import load
from provenance.model import Article, Confidence, CorpusResult
from provenance.pipeline import Resources, analyze

REPO = Path(__file__).resolve().parent.parent
SAME_MAX, DIFF_MIN = 1.5, 3.5

# claim -> {seed article id prefix: pattern that its sentence carrying the claim matches}
SEED_CLAIMS: dict[str, dict[str, str]] = {
    "mutual military assistance (001/002)": {
        "001": r"mutual military assistance",
        "002": r"mutual military assistance",
    },
    "UNSC resolutions violation (000/003/004)": {
        "000": r"Security Council resolutions",
        "003": r"Security Council resolutions|in violation of U\.N\.",
        "004": r"Security Council resolutions",
    },
    "Yoon's criticism (000/003)": {
        "000": r"President Yoon",
        "003": r"President Yoon expressed",
    },
    "Kim Jong-un's visit to Russia (000/003)": {
        "000": r"Kim Jong-un.s recent visit to Russia",
        "003": r"Kim Jong Un.s visit to Russia",
    },
}


def _pairs(set_dir: Path, limit: int | None) -> list[dict[str, Any]]:
    with (set_dir / "pairs.jsonl").open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    return rows[:limit]


def _articles(rows: list[dict[str, Any]]) -> list[Article]:
    out: dict[str, Article] = {}
    for r in rows:
        a, b = r["pair_id"].split("_")
        for art_id, lang, text in ((a, r["lang1"], r["text1"]), (b, r["lang2"], r["text2"])):
            if text.strip():
                out.setdefault(art_id, Article(id=art_id, text=text, outlet=art_id, language=lang))
    return list(out.values())


def _links(result: CorpusResult) -> dict[str, set[frozenset[str]]]:
    links: dict[str, set[frozenset[str]]] = defaultdict(set)
    for g in result.claims:
        ids = sorted({o.article_id for o in g.occurrences})
        trusted = sorted(
            {
                o.article_id
                for o in g.occurrences
                if o.link is None or o.link.confidence == Confidence.STRONG
            }
        )
        for i, a in enumerate(ids):
            for b in ids[i + 1 :]:
                links["claims_any"].add(frozenset((a, b)))
        if g.confidence == Confidence.STRONG:
            for i, a in enumerate(trusted):
                for b in trusted[i + 1 :]:
                    links["claims_strong"].add(frozenset((a, b)))
    for r in result.articles:
        for span in r.spans:
            for s in span.sources:
                links["spans"].add(frozenset((r.article.id, s.article_id)))
        for d in r.duplicates:
            links["duplicates"].add(frozenset((d.article_id, d.other_id)))
    links["linked"] = links["claims_any"] | links["spans"] | links["duplicates"]
    links["linked_strong"] = links["claims_strong"] | links["spans"] | links["duplicates"]
    return links


def semeval(set_dir: Path, limit: int | None) -> dict[str, Any]:
    rows = _pairs(set_dir, limit)
    articles = _articles(rows)
    config = Config()
    resources = Resources.load()
    started = time.perf_counter()
    result = analyze(articles, config, resources=resources)
    total = time.perf_counter() - started
    links = _links(result)
    out: dict[str, Any] = {"pairs": len(rows), "articles": len(articles)}
    groups: dict[str, list[tuple[dict[str, Any], frozenset[str]]]] = defaultdict(list)
    for r in rows:
        kind = "same" if r["overall"] <= SAME_MAX else "diff" if r["overall"] >= DIFF_MIN else ""
        if not kind:
            continue
        pair = frozenset(r["pair_id"].split("_"))
        cross = "cross" if r["lang1"] != r["lang2"] else "mono"
        for key in (kind, f"{kind}.{cross}", f"{kind}.{r['lang1']}-{r['lang2']}"):
            groups[key].append((r, pair))
    for key in sorted(groups, key=lambda k: (k.count("."), k)):
        members = groups[key]
        row = {"n": len(members)}
        for what in ("linked", "linked_strong", "claims_any", "claims_strong", "spans"):
            row[what] = round(sum(p in links[what] for _, p in members) / len(members), 3)
        out[key] = (
            row
            if "-" not in key
            else f"n {row['n']}  linked {row['linked']}  " + (f"strong {row['linked_strong']}")
        )
    out["claim_groups"] = len(result.claims)
    out["claim_groups_strong"] = sum(g.confidence == Confidence.STRONG for g in result.claims)
    final = list(result.articles)
    started = time.perf_counter()
    find_claims(final, config, resources.anchors)
    claims_s = time.perf_counter() - started
    out["cost.report_s(with claims)"] = round(total, 1)
    out["cost.claim_stage_s"] = round(claims_s, 1)
    out["cost.ms_per_article.report_without_claims"] = round(
        1000 * (total - claims_s) / max(1, len(articles)), 1
    )
    out["cost.ms_per_article.claim_stage"] = round(1000 * claims_s / max(1, len(articles)), 1)
    out["cost.ratio(report / report without claims)"] = round(
        total / max(1e-9, total - claims_s), 2
    )
    out["model"] = config.claims.model
    return out


def _seed_matches(text: str, article_id: str) -> set[str]:
    return {
        claim
        for claim, where in SEED_CLAIMS.items()
        for prefix, pattern in where.items()
        if article_id.startswith(prefix) and re.search(pattern, text)
    }


def seeds(set_dir: Path, limit: int | None) -> dict[str, Any]:
    del set_dir, limit
    articles = load([str(REPO / "corpus")])
    texts = {a.id: a.text for a in articles}
    result = analyze(articles, Config())
    out: dict[str, Any] = {"claim_groups": len(result.claims)}
    out["claim_groups_strong"] = sum(g.confidence == Confidence.STRONG for g in result.claims)
    mixed = 0
    for claim, where in SEED_CLAIMS.items():
        how = "missed"
        for g in result.claims:
            covered = {
                p
                for o in g.occurrences
                for p in where
                if o.article_id.startswith(p)
                and claim in _seed_matches(texts[o.article_id][o.start : o.end], o.article_id)
            }
            if covered == set(where):
                how = f"found ({g.id}, {g.confidence.value})"
                break
        out[f"seed.{claim}"] = how
    for g in result.claims:
        sets = [
            m
            for o in g.occurrences
            if (m := _seed_matches(texts[o.article_id][o.start : o.end], o.article_id))
        ]
        if len(sets) > 1 and not set.intersection(*sets):
            mixed += 1
    out["groups_mixing_seed_claims"] = mixed
    return out


SETS: dict[str, Callable[[Path, int | None], dict[str, Any]]] = {
    "similarity/semeval2022": semeval,
    "claims/seeds": seeds,
}
# the seed set reads the repository's corpus/; any existing folder lets quality.py run it
FOLDERS = {"claims/seeds": "similarity/semeval2022"}

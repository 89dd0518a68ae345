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
- ``claims/msrp``: MSRP pairs through the claim link rule (see ``msrp_claims``).
- ``claims/seeds``: the repository's seed corpus (``corpus/``; the set's folder argument is
  not used): which of its four repeated claims a group finds in all its articles (else the
  articles of the largest group that has it in two or more), and groups that mix claims.
  The claims are named by what their sentences say in each article (``SEED_CLAIMS``); they
  are not used anywhere in the product.
Nothing of the evaluation data is copied; rows are read from EVAL_DIR.
"""

from __future__ import annotations

import json
import math
import re
import time
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from provenance.anchors import anchors
from provenance.config import AlignConfig, ClaimsConfig, Config
from provenance.ingest import load
from provenance.match.claims import claim_score, confidence, find_claims
from provenance.model import Article, Confidence, CorpusResult
from provenance.pipeline import Resources, analyze
from provenance.semantic import load_embedder

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
        row: dict[str, float] = {"n": len(members)}
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
        how, best = "missed", 1
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
            if len(covered) > best:  # a group with some of its articles only
                best = len(covered)
                how = f"missed; {'/'.join(sorted(covered))} grouped ({g.id}, {g.confidence.value})"
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


def _msrp_features(rows: list[dict[str, Any]], config: Config) -> list[tuple[float, ...]]:
    """Per pair: lexical score, cosine, anchor weight (rarity over all MSRP sentences)."""
    lexicon = Resources.load().anchors
    sentences = sorted({r["a"] for r in rows} | {r["b"] for r in rows})
    found = {t: anchors(t, lexicon) for t in sentences}
    df = Counter(a for t in sentences for a in found[t])
    cc = config.claims
    common = max(cc.anchor_common_share * len(sentences), cc.anchor_common_min)
    idf = {a: math.log(common / c) if c < common else 0.0 for a, c in df.items()}
    vectors = load_embedder(cc.model).encode(sentences)
    index = {t: i for i, t in enumerate(sentences)}
    out: list[tuple[float, ...]] = []
    for r in rows:
        lex = claim_score(r["a"], r["b"])
        cos = float(vectors[index[r["a"]]] @ vectors[index[r["b"]]])
        weight = sum(idf[x] for x in found[r["a"]] & found[r["b"]])
        out.append((lex, cos, weight, float(r["label"])))
    return out


def _accuracy_f1(predicted: list[bool], gold: list[bool]) -> tuple[float, float]:
    tp = sum(p and g for p, g in zip(predicted, gold, strict=True))
    fp = sum(p and not g for p, g in zip(predicted, gold, strict=True))
    fn = sum(g and not p for p, g in zip(predicted, gold, strict=True))
    acc = sum(p == g for p, g in zip(predicted, gold, strict=True)) / max(1, len(gold))
    return acc, 2 * tp / max(1, 2 * tp + fp + fn)


def msrp_claims(set_dir: Path, limit: int | None) -> dict[str, Any]:
    """The claim link rule (``claims.confidence``: a pair is one sentence each, so it is
    trivially mutually best) as a paraphrase classifier. ``config.*``: the product's
    thresholds (chosen on MSRP/SemEval dev; on the TEST tree these are the test figures).
    ``split.*``: semantic_possible and claim_min_score chosen by accuracy on the rows whose
    id hashes even ("train"), reported on the odd ones ("test")."""
    config = Config()
    with (set_dir / "pairs.jsonl").open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()][:limit]
    feats = _msrp_features(rows, config)
    gold = [f[3] == 1.0 for f in feats]

    def predict(f: tuple[float, ...], claims: ClaimsConfig, align: AlignConfig) -> bool:
        return confidence(f[0], f[1], True, f[2], claims, align) is not None

    out: dict[str, Any] = {"pairs": len(rows), "model": config.claims.model}
    acc, f1 = _accuracy_f1([predict(f, config.claims, config.align) for f in feats], gold)
    out["config.accuracy"], out["config.f1"] = round(acc, 4), round(f1, 4)
    strong = [
        confidence(f[0], f[1], True, f[2], config.claims, config.align) == Confidence.STRONG
        for f in feats
    ]
    acc, f1 = _accuracy_f1(strong, gold)
    out["config.strong_only.accuracy"], out["config.strong_only.f1"] = round(acc, 4), round(f1, 4)
    train = [zlib.crc32(r["id"].encode()) % 2 == 0 for r in rows]
    best: tuple[float, float, float] | None = None
    for sem in [x / 100 for x in range(50, 91, 2)]:
        for lex in range(55, 91, 3):
            trial_c = replace(
                config.claims,
                semantic_possible=sem,
                semantic_strong=min(sem, config.claims.semantic_strong),
            )
            trial_a = replace(config.align, claim_min_score=float(lex))
            pred = [predict(f, trial_c, trial_a) for f, t in zip(feats, train, strict=True) if t]
            acc, _ = _accuracy_f1(pred, [g for g, t in zip(gold, train, strict=True) if t])
            if best is None or acc > best[0]:
                best = (acc, sem, float(lex))
    if best is not None:
        _, sem, lex_f = best
        trial_c = replace(
            config.claims,
            semantic_possible=sem,
            semantic_strong=min(sem, config.claims.semantic_strong),
        )
        trial_a = replace(config.align, claim_min_score=lex_f)
        pred = [predict(f, trial_c, trial_a) for f, t in zip(feats, train, strict=True) if not t]
        acc, f1 = _accuracy_f1(pred, [g for g, t in zip(gold, train, strict=True) if not t])
        out["split.chosen_on_train(semantic_possible, claim_min_score)"] = f"{sem:.2f}, {lex_f:.0f}"
        out["split.train_accuracy"] = round(best[0], 4)
        out["split.test_accuracy"], out["split.test_f1"] = round(acc, 4), round(f1, 4)
    return out


SETS: dict[str, Callable[[Path, int | None], dict[str, Any]]] = {
    "similarity/semeval2022": semeval,
    "claims/seeds": seeds,
    "claims/msrp": msrp_claims,
}
# the seed set reads the repository's corpus/; any existing folder lets quality.py run it
FOLDERS = {"claims/seeds": "similarity/semeval2022", "claims/msrp": "paraphrase/msrp"}

"""Direct quotations: extraction on quotes/wikinews-de and quotes/polnear, the quote groups'
flags on a reuse set generated from them (quotes/reuse-wikinews-de, quotes/reuse-polnear), and
the check findings on the same set (quotes/check-wikinews-de, quotes/check-polnear).

Neither README defines a dev/test split, so one is fixed here: an article is ``dev`` when the
first byte of the SHA-1 of its id is even, ``test`` otherwise. Thresholds and word lists were
tuned looking at dev only; both halves are printed and test is the figure to report.

Extraction. Gold quotations are the rows with ``direct`` true. wikinews-de quote spans include
their quotation marks, as ours do. PolNeAR content spans hold the quotation with the words
around it ("the cause of “comprehensive immigration reform.”") and a broken quotation with its
attribution in one span, so its gold quotations are the quotation-marked pieces inside a direct
content span (“...”, "...", ‘...’, «...» within one line); a row marked direct with no such
piece is left out (its "quotation mark" is an apostrophe: "he’ll welcome advice ..."). A found
quotation matches the gold quotation it overlaps most (one to one, greedy by overlap). Exact:
same start and end. Speaker accuracy is over matched quotations whose gold speaker is given:
our speaker mention overlaps the gold speaker span.

Reuse set. From the test (or dev) articles, every extracted quotation of at least twelve words
with a speaker (as written, not resolved) becomes a source, unless its article prints another
version of it too or another source article prints it (then there is no single original).
For each, one new article is made per variant: the quotation ``verbatim``; ``truncated`` (its
first half of words, at least six); ``altered`` (two words
in its middle replaced by words of another quotation); ``misattributed`` (verbatim, with
another source's speaker). The new article is one line: "<speaker> said: “<variant>”",
published a day after the source. Per variant, the flag expected on the new occurrence:
altered -> ``altered``, truncated -> ``truncated``, misattributed -> ``speaker_mismatch``; the
new occurrence counts as flagged ``altered`` when it has word changes, ``truncated`` when it
is marked truncated, ``speaker_mismatch`` when its group has the flag and its speaker is not
the source's. Precision and recall per flag are over all new articles.

Check (quotes/check-wikinews-de, quotes/check-polnear): the same reuse set through
``provenance check``: the source articles indexed, each new article checked against them;
precision and recall of the findings ``altered_quote`` (expected on the altered variants) and
``speaker_mismatch`` (on the misattributed ones).
"""

from __future__ import annotations

import hashlib
import random
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import evalsets as ev

from provenance import check, pipeline
from provenance.config import Config
from provenance.fingerprint import normalize
from provenance.match.quote_groups import SPEAKER_MISMATCH, find_quote_groups, linked, same_speaker
from provenance.model import Article, ArticleResult, Segmentation
from provenance.quotes import QuoteLexicons, extract
from provenance.store import Fingerprinter, Store, add_articles


def split_of(doc_id: str) -> str:
    return "dev" if hashlib.sha1(doc_id.encode("utf-8")).digest()[0] % 2 == 0 else "test"


_PIECE = re.compile(r"“[^”\n]*”|\"[^\"\n]*\"|(?<!\w)‘[^’\n]*’(?!\w)|«[^»\n]*»")


def _gold(row: dict[str, Any], cut: bool) -> list[tuple[tuple[int, int], tuple[int, int] | None]]:
    text = row["text"]
    out: list[tuple[tuple[int, int], tuple[int, int] | None]] = []
    for q in row["quotes"]:
        if not q.get("direct"):
            continue
        start, end = q["quote"]
        speaker = (q["speaker"][0], q["speaker"][1]) if q.get("speaker") else None
        if not cut:
            out.append(((start, end), speaker))
            continue
        # PolNeAR: each quotation-marked piece of the content is one direct quotation
        for m in _PIECE.finditer(text, start, end):
            out.append(((m.start(), m.end()), speaker))
    return out


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def _rows(set_dir: Path, limit: int | None) -> Iterator[dict[str, Any]]:
    for n, row in enumerate(ev.read_jsonl(set_dir / "docs.jsonl")):
        if limit is not None and n >= limit:
            break
        yield row


def run_extraction(set_dir: Path, limit: int | None, cut: bool) -> dict[str, Any]:
    lexicons, config = QuoteLexicons.load(), Config()
    counts = {s: Counter4() for s in ("dev", "test")}
    for row in _rows(set_dir, limit):
        c = counts[split_of(str(row["id"]))]
        found = extract(row["text"], lexicons.for_language(row.get("lang")), config.quotes)
        gold = _gold(row, cut)
        c.found += len(found)
        c.gold += len(gold)
        pairs = sorted(
            (
                (-_overlap((q.start, q.end), g[0]), i, j)
                for i, q in enumerate(found)
                for j, g in enumerate(gold)
                if _overlap((q.start, q.end), g[0]) > 0
            )
        )
        used_i: set[int] = set()
        used_j: set[int] = set()
        for _, i, j in pairs:
            if i in used_i or j in used_j:
                continue
            used_i.add(i)
            used_j.add(j)
            q, (span, speaker) = found[i], gold[j]
            c.overlap += 1
            c.exact += (q.start, q.end) == span
            if speaker is not None:
                c.with_speaker += 1
                c.speaker_ok += (
                    q.speaker_start >= 0 and _overlap((q.speaker_start, q.speaker_end), speaker) > 0
                )
    out: dict[str, Any] = {}
    for split, c in counts.items():
        out.update(c.metrics(split))
    return out


class Counter4:
    def __init__(self) -> None:
        self.found = self.gold = self.overlap = self.exact = 0
        self.with_speaker = self.speaker_ok = 0

    def metrics(self, split: str) -> dict[str, Any]:
        out: dict[str, Any] = {f"{split}.gold": self.gold, f"{split}.found": self.found}
        for name, tp in (("exact", self.exact), ("overlap", self.overlap)):
            p, r = ev.ratio(tp, self.found), ev.ratio(tp, self.gold)
            out[f"{split}.{name}.precision"] = round(p, 4)
            out[f"{split}.{name}.recall"] = round(r, 4)
            out[f"{split}.{name}.f1"] = round(ev.ratio(2 * p * r, p + r), 4)
        out[f"{split}.speaker_accuracy"] = round(ev.ratio(self.speaker_ok, self.with_speaker), 4)
        out[f"{split}.speaker_gold"] = self.with_speaker
        return out


# Sources have at least this many words, so that a truncated copy (half) keeps six or more:
# a shorter fragment ("There should be a") is too generic to trace to one quotation.
_MIN_SOURCE_WORDS = 12


def _variants(words: list[str], rng: random.Random, pool: list[str]) -> dict[str, str]:
    half = max(4, len(words) // 2)
    altered = list(words)
    for k in (len(words) // 3, (2 * len(words)) // 3):
        altered[k] = rng.choice([w for w in pool if w.casefold() != words[k].casefold()])
    return {
        "verbatim": " ".join(words),
        "truncated": " ".join(words[:half]),
        "altered": " ".join(altered),
        "misattributed": " ".join(words),
    }


@dataclass(frozen=True)
class ReuseCases:
    sources: list[Article]  # the source articles (each once)
    new: list[Article]  # one per source quotation and variant
    expected: dict[str, tuple[str, str]]  # new id -> (variant, source speaker)
    quotations: int  # source quotations


def reuse_cases(set_dir: Path, limit: int | None, split: str) -> ReuseCases:
    """The generated reuse set (see the module docstring)."""
    lexicons, config = QuoteLexicons.load(), Config()
    rng = random.Random(14)
    sources: list[tuple[Article, str, str]] = []  # article, quote text, speaker
    for row in _rows(set_dir, limit):
        if split_of(str(row["id"])) != split:
            continue
        article = Article(
            id=str(row["id"]),
            text=row["text"],
            outlet="source",
            published="2020-01-01",
            language=row.get("lang"),
        )
        found = extract(row["text"], lexicons.for_language(row.get("lang")), config.quotes)
        for q in found:
            if not (q.speaker and q.resolved is None and len(q.text.split()) >= _MIN_SOURCE_WORDS):
                continue
            # a quotation that its own article prints in another version (a longer one that
            # holds it) has no single source text: left out
            if "\n" in q.text or any(
                o is not q and linked(o, q, config.quotes) is not None for o in found
            ):
                continue
            sources.append((article, q.text, q.speaker))
    # a quotation that another source article prints too has no single original: left out
    printed = find_quote_groups(
        [_result(a, lexicons, config) for a in {a.id: a for a, _, _ in sources}.values()], config
    )
    shared = {
        (o.article_id, o.speaker, len({x.article_id for x in g.occurrences}) > 1)
        for g in printed
        for o in g.occurrences
    }
    elsewhere = {(aid, who) for aid, who, many in shared if many}
    texts_elsewhere = {
        normalize(g.text) for g in printed if len({o.article_id for o in g.occurrences}) > 1
    }
    sources = [
        s
        for s in sources
        if normalize(s[1]) not in texts_elsewhere and (s[0].id, s[2]) not in elsewhere
    ]
    pool = [w for _, text, _ in sources for w in text.split() if w.isalpha() and len(w) > 3]
    originals: dict[str, Article] = {}
    new: list[Article] = []
    expected: dict[str, tuple[str, str]] = {}  # new id -> (variant, source speaker)
    for n, (article, text, speaker) in enumerate(sources):
        originals.setdefault(article.id, article)
        other = sources[(n + 1 + rng.randrange(max(1, len(sources) - 1))) % len(sources)][2]
        if same_speaker(other, speaker):
            other = "Jane Example-Doe"
        for variant, words in _variants(text.split(), rng, pool).items():
            who = other if variant == "misattributed" else speaker
            made = Article(
                id=f"new-{n:05d}-{variant}",
                text=f"{who} said: “{words}”",
                outlet=f"o{n}",
                published="2020-01-02",
                language=article.language,
            )
            new.append(made)
            expected[made.id] = (variant, speaker)
    return ReuseCases(list(originals.values()), new, expected, len(sources))


def run_reuse(set_dir: Path, limit: int | None, split: str = "test") -> dict[str, Any]:
    """The report's quote groups on the reuse set: P/R of each flag on the new articles."""
    lexicons, config = QuoteLexicons.load(), Config()
    cases = reuse_cases(set_dir, limit, split)
    expected = cases.expected
    results = [_result(a, lexicons, config) for a in [*cases.sources, *cases.new]]
    groups = find_quote_groups(results, config)
    flagged: dict[str, set[str]] = {i: set() for i in expected}
    for g in groups:
        for o in g.occurrences:
            if o.article_id not in expected:
                continue
            if o.changes:
                flagged[o.article_id].add("altered")
            if o.truncated:
                flagged[o.article_id].add("truncated")
            if SPEAKER_MISMATCH in g.flags and not same_speaker(
                o.speaker, expected[o.article_id][1]
            ):
                flagged[o.article_id].add(SPEAKER_MISMATCH)
    out: dict[str, Any] = {
        "split": split,
        "sources": cases.quotations,
        "new_articles": len(expected),
    }
    want = {"altered": "altered", "truncated": "truncated", SPEAKER_MISMATCH: "misattributed"}
    for flag, variant in want.items():
        tp = sum(flag in flagged[i] and v == variant for i, (v, _) in expected.items())
        fp = sum(flag in flagged[i] and v != variant for i, (v, _) in expected.items())
        fn = sum(flag not in flagged[i] and v == variant for i, (v, _) in expected.items())
        out[f"{flag}.precision"] = round(ev.ratio(tp, tp + fp), 4)
        out[f"{flag}.recall"] = round(ev.ratio(tp, tp + fn), 4)
        out[f"{flag}.tp_fp_fn"] = f"{tp}/{fp}/{fn}"
    grouped = len(
        {
            o.article_id
            for g in groups
            for o in g.occurrences
            if o.article_id in expected and len({x.article_id for x in g.occurrences}) > 1
        }
    )
    out["new_grouped_with_another"] = round(ev.ratio(grouped, len(expected)), 4)
    return out


def run_check(set_dir: Path, limit: int | None, split: str = "test") -> dict[str, Any]:
    """``provenance check`` on the reuse set: the source articles indexed (``index add``),
    each new article checked against them. Precision and recall of ``altered_quote`` (the
    altered variants) and ``speaker_mismatch`` (the misattributed ones) over all new
    articles; the verbatim and truncated copies should get neither."""
    config = Config()
    cases = reuse_cases(set_dir, limit, split)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "index.sqlite", Fingerprinter(config), create=True)
        add_articles(store, cases.sources, config)
        verdict = check.run(pipeline.analyze_each(cases.new), store, config)
        store.close()
    got = {v.article.id: {f.kind.value for f in v.findings} for v in verdict.articles}
    out: dict[str, Any] = {
        "split": split,
        "indexed": len(cases.sources),
        "sources": cases.quotations,
        "new_articles": len(cases.new),
    }
    for kind, variant in (("altered_quote", "altered"), ("speaker_mismatch", "misattributed")):
        tp = sum(kind in got[i] and v == variant for i, (v, _) in cases.expected.items())
        fp = sum(kind in got[i] and v != variant for i, (v, _) in cases.expected.items())
        fn = sum(kind not in got[i] and v == variant for i, (v, _) in cases.expected.items())
        out[f"{kind}.precision"] = round(ev.ratio(tp, tp + fp), 4)
        out[f"{kind}.recall"] = round(ev.ratio(tp, tp + fn), 4)
        out[f"{kind}.tp_fp_fn"] = f"{tp}/{fp}/{fn}"
    return out


def _result(article: Article, lexicons: QuoteLexicons, config: Config) -> ArticleResult:
    found = extract(article.text, lexicons.for_language(article.language), config.quotes)
    return replace(ArticleResult(article, Segmentation((), ())), quotes=found)


SETS = {
    "quotes/wikinews-de": lambda d, n: run_extraction(d, n, cut=False),
    "quotes/polnear": lambda d, n: run_extraction(d, n, cut=True),
    "quotes/reuse-wikinews-de": lambda d, n: run_reuse(d, n),
    "quotes/reuse-polnear": lambda d, n: run_reuse(d, n),
    "quotes/reuse-polnear-dev": lambda d, n: run_reuse(d, n, "dev"),
    "quotes/check-wikinews-de": lambda d, n: run_check(d, n),
    "quotes/check-polnear": lambda d, n: run_check(d, n),
}
FOLDERS = {
    "quotes/reuse-wikinews-de": "quotes/wikinews-de",
    "quotes/reuse-polnear": "quotes/polnear",
    "quotes/reuse-polnear-dev": "quotes/polnear",
    "quotes/check-wikinews-de": "quotes/wikinews-de",
    "quotes/check-polnear": "quotes/polnear",
}

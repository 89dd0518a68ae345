"""Claims repeated across outlets: sentences (or clauses) that say the same thing.

A claim unit is a sentence of the non-boilerplate text; a sentence longer than
``AlignConfig.claim_max_chars`` is cut into clauses at ``;`` or ``,`` (each clause at least
``FingerprintConfig.min_passage_chars`` long). Candidates come from MinHashLSH over content
words (a paraphrase shares words but few word trigrams; function words from
``data/stopwords.txt`` are left out); ``align.claim_score`` decides,
at ``AlignConfig.claim_min_score`` (calibrated on MSRP). Claims linked by a score at or
above the threshold form a group (connected components); a group is reported when it spans
at least two outlets. This is lexical matching: a paraphrase that changes most of the words
is not seen.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import partial
from importlib import resources

from provenance.align import claim_key, claim_score_keys
from provenance.config import Config
from provenance.fingerprint import (
    SPACELESS_MIN_SHARE,
    FingerprintParams,
    shingles,
    spaceless_share,
    words,
)
from provenance.model import Article, ArticleResult, ClaimGroup, ClaimOccurrence, SourceKind
from provenance.run.kernels import Kernels, Local

_CUT = re.compile(r"[;,]\s+")


@dataclass(frozen=True)
class Unit:
    article_id: str
    start: int
    end: int
    text: str


def clauses(text: str, start: int, max_chars: int, min_chars: int) -> list[tuple[int, int]]:
    """(start, end) offsets of the clauses of one sentence starting at ``start``."""
    if len(text) <= max_chars:
        return [(start, start + len(text))]
    out: list[tuple[int, int]] = []
    begin = 0
    for m in _CUT.finditer(text):
        cut = m.start() + 1
        if cut - begin >= min_chars and len(text) - m.end() >= min_chars:
            out.append((start + begin, start + cut))
            begin = m.end()
    out.append((start + begin, start + len(text)))
    return out


def load_stopwords() -> frozenset[str]:
    """The words left out of the claim index (``data/stopwords.txt``)."""
    raw = resources.files("provenance").joinpath("data/stopwords.txt").read_text("utf-8")
    return frozenset(
        w.strip().lower() for w in raw.splitlines() if w.strip() and not w.startswith("#")
    )


def claim_shingles(text: str, params: FingerprintParams, stopwords: frozenset[str]) -> set[bytes]:
    """What the claim index signs: the content words of ``text`` (word unigrams without
    ``stopwords``; all words if none is left), or character shingles for spaceless scripts."""
    if spaceless_share(text) >= SPACELESS_MIN_SHARE:
        return shingles(text, params)
    tokens = words(text)
    content = {t for t in tokens if t not in stopwords} or set(tokens)
    return {t.encode("utf-8") for t in content}


def units_of(result: ArticleResult, config: Config) -> list[Unit]:
    """The claim units of one article, in text order."""
    text = result.article.text
    minimum = config.fingerprint.min_passage_chars
    out: list[Unit] = []
    for s in result.segmentation.sentences:
        if s.end - s.start < minimum:
            continue
        if any(b.start < s.end and s.start < b.end for b in result.boilerplate):
            continue
        for a, b in clauses(s.text, s.start, config.align.claim_max_chars, minimum):
            out.append(Unit(result.article.id, a, b, text[a:b]))
    return out


UNKNOWN = "unknown"


def outlet_key(article: Article) -> str:
    """Articles of one outlet share a key; an article without an outlet is its own outlet."""
    return article.outlet.casefold().strip() if article.outlet else f"#{article.id}"


def first_appearance(articles: Sequence[Article]) -> str:
    """Which of ``articles`` (all carrying the same text or claim) had it first: the wire
    article when exactly one is a wire article; otherwise the one with the earliest
    ``published`` (among the wire articles, if several); ``"unknown"`` when a date is
    missing or the earliest date is tied."""
    unique = {a.id: a for a in articles}
    wire = [a for a in unique.values() if a.source_kind == SourceKind.WIRE]
    pool = wire or list(unique.values())
    if len(pool) == 1:
        return pool[0].id
    dates = [a.published for a in pool]
    if any(d is None for d in dates):
        return UNKNOWN
    earliest = min(d for d in dates if d is not None)
    at_earliest = [a.id for a in pool if a.published == earliest]
    return at_earliest[0] if len(at_earliest) == 1 else UNKNOWN


def _root(parent: list[int], x: int) -> int:
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


def find_claims(
    results: Sequence[ArticleResult],
    config: Config,
    stopwords: frozenset[str] | None = None,
    kernels: Kernels | None = None,
) -> tuple[ClaimGroup, ...]:
    """Claim groups across ``results`` (sorted by their first occurrence); ``kernels`` sign
    and propose candidates (default: in this process)."""
    kernels = kernels or Local()
    stopwords = load_stopwords() if stopwords is None else stopwords
    articles = {r.article.id: r.article for r in results}
    units = [u for r in sorted(results, key=lambda r: r.article.id) for u in units_of(r, config)]
    index: dict[str, int] = {}
    for u in units:
        index.setdefault(u.text, len(index))
    texts = list(index)
    params = replace(
        FingerprintParams.from_config(config.fingerprint),
        word_shingle=config.fingerprint.claim_word_shingle,
    )
    shingler = partial(claim_shingles, params=params, stopwords=stopwords)
    signatures = kernels.sign(texts, params, shingler)
    keys = [claim_key(t) for t in texts]
    parent = list(range(len(texts)))
    best = [0.0] * len(texts)
    fp = config.fingerprint
    for c in kernels.candidates(
        signatures, fp.claim_lsh_threshold, fp.max_candidates, fp.lsh_bands_per_pass
    ):
        score = claim_score_keys(keys[c.a], keys[c.b])
        if score < config.align.claim_min_score:
            continue
        best[c.a] = max(best[c.a], score)
        best[c.b] = max(best[c.b], score)
        ra, rb = _root(parent, c.a), _root(parent, c.b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    outlets_of_text: dict[int, set[str]] = {}
    for u in units:
        outlets_of_text.setdefault(index[u.text], set()).add(outlet_key(articles[u.article_id]))
    groups: dict[int, list[Unit]] = {}
    for u in units:
        groups.setdefault(_root(parent, index[u.text]), []).append(u)
    out: list[ClaimGroup] = []
    for members in groups.values():
        if len({outlet_key(articles[u.article_id]) for u in members}) < 2:
            continue
        members.sort(key=lambda u: (u.article_id, u.start))
        origin = first_appearance([articles[u.article_id] for u in members])
        lead = next((u for u in members if u.article_id == origin), members[0])
        occurrences = tuple(
            ClaimOccurrence(
                u.article_id,
                articles[u.article_id].outlet,
                u.start,
                u.end,
                100.0 if len(outlets_of_text[index[u.text]]) > 1 else best[index[u.text]],
                articles[u.article_id].published,
            )
            for u in members
        )
        out.append(ClaimGroup("", lead.text, occurrences, origin))
    out.sort(key=lambda g: (g.occurrences[0].article_id, g.occurrences[0].start))
    return tuple(replace(g, id=f"claim-{n:04d}") for n, g in enumerate(out, start=1))

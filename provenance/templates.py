"""Template sentences: page chrome that many outlets' pages share, found from the corpus.

A sentence is ``template`` boilerplate when, across the corpus, it recurs nearly verbatim
(same text after folding case, white space and digits) in

- at least ``min_articles(n)`` articles, where n is the number of articles in the corpus:
  ``max(template_min_articles, ceil(template_articles_per_1000 * n / 1000))``, so "many"
  is a fixed floor on small corpora and a share of the corpus on big ones (at the defaults
  5 articles up to 5,000 articles, then one per thousand: 10 at 10,000, 100 at 100,000);
- of at least ``template_min_outlets`` different outlets (one outlet's repeats are
  ``outlet_repeat``), and
- it carries no story anchors: in at most ``template_max_anchored_share`` of the articles
  that print it does it share a name or number (``anchors.AnchorFinder``) with the rest of that
  article. Wire copy repeated by many outlets names the people, places and figures of its
  story, which the rest of each article names too; "Follow News18.com on Twitter" and
  cookie notices do not.

Known limit: a generic wire sentence without any name or number ("The ministry did not
respond to a request for comment.") printed by that many articles of that many outlets is
taken for a template.

It is a corpus-wide map/reduce like the outlet repeats: ``sentence_votes`` maps one article
to its sentence hashes (each with whether it carries story anchors there), ``reduce_votes``
counts them over the corpus; only the resulting hash set is handed to ``boilerplate.detect``.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from provenance.anchors import AnchorFinder
from provenance.config import BoilerplateConfig
from provenance.model import ArticleResult
from provenance.pair_counts import PairCounts

_DIGIT = re.compile(r"\d")


def fold(text: str) -> str:
    """``text`` as near-verbatim lines compare: each run of white space one space (none at
    the ends), case folded, every digit 0. ``str.split`` and ``re``'s ``\\s`` take the same
    characters for white space (``str.isspace``); splitting costs a third of ``\\s+``."""
    return _DIGIT.sub("0", " ".join(text.casefold().split()))


def sentence_hash(text: str) -> int:
    """The key under which near-verbatim lines and sentences meet (``fold``): the template
    rule's and the outlet repeats' (boilerplate.py)."""
    key = fold(text).encode("utf-8")
    return int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "big")


@dataclass(frozen=True)
class Votes:
    """One article's contribution: its outlet and, per distinct sentence hash, whether the
    sentence shares an anchor with the rest of the article."""

    outlet: str
    anchored: tuple[tuple[int, bool], ...]


@dataclass(frozen=True)
class TemplateSentences:
    hashes: frozenset[int]
    min_articles: int  # the threshold the corpus size gave

    @classmethod
    def empty(cls) -> TemplateSentences:
        return cls(frozenset(), 0)

    def contains(self, text: str) -> bool:
        return bool(self.hashes) and sentence_hash(text) in self.hashes


def min_articles(n_articles: int, config: BoilerplateConfig) -> int:
    """How many articles "many" is in a corpus of ``n_articles`` (see the module docstring)."""
    scaled = math.ceil(config.template_articles_per_1000 * n_articles / 1000)
    return max(config.template_min_articles, scaled)


def sentence_votes(
    result: ArticleResult, outlet: str, config: BoilerplateConfig, find: AnchorFinder
) -> Votes:
    """Map step: the distinct sentences of one article (within the length bounds)."""
    low, high = config.template_min_chars, config.outlet_repeat_max_chars
    sentences = [s.text.strip() for s in result.segmentation.sentences]
    keys = [sentence_hash(s) for s in sentences]
    found = [find(s) for s in sentences]
    # a sentence shares an anchor with the rest of the article when one of its anchors is
    # also in a sentence under another key: an anchor found under two keys or more
    keys_of: dict[str, set[int]] = {}
    for key, names in zip(keys, found, strict=True):
        for name in names:
            keys_of.setdefault(name, set()).add(key)
    out: dict[int, bool] = {}
    for text, key, names in zip(sentences, keys, found, strict=True):
        if not low <= len(text) <= high:
            continue
        shared = any(len(keys_of[name]) > 1 for name in names)
        out[key] = out.get(key, False) or shared
    return Votes(outlet, tuple(sorted(out.items())))


def count_votes(votes: Iterable[Votes]) -> PairCounts:
    """The counts of some articles' votes: per (outlet, sentence hash), the articles that
    print it and those where it carries anchors (``PairCounts``). Counts of disjoint parts
    of a corpus add up (``PairCounts.merge``), so a cluster can count per partition and add
    the counts in a tree (``run.dask_flow``) before ``templates_from_counts``."""
    counts = PairCounts(width=2)
    for v in votes:
        counts.add(v.outlet, [key for key, _ in v.anchored], [int(a) for _, a in v.anchored])
    return counts


def templates_from_counts(
    counts: PairCounts, n_articles: int, config: BoilerplateConfig
) -> TemplateSentences:
    """The hashes that pass the three tests of the module docstring."""
    need = min_articles(n_articles, config)
    outlets_needed = config.template_min_outlets
    share = config.template_max_anchored_share

    def passes(outlets: Any, articles: Any, anchored: Any) -> Any:
        # ints or numpy columns: ``&`` of the three comparisons means the same on both
        return (articles >= need) & (outlets >= outlets_needed) & (anchored <= share * articles)

    return TemplateSentences(counts.kept_by_hash(passes), need)


def reduce_votes(
    votes: Iterable[Votes], n_articles: int, config: BoilerplateConfig
) -> TemplateSentences:
    """Reduce step: the hashes that pass the three tests of the module docstring."""
    return templates_from_counts(count_votes(votes), n_articles, config)

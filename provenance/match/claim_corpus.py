"""The claim units of a corpus, grouped by distinct text: what the claim stage keeps in memory.

A claim unit is a sentence of the non-boilerplate text; a sentence longer than
``AlignConfig.claim_max_chars`` is cut into clauses at ``;`` or ``,`` (each clause at least
``FingerprintConfig.min_passage_chars`` long). Identical units are one distinct text.

Per unit only numbers are kept (numpy columns: article, start, end, distinct text); per
distinct text one ``ClaimText`` (the text, its ``claim_key``, anchors and outlets), with the
outlet sets and anchor strings shared between texts rather than copied for each.
"""

from __future__ import annotations

import bisect
import itertools
import math
import re
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from provenance.anchors import AnchorFinder, AnchorLexicon
from provenance.config import Config
from provenance.fingerprint import normalize
from provenance.match.codes import unique
from provenance.match.units import in_id_order
from provenance.model import Article, ArticleResult, outlet_key

if TYPE_CHECKING:  # run.local imports resources, which imports this module
    from provenance.run.local import Executor

# Distinct texts described (claim key and anchors) by one executor task: the context (the
# anchor lexicon) travels with each chunk of tasks, the texts and what they give back with
# each task.
DESCRIBE_BLOCK = 256

_CUT = re.compile(r"[;,]\s+")
_WORD = re.compile(r"\w+", re.UNICODE)

Column = np.ndarray[Any, Any]


@dataclass(frozen=True)
class Unit:
    article_id: str
    start: int
    end: int
    text: str


def claim_key(text: str) -> str:
    """The form ``claim_score`` compares: normalised words, sorted, joined by spaces."""
    return " ".join(sorted(_WORD.findall(normalize(text))))


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


@dataclass(frozen=True)
class ClaimText:
    """A distinct unit text with what every link to it needs."""

    text: str
    key: str  # claim_key
    anchors: frozenset[str]
    outlets: frozenset[str]


def describe(texts: Sequence[str], lexicon: AnchorLexicon) -> list[tuple[str, frozenset[str]]]:
    """The ``claim_key`` and the anchors of each text."""
    find = AnchorFinder(lexicon)
    return [(claim_key(t), find(t)) for t in texts]


def describe_task(
    texts: list[str], lexicon: AnchorLexicon, resources: Any
) -> list[tuple[str, frozenset[str]]]:
    """``describe`` as an executor's task (``run.local.Task``)."""
    del resources
    return describe(texts, lexicon)


class ArticleTexts(Mapping[str, list[int]]):
    """Per article id (articles with units only, in id order): the distinct text of each
    of its units, in text order; computed from the unit columns when asked."""

    def __init__(self, ids: Sequence[str], cuts: Column, unit_text: Column) -> None:
        self._ids = ids
        self._cuts = cuts
        self._unit_text = unit_text

    def __getitem__(self, article_id: str) -> list[int]:
        n = bisect.bisect_left(self._ids, article_id)
        if n == len(self._ids) or self._ids[n] != article_id or not self._has(n):
            raise KeyError(article_id)
        found: list[int] = self._unit_text[self._cuts[n] : self._cuts[n + 1]].tolist()
        return found

    def _has(self, n: int) -> bool:
        return bool(self._cuts[n + 1] > self._cuts[n])

    def __iter__(self) -> Iterator[str]:
        return (a for n, a in enumerate(self._ids) if self._has(n))

    def __len__(self) -> int:
        return int(np.count_nonzero(np.diff(self._cuts)))


class ClaimCorpus:
    """The claim units of ``results`` (read through once, in id order); ``executor``
    describes the distinct texts (their keys and anchors: default, in this process)."""

    def __init__(
        self,
        results: Sequence[ArticleResult],
        config: Config,
        lex: AnchorLexicon,
        executor: Executor | None = None,
    ):
        self.articles: dict[str, Article] = {}  # without their text
        self.ids: list[str] = []  # in id order; ``unit_article`` points into it
        owner, starts, ends, text_of, outlet_of = (array("q") for _ in range(5))
        outlet_codes: dict[str, int] = {}
        index: dict[str, int] = {}
        for n, r in enumerate(in_id_order(results)):
            article = self.articles[r.article.id] = r.article.without_text()
            self.ids.append(article.id)
            code = outlet_codes.setdefault(outlet_key(article), len(outlet_codes))
            for u in units_of(r, config):
                owner.append(n)
                starts.append(u.start)
                ends.append(u.end)
                text_of.append(index.setdefault(u.text, len(index)))
                outlet_of.append(code)
        self.unit_article = np.asarray(owner, dtype=np.int64)
        self.unit_start = np.asarray(starts, dtype=np.int64)
        self.unit_end = np.asarray(ends, dtype=np.int64)
        self.unit_text = np.asarray(text_of, dtype=np.int64)
        self._by_text = np.argsort(self.unit_text, kind="stable")
        self._bounds = np.searchsorted(self.unit_text[self._by_text], np.arange(len(index) + 1))
        unit_outlet = np.asarray(outlet_of, dtype=np.int64)
        del owner, starts, ends, text_of, outlet_of
        names = list(outlet_codes)
        # the distinct (text, outlet) pairs, by text then outlet: each text's outlets
        width = max(len(names), 1)
        pairs = unique(self.unit_text * width + unit_outlet)
        pair_text, pair_outlet = np.divmod(pairs, width)
        first = np.searchsorted(pair_text, np.arange(len(index) + 1))
        # per distinct text, its only outlet's number, or -1 when it is in several
        self.text_outlet = np.where(np.diff(first) == 1, pair_outlet[first[:-1]], -1)
        bounds, codes = first.tolist(), pair_outlet.tolist()
        del unit_outlet, pairs, pair_text, pair_outlet, first
        outlet_sets: dict[tuple[int, ...], frozenset[str]] = {}  # one object per distinct set
        strings: dict[str, str] = {}  # one copy of each anchor
        self.texts: list[ClaimText] = []
        texts = list(index)  # in order of first occurrence (numbered so)
        del index
        described: Iterable[tuple[str, frozenset[str]]]
        if executor is None:
            find = AnchorFinder(lex)
            described = ((claim_key(t), find(t)) for t in texts)
        else:
            step = DESCRIBE_BLOCK
            blocks = (texts[lo : lo + step] for lo in range(0, len(texts), step))
            described = itertools.chain.from_iterable(executor.map(describe_task, blocks, lex))
        for k, (t, (key, found)) in enumerate(zip(texts, described, strict=True)):
            these = tuple(codes[bounds[k] : bounds[k + 1]])
            outlets = outlet_sets.get(these)
            if outlets is None:
                outlets = outlet_sets[these] = frozenset(names[c] for c in these)
            shared = frozenset(strings.setdefault(a, a) for a in found)
            self.texts.append(ClaimText(t, key, shared, outlets))
        del texts, strings
        cuts = np.searchsorted(self.unit_article, np.arange(len(self.ids) + 1))
        self.article_texts = ArticleTexts(self.ids, cuts, self.unit_text)
        df = Counter(a for t in self.texts for a in t.anchors)
        cc = config.claims
        common = max(cc.anchor_common_share * len(self.texts), cc.anchor_common_min)
        self.idf = {a: max(0.0, math.log(common / c)) if c < common else 0.0 for a, c in df.items()}

    def units_of_text(self, k: int) -> Column:
        """The units of distinct text ``k`` (positions, in unit order)."""
        return self._by_text[self._bounds[k] : self._bounds[k + 1]]

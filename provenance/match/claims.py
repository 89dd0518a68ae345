"""Claims repeated across outlets, in the same words, in other words or in another language.

Units: a claim unit is a sentence of the non-boilerplate text; a sentence longer than
``AlignConfig.claim_max_chars`` is cut into clauses at ``;`` or ``,`` (each clause at least
``FingerprintConfig.min_passage_chars`` long). Identical units are one distinct text.

Links between distinct texts of different outlets come from two candidate sources, never
from all pairs:

1. lexical: MinHash LSH over content words (``claim_shingles``: a paraphrase shares words
   but few word trigrams) proposes pairs; rapidfuzz's sorted-word ratio
   (``claim_score``) scores them;
2. semantic (when ``ClaimsConfig.model`` is not "none"): the units are embedded
   (``semantic.py``); candidate *article* pairs come from random-hyperplane LSH over each
   article's mean vector and from MinHash LSH over each article's anchor set, at most
   ``article_pairs`` per article; inside a candidate article pair the sentences are ranked
   against each other, and only mutually best pairs are kept (a claim is restated once per
   article; the second-best sentence of the other article is a neighbour on the same topic).

``confidence`` decides each link from its lexical score, cosine, whether it is mutually
best, and the rarity weight of the anchors the two texts share (``anchors.py``: names and
numbers in one form across spellings; weight = sum of log(share * units / units with the
anchor) over shared anchors found in fewer than ``anchor_common_share`` of the units (and
fewer than ``anchor_common_min``): a corpus's topic names, on every other sentence, weigh
nothing).

Groups do not drift: a group is a star around one centre text. The text with links into the
most other outlets (strong links first) becomes a centre and takes every not yet grouped text
it links to directly; then the next. Each occurrence therefore matches the group's claim
text itself, never only a neighbour of a neighbour. A group is reported when it spans two
outlets; it is ``strong`` when its centre's strong links reach another outlet.
"""

from __future__ import annotations

import heapq
import itertools
import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz

from provenance.anchors import AnchorLexicon
from provenance.config import AlignConfig, ClaimsConfig, Config
from provenance.fingerprint import claim_shingles as claim_shingles
from provenance.fingerprint import load_stopwords as load_stopwords
from provenance.match.candidates import Banding, candidates
from provenance.match.claim_corpus import AnchorTable, TextSequence, WorkFolder, claim_key
from provenance.match.claim_corpus import ClaimCorpus as _Corpus
from provenance.match.claim_corpus import ClaimText as _Text
from provenance.match.claim_corpus import Unit as Unit
from provenance.match.claim_corpus import clauses as clauses
from provenance.match.claim_corpus import units_of as units_of
from provenance.match.claim_pairs import semantic_pairs
from provenance.match.codes import unique
from provenance.match.origin import first_appearance
from provenance.match.units import MemoryTexts, Rows, RowStore, Texts
from provenance.model import (
    Article,
    ArticleResult,
    ClaimGroup,
    ClaimLink,
    ClaimOccurrence,
    Confidence,
    outlet_key,
)
from provenance.run.kernels import Kernels, Local, embed_whole

if TYPE_CHECKING:  # run.local imports resources, which imports this module
    from provenance.run.local import Executor

_SCRIPTS = (
    ("ko", re.compile(r"[\uac00-\ud7af]")),
    ("ja", re.compile(r"[\u3040-\u30ff]")),
    ("zh", re.compile(r"[\u4e00-\u9fff]")),
    ("ru", re.compile(r"[\u0400-\u04ff]")),
    ("ar", re.compile(r"[\u0600-\u06ff]")),
)


def claim_score(a: str, b: str) -> float:
    """Do two sentences state the same claim? Word order changes freely in a paraphrase, so
    the normalised words are sorted before comparing (``fuzz.token_sort_ratio``, 0-100); the
    threshold is calibrated on MSRP (see benchmarks/bench_reuse.py). ``claim_key``
    precomputes one side for many comparisons."""
    return claim_score_keys(claim_key(a), claim_key(b))


def claim_score_keys(a: str, b: str) -> float:
    """``claim_score`` of two ``claim_key`` forms."""
    return float(fuzz.ratio(a, b))


def language_of(article: Article, text: str) -> str | None:
    """The language of an occurrence: the article's, else a guess from a distinctive
    script (Korean, Japanese, Chinese, Cyrillic as Russian, Arabic), else None."""
    if article.language:
        return article.language
    for name, pattern in _SCRIPTS:
        if len(pattern.findall(text)) * 3 > len(text):
            return name
    return None


def confidence(
    lexical: float,
    semantic: float | None,
    mutual: bool,
    weight: float,
    claims: ClaimsConfig,
    align: AlignConfig,
) -> Confidence | None:
    """The confidence of a link between two sentences, or None when they are no claim pair
    (the rules are in ``ClaimsConfig``'s comments)."""
    anchored = weight >= claims.anchor_min_weight
    if lexical >= align.claim_min_score:
        return Confidence.STRONG
    if semantic is not None and mutual:
        if semantic >= claims.semantic_strong and anchored:
            return Confidence.STRONG
        if semantic >= claims.semantic_possible or (semantic >= claims.semantic_floor and anchored):
            return Confidence.POSSIBLE
    if lexical >= claims.lexical_possible and anchored:
        return Confidence.POSSIBLE
    return None


# Proposed pairs scored at once (an executor's item): their sentence vectors are read
# together, at most two rows of 2 KB per pair. Larger blocks read fewer times from the work
# folder; smaller ones hold less and split finer between workers.
SCORE_BLOCK = 8_192
# Rows between two wanted ones that are read through rather than skipped: one read of a
# run instead of several short ones, for at most this many unwanted rows per wanted one.
READ_GAP = 4

Codes = npt.NDArray[np.int64]
Flags = npt.NDArray[np.bool_]
PairBlock = tuple[Codes, Codes, Flags]  # first texts, second texts, mutually best


@dataclass(frozen=True)
class Scoring:
    """What deciding a proposed link needs: the distinct texts' claim keys (read back by
    number), their anchors (CSR columns of numbers into ``anchor_names``) and the anchors'
    rarity weights (by number), the sentence vectors (None without a model) and the
    thresholds. An executor sends it once to each worker that scores links."""

    keys: Texts
    anchor_names: Sequence[str]
    anchor_cuts: Codes
    anchor_ids: npt.NDArray[np.int32]
    idf: npt.NDArray[np.float64]
    vectors: Rows | None
    claims: ClaimsConfig
    align: AlignConfig

    @classmethod
    def of(cls, corpus: _Corpus, vectors: Rows | None, config: Config) -> Scoring:
        return cls(
            corpus.keys,
            corpus.anchor_names,
            corpus.anchor_cuts,
            corpus.anchor_ids,
            corpus.idf,
            vectors,
            config.claims,
            config.align,
        )

    @classmethod
    def of_texts(
        cls,
        texts: Sequence[_Text],
        idf: Mapping[str, float],
        vectors: Rows | None,
        claims: ClaimsConfig,
        align: AlignConfig,
    ) -> Scoring:
        """The scoring of ``texts`` held in memory, with the weights of ``idf`` (0 for an
        anchor it lacks)."""
        keys = MemoryTexts()
        keys.extend([t.key for t in texts])
        table = AnchorTable()
        for t in texts:
            table.add(sorted(t.anchors))
        names, cuts, ids = table.columns()
        weights = np.asarray([idf.get(a, 0.0) for a in names], dtype=np.float64)
        return cls(keys, names, cuts, ids, weights, vectors, claims, align)

    def shared(self, a: int, b: int) -> tuple[tuple[str, ...], float]:
        """The anchors two texts share, and their weight: a word of a shared name does not
        count again beside it ("north" and "korea" beside "northkorea")."""
        cuts, ids = self.anchor_cuts, self.anchor_ids
        both = set(ids[cuts[a] : cuts[a + 1]].tolist()) & set(ids[cuts[b] : cuts[b + 1]].tolist())
        common = {self.anchor_names[i]: i for i in both}
        counted: list[str] = []
        for x in sorted(common, key=lambda x: (-len(x), x)):
            if not any(x in longer for longer in counted):
                counted.append(x)
        weights: list[float] = self.idf[[common[x] for x in counted]].tolist()
        return tuple(sorted(common)), sum(weights)

    def link(self, a: int, b: int, mutual: bool) -> ClaimLink | None:
        """The link of texts ``a`` and ``b`` (of two outlets or more), or None."""
        one = np.asarray([a], dtype=np.int64), np.asarray([b], dtype=np.int64)
        found = self.links(*one, np.asarray([mutual]))
        return found[0][1] if found else None

    def links(self, a: Codes, b: Codes, mutual: Flags) -> list[tuple[int, ClaimLink]]:
        """The links of the pairs ``(a[k], b[k])``, as (k, link), for those that are
        links. What decides a pair is computed only as far as it can change the answer:
        a pair not mutually best is decided without its cosine (``confidence`` reads it
        only for mutually best pairs), and the shared anchors are weighed only for a pair
        that would be a link if they weighed enough (``anchor_min_weight`` only adds).
        The claim keys of the block's texts are read at once, each once."""
        claims, align = self.claims, self.align
        texts: list[int] = unique(np.r_[a, b]).tolist()
        key = dict(zip(texts, self.keys.many(texts), strict=True))
        lexical = [
            round(claim_score_keys(key[x], key[y]), 2)
            for x, y in zip(a.tolist(), b.tolist(), strict=True)
        ]
        del key
        flags: list[bool] = mutual.tolist()
        wanted = [
            k
            for k, (score, best) in enumerate(zip(lexical, flags, strict=True))
            if best or confidence(score, None, False, math.inf, claims, align) is not None
        ]
        semantic: dict[int, float] = {}
        if self.vectors is not None and wanted:
            at = np.asarray(wanted, dtype=np.int64)
            rows, where = _gather(self.vectors, np.r_[a[at], b[at]])
            for n, k in enumerate(wanted):
                dot = rows[where[n]] @ rows[where[n + len(wanted)]]
                semantic[k] = round(float(dot), 4)
        out: list[tuple[int, ClaimLink]] = []
        for k in wanted:
            cosine = semantic.get(k)
            if confidence(lexical[k], cosine, flags[k], math.inf, claims, align) is None:
                continue
            shared, weight = self.shared(int(a[k]), int(b[k]))
            level = confidence(lexical[k], cosine, flags[k], weight, claims, align)
            if level is not None:
                out.append((k, ClaimLink(lexical[k], cosine, shared, level)))
        return out


def _gather(vectors: Rows, wanted: Codes) -> tuple[Any, Codes]:
    """The rows ``wanted`` read at once, and where each of them is in what was read: each
    distinct row once, in row order, gaps of at most ``READ_GAP`` rows read through (a
    ``RowStore`` reads a run of consecutive rows in one go)."""
    rows = unique(wanted)
    if isinstance(vectors, np.ndarray):
        return vectors[rows], np.searchsorted(rows, wanted)
    starts = np.flatnonzero(np.r_[True, np.diff(rows) > READ_GAP + 1])
    ends = np.r_[starts[1:], len(rows)] - 1
    runs = [np.arange(rows[s], rows[e] + 1) for s, e in zip(starts, ends, strict=True)]
    read = np.concatenate(runs)
    return vectors[read], np.searchsorted(read, wanted)


def score_task(item: PairBlock, scoring: Scoring, resources: Any) -> list[tuple[int, ClaimLink]]:
    """``Scoring.links`` of a block of pairs as an executor's task (``run.local.Task``)."""
    del resources
    return scoring.links(*item)


def _lexical_candidates(corpus: _Corpus, config: Config, kernels: Kernels) -> Codes:
    """Pair codes (``a * len(texts) + b``, a < b) that the claim LSH proposes over the
    texts' signatures (made with the corpus), sorted: this process's kernels give them as
    arrays (``match.candidates.candidates``: no object per pair), others as records."""
    fp = config.fingerprint
    size = len(corpus)
    signatures = corpus.signatures
    if isinstance(kernels, Local):  # the same pairs as ``kernels.candidates``
        banding = Banding.for_threshold(signatures.shape[1], fp.claim_lsh_threshold)
        a, b, _ = candidates(signatures, banding, fp.max_candidates, fp.lsh_bands_per_pass)
        return np.asarray(a * size + b, dtype=np.int64)  # sorted by (a, b), each once
    found = kernels.candidates(
        signatures, fp.claim_lsh_threshold, fp.max_candidates, fp.lsh_bands_per_pass
    )
    return unique(np.fromiter((c.a * size + c.b for c in found), np.int64, len(found)))


def _links(
    corpus: _Corpus,
    config: Config,
    vectors: Rows | None,
    kernels: Kernels,
    executor: Executor | None,
) -> dict[tuple[int, int], ClaimLink]:
    """Accepted links between distinct texts of different outlets, keyed (a, b), a < b.
    The proposed pairs are held as pair codes (8 bytes each, plus a byte for "mutually
    best") and scored in order, ``SCORE_BLOCK`` pairs at a time."""
    size = len(corpus)
    lexical = _lexical_candidates(corpus, config, kernels)
    corpus.close()  # the signatures are read
    semantic = np.zeros(0, dtype=np.int64)
    if vectors is not None:
        # mutually best in a candidate article pair: sorted codes a * size + b (a vector a text)
        semantic = semantic_pairs(
            corpus.article_texts, corpus.article_outlets, vectors, corpus.anchor_sets, config
        )
    codes = unique(np.concatenate([lexical, semantic]))  # numpy's union1d, by a sort
    mutual = np.isin(codes, semantic, assume_unique=True)
    del lexical, semantic
    lone = corpus.text_outlet  # a text's only outlet, -1 for texts of several

    def proposed() -> Iterator[PairBlock]:
        for start in range(0, len(codes), SCORE_BLOCK):
            a, b = np.divmod(codes[start : start + SCORE_BLOCK], size)
            apart = (lone[a] < 0) | (lone[a] != lone[b])  # two outlets or more
            yield a[apart], b[apart], mutual[start : start + SCORE_BLOCK][apart]

    scoring = Scoring.of(corpus, vectors, config)
    blocks, sent = itertools.tee(proposed())
    if executor is None:
        found: Iterable[list[tuple[int, ClaimLink]]] = (scoring.links(*item) for item in sent)
    else:
        found = executor.map(score_task, sent, scoring)
    out: dict[tuple[int, int], ClaimLink] = {}
    for (a, b, _), links in zip(blocks, found, strict=True):
        for k, link in links:
            out[int(a[k]), int(b[k])] = link
    return out


def _stars(
    corpus: _Corpus, links: dict[tuple[int, int], ClaimLink]
) -> list[tuple[int, dict[int, ClaimLink]]]:
    """Groups as (centre, {member: its link with the centre}); see the module docstring."""
    neighbours: dict[int, dict[int, ClaimLink]] = {}
    for (a, b), link in links.items():
        neighbours.setdefault(a, {})[b] = link
        neighbours.setdefault(b, {})[a] = link

    def reach(node: int, free: set[int], level: Confidence | None) -> int:
        outlets = set(corpus.text_outlets[node])
        for other, link in neighbours[node].items():
            if other in free and (level is None or link.confidence == level):
                outlets |= corpus.text_outlets[other]
        return len(outlets)

    def rank(node: int, free: set[int]) -> tuple[int, int, int]:
        """The heap key of ``max``'s (strong reach, reach, -node): smallest first."""
        return (-reach(node, free, Confidence.STRONG), -reach(node, free, None), node)

    # The centre is the free text of the largest (strong reach, reach, -text). A reach only
    # shrinks as texts are taken, so a heap of keys computed earlier holds upper bounds:
    # the top is the centre once its key, computed again, has not changed (same centres
    # as a scan of every free text per group, without its quadratic cost).
    free = set(neighbours)
    heap = [rank(n, free) for n in sorted(free)]
    heapq.heapify(heap)
    groups: list[tuple[int, dict[int, ClaimLink]]] = []
    while heap:
        top = heapq.heappop(heap)
        centre = top[2]
        if centre not in free:
            continue
        now = rank(centre, free)
        if now != top:
            heapq.heappush(heap, now)
            continue
        members = {o: link for o, link in neighbours[centre].items() if o in free}
        free -= {centre, *members}
        if members:
            groups.append((centre, members))
    return groups


def _group(corpus: _Corpus, centre: int, members: dict[int, ClaimLink]) -> ClaimGroup | None:
    chosen = {centre, *members}
    at = sorted(i for k in chosen for i in corpus.units_of_text(k).tolist())
    arts, ids = corpus.articles, corpus.ids
    owner = {i: arts[ids[corpus.unit_article[i]]] for i in at}
    at.sort(key=lambda i: (owner[i].id, int(corpus.unit_start[i])))
    if len({outlet_key(owner[i]) for i in at}) < 2:
        return None
    strong_outlets = set(corpus.text_outlets[centre])
    for m, member_link in members.items():
        if member_link.confidence == Confidence.STRONG:
            strong_outlets |= corpus.text_outlets[m]
    numbers = sorted(chosen)
    text_of = dict(zip(numbers, corpus.texts.many(numbers), strict=True))
    occurrences = []
    for i in at:
        art, k = owner[i], int(corpus.unit_text[i])
        link = members.get(k)
        score = 100.0 if link is None else link.lexical
        occurrences.append(
            ClaimOccurrence(
                art.id,
                art.outlet,
                int(corpus.unit_start[i]),
                int(corpus.unit_end[i]),
                score,
                art.published,
                language_of(art, text_of[k]),
                link,
            )
        )
    first = first_appearance([owner[i] for i in at])
    level = Confidence.STRONG if len(strong_outlets) >= 2 else Confidence.POSSIBLE
    return ClaimGroup("", text_of[centre], tuple(occurrences), first, level)


def find_claims(
    results: Sequence[ArticleResult],
    config: Config,
    anchor_lexicon: AnchorLexicon | None = None,
    kernels: Kernels | None = None,
    executor: Executor | None = None,
    *,
    vectors_to: RowStore | None = None,
    describe_by: Executor | None = None,
    folder: WorkFolder | None = None,
) -> tuple[ClaimGroup, ...]:
    """Claim groups across ``results``: strong groups first, each kind in the order of its
    first occurrence; ``kernels`` sign and propose the lexical candidates, ``executor``
    scores the proposed links, ``describe_by`` finds each distinct text's claim key and
    anchors (default: ``executor``; default for all: in this process). The sentence vectors
    go to ``vectors_to`` (the work folder) when given, else they stay in memory; the
    distinct texts, their claim keys and signatures to ``folder`` (the work store) when
    given, else they stay in memory."""
    lexicon = anchor_lexicon or AnchorLexicon.load(load_stopwords())
    corpus = _Corpus(results, config, lexicon, describe_by or executor, folder)
    kernels = kernels or Local()
    vectors: Rows | None = None
    if config.claims.model != "none" and len(corpus):
        texts = TextSequence(corpus.texts)  # read back a block at a time
        if vectors_to is None:
            vectors = embed_whole(kernels, texts, config.claims.model)
        else:  # written a run at a time as they are made, read back a few rows at a time
            kernels.embed_into(texts, config.claims.model, vectors_to)
            vectors = vectors_to
        del texts
    links = _links(corpus, config, vectors, kernels, executor)
    found = [g for c, m in _stars(corpus, links) if (g := _group(corpus, c, m)) is not None]
    found.sort(
        key=lambda g: (
            g.confidence != Confidence.STRONG,
            g.occurrences[0].article_id,
            g.occurrences[0].start,
        )
    )
    return tuple(replace(g, id=f"claim-{n:04d}") for n, g in enumerate(found, start=1))

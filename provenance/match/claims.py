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

import itertools
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz

from provenance.anchors import AnchorLexicon
from provenance.config import AlignConfig, ClaimsConfig, Config
from provenance.fingerprint import FingerprintParams
from provenance.fingerprint import claim_shingles as claim_shingles
from provenance.fingerprint import load_stopwords as load_stopwords
from provenance.match.claim_corpus import ClaimCorpus as _Corpus
from provenance.match.claim_corpus import ClaimText as _Text
from provenance.match.claim_corpus import Unit as Unit
from provenance.match.claim_corpus import claim_key
from provenance.match.claim_corpus import clauses as clauses
from provenance.match.claim_corpus import units_of as units_of
from provenance.match.claim_groups import ClaimTable, Links, claim_table
from provenance.match.claim_groups import language_of as language_of
from provenance.match.claim_pairs import anchor_columns, semantic_pairs
from provenance.match.codes import unique
from provenance.match.units import Rows, RowStore
from provenance.model import (
    ArticleResult,
    ClaimLink,
    Confidence,
    outlet_key,
)
from provenance.run.kernels import Kernels, Local, embed_whole, sign_in_chunks

if TYPE_CHECKING:  # run.local imports resources, which imports this module
    from provenance.run.local import Executor


def claim_score(a: str, b: str) -> float:
    """Do two sentences state the same claim? Word order changes freely in a paraphrase, so
    the normalised words are sorted before comparing (``fuzz.token_sort_ratio``, 0-100); the
    threshold is calibrated on MSRP (see benchmarks/bench_reuse.py). ``claim_key``
    precomputes one side for many comparisons."""
    return claim_score_keys(claim_key(a), claim_key(b))


def claim_score_keys(a: str, b: str) -> float:
    """``claim_score`` of two ``claim_key`` forms."""
    return float(fuzz.ratio(a, b))


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
    """What deciding a proposed link needs: the distinct texts, the anchors' rarity
    weights, the sentence vectors (None without a model) and the thresholds. An executor
    sends it once to each worker that scores links."""

    texts: Sequence[_Text]
    idf: Mapping[str, float]
    vectors: Rows | None
    claims: ClaimsConfig
    align: AlignConfig

    def shared(self, a: int, b: int) -> tuple[tuple[str, ...], float]:
        """The anchors two texts share, and their weight: a word of a shared name does not
        count again beside it ("north" and "korea" beside "northkorea")."""
        common = self.texts[a].anchors & self.texts[b].anchors
        counted: list[str] = []
        for x in sorted(common, key=lambda x: (-len(x), x)):
            if not any(x in longer for longer in counted):
                counted.append(x)
        return tuple(sorted(common)), sum(self.idf[x] for x in counted)

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
        that would be a link if they weighed enough (``anchor_min_weight`` only adds)."""
        texts, claims, align = self.texts, self.claims, self.align
        lexical = [
            round(claim_score_keys(texts[x].key, texts[y].key), 2)
            for x, y in zip(a.tolist(), b.tolist(), strict=True)
        ]
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
    """Pair codes (``a * len(texts) + b``, a < b) that the claim LSH proposes, sorted."""
    params = FingerprintParams.from_config(config.fingerprint)
    shingler = partial(
        claim_shingles,
        params=params,
        stopwords=load_stopwords(),
        n=config.fingerprint.claim_word_shingle,
    )
    signatures = sign_in_chunks(kernels, [t.text for t in corpus.texts], params, shingler)
    fp = config.fingerprint
    found = kernels.candidates(
        signatures, fp.claim_lsh_threshold, fp.max_candidates, fp.lsh_bands_per_pass
    )
    size = len(corpus.texts)
    return unique(np.fromiter((c.a * size + c.b for c in found), np.int64, len(found)))


def _links(
    corpus: _Corpus,
    config: Config,
    vectors: Rows | None,
    kernels: Kernels,
    executor: Executor | None,
) -> Links:
    """Accepted links between distinct texts of different outlets, (a, b) with a < b.
    The proposed pairs are held as pair codes (8 bytes each, plus a byte for "mutually
    best") and scored in order, ``SCORE_BLOCK`` pairs at a time."""
    size = len(corpus.texts)
    lexical = _lexical_candidates(corpus, config, kernels)
    semantic = np.zeros(0, dtype=np.int64)
    if vectors is not None:
        outlet_of = {a: outlet_key(art) for a, art in corpus.articles.items()}
        anchors = anchor_columns([t.anchors for t in corpus.texts])
        # mutually best in a candidate article pair: sorted codes a * size + b (a vector a text)
        semantic = semantic_pairs(corpus.article_texts, outlet_of, vectors, anchors, config)
    codes = unique(np.concatenate([lexical, semantic]))  # numpy's union1d, by a sort
    mutual = np.isin(codes, semantic, assume_unique=True)
    del lexical, semantic
    lone = corpus.text_outlet  # a text's only outlet, -1 for texts of several

    def proposed() -> Iterator[PairBlock]:
        for start in range(0, len(codes), SCORE_BLOCK):
            a, b = np.divmod(codes[start : start + SCORE_BLOCK], size)
            apart = (lone[a] < 0) | (lone[a] != lone[b])  # two outlets or more
            yield a[apart], b[apart], mutual[start : start + SCORE_BLOCK][apart]

    scoring = Scoring(corpus.texts, corpus.idf, vectors, config.claims, config.align)
    blocks, sent = itertools.tee(proposed())
    if executor is None:
        found: Iterable[list[tuple[int, ClaimLink]]] = (scoring.links(*item) for item in sent)
    else:
        found = executor.map(score_task, sent, scoring)

    def accepted() -> Iterator[tuple[Codes, Codes, list[ClaimLink]]]:
        for (a, b, _), links in zip(blocks, found, strict=True):
            at = np.asarray([k for k, _ in links], dtype=np.int64)
            yield a[at], b[at], [link for _, link in links]

    return Links.of(accepted())  # each block's links made columns as it comes


def find_claims(
    results: Sequence[ArticleResult],
    config: Config,
    anchor_lexicon: AnchorLexicon | None = None,
    kernels: Kernels | None = None,
    executor: Executor | None = None,
    *,
    vectors_to: RowStore | None = None,
    describe_by: Executor | None = None,
) -> ClaimTable:
    """Claim groups across ``results``: strong groups first, each kind in the order of its
    first occurrence; ``kernels`` sign and propose the lexical candidates, ``executor``
    scores the proposed links, ``describe_by`` finds each distinct text's claim key and
    anchors (default: ``executor``; default for all: in this process). The sentence vectors
    go to ``vectors_to`` (the work folder) when given, else they stay in memory."""
    lexicon = anchor_lexicon or AnchorLexicon.load(load_stopwords())
    corpus = _Corpus(results, config, lexicon, describe_by or executor)
    kernels = kernels or Local()
    vectors: Rows | None = None
    if config.claims.model != "none" and corpus.texts:
        texts = [t.text for t in corpus.texts]
        if vectors_to is None:
            vectors = embed_whole(kernels, texts, config.claims.model)
        else:  # written a run at a time as they are made, read back a few rows at a time
            kernels.embed_into(texts, config.claims.model, vectors_to)
            vectors = vectors_to
        del texts
    links = _links(corpus, config, vectors, kernels, executor)
    return claim_table(corpus, links)

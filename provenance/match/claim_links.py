"""Links between the distinct claim texts: proposed pairs, scored and decided.

The lexical candidates come from MinHash LSH over the texts' signatures (made with the
corpus: ``claim_corpus``), as pair codes; the semantic ones from ``claim_pairs``. The
proposed pairs are scored ``SCORE_BLOCK`` at a time (``Scoring``: claim keys read back per
block, shared anchors weighed from the corpus's columns, cosines from the sentence vectors
when there is a model) and ``confidence`` decides each (see ``claims``' module docstring).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz

from provenance.config import AlignConfig, ClaimsConfig, Config
from provenance.match.anchor_table import AnchorTable
from provenance.match.candidates import Banding, CodeParts, candidate_parts
from provenance.match.claim_corpus import ClaimCorpus as _Corpus
from provenance.match.claim_corpus import ClaimText as _Text
from provenance.match.claim_groups import Links
from provenance.match.claim_pairs import (
    ARTICLE_PAIRS,
    FOUND_NEXT,
    FOUND_SO_FAR,
    AnchorColumns,
    semantic_pairs,
)
from provenance.match.codes import Column, Picked, runs, spread, union_blocks, unique
from provenance.match.units import KeptSteps, MemoryTexts, Rows, Texts, kept_column
from provenance.model import ClaimLink, Confidence
from provenance.run.heap import give_back
from provenance.run.kernels import Kernels, Local
from provenance.run.serial import paired

if TYPE_CHECKING:  # run.local imports resources, which imports the claims
    from provenance.run.local import Executor


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
# Blocks sent to a worker at once (``Executor.map``'s ``chunk``). A pool holds two chunks
# a worker in flight, with the blocks this process keeps until their links come back: with
# the pool's default (64 items, made for articles) that was ~2.6 million pairs and their
# links at two workers, the claim links' peak. One block a chunk holds the fewest; a
# chunk costs a round trip to a worker (about a millisecond against the block's scoring).
SCORE_CHUNK = 1
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
    anchor_ids: Picked  # an array, or the file the corpus parked it in
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
    starts, ends = runs(rows, READ_GAP + 1)
    read, _ = spread(rows[starts], rows[ends - 1] + 1)
    return vectors[read], np.searchsorted(read, wanted)


def score_task(item: PairBlock, scoring: Scoring, resources: Any) -> list[tuple[int, ClaimLink]]:
    """``Scoring.links`` of a block of pairs as an executor's task (``run.local.Task``)."""
    del resources
    return scoring.links(*item)


def _kept_codes(kept: KeptSteps | None, name: str, make: Callable[[], Mapping[str, Any]]) -> Column:
    """The pair codes of step ``name``: made (``make``: an array, or ``CodeParts``), or
    with ``kept`` (the work store) made once and kept (parts written as they are read,
    never joined), then read from their file a slice at a time as they are merged, never
    held whole (the lexical ones: 111 million, 0.9 GB, at a million articles)."""
    if kept is None:
        codes = make()["codes"]
        return codes.joined()[0] if isinstance(codes, CodeParts) else codes
    if not kept.has_arrays(name):
        made = make()
        codes = made["codes"]
        if isinstance(codes, CodeParts):
            with codes:
                parts = (part for part, _ in codes)
                kept.keep_parts(name, "codes", np.int64, codes.total, parts)
        elif isinstance(codes, np.ndarray):
            kept.keep_arrays(name, made)  # the made codes go once kept
        else:  # a column of a file (the semantic ones): copied a slice at a time
            parts = (codes[lo : lo + SCORE_BLOCK] for lo in range(0, len(codes), SCORE_BLOCK))
            kept.keep_parts(name, "codes", np.int64, len(codes), parts)
        del made, codes
    return kept_column(kept, name, "codes")


def _lexical_candidates(corpus: _Corpus, config: Config, kernels: Kernels) -> Codes | CodeParts:
    """Pair codes (``a * len(texts) + b``, a < b) that the claim LSH proposes over the
    texts' signatures (made with the corpus), sorted: this process's kernels give them in
    parts (``match.candidates.candidate_parts``: no object per pair, never joined when
    kept), others as records."""
    fp = config.fingerprint
    size = len(corpus)
    signatures = corpus.signatures
    if isinstance(kernels, Local):  # the same pairs as ``kernels.candidates``
        banding = Banding.for_threshold(signatures.shape[1], fp.claim_lsh_threshold)
        # sorted by (a, b), each once (spilled beside a stored matrix)
        return candidate_parts(signatures, banding, fp.max_candidates, fp.lsh_bands_per_pass)
    found = kernels.candidates(
        signatures, fp.claim_lsh_threshold, fp.max_candidates, fp.lsh_bands_per_pass
    )
    return unique(np.fromiter((c.a * size + c.b for c in found), np.int64, len(found)))


# The steps' results kept by name (at a million articles each step is minutes to an hour);
# the pipeline drops them once the stage's results are stored.
LEXICAL, SEMANTIC, LINKS = "claim-lexical", "claim-semantic", "claim-links"
CHECKPOINTS = (LEXICAL, ARTICLE_PAIRS, FOUND_SO_FAR, FOUND_NEXT, SEMANTIC, LINKS)


def _links(
    corpus: _Corpus,
    config: Config,
    vectors: Rows | None,
    kernels: Kernels,
    executor: Executor | None,
    kept: KeptSteps | None = None,
) -> Links:
    """Accepted links between distinct texts of different outlets, (a, b) with a < b.
    The proposed pairs are held as pair codes (8 bytes each; the lexical and the semantic
    ones apart, each sorted) and merged and scored in order, ``SCORE_BLOCK`` pairs at a
    time (``codes.union_blocks``). With ``kept`` (the work store), each step's result is
    kept once made, and a resumed run takes up those it finds; the links themselves are
    written a block at a time as they are scored and read from their file as the groups
    need them (``Links``), never held whole."""
    if kept is None:
        found = Links.of(_accepted(corpus, config, vectors, kernels, executor, kept))
    else:  # each block of links written as it comes (never joined), then read from the file
        if not kept.has_arrays(LINKS):
            accepted = _accepted(corpus, config, vectors, kernels, executor, kept)
            kept.keep_blocks(LINKS, Links.KINDS, (Links.block(*item) for item in accepted))
        found = Links(**{f.name: kept_column(kept, LINKS, f.name) for f in fields(Links)})
    corpus.close()  # the signatures and keys are read (or, the links kept, never needed)
    corpus.close_keys()
    give_back()  # the free pages the scoring left (its blocks, the links sent back)
    return found


def _accepted(
    corpus: _Corpus,
    config: Config,
    vectors: Rows | None,
    kernels: Kernels,
    executor: Executor | None,
    kept: KeptSteps | None,
) -> Iterator[tuple[Codes, Codes, list[ClaimLink]]]:
    """``_links`` made: the proposed pairs scored and decided, the links given a block at
    a time (first texts, second texts, their links) as the blocks are scored."""
    size = len(corpus)

    def lexical_codes() -> Mapping[str, Any]:
        return {"codes": _lexical_candidates(corpus, config, kernels)}

    lexical = _kept_codes(kept, LEXICAL, lexical_codes)
    corpus.close()  # the signatures are read
    give_back()  # the free pages the step's parts left
    semantic: Column = np.zeros(0, dtype=np.int64)
    if vectors is not None:
        # mutually best in a candidate article pair: sorted codes a * size + b (a vector a text)
        anchors = AnchorColumns(corpus.anchor_names, corpus.anchor_cuts, corpus.anchor_ids)
        found_by = vectors

        def semantic_codes() -> Mapping[str, Any]:
            texts, outlets = corpus.article_texts, corpus.article_outlets
            codes = semantic_pairs(texts, outlets, found_by, anchors, config, kept, executor)
            return {"codes": codes}

        semantic = _kept_codes(kept, SEMANTIC, semantic_codes)
    lone = corpus.text_outlet  # a text's only outlet, -1 for texts of several

    def proposed() -> Iterator[PairBlock]:
        # both proposals (each sorted, each pair once) merged in code order a block at a
        # time, "mutually best" for the semantic ones: no union of all of them at once
        for codes, mutual in union_blocks(lexical, semantic, SCORE_BLOCK):
            a, b = np.divmod(codes, size)
            apart = (lone[a] < 0) | (lone[a] != lone[b])  # two outlets or more
            yield a[apart], b[apart], mutual[apart]

    scoring = Scoring.of(corpus, vectors, config)
    found = paired(executor, score_task, proposed(), scoring, chunk=SCORE_CHUNK)

    def accepted() -> Iterator[tuple[Codes, Codes, list[ClaimLink]]]:
        for (a, b, _), links in found:
            at = np.asarray([k for k, _ in links], dtype=np.int64)
            yield a[at], b[at], [link for _, link in links]

    return accepted()

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

import bisect
import heapq
import itertools
import math
import pickle
import re
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING, Any, overload

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
from provenance.match.claim_pairs import anchor_columns, semantic_pairs
from provenance.match.codes import unique
from provenance.match.origin import first_appearance
from provenance.match.units import Rows, RowStore
from provenance.model import (
    Article,
    ArticleResult,
    ClaimGroup,
    ClaimLink,
    ClaimOccurrence,
    Confidence,
    outlet_key,
)
from provenance.run.kernels import Kernels, Local, embed_whole, sign_in_chunks

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


_LEVELS = (Confidence.STRONG, Confidence.POSSIBLE)  # a link's ``level``: its position here


@dataclass(frozen=True)
class Links:
    """Accepted links between distinct texts as columns, ascending by (a, b), a < b: what
    a ``ClaimLink`` holds but its shared anchors, which ``_group`` finds again for the
    links of a group it makes (so that no link stays an object)."""

    a: Codes
    b: Codes
    lexical: npt.NDArray[np.float64]
    semantic: npt.NDArray[np.float64]  # NaN: none (no model)
    level: npt.NDArray[np.int8]  # position in ``_LEVELS``

    @classmethod
    def of(cls, parts: Iterable[tuple[Codes, Codes, Sequence[ClaimLink]]]) -> Links:
        """Columns of blocks of links (first texts, second texts, their links)."""
        a, b, lexical, semantic, level = [], [], [], [], []
        for x, y, links in parts:
            a.append(x)
            b.append(y)
            lexical.append(np.asarray([k.lexical for k in links], dtype=np.float64))
            cosines = [math.nan if k.semantic is None else k.semantic for k in links]
            semantic.append(np.asarray(cosines, dtype=np.float64))
            levels = [_LEVELS.index(k.confidence) for k in links]
            level.append(np.asarray(levels, dtype=np.int8))

        def joined(arrays: list[Any], dtype: Any) -> Any:
            return np.concatenate(arrays) if arrays else np.zeros(0, dtype=dtype)

        return cls(
            joined(a, np.int64),
            joined(b, np.int64),
            joined(lexical, np.float64),
            joined(semantic, np.float64),
            joined(level, np.int8),
        )

    def __len__(self) -> int:
        return len(self.a)

    def link(self, k: int, anchors: tuple[str, ...]) -> ClaimLink:
        """Link ``k`` as a ``ClaimLink``, with the ``anchors`` its two texts share."""
        cosine = float(self.semantic[k])
        semantic = None if math.isnan(cosine) else cosine
        return ClaimLink(float(self.lexical[k]), semantic, anchors, _LEVELS[self.level[k]])


def _outlets(corpus: _Corpus, k: int) -> frozenset[str]:
    """The outlets of distinct text ``k``."""
    return corpus.texts[k].outlets


def _text(corpus: _Corpus, k: int) -> str:
    return corpus.texts[k].text


def _shared(corpus: _Corpus, a: int, b: int) -> tuple[str, ...]:
    """The anchors texts ``a`` and ``b`` share, sorted (a ``ClaimLink``'s ``anchors``)."""
    return tuple(sorted(corpus.texts[a].anchors & corpus.texts[b].anchors))


Star = tuple[int, Codes, Codes]  # centre, members (texts), their links with it (``Links`` rows)


def _stars(corpus: _Corpus, links: Links) -> Iterator[Star]:
    """Groups as (centre, members, the rows of ``links`` that link each to the centre),
    as they are found; see the module docstring. The neighbours of the linked texts are
    numpy arrays (CSR, texts numbered in order among the linked ones)."""
    count = len(links)
    ends = np.r_[links.a, links.b]
    nodes = unique(ends)  # the linked texts, ascending: node k is text nodes[k]
    order = np.argsort(ends, kind="stable")
    last = nodes[-1] + 1 if len(nodes) else 0
    cuts = np.asarray(np.searchsorted(ends[order], np.r_[nodes, last]), dtype=np.int64)
    other = np.asarray(np.searchsorted(nodes, np.r_[links.b, links.a][order]), dtype=np.int64)
    row = np.r_[np.arange(count), np.arange(count)][order]
    del ends, order
    strong = links.level == _LEVELS.index(Confidence.STRONG)
    free = np.ones(len(nodes), dtype=np.bool_)

    def reach(node: int, strong_only: bool) -> int:
        near = other[cuts[node] : cuts[node + 1]]
        keep = free[near]
        if strong_only:
            keep &= strong[row[cuts[node] : cuts[node + 1]]]
        outlets = set(_outlets(corpus, int(nodes[node])))
        for text in nodes[near[keep]].tolist():
            outlets |= _outlets(corpus, text)
        return len(outlets)

    most = len(set().union(*(_outlets(corpus, t) for t in nodes.tolist())))  # any reach's top
    span = max(len(nodes), 1)

    def rank(node: int) -> int:
        """The heap key of ``max``'s (strong reach, reach, -node), smallest first, as one
        integer: the digits ``most - reach`` (base ``most + 1``), then the node (below
        ``span``)."""
        high, low = most - reach(node, True), most - reach(node, False)
        return (high * (most + 1) + low) * span + node

    # The centre is the free text of the largest (strong reach, reach, -text). A reach only
    # shrinks as texts are taken, so a heap of keys computed earlier holds upper bounds:
    # the top is the centre once its key, computed again, has not changed (same centres
    # as a scan of every free text per group, without its quadratic cost).
    heap = [rank(n) for n in range(len(nodes))]
    heapq.heapify(heap)
    while heap:
        top = heapq.heappop(heap)
        centre = top % span
        if not free[centre]:
            continue
        now = rank(centre)
        if now != top:
            heapq.heappush(heap, now)
            continue
        near = other[cuts[centre] : cuts[centre + 1]]
        taken = free[near]
        members, rows = near[taken], row[cuts[centre] : cuts[centre + 1]][taken]
        free[centre] = False
        free[members] = False
        if len(members):
            yield int(nodes[centre]), nodes[members], rows


def _group(corpus: _Corpus, star: Star, links: Links) -> ClaimGroup | None:
    centre = star[0]
    members = {
        m: links.link(r, _shared(corpus, centre, m))
        for m, r in zip(star[1].tolist(), star[2].tolist(), strict=True)
    }
    chosen = {centre, *members}
    at = sorted(i for k in chosen for i in corpus.units_of_text(k).tolist())
    arts, ids = corpus.articles, corpus.ids
    owner = {i: arts[ids[corpus.unit_article[i]]] for i in at}
    at.sort(key=lambda i: (owner[i].id, int(corpus.unit_start[i])))
    if len({outlet_key(owner[i]) for i in at}) < 2:
        return None
    strong_outlets = set(_outlets(corpus, centre))
    for m, member_link in members.items():
        if member_link.confidence == Confidence.STRONG:
            strong_outlets |= _outlets(corpus, m)
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
                language_of(art, _text(corpus, k)),
                link,
            )
        )
    first = first_appearance([owner[i] for i in at])
    level = Confidence.STRONG if len(strong_outlets) >= 2 else Confidence.POSSIBLE
    return ClaimGroup("", _text(corpus, centre), tuple(occurrences), first, level)


class ClaimTable(Sequence[ClaimGroup]):
    """The claim groups in report order (strong groups first, each kind in the order of
    its first occurrence), each numbered ``claim-NNNN`` when read: kept pickled, one after
    the other in one buffer, as they are made (a group as objects takes several times its
    pickled bytes), and made again one at a time when read."""

    def __init__(self) -> None:
        self._blob = bytearray()
        self._ends = array("q")
        self._keys = array("q")  # per group: strong (0) or not, first article, start
        self._order: npt.NDArray[np.int64] | None = None

    def add(self, group: ClaimGroup, article: int) -> None:
        """Add ``group``, whose first occurrence is in article number ``article``."""
        self._blob += pickle.dumps(group, pickle.HIGHEST_PROTOCOL)
        self._ends.append(len(self._blob))
        first = group.occurrences[0]
        self._keys.extend((group.confidence != Confidence.STRONG, article, first.start))
        self._order = None

    def __len__(self) -> int:
        return len(self._ends)

    def _sorted(self) -> npt.NDArray[np.int64]:
        if self._order is None:
            keys = np.asarray(self._keys, dtype=np.int64).reshape(-1, 3)
            self._order = np.lexsort((keys[:, 2], keys[:, 1], keys[:, 0]))
        return self._order

    def _made(self, n: int) -> ClaimGroup:
        k = int(self._sorted()[n])
        start = self._ends[k - 1] if k else 0
        group: ClaimGroup = pickle.loads(self._blob[start : self._ends[k]])
        return replace(group, id=f"claim-{n + 1:04d}")

    def __iter__(self) -> Iterator[ClaimGroup]:
        return (self._made(n) for n in range(len(self)))

    @overload
    def __getitem__(self, index: int) -> ClaimGroup: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[ClaimGroup]: ...
    def __getitem__(self, index: int | slice) -> ClaimGroup | Sequence[ClaimGroup]:
        if isinstance(index, slice):
            return [self[k] for k in range(*index.indices(len(self)))]
        if not -len(self) <= index < len(self):
            raise IndexError(index)
        return self._made(index % len(self))

    def __eq__(self, other: object) -> bool:
        """The same groups in the same order (another ``ClaimTable`` only, as a tuple
        equals tuples only)."""
        if not isinstance(other, ClaimTable):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]  # mutable while groups are added

    def __getstate__(self) -> dict[str, Any]:
        self._sorted()
        return self.__dict__


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
    found = ClaimTable()
    for star in _stars(corpus, links):
        group = _group(corpus, star, links)
        if group is not None:
            found.add(group, bisect.bisect_left(corpus.ids, group.occurrences[0].article_id))
    return found

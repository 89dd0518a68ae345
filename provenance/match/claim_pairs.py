"""Semantic claim candidates: article pairs from LSH, then sentence ranking inside each pair.

1. Candidate article pairs (never all pairs): random-hyperplane LSH over each article's mean
   sentence vector (``semantic.simhash_buckets``: buckets of at most ``simhash_max_bucket``
   articles, crowds re-split from ``simhash_split_from`` articles on, so an article has at
   most ``simhash_bands * (simhash_max_bucket - 1)`` proposals whatever the corpus size)
   and MinHash LSH over each article's set of anchors (``candidates.lsh_candidates``),
   articles of different outlets only. Each article keeps the ``ClaimsConfig.article_pairs``
   partners with the highest cosine + anchor Jaccard, scored with numpy a chunk of pairs at
   a time and kept in two ``n`` x ``article_pairs`` arrays (``_Best``).
2. Inside a candidate pair, the cosine matrix of the two articles' sentences is computed and
   the mutually best pairs (each the other's most similar sentence in the other article) are
   returned: ``claims.confidence`` then decides them.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, overload

import numpy as np
import numpy.typing as npt

from provenance.config import Config
from provenance.fingerprint import FingerprintParams
from provenance.match.articles import Names, Strings
from provenance.match.candidates import (
    Banding,
    SignatureRows,
    Signatures,
    band_links,
    equal_counts,
)
from provenance.match.claim_columns import ArticleTexts
from provenance.match.codes import (
    Column,
    Picked,
    expand,
    index_type,
    lex_order,
    union,
    union_blocks,
    unique,
)
from provenance.match.signatures import BatchSigner
from provenance.match.spill import Buckets, SpillMatrix
from provenance.match.units import KeptSteps, Rows, kept_column
from provenance.run.serial import mapped, paired
from provenance.semantic import Vectors, bucket_pairs, simhash_buckets

if TYPE_CHECKING:  # run.local imports resources, which imports the claims
    from provenance.run.local import Executor

PAIR_CHUNK = 65_536  # pair codes scored per step, at least (bounds the arrays alive at once)
# article pairs whose cosine and anchor Jaccard are computed (and offered) at once, an
# executor's item: ~60 bytes a pair alive while they are (4 MB), and on a pool a few items
# in flight with their pickled copies; fewer, more passes of numpy calls (the merges are not
# more). 2**20 held 63 MB; 2**18, on a pool of 2, 20 MB more than in one process at 30,000
# articles (bench_claim_pairs --vectors kept), and 2**16 none, and no slower
SCORE_PART = 1 << 16
MERGE_MAX = 1 << 22  # kept offers merged at once, at most (bounds memory at any corpus size)
# articles whose kept partners are merged with their new offers at once: a block's merge
# holds ~50 bytes a kept partner of its articles (2**14 x article_pairs 20: ~16 MB; 2**16
# held ~65 MB); fewer, more numpy calls a merge
MERGE_ROWS = 1 << 14
# articles whose kept pairs (by the lower article) are found and sorted at once: ~32 bytes
# a kept partner while they are (2**16 x article_pairs 20: ~40 MB); each such block reads
# the kept partners of every article after its first, so fewer articles, more reads
CODE_ROWS = 1 << 16
LOOKUPS = 1 << 18  # anchors of both sets of a chunk of pairs for their Jaccard (~6 x 8 B each)
EQUAL_CHUNK = 8_192  # anchor pairs whose two signatures are gathered at once (2 x 512 B each)
RANK_PAIRS = 512  # pairs ranked per read of their articles' text vectors (one read each)
MEAN_BLOCK = 512  # articles whose text vectors are read at once for their means
DOT_CHUNK = 2_048  # pairs whose mean vectors are read at once (each distinct one once)
# pairs whose two mean vectors are gathered at once for their dot products: 2 x 128 x 2 KB,
# below ``heap.MMAP_THRESHOLD``, so the copies reuse the heap's pages; more, each copy is
# mapped and faulted in anew; fewer, more numpy calls
DOT_PART = 128
ARTICLE_BLOCK = 4_096  # articles whose means (or anchor sets) are made, or signed, at once
# Text pairs found that wait in memory to be merged with those found before, at most (64 MB)
FOUND_HELD = 1 << 23
MERGE_BLOCK = 1 << 20  # codes of the found ones read (and merged) at once from their file

Codes = npt.NDArray[np.int64]


class _Matrix(SignatureRows, SpillMatrix, Protocol):
    """A work-folder matrix file (``match.spill``) that LSH reads as signatures."""


# A uint32 matrix file of the work folder, by name and width (``run.stored.StoredRows.beside``)
Spill = Callable[[str, int], _Matrix]


class AnchorColumns(NamedTuple):
    """Sets of anchors as numbered columns (CSR): set ``k`` holds the anchors
    ``names[i]`` for ``i`` in ``ids[cuts[k] : cuts[k + 1]]``. The claim corpus gives one
    per distinct text; ``semantic_pairs`` makes one per article from it."""

    names: Names  # the distinct anchors
    cuts: npt.NDArray[np.integer[Any]]  # len(sets) + 1 (int32 or int64)
    ids: Picked  # int32: an array, or the file the claim corpus parked it in

    def size(self) -> int:
        """How many sets (``len`` is the tuple's: 3)."""
        return len(self.cuts) - 1

    def of(self, k: int) -> frozenset[str]:
        """Set ``k`` as strings."""
        return frozenset(self.names[i] for i in self.ids[self.cuts[k] : self.cuts[k + 1]].tolist())


def anchor_columns(sets: Sequence[Iterable[str]]) -> AnchorColumns:
    """``AnchorColumns`` of sets of strings (each set's ids ascending; the names sorted)."""
    names = sorted(set().union(*sets)) if sets else []
    number = {a: k for k, a in enumerate(names)}
    found = [np.sort(np.asarray([number[a] for a in set(s)], dtype=np.int32)) for s in sets]
    cuts = np.r_[0, np.cumsum([len(f) for f in found])].astype(np.int64)
    ids = np.concatenate(found) if found else np.zeros(0, dtype=np.int32)
    return AnchorColumns(Names(Strings(names)), cuts, ids.astype(np.int32))


class _TextsOf(Sequence[list[int]]):
    """The texts of the articles ``ids`` (each article's, in text order), by position, as
    CSR columns: article ``k`` has ``column[cuts[k] : cuts[k + 1]]``. A claim corpus's
    ``ArticleTexts`` gives its own columns (``spans``: no article looked up by id); any
    other mapping is read into an array once."""

    def __init__(self, article_texts: Mapping[str, Sequence[int]], ids: Sequence[str]) -> None:
        if isinstance(article_texts, ArticleTexts):
            self._cuts, self._column = article_texts.spans()
        else:
            lists = [article_texts[i] for i in ids]
            self._cuts = np.r_[0, np.cumsum([len(t) for t in lists])].astype(np.int64)
            flat = itertools.chain.from_iterable(lists)
            self._column = np.fromiter(flat, np.int64, int(self._cuts[-1]))
        if len(self._cuts) != len(ids) + 1:
            raise ValueError("the articles' texts and their ids disagree")

    def __len__(self) -> int:
        return len(self._cuts) - 1

    @overload
    def __getitem__(self, index: int) -> list[int]: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[list[int]]: ...
    def __getitem__(self, index: int | slice) -> list[int] | Sequence[list[int]]:
        if isinstance(index, slice):
            flat, cuts = self.block(*index.indices(len(self))[:2])
            return [flat[a:b].tolist() for a, b in itertools.pairwise(cuts.tolist())]
        k = range(len(self))[index]
        found: list[int] = self._column[int(self._cuts[k]) : int(self._cuts[k + 1])].tolist()
        return found

    def block(self, lo: int, hi: int) -> tuple[Codes, Codes]:
        """The texts of articles ``lo`` to ``hi - 1`` end to end (one read: consecutive
        articles' texts are), and where each article's start among them (and the end)."""
        hi = max(lo, min(hi, len(self)))
        first = int(self._cuts[lo])
        cuts = self._cuts[lo : hi + 1].astype(np.int64) - first
        return np.asarray(self._column[first : first + int(cuts[-1])], dtype=np.int64), cuts

    def distinct(self, articles: Codes) -> tuple[Codes, Codes]:
        """Each of ``articles``' distinct texts ascending (``sorted(set(self[a]))``),
        article after article, read at once, and where each article's start among them
        (and the end)."""
        at, owner = expand(self._cuts, articles)
        texts = np.asarray(self._column.take(at), dtype=np.int64)
        width = int(texts.max()) + 1 if len(texts) else 1
        owner, texts = np.divmod(unique(owner * width + texts), width)
        return texts, np.searchsorted(owner, np.arange(len(articles) + 1)).astype(np.int64)


def _article_anchors(texts_of: _TextsOf, per_text: AnchorColumns) -> AnchorColumns:
    """Each article's anchors (the union of its texts'), as columns of the same names with
    each article's ids ascending, ``ARTICLE_BLOCK`` articles at a time."""
    width = max(len(per_text.names), 1)
    sizes: list[Codes] = []
    found: list[npt.NDArray[np.int32]] = []
    for lo in range(0, len(texts_of), ARTICLE_BLOCK):
        texts, cuts = texts_of.block(lo, lo + ARTICLE_BLOCK)
        counts = np.diff(cuts)
        article = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
        at, owner = expand(per_text.cuts, texts)
        keys = unique(article[owner] * width + per_text.ids.take(at))
        sizes.append(np.bincount(keys // width, minlength=len(counts)))
        found.append((keys % width).astype(np.int32))
    size = np.concatenate(sizes) if sizes else np.zeros(0, dtype=np.int64)
    ids = np.concatenate(found) if found else np.zeros(0, dtype=np.int32)
    return AnchorColumns(per_text.names, np.r_[0, np.cumsum(size)].astype(np.int64), ids)


class _Anchors:
    """Each article's anchor set as sorted anchor numbers (``AnchorColumns`` of articles,
    each set's ids ascending), for the sizes of many pairs' intersections at once: for a
    chunk of pairs, the anchors of each distinct larger set of the chunk, keyed by that
    set's rank and the anchor (ascending, as the columns are), and each anchor of a pair's
    smaller set looked up among them by one ``numpy.searchsorted``. Nothing beyond the
    columns is held between chunks (a joined key per entry of every set was 8 bytes an
    anchor of an article)."""

    def __init__(self, sets: AnchorColumns) -> None:
        self.size = np.diff(sets.cuts)
        self.ptr = sets.cuts.astype(np.int64, copy=False)
        self.ids = np.asarray(sets.ids[:])
        # anchor numbers are below this: a key ``rank * width + id`` orders as (rank, id)
        self.width = int(self.ids.max()) + 1 if len(self.ids) else 1

    def jaccard(self, a: Codes, b: Codes) -> npt.NDArray[np.float64]:
        """|A & B| / |A | B| of the anchor sets of articles ``a[k]`` and ``b[k]`` (0 when
        both are empty), ``LOOKUPS`` entries of both sets at a time (the arrays of a chunk
        hold an entry per anchor of its smaller sets and of its distinct larger ones)."""
        both = np.cumsum(self.size[a] + self.size[b])
        cuts = np.searchsorted(both, np.arange(LOOKUPS, both[-1] if len(a) else 0, LOOKUPS))
        bounds = [0, *(int(c) + 1 for c in unique(cuts)), len(a)]
        out = np.zeros(len(a), dtype=np.float64)
        for lo, hi in itertools.pairwise(bounds):
            if lo < hi:
                out[lo:hi] = self._jaccard(a[lo:hi], b[lo:hi])
        return out

    def _jaccard(self, a: Codes, b: Codes) -> npt.NDArray[np.float64]:
        smaller = self.size[a] <= self.size[b]
        small, other = np.where(smaller, a, b), np.where(smaller, b, a)
        at, pair = expand(self.ptr, small)
        inter = np.zeros(len(a), dtype=np.float64)
        if len(at):
            # each larger set's anchors once, in (rank, id) order: as many as the smaller's
            # or more, so some when ``at`` has any
            others = unique(other)
            entry, rank = expand(self.ptr, others)
            keys = rank * self.width + self.ids[entry]
            wanted = np.searchsorted(others, other)[pair] * self.width + self.ids[at]
            place = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
            found = keys[place] == wanted
            inter = np.bincount(pair, weights=found, minlength=len(a)).astype(np.float64)
        union = self.size[a] + self.size[b] - inter
        out = np.zeros(len(a), dtype=np.float64)
        np.divide(inter, union, out=out, where=union > 0)
        return out


class _Best:
    """Per article, the ``k`` partners of highest score (ties: the lower number), as two
    ``n`` x ``k`` arrays: memory per article, not per proposed pair. A pair offered again
    is kept once. An offer below its article's k-th best so far can never be kept and is
    dropped at once; the others wait until ``limit`` of them are merged, ``MERGE_ROWS``
    articles at a time, so a merge's arrays stay bounded however many articles."""

    def __init__(self, n: int, k: int, limit: int, exact: npt.DTypeLike = np.float64) -> None:
        """``exact``: a float type that holds every score offered exactly (the scores are
        kept in it: float32 for counts of equal signature values)."""
        self.k = k
        self.limit = limit
        self.partner = np.full((n, k), -1, dtype=index_type(n))
        self.score = np.full((n, k), -np.inf, dtype=exact)
        # the offers waiting, a column each (rows and partners as ``partner``'s type)
        self._rows: list[Codes] = []
        self._partners: list[Codes] = []
        self._scores: list[npt.NDArray[np.float64]] = []
        self._count = 0

    def offer(self, rows: Codes, partners: Codes, scores: npt.NDArray[np.float64]) -> None:
        keep = scores >= self.score[rows, self.k - 1]
        if keep.any():
            kind = self.partner.dtype
            rows, partners, scores = rows[keep], partners[keep], scores[keep]
            order = np.argsort(rows)  # each part waits sorted by article (``merge``'s blocks)
            self._rows.append(rows[order].astype(kind, copy=False))
            self._partners.append(partners[order].astype(kind, copy=False))
            self._scores.append(scores[order])
            self._count += len(order)
        if self._count >= self.limit:
            self.merge()

    def merge(self) -> None:
        """Merge the waiting offers into each article's kept partners, ``MERGE_ROWS``
        articles at a time: each part waits sorted by article, so a block's offers are a
        slice of each part (found by a binary search), joined alone; no copy of all the
        offers, nor an order of them, is made (they were 28 bytes an offer beside the
        parts' 16 while they were merged)."""
        if not self._rows:
            return
        parts = list(zip(self._rows, self._partners, self._scores, strict=True))
        self._rows, self._partners, self._scores = [], [], []
        self._count = 0
        bounds = np.arange(0, len(self.partner) + MERGE_ROWS, MERGE_ROWS)
        edges = [np.searchsorted(rows, bounds).tolist() for rows, _, _ in parts]
        for block in range(len(bounds) - 1):
            within = [
                (part[0][lo:hi], part[1][lo:hi], part[2][lo:hi])
                for part, cut in zip(parts, edges, strict=True)
                for lo, hi in [(cut[block], cut[block + 1])]
                if lo < hi
            ]
            if within:
                self._merge(*(np.concatenate(column) for column in zip(*within, strict=True)))

    def _merge(self, rows: Codes, partners: Codes, scores: npt.NDArray[np.float64]) -> None:
        touched = unique(rows)
        held = self.partner[touched] >= 0
        rows = np.concatenate([rows, np.repeat(touched, self.k)[held.ravel()]])
        partners = np.concatenate([partners, self.partner[touched][held]])
        scores = np.concatenate([scores, self.score[touched][held]])
        order = lex_order((partners, -scores, rows))
        rows, partners, scores = rows[order], partners[order], scores[order]
        again = np.r_[False, (rows[1:] == rows[:-1]) & (partners[1:] == partners[:-1])]
        rows, partners, scores = rows[~again], partners[~again], scores[~again]
        first = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
        rank = np.arange(len(rows)) - np.repeat(first, np.diff(np.r_[first, len(rows)]))
        keep = rank < self.k
        self.partner[touched] = -1
        self.score[touched] = -np.inf
        self.partner[rows[keep], rank[keep]] = partners[keep]
        self.score[rows[keep], rank[keep]] = scores[keep]

    def ordered(self) -> Iterator[Codes]:
        """The pair codes ``a * n + b`` of every (a, b), a < b, that a or b keeps, sorted,
        each once, a block at a time: the pairs whose lower article is one of
        ``CODE_ROWS`` articles, found among the partners that they and the articles after
        them keep (read ``MERGE_ROWS`` articles at a time); never all the codes at once
        (they were 8 bytes a pair, twice while they were joined)."""
        self.merge()
        n = len(self.partner)
        for lo in range(0, n, CODE_ROWS):
            hi = lo + CODE_ROWS
            found: list[Codes] = []
            for at in range(lo, n, MERGE_ROWS):
                block = self.partner[at : at + MERGE_ROWS].astype(np.int64)
                rows = np.arange(at, at + len(block), dtype=np.int64)[:, None]
                low = np.minimum(rows, block)  # -1 for an empty slot: below every block
                mine = (low >= lo) & (low < hi)
                found.append(low[mine] * n + np.maximum(rows, block)[mine])
            yield union(found)

    def codes(self) -> Codes:
        """``ordered``'s codes end to end."""
        return np.concatenate([np.zeros(0, dtype=np.int64), *self.ordered()])

    def count(self) -> int:
        """How many codes ``ordered`` gives, without making them: the kept partners, less
        one for each pair both its articles keep (``ordered`` reads all the partners after
        each of its blocks; this reads each article's once)."""
        self.merge()
        total = 0
        for at in range(0, len(self.partner), MERGE_ROWS):
            block = self.partner[at : at + MERGE_ROWS]
            rows = np.arange(at, at + len(block), dtype=block.dtype)[:, None]
            later = block > rows  # each pair once, from its lower article
            lower = np.broadcast_to(rows, block.shape)[later]
            both = (self.partner[block[later]] == lower[:, None]).any(axis=1)
            total += int(np.count_nonzero(block >= 0)) - int(np.count_nonzero(both))
        return total


def _article_pairs(
    outlet: npt.NDArray[np.integer[Any]],
    means: Rows,
    anchors: AnchorColumns,
    config: Config,
    spill: Spill | None = None,
    executor: Executor | None = None,
) -> _Best:
    """The candidate article pairs (``_Best.ordered``: sorted pair codes ``a * n + b``, a <
    b), of the articles whose outlets are numbered ``outlet``, unit mean vectors ``means``
    and anchor sets ``anchors`` (each set's ids ascending); ``spill``: see
    ``_anchor_pairs``; ``executor`` scores the proposed pairs (default: this process)."""
    # the anchors' pairs (up to n x max_candidates) first, put aside a block of articles'
    # kept partners at a time (in the work folder with ``spill``), so that their ``_Best``
    # (n x max_candidates) is let go before the articles' is made; scored last
    aside = Buckets("claim-anchor-pairs", 1, spill)
    try:
        for codes in _anchor_pairs(anchors, config, spill):
            aside.add(0, codes)
        return _scored_pairs(outlet, means, anchors, aside, config, executor)
    finally:
        aside.close()


def _scored_pairs(
    outlet: npt.NDArray[np.integer[Any]],
    means: Rows,
    anchors: AnchorColumns,
    aside: Buckets,
    config: Config,
    executor: Executor | None = None,
) -> _Best:
    """``_article_pairs``' partners: the simhash pairs and then the anchors' pairs put
    ``aside`` (bucket 0), scored (``_score_task``: by ``executor``, or here)."""
    cc = config.claims
    n = len(outlet)
    jaccard = _Anchors(anchors)
    # an article has at most n - 1 partners: keeping more slots keeps nothing more
    k = min(cc.article_pairs, max(1, n - 1))
    # a merge touches up to n x k kept pairs: as many offers at once, within MERGE_MAX
    limit = max(PAIR_CHUNK, min(n * k, MERGE_MAX))
    best = _Best(n, k, limit)

    def proposed() -> Iterator[Codes]:
        """The simhash pairs, then the anchors' pairs put ``aside``, as pair codes."""
        pending: list[Codes] = []
        held = 0
        split = cc.simhash_split_bits if n >= cc.simhash_split_from else 0
        buckets = simhash_buckets(
            means,
            cc.simhash_bands,
            cc.simhash_rows,
            config.fingerprint.seed,
            cc.simhash_max_bucket,
            split,
            cc.simhash_split_to,
        )
        for block in buckets:
            per_row = block.shape[1] * (block.shape[1] - 1) // 2
            lo = 0
            # the pairs waiting reach SCORE_PART, not more: 4.5% of the proposals of the 12
            # bands were a pair proposed before (bench_claim_pairs' 30k articles), so a
            # larger union removes few and held 8 bytes a pair, twice while it was made
            while lo < len(block):
                step = max(1, (SCORE_PART - held) // per_row)
                pending.append(bucket_pairs(block[lo : lo + step], n))
                held += len(pending[-1])
                lo += step
                if held >= SCORE_PART:
                    yield union(pending)  # ``pending`` emptied
                    held = 0
        yield union(pending)
        yield from aside.parts(0)  # never all of them (nor a union with the simhash pairs)

    def parts() -> Iterator[tuple[Codes, Codes]]:
        """The proposed pairs of two outlets as articles (a, b), ``SCORE_PART`` at a time."""
        for codes in proposed():
            for start in range(0, len(codes), SCORE_PART):
                a, b = np.divmod(codes[start : start + SCORE_PART], n)
                other = outlet[a] != outlet[b]
                yield a[other], b[other]

    # each pair offered to both its articles (no joined copies of both), scored on
    # ``executor``'s workers when there is one; what is kept does not depend on the order
    # of the offers, so neither on how they are cut
    for (a, b), total in paired(executor, _score_task, parts(), (means, jaccard), chunk=1):
        best.offer(a, b, total)
        best.offer(b, a, total)
    return best


def _score_task(
    pairs: tuple[Codes, Codes], context: tuple[Rows, _Anchors], resources: object
) -> npt.NDArray[np.float64]:
    """The score of each article pair ``(a[k], b[k])`` of ``pairs``: the cosine of their
    mean vectors (float32, ``means[a] @ means[b]``) + their anchor Jaccard (an executor's
    task: ``context`` is the means, a work-folder file pickling as its path, and the
    articles' anchors)."""
    del resources
    means, anchors = context
    a, b = pairs
    total: npt.NDArray[np.float64] = _cosines(means, a, b).astype(np.float64)
    total += anchors.jaccard(a, b)
    return total


def _cosines(means: Rows, a: Codes, b: Codes) -> npt.NDArray[np.float32]:
    """``means[a[k]] @ means[b[k]]`` (float32) of each pair: the distinct rows of
    ``DOT_CHUNK`` pairs read at once, the two rows of ``DOT_PART`` pairs gathered at once."""
    cosine = np.empty(len(a), dtype=np.float32)
    for lo in range(0, len(a), DOT_CHUNK):
        hi = min(lo + DOT_CHUNK, len(a))
        wanted = np.r_[a[lo:hi], b[lo:hi]]
        distinct = unique(wanted)
        rows = np.asarray(means[distinct], dtype=np.float32)
        at = np.asarray(np.searchsorted(distinct, wanted))
        first, second = at[: hi - lo], at[hi - lo :]  # each pair's two rows among ``rows``
        for part in range(0, hi - lo, DOT_PART):
            end = min(part + DOT_PART, hi - lo)
            cosine[lo + part : lo + end] = np.vecdot(rows[first[part:end]], rows[second[part:end]])
    return cosine


def _anchor_pairs(
    anchors: AnchorColumns, config: Config, spill: Spill | None = None
) -> Iterator[Codes]:
    """Pair codes ``a * n + b`` (a < b) of the sets of ``anchors`` (``n`` of them) that
    MinHash LSH proposes: ``lsh_candidates``' pairs (each row's ``max_candidates`` links of
    highest estimated Jaccard, ties: the lower row), found band by band into a ``_Best`` of
    ``n`` x ``max_candidates`` rather than from every distinct link of all bands at once
    (the step's peak at 10k, ~22 KB an article, growing with n), and given a block of sets
    at a time (``_Best.ordered``: ascending, each once). A set is signed as the UTF-8
    bytes of its anchors, ``ARTICLE_BLOCK`` sets at a time; with ``spill`` (where the work
    folder keeps a uint32 matrix) the signatures go there as made and are read back a band
    or a chunk of pairs at a time, rather than held (``num_perm`` x 4 B a set)."""
    params = replace(FingerprintParams.from_config(config.fingerprint), word_shingle=1)
    n = anchors.size()
    with_anchors = np.flatnonzero(np.diff(anchors.cuts) > 0)
    m = len(with_anchors)
    if m < 2:
        return
    signer = BatchSigner(params)
    names, cuts, ids = anchors
    blocks = (
        signer.sign_shingles(
            [
                names.utf8(ids[cuts[k] : cuts[k + 1]].tolist())
                for k in with_anchors[lo : lo + ARTICLE_BLOCK].tolist()
            ]
        )
        for lo in range(0, m, ARTICLE_BLOCK)
    )
    signatures: Signatures
    if spill is None:
        signatures = np.concatenate(list(blocks))
    else:
        stored = spill("claim-anchor-signatures", params.num_perm)
        for block in blocks:
            stored.extend(block)
        signatures = stored
    try:
        best = _anchor_best(signatures, config)
    finally:
        if spill is not None:
            stored.close()
    for codes in best.ordered():  # the sets' order is their articles' order
        yield np.asarray(with_anchors[codes // m] * n + with_anchors[codes % m], dtype=np.int64)


def _anchor_best(signatures: Signatures, config: Config) -> _Best:
    """``_anchor_pairs``' pairs among the ``m`` rows of ``signatures``: each row's kept
    partners."""
    fp = config.fingerprint
    m = len(signatures)
    banding = Banding.for_threshold(signatures.shape[1], config.claims.anchor_lsh_threshold)
    limit = max(PAIR_CHUNK, min(m * fp.max_candidates, MERGE_MAX))
    best = _Best(m, fp.max_candidates, limit, np.float32)  # counts of at most num_perm
    for k in range(banding.bands):  # no band's columns held while the next are read
        _offer_band(banding.band(signatures, k), signatures, fp.max_candidates, best)
    return best


def _offer_band(part: Codes, signatures: Signatures, max_candidates: int, best: _Best) -> None:
    """The links of one band's buckets (``band_links``) offered to ``best`` with their
    equal values; what a group held goes on return, before the next band's columns are
    read."""
    for src, dst in band_links(part, max_candidates):
        keep = src != dst
        src, dst = src[keep], dst[keep]
        for lo in range(0, len(src), PAIR_CHUNK):
            a, b = src[lo : lo + PAIR_CHUNK], dst[lo : lo + PAIR_CHUNK]
            best.offer(a, b, equal_counts(signatures, a, b, np.float64, EQUAL_CHUNK))


class _Shifted:
    """Rows ``start`` to ``start + count`` of ``rows``, numbered from 0 (``Rows``)."""

    def __init__(self, rows: Rows, start: int, count: int) -> None:
        self._rows = rows
        self._start = start
        self._count = count

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index: Any) -> Vectors:
        if isinstance(index, int | np.integer):
            return self._rows[self._start + int(index)]
        return self._rows[np.asarray(index, dtype=np.int64) + self._start]


def _means(texts_of: _TextsOf, vectors: Rows) -> Rows:
    """Each article's mean text vector, scaled to length 1, ``ARTICLE_BLOCK`` articles at a
    time: a matrix in memory for vectors in memory; appended to ``vectors`` (after its
    rows, read back as a ``_Shifted`` view) when they are a ``RowStore`` in the work folder,
    so that no n x 512 matrix is ever held."""
    dims = vectors[0].shape[0]
    store = None if isinstance(vectors, np.ndarray) else getattr(vectors, "extend", None)
    start = len(vectors)
    held: Vectors | None = None
    if store is None:
        held = np.empty((len(texts_of), dims), dtype=np.float32)
    for lo in range(0, len(texts_of), ARTICLE_BLOCK):
        hi = min(lo + ARTICLE_BLOCK, len(texts_of))
        block = np.empty((hi - lo, dims), dtype=np.float32)
        for at in range(lo, hi, MEAN_BLOCK):
            flat, cuts = texts_of.block(at, min(at + MEAN_BLOCK, hi))
            read = np.asarray(vectors[flat], dtype=np.float32)
            for k, (first, end) in enumerate(itertools.pairwise(cuts.tolist())):
                block[at - lo + k] = read[first:end].mean(axis=0)
        block /= np.maximum(np.linalg.norm(block, axis=1, keepdims=True), 1e-9)
        if held is not None:
            held[lo:hi] = block
        elif store is not None:
            store(block)
    return held if held is not None else _Shifted(vectors, start, len(texts_of))


class _Ranking(NamedTuple):
    """A block of article pairs to rank (``_mutual``), with what ranking them reads: each
    pair's two articles as positions among the block's distinct articles, and those
    articles' distinct texts (ascending, article after article) and where each article's
    start among them (and the end)."""

    first: Codes
    second: Codes
    texts: Codes
    cuts: Codes


def _ranking(pairs: Codes, texts_of: _TextsOf) -> _Ranking:
    """The ``_Ranking`` of the article pairs ``pairs`` (codes ``a * len(texts_of) + b``),
    their articles' texts read at once."""
    first, second = np.divmod(pairs, len(texts_of))
    articles = unique(np.r_[first, second])
    texts, cuts = texts_of.distinct(articles)
    at = np.asarray(np.searchsorted(articles, np.r_[first, second]))
    return _Ranking(at[: len(pairs)], at[len(pairs) :], texts, cuts)


def _mutual(block: _Ranking, vectors: Rows, size: int) -> Codes:
    """The codes ``x * size + y`` (x < y) of the mutually best text pairs of each article
    pair of ``block`` (in any order, a pair found in two article pairs twice), the
    vectors of all their articles' distinct texts read at once."""
    flat = block.texts
    read = np.asarray(vectors[flat], dtype=np.float32)
    spans = np.c_[block.cuts[:-1], block.cuts[1:]].tolist()
    found: list[Codes] = [np.zeros(0, dtype=np.int64)]
    for a, b in zip(block.first.tolist(), block.second.tolist(), strict=True):
        (a0, a1), (b0, b1) = spans[a], spans[b]
        ta, va, tb, vb = flat[a0:a1], read[a0:a1], flat[b0:b1], read[b0:b1]
        cos = va @ vb.T
        best_b = cos.argmax(axis=1)
        mutual = np.flatnonzero(cos.argmax(axis=0)[best_b] == np.arange(len(ta)))
        x, y = ta[mutual], tb[best_b[mutual]]
        found.append((np.minimum(x, y) * size + np.maximum(x, y))[x != y])
    return np.concatenate(found)


def _rank_task(block: _Ranking, context: tuple[Rows, int], resources: object) -> Codes:
    """``_mutual`` of one block as an executor's task (``run.local.Task``): ``context``
    is the vectors (a work-folder file pickles as its path) and their count."""
    del resources
    return _mutual(block, *context)


def semantic_pairs(
    article_texts: Mapping[str, Sequence[int]],
    outlet_of: Mapping[str, str],
    vectors: Rows,
    anchors: AnchorColumns,
    config: Config,
    kept: KeptSteps | None = None,
    executor: Executor | None = None,
) -> Column:
    """Pairs (a < b) of distinct texts that are mutually best in a candidate article pair,
    as sorted pair codes ``a * len(vectors) + b`` (``len`` before the call: with vectors in
    a ``RowStore``, the article means are appended to it); ``anchors``: each distinct
    text's. With ``kept`` (the work store), what is found is kept as it goes
    (``ARTICLE_PAIRS``, ``FOUND_SO_FAR`` and ``FOUND_NEXT``) and a resumed run takes it up;
    the article pairs and the text pairs found are then read from their files a slice at
    a time, never held whole, and the codes returned are such a file (else an array).
    ``executor`` scores the proposed article pairs and ranks the texts of those kept,
    ``RANK_PAIRS`` pairs an item (default: this process)."""
    ids = sorted(article_texts)
    if len(ids) < 2:
        return np.zeros(0, dtype=np.int64)
    size = len(vectors)
    texts_of = _TextsOf(article_texts, ids)

    def article_pairs() -> _Best:
        codes: dict[str, int] = {}
        outlet = np.asarray([codes.setdefault(outlet_of[i], len(codes)) for i in ids], np.int64)
        means = _means(texts_of, vectors)
        spill: Spill | None = getattr(vectors, "beside", None)
        sets = _article_anchors(texts_of, anchors)
        return _article_pairs(outlet, means, sets, config, spill, executor)

    pairs: Column
    found: Column = np.zeros(0, dtype=np.int64)
    start = 0
    if kept is None:
        pairs = article_pairs().codes()
    else:
        if not kept.has_arrays(ARTICLE_PAIRS):  # unless a previous run kept them
            _keep_codes(kept, article_pairs())
        pairs = kept_column(kept, ARTICLE_PAIRS, "codes")
        after = kept.kept_arrays(FOUND_NEXT)  # kept after the codes found before it
        if after is not None:
            found, start = kept_column(kept, FOUND_SO_FAR, "found"), int(after["next"][0])
    parts: list[Codes] = []  # each chunk's codes, not yet merged into ``found``
    held = 0
    chunks = [(lo, min(lo + PAIR_CHUNK, len(pairs))) for lo in range(start, len(pairs), PAIR_CHUNK)]
    blocks = (
        _ranking(pairs[at : min(at + RANK_PAIRS, hi)], texts_of)
        for lo, hi in chunks
        for at in range(lo, hi, RANK_PAIRS)
    )
    # ranked on ``executor``'s workers when there is one, a block an item; taken in order
    ranked = mapped(executor, _rank_task, blocks, (vectors, size), chunk=1)
    for lo, hi in chunks:
        parts.append(union([next(ranked) for _ in range(lo, hi, RANK_PAIRS)]))
        held += len(parts[-1])
        # merged once the new codes are a quarter of the merged ones (each code is merged
        # again a few times, not once per chunk: 120 chunks at a million articles), or
        # ``FOUND_HELD`` of them (what waits in memory, whatever the number found)
        if 4 * held > len(found) or held >= FOUND_HELD:
            found, held = _merged(found, parts, kept), 0
            if kept is not None:
                kept.keep_arrays(FOUND_NEXT, {"next": np.asarray([lo + PAIR_CHUNK])})
    return _merged(found, parts, kept) if parts else found


def _keep_codes(kept: KeptSteps, best: _Best) -> None:
    """Keep ``best``'s pair codes as ``ARTICLE_PAIRS``, written a block at a time (counted
    in a pass before: the file's header gives their number)."""
    kept.keep_parts(ARTICLE_PAIRS, "codes", np.int64, best.count(), best.ordered())


def _merged(found: Column, parts: list[Codes], kept: KeptSteps | None) -> Column:
    """``found`` (ascending, each code once) with the codes of ``parts`` (emptied): in
    memory without ``kept``, else written to its file (``FOUND_SO_FAR``) as the two are
    merged a block at a time (``codes.union_blocks``) and read from it."""
    if kept is None:
        parts.insert(0, np.asarray(found))  # let go once joined, before the sort
        return union(parts)
    new = union(parts)
    total = len(found) + len(new) - _common(found, new)
    merged = (values for values, _ in union_blocks(found, new, MERGE_BLOCK))
    kept.keep_parts(FOUND_SO_FAR, "found", np.int64, total, merged)
    return kept_column(kept, FOUND_SO_FAR, "found")


def _common(found: Column, new: Codes) -> int:
    """How many codes of ``new`` are in ``found`` (both ascending, each code once), read
    ``MERGE_BLOCK`` at a time."""
    count = 0
    for lo in range(0, len(found) if len(new) else 0, MERGE_BLOCK):
        block = found[lo : lo + MERGE_BLOCK]
        at = np.minimum(np.searchsorted(new, block), len(new) - 1)
        count += int(np.count_nonzero(new[at] == block))
    return count


# What ``semantic_pairs`` keeps as it goes (with a ``Kept``): the candidate article pairs,
# and the text pairs found in the article pairs before a position (each time they are
# merged; the position after them), so that a resumed run ranks only the article pairs
# after it.
ARTICLE_PAIRS, FOUND_SO_FAR = "claim-article-pairs", "claim-semantic-so-far"
FOUND_NEXT = "claim-semantic-next"

"""Claim groups: stars around a centre text, made from the accepted links (see
``claims.py``'s docstring for the rule), kept as they are made.

The accepted links are numpy columns (``Links``: texts, lexical score, cosine, level; the
anchors two texts share are found again only for the links of a group being made), the
linked texts' neighbours a CSR of them (``_stars``), and each group, once made, is pickled
into one buffer (``ClaimTable``) and made again only when read: no link and no group stays
a Python object for the rest of the run.
"""

from __future__ import annotations

import copy
import heapq
import itertools
import math
import pickle
import re
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from provenance.match.articles import Lazy
from provenance.match.claim_corpus import Blobs, Units, WorkFolder
from provenance.match.claim_corpus import ClaimCorpus as _Corpus
from provenance.match.codes import Picked, expand, joined, lex_order, union, unique
from provenance.match.origin import first_appearance
from provenance.model import (
    Article,
    ClaimGroup,
    ClaimLink,
    ClaimOccurrence,
    Confidence,
)

Codes = npt.NDArray[np.int64]
Numbers = npt.NDArray[np.integer[Any]]  # int32 or int64
Flags = npt.NDArray[np.bool_]

_SCRIPTS = (
    ("ko", re.compile(r"[\uac00-\ud7af]")),
    ("ja", re.compile(r"[\u3040-\u30ff]")),
    ("zh", re.compile(r"[\u4e00-\u9fff]")),
    ("ru", re.compile(r"[\u0400-\u04ff]")),
    ("ar", re.compile(r"[\u0600-\u06ff]")),
)


def language_of(article: Article, text: str) -> str | None:
    """The language of an occurrence: the article's, else a guess from a distinctive
    script (Korean, Japanese, Chinese, Cyrillic as Russian, Arabic), else None."""
    if article.language:
        return article.language
    for name, pattern in _SCRIPTS:
        if len(pattern.findall(text)) * 3 > len(text):
            return name
    return None


_LEVELS = (Confidence.STRONG, Confidence.POSSIBLE)  # a link's ``level``: its position here


@dataclass(frozen=True)
class Links:
    """Accepted links between distinct texts as columns, ascending by (a, b), a < b: what
    a ``ClaimLink`` holds but its shared anchors, which ``_group`` finds again for the
    links of a group it makes (so that no link stays an object). The columns are arrays,
    or, in a run with a work store, its kept file read a slice or some rows at a time
    (``Picked``): the stars read the texts and levels a chunk at a time, the groups the
    scores of their own links (25 bytes a link not held: 14 million links at a million
    articles)."""

    a: Picked  # int32 as made (texts are below 2**31)
    b: Picked
    lexical: Picked  # float64
    semantic: Picked  # float64, NaN: none (no model)
    level: Picked  # int8, position in ``_LEVELS``

    # the columns' types (26 bytes a link)
    KINDS: ClassVar[Mapping[str, type[np.generic]]] = {
        "a": np.int32,
        "b": np.int32,
        "lexical": np.float64,
        "semantic": np.float64,
        "level": np.int8,
    }

    @staticmethod
    def block(x: Codes, y: Codes, links: Sequence[ClaimLink]) -> dict[str, npt.NDArray[Any]]:
        """One block of links (first texts, second texts, their links) as columns
        (``KINDS``): what a work store keeps a block at a time (``keep_blocks``)."""
        cosines = [math.nan if k.semantic is None else k.semantic for k in links]
        return {
            "a": x.astype(np.int32),
            "b": y.astype(np.int32),
            "lexical": np.asarray([k.lexical for k in links], dtype=np.float64),
            "semantic": np.asarray(cosines, dtype=np.float64),
            "level": np.asarray([_LEVELS.index(k.confidence) for k in links], dtype=np.int8),
        }

    @classmethod
    def of(cls, parts: Iterable[tuple[Codes, Codes, Sequence[ClaimLink]]]) -> Links:
        """Columns of blocks of links (first texts, second texts, their links), in memory."""
        blocks = [cls.block(*part) for part in parts]
        return cls(
            **{name: joined([b[name] for b in blocks], kind) for name, kind in cls.KINDS.items()}
        )

    def __len__(self) -> int:
        return len(self.a)

    def columns(self) -> dict[str, Picked]:
        """The columns by name (``Links(**columns)`` makes them again)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def picked(self, rows: Numbers) -> Links:
        """Links ``rows`` (in that order) as arrays: row ``k`` is this one's ``rows[k]``."""
        return Links(**{name: column.take(rows) for name, column in self.columns().items()})

    def link(self, k: int, anchors: tuple[str, ...]) -> ClaimLink:
        """Link ``k`` as a ``ClaimLink``, with the ``anchors`` its two texts share."""
        lexical, cosine = float(self.lexical[k : k + 1][0]), float(self.semantic[k : k + 1][0])
        semantic = None if math.isnan(cosine) else cosine
        return ClaimLink(lexical, semantic, anchors, _LEVELS[int(self.level[k : k + 1][0])])


def _outlets(corpus: _Corpus, k: int) -> frozenset[str]:
    """The outlets of distinct text ``k``."""
    return corpus.text_outlets[k]


def _anchor_ids(corpus: _Corpus, k: int) -> Numbers:
    """The anchor numbers of distinct text ``k`` (ascending, each once)."""
    cuts = corpus.anchor_cuts
    return corpus.anchor_ids[int(cuts[k]) : int(cuts[k + 1])]


def _shared(corpus: _Corpus, mine: Numbers, b: int) -> tuple[str, ...]:
    """The anchors that a text whose anchor numbers are ``mine`` (``_anchor_ids``) and
    text ``b`` share, sorted (a ``ClaimLink``'s ``anchors``): the numbers intersected, and
    only the shared ones' names read."""
    both = np.intersect1d(mine, _anchor_ids(corpus, b), assume_unique=True)
    names = corpus.anchor_names
    return tuple(sorted(names[i] for i in both.tolist()))


class _Outlets:
    """The distinct texts' outlets as CSR columns (``ClaimCorpus.outlet_cuts`` and
    ``outlet_ids``: a number per distinct outlet), counted with numpy a chunk at a time."""

    def __init__(self, cuts: Codes, ids: npt.NDArray[np.int32]) -> None:
        self._cuts = cuts
        self._ids = ids
        self._width = int(ids.max()) + 1 if len(ids) else 1

    def count(self, texts: Numbers, chunk: int) -> int:
        """How many outlets ``texts`` have together."""
        seen = np.zeros(self._width, dtype=np.bool_)
        for lo in range(0, len(texts), chunk):
            at, _ = expand(self._cuts, texts[lo : lo + chunk])
            seen[self._ids[at]] = True
        return int(np.count_nonzero(seen))

    def reached(
        self, nodes: Numbers, cuts: Codes, other: Numbers, keep: Flags | None, chunk: int
    ) -> npt.NDArray[np.int32]:
        """Per node (text ``nodes[k]``, neighbours ``other[cuts[k] : cuts[k + 1]]``,
        nodes too): how many outlets its text and those of the neighbours that ``keep``
        keeps (per end; None: all) have together, the nodes of about ``chunk`` ends at a
        time."""
        out = np.zeros(len(nodes), dtype=np.int32)
        lo = 0
        while lo < len(nodes):
            hi = int(np.searchsorted(cuts, cuts[lo] + chunk, side="right")) - 1
            hi = min(max(hi, lo + 1), len(nodes))
            start, stop = int(cuts[lo]), int(cuts[hi])
            owner = np.repeat(np.arange(hi - lo, dtype=np.int64), np.diff(cuts[lo : hi + 1]))
            near = other[start:stop]
            if keep is not None:
                owner, near = owner[keep[start:stop]], near[keep[start:stop]]
            texts = np.concatenate([nodes[lo:hi], nodes[near]])
            whose = np.concatenate([np.arange(hi - lo, dtype=np.int64), owner])
            at, which = expand(self._cuts, texts)
            codes = unique(whose[which] * self._width + self._ids[at])
            out[lo:hi] = np.bincount(codes // self._width, minlength=hi - lo)
            lo = hi
        return out


# centre, members (texts), their links with it (``Links`` rows): int32 as ``_stars`` finds them
Star = tuple[int, Numbers, Numbers]


# Link ends whose other end is looked up among the linked texts, or whose outlets are
# counted, at once (``_stars``): the arrays of one step hold some 50 bytes per end of it at
# most, whatever the number of links.
END_CHUNK = 1 << 18


def _stable_order(ends: Numbers, count: int, chunk: int = END_CHUNK) -> Numbers:
    """``np.argsort(ends, kind="stable")`` as int32, for the ends ``[a, b]`` of ``count``
    links: with ``a`` ascending (``Links``' order) it is in order already, so only the
    b-half is sorted and the two merged, ``chunk`` ends at a time (int64 positions of half
    the ends, not of all of them); equal texts keep their positions' order (the a-half's
    first), as a stable sort of both halves does."""
    a, b = ends[:count], ends[count:]
    if not (a[1:] >= a[:-1]).all():  # not in order: both halves sorted
        return np.argsort(ends, kind="stable").astype(np.int32)
    of_b = np.argsort(b, kind="stable").astype(np.int32)
    sorted_b = b[of_b]
    out = np.empty(len(ends), dtype=np.int32)
    for lo in range(0, count, chunk):
        hi = min(count, lo + chunk)
        at = np.arange(lo, hi, dtype=np.int64)
        # a's end i goes after the b-ends below it; b's j-th after the a-ends up to it
        out[at + np.searchsorted(sorted_b, a[lo:hi], side="left")] = at
        out[at + np.searchsorted(a, sorted_b[lo:hi], side="right")] = of_b[lo:hi] + count
    return out


def _stars(corpus: _Corpus, links: Links, chunk: int = END_CHUNK) -> Iterator[Star]:
    """Groups as (centre, members, the rows of ``links`` that link each to the centre),
    as they are found; see the module docstring. The neighbours of the linked texts are
    numpy arrays (CSR, texts numbered in order among the linked ones): int32 columns
    (texts, nodes and rows are below 2**31), 4 bytes a link end each (about 14 million
    links at a million articles), each end's other end found ``chunk`` ends at a time."""
    count = len(links)
    ends = np.empty(2 * count, dtype=np.int32)  # [a, b]: end e's other end is e +- count
    strong = np.empty(count, dtype=np.bool_)  # per link
    for lo in range(0, count, chunk):  # read a chunk at a time (the columns may be a file)
        hi = min(count, lo + chunk)
        ends[lo:hi] = links.a[lo:hi]
        ends[count + lo : count + hi] = links.b[lo:hi]
        strong[lo:hi] = links.level[lo:hi] == _LEVELS.index(Confidence.STRONG)
    nodes = unique(ends)  # the linked texts, ascending: node k is text nodes[k]
    by_node = _stable_order(ends, count, chunk)
    # node k's ends are by_node[cuts[k] : cuts[k + 1]]: where each node's first end is
    # among the ends in that order, ``chunk`` of them at a time (every node has one: the
    # nodes are the distinct ends), not searched in a sorted copy of them all (4 bytes an
    # end, where the stage peaked at a million articles); in the same pass, each end's
    # other end's node
    cuts = np.empty(len(nodes) + 1, dtype=np.int64)
    cuts[-1] = len(ends)
    other = np.empty(len(ends), dtype=np.int32)  # per end, by node: its other end's node
    before = -1  # the node of the end before the chunk
    for lo in range(0, len(ends), chunk):
        at = by_node[lo : lo + chunk]
        node = np.searchsorted(nodes, ends[at])
        first = np.flatnonzero(np.r_[node[0] != before, node[1:] != node[:-1]])
        cuts[node[first]] = lo + first
        before = int(node[-1])
        mate = (at.astype(np.int64) + count) % len(ends)
        other[lo : lo + len(at)] = np.searchsorted(nodes, ends[mate])
    del ends
    row = by_node  # the link of each end: its row
    row %= max(count, 1)
    del by_node
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

    counted = _Outlets(corpus.outlet_cuts, corpus.outlet_ids)
    most = counted.count(nodes, chunk)  # any reach's top
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
    # as a scan of every free text per group, without its quadratic cost). The first keys
    # (every text free) are made with numpy and sorted: an array read in order, beside a
    # heap of the keys computed again, pops what one heap of them all would.
    strong_ends = strong[row]  # per end, by node: whether its link is strong
    # int64 keys when they fit, else Python's integers (as ``rank`` makes them)
    kind = np.int64 if (most + 1) ** 2 * span < 1 << 62 else object
    first = (most - counted.reached(nodes, cuts, other, strong_ends, chunk)).astype(kind)
    del strong_ends
    first *= most + 1
    first += (most - counted.reached(nodes, cuts, other, None, chunk)).astype(kind)
    first *= span
    for lo in range(0, len(first), chunk):  # then the node
        first[lo : lo + chunk] += np.arange(lo, min(lo + chunk, len(first))).astype(kind)
    first.sort()
    heap: list[int] = []
    read = 0  # the first keys popped so far
    while read < len(first) or heap:
        if heap and (read == len(first) or heap[0] < first[read]):
            top = heapq.heappop(heap)
        else:
            top = int(first[read])
            read += 1
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


# Groups made from the stars found at once: their articles' records and their texts are
# read back together (a few queries of the work store for that many groups); and groups
# handed to their table's rows, or read back in report order, at once.
GROUP_BLOCK = 256
GROUPS = "claim-groups"  # the table of the work store that holds them


def _groups(corpus: _Corpus, stars: Sequence[Star], links: Links) -> Iterator[ClaimGroup]:
    """The groups of ``stars`` that span two outlets, in order; the units, articles, texts
    and links they need read back at once."""
    chosen = [np.r_[star[0], star[1]] for star in stars]  # each star's texts
    units = corpus.units_of(np.concatenate(chosen))
    cuts = np.searchsorted(units.which, np.cumsum([0] + [len(c) for c in chosen]))
    kept: list[tuple[Star, Units]] = []
    for k, star in enumerate(stars):
        part = slice(int(cuts[k]), int(cuts[k + 1]))  # its texts' units
        own = Units._make(column[part] for column in units)
        if len(unique(corpus.article_outlet[own.article])) >= 2:  # ``outlet_key`` codes
            kept.append((star, own))
    if not kept:
        return
    numbers: list[int] = unique(np.concatenate([u.article for _, u in kept])).tolist()
    article = dict(zip(numbers, corpus.articles.numbered(numbers), strict=True))
    texts: list[int] = union([np.r_[s[0], s[1]] for s, _ in kept]).tolist()
    text_of = dict(zip(texts, corpus.texts.many(texts), strict=True))
    picked = links.picked(np.concatenate([s[2] for s, _ in kept]))  # the stars' links
    offset = 0
    for star, own in kept:
        yield _group(corpus, star, picked, offset, own, article, text_of)
        offset += len(star[2])


def _group(
    corpus: _Corpus,
    star: Star,
    picked: Links,
    offset: int,
    own: Units,
    article: Mapping[int, Article],
    text_of: Mapping[int, str],
) -> ClaimGroup:
    """The group of ``star``, whose units are ``own`` (in any order), with the articles
    (by number) and texts it needs; its links are those of ``picked`` from row ``offset``
    on."""
    centre = star[0]
    mine = _anchor_ids(corpus, centre)
    members = {
        m: picked.link(offset + j, _shared(corpus, mine, m)) for j, m in enumerate(star[1].tolist())
    }
    # by article (numbers are in id order), then start: one unit each (a sentence's
    # clauses do not overlap)
    order = lex_order((own.start, own.article))
    owner = [article[a] for a in own.article[order].tolist()]
    strong_outlets = set(_outlets(corpus, centre))
    for m, member_link in members.items():
        if member_link.confidence == Confidence.STRONG:
            strong_outlets |= _outlets(corpus, m)
    occurrences = []
    texts = corpus.unit_text[own.position[order]].tolist()
    starts, ends = own.start[order].tolist(), own.end[order].tolist()
    for art, k, start, end in zip(owner, texts, starts, ends, strict=True):
        link = members.get(k)
        score = 100.0 if link is None else link.lexical
        occurrences.append(
            ClaimOccurrence(
                art.id,
                art.outlet,
                start,
                end,
                score,
                art.published,
                language_of(art, text_of[k]),
                link,
            )
        )
    first = first_appearance(owner)
    level = Confidence.STRONG if len(strong_outlets) >= 2 else Confidence.POSSIBLE
    return ClaimGroup("", text_of[centre], tuple(occurrences), first, level)


class MemoryBlobs:
    """``claim_corpus.Blobs`` in one buffer."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._ends = array("q")

    def __len__(self) -> int:
        return len(self._ends)

    def extend(self, values: Sequence[bytes]) -> None:
        for value in values:
            self._buffer += value
            self._ends.append(len(self._buffer))

    def many(self, seqs: Sequence[int]) -> list[bytes]:
        return [bytes(self._buffer[self._ends[k - 1] if k else 0 : self._ends[k]]) for k in seqs]


class ClaimTable(Lazy[ClaimGroup]):
    """The claim groups in report order (strong groups first, each kind in the order of
    its first occurrence), each numbered ``claim-NNNN`` when read: kept pickled as they
    are made (a group as objects takes several times its pickled bytes), ``GROUP_BLOCK``
    at a time, in ``folder`` (the work store's table ``GROUPS``) when given, else in one
    buffer; made again when read, ``GROUP_BLOCK`` at a time when iterated. Pickled (as the
    work store keeps the stage's results), a table of the work store leaves its rows
    there: ``attached`` reads them again."""

    def __init__(self, folder: WorkFolder | None = None) -> None:
        self._rows: Blobs | None = MemoryBlobs() if folder is None else folder.blobs(GROUPS)
        self._stored = folder is not None
        self._pending: list[bytes] = []
        self._keys = array("q")  # per group: strong (0) or not, first article, start
        self._order: npt.NDArray[np.int64] | None = None

    def add(self, group: ClaimGroup, article: int) -> None:
        """Add ``group``, whose first occurrence is in article number ``article``."""
        self._pending.append(pickle.dumps(group, pickle.HIGHEST_PROTOCOL))
        first = group.occurrences[0]
        self._keys.extend((group.confidence != Confidence.STRONG, article, first.start))
        self._order = None
        if len(self._pending) >= GROUP_BLOCK:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            self._held().extend(self._pending)
            self._pending = []

    def _held(self) -> Blobs:
        if self._rows is None:
            raise RuntimeError("claim groups of the work store read before ``attached``")
        return self._rows

    def __len__(self) -> int:
        return len(self._keys) // 3

    def _sorted(self) -> npt.NDArray[np.int64]:
        self._flush()
        if self._order is None:
            keys = np.asarray(self._keys, dtype=np.int64).reshape(-1, 3)
            self._order = lex_order((keys[:, 2], keys[:, 1], keys[:, 0]))
        return self._order

    @property
    def stored(self) -> bool:
        """Whether the groups are in the work store (read back while it is open)."""
        return self._stored

    def strong(self) -> int:
        """How many groups are strong (counted on the columns, none read back)."""
        return int(np.count_nonzero(np.asarray(self._keys[::3], dtype=np.int64) == 0))

    def _read(self, first: int, count: int) -> list[ClaimGroup]:
        """Groups ``first`` to ``first + count`` in report order, numbered, read at once."""
        stored = self._held().many(self._sorted()[first : first + count].tolist())
        return [
            replace(pickle.loads(blob), id=f"claim-{first + n + 1:04d}")
            for n, blob in enumerate(stored)
        ]

    def _get(self, n: int) -> ClaimGroup:
        return self._read(n, 1)[0]

    def __iter__(self) -> Iterator[ClaimGroup]:
        for first in range(0, len(self), GROUP_BLOCK):
            yield from self._read(first, GROUP_BLOCK)

    def __eq__(self, other: object) -> bool:
        """The same groups in the same order (another ``ClaimTable`` only, as a tuple
        equals tuples only)."""
        if not isinstance(other, ClaimTable):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]  # mutable while groups are added

    def __getstate__(self) -> dict[str, Any]:
        self._sorted()
        state = dict(self.__dict__)
        if self._stored:  # the rows stay in the work store
            state["_rows"] = None
        return state

    def attached(self, folder: WorkFolder) -> ClaimTable:
        """This table reading its groups from ``folder`` (the work store that kept them),
        when it was pickled without them; else itself."""
        if self._rows is not None:
            return self
        found = copy.copy(self)
        found._rows = folder.blobs(GROUPS, fresh=False)
        return found


def attached(claims: Sequence[ClaimGroup], folder: WorkFolder) -> Sequence[ClaimGroup]:
    """``claims`` reading their groups from ``folder`` when they are a ``ClaimTable`` the
    work store kept (``ClaimTable.attached``)."""
    return claims.attached(folder) if isinstance(claims, ClaimTable) else claims


def claim_table(corpus: _Corpus, links: Links, folder: WorkFolder | None = None) -> ClaimTable:
    """The claim groups of ``corpus`` from its accepted ``links``, made as their stars are
    found (``_stars``), ``GROUP_BLOCK`` stars at a time, in report order; kept in
    ``folder`` (the work store) when given, else in memory."""
    found = ClaimTable(folder)
    stars = _stars(corpus, links)
    while block := list(itertools.islice(stars, GROUP_BLOCK)):
        for group in _groups(corpus, block, links):
            found.add(group, corpus.ids.bisect_left(group.occurrences[0].article_id))
    return found

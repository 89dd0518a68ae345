"""Claim groups: stars around a centre text, made from the accepted links (see
``claims.py``'s docstring for the rule), kept as they are made.

The accepted links are numpy columns (``Links``: texts, lexical score, cosine, level; the
anchors two texts share are found again only for the links of a group being made), the
linked texts' neighbours a CSR of them (``_stars``), and each group, once made, is pickled
into one buffer (``ClaimTable``) and made again only when read: no link and no group stays
a Python object for the rest of the run.
"""

from __future__ import annotations

import bisect
import heapq
import math
import pickle
import re
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from provenance.match.articles import Lazy
from provenance.match.claim_corpus import ClaimCorpus as _Corpus
from provenance.match.codes import unique
from provenance.match.origin import first_appearance
from provenance.model import (
    Article,
    ClaimGroup,
    ClaimLink,
    ClaimOccurrence,
    Confidence,
    outlet_key,
)

Codes = npt.NDArray[np.int64]

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
    return corpus.text_outlets[k]


def _shared(corpus: _Corpus, a: int, b: int) -> tuple[str, ...]:
    """The anchors texts ``a`` and ``b`` share, sorted (a ``ClaimLink``'s ``anchors``)."""
    return tuple(sorted(corpus.anchor_sets[a] & corpus.anchor_sets[b]))


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
    numbers = sorted(chosen)  # their texts read back at once
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


class ClaimTable(Lazy[ClaimGroup]):
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

    def _get(self, n: int) -> ClaimGroup:
        k = int(self._sorted()[n])
        start = self._ends[k - 1] if k else 0
        group: ClaimGroup = pickle.loads(self._blob[start : self._ends[k]])
        return replace(group, id=f"claim-{n + 1:04d}")

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


def claim_table(corpus: _Corpus, links: Links) -> ClaimTable:
    """The claim groups of ``corpus`` from its accepted ``links``, made as their stars are
    found (``_stars``), in report order."""
    found = ClaimTable()
    for star in _stars(corpus, links):
        group = _group(corpus, star, links)
        if group is not None:
            found.add(group, bisect.bisect_left(corpus.ids, group.occurrences[0].article_id))
    return found

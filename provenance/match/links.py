"""Candidate pairs of distinct passage texts aligned into links (used by ``reuse``).

signatures -> band-key candidates -> rapidfuzz alignment, ``ALIGN_CHUNK`` pairs at a time
           -> per distinct text, the texts it aligns with (``LinkTable``: numpy columns,
              a ``Link`` made when one text's links are asked for)
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from provenance.config import Config
from provenance.match.align import Alignment
from provenance.match.candidates import Candidate
from provenance.match.signatures import Matrix
from provenance.model import WordEdits
from provenance.run.kernels import Kernels

if TYPE_CHECKING:
    from provenance.match.reuse import Corpus


@dataclass(frozen=True)
class Link:
    """A distinct text aligned with another (or itself): spans relative to each text."""

    other: int
    mine: tuple[int, int]
    theirs: tuple[int, int]
    score: float
    estimated_jaccard: float
    edits: WordEdits = field(default_factory=WordEdits)  # my words against theirs


# A link's int columns as stored (``LinkTable``), and how many are gathered at 64 bits
# before they are narrowed.
_INT = np.int32
_FOLD = 8 * 65_536

# Candidate pairs aligned at once: their texts are read back together (from the work store
# when there is one), so memory holds one chunk of texts, not the corpus.
ALIGN_CHUNK = 8192


def find_links(corpus: Corpus, config: Config, kernels: Kernels) -> LinkTable:
    """Per distinct text, the texts it aligns with (``directed``, as columns); candidates
    are aligned ``ALIGN_CHUNK`` at a time."""
    fp = config.fingerprint
    candidates = kernels.candidates(
        corpus.signatures, fp.lsh_threshold, fp.max_candidates, fp.lsh_bands_per_pass
    )
    return LinkTable.of(directed(_aligned(corpus, candidates, kernels), config))


def _aligned(
    corpus: Corpus, candidates: Sequence[Candidate], kernels: Kernels
) -> Iterator[tuple[Candidate, Alignment | None]]:
    """Each candidate with its alignment, in order; the texts of ``ALIGN_CHUNK`` candidates
    read back at a time."""
    for at in range(0, len(candidates), ALIGN_CHUNK):
        chunk = candidates[at : at + ALIGN_CHUNK]
        needed = sorted({x for c in chunk for x in (c.a, c.b)})
        local = {u: n for n, u in enumerate(needed)}
        texts = corpus.texts.many(needed)
        pairs = [Candidate(local[c.a], local[c.b], c.estimated_jaccard) for c in chunk]
        yield from zip(chunk, kernels.align(texts, pairs), strict=True)


def directed(
    aligned: Iterable[tuple[Candidate, Alignment | None]], config: Config
) -> Iterator[tuple[int, Link]]:
    """Each alignment at or above the match floor as two links, in candidate order: from
    text ``a`` to ``b``, then back (spans and edits seen from ``b``)."""
    for c, found in aligned:
        if found is None or found.score < config.align.match_min_score:
            continue
        a_span, b_span = (found.a_start, found.a_end), (found.b_start, found.b_end)
        j = c.estimated_jaccard
        yield c.a, Link(c.b, a_span, b_span, found.score, j, found.edits)
        yield c.b, Link(c.a, b_span, a_span, found.score, j, found.edits.swapped())


def links_of(
    aligned: Iterable[tuple[Candidate, Alignment | None]], config: Config
) -> dict[int, list[Link]]:
    """Per distinct text, the texts it aligns with, in candidate order (the link to itself
    is ``with_self``'s): the Dask engine aligns where the texts are and calls it too."""
    links: dict[int, list[Link]] = {}
    for u, link in directed(aligned, config):
        links.setdefault(u, []).append(link)
    return links


class LinkTable:
    """``links_of`` as numpy columns (one row per link, grouped by the text it starts from,
    in candidate order within a text): about 80 bytes a link instead of six objects; the
    ``Link`` objects of one text are made when ``of_text`` asks for them."""

    def __init__(self, owner: Matrix, ints: Matrix, floats: Matrix) -> None:
        order = np.argsort(owner, kind="stable")  # grouped by text, candidate order kept
        owner = owner[order]
        self.texts: Matrix = np.unique(owner)  # the texts with a link, ascending
        self._bounds = np.searchsorted(owner, np.arange(int(owner[-1]) + 2 if len(owner) else 1))
        # other, mine start/end, theirs start/end, edits changed/inserted/deleted: text
        # numbers and offsets in a text, 32 bits each (a record is at most 16 GiB of text,
        # but a passage is one paragraph of it)
        self._ints = ints.reshape(-1, 8)[order]
        self._floats = floats.reshape(-1, 2)[order]  # score, estimated Jaccard

    @classmethod
    def of(cls, links: Iterable[tuple[int, Link]]) -> LinkTable:
        owner, ints, floats = array("q"), array("q"), array("d")
        narrow: list[Matrix] = []  # the int columns a block at a time, 32 bits each

        def fold() -> None:
            narrow.append(np.frombuffer(ints, dtype=np.int64).astype(_INT))
            del ints[:]

        for u, k in links:
            owner.append(u)
            e = k.edits
            ints.extend((k.other, *k.mine, *k.theirs, e.changed, e.inserted, e.deleted))
            floats.extend((k.score, k.estimated_jaccard))
            if len(ints) >= _FOLD:
                fold()
        fold()
        as_float = np.frombuffer(floats, dtype=np.float64) if floats else np.zeros(0)
        return cls(np.asarray(owner, dtype=np.int64), np.concatenate(narrow), as_float)

    def __len__(self) -> int:
        return len(self._ints)

    def of_text(self, u: int) -> list[Link]:
        """The links of distinct text ``u``, in candidate order (none: an empty list)."""
        if u + 1 >= len(self._bounds):
            return []
        start, stop = int(self._bounds[u]), int(self._bounds[u + 1])
        ints, floats = self._ints[start:stop].tolist(), self._floats[start:stop].tolist()
        return [
            Link(o, (ms, me), (ts, te), score, j, WordEdits(c, i, d))
            for (o, ms, me, ts, te, c, i, d), (score, j) in zip(ints, floats, strict=True)
        ]


def with_self(u: int, length: int, links: Iterable[Link]) -> list[Link]:
    """Distinct text ``u``'s links: itself (score 100), then the texts it aligns with."""
    return [Link(u, (0, length), (0, length), 100.0, 1.0), *links]

"""Candidate pairs of distinct passage texts aligned into links (used by ``reuse``).

signatures -> band-key candidates -> rapidfuzz alignment, ``ALIGN_CHUNK`` pairs at a time
           -> per distinct text, the texts it aligns with (``LinkTable``: numpy columns,
              a ``Link`` made when one text's links are asked for)
"""

from __future__ import annotations

import itertools
from array import array
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import numpy as np

from provenance.config import Config
from provenance.match.align import Alignment
from provenance.match.candidates import Candidate, localized
from provenance.match.codes import index_type, joined
from provenance.match.signatures import Matrix
from provenance.match.spill import SCRATCH, Spill, SpillFiles, SpillMatrix, dealt
from provenance.model import WordEdits
from provenance.run.kernels import Chunk, Kernels

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


# A link's int columns as stored (``LinkTable``), and how many links are gathered in Python
# arrays (88 bytes each) before they are made compact (``_blocks``).
_INT = np.int32
_FOLD = 65_536

# Candidate pairs aligned at once: their texts are read back together (from the work store
# when there is one), so memory holds one chunk of texts, not the corpus.
ALIGN_CHUNK = 8192

# With a work folder, the links are dealt into this many files by the number of the text
# each starts from (a range of texts a file) as they come, and each file is then grouped by
# text alone (``StoredLinks``): what memory holds is one file's links while it is grouped,
# not the table (811,114 links at 100,000 synthetic articles; not counted at 1,000,000).
# More files, fewer links held at once, more files open while the links come.
LINK_PARTS = 32


class TextLinks(Protocol):
    """Per distinct text, the texts it aligns with: ``LinkTable`` or ``StoredLinks``."""

    @property
    def texts(self) -> Matrix:
        """The texts with a link, ascending."""
        ...

    def __len__(self) -> int: ...

    def of_text(self, u: int) -> list[Link]: ...

    def close(self) -> None: ...


def find_links(corpus: Corpus, config: Config, kernels: Kernels) -> TextLinks:
    """Per distinct text, the texts it aligns with (``directed``, as columns); candidates
    are aligned ``ALIGN_CHUNK`` at a time. With signatures in the work folder, the links
    go there too (``StoredLinks``: read back a text's at a time), else they stay in
    memory (``LinkTable``)."""
    fp = config.fingerprint
    candidates = kernels.candidates(
        corpus.signatures, fp.lsh_threshold, fp.max_candidates, fp.lsh_bands_per_pass
    )
    links = directed(_aligned(corpus, candidates, kernels), config)
    spill: Spill | None = getattr(corpus.signatures, "beside", None)
    if spill is None:
        return LinkTable.of(links)
    return StoredLinks(_blocks(iter(links)), len(corpus.lengths), spill)


def _aligned(
    corpus: Corpus, candidates: Sequence[Candidate], kernels: Kernels
) -> Iterator[tuple[Candidate, Alignment | None]]:
    """Each candidate with its alignment, in order; the texts of ``ALIGN_CHUNK`` candidates
    read back at a time, when the kernels take their chunk (``Kernels.align_each``: a
    pool's while its workers align the chunk before)."""
    made: deque[Sequence[Candidate]] = deque()  # the chunks taken, their pairs not all back

    def chunks() -> Iterator[Chunk]:
        for at in range(0, len(candidates), ALIGN_CHUNK):
            made.append(candidates[at : at + ALIGN_CHUNK])
            needed, pairs = localized(made[-1])
            yield corpus.texts.many(needed), pairs

    def taken() -> Iterator[Candidate]:  # a pair's chunk is taken before its alignment comes
        while made:
            yield from made.popleft()

    for found, candidate in zip(kernels.align_each(chunks()), taken(), strict=True):
        yield candidate, found


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
    in candidate order within a text): about 22 bytes a link instead of six objects; the
    ``Link`` objects of one text are made when ``of_text`` asks for them."""

    def __init__(self, blocks: Iterable[_Block]) -> None:
        """The table of ``blocks`` of links (``_block``: compact columns, in candidate
        order), grouped here by the text each starts from; the blocks are let go a column
        at a time."""
        owners: list[Matrix] = []
        others: list[Matrix] = []
        spans: list[Matrix] = [np.zeros((0, 7), dtype=np.uint16)]
        floats: list[Matrix] = [np.zeros(0, dtype=np.uint16)]
        for owner_of, other, span, pair in blocks:
            owners.append(owner_of)
            others.append(other)
            spans.append(span)
            floats.append(pair)
        owner = joined(owners, np.int32)
        del owners
        order = np.argsort(owner, kind="stable")  # grouped by text, candidate order kept
        owner = owner[order]
        index = index_type(len(owner))
        self.texts: Matrix = np.unique(owner).astype(index)  # the texts with a link, ascending
        top = int(owner[-1]) + 2 if len(owner) else 1
        self._bounds = np.searchsorted(owner, np.arange(top)).astype(index)
        del owner
        # the other text (a number), then mine start/end, theirs start/end, edits
        # changed/inserted/deleted: offsets and word counts in a passage (one paragraph),
        # 16 bits each when every block's fit, else 32
        self._other: Matrix = joined(others, _INT)[order]
        del others
        wide = any(block.dtype != np.uint16 for block in spans)
        self._spans: Matrix = joined(spans, _INT if wide else np.uint16)[order]
        del spans
        # (score, estimate) as 16-bit multiples of ``_SCALES`` when every block's were
        # exact, else as made (a scaled block divided back gives the very floats)
        exact = all(block.dtype == np.uint16 for block in floats)
        if not exact:
            floats = [unscaled(f) for f in floats]
        self._floats: Matrix = joined(floats, np.uint16 if exact else np.float64)
        self._floats = self._floats.reshape(-1, 2)[order]

    @classmethod
    def of(cls, links: Iterable[tuple[int, Link]]) -> LinkTable:
        """The table of ``links``, made compact ``_FOLD`` links at a time (26 bytes a link
        while the rest come, not 88 as Python arrays)."""
        return cls(_blocks(iter(links)))

    def __len__(self) -> int:
        return len(self._other)

    def of_text(self, u: int) -> list[Link]:
        """The links of distinct text ``u``, in candidate order (none: an empty list)."""
        if u + 1 >= len(self._bounds):
            return []
        start, stop = int(self._bounds[u]), int(self._bounds[u + 1])
        # whole hundredths and ten-thousandths, as rounded, divided back when scaled
        floats = unscaled(self._floats[start:stop]).reshape(-1, 2).tolist()
        return _links(self._other[start:stop].tolist(), self._spans[start:stop].tolist(), floats)

    def close(self) -> None:
        """Nothing to let go of beyond the arrays."""


def _links(
    others: list[int], spans: list[list[int]], floats: list[tuple[float, float]] | list[list[float]]
) -> list[Link]:
    """Links from their columns as lists: the other text, the seven offsets and counts,
    (score, estimated Jaccard)."""
    return [
        Link(o, (ms, me), (ts, te), score, j, WordEdits(c, i, d))
        for o, (ms, me, ts, te, c, i, d), (score, j) in zip(others, spans, floats, strict=True)
    ]


# A link as a row of ``StoredLinks``' files (uint32): the text it starts from, the other,
# the seven offsets and counts (int32), then score and estimated Jaccard (float64: two
# columns each), whatever the links' sizes (52 bytes a link on disk).
_ROW = 13


class StoredLinks:
    """``LinkTable`` in a file of the work folder: the same links of each text, in the
    same order, read back a text's at a time (one read of consecutive rows); memory holds
    the texts' bounds in the file (4 bytes a text). The blocks of links are dealt into
    ``LINK_PARTS`` files by their text's range as they come; each is then read whole,
    sorted by text alone (a stable sort: candidate order kept within a text) and appended
    to the table's file."""

    def __init__(self, blocks: Iterable[_Block], texts: int, spill: Spill) -> None:
        parts = max(1, min(LINK_PARTS, texts))
        files = SpillFiles(spill, "links", _ROW)
        self._file: SpillMatrix | None = None
        try:
            total = 0
            for owner, other, span, pair in blocks:
                rows = np.empty((len(owner), _ROW), dtype="<u4")
                rows[:, 0] = owner
                rows[:, 1] = other
                rows[:, 2:9] = span.astype("<i4", copy=False).view("<u4")
                floats = unscaled(pair).astype("<f8", copy=False).reshape(-1, 2)
                rows[:, 9:] = floats.view("<u4").reshape(-1, 4)
                for k, at in dealt(owner.astype(np.int64) * parts // texts, parts):
                    files.extend(k, rows[at])
                total += len(rows)
                del rows
            self._file = spill(f"{SCRATCH}links-grouped", _ROW)
            # each text's count, then summed in place (int32 below 2**31 links)
            bounds = np.zeros(texts + 1, dtype=index_type(total))
            for k in files.numbers():
                stored = files.pop(k)
                assert stored is not None  # a number written
                rows = stored[:]
                stored.close()  # its file removed once read
                owner = rows[:, 0].astype(np.int64)
                first = int(owner.min())  # the part's texts only (they are a range)
                counted = np.bincount(owner - first)
                bounds[first + 1 : first + 1 + len(counted)] = counted
                self._file.extend(rows[np.argsort(owner, kind="stable")])
                del rows, owner, counted
        except BaseException:
            self.close()
            raise
        finally:
            files.close()
        np.cumsum(bounds, out=bounds)
        self._bounds: Matrix = bounds

    @property
    def texts(self) -> Matrix:
        """The texts with a link, ascending (made when asked: the spans ask once)."""
        return np.flatnonzero(np.diff(self._bounds)).astype(self._bounds.dtype)

    def __len__(self) -> int:
        return int(self._bounds[-1])

    def of_text(self, u: int) -> list[Link]:
        """The links of distinct text ``u``, in candidate order (none: an empty list)."""
        if self._file is None:
            raise RuntimeError("the links' file is closed")
        if not 0 <= u < len(self._bounds) - 1:
            return []
        rows = self._file[int(self._bounds[u]) : int(self._bounds[u + 1])]
        spans = rows[:, 2:9].view("<i4").tolist()
        floats = np.ascontiguousarray(rows[:, 9:]).view("<f8").tolist()
        return _links(rows[:, 1].tolist(), spans, floats)

    def close(self) -> None:
        """Remove the links' file (the spans are made)."""
        if self._file is not None:
            self._file.close()
            self._file = None


# A block of links as columns: owner (int32), other (int32), the seven offsets and counts
# (uint16 when they fit, else int32), (score, estimate) pairs flat (uint16 scaled by
# ``_SCALES`` when exact, else float64)
_Block = tuple[Matrix, Matrix, Matrix, Matrix]


def _blocks(links: Iterator[tuple[int, Link]]) -> Iterator[_Block]:
    """``links`` as compact columns, ``_FOLD`` links at a time."""
    while True:
        ints, floats = array("q"), array("d")
        for u, k in itertools.islice(links, _FOLD):
            e = k.edits
            ints.extend((u, k.other, *k.mine, *k.theirs, e.changed, e.inserted, e.deleted))
            floats.extend((k.score, k.estimated_jaccard))
        if not ints:
            return
        rows = np.frombuffer(ints, dtype=np.int64).reshape(-1, 9)
        spans = rows[:, 2:]
        small = int(spans.min()) >= 0 and int(spans.max()) < 1 << 16
        pairs, _ = scaled(np.frombuffer(floats, dtype=np.float64).reshape(-1, 2))
        yield (
            rows[:, 0].astype(np.int32),
            rows[:, 1].astype(_INT),
            spans.astype(np.uint16 if small else _INT),
            pairs.reshape(-1),
        )


def unscaled(floats: Matrix) -> Matrix:
    """A block's (score, estimate) values as float64 (divided back when scaled)."""
    if floats.dtype != np.uint16:
        return floats
    divided: Matrix = floats.reshape(-1, 2) / np.array(_SCALES)
    return divided.reshape(-1)


# A link's score is an alignment score rounded to 2 places and its estimated Jaccard a share
# rounded to 4 (``align.align_texts``, ``candidates.CandidateTable``): as whole hundredths
# and ten-thousandths they fit 16 bits each, and the division gives the same float back.
_SCALES = (100.0, 10_000.0)


def scaled(floats: Matrix) -> tuple[Matrix, tuple[float, float] | None]:
    """(score, estimated Jaccard) rows as 16-bit multiples of ``_SCALES`` when every value
    comes back exactly (checked), else as they are (float64)."""
    scales = np.array(_SCALES)
    whole = np.rint(floats * scales)
    if len(floats) and not (
        np.all(whole >= 0) and np.all(whole < 1 << 16) and np.all(whole / scales == floats)
    ):
        return floats, None
    return whole.astype(np.uint16), _SCALES


def with_self(u: int, length: int, links: Iterable[Link]) -> list[Link]:
    """Distinct text ``u``'s links: itself (score 100), then the texts it aligns with."""
    return [Link(u, (0, length), (0, length), 100.0, 1.0), *links]

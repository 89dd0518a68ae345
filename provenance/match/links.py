"""Candidate pairs of distinct passage texts aligned into links (used by ``reuse``).

signatures -> band-key candidates -> rapidfuzz alignment, ``ALIGN_CHUNK`` pairs at a time
           -> per distinct text, the texts it aligns with (``Link``)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from provenance.config import Config
from provenance.match.align import Alignment
from provenance.match.candidates import Candidate
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


# Candidate pairs aligned at once: their texts are read back together (from the work store
# when there is one), so memory holds one chunk of texts, not the corpus.
ALIGN_CHUNK = 8192


def find_links(corpus: Corpus, config: Config, kernels: Kernels) -> dict[int, list[Link]]:
    """Per distinct text, the texts it aligns with (``links_of``); candidates are aligned
    ``ALIGN_CHUNK`` at a time."""
    fp = config.fingerprint
    candidates = kernels.candidates(
        corpus.signatures, fp.lsh_threshold, fp.max_candidates, fp.lsh_bands_per_pass
    )
    return links_of(_aligned(corpus, candidates, kernels), config)


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


def links_of(
    aligned: Iterable[tuple[Candidate, Alignment | None]], config: Config
) -> dict[int, list[Link]]:
    """Per distinct text, the texts it aligns with, in candidate order (the link to itself
    is ``with_self``'s): the Dask engine aligns where the texts are and calls it too."""
    links: dict[int, list[Link]] = {}
    for c, found in aligned:
        if found is None or found.score < config.align.match_min_score:
            continue
        a_span, b_span = (found.a_start, found.a_end), (found.b_start, found.b_end)
        j = c.estimated_jaccard
        links.setdefault(c.a, []).append(Link(c.b, a_span, b_span, found.score, j, found.edits))
        back = Link(c.a, b_span, a_span, found.score, j, found.edits.swapped())
        links.setdefault(c.b, []).append(back)
    return links


def with_self(u: int, length: int, links: Iterable[Link]) -> list[Link]:
    """Distinct text ``u``'s links: itself (score 100), then the texts it aligns with."""
    return [Link(u, (0, length), (0, length), 100.0, 1.0), *links]

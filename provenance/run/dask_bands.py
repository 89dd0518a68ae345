"""The Dask engine's band-key shuffle (``DaskExecutor.candidates``): candidate pairs of a
signature table kept on the workers in blocks (``Rows``).

Each round routes the rows of ``bands_per_pass`` bands only (NeMo Curator's
``buckets_per_shuffle``), so a round moves ``blocks x rows`` bytes whatever the number of
bands; bucket partitions emit neighbour pairs, grouped by the block of their first id;
estimates read both blocks' signatures by id; each block keeps its best pairs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from provenance.errors import MissingExtra
from provenance.match.candidates import Banding, CandidateTable
from provenance.match.signatures import Matrix
from provenance.run import bandkeys

try:
    from dask.delayed import Delayed, delayed
except ImportError as exc:  # pragma: no cover - the tests install the extra
    raise MissingExtra("dask", "--engine dask", exc) from exc

Pair = tuple[int, int]


@dataclass(frozen=True)
class Rows:
    """A corpus-wide table kept on the workers in blocks: ``parts[i]`` (a future or a
    delayed value: a signature matrix, a list of texts) holds rows ``starts[i]`` up to the
    next start; ``total`` rows, ``width`` values per row (signatures)."""

    parts: list[Any]
    starts: list[int]
    total: int
    width: int = 0
    dtype: str = "uint32"


def as_candidates(pairs: Matrix, counts: Matrix, width: int) -> CandidateTable:
    """Candidate pairs with their estimated Jaccard (equal values of ``width``), as numpy
    columns (a ``Candidate`` made when one is read, as ``lsh_candidates`` gives them)."""
    return CandidateTable(pairs[:, 0], pairs[:, 1], counts, width)


# ------------------------------------------------------------------ tasks (run on workers)


def _edges_by_owner(pieces: list[Matrix], max_candidates: int, bounds: Matrix) -> list[Matrix]:
    return bandkeys.split_by_owner(bandkeys.edges(pieces, max_candidates), bounds)


def _owned(pieces: list[Matrix], bounds: Matrix) -> list[Matrix]:
    """The links of one block from every round, each once, split by the second id's block."""
    links = np.unique(np.concatenate(pieces), axis=0)
    flipped = bandkeys.split_by_owner(links[:, ::-1], bounds)
    return [f[:, ::-1] for f in flipped]


def _equal(
    links: Matrix, own: Matrix, own_first: int, other: Matrix, other_first: int
) -> tuple[Matrix, Matrix]:
    return links, bandkeys.equal_values(links, own, own_first, other, other_first)


def _best(
    found: list[tuple[Matrix, Matrix]], max_candidates: int, n: int
) -> tuple[Matrix, Matrix, int]:
    links = np.concatenate([p for p, _ in found])
    equal = np.concatenate([e for _, e in found])
    pairs, counts = bandkeys.best(links, equal, max_candidates, n)
    return pairs, counts, len(links)


# ------------------------------------------------------------------ the client's side


def candidate_blocks(
    rows: Rows, threshold: float, max_candidates: int, bands_per_pass: int
) -> tuple[list[Delayed], int]:
    """Per block of ``rows``, its best candidate pairs (a < b), their equal values and the
    number of links it saw (``bandkeys.best``), delayed; and the bytes the shuffle moves."""
    n, width = rows.total, rows.width
    if n < 2:
        return [], 0
    banding = Banding.for_threshold(width, threshold)
    sig_blocks, starts = rows.parts, rows.starts
    bounds = np.array(starts, dtype=np.int64)
    parts = len(sig_blocks)
    per_round = max(1, bands_per_pass)  # NeMo Curator's buckets_per_shuffle
    row_bytes = bandkeys.row_dtype(banding.rows, np.dtype(rows.dtype)).itemsize
    owned: list[list[Delayed]] = [[] for _ in sig_blocks]
    moved = 0
    for first in range(0, banding.bands, per_round):
        bands = range(first, min(banding.bands, first + per_round))
        routed = [
            delayed(bandkeys.route, nout=parts)(block, lo, bands, banding.rows, parts)
            for block, lo in zip(sig_blocks, starts, strict=True)
        ]
        for q in range(parts):
            split = delayed(_edges_by_owner, nout=parts)(
                [r[q] for r in routed], max_candidates, bounds
            )
            for p in range(parts):
                owned[p].append(split[p])
        moved += n * len(bands) * row_bytes
    tops: list[Delayed] = []
    for p, lo in enumerate(starts):
        by_other = delayed(_owned, nout=parts)(owned[p], bounds)
        found = [
            delayed(_equal)(by_other[r], sig_blocks[p], lo, sig_blocks[r], rlo)
            for r, rlo in enumerate(starts)
        ]
        tops.append(delayed(_best)(found, max_candidates, n))
    return tops, moved

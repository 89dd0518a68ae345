"""Candidate pairs from LSH band keys, grouped with numpy: exactly ``MinHashLSH``'s.

A signature matrix is cut into ``bands`` slices of ``rows`` values (``Banding``: the report
and the persistent index cut it the same way). Two rows share a bucket when one of their
slices is equal; ``numpy.lexsort`` groups equal slices band by band, so no per-signature
object and no hash table is built. The rule on what a bucket proposes is datasketch's as
the report used it (a test compares with ``MinHashLSH`` on random signatures):
- a bucket of 2 to ``4 * max_candidates`` rows links every member to every other;
- a bigger bucket (many texts with one band) links its members to its first
  ``max_candidates`` rows (the hubs) only, and the hubs to every member: linear, not
  quadratic;
- of the rows a row is linked to, the ``max_candidates`` with the highest estimated Jaccard
  (the share of equal values over the whole signature; ties: lower position) are kept.
Pairs are produced band by band and chunk by chunk, each once (a bucket links its rows both
ways: the pair a < b stands for both), and each row's best are picked a block of rows at a
time, so memory follows the number of distinct pairs (8 bytes and a few more each), not
the square of the bucket sizes nor the links both ways with their sort keys.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeAlias, overload

import numpy as np

from provenance.config import FingerprintConfig
from provenance.fingerprint import band_keys_of
from provenance.match.codes import Matrix, unique


class SignatureRows(Protocol):
    """A signature matrix kept outside memory (the work store's ``StoredMatrix``), read as
    LSH reads one: ``[:, a:b]`` (a band of every row) and ``[rows]`` (rows by number)."""

    @property
    def shape(self) -> tuple[int, int]: ...

    @property
    def dtype(self) -> np.dtype[Any]: ...

    def __len__(self) -> int: ...

    def __getitem__(self, index: Any) -> Matrix: ...

    def extend(self, rows: Matrix) -> None: ...


Signatures: TypeAlias = Matrix | SignatureRows  # one row per signed set
# Pairs whose Jaccard estimates are computed at once: each costs num_perm bytes per pair,
# and each of its two gathers of rows of a stored matrix touches up to a page per row (at
# 8,192 rows, 32 MB of mapped pages resident at once, whatever the size of the matrix).
_CHUNK = 1 << 13


@dataclass(frozen=True)
class Candidate:
    """Two signatures (by position, ``a < b``) that share a bucket."""

    a: int
    b: int
    estimated_jaccard: float


class CandidateTable(Sequence[Candidate]):
    """Candidate pairs as numpy columns (a, b, equal values over ``width``), about 10
    bytes a pair; a ``Candidate`` is made when one is read (its estimate rounded to 4
    places). Equal to any sequence of the same candidates."""

    def __init__(self, a: Matrix, b: Matrix, equal: Matrix, width: int) -> None:
        wide = len(a) and int(max(a.max(), b.max())) >= 1 << 31
        index = np.int64 if wide else np.int32
        self.a: Matrix = np.asarray(a, dtype=index)
        self.b: Matrix = np.asarray(b, dtype=index)
        self.equal: Matrix = np.asarray(equal, dtype=np.uint16 if width < 1 << 16 else np.int64)
        self.width = width

    def __len__(self) -> int:
        return len(self.a)

    def _made(self, start: int, stop: int) -> list[Candidate]:
        width = self.width
        return [
            Candidate(x, y, round(e / width, 4))
            for x, y, e in zip(
                self.a[start:stop].tolist(),
                self.b[start:stop].tolist(),
                self.equal[start:stop].tolist(),
                strict=True,
            )
        ]

    def __iter__(self) -> Iterator[Candidate]:
        for at in range(0, len(self), 4096):
            yield from self._made(at, at + 4096)

    @overload
    def __getitem__(self, index: int) -> Candidate: ...
    @overload
    def __getitem__(self, index: slice) -> CandidateTable: ...
    def __getitem__(self, index: int | slice) -> Candidate | CandidateTable:
        if isinstance(index, slice):
            picked = slice(*index.indices(len(self)))
            return CandidateTable(self.a[picked], self.b[picked], self.equal[picked], self.width)
        if not -len(self) <= index < len(self):
            raise IndexError(index)
        k = index % len(self)
        return self._made(k, k + 1)[0]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or len(other) != len(self):
            return False
        return all(x == y for x, y in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]  # mutable arrays: not hashable, as a list

    def __repr__(self) -> str:
        return f"CandidateTable({list(self)!r})"


def lsh_bands(num_perm: int, threshold: float) -> tuple[int, int]:
    """(bands, rows) with bands * rows <= num_perm whose S-curve midpoint is nearest
    ``threshold``; ties go to more bands (higher recall)."""
    best: tuple[float, int, int] | None = None
    for rows in range(1, num_perm + 1):
        bands = num_perm // rows
        if bands < 1:
            break
        midpoint = (1.0 / bands) ** (1.0 / rows)
        key = (abs(midpoint - threshold), -bands, rows)
        if best is None or key < best:
            best = key
    if best is None:
        raise ValueError("num_perm must be positive")
    return -best[1], best[2]


@dataclass(frozen=True)
class Banding:
    """``bands`` slices of ``rows`` values of a signature: the one banding of the report's
    candidates and the index's band keys."""

    bands: int
    rows: int

    @classmethod
    def for_threshold(cls, num_perm: int, threshold: float) -> Banding:
        return cls(*lsh_bands(num_perm, threshold))

    def slices(self, matrix: Signatures) -> Iterator[Matrix]:
        for band in range(self.bands):
            yield matrix[:, band * self.rows : (band + 1) * self.rows]

    def keys(self, matrix: Matrix) -> list[list[int]]:
        """Per row, one signed 64-bit key per band (fits an SQLite INTEGER), the band
        number mixed in: BLAKE2b of the slice's values as little-endian 64-bit integers
        (``fingerprint.band_keys_of``, which signs one row without numpy)."""
        rows = np.asarray(matrix, dtype=np.uint64).tolist()
        return [band_keys_of(row, self.bands, self.rows) for row in rows]


def _runs(sizes: Matrix) -> Matrix:
    """0, 1, ..., size - 1 for each size, concatenated."""
    runs: Matrix = np.arange(int(sizes.sum())) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    return runs


def band_links(part: Matrix, max_candidates: int) -> Iterator[tuple[Matrix, Matrix]]:
    """Directed (row, linked row) pairs of one band's buckets (self-links included): every
    bucket of up to ``4 * max_candidates`` rows at once, bigger ones one by one."""
    order = np.lexsort(part.T[::-1])
    ordered = part[order]
    change = np.any(ordered[1:] != ordered[:-1], axis=1)
    bounds = np.flatnonzero(np.r_[True, change, True])
    starts, sizes = bounds[:-1], np.diff(bounds)
    small = (sizes >= 2) & (sizes <= 4 * max_candidates)
    if small.any():
        size, start = sizes[small], starts[small]
        member = np.repeat(start, size) + _runs(size)  # positions in ``order``
        fan = np.repeat(size, size)  # each member links to its whole bucket
        src = np.repeat(order[member], fan)
        dst = order[np.repeat(np.repeat(start, size), fan) + _runs(fan)]
        yield src, dst
    for i in np.flatnonzero(sizes > 4 * max_candidates):
        bucket = np.sort(order[bounds[i] : bounds[i + 1]])
        hubs = bucket[:max_candidates]
        yield np.repeat(bucket, len(hubs)), np.tile(hubs, len(bucket))
        yield np.repeat(hubs, len(bucket)), np.tile(bucket, len(hubs))


def candidates(
    matrix: Signatures, banding: Banding, max_candidates: int, fold_every: int = 6
) -> tuple[Matrix, Matrix, Matrix]:
    """Candidate pairs of the rows of ``matrix`` as three arrays (a, b, equal values),
    sorted by (a, b), ``a < b``, each pair once; the estimated Jaccard of a pair is
    ``equal / matrix.shape[1]`` (``candidate_codes``, its codes cut in two)."""
    codes, equal = candidate_codes(matrix, banding, max_candidates, fold_every)
    n = max(len(matrix), 1)
    return codes // n, codes % n, equal.astype(np.int64)


# Links whose best are picked at once (``_kept``: about 60 bytes each while they are).
_PICK = 1 << 17


def candidate_codes(
    matrix: Signatures, banding: Banding, max_candidates: int, fold_every: int = 6
) -> tuple[Matrix, Matrix]:
    """``candidates`` as pair codes ``a * len(matrix) + b`` (int64, ascending) and their
    equal values (the smallest unsigned type that holds ``matrix.shape[1]``). A bucket
    links its rows both ways, so each link is gathered once, as a pair (a < b): the links
    of every ``fold_every`` bands are de-duplicated together (fewer: less memory, more
    sorting), the equal values computed once a pair, and each row's best picked a block of
    rows at a time; what is held is the distinct pairs, 8 bytes and a few more each."""
    n = len(matrix)
    width = matrix.shape[1]
    if n < 2:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.min_scalar_type(width))
    codes: list[Matrix] = []
    for band, part in enumerate(banding.slices(matrix), start=1):
        for src, dst in band_links(part, max_candidates):
            keep = src < dst  # the other way round comes too
            codes.append(src[keep].astype(np.int64) * n + dst[keep])
        if band % max(1, fold_every) == 0 and codes:  # memory follows distinct links
            codes = [unique(np.concatenate(codes))]
    pairs = unique(np.concatenate(codes)) if codes else np.zeros(0, dtype=np.int64)
    del codes
    equal = np.empty(len(pairs), dtype=np.min_scalar_type(width))
    for lo in range(0, len(pairs), _CHUNK):
        src, dst = np.divmod(pairs[lo : lo + _CHUNK], n)
        equal[lo : lo + _CHUNK] = (matrix[src] == matrix[dst]).sum(axis=1)
    kept = _kept(pairs, equal, max_candidates, n)
    return pairs[kept], equal[kept]


def _kept(pairs: Matrix, equal: Matrix, max_candidates: int, n: int) -> Matrix:
    """Which of the distinct ``pairs`` (codes, ascending) are among the ``max_candidates``
    best links of either of their rows (``keep_best``'s rule), as a mask: the links of a
    block of rows (each pair as a link of its first row, from a slice of ``pairs``, and of
    its second, through ``by_second``) ranked together, about ``_PICK`` links a block."""
    kept = np.zeros(len(pairs), dtype=np.bool_)
    if not len(pairs):
        return kept
    second = pairs % n
    by_second = np.argsort(second, kind="stable")
    second = second[by_second]
    step = max(1, -(-n * _PICK // (2 * len(pairs))))  # rows a block: _PICK links on average
    for lo in range(0, n, step):
        hi = min(n, lo + step)
        i0, i1 = np.searchsorted(pairs, [lo * n, hi * n]).tolist()
        j0, j1 = np.searchsorted(second, [lo, hi]).tolist()
        mine = by_second[j0:j1]  # pairs whose second row is in the block
        at = np.r_[np.arange(i0, i1), mine]
        src = np.r_[pairs[i0:i1] // n, second[j0:j1]]
        dst = np.r_[pairs[i0:i1] % n, pairs[mine] // n]
        order = np.lexsort((dst, -equal[at].astype(np.int64), src))
        kept[at[order[_ranks(src[order]) < max_candidates]]] = True
    return kept


def _ranks(rows: Matrix) -> Matrix:
    """Per position of ``rows`` (equal rows together), its rank among its row's: 0, 1, ..."""
    starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
    ranks: Matrix = np.arange(len(rows)) - np.repeat(starts, np.diff(np.r_[starts, len(rows)]))
    return ranks


def keep_best(
    src: Matrix, dst: Matrix, equal: Matrix, max_candidates: int, n: int
) -> tuple[Matrix, Matrix, Matrix]:
    """Of the distinct links (src, dst) with their equal values, each source row's
    ``max_candidates`` best (highest estimate, then lower row), as pairs (a < b) sorted,
    each once, with their equal values; rows are below ``n``."""
    order = np.lexsort((dst, -equal, src))
    src, dst, equal = src[order], dst[order], equal[order]
    keep = _ranks(src) < max_candidates
    a = np.minimum(src[keep], dst[keep])
    b = np.maximum(src[keep], dst[keep])
    pairs, first = np.unique(a * n + b, return_index=True)
    return pairs // n, pairs % n, equal[keep][first]


def candidate_list(
    matrix: Signatures, banding: Banding, max_candidates: int, fold_every: int = 6
) -> CandidateTable:
    """``candidates`` as a sequence of records (numpy columns, a ``Candidate`` made when
    read), the estimate rounded to 4 places."""
    a, b, equal = candidates(matrix, banding, max_candidates, fold_every)
    return CandidateTable(a, b, equal, matrix.shape[1])


def lsh_candidates(
    signatures: Signatures,
    threshold: float,
    max_candidates: int,
    bands_per_pass: int = FingerprintConfig.lsh_bands_per_pass,
) -> CandidateTable:
    """Candidate pairs among the rows of a signature matrix, sorted, each pair once: band
    keys grouped with numpy (``match.candidates``; the same pairs as datasketch
    ``MinHashLSH`` with the banding of ``lsh_bands``), and of the rows a row shares a bucket
    with, the ``max_candidates`` with the highest estimated Jaccard (ties: lower position).
    ``bands_per_pass`` bands of links are gathered before they are de-duplicated."""
    banding = Banding.for_threshold(signatures.shape[1], threshold)
    return candidate_list(signatures, banding, max_candidates, bands_per_pass)

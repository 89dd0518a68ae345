"""MinHash signatures of many shingle sets at once: one matrix, one row per set.

The values are bit-identical to ``datasketch.MinHash`` (the recorded scheme, seed and
num_perm; tests compare them on random sets): each shingle is hashed with SHA-1 (its first
4 bytes, little-endian, for ``affine32`` and ``legacy``; 8 for ``affine64``), then
- ``affine32`` / ``affine64`` (datasketch 2): pre-mixed with the MurmurHash3 finalizer and
  permuted by ``a * h + b`` modulo 2**32 / 2**64, ``a`` odd;
- ``legacy`` (datasketch 1): ``(a * h + b) mod (2**61 - 1)`` cut to 32 bits;
with ``a, b`` drawn from ``numpy.random.RandomState(seed)`` exactly as datasketch draws
them (for the affine schemes, the same words drawn without importing ``numpy.random``:
``fingerprint.RandomState``; ``fingerprint.PlainSigner`` signs a few sets the same way in
plain Python). A set's signature is the minimum over its shingles; an empty set's is the maximum
value in every position (datasketch's empty MinHash).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from provenance.fingerprint import (
    DATASKETCH_MAJOR,
    FMIX,
    FingerprintParams,
    affine_permutations,
    shingles,
)
from provenance.match.candidates import Signatures
from provenance.match.codes import Matrix

__all__ = [
    "DATASKETCH_MAJOR",
    "SCHEMES",
    "BatchSigner",
    "Matrix",
    "Permutations",
    "sign",
    "union",
    "union_blocks",
    "union_runs",
]

_MERSENNE = np.uint64((1 << 61) - 1)
_MAX32 = np.uint64((1 << 32) - 1)
SCHEMES = ("affine32", "affine64", "legacy")
# Shingles hashed per block: the permuted block is shingles x num_perm values (at 65,536
# shingles and 128 permutations, 32 MB for affine32), whatever the size of the batch.
_BLOCK = 1 << 16


@dataclass(frozen=True)
class Permutations:
    """The ``a, b`` of one scheme, seed and num_perm (drawn once, reused for every batch)."""

    scheme: str
    a: Matrix
    b: Matrix

    @classmethod
    def of(cls, scheme: str, seed: int, num_perm: int) -> Permutations:
        if scheme not in SCHEMES:
            raise ValueError(f"unknown MinHash scheme {scheme!r} (one of {', '.join(SCHEMES)})")
        if scheme == "legacy":
            gen = np.random.RandomState(seed)
            pairs = np.array(
                [
                    (
                        gen.randint(1, _MERSENNE, dtype=np.uint64),
                        gen.randint(0, _MERSENNE, dtype=np.uint64),
                    )
                    for _ in range(num_perm)
                ],
                dtype=np.uint64,
            ).T
            return cls(scheme, pairs[0], pairs[1])
        if not 0 <= seed < 1 << 32:
            np.random.RandomState(seed)  # refuses it with numpy's own message
        width = 32 if scheme == "affine32" else 64
        dtype = np.uint32 if width == 32 else np.uint64
        a, b = affine_permutations(seed, num_perm, width)
        return cls(scheme, np.array(a, dtype=dtype), np.array(b, dtype=dtype))

    @property
    def dtype(self) -> type[np.unsignedinteger[Any]]:
        return np.uint32 if self.scheme == "affine32" else np.uint64

    @property
    def empty(self) -> int:
        """The value of every position of an empty set's signature."""
        return (1 << 64) - 1 if self.scheme == "affine64" else (1 << 32) - 1

    def hash_shingles(self, grams: Sequence[bytes]) -> Matrix:
        """SHA-1 of each shingle, cut to the scheme's input width."""
        if self.scheme == "affine64":
            raw = b"".join([hashlib.sha1(g).digest()[:8] for g in grams])
            return np.frombuffer(raw, dtype="<u8").astype(np.uint64)
        raw = b"".join([hashlib.sha1(g).digest()[:4] for g in grams])
        hv = np.frombuffer(raw, dtype="<u4")
        return hv.astype(np.uint32 if self.scheme == "affine32" else np.uint64)

    def permute(self, hv: Matrix) -> Matrix:
        """num_perm x shingles permuted values of the hashed shingles ``hv`` (one row per
        permutation, so that the minimum over a set reads contiguous memory)."""
        a, b = self.a.reshape(-1, 1), self.b.reshape(-1, 1)
        if self.scheme == "legacy":
            return np.bitwise_and((hv * a + b) % _MERSENNE, _MAX32)
        dtype = self.dtype
        s1, m1, s2, m2, s3 = (dtype(c) for c in FMIX[32 if dtype is np.uint32 else 64])
        hv = hv ^ (hv >> s1)
        hv = hv * m1
        hv = hv ^ (hv >> s2)
        hv = hv * m2
        hv = hv ^ (hv >> s3)
        permuted: Matrix = hv * a + b
        return permuted


def sign(sets: Iterable[Iterable[bytes]], perms: Permutations) -> Matrix:
    """One row per shingle set: its MinHash values (see the module docstring)."""
    grams: list[bytes] = []
    sizes: list[int] = []
    for s in sets:
        before = len(grams)
        grams.extend(s)
        sizes.append(len(grams) - before)
    out = np.full((len(sizes), len(perms.a)), perms.empty, dtype=perms.dtype)
    if not grams:
        return out
    owner = np.repeat(np.arange(len(sizes)), sizes)
    for lo in range(0, len(grams), _BLOCK):
        hi = min(len(grams), lo + _BLOCK)
        permuted = perms.permute(perms.hash_shingles(grams[lo:hi]))
        rows = owner[lo:hi]
        # the block's sets are contiguous runs of columns: min over each run
        starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
        mins = np.minimum.reduceat(permuted, starts, axis=1).T
        ids = rows[starts]
        out[ids] = np.minimum(out[ids], mins)
    return out


def union(matrix: Signatures, groups: Sequence[Sequence[int]], empty: int) -> Matrix:
    """One row per group of rows: the signature of the union of their sets (the minimum
    position by position, exact for MinHash of one permutation family); an empty group's
    is ``empty`` in every position."""
    out = np.full((len(groups), matrix.shape[1]), empty, dtype=matrix.dtype)
    filled = [i for i, rows in enumerate(groups) if len(rows)]
    if filled:
        rows = np.concatenate([np.asarray(groups[i], dtype=np.int64) for i in filled])
        cuts = np.cumsum([0, *(len(groups[i]) for i in filled)])
        out[filled] = union_runs(matrix, rows, cuts)
    return out


def union_runs(matrix: Signatures, rows: Matrix, cuts: Matrix, block: int = 1 << 13) -> Matrix:
    """``union`` of the groups ``rows[cuts[g] : cuts[g + 1]]`` (none empty), consecutive
    groups read together, about ``block`` rows of ``matrix`` at a time."""
    out = np.empty((len(cuts) - 1, matrix.shape[1]), dtype=matrix.dtype)
    for g, h, values in union_blocks(matrix, rows, cuts, block):
        out[g:h] = values
    return out


def union_blocks(
    matrix: Signatures, rows: Matrix, cuts: Matrix, block: int = 1 << 13
) -> Iterator[tuple[int, int, Matrix]]:
    """``union_runs`` a block at a time: (g, h, the union signatures of groups g .. h - 1),
    in order, so that a caller can write them out (a stored matrix) as they come; one read
    of ``matrix`` touches about ``block`` rows (a stored matrix's mapped pages: at 8,192
    rows, 32 MB at most)."""
    count = len(cuts) - 1
    g = 0
    while g < count:  # groups g .. h - 1: at least one, else as many as fit in ``block``
        h = max(g + 1, int(np.searchsorted(cuts, cuts[g] + block, side="right")) - 1)
        picked = matrix[rows[cuts[g] : cuts[h]]]
        yield g, h, np.minimum.reduceat(picked, cuts[g:h] - cuts[g], axis=0)
        g = h


class BatchSigner:
    """Signs texts or shingle sets with one fixed set of permutations, a matrix per batch."""

    def __init__(self, params: FingerprintParams) -> None:
        self.params = params
        self.perms = Permutations.of(params.scheme, params.seed, params.num_perm)

    def sign_shingles(self, sets: Iterable[Iterable[bytes]]) -> Matrix:
        return sign(sets, self.perms)

    def sign_texts(self, texts: Iterable[str]) -> Matrix:
        return sign((shingles(t, self.params) for t in texts), self.perms)

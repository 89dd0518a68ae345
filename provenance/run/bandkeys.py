"""Band-key candidates in pieces that any executor can spread over machines.

``index.lsh_candidates`` buckets signatures in one process with datasketch ``MinHashLSH``.
The same candidates come out of three steps on numpy arrays, each a function of its inputs:

1. ``route``: for the bands of one shuffle round, the rows ``(band, id, key)`` of a block of
   signatures (``key``: the band's slice of hash values, what ``MinHashLSH`` buckets by),
   split by a stable hash of ``(band, key)`` into the buckets' partitions;
2. ``edges``: in one bucket partition, the rows grouped by ``(band, key)`` (a bucket) give
   the neighbour pairs, with ``MinHashLSH``'s bucket cap: a bucket of more than
   ``4 * max_candidates`` links its members to its ``max_candidates`` lowest ids only;
3. ``estimates`` / ``top``: the estimated Jaccard of each pair (share of equal hash values)
   and, per id, the ``max_candidates`` best neighbours (ties: lower id).

The union of ``top`` over all ids, as ``(a, b)`` with ``a < b``, is what ``lsh_candidates``
returns for the same signatures (tests/test_bandkeys.py compares them).
"""

from __future__ import annotations

from typing import Any

import numpy as np

Array = np.ndarray[Any, Any]

# mixes band keys into a partition number; any fixed odd 64-bit constants would do, what
# matters is that every process computes the same number (Python's hash() is salted)
_MIX = np.uint64(0x9E3779B97F4A7C15)


def row_dtype(rows: int) -> np.dtype[Any]:
    return np.dtype([("band", "<u4"), ("id", "<i8"), ("key", "<u4", (rows,))])


def route(values: Array, first_id: int, bands: range, rows: int, partitions: int) -> list[Array]:
    """The bucket rows of ``values`` (signatures ``first_id``, ``first_id + 1``, ...) for
    ``bands``, split into ``partitions`` arrays by a stable hash of ``(band, key)``."""
    n = values.shape[0]
    dtype = row_dtype(rows)
    out = np.empty(n * len(bands), dtype=dtype)
    ids = np.arange(first_id, first_id + n, dtype=np.int64)
    for i, band in enumerate(bands):
        part = out[i * n : (i + 1) * n]
        part["band"] = band
        part["id"] = ids
        part["key"] = values[:, band * rows : (band + 1) * rows]
    mixed = out["band"].astype(np.uint64) + np.uint64(1)
    with np.errstate(over="ignore"):
        for c in range(rows):
            mixed = (mixed ^ out["key"][:, c].astype(np.uint64)) * _MIX
            mixed ^= mixed >> np.uint64(29)
    target = (mixed % np.uint64(partitions)).astype(np.int64)
    return [out[target == q] for q in range(partitions)]


def edges(pieces: list[Array], max_candidates: int) -> Array:
    """Directed neighbour pairs ``(id, other)``, ``id != other``, unique, sorted, of the
    buckets in ``pieces`` (all rows of a bucket are in the same partition)."""
    rows = np.concatenate(pieces) if pieces else np.empty(0, dtype=row_dtype(1))
    if len(rows) < 2:
        return np.empty((0, 2), dtype=np.int64)
    keys = rows["key"]
    order = np.lexsort((rows["id"], *keys.T[::-1], rows["band"]))
    rows = rows[order]
    keys = rows["key"]
    same = (rows["band"][1:] == rows["band"][:-1]) & np.all(keys[1:] == keys[:-1], axis=1)
    starts = np.flatnonzero(np.concatenate(([True], ~same)))
    ends = np.append(starts[1:], len(rows))
    found: list[Array] = []
    cap = 4 * max_candidates
    shared = ends - starts >= 2
    for s, e in zip(starts[shared].tolist(), ends[shared].tolist(), strict=True):
        size = e - s
        ids = rows["id"][s:e]  # sorted: the lexsort's last key
        if size <= cap:
            a, b = np.meshgrid(ids, ids, indexing="ij")
            found.append(np.stack((a.ravel(), b.ravel()), axis=1))
        else:
            hubs = ids[:max_candidates]
            a, b = np.meshgrid(ids, hubs, indexing="ij")
            pairs = np.stack((a.ravel(), b.ravel()), axis=1)
            found.append(pairs)
            found.append(pairs[:, ::-1])
    if not found:
        return np.empty((0, 2), dtype=np.int64)
    pairs = np.concatenate(found)
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    return np.unique(pairs, axis=0)


def split_by_owner(pairs: Array, bounds: Array) -> list[Array]:
    """``pairs`` split by the block that holds their first id (blocks start at ``bounds``)."""
    owner = np.searchsorted(bounds, pairs[:, 0], side="right") - 1
    return [pairs[owner == p] for p in range(len(bounds))]


def estimates(pairs: Array, own: Array, own_first: int, other: Array, other_first: int) -> Array:
    """The estimated Jaccard (share of equal hash values) of each pair, whose first id is in
    the block ``own`` and second in ``other``."""
    if len(pairs) == 0:
        return np.empty(0, dtype=np.float64)
    equal = own[pairs[:, 0] - own_first] == other[pairs[:, 1] - other_first]
    result: Array = equal.mean(axis=1)
    return result


def top(pairs: Array, jaccard: Array, max_candidates: int) -> tuple[Array, Array]:
    """Per first id, its ``max_candidates`` pairs of highest estimate (ties: lower second
    id), as ``(a, b)`` with ``a < b``, and their estimates. ``pairs`` may repeat a pair."""
    if len(pairs) == 0:
        return np.empty((0, 2), dtype=np.int64), np.empty(0, dtype=np.float64)
    pairs, first = np.unique(pairs, axis=0, return_index=True)
    jaccard = jaccard[first]
    order = np.lexsort((pairs[:, 1], -jaccard, pairs[:, 0]))
    pairs, jaccard = pairs[order], jaccard[order]
    new = np.concatenate(([True], pairs[1:, 0] != pairs[:-1, 0]))
    group_start = np.maximum.accumulate(np.where(new, np.arange(len(pairs)), 0))
    keep = np.arange(len(pairs)) - group_start < max_candidates
    pairs, jaccard = pairs[keep], jaccard[keep]
    return np.sort(pairs, axis=1), jaccard


def merge(found: list[tuple[Array, Array]]) -> tuple[Array, Array]:
    """The union of ``top``'s outputs, each pair once, sorted."""
    pairs = np.concatenate([p for p, _ in found]) if found else np.empty((0, 2), np.int64)
    jaccard = np.concatenate([j for _, j in found]) if found else np.empty(0, np.float64)
    if len(pairs) == 0:
        return pairs, jaccard
    pairs, first = np.unique(pairs, axis=0, return_index=True)
    return pairs, jaccard[first]

"""Band-key candidates in pieces that an executor can spread over machines.

``match.candidates`` finds the candidate pairs of a whole signature matrix in one process.
The same pairs come out of these steps, each a function of its inputs:

1. ``route``: for the bands of one shuffle round, the rows ``(band, id, key)`` of a block of
   signatures (``key``: the band's slice of values, what a bucket is made of), split by a
   stable hash of ``(band, key)`` into the bucket partitions;
2. ``edges``: in one bucket partition, each band's rows grouped into buckets give the links
   (``match.candidates.band_links``: the bucket rule, hubs and all), as global ids;
3. ``equal_values``: for links whose ids lie in two blocks, the number of equal values
   (reads both blocks' signatures by id);
4. ``match.candidates.keep_best`` per block of first ids, and ``merge`` of the blocks.

tests/test_bandkeys.py chains them in one process and compares with ``lsh_candidates``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from provenance.match.candidates import band_links, keep_best, row_keys

Array = np.ndarray[Any, Any]


def row_dtype(rows: int, values: np.dtype[Any]) -> np.dtype[Any]:
    """A bucket row: band, signature id, and the band's ``rows`` values as they are."""
    return np.dtype([("band", "<u4"), ("id", "<i8"), ("key", values, (rows,))])


def _empty_links() -> Array:
    return np.empty((0, 2), dtype=np.int64)


def route(values: Array, first_id: int, bands: range, rows: int, partitions: int) -> list[Array]:
    """The bucket rows of ``values`` (signatures ``first_id``, ``first_id + 1``, ...) for
    ``bands``, split into ``partitions`` arrays by a stable hash of ``(band, key)``."""
    n = values.shape[0]
    out = np.empty(n * len(bands), dtype=row_dtype(rows, values.dtype))
    ids = np.arange(first_id, first_id + n, dtype=np.int64)
    for i, band in enumerate(bands):
        part = out[i * n : (i + 1) * n]
        part["band"] = band
        part["id"] = ids
        part["key"] = values[:, band * rows : (band + 1) * rows]
    mixed = row_keys(out["key"], first=out["band"])  # the same in every process
    target = (mixed % np.uint64(partitions)).astype(np.int64)
    return [out[target == q] for q in range(partitions)]


def edges(pieces: list[Array], max_candidates: int) -> Array:
    """Directed links ``(id, other)``, ``id != other``, unique and sorted, of the buckets in
    ``pieces`` (every row of a bucket is routed to the same partition)."""
    if not pieces:
        return _empty_links()
    rows = np.concatenate(pieces)
    found: list[Array] = []
    for band in np.unique(rows["band"]).tolist():
        mine = rows[rows["band"] == band]
        mine = mine[np.argsort(mine["id"], kind="stable")]  # positions in id order: hubs
        for src, dst in band_links(mine["key"], max_candidates):
            keep = src != dst
            found.append(np.stack((mine["id"][src[keep]], mine["id"][dst[keep]]), axis=1))
    if not found:
        return _empty_links()
    return np.unique(np.concatenate(found), axis=0)


def split_by_owner(links: Array, bounds: Array) -> list[Array]:
    """``links`` split by the block that holds their first id (blocks start at ``bounds``)."""
    owner = np.searchsorted(bounds, links[:, 0], side="right") - 1
    return [links[owner == p] for p in range(len(bounds))]


def equal_values(links: Array, own: Array, own_first: int, other: Array, other_first: int) -> Array:
    """Per link, how many values its two signatures share; its first id is in the block
    ``own``, its second in ``other``."""
    if len(links) == 0:
        return np.empty(0, dtype=np.int64)
    same = own[links[:, 0] - own_first] == other[links[:, 1] - other_first]
    counts: Array = same.sum(axis=1).astype(np.int64)
    return counts


def best(links: Array, equal: Array, max_candidates: int, n: int) -> tuple[Array, Array]:
    """``keep_best`` of one block's distinct links: pairs (a < b) and their equal values."""
    if len(links) == 0:
        return _empty_links(), np.empty(0, dtype=np.int64)
    a, b, counts = keep_best(links[:, 0], links[:, 1], equal, max_candidates, n)
    return np.stack((a, b), axis=1), counts


def merge(found: list[tuple[Array, Array]]) -> tuple[Array, Array]:
    """The union of the blocks' ``best`` pairs, each pair once, sorted."""
    pairs = [p for p, _ in found if len(p)]
    if not pairs:
        return _empty_links(), np.empty(0, dtype=np.int64)
    counts = np.concatenate([c for p, c in found if len(p)])
    unique, first = np.unique(np.concatenate(pairs), axis=0, return_index=True)
    return unique, counts[first]

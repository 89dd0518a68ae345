"""Candidate pairs from LSH band keys, grouped with numpy: exactly ``MinHashLSH``'s.

A signature matrix is cut into ``bands`` slices of ``rows`` values (``Banding``: the report
and the persistent index cut it the same way). Two rows share a bucket when one of their
slices is equal; one sort of a 64-bit key per slice groups equal slices band by band
(``bucket_order``), so no per-signature object and no hash table is built. The rule on
what a bucket proposes is datasketch's as the report used it (a test compares with
``MinHashLSH`` on random signatures):
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

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeAlias, overload

import numpy as np
import numpy.typing as npt

from provenance.config import FingerprintConfig
from provenance.fingerprint import band_keys_of
from provenance.match.codes import Matrix, distinct_in_place, index_type, lex_order, union
from provenance.match.spill import DEAL, Buckets, Spill


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
# Pairs whose rows are read in the order of their second row (``_equal_values``): 24
# bytes each while they are; and dealt to the buckets of their second rows at once
# (``Buckets.deal``: ~50 bytes each while they are). Their first rows are near each other
# (one part's), their second rows anywhere: the more at once, the closer together in the
# file, the fewer page faults (at 7.5 million rows, 2**20 pairs in code order: 6.1 s; in
# this order: 1.5)
_EQUAL_BLOCK = 1 << 20


@dataclass(frozen=True)
class Candidate:
    """Two signatures (by position, ``a < b``) that share a bucket."""

    a: int
    b: int
    estimated_jaccard: float


def localized(pairs: Sequence[Candidate]) -> tuple[list[int], list[Candidate]]:
    """The texts ``pairs`` name (ascending, each once) and the pairs renumbered into that
    list, estimates kept: what aligning them reads, or sends to a worker."""
    needed = sorted({x for c in pairs for x in (c.a, c.b)})
    local = {u: n for n, u in enumerate(needed)}
    return needed, [Candidate(local[c.a], local[c.b], c.estimated_jaccard) for c in pairs]


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

    def band(self, matrix: Signatures, k: int) -> Matrix:
        """The columns of band k of every row (read band by band, and passed on, not held
        in a loop variable: a stored matrix's columns go before the next band's are read)."""
        return matrix[:, k * self.rows : (k + 1) * self.rows]

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


# Multiplier of ``row_keys``' mixing (odd: a bijection of 64-bit integers; the golden
# ratio's, whose bits spread one value's over the key; any fixed one would do: what
# matters is that every process computes the same keys, as Python's salted hash() would
# not).
_MIX = np.uint64(0x9E3779B97F4A7C15)
# Sorted rows whose keys are compared at once (``bucket_order``: 2 bytes each while they
# are, besides the order).
_TIES = 1 << 20


def row_keys(part: Matrix, first: Matrix | None = None) -> Matrix:
    """A 64-bit key per row of ``part`` (integer columns; ``first``, a number per row,
    mixed in before them): equal rows, equal keys, in every process; unequal rows, equal
    keys about once in 2**64 pairs (each column mixed in by a bijection of the key so
    far: multiply by an odd number, fold the high bits down, add the value)."""
    # a copy: mixed in place
    key = (part[:, 0] if first is None else first).astype(np.uint64)
    for column in range(0 if first is not None else 1, part.shape[1]):
        key *= _MIX
        key ^= key >> np.uint64(29)
        np.add(key, part[:, column], out=key, casting="unsafe")  # any integer column
    return key


def bucket_order(
    part: Matrix, keys: Callable[[Matrix], Matrix] = row_keys
) -> tuple[Matrix, Matrix]:
    """The rows of ``part`` with equal rows next to each other, each run of them in
    ascending row order (as ``numpy.lexsort`` of its columns leaves them; the runs in any
    order), and per pair of neighbours whether they are equal: one stable sort of a 64-bit
    key per row (``keys``), where ``lexsort`` of three columns sorts three times, ~4x the
    time (benchmarks/README, session 34). Unequal rows that share a key would split the
    run of an equal row's key; a run of one key holding unequal rows is sorted again by
    its values."""
    key = keys(part)
    order = np.argsort(key, kind="stable")
    same = _equal_neighbours(part, order)
    clashing: set[int] = set()  # keys that unequal neighbours share
    for lo in range(0, len(same), _TIES):
        near = key[order[lo : lo + _TIES + 1]]
        clashing.update(near[1:][(near[1:] == near[:-1]) & ~same[lo : lo + _TIES]].tolist())
    if not clashing:
        return order, same
    sorted_key = key[order]
    for value in sorted(clashing):  # each clashing key's run, sorted again by its values
        lo = int(np.searchsorted(sorted_key, value))
        hi = int(np.searchsorted(sorted_key, value, side="right"))
        run = order[lo:hi]
        order[lo:hi] = run[np.lexsort(part[run].T[::-1])]
    return order, _equal_neighbours(part, order)


def _equal_neighbours(part: Matrix, order: Matrix) -> Matrix:
    """Per pair of neighbours in ``order``, whether their rows of ``part`` are equal: a
    column at a time, not the rows gathered whole."""
    same = np.ones(max(0, len(order) - 1), dtype=np.bool_)  # sorted row k + 1 in k's bucket
    for column in range(part.shape[1]):
        values = part[order, column]
        same &= values[1:] == values[:-1]
    return same


# Links of small buckets made at once (``band_links``: about 50 bytes each while they are
# made, and the codes their caller makes of them); a band of millions of rows is cut into
# groups of buckets of about this many. Fewer, more groups (more numpy calls).
_LINKS = 1 << 20


def band_links(part: Matrix, max_candidates: int) -> Iterator[tuple[Matrix, Matrix]]:
    """Directed (row, linked row) pairs of one band's buckets (self-links included): the
    buckets of up to ``4 * max_candidates`` rows a group of about ``_LINKS`` links at a
    time, bigger ones (each row linked to the bucket's ``max_candidates`` lowest, its hubs,
    and those to every row) one by one, about ``_LINKS`` links at a time."""
    if len(part) < 2:
        return
    order, same = bucket_order(part)
    order = order.astype(index_type(len(part)), copy=False)  # int32: half the int64
    # the buckets of two rows or more, as runs of ``same``: (start, size) in ``order``
    # (a singleton bucket, most of them, takes no room)
    edges = np.diff(same.view(np.int8), prepend=np.int8(0), append=np.int8(0))
    del same
    starts = np.flatnonzero(edges == 1)
    sizes = np.flatnonzero(edges == -1) - starts + 1
    del edges
    small = sizes <= 4 * max_candidates
    if small.any():
        fans = np.cumsum(sizes[small] ** 2)  # links up to each small bucket, with it
        cuts = np.searchsorted(fans, np.arange(_LINKS, int(fans[-1]), _LINKS), side="right")
        for group in np.split(np.flatnonzero(small), cuts):
            if len(group):
                yield _bucket_links(order, starts[group], sizes[group])
    for i in np.flatnonzero(~small):
        bucket = np.sort(order[starts[i] : starts[i] + sizes[i]])
        hubs = bucket[:max_candidates]
        step = max(1, _LINKS // len(hubs))  # a bucket of millions of rows: a slice at a time
        for lo in range(0, len(bucket), step):
            rows = bucket[lo : lo + step]
            yield np.repeat(rows, len(hubs)), np.tile(hubs, len(rows))
            yield np.repeat(hubs, len(rows)), np.tile(rows, len(hubs))


def _bucket_links(order: Matrix, start: Matrix, size: Matrix) -> tuple[Matrix, Matrix]:
    """Every member of each bucket (``size`` rows from ``start`` in ``order``) linked to
    its whole bucket, itself included."""
    member = np.repeat(start, size) + _runs(size)  # positions in ``order``
    fan = np.repeat(size, size)  # each member links to its whole bucket
    src = np.repeat(order[member], fan)
    dst = order[np.repeat(np.repeat(start, size), fan) + _runs(fan)]
    return src, dst


def candidates(
    matrix: Signatures, banding: Banding, max_candidates: int, fold_every: int = 6
) -> tuple[Matrix, Matrix, Matrix]:
    """Candidate pairs of the rows of ``matrix`` as three arrays (a, b, equal values),
    sorted by (a, b), ``a < b``, each pair once; the estimated Jaccard of a pair is
    ``equal / matrix.shape[1]`` (``candidate_codes``, its codes cut in two)."""
    codes, equal = candidate_codes(matrix, banding, max_candidates, fold_every)
    n = max(len(matrix), 1)
    return codes // n, codes % n, equal.astype(np.int64)


# Links whose best are picked at once (``_best``: about 60 bytes each while they are).
_PICK = 1 << 17
# Rows whose links are ranked from one bucket (``candidate_codes``), at most: each bucket
# holds the distinct pairs of its rows, so fewer rows, smaller buckets, more of them (three
# files a part when spilled: at 7.5 million rows, 58 parts or more). The first parts hold
# the most: a pair goes to the part of its lower row.
_PART_ROWS = 1 << 17
# Links of a part's rows, about, when they have many (a pair counted at both its rows, once
# per band it shares): the part's bucket of codes (a link whose lower row is the part's,
# 8 bytes each) is the step's largest array, and the part's distinct pairs and the links
# of its rows as second rows are ranked at once (some 45 bytes a pair).
# Dense rows (quotations whose altered copies chain across a corpus, under a low threshold
# of many bands) make parts of fewer rows. Lower: less memory, more parts and files.
_PART_LINKS = 1 << 24
# Rows counted together when the links are estimated (a part is whole bins but the last):
# the finest cut a dense part gets.
_BIN_ROWS = 1 << 12
# Parts cut for their links, about (each is three files when spilled): a part holds at
# least 1 / _MAX_PARTS of the links (estimated) before it is cut, so that two parts side by
# side hold more and at most 2 * _MAX_PARTS + 1 parts are cut for their links (plus those
# cut at ``_PART_ROWS``).
_MAX_PARTS = 128


def candidate_codes(
    matrix: Signatures,
    banding: Banding,
    max_candidates: int,
    fold_every: int = 6,
    spill: Spill | None = None,
) -> tuple[Matrix, Matrix]:
    """``candidates`` as pair codes ``a * len(matrix) + b`` (int64, ascending) and their
    equal values (the smallest unsigned type that holds ``matrix.shape[1]``):
    ``candidate_parts`` joined."""
    with candidate_parts(matrix, banding, max_candidates, fold_every, spill) as parts:
        return parts.joined()


class CodeParts:
    """``candidate_codes``' codes and equal values in parts, read one part at a time, in
    order (part k's codes are ascending, each once, and below part k + 1's): ``total``
    codes in all. The parts are the kept buckets (files when spilled), so reading them
    through holds one part at a time; they are removed once read (or at ``close``)."""

    def __init__(self, kept: Buckets, sizes: list[int], count: np.dtype[Any]) -> None:
        self._kept = kept
        self._sizes = sizes
        self.count = count  # the type of the equal values
        self.total = sum(sizes)

    def __iter__(self) -> Iterator[tuple[Matrix, Matrix]]:
        try:
            for k in range(len(self._sizes)):
                yield self._kept.take(k)
        finally:
            self.close()

    def joined(self) -> tuple[Matrix, Matrix]:
        """All the codes and equal values, each as one array."""
        out = np.empty(self.total, dtype=np.int64)
        out_equal = np.empty(self.total, dtype=self.count)
        at = 0
        for codes, equals in self:
            out[at : at + len(codes)], out_equal[at : at + len(codes)] = codes, equals
            at += len(codes)
        return out, out_equal

    def close(self) -> None:
        self._kept.close()

    def __enter__(self) -> CodeParts:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _pair_codes(part: Matrix, max_candidates: int, n: int, take: Callable[[Matrix], None]) -> None:
    """The pairs (a < b) of one band's links (``band_links``) as codes ``a * n + b``, given
    to ``take`` a group at a time; what a group held goes on return, before the next
    band's columns are read."""
    for src, dst in band_links(part, max_candidates):
        keep = src < dst  # the other way round comes too
        take(src[keep].astype(np.int64) * n + dst[keep])


def candidate_parts(
    matrix: Signatures,
    banding: Banding,
    max_candidates: int,
    fold_every: int = 6,
    spill: Spill | None = None,
) -> CodeParts:
    """``candidate_codes`` in parts (``CodeParts``), not joined.

    A bucket links its rows both ways, so each link is gathered once, as a pair (a < b).
    The rows are cut in parts (``_Parts``: ``_PART_ROWS`` rows at most, fewer where the
    first band's links say the rows have many), and the pairs dealt into buckets by the
    part of their first row. With ``spill`` (where the work folder keeps a uint32 matrix;
    by default a matrix's own ``beside``, as the work store's ``StoredMatrix`` has) the
    buckets are files and the pairs go there as they are made; without, the pairs of
    every ``fold_every`` bands are de-duplicated together first (fewer: less memory, more
    sorting). Then part by part: its pairs' equal values are computed (once a pair), the
    pairs are dealt again by the part of their second row (a part's second rows come from
    its own and earlier parts, so its bucket is whole when its turn comes), and each row's
    best links, as a first and as a second row, are kept. What is held with ``spill`` is
    one part's pairs and the kept ones, not every distinct pair."""
    n = len(matrix)
    width = matrix.shape[1]
    count = np.min_scalar_type(width)
    if n < 2:
        return CodeParts(Buckets("lsh-kept", 0, None, count), [], count)
    cut = _Parts.cut(matrix, banding, max_candidates)
    parts = len(cut)
    if spill is None:  # a matrix in a file of the work folder (``StoredMatrix``) spills there
        spill = getattr(matrix, "beside", None)
    if parts == 1:
        spill = None  # one bucket: nothing to hold apart
    first = Buckets("lsh-first", parts, spill)
    second = Buckets("lsh-second", parts, spill, count)
    kept = Buckets("lsh-kept", parts, spill, count)
    try:
        found: list[Matrix] = []

        def dealt(codes: Matrix) -> None:
            first.deal(codes, cut.of(codes // n))

        for band in range(1, banding.bands + 1):
            # without spill, to ``found``; with, to the files as made: memory holds one
            # group of buckets' links
            take = found.append if spill is None else dealt
            _pair_codes(banding.band(matrix, band - 1), max_candidates, n, take)
            if found and (band % max(1, fold_every) == 0 or band == banding.bands):
                pairs = union(found)  # ``found`` emptied
                first.deal(pairs, cut.of(pairs // n))
        del found
        for k in range(parts):
            # a bucket's pairs are the step's largest array (at 7.5 million rows, the first
            # holds 50 million codes, a pair once per band it shares): de-duplicated where
            # they are read into, the rest of the array left unused rather than the
            # distinct ones copied out of it
            pairs = first.take(k)[0]
            pairs = pairs[: distinct_in_place(pairs)]
            equal = _equal_values(matrix, pairs, n, count)
            for lo in range(0, len(pairs), _EQUAL_BLOCK):  # by the part of their second row
                chunk = pairs[lo : lo + _EQUAL_BLOCK]
                second.deal(chunk, cut.of(chunk % n), equal[lo : lo + _EQUAL_BLOCK])
            rows = (cut.bounds[k], cut.bounds[k + 1])
            ranked = _best(pairs, equal, *second.take(k), rows, n, max_candidates)
            for codes, equals in ranked:
                kept.deal(codes, cut.of(codes // n), equals)
        return CodeParts(kept, _sorted_once(kept, n), count)
    except BaseException:
        kept.close()
        raise
    finally:
        for buckets in (first, second):
            buckets.close()


@dataclass(frozen=True)
class _Parts:
    """The rows of a matrix cut in parts (``candidate_parts``): part k is rows
    ``bounds[k]`` to ``bounds[k + 1]``, whole bins of ``1 << shift`` rows but the last."""

    bounds: list[int]
    of_bin: Matrix  # per bin of rows, its part
    shift: int

    def __len__(self) -> int:
        return len(self.bounds) - 1

    def of(self, rows: Matrix) -> Matrix:
        """The part of each of ``rows``."""
        found: Matrix = self.of_bin[rows >> self.shift]
        return found

    @classmethod
    def cut(cls, matrix: Signatures, banding: Banding, max_candidates: int) -> _Parts:
        """``_PART_ROWS`` rows a part at most, and about ``_PART_LINKS`` links: each bin's
        links estimated as its rows' links in the first band (a pair counted at both its
        rows: a part ranks its rows' links as the first and as the second row) times the
        bands (every band's slices are alike in law), a part closed before the bin that
        would take it past either (``_MAX_PARTS``: past it, more links a part). One part
        when the rows fit in one (no estimate). The first band's links are made twice (here
        counted, then dealt with the others): one band's more work of ``bands``, where
        holding them until the cut is known would hold a whole band's codes."""
        n = len(matrix)
        shift = min(_BIN_ROWS, _PART_ROWS).bit_length() - 1
        bins = -(-n >> shift)
        if n <= _PART_ROWS:
            return cls([0, n], np.zeros(bins, dtype=np.int64), shift)
        links = np.zeros(bins, dtype=np.int64)
        for src, dst in band_links(banding.band(matrix, 0), max_candidates):
            keep = src < dst  # each pair once, counted at both its rows
            links += np.bincount(src[keep] >> shift, minlength=bins)
            links += np.bincount(dst[keep] >> shift, minlength=bins)
        links *= banding.bands
        return cls.of_links(links, n, shift)

    @classmethod
    def of_links(cls, links: Matrix, n: int, shift: int) -> _Parts:
        """``cut`` of ``n`` rows whose bins of ``1 << shift`` rows have ``links``."""
        most = max(_PART_LINKS, -(-int(links.sum()) // _MAX_PARTS))
        bounds, held = [0], 0
        for b, count in enumerate(links.tolist()):
            row = b << shift
            grown = row + (1 << shift) - bounds[-1]  # the part's rows with this bin's
            if row > bounds[-1] and (held + count > most or grown > _PART_ROWS):
                bounds.append(row)
                held = 0
            held += count
        firsts = [row >> shift for row in bounds]  # each part's first bin
        bounds.append(n)
        sizes = np.diff([*firsts, len(links)])
        return cls(bounds, np.repeat(np.arange(len(sizes)), sizes), shift)


def _equal_values(matrix: Signatures, pairs: Matrix, n: int, count: np.dtype[Any]) -> Matrix:
    """Per pair code ``a * n + b`` of ``pairs``, how many values rows a and b of ``matrix``
    share (of type ``count``): ``equal_counts`` of ``_EQUAL_BLOCK`` pairs at a time."""
    equal = np.empty(len(pairs), dtype=count)
    for lo in range(0, len(pairs), _EQUAL_BLOCK):
        src, dst = np.divmod(pairs[lo : lo + _EQUAL_BLOCK], n)
        equal[lo : lo + len(src)] = equal_counts(matrix, src, dst, count)
    return equal


def equal_counts(
    matrix: Signatures, src: Matrix, dst: Matrix, kind: npt.DTypeLike, chunk: int = _CHUNK
) -> Matrix:
    """Per k, how many values rows ``src[k]`` and ``dst[k]`` of ``matrix`` share (of type
    ``kind``), ``chunk`` pairs a read, in the order of their ``dst`` rows: rows picked
    from a stored matrix in that order come from nearby pages of its file, where in any
    order they may be a page fault each."""
    out = np.empty(len(src), dtype=kind)
    # pairs of one row in any order (each count goes to its own place): not a stable sort,
    # about half the time of one on int64
    order = np.argsort(dst)
    for at in range(0, len(order), chunk):
        picked = order[at : at + chunk]
        out[picked] = (matrix[src[picked]] == matrix[dst[picked]]).sum(axis=1)
    return out


def _best(
    pairs: Matrix,
    equal: Matrix,
    by: Matrix,
    by_equal: Matrix,
    rows: tuple[int, int],
    n: int,
    max_candidates: int,
) -> Iterator[tuple[Matrix, Matrix]]:
    """The pairs (codes, equal values) among the ``max_candidates`` best links (highest
    equal, then lower row: ``keep_best``'s rule) of a row in ``rows`` (lo, hi): its links
    as the first row are ``pairs`` (ascending, each once, all first rows in ``rows``), as
    the second ``by`` (codes, any order) with ``by_equal``. Ranked a block of rows at a
    time, about ``_PICK`` links a block; a pair may come twice (best of both its rows).
    The second links are held as two columns of row numbers (uint32 while they fit)."""
    lo, hi = rows
    narrow = np.uint32 if n <= 1 << 32 else np.int64
    second = (by % n).astype(narrow)
    order = np.argsort(second, kind="stable")
    second = second[order]
    firsts = (by // n).astype(narrow)[order]
    by_equal = by_equal[order]
    del by, order
    step = max(1, -(-(hi - lo) * _PICK // max(1, len(pairs) + len(second))))
    for r0 in range(lo, hi, step):
        r1 = min(hi, r0 + step)
        i0, i1 = np.searchsorted(pairs, [r0 * n, r1 * n]).tolist()
        j0, j1 = np.searchsorted(second, [r0, r1]).tolist()
        mine, theirs = second[j0:j1].astype(np.int64), firsts[j0:j1].astype(np.int64)
        codes = np.r_[pairs[i0:i1], theirs * n + mine]
        equals = np.r_[equal[i0:i1], by_equal[j0:j1]]
        src = np.r_[pairs[i0:i1] // n, mine]
        dst = np.r_[pairs[i0:i1] % n, theirs]
        order = lex_order((dst, -equals.astype(np.int64), src))
        best = order[_place_in_run(src[order]) < max_candidates]
        yield codes[best], equals[best]


def _sorted_once(kept: Buckets, n: int) -> list[int]:
    """Sort each bucket of ``kept`` (bucket k holds codes below those of bucket k + 1 of
    rows below ``n``) and keep each code once, with its equal value, written back; each
    bucket's size after. A pair kept twice (best of both its rows) has the same equal value
    both times, so when the codes leave room, a code and its equal value are sorted and
    made distinct as one int64 (the code shifted past the equal value's bits), in place:
    8 bytes a code, not the ~35 of sorting the codes and taking the equal values along."""
    sizes = []
    for k in range(len(kept)):
        codes, equals = kept.take(k)
        bits = 8 * equals.dtype.itemsize
        if n * n > 1 << (63 - bits):  # no room: the codes sorted, the equal values along
            order = np.argsort(codes, kind="stable")
            codes, equals = codes[order], equals[order]
            once = np.r_[True, codes[1:] != codes[:-1]] if len(codes) else np.zeros(0, np.bool_)
            kept.add(k, codes[once], equals[once])
            sizes.append(int(np.count_nonzero(once)))
            continue
        codes <<= bits
        codes |= equals
        kind = equals.dtype
        del equals
        count = distinct_in_place(codes)
        for lo in range(0, count, DEAL):
            chunk = codes[lo : min(count, lo + DEAL)]
            kept.add(k, chunk >> bits, (chunk & ((1 << bits) - 1)).astype(kind))
        sizes.append(count)
    return sizes


def _place_in_run(rows: Matrix) -> Matrix:
    """Per position of ``rows`` (equal rows together), its place in its run of equal rows:
    0, 1, ... (a row's links come ranked best first)."""
    starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
    ranks: Matrix = np.arange(len(rows)) - np.repeat(starts, np.diff(np.r_[starts, len(rows)]))
    return ranks


def keep_best(
    src: Matrix, dst: Matrix, equal: Matrix, max_candidates: int, n: int
) -> tuple[Matrix, Matrix, Matrix]:
    """Of the distinct links (src, dst) with their equal values, each source row's
    ``max_candidates`` best (highest estimate, then lower row), as pairs (a < b) sorted,
    each once, with their equal values; rows are below ``n``."""
    order = lex_order((dst, -equal, src))
    src, dst, equal = src[order], dst[order], equal[order]
    keep = _place_in_run(src) < max_candidates
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

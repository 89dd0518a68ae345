"""numpy signatures and band-key candidates against the reference, datasketch."""

from __future__ import annotations

import re
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pytest
from datasketch import LeanMinHash, MinHash, MinHashLSH
from hypothesis import given, settings
from hypothesis import strategies as st

from provenance.match.candidates import Banding, candidate_list, candidates, lsh_bands
from provenance.match.signatures import DATASKETCH_MAJOR, SCHEMES, Permutations, sign, union

shingle_sets = st.lists(
    st.sets(st.binary(min_size=0, max_size=12), max_size=30), min_size=1, max_size=12
)


def reference(sets: list[set[bytes]], scheme: str, seed: int, num_perm: int) -> np.ndarray:
    rows = []
    for s in sets:
        mh = MinHash(num_perm=num_perm, seed=seed, scheme=scheme)
        if s:
            mh.update_batch(sorted(s))
        rows.append(mh.hashvalues)
    return np.stack(rows)


@settings(max_examples=60, deadline=None)
@given(
    shingle_sets,
    st.sampled_from(SCHEMES),
    st.integers(min_value=0, max_value=2**31),
    st.sampled_from([1, 16, 128]),
)
def test_signatures_are_datasketch_minhash_bit_for_bit(
    sets: list[set[bytes]], scheme: str, seed: int, num_perm: int
) -> None:
    perms = Permutations.of(scheme, seed, num_perm)
    ours = sign([sorted(s) for s in sets], perms)
    theirs = reference(sets, scheme, seed, num_perm)
    assert ours.dtype == theirs.dtype
    assert np.array_equal(ours, theirs)


def test_recorded_datasketch_major_is_the_installed_one() -> None:
    assert int(version("datasketch").split(".")[0]) == DATASKETCH_MAJOR


def test_empty_set_signs_as_datasketch_empty_minhash() -> None:
    perms = Permutations.of("affine32", 1, 8)
    assert np.array_equal(sign([[]], perms)[0], MinHash(num_perm=8, seed=1).hashvalues)


def datasketch_candidates(
    values: np.ndarray, bands: int, rows: int, max_candidates: int
) -> list[tuple[int, int, float]]:
    """What the report did before the numpy band keys: one MinHashLSH, buckets read with
    the hub rule, neighbours ranked by estimated Jaccard."""
    lsh = MinHashLSH(num_perm=bands * rows, params=(bands, rows))
    for key in range(len(values)):
        lean = LeanMinHash(seed=1, hashvalues=values[key, : bands * rows], scheme="affine32")
        lsh.insert(key, lean, check_duplication=False)
    neighbours: dict[int, set[int]] = {}
    for table in lsh.hashtables:
        for bucket_key in table.keys():  # noqa: SIM118
            bucket = table.get(bucket_key)
            if len(bucket) < 2:
                continue
            if len(bucket) <= 4 * max_candidates:
                for key in bucket:
                    neighbours.setdefault(key, set()).update(bucket)
                continue
            hubs = sorted(bucket)[:max_candidates]
            for key in bucket:
                neighbours.setdefault(key, set()).update(hubs)
            for hub in hubs:
                neighbours.setdefault(hub, set()).update(bucket)
    pairs: dict[tuple[int, int], float] = {}
    for key in sorted(neighbours):
        found = np.fromiter(sorted(neighbours[key] - {key}), dtype=np.int64)
        estimates = (values[found] == values[key]).mean(axis=1)
        for i in np.lexsort((found, -estimates))[:max_candidates]:
            other = int(found[i])
            pairs[(min(key, other), max(key, other))] = float(estimates[i])
    return [(a, b, round(j, 4)) for (a, b), j in sorted(pairs.items())]


@settings(max_examples=60, deadline=None)
@given(
    st.integers(min_value=0, max_value=2**31),
    st.integers(min_value=2, max_value=120),
    st.integers(min_value=1, max_value=6),
    st.integers(min_value=1, max_value=4),
    st.sampled_from([2, 3, 4]),
)
def test_band_key_candidates_are_minhashlsh_candidates(
    seed: int, n: int, alphabet: int, max_candidates: int, rows: int
) -> None:
    """Signatures over a tiny value alphabet share many bands: buckets of every size,
    big ones (the hub rule) included."""
    rng = np.random.default_rng(seed)
    bands = 5
    width = bands * rows + 2  # values beyond the bands count in the estimate only
    values = rng.integers(0, alphabet, size=(n, width)).astype(np.uint32)
    ours = [
        (c.a, c.b, c.estimated_jaccard)
        for c in candidate_list(values, Banding(bands, rows), max_candidates)
    ]
    assert ours == datasketch_candidates(values, bands, rows, max_candidates)


def test_signatures_of_texts_find_the_copied_pair() -> None:
    perms = Permutations.of("affine32", 1, 128)
    texts = [
        "north korea fired a ballistic missile into the sea on thursday morning",
        "north korea fired a ballistic missile into the sea on thursday",
        "the central bank left its interest rate unchanged at five percent",
    ]
    sets = [
        [" ".join(t.split()[i : i + 3]).encode() for i in range(len(t.split()) - 2)] for t in texts
    ]
    found = candidate_list(sign(sets, perms), Banding(*lsh_bands(128, 0.3)), 20)
    assert [(c.a, c.b) for c in found] == [(0, 1)]
    assert found[0].estimated_jaccard > 0.6


def test_band_keys_equal_for_equal_slices_and_differ_by_band() -> None:
    values = np.array([[1, 2, 1, 2], [1, 2, 9, 9]], dtype=np.uint32)
    keys = Banding(2, 2).keys(values)
    assert keys[0][0] == keys[1][0]  # same first slice
    assert keys[0][1] != keys[1][1]
    assert keys[0][0] != keys[0][1]  # same values (1, 2) in two bands: the band is mixed in
    assert all(-(2**63) <= k < 2**63 for row in keys for k in row)


def test_band_keys_are_blake2b_of_little_endian_64_bit_slices() -> None:
    """The index's stored keys: changing them would orphan every index file."""
    import hashlib
    import struct

    values = np.array([[7, 1, 2**32 - 1, 5, 6, 0]], dtype=np.uint32)
    keys = Banding(3, 2).keys(values)[0]
    for band, key in enumerate(keys):
        chunk = struct.pack("<2Q", *values[0, band * 2 : band * 2 + 2].tolist())
        person = band.to_bytes(2, "little") * 8
        digest = hashlib.blake2b(chunk, digest_size=8, person=person).digest()
        assert key == int.from_bytes(digest, "little", signed=True)


@settings(max_examples=40, deadline=None)
@given(shingle_sets, st.lists(st.lists(st.integers(min_value=0, max_value=11), max_size=4)))
def test_union_rows_are_the_signature_of_the_union_of_the_sets(
    sets: list[set[bytes]], groups: list[list[int]]
) -> None:
    """``union``: per group of rows, the signature datasketch gives the union of their
    sets; a group without rows gets the ``empty`` fill; the dtype stays uint32."""
    groups = [[i for i in g if i < len(sets)] for g in groups]
    perms = Permutations.of("affine32", 1, 16)
    matrix = sign(sets, perms)
    out = union(matrix, groups, empty=2**32 - 1)
    assert out.dtype == matrix.dtype
    for row, group in zip(out, groups, strict=True):
        if group:
            merged = set().union(*(sets[i] for i in group))
            assert list(row) == list(reference([merged], "affine32", 1, 16)[0])
        else:
            assert list(row) == [2**32 - 1] * 16


@given(st.sampled_from([1, 16, 128, 256]), st.floats(min_value=0.01, max_value=1.0))
def test_lsh_bands_has_the_nearest_midpoint_of_every_banding(
    num_perm: int, threshold: float
) -> None:
    """Of all (num_perm // rows, rows), the chosen banding's S-curve midpoint
    (1/bands)^(1/rows) is nearest the threshold; a tie goes to more bands."""
    bands, rows = lsh_bands(num_perm, threshold)
    assert bands == num_perm // rows

    def distance(r: int) -> float:
        return float(abs((1.0 / (num_perm // r)) ** (1.0 / r) - threshold))

    for r in range(1, num_perm + 1):
        assert distance(r) > distance(rows) or (
            distance(r) == distance(rows) and num_perm // r <= bands
        ), (r, rows)


def test_lsh_bands_at_the_ends() -> None:
    """A threshold of 1 is met exactly by one band (the fewest rows that leave one band);
    a tiny one by single-row bands; no permutations is an error."""
    assert lsh_bands(128, 1.0) == (1, 65)
    assert lsh_bands(128, 0.005) == (128, 1)
    with pytest.raises(ValueError, match=r"^num_perm must be positive$"):
        lsh_bands(0, 0.3)


def test_a_bucket_of_four_times_max_candidates_links_all_and_a_bigger_one_only_its_hubs() -> None:
    """One band of the first two values; every row has (1, 1) there, so all share one
    bucket; max_candidates 1. Four rows (4 x 1): every row is linked to every other, and
    each keeps its best: rows 2 and 3 agree on all four values (estimate 1), rows 0 and 1
    keep each other (2 of 4 equal, the lower row on ties). A fifth row makes the bucket
    bigger than 4 x 1: its rows are linked to the hub, row 0, only, so 2 and 3 no longer
    meet and each row pairs with row 0 (row 0's own best is row 1)."""
    rows = [[1, 1, 0, 0], [1, 1, 5, 6], [1, 1, 7, 8], [1, 1, 7, 8], [1, 1, 9, 9]]
    four = np.array(rows[:4], dtype=np.uint32)
    five = np.array(rows, dtype=np.uint32)
    found = candidate_list(four, Banding(1, 2), 1)
    assert [(c.a, c.b, c.estimated_jaccard) for c in found] == [(0, 1, 0.5), (2, 3, 1.0)]
    a, b, equal = candidates(four, Banding(1, 2), 1)  # the arrays: rows and equal counts
    assert [a.dtype, b.dtype, equal.dtype] == [np.dtype(np.int64)] * 3
    assert (a.tolist(), b.tolist(), equal.tolist()) == ([0, 2], [1, 3], [2, 4])
    found = candidate_list(five, Banding(1, 2), 1)
    assert [(c.a, c.b, c.estimated_jaccard) for c in found] == [
        (0, 1, 0.5),
        (0, 2, 0.5),
        (0, 3, 0.5),
        (0, 4, 0.5),
    ]


def test_fewer_than_two_rows_or_no_shared_band_give_empty_integer_arrays() -> None:
    """``candidates`` of one row, or of rows that share no band, are three empty int64
    arrays (they concatenate with other rows' candidates without turning float)."""
    one = np.array([[1, 2, 3, 4]], dtype=np.uint32)
    apart = np.array([[1, 2, 3, 4], [5, 6, 7, 8]], dtype=np.uint32)
    for matrix in (one, apart):
        arrays = candidates(matrix, Banding(2, 2), 3)
        assert [(len(x), x.dtype) for x in arrays] == [(0, np.dtype(np.int64))] * 3


@pytest.mark.parametrize("scheme", SCHEMES)
def test_sets_split_across_hashing_blocks_sign_as_one(
    scheme: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Shingles hashed 3 at a time: the 12 shingles of four sets (one empty) fill four
    blocks, the first set spanning blocks 1-2 and the last blocks 2-4; each row is still
    the minimum over all of its set's shingles, datasketch's MinHash bit for bit, and the
    empty set keeps the empty fill."""
    from provenance.match import signatures

    monkeypatch.setattr(signatures, "_BLOCK", 3)
    sets = [[b"a", b"b", b"c", b"d"], [], [b"e"], [b"f", b"g", b"h", b"i", b"j", b"k", b"l"]]
    perms = Permutations.of(scheme, 7, 16)
    ours = sign(sets, perms)
    assert np.array_equal(ours, reference([set(s) for s in sets], scheme, 7, 16))
    assert list(ours[1]) == [perms.empty] * 16


def test_equal_values_counted_a_chunk_of_links_at_a_time_are_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The equal values of the candidate links counted 3 links at a time: the candidates
    are MinHashLSH's, as when they are counted at once."""
    from provenance.match import candidates as module

    rng = np.random.default_rng(5)
    values = rng.integers(0, 3, size=(30, 8)).astype(np.uint32)
    expected = datasketch_candidates(values, 4, 2, 3)
    assert len(expected) > 9  # several chunks of 3
    monkeypatch.setattr(module, "_CHUNK", 3)
    found = candidate_list(values, Banding(4, 2), 3)
    assert [(c.a, c.b, c.estimated_jaccard) for c in found] == expected


@settings(max_examples=40, deadline=None)
@given(
    st.integers(min_value=0, max_value=2**31),
    st.integers(min_value=1, max_value=9),
    st.integers(min_value=1, max_value=40),
    st.integers(min_value=1, max_value=4),
    st.integers(min_value=1, max_value=45),
    st.integers(min_value=1, max_value=400),
    st.sampled_from([1, 2, 4, 8, 16]),
)
def test_best_links_picked_a_few_rows_at_a_time_are_the_same(
    seed: int, pick: int, links: int, fold: int, part_rows: int, part_links: int, bin_rows: int
) -> None:
    """Each row's best links picked for a block of about ``pick`` links at a time (rows
    whose links come as the first and as the second of a pair; hubs of big buckets among
    them), a band's small buckets linked about ``links`` links at a time (a bucket of 2 to
    8 rows has 4 to 64), the links de-duplicated every ``fold`` bands, and the rows ranked
    in parts of ``part_rows`` at most (one part for 40 or more; a pair's rows often in two
    parts), cut sooner at bins of ``bin_rows`` rows when they hold over ``part_links``
    links (the 40 rows make some 100 to 300 pairs a band): the candidates are
    MinHashLSH's, as when picked at once."""
    from provenance.match import candidates as module

    rng = np.random.default_rng(seed)
    values = rng.integers(0, 3, size=(40, 8)).astype(np.uint32)
    expected = datasketch_candidates(values, 4, 2, 2)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(module, "_PICK", pick)
        patch.setattr(module, "_LINKS", links)
        patch.setattr(module, "_PART_ROWS", part_rows)
        patch.setattr(module, "_PART_LINKS", part_links)
        patch.setattr(module, "_BIN_ROWS", bin_rows)
        found = candidate_list(values, Banding(4, 2), 2, fold)
    assert [(c.a, c.b, c.estimated_jaccard) for c in found] == expected


def test_parts_are_cut_before_the_bin_that_takes_them_past_their_links_or_rows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Bins of 4,096 rows: a part is closed before the bin that would take it past
    ``_PART_LINKS`` links or ``_PART_ROWS`` rows, and each row's part is the one whose
    bounds hold it."""
    from provenance.match import candidates as module

    monkeypatch.setattr(module, "_PART_ROWS", 1 << 17)
    monkeypatch.setattr(module, "_PART_LINKS", 10)
    n = 4 * 4096 + 10  # four whole bins and 10 rows
    # 5 + 5 = 10 links fit, a third bin's 5 would make 15: cut at bins 2 and 4
    cut = module._Parts.of_links(np.array([5, 5, 5, 5, 5]), n, 12)
    assert cut.bounds == [0, 8192, 16384, n]
    rows = np.array([0, 8191, 8192, 16383, 16384, n - 1])
    assert cut.of(rows).tolist() == [0, 0, 1, 1, 2, 2]
    # a bin over the links alone is a part of its own (the empty bin after it begins the
    # next part, which the 4 links of the bin after join)
    cut = module._Parts.of_links(np.array([30, 0, 4, 30, 1]), n, 12)
    assert cut.bounds == [0, 4096, 12288, 16384, n]
    # rows: 8,192 at most, whatever the links
    monkeypatch.setattr(module, "_PART_LINKS", 1000)
    monkeypatch.setattr(module, "_PART_ROWS", 8192)
    assert module._Parts.of_links(np.array([1, 1, 1, 1, 1]), n, 12).bounds == [0, 8192, 16384, n]
    # 160 links estimated, 4 parts at most: a part holds 40 before it is cut (not 10)
    monkeypatch.setattr(module, "_PART_ROWS", 1 << 17)
    monkeypatch.setattr(module, "_PART_LINKS", 10)
    monkeypatch.setattr(module, "_MAX_PARTS", 4)
    cut = module._Parts.of_links(np.array([40, 40, 40, 40]), 4 * 4096, 12)
    assert cut.bounds == [0, 4096, 8192, 12288, 16384]
    cut = module._Parts.of_links(np.array([20, 20, 20, 20, 20, 20, 20, 20]), 8 * 4096, 12)
    assert cut.bounds == [0, 8192, 16384, 24576, 32768]


def test_dense_rows_are_ranked_in_smaller_parts_with_the_same_candidates(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """64 equal rows (one bucket a band, every pair linked: each row has 63 links a band,
    252 in 4 bands, 1,008 a bin of 4 rows) are cut a bin a part when a part may hold 500
    links; 64 rows that share no band are cut at 32 rows. The candidates are the same as in
    one part."""
    from provenance.match import candidates as module

    dense = np.ones((64, 8), dtype=np.uint32)
    sparse = np.arange(64 * 8, dtype=np.uint32).reshape(64, 8)
    banding = Banding(4, 2)
    expected = {id(m): module.candidate_codes(m, banding, 20) for m in (dense, sparse)}
    monkeypatch.setattr(module, "_PART_ROWS", 32)
    monkeypatch.setattr(module, "_BIN_ROWS", 4)
    monkeypatch.setattr(module, "_PART_LINKS", 500)
    assert module._Parts.cut(dense, banding, 20).bounds == list(range(0, 65, 4))
    assert module._Parts.cut(sparse, banding, 20).bounds == [0, 32, 64]
    for matrix in (dense, sparse):
        codes, equal = module.candidate_codes(matrix, banding, 20)
        want_codes, want_equal = expected[id(matrix)]
        assert codes.tolist() == want_codes.tolist()
        assert equal.tolist() == want_equal.tolist()
    # all estimates equal: each row keeps the 20 lowest others, so a pair is kept when its
    # lower row is below 20
    n = len(dense)
    pairs = {(a, b) for a in range(20) for b in range(a + 1, n)}
    assert set(zip(*divmod(expected[id(dense)][0], n), strict=True)) == pairs


def test_an_unknown_scheme_is_named_with_the_known_ones() -> None:
    said = "unknown MinHash scheme 'minhash' (one of affine32, affine64, legacy)"
    with pytest.raises(ValueError, match=f"^{re.escape(said)}$"):
        Permutations.of("minhash", 1, 8)


@pytest.mark.parametrize("rows", [50, 1 << 28])
@pytest.mark.parametrize("spilled", [False, True])
def test_kept_pairs_are_sorted_once_with_their_equal_values(
    tmp_path: Path, rows: int, spilled: bool
) -> None:
    """Pair codes kept once or twice (best of both rows: the same equal value each time),
    in two buckets, in no order: each bucket sorted, each code once with its equal value.
    50 rows: a code and its equal value sorted as one int64; 2**28 rows: codes too wide for
    that (2**56 before the equal value's 8 bits), sorted with the equal values along."""
    from provenance.match.candidates import _sorted_once
    from provenance.match.spill import Buckets
    from provenance.run.stored import StoredMatrix

    rng = np.random.default_rng(rows)
    pairs = np.sort(rng.choice(rows * rows, 300, replace=False)).astype(np.int64)
    equal = {int(c): int(rng.integers(0, 129)) for c in pairs}
    twice = np.r_[pairs, rng.choice(pairs, 100)]
    rng.shuffle(twice)
    spill = StoredMatrix(tmp_path / "s.u32", 1).beside if spilled else None
    kept = Buckets("kept", 2, spill, np.uint8)
    half = int(pairs[150])
    for bucket, mine in enumerate((twice[twice < half], twice[twice >= half])):
        for part in np.array_split(mine, 3):  # added in parts, as ranked
            kept.add(bucket, part, np.asarray([equal[int(c)] for c in part], dtype=np.uint8))
    assert _sorted_once(kept, rows) == [150, 150]
    for bucket, want in enumerate((pairs[:150], pairs[150:])):
        codes, equals = kept.take(bucket)
        assert codes.tolist() == want.tolist()
        assert equals.dtype == np.uint8
        assert equals.tolist() == [equal[int(c)] for c in want]
    kept.close()


def _runs_of(order: np.ndarray, same: np.ndarray) -> list[list[int]]:
    """The runs of equal rows that ``bucket_order`` gives, each as its row numbers."""
    runs: list[list[int]] = [[int(order[0])]]
    for row, joined in zip(order[1:].tolist(), same.tolist(), strict=True):
        if joined:
            runs[-1].append(row)
        else:
            runs.append([row])
    return runs


def _lexsort_runs(part: np.ndarray) -> list[list[int]]:
    """The same runs from ``numpy.lexsort`` of the columns (what band_links used before)."""
    order = np.lexsort(part.T[::-1])
    values = part[order]
    same = (values[1:] == values[:-1]).all(axis=1)
    return _runs_of(order, same)


@st.composite
def _band_rows(draw: st.DrawFn) -> np.ndarray:
    """2 to 200 rows of 1 to 4 values over an alphabet of 1 to 5: many equal rows."""
    rng = np.random.default_rng(draw(st.integers(min_value=0, max_value=2**31)))
    shape = (draw(st.integers(min_value=2, max_value=200)), draw(st.integers(1, 4)))
    return rng.integers(0, draw(st.integers(1, 5)), size=shape).astype(np.uint32)


@settings(max_examples=60, deadline=None)
@given(
    _band_rows(),
    st.sampled_from(["row_keys", "first column", "one key"]),
    st.sampled_from([1, 3, 1 << 20]),
)
def test_bucket_order_groups_equal_rows_as_lexsort_does(
    part: np.ndarray, keys: str, ties: int
) -> None:
    """The runs of equal rows (each in ascending row order) are lexsort's, in some order:
    with the real keys, and with keys made to clash (the first column only: rows equal
    there share a key; one key for all: every row clashes), which sorts the clashing runs
    again by their values; the neighbours' keys compared ``ties`` at a time."""
    from unittest import mock

    from provenance.match import candidates
    from provenance.match.candidates import bucket_order, row_keys

    made = {
        "row_keys": row_keys,
        "first column": lambda p: p[:, 0].astype(np.uint64),
        "one key": lambda p: np.zeros(len(p), dtype=np.uint64),
    }[keys]
    with mock.patch.object(candidates, "_TIES", ties):
        order, same = bucket_order(part, made)
    assert sorted(order.tolist()) == list(range(len(part)))
    assert sorted(_runs_of(order, same)) == sorted(_lexsort_runs(part))


def test_clashing_keys_keep_an_equal_row_in_its_run() -> None:
    """Rows 0 and 2 are equal, row 1 differs but is given the same key: sorted by key
    alone, row 1 would sit between them and split their bucket in two; the run of that
    key is sorted again by the values, so 0 and 2 are neighbours and one run."""
    from provenance.match.candidates import bucket_order

    part = np.array([[5, 5], [1, 9], [5, 5], [7, 7]], dtype=np.uint32)
    keys = np.array([3, 3, 3, 8], dtype=np.uint64)
    order, same = bucket_order(part, lambda p: keys)
    assert order.tolist() == [1, 0, 2, 3]  # (1, 9) before (5, 5): the values' order
    assert same.tolist() == [False, True, False]

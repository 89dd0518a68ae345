"""Candidate article pairs of the claim stage at any corpus size: bounded simhash buckets,
the same proposals as before below ``simhash_split_from``, the numpy top-k against a plain
reading of its rule."""

from __future__ import annotations

import heapq
import random
from dataclasses import replace
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
import pytest

from provenance.config import ClaimsConfig, Config
from provenance.match import claim_pairs
from provenance.match.codes import union
from provenance.semantic import bucket_pairs, simhash_buckets, simhash_pairs


def _crowded(n: int, seed: int, spread: float = 0.15, dims: int = 24) -> np.ndarray[Any, Any]:
    """``n`` unit vectors close to one direction: most of them share the signs of every
    hyperplane of a band, so a band's buckets overflow even at a few hundred rows."""
    rng = np.random.default_rng(seed)
    v = rng.standard_normal((n, dims)) * spread + rng.standard_normal(dims)
    return np.asarray(v / np.linalg.norm(v, axis=1, keepdims=True), dtype=np.float32)


def _old_rule(
    vectors: np.ndarray[Any, Any], bands: int, rows: int, seed: int, cap: int
) -> set[int]:
    """The proposal rule as it read before re-splitting: per band, the rows with one sign
    pattern of the band's ``rows`` hyperplanes (the seed's first draw) make a bucket; a
    bucket of 2 to ``cap`` rows proposes each of its pairs, a larger one nothing."""
    n = len(vectors)
    planes = np.random.default_rng(seed).standard_normal((vectors.shape[1], bands * rows))
    signs = (vectors @ planes.astype(np.float32)) > 0
    out: set[int] = set()
    for band in range(bands):
        buckets: dict[tuple[bool, ...], list[int]] = {}
        for i in range(n):
            buckets.setdefault(tuple(signs[i, band * rows : (band + 1) * rows]), []).append(i)
        for members in buckets.values():
            if 1 < len(members) <= cap:
                out |= {a * n + b for k, a in enumerate(members) for b in members[k + 1 :]}
    return out


@pytest.mark.parametrize("n", [2, 40, 300, 1500])
def test_buckets_never_exceed_the_cap_and_keep_every_bucket_of_the_old_rule(n: int) -> None:
    # Crowded vectors overflow a band of 4 hyperplanes (16 buckets) at any of these sizes
    # beyond the smallest; re-split, every bucket that proposes holds at most the cap, and
    # each row sits in at most one bucket per band (the parts of a split are disjoint).
    vectors = _crowded(n, seed=n)
    bands, rows, cap = 3, 4, 25
    blocks = list(simhash_buckets(vectors, bands, rows, 9, cap, split_bits=20))
    for block in blocks:
        assert 2 <= block.shape[1] <= cap
        assert (np.diff(block, axis=1) > 0).all()  # each bucket ascending
    rows_in = np.concatenate([b.ravel() for b in blocks])
    assert np.bincount(rows_in, minlength=n).max() <= bands
    # without splitting: exactly the old rule; with it, every pair of the old rule remains
    # (its buckets within the cap are drawn from the same first hyperplanes)
    old = _old_rule(vectors, bands, rows, 9, cap)
    assert set(simhash_pairs(vectors, bands, rows, 9, cap).tolist()) == old
    split = set(simhash_pairs(vectors, bands, rows, 9, cap, split_bits=20).tolist())
    assert old <= split
    if n >= 300:
        assert len(split) > len(old)  # the crowds, split, propose


def test_proposals_grow_linearly_with_the_corpus() -> None:
    # Each row proposes at most cap - 1 partners per band, whatever n: the pairs of a band
    # stay within n * (cap - 1) / 2. Without re-splitting, the old rule's crowds propose
    # nothing at all once every bucket overflows.
    bands, rows, cap = 2, 3, 20
    for n in (200, 800, 3200):
        vectors = _crowded(n, seed=1)
        codes = simhash_pairs(vectors, bands, rows, 5, cap, split_bits=24)
        assert 0 < len(codes) <= bands * n * (cap - 1) // 2
        partners = np.bincount(np.r_[codes // n, codes % n], minlength=n)
        assert partners.max() <= bands * (cap - 1)
    spread_out = _crowded(3200, seed=1, spread=0.0001)  # every bucket is a crowd
    assert len(simhash_pairs(spread_out, bands, rows, 5, cap)) == 0
    assert len(simhash_pairs(spread_out, bands, rows, 5, cap, split_bits=24)) > 0


def test_split_to_bounds_partners_per_row_whatever_the_bucket_fill() -> None:
    # Vectors spread over a band of 2 hyperplanes (4 buckets): at 3,200 rows every bucket
    # holds ~800, far over a cap of 400 or the 64 of split_to. Split down to 64, no row has
    # more than bands x 63 partners, at 400 as at 3,200 rows (the bound does not grow with
    # n), where splitting only down to the cap lets partners grow with the bucket fill.
    bands, rows, cap, to = 3, 2, 400, 64
    most = []
    for n in (400, 3200):
        vectors = _crowded(n, seed=2, spread=1.0)
        for block in simhash_buckets(vectors, bands, rows, 5, cap, 24, split_to=to):
            assert 2 <= block.shape[1] <= to
        codes = simhash_pairs(vectors, bands, rows, 5, cap, split_bits=24, split_to=to)
        partners = np.bincount(np.r_[codes // n, codes % n], minlength=n)
        assert partners.max() <= bands * (to - 1)
        assert (partners > 0).all()
        capped = simhash_pairs(vectors, bands, rows, 5, cap, split_bits=24)
        most.append(np.bincount(np.r_[capped // n, capped % n], minlength=n).max())
    assert most[1] > bands * (to - 1)  # without split_to: up to bands x (cap - 1)
    # split_to changes nothing when splitting is off: the old rule exactly
    vectors = _crowded(300, seed=3)
    assert simhash_pairs(vectors, 3, 4, 9, 25, 0, split_to=5).tolist() == sorted(
        _old_rule(vectors, 3, 4, 9, 25)
    )


def test_a_stuck_part_within_the_cap_still_proposes_its_pairs() -> None:
    # 30 copies of one direction (no median parts them) with a cap of 40 and split_to 8:
    # the part never shrinks to 8, and after the last split it proposes its pairs, as it
    # did without split_to (30 <= 40).
    same = np.repeat(_crowded(1, seed=4), 30, axis=0)
    got = simhash_pairs(same, 2, 3, 1, 40, split_bits=4, split_to=8)
    assert len(got) == 30 * 29 // 2
    assert got.tolist() == simhash_pairs(same, 2, 3, 1, 40, split_bits=4).tolist()


def test_a_crowd_of_one_direction_proposes_nothing_and_near_copies_are_found() -> None:
    # 60 copies of one vector (60 > cap 10): no hyperplane parts them, so they propose
    # nothing however many bits; 30 pairs of near copies (a 1e-4 nudge) among 60 other
    # crowded vectors: re-splitting at medians parts the crowd, and a median falls between
    # two twins (1e-4 apart in a spread of 0.05) next to never, in all 4 bands never.
    rng = np.random.default_rng(4)
    same = np.repeat(_crowded(1, seed=4), 60, axis=0)
    assert len(simhash_pairs(same, 2, 3, 1, 10, split_bits=32)) == 0
    base = _crowded(30, seed=5, spread=0.05)
    twins = base + rng.standard_normal(base.shape).astype(np.float32) * 1e-4
    vectors = np.concatenate([base, twins, _crowded(60, seed=6, spread=0.05)])
    wanted = {k * 120 + k + 30 for k in range(30)}
    assert not wanted & set(simhash_pairs(vectors, 4, 3, 1, 10).tolist())
    found = wanted & set(simhash_pairs(vectors, 4, 3, 1, 10, split_bits=16).tolist())
    assert found == wanted


def test_bucket_pairs_are_every_pair_within_each_row() -> None:
    blocks = np.asarray([[0, 3, 7], [1, 2, 9]], dtype=np.int64)
    got = sorted(divmod(int(c), 10) for c in bucket_pairs(blocks, 10))
    assert got == [(0, 3), (0, 7), (1, 2), (1, 9), (2, 9), (3, 7)]


def _reference_pairs(
    means: np.ndarray[Any, Any],
    anchors: list[frozenset[str]],
    outlets: str,
    proposed: set[int],
    k: int,
) -> list[tuple[int, int]]:
    """The keep rule read plainly: each proposed pair of two outlets is scored cosine +
    anchor Jaccard; each article keeps the k best partners (ties: the lower number); a
    pair stays if either article keeps it."""
    n = len(means)
    best: dict[int, list[tuple[float, int]]] = {}
    for code in sorted(proposed):
        a, b = divmod(code, n)
        if outlets[a] == outlets[b]:
            continue
        union = anchors[a] | anchors[b]
        jaccard = len(anchors[a] & anchors[b]) / len(union) if union else 0.0
        score = float(means[a] @ means[b]) + jaccard
        for x, y in ((a, b), (b, a)):
            heap = best.setdefault(x, [])
            heapq.heappush(heap, (score, -y))
            if len(heap) > k:
                heapq.heappop(heap)
    return sorted({(min(a, -y), max(a, -y)) for a, h in best.items() for _, y in h})


@pytest.mark.parametrize("merge_max", [1 << 22, 5])
@pytest.mark.parametrize("seed", range(6))
def test_numpy_top_k_keeps_what_the_plain_rule_keeps(seed: int, merge_max: int) -> None:
    # Random crowded articles with twins (equal scores: the tie-break decides), random
    # anchors and outlets, pairs merged a few at a time (PAIR_CHUNK 1: n * k per merge,
    # MERGE_ROWS articles at once; or MERGE_MAX 5: pairs scored and merged 5 at a time,
    # the anchors' pairs too), anchors looked up a few at a time (LOOKUPS):
    # the kept pairs are those of the plain rule over the same proposals.
    r = random.Random(seed)
    n = r.randint(30, 250)
    means = _crowded(n, seed=seed, spread=0.4, dims=8)
    twins = np.random.default_rng(seed).integers(0, n, (2, n // 5))
    means[twins[0]] = means[twins[1]]
    vocab = [f"w{i}" for i in range(10)]
    anchors = [frozenset(r.sample(vocab, r.randint(0, 5))) for _ in range(n)]
    outlets = "".join(r.choice("ABCD") for _ in range(n))
    k = r.randint(1, 4)
    claims = replace(
        ClaimsConfig(),
        article_pairs=k,
        simhash_bands=3,
        simhash_rows=3,
        simhash_max_bucket=40,
        anchor_lsh_threshold=0.99,  # anchors propose identical sets only
    )
    config = replace(Config(), claims=claims)
    proposed = set(simhash_pairs(means, 3, 3, config.fingerprint.seed, 40).tolist())
    columns = claim_pairs.anchor_columns(anchors)
    proposed |= set(union(list(claim_pairs._anchor_pairs(columns, config))).tolist())
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(claim_pairs, "PAIR_CHUNK", 1)
        patch.setattr(claim_pairs, "MERGE_MAX", merge_max)
        patch.setattr(claim_pairs, "SCORE_PART", min(merge_max, claim_pairs.SCORE_PART))
        patch.setattr(claim_pairs, "MERGE_ROWS", 7)  # a merge in blocks of 7 articles
        patch.setattr(claim_pairs, "LOOKUPS", 5)
        outlet = np.asarray([ord(o) for o in outlets])
        got = claim_pairs._article_pairs(outlet, means, columns, config).codes()
    pairs = [divmod(c, n) for c in got.tolist()]  # codes a * n + b, sorted
    assert pairs == _reference_pairs(means, anchors, outlets, proposed, k)


def test_re_splitting_starts_at_simhash_split_from() -> None:
    # 400 crowded articles of 400 outlets, no anchors, buckets of at most 20: below
    # simhash_split_from the crowds propose nothing, exactly as with no re-splitting at
    # all; from it on they are split, and every article gets a partner.
    n = 400
    means = _crowded(n, seed=3)
    outlets = np.arange(n)  # each article its own outlet
    none = claim_pairs.anchor_columns([frozenset[str]()] * n)

    def pairs(split_from: int, split_bits: int = 16) -> list[tuple[int, int]]:
        claims = replace(
            ClaimsConfig(),
            simhash_max_bucket=20,
            simhash_split_from=split_from,
            simhash_split_bits=split_bits,
        )
        config = replace(Config(), claims=claims)
        codes = claim_pairs._article_pairs(outlets, means, none, config).codes()
        return [divmod(c, n) for c in codes.tolist()]

    def partnered(found: list[tuple[int, int]]) -> int:
        return len({x for pair in found for x in pair})

    below = pairs(n + 1)
    assert below == pairs(0, split_bits=0)
    at = pairs(n)
    assert partnered(below) < n == partnered(at)


def test_anchor_jaccard_of_many_pairs_is_the_set_jaccard() -> None:
    r = random.Random(8)
    vocab = [f"w{i}" for i in range(12)]
    sets = [frozenset(r.sample(vocab, r.randint(0, 8))) for _ in range(40)]
    a = np.asarray([r.randrange(40) for _ in range(500)], dtype=np.int64)
    b = np.asarray([r.randrange(40) for _ in range(500)], dtype=np.int64)
    got = claim_pairs._Anchors(claim_pairs.anchor_columns(sets)).jaccard(a, b)
    for x, y, j in zip(a.tolist(), b.tolist(), got.tolist(), strict=True):
        union = sets[x] | sets[y]
        assert j == (len(sets[x] & sets[y]) / len(union) if union else 0.0)
    # looked up a few anchors at a time (memory bound): the same values
    for step in (1, 7, 100):
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(claim_pairs, "LOOKUPS", step)
            again = claim_pairs._Anchors(claim_pairs.anchor_columns(sets)).jaccard(a, b)
            assert again.tolist() == got.tolist()


@pytest.mark.parametrize("seed", range(3))
def test_anchor_pairs_are_those_of_lsh_candidates(seed: int, tmp_path: Any) -> None:
    # The anchor LSH's pairs taken as arrays are the Candidate list's pairs, mapped back to
    # article numbers (articles without anchors skipped), in the same order; the same with
    # the signatures spilled to a file of the work folder and read back from it.
    from provenance.fingerprint import FingerprintParams
    from provenance.match.candidates import lsh_candidates
    from provenance.match.signatures import BatchSigner
    from provenance.run.stored import StoredRows

    r = random.Random(seed)
    vocab = [f"w{i}" for i in range(60)]
    sets = [frozenset(r.sample(vocab, r.randint(0, 8))) for _ in range(300)]
    config = Config()
    params = replace(FingerprintParams.from_config(config.fingerprint), word_shingle=1)
    with_anchors = [i for i, s in enumerate(sets) if s]
    signatures = BatchSigner(params).sign_shingles(
        [{a.encode() for a in sets[i]} for i in with_anchors]
    )
    fp = config.fingerprint
    found = lsh_candidates(
        signatures, config.claims.anchor_lsh_threshold, fp.max_candidates, fp.lsh_bands_per_pass
    )
    want = [with_anchors[c.a] * len(sets) + with_anchors[c.b] for c in found]
    assert len(want) > 100
    given = list(claim_pairs._anchor_pairs(claim_pairs.anchor_columns(sets), config))
    assert union(given).tolist() == want
    vectors = StoredRows(tmp_path / "vectors.f32", 4)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(claim_pairs, "EQUAL_CHUNK", 7)  # pairs compared a few at a time
        patch.setattr(claim_pairs, "ARTICLE_BLOCK", 50)  # signed and written in blocks
        spilled = claim_pairs._anchor_pairs(
            claim_pairs.anchor_columns(sets), config, vectors.beside
        )
        assert union(list(spilled)).tolist() == want
    assert sorted(p.name for p in tmp_path.iterdir()) == ["vectors.f32"]  # removed when read
    vectors.close()


def _texts_and_anchors(seed: int, articles: int) -> tuple[dict[str, list[int]], list[set[str]]]:
    """Articles of 1-6 texts out of 3 * ``articles`` (some shared), each text 0-4 anchors."""
    r = random.Random(seed)
    count = 3 * articles
    vocab = [f"w{i}" for i in range(15)]
    anchors = [set(r.sample(vocab, r.randint(0, 4))) for _ in range(count)]
    texts = {f"a{k:03d}": r.sample(range(count), r.randint(1, 6)) for k in range(articles)}
    return texts, anchors


class _Inputs(NamedTuple):
    texts: dict[str, list[int]]
    outlets: dict[str, str]
    vectors: np.ndarray[Any, Any]
    columns: claim_pairs.AnchorColumns
    config: Config


def _semantic_inputs(seed: int, articles: int, outlets: str) -> _Inputs:
    """``semantic_pairs``' inputs: ``_texts_and_anchors``, 16-dimensional text vectors
    (``_crowded``), the articles' outlets in turn from ``outlets``, few bands and
    partners."""
    texts, anchors = _texts_and_anchors(seed, articles)
    vectors = _crowded(len(anchors), seed=seed, spread=0.6, dims=16)
    outlet = {i: outlets[k % len(outlets)] for k, i in enumerate(sorted(texts))}
    claims = replace(ClaimsConfig(), simhash_bands=4, simhash_rows=2, article_pairs=3)
    config = replace(Config(), claims=claims)
    return _Inputs(texts, outlet, vectors, claim_pairs.anchor_columns(anchors), config)


def test_article_anchors_are_the_union_of_their_texts_anchors() -> None:
    texts, anchors = _texts_and_anchors(3, 60)
    ids = sorted(texts)
    per_text = claim_pairs.anchor_columns(anchors)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(claim_pairs, "ARTICLE_BLOCK", 7)  # blocks of 7 articles: the same sets
        got = claim_pairs._article_anchors(claim_pairs._TextsOf(texts, ids), per_text)
    assert got.size() == len(ids)
    for k, i in enumerate(ids):
        assert got.of(k) == frozenset().union(*(anchors[t] for t in texts[i]))
        mine = got.ids[got.cuts[k] : got.cuts[k + 1]]
        assert (np.diff(mine) > 0).all()  # ascending, each once


def test_semantic_pairs_with_vectors_on_disk_are_those_in_memory(tmp_path: Any) -> None:
    # The work store's vectors (a StoredRows file): the article means are appended after
    # the texts' rows and read back from there; the pairs are those of the same vectors in
    # memory, and the texts' rows are untouched.
    from provenance.run.stored import StoredRows

    texts, outlets, vectors, columns, config = _semantic_inputs(5, 80, "AB")
    count = len(vectors)
    want = claim_pairs.semantic_pairs(texts, outlets, vectors, columns, config)
    assert len(want) > 10
    stored = StoredRows(tmp_path / "vectors.f32", 16)
    stored.extend(vectors)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(claim_pairs, "ARTICLE_BLOCK", 9)
        patch.setattr(claim_pairs, "DOT_CHUNK", 5)
        got = claim_pairs.semantic_pairs(texts, outlets, stored, columns, config)
    assert got[:].tolist() == want[:].tolist()
    assert len(stored) == count + len(texts)
    assert stored[np.arange(count)].tolist() == vectors.tolist()
    first = np.mean(vectors[texts["a000"]], axis=0)
    assert np.allclose(stored[count], first / np.linalg.norm(first), atol=1e-6)
    stored.close()


def test_simhash_buckets_of_rows_on_disk_are_those_of_the_matrix(tmp_path: Any) -> None:
    # Read a few rows at a time (_GATHER 7) from a file or sliced from the matrix, the
    # projections and so the buckets are the same.
    from provenance import semantic
    from provenance.run.stored import StoredRows

    vectors = _crowded(200, seed=6, spread=0.3)
    stored = StoredRows(tmp_path / "rows.f32", vectors.shape[1])
    stored.extend(vectors)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(semantic, "_GATHER", 7)
        got = [b.tolist() for b in simhash_buckets(stored, 3, 3, 2, 20, split_bits=8)]
        want = [b.tolist() for b in simhash_buckets(vectors, 3, 3, 2, 20, split_bits=8)]
    assert got == want
    assert got
    stored.close()


class _Stopped(Exception):
    pass


def test_semantic_pairs_stopped_part_way_resume_from_what_they_kept(tmp_path: Any) -> None:
    # chunks of 8 article pairs, ranked 4 at a time: the run is stopped in its 12th
    # ranking; the resumed one takes the article pairs and the text pairs found so far
    # (read from the work store's files, not held), ranks only the article pairs after
    # them, and returns the pairs of a clean run
    from provenance.run.stored import KeptColumn
    from provenance.run.workstore import WorkStore

    texts, outlets, vectors, columns, config = _semantic_inputs(7, 80, "AB")
    rank = claim_pairs._mutual
    ranked: list[int] = []

    def counted(block: Any, *args: Any) -> Any:
        ranked.append(len(block.first))
        if len(ranked) == stop_at:
            raise _Stopped
        return rank(block, *args)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(claim_pairs, "PAIR_CHUNK", 8)
        patch.setattr(claim_pairs, "RANK_PAIRS", 4)
        patch.setattr(claim_pairs, "_mutual", counted)
        stop_at = 0
        clean = claim_pairs.semantic_pairs(texts, outlets, vectors, columns, config)
        everything = sum(ranked)
        assert len(clean) > 10
        assert len(ranked) > 20

        kept = WorkStore(tmp_path, "key", resume=False)
        ranked.clear()
        stop_at = 12
        with pytest.raises(_Stopped):
            claim_pairs.semantic_pairs(texts, outlets, vectors, columns, config, kept)
        pairs = kept.kept_arrays(claim_pairs.ARTICLE_PAIRS)
        assert pairs is not None
        assert len(pairs["codes"]) == everything
        after = kept.kept_arrays(claim_pairs.FOUND_NEXT)
        assert after is not None
        done = int(after["next"][0])
        assert 0 < done < 11 * 4  # kept at a merge before the stop
        so_far = kept.kept_arrays(claim_pairs.FOUND_SO_FAR)
        assert so_far is not None
        assert 0 < len(so_far["found"]) < len(clean)

        def made_again(*args: object) -> None:
            raise AssertionError("the article pairs were kept")

        patch.setattr(claim_pairs, "_article_pairs", made_again)
        ranked.clear()
        stop_at = 0
        again = claim_pairs.semantic_pairs(texts, outlets, vectors, columns, config, kept)
    assert isinstance(again, KeptColumn)  # read from its file
    assert again[0 : len(again)].tolist() == clean[:].tolist()
    kept.close()
    # at most FOUND_HELD codes wait: with 1, those of every chunk are merged at once
    merged = claim_pairs._merged
    merges: list[int] = []

    def counted_merge(*args: Any) -> Any:
        merges.append(1)
        return merged(*args)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(claim_pairs, "PAIR_CHUNK", 8)
        patch.setattr(claim_pairs, "FOUND_HELD", 1)
        patch.setattr(claim_pairs, "_merged", counted_merge)
        held = claim_pairs.semantic_pairs(texts, outlets, vectors, columns, config)
    assert held[:].tolist() == clean[:].tolist()
    assert len(merges) == -(-everything // 8)  # one per chunk
    assert sum(ranked) == everything - done  # only the article pairs after those kept


@pytest.mark.parametrize("block", [1, 2, 3, 1 << 20])
def test_found_codes_merged_in_the_work_store_are_the_union(tmp_path: Any, block: int) -> None:
    # the codes found so far (a file) merged with new parts a block at a time: each code
    # once, ascending, as a union in memory gives them; nothing new, the same codes
    from provenance.run.stored import KeptColumn
    from provenance.run.workstore import WorkStore

    store = WorkStore(tmp_path, "key", resume=False)
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(claim_pairs, "MERGE_BLOCK", block)
            first = claim_pairs._merged(np.zeros(0, np.int64), [np.asarray([7, 1, 5, 3])], store)
            assert isinstance(first, KeptColumn)
            assert first[0:10].tolist() == [1, 3, 5, 7]
            parts = [np.asarray([3, 4]), np.asarray([8, 1]), np.zeros(0, np.int64)]
            merged = claim_pairs._merged(first, parts, store)
            assert parts == []  # let go once joined
            assert merged[0:10].tolist() == [1, 3, 4, 5, 7, 8]
            again = claim_pairs._merged(merged, [np.asarray([8, 3])], store)
            assert again[0:10].tolist() == [1, 3, 4, 5, 7, 8]
        in_memory = claim_pairs._merged(np.asarray([2, 9]), [np.asarray([9, 4])], None)
        assert in_memory[0:5].tolist() == [2, 4, 9]
    finally:
        store.close()


@pytest.mark.parametrize("seed", range(8))
def test_the_best_partners_do_not_depend_on_how_the_offers_are_cut(seed: int) -> None:
    """``_Best`` keeps each article's k partners of highest score (ties: the lower
    partner), each once: offered all at once and merged once, or in pieces of any size
    with a merge every few offers and a few articles a merge, the same partners and scores;
    and they are those of a sort of every distinct offer by hand."""
    rng = np.random.default_rng(seed)
    n, k, count = 30, 4, 400
    rows = rng.integers(0, n, count)
    partners = rng.integers(0, n, count)
    # a pair's score is its own, whichever article it is offered to (as the cosine and the
    # Jaccard are); few values: many ties
    table = rng.integers(0, 6, (n, n)).astype(np.float64)
    scores = table[np.minimum(rows, partners), np.maximum(rows, partners)]
    whole = claim_pairs._Best(n, k, count)
    whole.offer(rows, partners, scores)
    whole.merge()
    blocks: list[set[int]] = []  # the blocks of articles each merge step held
    block_rows = int(rng.integers(1, 8))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(claim_pairs, "MERGE_ROWS", block_rows)
        cut = claim_pairs._Best(n, k, int(rng.integers(1, 20)))
        step_of = cut._merge

        def merge_step(rows: npt.NDArray[np.int64], *rest: Any) -> None:
            blocks.append(set((rows // block_rows).tolist()))
            step_of(rows, *rest)

        patch.setattr(cut, "_merge", merge_step)
        at = 0
        while at < count:
            step = int(rng.integers(1, 30))
            cut.offer(rows[at : at + step], partners[at : at + step], scores[at : at + step])
            at += step
        cut.merge()
    # a merge step holds the offers of one block of MERGE_ROWS articles, never more
    assert blocks
    assert all(len(b) == 1 for b in blocks)
    assert cut.partner.tolist() == whole.partner.tolist()
    assert cut.score.tolist() == whole.score.tolist()
    # by hand: per article, its distinct partners offered, best score first, then the
    # lower partner
    for r in range(n):
        offers = sorted({(-s, p) for q, p, s in zip(rows, partners, scores, strict=True) if q == r})
        want = [p for _, p in offers[:k]]
        assert whole.partner[r].tolist() == want + [-1] * (k - len(want))


@pytest.mark.parametrize("seed", range(6))
def test_the_kept_pairs_come_sorted_and_once_a_block_at_a_time(seed: int) -> None:
    """``_Best.ordered`` gives the code ``a * n + b`` (a < b) of every pair that a or b
    keeps, once (a pair both keep too), ascending across its blocks, each block the pairs
    of ``CODE_ROWS`` lower articles, however the articles are cut into blocks and reads."""
    rng = np.random.default_rng(seed)
    n, k = 40, 3
    rows = rng.integers(0, n, 300)
    partners = rng.integers(0, n, 300)
    other = rows != partners
    rows, partners = rows[other], partners[other]
    table = rng.random((n, n))
    best = claim_pairs._Best(n, k, 1000)
    best.offer(rows, partners, table[np.minimum(rows, partners), np.maximum(rows, partners)])
    best.merge()
    kept = {(r, int(p)) for r in range(n) for p in best.partner[r] if p >= 0}
    want = sorted({min(r, p) * n + max(r, p) for r, p in kept})
    assert len(want) < len(kept)  # some pairs are kept by both their articles
    code_rows = int(rng.integers(1, 9))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(claim_pairs, "CODE_ROWS", code_rows)
        patch.setattr(claim_pairs, "MERGE_ROWS", int(rng.integers(1, 9)))
        blocks = [b.tolist() for b in best.ordered()]
        assert best.count() == len(want)
    assert [c for b in blocks for c in b] == want
    assert len(blocks) == -(-n // code_rows)
    assert all(c // n // code_rows == at for at, b in enumerate(blocks) for c in b)
    assert best.codes().tolist() == want


def test_texts_of_a_claim_corpus_are_read_by_position() -> None:
    # The claim corpus's ArticleTexts (articles without units among them, which have no
    # position) and a plain mapping give the same texts at each position, the same blocks
    # of consecutive articles, and each article's distinct texts ascending.
    from provenance.match.articles import Ids, Strings
    from provenance.match.claim_columns import ArticleTexts

    r = random.Random(11)
    names = sorted({f"id{r.randrange(10_000):05d}" for _ in range(60)})
    units = [[r.randrange(40) for _ in range(r.choice([0, 0, 1, 3, 7]))] for _ in names]
    cuts = np.r_[0, np.cumsum([len(u) for u in units])].astype(np.int64)
    flat = np.asarray([t for u in units for t in u], dtype=np.int32)
    stored = ArticleTexts(Ids(Strings(names)), cuts, flat)
    plain = {a: u for a, u in zip(names, units, strict=True) if u}
    ids = sorted(plain)
    assert sorted(stored) == ids
    for given in (stored, plain):
        texts_of = claim_pairs._TextsOf(given, ids)
        assert len(texts_of) == len(ids)
        assert [texts_of[k] for k in range(len(ids))] == [plain[a] for a in ids]
        assert texts_of[3:11] == [plain[a] for a in ids[3:11]]
        flat_block, block_cuts = texts_of.block(5, 9)
        assert flat_block.tolist() == [t for a in ids[5:9] for t in plain[a]]
        assert (
            block_cuts.tolist() == np.r_[0, np.cumsum([len(plain[a]) for a in ids[5:9]])].tolist()
        )
        for _ in range(20):
            some = np.asarray(sorted(r.sample(range(len(ids)), r.randint(1, 9))), dtype=np.int64)
            texts, at = texts_of.distinct(some)
            got = [texts[at[k] : at[k + 1]].tolist() for k in range(len(some))]
            assert got == [sorted(set(plain[ids[k]])) for k in some.tolist()]


def test_semantic_pairs_ranked_on_a_pool_are_those_ranked_here(tmp_path: Any) -> None:
    # The article pairs scored and their texts ranked by a pool's workers (a block of 3
    # pairs an item, the vectors in memory, then in a work-folder file that the workers
    # open again) give the pairs of this process; the second time this process's
    # ``_cosines`` and ``_mutual`` refuse to run, so the scores and ranks are the workers'.
    from provenance.run.local import Pool
    from provenance.run.stored import StoredRows

    texts, outlets, vectors, columns, config = _semantic_inputs(9, 90, "ABC")
    want = claim_pairs.semantic_pairs(texts, outlets, vectors, columns, config)
    assert len(want) > 10
    pool = Pool(2, chunk=1)
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(claim_pairs, "RANK_PAIRS", 3)
            patch.setattr(claim_pairs, "SCORE_PART", 7)
            got = claim_pairs.semantic_pairs(texts, outlets, vectors, columns, config, None, pool)
            assert got[:].tolist() == want[:].tolist()

            def here(*args: object) -> None:
                raise AssertionError("ranked in this process")

            patch.setattr(claim_pairs, "_mutual", here)  # the workers have theirs already
            patch.setattr(claim_pairs, "_cosines", here)
            rows = StoredRows(tmp_path / "vectors.f32", 16)
            rows.extend(vectors)
            got = claim_pairs.semantic_pairs(texts, outlets, rows, columns, config, None, pool)
            assert got[:].tolist() == want[:].tolist()
            rows.close()
    finally:
        pool.close()

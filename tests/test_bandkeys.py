"""The band-key steps that the Dask executor spreads over workers give, chained in one
process, exactly ``match.candidates.lsh_candidates``' candidates (themselves MinHashLSH's, see
test_match.py), whatever the number of blocks and bands per round."""

from __future__ import annotations

import itertools
import random
from dataclasses import replace

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from provenance.config import FingerprintConfig
from provenance.fingerprint import FingerprintParams
from provenance.match.candidates import Banding, Candidate, lsh_candidates
from provenance.match.signatures import BatchSigner, Matrix
from provenance.run import bandkeys

PARAMS = replace(FingerprintParams.from_config(FingerprintConfig()), num_perm=64)


def _chained(
    values: Matrix, threshold: float, max_candidates: int, blocks: int, per_round: int
) -> list[Candidate]:
    banding = Banding.for_threshold(values.shape[1], threshold)
    cuts = np.linspace(0, len(values), blocks + 1).round().astype(int)
    spans = [(lo, hi) for lo, hi in itertools.pairwise(cuts.tolist()) if hi > lo]
    bounds = np.array([lo for lo, _ in spans])
    owned: list[list[Matrix]] = [[] for _ in spans]
    for first in range(0, banding.bands, per_round):
        bands = range(first, min(banding.bands, first + per_round))
        routed = [bandkeys.route(values[lo:hi], lo, bands, banding.rows, 3) for lo, hi in spans]
        for q in range(3):
            found = bandkeys.edges([r[q] for r in routed], max_candidates)
            for p, part in enumerate(bandkeys.split_by_owner(found, bounds)):
                owned[p].append(part)
    tops = []
    for p, (lo, hi) in enumerate(spans):
        links = np.unique(np.concatenate(owned[p]), axis=0)
        equal = bandkeys.equal_values(links, values[lo:hi], lo, values, 0)
        tops.append(bandkeys.best(links, equal, max_candidates, len(values)))
    pairs, counts = bandkeys.merge(tops)
    width = values.shape[1]
    return [
        Candidate(int(a), int(b), round(float(c) / width, 4))
        for (a, b), c in zip(pairs.tolist(), counts.tolist(), strict=True)
    ]


def _signatures(seed: int, n: int, clones: int) -> Matrix:
    """``n`` word sets drawn from a small vocabulary (so that many share bands), plus
    ``clones`` copies of one set: a bucket bigger than the cap of small ``max_candidates``."""
    rng = random.Random(seed)
    words = [f"w{i}".encode() for i in range(40)]
    sets = [set(rng.sample(words, rng.randint(3, 12))) for _ in range(n)]
    sets[rng.randrange(n) :] = sets[rng.randrange(n) :]  # some exact repeats
    sets += [sets[0]] * clones
    rng.shuffle(sets)
    return BatchSigner(PARAMS).sign_shingles(sets)


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(2, 60),
    clones=st.integers(0, 30),
    max_candidates=st.integers(1, 6),
    blocks=st.integers(1, 5),
    per_round=st.integers(1, 8),
    threshold=st.sampled_from([0.3, 0.5, 0.8]),
)
def test_band_key_steps_equal_minhashlsh(
    seed: int,
    n: int,
    clones: int,
    max_candidates: int,
    blocks: int,
    per_round: int,
    threshold: float,
) -> None:
    signatures = _signatures(seed, n, clones)
    expected = lsh_candidates(signatures, threshold, max_candidates, bands_per_pass=4)
    assert _chained(signatures, threshold, max_candidates, blocks, per_round) == expected


def test_a_crowded_bucket_links_only_to_its_lowest_ids() -> None:
    # 12 identical signatures and max_candidates 2: the bucket (12 > 4 * 2) links every
    # member to ids 0 and 1 only, as MinHashLSH's reading in match/candidates.py does
    signatures = BatchSigner(PARAMS).sign_shingles([{b"same", b"words"}] * 12)
    found = _chained(signatures, 0.5, 2, blocks=3, per_round=2)
    assert {(c.a, c.b) for c in found} == {(0, 1)} | {(h, k) for h in (0, 1) for k in range(2, 12)}
    assert found == lsh_candidates(signatures, 0.5, 2)

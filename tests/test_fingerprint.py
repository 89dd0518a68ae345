"""Shingles, signatures and their parameters."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from provenance.config import FingerprintConfig
from provenance.errors import FingerprintMismatch
from provenance.fingerprint import (
    FingerprintParams,
    Signer,
    _is_spaceless_char,
    band_keys,
    lsh_bands,
    shingles,
    spaceless_share,
)

PARAMS = FingerprintParams.from_config(FingerprintConfig())


def test_params_record_what_makes_signatures_comparable() -> None:
    recorded = PARAMS.to_dict()
    assert recorded["scheme"] == "affine32"
    assert set(recorded) == {
        "scheme",
        "num_perm",
        "seed",
        "word_shingle",
        "char_shingle",
        "datasketch_major",
    }
    assert recorded["datasketch_major"] == 2


@pytest.mark.parametrize(
    ("field", "value"), [("seed", 2), ("num_perm", 64), ("scheme", "legacy"), ("word_shingle", 5)]
)
def test_signatures_with_other_parameters_are_refused(field: str, value: Any) -> None:
    other = replace(PARAMS, **{field: value})
    a = Signer(PARAMS).sign("North Korea fired a missile into the sea on Thursday")
    b = Signer(other).sign("North Korea fired a missile into the sea on Thursday")
    with pytest.raises(FingerprintMismatch, match=field):
        a.jaccard(b)


def test_word_trigrams_after_case_and_unicode_folding() -> None:
    got = shingles("The ＵＮ Security Council met.", PARAMS)
    assert got == {b"the un security", b"un security council", b"security council met"}


def test_short_text_is_one_shingle() -> None:
    assert shingles("Breaking news", PARAMS) == {b"breaking news"}
    assert shingles("", PARAMS) == set()


def test_korean_uses_character_shingles_without_spaces() -> None:
    got = shingles("북한 미사일 발사", PARAMS)
    # "북한미사일발사" has 7 characters: four 4-grams.
    assert got == {g.encode() for g in ("북한미사", "한미사일", "미사일발", "사일발사")}


@given(st.text(max_size=60))
def test_spaceless_share_equals_the_per_character_definition(text: str) -> None:
    letters = [c for c in text if c.isalpha()]
    expected = sum(map(_is_spaceless_char, letters)) / len(letters) if letters else 0.0
    assert spaceless_share(text) == pytest.approx(expected)


def test_batch_signing_and_union_equal_one_by_one_signing() -> None:
    signer = Signer(PARAMS)
    texts = ["Russia and North Korea signed a treaty", "The treaty provides for mutual aid"]
    batch = signer.sign_many(texts)
    single = [signer.sign(t) for t in texts]
    for a, b in zip(batch, single, strict=True):
        assert np.array_equal(a.hashvalues, b.hashvalues)
    union = signer.union(batch)
    whole = signer.sign_shingles(shingles(texts[0], PARAMS) | shingles(texts[1], PARAMS))
    assert np.array_equal(union.hashvalues, whole.hashvalues)


def test_similar_texts_estimate_high_jaccard_and_unrelated_low() -> None:
    signer = Signer(PARAMS)
    a = signer.sign("North Korea fired a short-range ballistic missile into the sea on Thursday")
    b = signer.sign("North Korea fired a short-range ballistic missile into the sea on Friday")
    c = signer.sign("Residents of the border town heard nothing unusual that morning")
    assert a.jaccard(b) > 0.6
    assert a.jaccard(c) < 0.1


@pytest.mark.parametrize("threshold", [0.2, 0.3, 0.5, 0.8])
def test_lsh_bands_fit_num_perm_and_put_the_midpoint_near_the_threshold(threshold: float) -> None:
    bands, rows = lsh_bands(128, threshold)
    assert bands * rows <= 128
    assert abs((1 / bands) ** (1 / rows) - threshold) < 0.1


def test_band_keys_are_signed_64_bit_and_equal_for_equal_signatures() -> None:
    signer = Signer(PARAMS)
    a = band_keys(signer.sign("the same passage of text here"), 16, 3)
    b = band_keys(signer.sign("the same passage of text here"), 16, 3)
    assert a == b
    assert len(set(a)) == 16  # the band number is mixed in
    assert all(-(2**63) <= k < 2**63 for k in a)

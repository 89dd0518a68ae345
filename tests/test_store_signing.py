"""The index's keys signed in plain Python (a cold check) equal the numpy matrix's, bit for bit.

``fingerprint.PlainSigner`` signs the first ``store.keys.PLAIN_SHINGLES`` shingles a
``Fingerprinter`` meets; ``match.signatures`` (the matrix, itself tested against datasketch
in tests/test_match.py) signs the rest. An index built by one and queried by the other must
find the same keys, so the two are compared value for value on random shingle sets, seeds
and widths, and the whole entry of real articles is compared both ways.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from provenance import pipeline
from provenance.config import Config
from provenance.fingerprint import FingerprintParams, PlainSigner, band_keys_of
from provenance.match.candidates import Banding
from provenance.match.signatures import Permutations, sign
from provenance.model import Article
from provenance.store import keys as store_keys
from provenance.store.keys import Fingerprinter

shingle_sets = st.lists(
    st.sets(st.binary(min_size=0, max_size=12), max_size=30), min_size=1, max_size=8
)


def _params(scheme: str, seed: int, num_perm: int) -> FingerprintParams:
    return FingerprintParams(scheme, num_perm, seed, 3, 4, 2)


@settings(max_examples=60, deadline=None)
@given(
    shingle_sets,
    st.sampled_from(["affine32", "affine64"]),
    st.integers(min_value=0, max_value=2**32 - 1),
    st.sampled_from([1, 16, 128]),
)
def test_plain_signatures_are_the_matrix_s_bit_for_bit(
    sets: list[set[bytes]], scheme: str, seed: int, num_perm: int
) -> None:
    """Empty sets included: every position is the scheme's maximum, as in datasketch."""
    ours = PlainSigner(_params(scheme, seed, num_perm)).sign(sets)
    matrix = sign([sorted(s) for s in sets], Permutations.of(scheme, seed, num_perm))
    assert ours == matrix.tolist()


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(min_value=0, max_value=2**32 - 1), min_size=24, max_size=24),
    st.sampled_from([(8, 3), (12, 2), (1, 24), (3, 5)]),
)
def test_band_keys_of_one_row_are_banding_keys(values: list[int], shape: tuple[int, int]) -> None:
    bands, rows = shape
    matrix = np.array([values, values[::-1]], dtype=np.uint32)
    assert [band_keys_of(v, bands, rows) for v in (values, values[::-1])] == Banding(
        bands, rows
    ).keys(matrix)


def test_legacy_and_seeds_numpy_refuses_are_not_signed_in_plain_python() -> None:
    assert PlainSigner.supports(_params("affine32", 2**32 - 1, 8))
    assert not PlainSigner.supports(_params("legacy", 1, 8))
    assert not PlainSigner.supports(_params("affine64", 2**32, 8))
    with pytest.raises(ValueError, match="legacy"):
        PlainSigner(_params("legacy", 1, 8))


# Hand-written Korean (character shingles: ``fingerprint.shingles``), with a quotation.
KOREAN = Article(
    id="ko-1",
    language="ko",
    outlet="Test",
    text=(
        "서울 시청은 오늘 새 버스 노선 세 개를 다음 달부터 운행한다고 밝혔다.\n\n"
        '시청 관계자는 "출퇴근 시간의 혼잡을 줄이기 위해 노선을 늘렸다"고 말했다.\n\n'
        "새 노선은 강남과 여의도, 그리고 시청 앞을 잇는다."
    ),
)


def _entries(fp: Fingerprinter, articles: list[Article]) -> list[store_keys.Entry]:
    results = pipeline.analyze_each(articles)
    return [entry for r in results for entry in (fp.entry(r), fp.entry(r, with_boilerplate=True))]


def test_entries_are_the_same_whichever_signer_made_them(
    corpus_articles: dict[str, Article], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The seed articles and a Korean one (word and character shingles, quotation units):
    the sentence units' and quotations' keys of a Fingerprinter that signs in plain Python
    throughout equal those of one that goes to the matrix at once."""
    articles = [*corpus_articles.values(), KOREAN]
    config = Config()
    plain = _entries(Fingerprinter(config), articles)
    monkeypatch.setattr(store_keys, "PLAIN_SHINGLES", 0)
    matrix_fp = Fingerprinter(config)
    matrix = _entries(matrix_fp, articles)
    assert matrix_fp._matrix is not None  # the numpy signer did sign them
    assert plain == matrix
    assert all(e.passages for e in plain)
    assert any(e.quotes for e in plain)
    assert plain[-1].article.id == "ko-1"


def test_a_fingerprinter_goes_to_the_matrix_when_its_plain_shingles_run_out(
    corpus_articles: dict[str, Article], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a budget of a few hundred shingles, the first units are signed in plain Python
    and the rest by the matrix; the keys are those of a plain-only run."""
    articles = list(corpus_articles.values())[:6]
    config = Config()
    plain = _entries(Fingerprinter(config), articles)
    monkeypatch.setattr(store_keys, "PLAIN_SHINGLES", 300)
    mixed_fp = Fingerprinter(config)
    assert mixed_fp._matrix is None
    mixed = _entries(mixed_fp, articles)
    assert mixed_fp._matrix is not None
    assert mixed == plain


def test_entry_pair_is_the_stored_entry_and_the_query_each_signed_alone(
    corpus_articles: dict[str, Article],
) -> None:
    """``check`` signs each unit text once for both entries; they are the entries made one
    by one, including where the boilerplate makes them differ (003's "Read Also" line)."""
    config = Config()
    results = pipeline.analyze_each([*corpus_articles.values(), KOREAN])
    pairs = [Fingerprinter(config).entry_pair(r) for r in results]
    alone = Fingerprinter(config)
    assert pairs == [(alone.entry(r), alone.entry(r, with_boilerplate=True)) for r in results]
    assert any(stored.passages != query.passages for stored, query in pairs)

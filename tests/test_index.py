"""Which passages are matched, and which pairs LSH proposes."""

from __future__ import annotations

from dataclasses import replace

import pytest

from provenance.config import FingerprintConfig
from provenance.errors import FingerprintMismatch
from provenance.fingerprint import FingerprintParams, Signer
from provenance.index import MIN_PASSAGE_CHARS, lsh_candidates, passages_of
from provenance.match.signatures import BatchSigner
from provenance.model import (
    Article,
    ArticleResult,
    BoilerplateReason,
    BoilerplateSpan,
    SegmentKind,
)
from provenance.segment import Abbreviations, segment

TEXT = (
    "North Korea fired a missile on Thursday. Officials in Seoul condemned the launch at once.\n"
    "Short line.\n"
    "Subscribe to our newsletter for the latest news every single morning.\n"
    "The launch was the third this month, according to the Joint Chiefs of Staff."
)
PARAMS = FingerprintParams.from_config(FingerprintConfig())


def _result(boilerplate: tuple[BoilerplateSpan, ...] = ()) -> ArticleResult:
    article = Article("a", TEXT)
    return ArticleResult(article, segment(TEXT), boilerplate=boilerplate)


def test_passages_are_sentences_and_paragraphs_long_enough() -> None:
    got = [(p.kind, p.text) for p in passages_of(_result())]
    first_paragraph = TEXT.split("\n")[0]
    assert got == [
        (SegmentKind.PARAGRAPH, first_paragraph),
        (SegmentKind.SENTENCE, "North Korea fired a missile on Thursday."),
        (SegmentKind.SENTENCE, "Officials in Seoul condemned the launch at once."),
        # "Short line." is under MIN_PASSAGE_CHARS; one-sentence paragraphs are listed once.
        (SegmentKind.PARAGRAPH, TEXT.split("\n")[2]),
        (SegmentKind.PARAGRAPH, TEXT.split("\n")[3]),
    ]
    assert all(len(p.text) >= MIN_PASSAGE_CHARS for p in passages_of(_result()))
    assert all(TEXT[p.start : p.end] == p.text for p in passages_of(_result()))


def test_boilerplate_passages_are_not_matched() -> None:
    start = TEXT.index("Subscribe")
    promo = BoilerplateSpan(start, TEXT.index("\n", start), BoilerplateReason.PROMO, "test")
    texts = [p.text for p in passages_of(_result((promo,)))]
    assert not any("Subscribe" in t for t in texts)
    assert len(texts) == 4


def test_lsh_pairs_near_copies_and_not_unrelated_texts() -> None:
    signer = BatchSigner(PARAMS)
    texts = [
        "North Korea fired a short-range ballistic missile into the sea on Thursday morning",
        "Residents of the border town heard nothing unusual and went about their day",
        "North Korea fired a short-range ballistic missile into the sea on Thursday night",
    ]
    found = lsh_candidates(signer.sign_texts(texts), 0.3, 20)
    assert [(c.a, c.b) for c in found] == [(0, 2)]
    assert 0.6 < found[0].estimated_jaccard < 1.0


def test_fan_out_is_capped_per_signature() -> None:
    signer = BatchSigner(PARAMS)
    base = "the same long passage repeated with a different number at the end "
    texts = [f"{base}{i}" for i in range(60)]
    found = lsh_candidates(signer.sign_texts(texts), 0.3, 5)
    per_key: dict[int, int] = {}
    for c in found:
        per_key[c.a] = per_key.get(c.a, 0) + 1
        per_key[c.b] = per_key.get(c.b, 0) + 1
    # Each key keeps at most 5 of its own; it may also be kept by others.
    assert len(found) <= 5 * len(texts)
    assert min(per_key.values()) >= 1


def test_batch_signatures_are_the_datasketch_signer_s(
    corpus_articles: dict[str, Article],
) -> None:
    """The matrix the report signs with equals datasketch's signatures of the same texts
    (the seed corpus' passages), and another seed gives other values."""
    texts = sorted({p.text for a in corpus_articles.values() for p in passages_of(_of(a))})
    reference = [sig.hashvalues for sig in Signer(PARAMS).sign_many(texts)]
    matrix = BatchSigner(PARAMS).sign_texts(texts)
    assert [row.tolist() for row in matrix] == [r.tolist() for r in reference]
    other = BatchSigner(replace(PARAMS, seed=7)).sign_texts(texts[:1])
    assert other[0].tolist() != matrix[0].tolist()
    with pytest.raises(FingerprintMismatch):
        Signer(PARAMS).sign(texts[0]).jaccard(Signer(replace(PARAMS, seed=7)).sign(texts[0]))


def _of(article: Article) -> ArticleResult:
    return ArticleResult(article, segment(article.text, Abbreviations.load()))


def test_bucketing_in_passes_finds_the_same_candidates(
    corpus_articles: dict[str, Article],
) -> None:
    """Links de-duplicated after every band, every 2, 5, 6 or 41 bands, or all at once: the
    same pairs with the same estimates, on the seed corpus' sentences and paragraphs plus
    near copies."""
    texts = sorted({p.text for a in corpus_articles.values() for p in passages_of(_of(a))})
    texts += [t.replace(" the ", " a ", 1) for t in texts[::7]]  # planted near copies
    signatures = BatchSigner(PARAMS).sign_texts(texts)
    whole = lsh_candidates(signatures, 0.3, 20, bands_per_pass=1000)
    assert len(whole) >= len(texts[::7])  # at least the planted pairs
    for per_pass in (1, 2, 5, 6, 41):
        assert lsh_candidates(signatures, 0.3, 20, bands_per_pass=per_pass) == whole

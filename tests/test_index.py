"""Which passages are matched, and which pairs LSH proposes."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from provenance.config import FingerprintConfig
from provenance.errors import FingerprintMismatch
from provenance.fingerprint import FingerprintParams, Signer, lsh_bands
from provenance.match.candidates import lsh_candidates
from provenance.match.signatures import BatchSigner
from provenance.match.units import MIN_PASSAGE_CHARS, passages_of, sentence_units, story_pieces
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


def test_boilerplate_is_cut_off_a_segment_and_the_story_text_is_matched() -> None:
    """A dateline before the lede and a credit after the last sentence are cut off the
    paragraph and its sentences; what is left is matched, with exact offsets."""
    text = (
        "WASHINGTON (AP) — The Senate passed the spending bill late on Friday night. "
        "The House votes next week on the final version of the bill. (AP)"
    )
    dateline = BoilerplateSpan(0, len("WASHINGTON (AP) —"), BoilerplateReason.DATELINE, "t")
    credit = BoilerplateSpan(len(text) - 4, len(text), BoilerplateReason.CREDIT_LINE, "t")
    result = ArticleResult(Article("a", text), segment(text), boilerplate=(dateline, credit))
    got = [(p.kind, p.text) for p in passages_of(result)]
    assert got == [
        (SegmentKind.PARAGRAPH, text[len("WASHINGTON (AP) — ") : -len(" (AP)")]),
        (SegmentKind.SENTENCE, "The Senate passed the spending bill late on Friday night."),
        (SegmentKind.SENTENCE, "The House votes next week on the final version of the bill."),
    ]
    assert all(text[p.start : p.end] == p.text for p in passages_of(result))


def test_a_segment_wholly_inside_boilerplate_is_not_matched() -> None:
    start = TEXT.index("Subscribe")
    end = TEXT.index("\n", start)
    assert (
        story_pieces(TEXT, start, end, (BoilerplateSpan(start, end, BoilerplateReason.PROMO, "t"),))
        == []
    )


def test_a_short_story_piece_is_not_matched_wherever_it_is() -> None:
    """A photo credit cut off the second paragraph leaves "Troops left the border town."
    (28 characters, under the 40-character floor): not a passage, though its paragraph
    was long enough. Every passage carries its article's id."""
    text = (
        "He said the vote would be held next week, not today.\n"
        "Photo: John Smith/Reuters. Troops left the border town."
    )
    start = text.index("Photo")
    credit = BoilerplateSpan(start, text.index(" Troops"), BoilerplateReason.PHOTO_CREDIT, "t")
    result = ArticleResult(Article("a", text), segment(text), boilerplate=(credit,))
    got = passages_of(result)
    assert [(p.article_id, p.kind, p.text) for p in got] == [
        ("a", SegmentKind.PARAGRAPH, "He said the vote would be held next week, not today.")
    ]


def test_a_segment_with_nothing_cut_off_keeps_its_edge_marks() -> None:
    """Only a cut leaves separators to drop: a paragraph that starts with a dash and ends
    with a colon, with no boilerplate, is matched as written."""
    text = "— The Senate passed the spending bill late on Friday night, officials said:"
    result = ArticleResult(Article("a", text), segment(text))
    assert [p.text for p in passages_of(result)] == [text]
    assert story_pieces(text, 0, len(text), ()) == [(0, len(text))]


def test_separators_alone_after_a_cut_are_no_piece() -> None:
    """A credit followed by nothing but " —" at the very end of the text: the story before
    it is one piece (its trailing space dropped); the dash after it is none."""
    text = "The Senate passed the spending bill late on Friday night. (AP) —"
    credit = BoilerplateSpan(
        text.index("(AP)"), text.index(" —"), BoilerplateReason.CREDIT_LINE, "t"
    )
    assert story_pieces(text, 0, len(text), (credit,)) == [(0, text.index(" (AP)"))]


# --- what the persistent index stores: runs of whole sentences ------------------------------


def _units(text: str, *spans: BoilerplateSpan, min_chars: int | None = None) -> list[str]:
    """The texts of the article's index units (the default floor unless ``min_chars``)."""
    result = ArticleResult(Article("a", text), segment(text), boilerplate=spans)
    units = sentence_units(result) if min_chars is None else sentence_units(result, min_chars)
    assert all(u.article_id == "a" and u.kind == SegmentKind.SENTENCE for u in units)
    assert all(text[u.start : u.end] == u.text for u in units)
    return [u.text for u in units]


LAUNCH = "North Korea fired a missile on Thursday."  # 40 characters
SEOUL = "Officials in Seoul condemned the launch at once."  # 48


def test_index_units_are_runs_of_whole_sentences_of_at_least_min_chars() -> None:
    """Each sentence of 40 characters or more is a unit of its own (the next one starts at
    its first letter, not at the space); a short sentence joins the sentences after it, a
    short last sentence joins the run before it; a paragraph shorter than 40 characters is
    not indexed, and one paragraph's sentences never cut another."""
    text = (
        "North Korea fired a missile on Thursday. "
        "Officials in Seoul condemned the launch at once.\n"
        "He declined. The minister refused to comment on the report.\n"
        "The minister refused to comment on the report on Friday. He declined.\n"
        "Short line."
    )
    assert _units(text) == [
        "North Korea fired a missile on Thursday.",  # exactly 40 characters: a unit
        "Officials in Seoul condemned the launch at once.",
        "He declined. The minister refused to comment on the report.",
        "The minister refused to comment on the report on Friday. He declined.",
    ]
    # three long sentences are three units; with a short third, the last two are one
    third = "The launch was the third this month, officials said."
    assert _units(f"{LAUNCH} {SEOUL} {third}") == [LAUNCH, SEOUL, third]
    assert _units(f"{LAUNCH} {SEOUL} He declined.") == [LAUNCH, f"{SEOUL} He declined."]


def test_a_short_piece_before_a_cut_does_not_end_the_paragraph() -> None:
    """A photo credit inside a paragraph leaves "Troops left." (too short: not indexed)
    before it and a long sentence after it, which is indexed."""
    text = "Troops left. Photo: AP. The Senate passed the spending bill late on Friday night."
    credit = BoilerplateSpan(13, 23, BoilerplateReason.PHOTO_CREDIT, "t")
    assert text[credit.start : credit.end] == "Photo: AP."
    assert _units(text, credit) == ["The Senate passed the spending bill late on Friday night."]


def test_the_unit_length_floor_is_inclusive() -> None:
    """With a floor one character above the first sentence's 40, that sentence joins the
    next: the whole paragraph is one unit. A last sentence of exactly the floor stays a unit
    of its own. A paragraph of exactly the floor is indexed; one character under it is not."""
    first = f"{LAUNCH} {SEOUL}"
    assert _units(first, min_chars=41) == [first]
    last = f"{SEOUL} {LAUNCH}"
    assert _units(last, min_chars=40) == [last[:48], last[49:]]
    assert _units("He declined to comment.", min_chars=23) == ["He declined to comment."]
    assert _units("He declined to comment.", min_chars=24) == []


def test_index_units_are_the_story_text_without_dateline_and_credit() -> None:
    """A dateline before the lede and a credit after the last sentence are cut off with the
    dash and spaces they leave; the story sentences are the units."""
    text = (
        "WASHINGTON (AP) — The Senate passed the spending bill late on Friday night. "
        "The House votes next week on the final version of the bill. (AP)"
    )
    dateline = BoilerplateSpan(0, len("WASHINGTON (AP)"), BoilerplateReason.DATELINE, "t")
    credit = BoilerplateSpan(len(text) - 4, len(text), BoilerplateReason.CREDIT_LINE, "t")
    assert _units(text, dateline, credit) == [
        "The Senate passed the spending bill late on Friday night.",
        "The House votes next week on the final version of the bill.",
    ]


# --- which candidates are kept ------------------------------------------------------------

QUERY = (
    "The county board met on Tuesday evening to hear residents before the vote on the new bus"
    " routes, which several speakers said would leave the eastern villages without a direct"
    " line to the hospital and the secondary school in the market town."
)
OTHER = (
    "The county board met on Tuesday evening to hear residents before the vote on the new bus"
    " routes, but most of the evening went to a long quarrel about parking fees in the old"
    " harbour district and the ferry."
)


def test_each_text_keeps_its_most_similar_candidates() -> None:
    """Positions: 0 and 1 a pair of near copies sharing only the opening with 3; 2 a near
    copy of 3 (one word changed). With room for one candidate each, 3 keeps 2 (estimated
    Jaccard ~0.85), not 0 (~0.3), although 0 comes first; with room for two it keeps both."""
    texts = [
        OTHER,
        OTHER.replace("quarrel", "argument"),
        QUERY.replace("Tuesday", "Wednesday"),
        QUERY,
    ]
    sigs = BatchSigner(PARAMS).sign_texts(texts)
    assert [(c.a, c.b) for c in lsh_candidates(sigs, 0.3, 1)] == [(0, 1), (2, 3)]
    assert (0, 3) in [(c.a, c.b) for c in lsh_candidates(sigs, 0.3, 2)]


def _one_shared_band(n: int, alike: tuple[int, int]) -> np.ndarray[Any, Any]:
    """``n`` signatures equal on band 0 only; the two ``alike`` also agree on the first row
    of every other band (a third of their values, no other whole band)."""
    bands, rows = lsh_bands(PARAMS.num_perm, 0.3)
    rng = np.random.default_rng(7)
    values = rng.integers(1, 2**32 - 1, size=(n, PARAMS.num_perm), dtype=np.uint64)
    values[:, :rows] = values[0, :rows]
    a, b = alike
    values[b, rows : bands * rows : rows] = values[a, rows : bands * rows : rows]
    return values


def test_a_crowded_bucket_links_its_members_to_its_first_keys_only() -> None:
    """Signatures sharing one band (a boilerplate-like passage in many articles): a bucket of
    more than 4 x max_candidates members costs linear time, each member linked to the
    bucket's first key only, even where two members (2 and 3) are more alike; a bucket of
    exactly 4 x max_candidates members is still read whole, so 2 and 3 find each other."""
    crowded = [(c.a, c.b) for c in lsh_candidates(_one_shared_band(5, (2, 3)), 0.3, 1)]
    assert crowded == [(0, k) for k in range(1, 5)]
    whole = [(c.a, c.b) for c in lsh_candidates(_one_shared_band(4, (2, 3)), 0.3, 1)]
    assert whole == [(0, 1), (2, 3)]


def test_a_passage_touching_boilerplate_is_kept() -> None:
    """Boilerplate ending exactly where a sentence starts, or starting exactly where it
    ends, does not overlap it: the sentence is still a passage (its paragraph is not)."""
    officials = TEXT.index("Officials")
    end = TEXT.index("\n")
    spans = (
        BoilerplateSpan(0, officials, BoilerplateReason.NAVIGATION, "t"),
        BoilerplateSpan(end, end + 12, BoilerplateReason.NAVIGATION, "t"),
    )
    texts = [p.text for p in passages_of(_result(spans))]
    assert texts[0] == "Officials in Seoul condemned the launch at once."
    assert TEXT.split("\n")[0] not in texts

"""Alignment: exact spans on both sides, scores and grades."""

from __future__ import annotations

from hypothesis import assume, given
from hypothesis import strategies as st

from provenance.config import AlignConfig
from provenance.match.align import (
    align_passages,
    align_texts,
    fold,
    grade,
    similarity,
    word_diff,
)
from provenance.match.claims import claim_score
from provenance.model import Grade, Passage, SegmentKind, WordEdits

SOURCE = (
    "The missile flew about 600 kilometers before landing in waters outside Japan's exclusive "
    "economic zone, according to officials in Tokyo."
)
EDITED = (
    "The missile flew roughly 600 kilometres before landing in waters outside Japan's "
    "exclusive economic zone, officials in Tokyo said."
)


def test_identical_texts_align_whole_with_score_100() -> None:
    found = align_texts(SOURCE, SOURCE)
    assert found is not None
    assert (found.a_start, found.a_end, found.b_start, found.b_end) == (0, 136, 0, 136)
    assert len(SOURCE) == 136
    assert found.score == 100.0


def test_a_copied_sentence_is_located_exactly_inside_a_longer_text() -> None:
    before, after = "Officials said on Friday that ", " No damage was reported."
    found = align_texts(SOURCE, before + SOURCE + after)
    assert found is not None
    assert (found.b_start, found.b_end) == (len(before), len(before) + len(SOURCE))
    assert found.score == 100.0


def test_an_edited_copy_spans_the_whole_source_sentence() -> None:
    # The edited copy is shorter than its source; the span on the source side must still
    # reach the source's last word ("Tokyo."), not stop after len(EDITED) characters.
    found = align_texts(EDITED, "Earlier on. " + SOURCE)
    assert found is not None
    assert (found.b_start, found.b_end) == (len("Earlier on. "), len("Earlier on. ") + len(SOURCE))
    assert (found.a_start, found.a_end) == (0, len(EDITED))
    assert grade(found.score, AlignConfig()) == Grade.EDITED


def test_unrelated_sentences_score_below_the_match_floor() -> None:
    other = "Residents of the border town told this newspaper they heard nothing unusual."
    found = align_texts(SOURCE, other)
    assert found is None or found.score < AlignConfig().match_min_score


def test_align_passages_returns_offsets_into_the_articles() -> None:
    a = Passage("a", 100, 100 + len(SOURCE), SOURCE, SegmentKind.SENTENCE)
    b = Passage("b", 7, 7 + len(SOURCE), SOURCE, SegmentKind.PARAGRAPH)
    match = align_passages(a, b, AlignConfig(), estimated_jaccard=0.9)
    assert match is not None
    assert (match.a.start, match.a.end, match.b.start, match.b.end) == (
        100,
        100 + len(SOURCE),
        7,
        7 + len(SOURCE),
    )
    assert (match.grade, match.estimated_jaccard) == (Grade.VERBATIM, 0.9)


def test_grades_follow_the_configured_cut_offs() -> None:
    config = AlignConfig(match_min_score=40, edited_min_score=70, verbatim_min_score=93)
    assert grade(93.0, config) == Grade.VERBATIM
    assert grade(92.9, config) == Grade.EDITED
    assert grade(70.0, config) == Grade.EDITED
    assert grade(69.9, config) == Grade.REWRITTEN


def test_claim_score_ignores_word_order_and_case() -> None:
    assert (
        claim_score(
            "Seoul summoned the Russian ambassador", "the RUSSIAN ambassador, Seoul summoned"
        )
        == 100.0
    )
    assert claim_score("Seoul summoned the Russian ambassador", "Rain is expected tomorrow") < 50


def test_similarity_folds_case_and_white_space() -> None:
    assert similarity("North  Korea\nfired", "north korea fired") == 100.0


@given(st.text(max_size=80))
def test_fold_keeps_the_length(text: str) -> None:
    assert len(fold(text)) == len(text)


@given(
    st.text(alphabet="abcdefghij ", min_size=20, max_size=60),
    st.text(alphabet="klmnopqrst ", max_size=40),
    st.text(alphabet="klmnopqrst ", max_size=40),
)
def test_a_verbatim_copy_is_found_with_its_exact_text(core: str, before: str, after: str) -> None:
    assume(core.strip())
    long_ = before + core + after
    found = align_texts(core, long_)
    assert found is not None
    assert found.score == 100.0
    assert long_[found.b_start : found.b_end] == core[found.a_start : found.a_end] == core


def test_two_deleted_words_and_re_casing_are_edited_not_verbatim() -> None:
    """The issue's case: a copy with two words deleted and some words re-cased scores above
    the verbatim cut, yet it is not the same words."""
    copy = SOURCE.replace("about ", "").replace("in waters", "waters").replace("Tokyo", "TOKYO")
    found = align_texts(copy, SOURCE)
    assert found is not None
    assert found.score >= AlignConfig().verbatim_min_score
    assert found.edits == WordEdits(changed=0, inserted=0, deleted=2)
    assert grade(found.score, AlignConfig(), found.edits) == Grade.EDITED


def test_case_quotes_dashes_and_punctuation_do_not_make_an_edit() -> None:
    source = 'He said "the talks - all of them - are over," according to officials in Seoul.'
    copy = (
        "He said \u201cThe talks \u2014 all of them \u2014 are over\u201d according to "
        "officials in Seoul"
    )
    found = align_texts(copy, source)
    assert found is not None
    assert found.edits == WordEdits()
    assert grade(found.score, AlignConfig(), found.edits) == Grade.VERBATIM


def test_word_diff_counts_and_locates_changed_inserted_and_deleted_words() -> None:
    source = "The missile flew about 600 kilometers before landing in the sea."
    copy = "The rocket flew 600 kilometers before finally landing in the sea."
    diff = word_diff(copy, source)
    # "missile" -> "rocket" changed, "about" deleted, "finally" inserted
    assert diff.edits == WordEdits(changed=1, inserted=1, deleted=1)
    assert [copy[s:e] for s, e in diff.copy_ranges] == ["rocket", "finally"]
    assert [source[s:e] for s, e in diff.source_ranges] == ["missile", "about"]
    assert word_diff(copy, source).edits.swapped() == word_diff(source, copy).edits


def test_align_passages_reports_the_edits_of_side_a() -> None:
    a = Passage("a", 0, len(EDITED), EDITED, SegmentKind.PARAGRAPH)
    b = Passage("b", 0, len(SOURCE), SOURCE, SegmentKind.PARAGRAPH)
    match = align_passages(a, b, AlignConfig())
    assert match is not None
    # about -> roughly, kilometers -> kilometres; "according to" dropped, "said" added
    assert match.edits.changed >= 2
    assert match.edits.deleted >= 1
    assert match.grade != Grade.VERBATIM


def test_a_first_word_dropped_by_the_copy_is_a_deletion_not_outside_the_spans() -> None:
    source = "The U.S. had won all previous 15 meetings with their North American neighbours."
    copy = source.removeprefix("The ").replace("American", "AMERICAN")
    found = align_texts(copy, source)
    assert found is not None
    # the span is what the copy matches; the dropped "The" still counts as deleted
    assert (found.b_start, found.b_end) == (len("The "), len(source))
    assert found.edits == WordEdits(changed=0, inserted=0, deleted=1)
    assert grade(found.score, AlignConfig(), found.edits) == Grade.EDITED


def test_an_edited_passage_inside_its_article_maps_to_article_offsets() -> None:
    """An edited copy (not found verbatim, so the fuzzy path) at offset 40 of article "a"
    aligned with its source at offset 7 of article "b": both spans are the whole passages
    moved by those offsets, each side names its own article, and the score and edits are
    those of the two texts."""
    a = Passage("a", 40, 40 + len(EDITED), EDITED, SegmentKind.SENTENCE)
    b = Passage("b", 7, 7 + len(SOURCE), SOURCE, SegmentKind.SENTENCE)
    found = align_texts(EDITED, SOURCE)
    assert found is not None
    match = align_passages(a, b, AlignConfig())
    assert match is not None
    assert (match.a.article_id, match.a.start, match.a.end) == ("a", 40, 40 + len(EDITED))
    assert (match.b.article_id, match.b.start, match.b.end) == ("b", 7, 7 + len(SOURCE))
    assert (match.score, match.edits) == (found.score, found.edits)
    assert match.estimated_jaccard == 0.0  # not given
    assert match.grade == grade(found.score, AlignConfig(), found.edits)


def test_the_match_floor_is_inclusive_and_unrelated_text_is_no_match() -> None:
    a = Passage("a", 0, len(EDITED), EDITED, SegmentKind.SENTENCE)
    b = Passage("b", 0, len(SOURCE), SOURCE, SegmentKind.SENTENCE)
    found = align_texts(EDITED, SOURCE)
    assert found is not None
    assert align_passages(a, b, AlignConfig(match_min_score=found.score)) is not None
    assert align_passages(a, b, AlignConfig(match_min_score=found.score + 0.01)) is None
    other = "Residents of the border town told this newspaper they heard nothing unusual."
    c = Passage("c", 0, len(other), other, SegmentKind.SENTENCE)
    assert align_passages(a, c, AlignConfig()) is None


def test_quotation_marks_around_a_copy_belong_to_its_span() -> None:
    """The source quoted at the very start of the longer text: the span grows over the
    opening guillemet at offset 0 and over the closing marks after the last word."""
    longer = f"«{SOURCE}», officials said on Monday."
    found = align_texts(EDITED, longer)
    assert found is not None
    assert longer[found.b_start : found.b_end] == f"«{SOURCE}»,"


def test_fold_lowers_each_character_that_stays_one_character() -> None:
    """ "İ" lowers to two characters ("i" and a combining dot): it stays as it is, so the
    offsets hold, while every other letter of the text is lowered."""
    assert fold("Ships LEFT the Port") == "ships left the port"
    assert fold("The İzmir PORT") == "the İzmir port"


def test_a_blank_text_aligns_with_nothing() -> None:
    assert align_texts("   ", SOURCE) is None
    assert align_texts(SOURCE, " \n ") is None
    assert align_texts("    ", "Officials said    on Friday.") is None  # not its blank run


def test_spans_stay_on_their_own_side_when_the_first_text_is_the_longer() -> None:
    """``a`` longer than ``b``: the copy is located inside ``a``, and ``b`` is whole."""
    before, after = "Officials said on Friday that ", " No damage was reported."
    found = align_texts(before + SOURCE + after, SOURCE)
    assert found is not None
    assert (found.a_start, found.a_end) == (len(before), len(before) + len(SOURCE))
    assert (found.b_start, found.b_end) == (0, len(SOURCE))
    edited = align_texts("Earlier on. " + SOURCE, EDITED)
    assert edited is not None
    assert (edited.b_start, edited.b_end) == (0, len(EDITED))
    assert edited.a_start >= len("Earlier on. ")


def test_a_text_printed_twice_is_located_at_its_first_place() -> None:
    found = align_texts(SOURCE, f"{SOURCE} {SOURCE}")
    assert found is not None
    assert (found.b_start, found.b_end) == (0, len(SOURCE))


def test_both_sides_of_a_match_add_the_passage_offsets_to_the_aligned_stretch() -> None:
    """A copy that starts inside both passages: the source after an unrelated sentence,
    the copy after a prefix of its own longer than the snap margin. Each side's span is
    its passage's offset plus where the copy starts inside it."""
    longer = "Earlier on. " + SOURCE
    prefixed = "According to a report on Friday night, " + EDITED
    found = align_texts(longer, prefixed)
    assert found is not None
    assert found.a_start > 0
    assert found.b_start > 0
    a = Passage("a", 40, 40 + len(longer), longer, SegmentKind.PARAGRAPH)
    b = Passage("b", 7, 7 + len(prefixed), prefixed, SegmentKind.PARAGRAPH)
    match = align_passages(a, b, AlignConfig())
    assert match is not None
    assert (match.a.start, match.a.end) == (40 + found.a_start, 40 + found.a_end)
    assert (match.b.start, match.b.end) == (7 + found.b_start, 7 + found.b_end)


def test_a_match_above_the_verbatim_score_with_word_edits_is_edited() -> None:
    """align_passages grades with the words: two deleted words keep the score above the
    verbatim cut, but the match is ``edited``."""
    copy = SOURCE.replace("about ", "").replace("in waters", "waters")
    a = Passage("a", 0, len(copy), copy, SegmentKind.SENTENCE)
    b = Passage("b", 0, len(SOURCE), SOURCE, SegmentKind.SENTENCE)
    match = align_passages(a, b, AlignConfig())
    assert match is not None
    assert match.score >= AlignConfig().verbatim_min_score
    assert match.grade == Grade.EDITED


@given(st.text(max_size=60), st.text(max_size=60))
def test_without_edits_the_alignment_is_the_same_but_for_its_edits(a: str, b: str) -> None:
    # the quotation groups read only the score and spans: skipping the word diff must not
    # move them
    full, bare = align_texts(a, b), align_texts(a, b, edits=False)
    assert (full is None) == (bare is None)
    if full is not None and bare is not None:
        assert (bare.a_start, bare.a_end, bare.b_start, bare.b_end, bare.score) == (
            full.a_start,
            full.a_end,
            full.b_start,
            full.b_end,
            full.score,
        )
        assert bare.edits == WordEdits()


def test_without_edits_an_edited_copy_keeps_its_score_and_spans() -> None:
    source = "The minister said the talks would resume in March after the elections."
    copy = "The minister said talks would resume in April after elections."
    full, bare = align_texts(source, copy), align_texts(source, copy, edits=False)
    assert full is not None
    assert bare is not None
    assert full.edits.total > 0
    assert bare.edits == WordEdits()
    assert (bare.a_start, bare.a_end, bare.b_start, bare.b_end) == (
        full.a_start,
        full.a_end,
        full.b_start,
        full.b_end,
    )
    assert bare.score == full.score < 100

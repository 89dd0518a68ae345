"""classify.partition: overlapping evidence becomes one label per character."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from provenance import classify
from provenance.model import (
    LABEL_PRECEDENCE,
    BoilerplateReason,
    BoilerplateSpan,
    CreditKind,
    Grade,
    Label,
    Span,
    SpanSource,
    WireCredit,
)

# 0..15 "Read also: more", 15 "\n", 16..39 the dateline sentence, 39 "\n",
# 40..58 "Shared claim here.", 58..69 " Own words.", 69 "\n"
TEXT = "Read also: more\nSEOUL (AP) — Kim spoke.\nShared claim here. Own words.\n"


def _source(article: str, start: int, end: int) -> SpanSource:
    return SpanSource(article, "Outlet " + article, start, end, 97.0, Grade.VERBATIM, None)


def _shared(start: int, end: int, *sources: SpanSource, first: str | None = None) -> Span:
    return Span(start, end, Label.SHARED, sources=sources, first=first)


READ_ALSO = Span(0, 15, Label.BOILERPLATE, reason=BoilerplateReason.READ_ALSO, rule="en.r.1")
AP = Span(16, 39, Label.WIRE, agency="AP", evidence="credit")
FROM_B = _source("b", 0, 48)
FROM_C = _source("c", 5, 23)


def test_text_offsets_used_below() -> None:
    assert TEXT[0:15] == "Read also: more"
    assert TEXT[16:39] == "SEOUL (AP) — Kim spoke."
    assert TEXT[40:58] == "Shared claim here."
    assert len(TEXT) == 70


def test_precedence_whitespace_and_merged_sources() -> None:
    candidates = [
        _shared(10, 58, FROM_B, first="b"),  # overlaps the read-also line and the wire line
        _shared(40, 58, FROM_C, first="c"),
        AP,
        READ_ALSO,
    ]
    spans = classify.partition(TEXT, candidates)
    classify.check_partition(TEXT, spans)
    assert spans == (
        # boilerplate beats shared on 10..15; the newline after it joins it
        Span(0, 16, Label.BOILERPLATE, reason=BoilerplateReason.READ_ALSO, rule="en.r.1"),
        # wire beats shared on the dateline sentence; the newline joins it too
        Span(16, 40, Label.WIRE, agency="AP", evidence="credit"),
        # both shared candidates cover the claim: sources merged, two firsts give "unknown"
        Span(40, 58, Label.SHARED, sources=(FROM_B, FROM_C), first="unknown"),
        # the rest is original, leading space included (it is not a blank piece of its own)
        Span(58, 70, Label.ORIGINAL),
    )


def test_one_first_is_kept_and_repeated_sources_are_merged() -> None:
    spans = classify.partition(
        TEXT,
        [
            _shared(40, 58, FROM_B, first="b"),
            _shared(40, 50, FROM_B, _source("d", 1, 9), first="b"),
        ],
    )
    assert [(s.start, s.end, s.label) for s in spans] == [
        (0, 40, Label.ORIGINAL),
        (40, 50, Label.SHARED),
        (50, 58, Label.SHARED),
        (58, 70, Label.ORIGINAL),
    ]
    assert spans[1].sources == (FROM_B, _source("d", 1, 9))
    assert spans[2].sources == (FROM_B,)
    assert {spans[1].first, spans[2].first} == {"b"}


def test_leading_white_space_joins_the_first_span() -> None:
    text = " \n\nBody text.\n"
    spans = classify.partition(
        text, [Span(3, 7, Label.BOILERPLATE, reason=BoilerplateReason.BYLINE)]
    )
    assert [(s.start, s.end, s.label) for s in spans] == [
        (0, 7, Label.BOILERPLATE),
        (7, 14, Label.ORIGINAL),
    ]


def test_no_candidates_and_white_space_only_candidates() -> None:
    assert classify.partition(TEXT, []) == (Span(0, 70, Label.ORIGINAL),)
    # a candidate on the newline alone does not make a span of its own
    only_newline = classify.partition(TEXT, [AP, Span(39, 40, Label.BOILERPLATE)])
    assert [(s.start, s.end, s.label) for s in only_newline] == [
        (0, 16, Label.ORIGINAL),
        (16, 40, Label.WIRE),
        (40, 70, Label.ORIGINAL),
    ]
    assert classify.partition("", [AP]) == ()
    classify.check_partition("", ())


def test_candidates_are_clipped_to_the_text() -> None:
    spans = classify.partition(
        "Short.", [Span(-5, 3, Label.WIRE, agency="AP"), Span(9, 12, Label.SHARED)]
    )
    assert [(s.start, s.end, s.label) for s in spans] == [
        (0, 3, Label.WIRE),
        (3, 6, Label.ORIGINAL),
    ]


def test_stage_records_become_candidates() -> None:
    boiler = classify.boilerplate_candidates(
        [BoilerplateSpan(0, 15, BoilerplateReason.READ_ALSO, "en.r.1")]
    )
    assert boiler == [READ_ALSO]
    credit = WireCredit("AP", CreditKind.DATELINE, 22, 26, 16, 39, "(AP)")
    empty = WireCredit("AP", CreditKind.DATELINE, 22, 26, 30, 30, "(AP)")
    assert classify.credit_candidates([credit, empty]) == [
        Span(16, 39, Label.WIRE, agency="AP", evidence="credit", credit=credit)
    ]


def test_check_partition_refuses_gaps_overlaps_and_short_cover() -> None:
    for bad in (
        [Span(0, 10, Label.ORIGINAL), Span(11, 70, Label.ORIGINAL)],
        [Span(0, 10, Label.ORIGINAL), Span(9, 70, Label.ORIGINAL)],
        [Span(0, 69, Label.ORIGINAL)],
        [Span(0, 0, Label.ORIGINAL), Span(0, 70, Label.ORIGINAL)],
    ):
        try:
            classify.check_partition(TEXT, bad)
        except ValueError:
            continue
        raise AssertionError(f"accepted {bad}")


# --- any set of candidates gives a partition ---------------------------------------------

# The precedence the design states (boilerplate > wire > shared > original), written out
# here rather than read from ``LABEL_PRECEDENCE``, the constant under test.
_RANK = {Label.BOILERPLATE: 0, Label.WIRE: 1, Label.SHARED: 2, Label.ORIGINAL: 3}


def test_precedence_is_boilerplate_wire_shared_original() -> None:
    assert list(LABEL_PRECEDENCE) == sorted(Label, key=_RANK.__getitem__)
    # boilerplate inside a wire block wins; wire wins over a shared span over the same text
    wire = Span(0, 39, Label.WIRE, agency="AP", evidence="credit")
    shared = _shared(16, 69, FROM_B, first="b")
    labels = [(s.start, s.label) for s in classify.partition(TEXT, [shared, wire, READ_ALSO])]
    assert labels == [(0, Label.BOILERPLATE), (16, Label.WIRE), (39, Label.SHARED)]


@st.composite
def _case(draw: st.DrawFn) -> tuple[str, list[Span], list[Span]]:
    text = draw(st.text(alphabet="ab. \n\t", max_size=40))
    bound = st.integers(min_value=-3, max_value=len(text) + 3)
    candidates = []
    for _ in range(draw(st.integers(min_value=0, max_value=8))):
        label = draw(st.sampled_from(list(Label)))
        start, end = draw(bound), draw(bound)
        if label == Label.BOILERPLATE:
            reason = draw(st.sampled_from(list(BoilerplateReason)))
            candidates.append(Span(start, end, label, reason=reason, rule="r"))
        elif label == Label.WIRE:
            agency = draw(st.sampled_from(["AP", "Reuters", "Newsis"]))
            candidates.append(Span(start, end, label, agency=agency, evidence="alignment"))
        elif label == Label.SHARED:
            article = draw(st.sampled_from(["b", "c"]))
            candidates.append(_shared(start, end, _source(article, 0, 5), first=article))
        else:
            candidates.append(Span(start, end, label))
    shuffled = draw(st.permutations(candidates))
    return text, candidates, shuffled


@settings(max_examples=400, deadline=None)
@given(_case())
def test_any_candidates_give_a_partition(case: tuple[str, list[Span], list[Span]]) -> None:
    text, candidates, shuffled = case
    spans = classify.partition(text, candidates)
    classify.check_partition(text, spans)
    for position, char in enumerate(text):
        if char.isspace():
            continue  # white space may join a neighbour; every other character keeps its label
        covering = [c.label for c in candidates if c.start <= position < c.end]
        expected = min(covering, key=_RANK.__getitem__, default=Label.ORIGINAL)
        (span,) = [s for s in spans if s.start <= position < s.end]
        assert span.label == expected
    if text.strip():
        assert all(text[s.start : s.end].strip() for s in spans)  # no blank span
    assert classify.partition(text, shuffled) == spans  # independent of the candidates' order


def test_same_place_different_credits_do_not_depend_on_order() -> None:
    dateline = WireCredit("AP", CreditKind.DATELINE, 16, 26, 16, 39, "SEOUL (AP)")
    sign_off = WireCredit("AP", CreditKind.SIGN_OFF, 30, 34, 16, 39, "(AP)")
    one, two = classify.credit_candidates([dateline, sign_off])
    assert classify.partition(TEXT, [one, two]) == classify.partition(TEXT, [two, one])
    (wire,) = [s for s in classify.partition(TEXT, [two, one]) if s.label == Label.WIRE]
    assert wire.credit == dateline  # the earlier credit gives the evidence


def test_two_boilerplate_reasons_at_one_place_the_first_reason_wins() -> None:
    """Same stretch, two reasons: the reason that sorts first (byline < promo) gives the
    span, whatever the rule names, so the choice does not depend on rule ids."""
    byline = Span(0, 15, Label.BOILERPLATE, reason=BoilerplateReason.BYLINE, rule="z.rule")
    promo = Span(0, 15, Label.BOILERPLATE, reason=BoilerplateReason.PROMO, rule="a.rule")
    (first, *_) = classify.partition(TEXT, [promo, byline])
    assert (first.reason, first.rule) == (BoilerplateReason.BYLINE, "z.rule")


def test_a_broken_partition_is_reported_with_its_offset() -> None:
    gap = [Span(0, 5, Label.ORIGINAL), Span(6, len(TEXT), Label.ORIGINAL)]
    with pytest.raises(ValueError, match="do not partition the text at offset 5"):
        classify.check_partition(TEXT, gap)
    short = [Span(0, 10, Label.ORIGINAL)]
    with pytest.raises(ValueError, match=f"spans end at 10, text has {len(TEXT)} characters"):
        classify.check_partition(TEXT, short)


def test_two_agencies_at_one_place_the_first_agency_wins() -> None:
    """A credited AP stretch that also aligns with a Reuters story: the agency that sorts
    first names the span, whatever the evidence of each."""
    ap = Span(16, 39, Label.WIRE, agency="AP", evidence="credit")
    reuters = Span(16, 39, Label.WIRE, agency="Reuters", evidence="alignment")
    (wire,) = [s for s in classify.partition(TEXT, [reuters, ap]) if s.label == Label.WIRE]
    assert (wire.agency, wire.evidence) == ("AP", "credit")


@pytest.mark.parametrize(
    ("one", "two", "wins"),
    [
        # two boilerplate rules with the same reason over one line: "en.r.1" < "en.r.2"
        (
            Span(0, 15, Label.BOILERPLATE, reason=BoilerplateReason.READ_ALSO, rule="en.r.2"),
            Span(0, 15, Label.BOILERPLATE, reason=BoilerplateReason.READ_ALSO, rule="en.r.1"),
            ("en.r.1", None),
        ),
        # the same agency over one stretch, said by a credit and by an alignment
        (
            Span(16, 39, Label.WIRE, agency="AP", evidence="credit"),
            Span(16, 39, Label.WIRE, agency="AP", evidence="alignment"),
            (None, "alignment"),
        ),
    ],
)
def test_candidates_differing_in_one_field_do_not_depend_on_order(
    one: Span, two: Span, wins: tuple[str | None, str | None]
) -> None:
    """Two candidates of one label over one stretch that differ only in their rule, or
    only in their evidence: the span takes the one whose rule or evidence sorts first,
    whatever the input order."""
    spans = classify.partition(TEXT, [one, two])
    assert spans == classify.partition(TEXT, [two, one])
    (span,) = [s for s in spans if s.label == one.label]
    assert (span.rule, span.evidence) == wins


def test_an_empty_candidate_is_no_evidence() -> None:
    """A candidate that covers no character (start == end, here inside the white space a
    wire span opens with) is dropped: it does not cut the span it falls in, so the white
    space stays with the wire span."""
    text = "Own words.  Wire words."
    wire = Span(10, 23, Label.WIRE, agency="AP", evidence="credit")
    empty = Span(11, 11, Label.BOILERPLATE, reason=BoilerplateReason.PROMO, rule="r")
    expected = (Span(0, 10, Label.ORIGINAL), wire)
    assert classify.partition(text, [wire]) == expected
    assert classify.partition(text, [wire, empty]) == expected

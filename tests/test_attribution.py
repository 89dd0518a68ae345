"""Wire credits, the blocks they cover, and cited sources: seeds and hand-written cases."""

from __future__ import annotations

import dataclasses

import pytest

from provenance.agencies import AgencyLexicon
from provenance.attribution import (
    _raw_credits,
    credit_mismatches,
    find_cited_sources,
    find_credits,
    merge_boilerplate,
    metadata_credits,
)
from provenance.boilerplate import detect
from provenance.boilerplate_rules import BoilerplateLexicon
from provenance.config import BoilerplateConfig
from provenance.model import (
    Article,
    BoilerplateReason,
    BoilerplateSpan,
    CreditKind,
    Grade,
    Label,
    Span,
    SpanSource,
    WireCredit,
)
from provenance.segment import segment


@pytest.fixture(scope="module")
def agencies() -> AgencyLexicon:
    return AgencyLexicon.load()


@pytest.fixture(scope="module")
def lexicon() -> BoilerplateLexicon:
    return BoilerplateLexicon.load()


def _credits(
    article: Article, agencies: AgencyLexicon, lexicon: BoilerplateLexicon
) -> tuple[WireCredit, ...]:
    seg = segment(article.text)
    spans = detect(article, seg, lexicon, BoilerplateConfig())
    return find_credits(article, seg, agencies, spans)


def _block(article: Article, credit: WireCredit) -> str:
    return article.text[credit.block_start : credit.block_end]


def test_seed_001_body_is_credited_to_newsis_and_its_photo_to_ap_newsis(
    corpus_articles: dict[str, Article], agencies: AgencyLexicon, lexicon: BoilerplateLexicon
) -> None:
    article = corpus_articles["001"]
    credits = _credits(article, agencies, lexicon)
    assert [(c.agency, c.kind, c.text) for c in credits] == [
        ("AP/Newsis", CreditKind.PHOTO_CREDIT, "= AP/Newsis"),
        ("Newsis", CreditKind.CREDIT_LINE, "[서울=뉴시스]"),
    ]
    photo, body = credits
    assert _block(article, photo).startswith("In a photo released by the Russian Ministry")
    assert _block(article, photo).endswith("2024.11.02 Moscow")
    # from the first story paragraph after the caption to the last one above the credit line
    assert _block(article, body).startswith("Russia announced on the 2nd (local time)")
    assert _block(article, body).endswith("by sending North Korean troops.")
    # the interview transcript and the filler after the credit line are not credited
    interview = article.text.index("Interview Transcript")
    assert all(c.block_end <= interview for c in credits)


@pytest.mark.parametrize("seed", ["000", "002", "003", "004"])
def test_seeds_without_credits(
    seed: str, corpus_articles: dict[str, Article], agencies: AgencyLexicon,
    lexicon: BoilerplateLexicon,
) -> None:  # fmt: skip
    assert _credits(corpus_articles[seed], agencies, lexicon) == ()


@pytest.mark.parametrize(
    ("seed", "expected"),
    [
        ("000", [("KCNA", "Korean Central News Agency")]),
        ("001", [("TASS", "Tass News Agency"), ("KCNA", "Korean Central News Agency")]),
        ("002", [("Interfax", "Interfax")]),
        ("003", []),
        ("004", []),
    ],
)
def test_seed_cited_sources(
    seed: str,
    expected: list[tuple[str, str]],
    corpus_articles: dict[str, Article],
    agencies: AgencyLexicon,
) -> None:
    article = corpus_articles[seed]
    cited = find_cited_sources(article, segment(article.text), agencies)
    assert [(c.agency, c.text) for c in cited] == expected
    for c in cited:
        sentence = article.text[c.sentence_start : c.sentence_end]
        assert c.text in sentence
        assert sentence.split()[0] in {"In", "According"}


def test_credit_lines_become_boilerplate_spans(
    corpus_articles: dict[str, Article], agencies: AgencyLexicon, lexicon: BoilerplateLexicon
) -> None:
    article = corpus_articles["001"]
    seg = segment(article.text)
    detected = detect(article, seg, lexicon, BoilerplateConfig())
    merged = merge_boilerplate(detected, find_credits(article, seg, agencies, detected))
    start = article.text.index("[서울=뉴시스]")
    reasons = {s.reason for s in merged if s.start <= start < s.end}
    assert reasons == {BoilerplateReason.CREDIT_LINE}


STORY = (
    "Officials said the bridge would stay closed for at least a week while engineers inspect"
    " the damage caused by the storm."
)


def _one(text: str, agencies: AgencyLexicon, lexicon: BoilerplateLexicon) -> list[WireCredit]:
    return list(_credits(Article(id="t", text=text, language="en"), agencies, lexicon))


def test_dateline_credits_forward_to_the_end_of_the_story(
    agencies: AgencyLexicon, lexicon: BoilerplateLexicon
) -> None:
    text = f"Bridge closed\nWASHINGTON (AP) — {STORY}\n{STORY}\nComments\nFirst!"
    [credit] = _one(text, agencies, lexicon)
    assert (credit.agency, credit.kind, credit.text) == (
        "AP",
        CreditKind.DATELINE,
        "WASHINGTON (AP) —",
    )
    # from after the dateline to the last story paragraph: not the headline, not the comments
    assert text[credit.block_start : credit.block_end] == f"{STORY}\n{STORY}"


def test_reuters_dateline_with_date(agencies: AgencyLexicon, lexicon: BoilerplateLexicon) -> None:
    [credit] = _one(f"KATHMANDU, April 25 (Reuters) - {STORY}", agencies, lexicon)
    assert (credit.agency, credit.text) == ("Reuters", "KATHMANDU, April 25 (Reuters) -")


def test_trailing_credit_lines_credit_backward(
    agencies: AgencyLexicon, lexicon: BoilerplateLexicon
) -> None:
    text = f"{STORY}\n{STORY}\nReporting by Jane Doe; Editing by John Roe"
    [credit] = _one(text, agencies, lexicon)
    assert (credit.agency, credit.kind) == ("Reuters", CreditKind.CREDIT_LINE)
    assert text[credit.block_start : credit.block_end] == f"{STORY}\n{STORY}"


def test_sign_offs(agencies: AgencyLexicon, lexicon: BoilerplateLexicon) -> None:
    [pti] = _one(f"{STORY} — PTI", agencies, lexicon)
    assert (pti.agency, pti.kind, pti.text) == ("PTI", CreditKind.SIGN_OFF, "— PTI")
    contributed = (
        f"{STORY}\nAssociated Press writer Jane Doe in Chicago contributed to this report."
    )
    [ap] = _one(contributed, agencies, lexicon)
    assert (ap.agency, ap.block_start, ap.block_end) == ("AP", 0, len(STORY))


def test_korean_leading_credit_line_credits_forward(
    agencies: AgencyLexicon, lexicon: BoilerplateLexicon
) -> None:
    text = (
        "[서울=뉴시스]홍길동 기자 = 서울시는 내년부터 심야버스 노선을 늘린다고 밝혔다.\n"
        "시는 예산을 편성했다."
    )
    [credit] = list(_credits(Article(id="k", text=text, language="ko"), agencies, lexicon))
    assert (credit.agency, credit.text) == ("Newsis", "[서울=뉴시스]")
    assert text[credit.block_start : credit.block_end].endswith("시는 예산을 편성했다.")


def test_mentions_without_credit_form_are_not_credits(
    agencies: AgencyLexicon, lexicon: BoilerplateLexicon
) -> None:
    text = f"He told Reuters he would resign. The AP style guide was cited.\n{STORY}"
    article = Article(id="t", text=text, language="en")
    assert _one(text, agencies, lexicon) == []
    cited = find_cited_sources(article, segment(text), agencies)
    assert [(c.agency, c.text) for c in cited] == [("Reuters", "Reuters")]


@pytest.mark.parametrize(
    ("authors", "outlet", "expected"),
    [
        (("Associated Press",), None, ["AP"]),
        (("By TOM KRISHER, AP Auto Writer",), None, ["AP"]),
        (("Paula Steiger", "SDA"), None, ["SDA"]),
        (("Detroit News wire services",), None, ["unspecified"]),
        ((), "Reuters", ["Reuters"]),
        ((), "hosted.ap.org", ["AP"]),
        (("Sarah Reuter",), "Daily Planet", []),
        (("Jane Doe",), "apartment-news.com", []),
        # an agency name opening an author string is a credit only before a role word
        (("Reuters Institute fellow Ana Lopez",), None, []),
        (("AFP correspondent",), None, ["AFP"]),
    ],
)
def test_metadata_credits(
    authors: tuple[str, ...], outlet: str | None, expected: list[str], agencies: AgencyLexicon
) -> None:
    article = Article(id="m", text=STORY, authors=authors, outlet=outlet)
    credits = metadata_credits(article, agencies)
    assert [c.agency for c in credits] == expected
    for c in credits:
        assert (c.kind, c.start, c.end, c.block_start, c.block_end) == (
            CreditKind.METADATA, -1, -1, 0, len(STORY),
        )  # fmt: skip


def test_korean_citation_with_a_particle(agencies: AgencyLexicon) -> None:
    text = "연합뉴스에 따르면 정부는 오늘 새 대책을 발표했다. 시장은 차분했다."
    article = Article(id="k", text=text, language="ko")
    cited = find_cited_sources(article, segment(text), agencies)
    assert [(c.agency, c.text, c.sentence_start) for c in cited] == [("Yonhap", "연합뉴스", 0)]


def test_a_credit_alone_on_the_last_line_credits_the_story_above() -> None:
    """ "(AP)" under the last paragraph reads like a dateline but has nothing after it: it
    is a sign-off for the paragraphs above."""
    text = (
        "The council approved the budget on Monday after a long debate in the chamber.\n"
        "The vote was 7 to 2, with two members absent for the whole session.\n"
        "(AP)"
    )
    article = Article("a", text)
    seg = segment(text)
    (credit,) = find_credits(article, seg, AgencyLexicon.load())
    assert (credit.agency, credit.kind) == ("AP", CreditKind.SIGN_OFF)
    assert (credit.block_start, credit.block_end) == (0, text.index("\n(AP)"))


def test_a_credit_span_replaces_the_detected_spans_inside_it() -> None:
    """A credit line the boilerplate stage took for navigation is one credit_line span;
    a detected span elsewhere, or only partly inside the credit, is kept as it was."""
    R = BoilerplateReason
    navigation = BoilerplateSpan(40, 48, R.NAVIGATION, "features.context")
    partly = BoilerplateSpan(45, 60, R.PROMO, "en.promo.line.1")
    byline = BoilerplateSpan(0, 10, R.BYLINE, "en.byline.line.1")
    credit = WireCredit("Newsis", CreditKind.CREDIT_LINE, 40, 50, 12, 40, "[서울=뉴시스]")
    merged = merge_boilerplate([byline, navigation, partly], [credit])
    assert [(s.start, s.end, s.reason) for s in merged] == [
        (0, 10, R.BYLINE),
        (40, 50, R.CREDIT_LINE),
        (45, 60, R.PROMO),
    ]


# ------------------------------------------------------------------ edges found by mutation
# (each case below failed under a mutant of attribution.py that the tests above let pass)

LONG = " ".join([STORY] * 4)  # a paragraph longer than the lexicon's 400-character edge window


def test_credits_at_the_edges_of_a_paragraph_longer_than_the_edge_window(
    agencies: AgencyLexicon, lexicon: BoilerplateLexicon
) -> None:
    """Only a window at each edge is searched: a sign-off ending a long paragraph is in the
    window at its end, a dateline opening one in the window at its start."""
    assert len(LONG) > agencies.edge_window
    [pti] = _one(f"{LONG} — PTI", agencies, lexicon)
    assert (pti.agency, pti.kind, pti.text) == ("PTI", CreditKind.SIGN_OFF, "— PTI")
    text = f"WASHINGTON (AP) — {LONG}"
    [ap] = _one(text, agencies, lexicon)
    assert (ap.agency, ap.kind) == ("AP", CreditKind.DATELINE)
    assert text[ap.block_start : ap.block_end] == LONG


def test_an_agency_in_parentheses_inside_a_sentence_is_not_a_dateline(
    agencies: AgencyLexicon, lexicon: BoilerplateLexicon
) -> None:
    """A dateline opens its paragraph; "(AP)" after a name in the middle of a sentence that
    starts with a quotation mark is an abbreviation, not a credit."""
    quote = "“We will rebuild the bridge,” the mayor told the Associated Press (AP) on Monday."
    text = f"{quote}\n{STORY}"
    assert _one(text, agencies, lexicon) == []


def test_a_dateline_over_story_text_is_not_a_sign_off(
    agencies: AgencyLexicon, lexicon: BoilerplateLexicon
) -> None:
    """Story text follows the dateline on its own line, so it credits forward even in the
    last paragraph, and it covers every paragraph up to the end of the story."""
    [one] = _one(f"KATHMANDU, April 25 (Reuters) - {STORY}", agencies, lexicon)
    assert one.kind == CreditKind.DATELINE
    text = f"WASHINGTON (AP) — {STORY}\n{STORY}\n{STORY}"
    [three] = _one(text, agencies, lexicon)
    assert three.kind == CreditKind.DATELINE
    assert text[three.block_start : three.block_end] == f"{STORY}\n{STORY}\n{STORY}"


def test_a_sign_off_ending_a_paragraph_credits_that_paragraph(
    agencies: AgencyLexicon, lexicon: BoilerplateLexicon
) -> None:
    text = f"{STORY}\n{STORY} — PTI"
    [pti] = _one(text, agencies, lexicon)
    assert text[pti.block_start : pti.block_end] == f"{STORY}\n{STORY}"


def _with_spans(text: str, spans: list[BoilerplateSpan], agencies: AgencyLexicon) -> WireCredit:
    [credit] = find_credits(
        Article(id="t", text=text, language="en"), segment(text), agencies, spans
    )
    return credit


def test_a_lone_agency_line_above_a_comments_marker_credits_the_story_above(
    agencies: AgencyLexicon,
) -> None:
    """ "(AP)" alone on its line followed by a story break (the comments marker) has nothing
    after it to credit: it signs off the paragraphs above, though a paragraph follows the
    marker."""
    text = f"{STORY}\n{STORY}\n(AP)\nComments\n{STORY}"
    marker = text.index("Comments")
    spans = [BoilerplateSpan(marker, marker + 8, BoilerplateReason.COMMENTS_MARKER, "x")]
    credit = _with_spans(text, spans, agencies)
    assert (credit.agency, credit.kind) == ("AP", CreditKind.SIGN_OFF)
    assert text[credit.block_start : credit.block_end] == f"{STORY}\n{STORY}"


@pytest.mark.parametrize("above", ["", "By Jane Doe\n"])
def test_a_credit_line_with_no_story_above_credits_nothing(
    above: str, agencies: AgencyLexicon
) -> None:
    """A backward credit line on the first line, or right under a byline (a story break),
    credits an empty block at its own start: the story below it is not its story."""
    story_above = f"{STORY}\n" if above else ""
    text = f"{story_above}{above}Reporting by Jane Doe; Editing by John Roe\n{STORY}"
    at = len(story_above)
    byline = BoilerplateSpan(at, at + len(above) - 1, BoilerplateReason.BYLINE, "x")
    spans = [byline] if above else []
    credit = _with_spans(text, spans, agencies)
    assert (credit.agency, credit.kind) == ("Reuters", CreditKind.CREDIT_LINE)
    assert credit.block_start == credit.block_end == credit.start


def test_a_citation_cue_two_words_after_the_agency(agencies: AgencyLexicon) -> None:
    """At most two words ("news agency") may stand between the name and the cue "said"."""
    text = "The talks will resume next week, Interfax news agency said."
    [cited] = find_cited_sources(Article(id="t", text=text), segment(text), agencies)
    assert (cited.agency, text[cited.start : cited.end]) == ("Interfax", "Interfax")
    assert (cited.sentence_start, cited.sentence_end) == (0, len(text))
    far = "The talks will resume next week, Interfax and its partner agency said."
    assert find_cited_sources(Article(id="t", text=far), segment(far), agencies) == ()


def test_an_agency_in_a_dateline_is_not_cited_but_a_later_one_is(agencies: AgencyLexicon) -> None:
    """The credit's own "Reuters" is no citation; "according to Interfax" in the same
    sentence after it still is."""
    text = "KATHMANDU (Reuters) - Officials said the talks will resume, according to Interfax."
    article = Article(id="t", text=text)
    cited = find_cited_sources(article, segment(text), agencies)
    assert [(c.agency, text[c.start : c.end]) for c in cited] == [("Interfax", "Interfax")]


@pytest.mark.parametrize(
    ("authors", "outlet", "expected"),
    [
        (("By Reuters",), None, [("Reuters", "By Reuters")]),
        (("by AFP",), None, [("AFP", "by AFP")]),
        (("The Associated Press",), None, [("AP", "The Associated Press")]),
        ((), "Reuters", [("Reuters", "Reuters")]),
        # "Pa" is a name: short aliases ("PA") only count written as the agency writes them
        (("Pa",), None, []),
    ],
)
def test_metadata_credit_text_is_the_value_that_named_the_agency(
    authors: tuple[str, ...],
    outlet: str | None,
    expected: list[tuple[str, str]],
    agencies: AgencyLexicon,
) -> None:
    article = Article(id="m", text=STORY, authors=authors, outlet=outlet)
    assert [(c.agency, c.text) for c in metadata_credits(article, agencies)] == expected


def test_credit_spans_carry_their_rule_and_replace_spans_ending_with_them() -> None:
    R = BoilerplateReason
    credit = WireCredit("Newsis", CreditKind.CREDIT_LINE, 40, 50, 12, 40, "[서울=뉴시스]")
    inside_to_end = BoilerplateSpan(42, 50, R.NAVIGATION, "features.context")
    merged = merge_boilerplate([inside_to_end], [credit])
    assert [(s.start, s.end, s.reason, s.rule) for s in merged] == [
        (40, 50, R.CREDIT_LINE, "credit.credit_line")
    ]


def _wire_span(outlet: str) -> Span:
    source = SpanSource("w1", outlet, 0, 30, 98.0, Grade.VERBATIM, None)
    return Span(10, 40, Label.WIRE, agency="AP", evidence="alignment", sources=(source,))


def test_credit_mismatch_names_the_aligned_agency_the_credit_does_not(
    agencies: AgencyLexicon,
) -> None:
    """An "(AP)" dateline over text aligned with a Reuters story: the span says Reuters is
    not named by the credit. A joint "AP/Reuters" credit names both, a span the credit does
    not cover and a span that is not wire are left alone."""
    ap = WireCredit("AP", CreditKind.DATELINE, 0, 5, 5, 60, "(AP)")
    joint = WireCredit("AP/Reuters", CreditKind.DATELINE, 0, 5, 5, 60, "(AP/Reuters)")
    span = _wire_span("Reuters")
    [flagged] = credit_mismatches([span], [ap], agencies)
    assert flagged.credit_mismatch == ("Reuters",)
    assert credit_mismatches([span], [joint], agencies) == (span,)
    assert credit_mismatches([_wire_span("AP")], [ap], agencies)[0].credit_mismatch == ()
    outside = WireCredit("AP", CreditKind.DATELINE, 50, 55, 55, 90, "(AP)")
    assert credit_mismatches([span], [outside], agencies) == (span,)
    touching = WireCredit("AP", CreditKind.DATELINE, 35, 40, 40, 90, "(AP)")
    assert credit_mismatches([span], [touching], agencies) == (span,)
    before = WireCredit("AP", CreditKind.DATELINE, 0, 5, 5, 10, "(AP)")
    assert credit_mismatches([span], [before], agencies) == (span,)
    shared = Span(0, 10, Label.SHARED, sources=span.sources)
    assert credit_mismatches([shared, span], [ap], agencies) == (shared, flagged)


# ------------------------------------------------------------------ the rules' pre-checks

# A paragraph (story text around where the form allows it) for each credit rule, each
# written to the rule's own form: the rule must find it (so the test below tries every
# rule's pre-check on a text the rule matches). Two forms of the rules with two.
CREDIT_PARAGRAPHS = [
    ("photo_credit.equals", f"{STORY} 2024.11.02 Moscow = AP/Newsis"),
    ("photo_credit.agency_photo", f"{STORY} (Photo: Jane Doe/AFP)"),
    ("photo_credit.agency_photo", f"{STORY} AP photo / Jane Doe"),
    ("dateline.paren", f"KATHMANDU, April 25 (Reuters) - {STORY}"),
    ("dateline.dash", f"LONDRES, 12. — Reuter. — {STORY}"),
    ("credit_line.agency_alone", "Agence télégraphique suisse"),
    ("credit_line.bracket", f"[서울=뉴시스] {STORY}"),
    ("credit_line.copyright", "© 2024 Thomson Reuters. All rights reserved."),
    ("credit_line.reporting_editing", "Reporting by Jane Doe; Editing by John Smith"),
    ("sign_off.contributed", f"{STORY} The Associated Press contributed to this report."),
    ("sign_off.dash", f"{STORY} — PTI"),
    ("sign_off.paren", f"{STORY} (AFP/dpa)"),
    ("sign_off.bare", f"{STORY} PTI"),
    ("sign_off.initials", f"{STORY} mm/dpa"),
    ("sign_off.initials", f"{STORY} (dpa/lno)"),
    ("sign_off.slash", f"{STORY} / ats-afp"),
    ("sign_off.with_wires", "With wires"),
]


def _without_prechecks(agencies: AgencyLexicon) -> AgencyLexicon:
    rules = tuple(dataclasses.replace(r, requires=None, hint=None) for r in agencies.credits)
    return dataclasses.replace(agencies, credits=rules)


def _raws(text: str, agencies: AgencyLexicon) -> list[tuple[str, int, int, str, bool]]:
    raws = _raw_credits(segment(text), agencies)
    return [(r.rule.id, r.start, r.end, r.agency, r.forward) for r in raws]


def test_every_credit_rule_has_a_paragraph_here(agencies: AgencyLexicon) -> None:
    assert {rule for rule, _ in CREDIT_PARAGRAPHS} == {r.id for r in agencies.credits}


@pytest.mark.parametrize(("rule", "paragraph"), CREDIT_PARAGRAPHS)
def test_a_rule_finds_its_form_and_its_pre_checks_change_nothing(
    rule: str, paragraph: str, agencies: AgencyLexicon
) -> None:
    """The ``requires`` pattern and the literals it needs (``hint``) only save time: with
    them the rules find what the patterns alone find, on the rule's own form and on it at
    the edge of a paragraph longer than the edge window."""
    found = _raws(paragraph, agencies)
    assert rule in [r[0] for r in found]
    assert found == _raws(paragraph, _without_prechecks(agencies))
    for long in (f"{paragraph} {LONG}", f"{LONG} {paragraph}"):
        assert _raws(long, agencies) == _raws(long, _without_prechecks(agencies))


def test_the_pre_checks_change_nothing_on_the_seeds(
    agencies: AgencyLexicon, corpus_articles: dict[str, Article]
) -> None:
    bare = _without_prechecks(agencies)
    found = {k: _raws(a.text, agencies) for k, a in corpus_articles.items()}
    assert found == {k: _raws(a.text, bare) for k, a in corpus_articles.items()}
    assert [r[0] for r in found["001"]] == ["photo_credit.equals", "credit_line.bracket"]


@pytest.mark.parametrize(
    ("text", "agency", "credit"),
    [
        (f"{STORY} AP Photo/Evan Vucci", "AP", "AP Photo/Evan Vucci"),
        (f"{STORY} Photo: Evan Vucci/AP", "AP", "Photo: Evan Vucci/AP"),
        (f"{STORY} (dpa/lno)", "dpa", "(dpa/lno)"),
        (f"{STORY} ala/AFP", "AFP", "ala/AFP"),
    ],
)
def test_each_form_of_a_rule_names_its_agencies(
    text: str, agency: str, credit: str, agencies: AgencyLexicon, lexicon: BoilerplateLexicon
) -> None:
    """A rule whose pattern has two forms, each with its {agencies} ("Photo: X/AP" and
    "AP Photo/X"; "ala/AFP" and "dpa/lno"), names the agency of whichever form matched (the
    second form's was once an unnamed group, and its credits were dropped)."""
    [found] = _one(text, agencies, lexicon)
    assert (found.agency, found.text) == (agency, credit)


def test_whole_line_rules_skip_a_paragraph_longer_than_the_edge_window(
    agencies: AgencyLexicon,
) -> None:
    """A credit line is a short paragraph: the window at the start of a long one, whose
    first 400 characters would read as "Reporting by ...; Editing by ...", is no credit."""
    text = f"Reporting by Jane Doe. {STORY} {STORY[:100]} Editing by John Smith. {LONG}"
    window = text[: agencies.edge_window]
    reporting = next(r for r in agencies.credits if r.id == "credit_line.reporting_editing")
    assert reporting.pattern.fullmatch(window)  # the start alone would be one
    assert _raws(text, agencies) == []

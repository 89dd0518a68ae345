"""Direct quotations: spans, speakers, cues and resolution (provenance/quotes.py), groups
across articles (provenance/match/quote_groups.py) and the check findings."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from provenance import check, pipeline
from provenance.config import Config, Policy, QuoteConfig
from provenance.match.align import align_texts
from provenance.match.quote_groups import (
    ALTERED,
    SPEAKER_MISMATCH,
    TRUNCATED,
    Comparison,
    Located,
    _best_speaker,
    _units,
    compare,
    find_quote_groups,
    group,
    linked,
    same_speaker,
)
from provenance.model import Article, Quote, WordChange
from provenance.quotes import QuoteLexicons, extract
from provenance.store import Fingerprinter, Store, add_articles

LEXICONS = QuoteLexicons.load()


def _quotes(text: str, language: str | None = "en") -> tuple[Quote, ...]:
    return extract(text, LEXICONS.for_language(language), Config().quotes)


def _pairs(text: str, language: str | None = "en") -> list[tuple[str, str | None]]:
    return [(q.text, q.speaker) for q in _quotes(text, language)]


def test_every_direct_quote_of_seed_004_with_its_speaker(
    corpus_articles: dict[str, Article],
) -> None:
    found = _quotes(corpus_articles["004"].text)
    assert [(q.text[:30], q.speaker) for q in found] == [
        # "for what was described as “strategic consultations.”": listed, speaker not found
        # (see the xfail below)
        ("strategic consultations.", None),
        # "A joint statement emphasized a “...” and “...”": the statement is the source
        ("shared commitment to resisting", "A joint statement"),
        ("building a new multipolar worl", "A joint statement"),
        # “...,” said Lt. Gen. (ret.) James Cartwright, ... “...” (broken by the attribution)
        ("North Korea sees an opportunit", "James Cartwright"),
        ("It’s a marriage of necessity—a", "James Cartwright"),
        ("This deepening relationship th", "Adrienne Watson"),
        ("We will work closely with alli", "Adrienne Watson"),
        # "South Korea and Japan echoed that concern, warning of “escalating provocations”"
        ("escalating provocations", "South Korea and Japan"),
        ("This isn’t just symbolic,", "Elena Petrov"),
        ("We’re watching two sanctioned ", "Elena Petrov"),
    ]
    text = corpus_articles["004"].text
    watson = found[5]
    assert text[watson.speaker_start : watson.speaker_end] == (
        "National Security Council spokesperson Adrienne Watson"
    )
    assert (watson.cue, found[6].resolved) == ("said", "continuation")


@pytest.mark.xfail(
    strict=True,
    reason="“strategic consultations” is attributed by 'According to statements released by "
    "both governments' at the sentence start, but the nearer 'described as' (passive, no "
    "agent) hides it",
)
def test_seed_004_label_quote_speaker(corpus_articles: dict[str, Article]) -> None:
    first = _quotes(corpus_articles["004"].text)[0]
    assert first.speaker is not None
    assert "governments" in first.speaker


def test_every_direct_quote_of_seed_002_with_its_speaker(
    corpus_articles: dict[str, Article],
) -> None:
    text = corpus_articles["002"].text
    found = _quotes(text)
    assert [(q.text[:30], q.speaker, q.resolved) for q in found] == [
        # "Zakharova emphasized ..., stating:" on the line before; the full name is earlier
        ("Ensuring long-term peace and s", "Maria Zakharova", "surname"),
        ("actual involvement of North Ko", "Volodymyr Zelenskiy", None),
    ]
    zakharova = found[0]
    assert text[zakharova.speaker_start : zakharova.speaker_end] == "Zakharova"
    # the nested ‘bigger’ stays inside the quotation; it is no quotation of its own
    assert zakharova.text.endswith("its ‘bigger’ ally, the United States.")
    assert text[zakharova.start] == "“"
    assert text[zakharova.end - 1] == "”"


def test_a_pronoun_is_resolved_to_the_nearest_earlier_full_name() -> None:
    text = (
        "Finance Minister Anna Berg spoke in Oslo on Monday.\n"
        "“We will balance the budget next year,” she said. “And we will cut taxes.”"
    )
    found = _quotes(text)
    assert [(q.speaker, q.mention, q.resolved) for q in found] == [
        ("Anna Berg", "she", "pronoun"),
        ("Anna Berg", "she", "continuation"),
    ]


def test_a_quotation_over_two_paragraphs_is_one() -> None:
    text = (
        "“The first part of the statement runs to the end of this paragraph.\n"
        "“The second part closes it,” said John Doe."
    )
    (quote,) = _quotes(text)
    assert (quote.start, quote.end) == (0, text.index("it,”") + 4)
    assert quote.speaker == "John Doe"


def test_apostrophes_are_not_quotation_marks() -> None:
    text = "It’s the people’s choice, the mayor’s aide wrote in a long letter to the council."
    assert _quotes(text) == ()


@pytest.mark.parametrize(
    ("language", "text", "speaker", "cue"),
    [
        (
            "de",
            "„Das ist ein guter Tag für die Stadt“, sagte Angela Merkel.",
            "Angela Merkel",
            "sagte",
        ),
        (
            "fr",
            "« C'est une erreur historique », a déclaré Emmanuel Macron.",
            "Emmanuel Macron",
            "a déclaré",
        ),
        ("es", "«Es un error muy grave», dijo Pedro Sánchez.", "Pedro Sánchez", "dijo"),
        (
            "en",
            "Jane Roe told reporters: “The bridge will open in May next year.”",
            "Jane Roe",
            "told",
        ),
        ("de", "Laut Olaf Scholz: „Wir schaffen das schon gemeinsam.“", "Olaf Scholz", "Laut"),
    ],
)
def test_cues_per_language(language: str, text: str, speaker: str, cue: str) -> None:
    (quote,) = _quotes(text, language)
    assert (quote.speaker, quote.cue) == (speaker, cue)


def test_korean_speaker_is_the_phrase_with_a_topic_particle() -> None:
    (quote,) = _quotes("김 장관은 “대화와 협력이 반드시 필요하다”고 말했다.", "ko")
    assert (quote.mention, quote.text) == ("장관", "대화와 협력이 반드시 필요하다")


QUOTE = "We will not accept any agreement that leaves our farmers without protection"


def _article(aid: str, text: str, published: str | None, outlet: str) -> Article:
    return Article(id=aid, text=text, published=published, outlet=outlet, language="en")


def test_groups_first_truncated_altered_and_speaker_mismatch() -> None:
    articles = [
        _article("a", f"Minister Jo Park said: “{QUOTE}.”", "2024-01-01", "A"),
        _article(
            "b", f"Minister Jo Park said: “{QUOTE.replace('accept', 'sign')}.”", "2024-01-02", "B"
        ),
        _article("c", "“We will not accept any agreement,” said Jo Park.", "2024-01-03", "C"),
        _article("d", f"“{QUOTE},” said Lee Kim.", "2024-01-04", "D"),
        _article("e", "“The weather was fine all week long,” said Jo Park.", None, "E"),
    ]
    result = pipeline.analyze(articles)
    groups = {g.occurrences[0].article_id: g for g in result.quotes}
    shared, alone = groups["a"], groups["e"]
    assert [o.article_id for o in shared.occurrences] == ["a", "b", "c", "d"]
    assert shared.first == "a"
    assert shared.flags == (ALTERED, SPEAKER_MISMATCH, TRUNCATED)
    by_id = {o.article_id: o for o in shared.occurrences}
    (change,) = by_id["b"].changes
    assert (change.removed, change.added) == ("accept", "sign")
    assert articles[1].text[change.start : change.end] == "sign"
    assert by_id["c"].truncated
    assert not by_id["c"].changes
    assert not by_id["d"].truncated
    assert not by_id["d"].changes
    assert (alone.flags, len(alone.occurrences)) == ((), 1)


def test_first_is_unknown_without_dates() -> None:
    articles = [
        _article("a", f"Minister Jo Park said: “{QUOTE}.”", None, "A"),
        _article("b", f"Minister Jo Park said: “{QUOTE}.”", None, "B"),
    ]
    (group,) = find_quote_groups(pipeline.analyze_each(articles), Config())
    assert group.first == "unknown"
    assert group.flags == ()


def test_check_finds_altered_quote_and_speaker_mismatch(tmp_path: Path) -> None:
    filler = "The ministry published the statement on its website late on Sunday evening."
    indexed = _article("old", f"{filler}\nMinister Jo Park said: “{QUOTE}.”", "2024-01-01", "A")
    store = Store(tmp_path / "i.sqlite", Fingerprinter(Config()), create=True)
    add_articles(store, [indexed], Config())
    altered = replace(indexed, id="new1", outlet="B", text=indexed.text.replace("accept", "sign"))
    other = replace(indexed, id="new2", outlet="C", text=indexed.text.replace("Jo Park", "Lee Kim"))
    verdict = check.run(pipeline.analyze_each([altered, other]), store, Config())
    kinds = {v.article.id: [f.kind.value for f in v.findings] for v in verdict.articles}
    assert "altered_quote" in kinds["new1"]
    assert "speaker_mismatch" not in kinds["new1"]
    assert "speaker_mismatch" in kinds["new2"]
    assert "altered_quote" not in kinds["new2"]
    off = replace(Config(), check=replace(Config().check, altered_quote=Policy.OFF))
    verdict = check.run(pipeline.analyze_each([altered]), store, off)
    assert "altered_quote" not in [f.kind.value for f in verdict.articles[0].findings]


# New articles that reprint Adrienne Watson's quotation of seed 004 (“This deepening
# relationship threatens regional stability and global security,” said National Security
# Council spokesperson Adrienne Watson.) around sentences of their own.
WATSON = "This deepening relationship threatens regional stability and global security"
AROUND = (
    "Reports of arms shipments between the two countries drew a sharp reaction on Tuesday.\n"
    "{quote}\nOfficials did not give further details about the intelligence."
)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        # another speaker for the same words: the sentence shares only half of its word
        # trigrams with the stored one, the quotation all of its words with the stored
        # quotation (store.keys: quotation units)
        (f"“{WATSON},” said Pentagon spokesman John Kirby.", "speaker_mismatch"),
        (f"“{WATSON},” Watson said.", None),
        (f"“{WATSON.replace('stability', 'peace')},” said Adrienne Watson.", "altered_quote"),
        # no speaker given: the words decide
        (f"“{WATSON.replace('regional', 'global')}.”", "altered_quote"),
        # a role is a speaker too: 'a spokesperson' is not shown to be Adrienne Watson
        (f"“{WATSON},” a spokesperson said.", "speaker_mismatch"),
    ],
)
def test_check_against_the_seed_index(
    tmp_path: Path, corpus_articles: dict[str, Article], line: str, expected: str | None
) -> None:
    store = Store(tmp_path / "i.sqlite", Fingerprinter(Config()), create=True)
    add_articles(store, list(corpus_articles.values()), Config())
    new = Article("new", AROUND.format(quote=line), outlet="Other", language="en")
    verdict = check.run(pipeline.analyze_each([new]), store, Config())
    kinds = [(f.kind.value, f.other_id) for f in verdict.articles[0].findings]
    assert kinds == ([] if expected is None else [(expected, corpus_articles["004"].id)])


def test_check_of_exact_copies_of_the_seeds_finds_no_changed_quotation(
    tmp_path: Path, corpus_articles: dict[str, Article]
) -> None:
    # The same text under new ids cannot print a quotation differently: every quotation of a
    # copy has its own twin, with the same speaker, in the indexed original, whatever other
    # quotations of the index its words also reach.
    store = Store(tmp_path / "i.sqlite", Fingerprinter(Config()), create=True)
    add_articles(store, list(corpus_articles.values()), Config())
    copies = [replace(a, id=f"{a.id}_copy", outlet="Copy") for a in corpus_articles.values()]
    verdict = check.run(pipeline.analyze_each(copies), store, Config())
    quoting = {"altered_quote", "speaker_mismatch"}
    assert [f for v in verdict.articles for f in v.findings if f.kind.value in quoting] == []


def test_check_prefers_the_indexed_quotation_with_the_same_speaker(tmp_path: Path) -> None:
    # The indexed article quotes the same words twice: first under another speaker, then
    # under Jo Park's name. A new article that gives them to Jo Park prints them as one of the
    # two indexed quotations does, so it has nothing to answer for; one that gives them to a
    # third speaker still gets a speaker mismatch.
    indexed = _article(
        "old",
        f"Spokeswoman Ana Lee said: “{QUOTE}.”\n"
        "The ministry published the statement on its website late on Sunday evening.\n"
        f"Minister Jo Park said: “{QUOTE}.”",
        "2024-01-01",
        "A",
    )
    store = Store(tmp_path / "i.sqlite", Fingerprinter(Config()), create=True)
    add_articles(store, [indexed], Config())
    park = _article("new1", f"Minister Jo Park said: “{QUOTE}.”", None, "B")
    bello = _article("new2", f"Minister Ahmed Bello said: “{QUOTE}.”", None, "C")
    # checked one at a time: together they would be each other's batch duplicate
    kinds = {
        a.id: [
            f.kind.value
            for f in check.run(pipeline.analyze_each([a]), store, Config()).articles[0].findings
        ]
        for a in (park, bello)
    }
    assert "speaker_mismatch" not in kinds["new1"]
    assert "altered_quote" not in kinds["new1"]
    assert "speaker_mismatch" in kinds["new2"]


def _report(articles: list[Article]) -> tuple[dict[str, object], dict[str, str]]:
    from provenance.render import data as render_data

    result = pipeline.analyze(articles)
    return render_data.report_dict(result, Config()), {a.id: a.text for a in articles}


def test_report_lists_quotes_by_speaker_and_validates() -> None:
    from provenance import schemas
    from provenance.render import markdown, text

    articles = [
        _article("a", f"Minister Jo Park said: “{QUOTE}.”", "2024-01-01", "A"),
        _article("b", f"Minister Jo Park said: “{QUOTE.replace('accept', 'sign')}.”", None, "B"),
    ]
    data, texts = _report(articles)
    assert list(schemas.errors("report", data)) == []
    quotes = data["quotes"]
    assert isinstance(quotes, list)
    (group,) = quotes
    assert (group["speaker"], group["flags"]) == ("Jo Park", ["altered"])
    plain = text.render(data, texts)
    assert "Quotations by speaker (1):\n  Jo Park\n" in plain
    assert "altered in b: “accept” → “sign”" in plain
    assert "| Jo Park | “We will not accept" in markdown.render(data, texts)


def test_html_marks_quotations_focusable_with_their_card_and_escapes_them() -> None:
    from provenance.render import html as render_html

    hostile = "We will <script>alert(1)</script> not accept any agreement at all"
    articles = [
        _article("a", f"Minister Jo Park said: “{hostile}.”", "2024-01-01", "A"),
        _article("b", f"Minister Jo Park said: “{hostile.replace('accept', 'sign')}.”", None, "B"),
    ]
    data, texts = _report(articles)
    page = render_html.render(data, texts)
    assert "<script>alert(1)</script>" not in page
    marks = re.findall(r'<mark class="qt" tabindex="0" data-ev="([\w-]+)"', page)
    assert len(marks) == 2
    for card in marks:
        assert f'<li class="ev" id="{card}">' in page
    # the copy's card names the speaker and highlights the changed word
    assert '<ins title="instead of “accept”">sign</ins>' in page
    assert "<dt>speaker</dt><dd>Jo Park" in page


DEAL = "We will not accept any deal that hurts our farmers"


def _score(a: str, b: str) -> float:
    """The alignment score of two versions, as a comparison reports it (2 places)."""
    found = align_texts(a, b)
    assert found is not None
    return round(found.score, 2)


def test_compare_finds_word_changes_inside_the_stretch_and_truncation_at_its_ends() -> None:
    # one word replaced: a change at the added word's offsets (+ the offset given)
    got = compare(DEAL, DEAL.replace("accept", "sign"), 100)
    assert (got.covered, got.changes) == (1.0, (WordChange("accept", "sign", 112, 116),))
    # offsets of the other text itself when no offset is given
    got = compare(DEAL, DEAL.replace("accept", "sign"))
    assert got.changes == (WordChange("accept", "sign", 12, 16),)
    # two words for two: one change of both
    two = compare(DEAL, DEAL.replace("accept any", "sign a"))
    assert two.changes == (WordChange("accept any", "sign a", 12, 18),)
    # a longer version without the first two words covers 8 of the 10
    assert (
        compare(DEAL, "not accept any deal that hurts our farmers and our fishermen too").covered
        == 0.8
    )
    assert compare("Yes", "Yes").covered == 1.0  # one word of one
    # 9 of 10 words: covered 0.9
    assert compare(DEAL, DEAL.removesuffix(" farmers")).covered == 0.9
    assert got.score == _score(DEAL, DEAL.replace("accept", "sign"))
    # a word dropped inside: nothing added, an empty span where it was (before "deal")
    got = compare(DEAL, DEAL.replace("any ", ""), 0)
    assert got.changes == (WordChange("any", "", 19, 19),)
    # a word added inside
    got = compare(DEAL, DEAL.replace("not", "not ever"), 0)
    assert got.changes == (WordChange("", "ever", 12, 16),)
    # the first 6 of 10 words: truncated (6 / 10 covered), and no alteration; a word added
    # before them is at the edge, not inside the stretch either
    for part in ("We will not accept any deal", "Indeed we will not accept any deal"):
        got = compare(DEAL, part)
        assert (got.covered, got.changes) == (0.6, ())
    assert compare(DEAL, "We will not accept any deal").score == 100.0
    # case and punctuation are folded; a longer version covers all of the reference
    assert compare(DEAL, "We will NOT accept any deal, that hurts our farmers!").changes == ()
    assert compare(DEAL, f"{DEAL} and our fishermen too").covered == 1.0
    # nothing in common: no alignment, score 0, nothing covered
    assert compare(DEAL, "Nothing in common here at all today") == Comparison(0.0, 0.0, ())


def test_speakers_are_one_person_when_one_name_holds_the_others_last_word() -> None:
    assert same_speaker("Zakharova", "Maria Zakharova")
    assert same_speaker("Maria Zakharova", "Zakharova")
    assert same_speaker("Maria Zakharova’s", "Zakharova")  # the possessive is dropped
    assert not same_speaker("Jo Park", "Lee Kim")
    # either way round: "park" is a word of "Park Jo-won", whose last word is no word of
    # "Minister Park"
    assert same_speaker("Minister Park", "Park Jo-won")
    assert same_speaker("Park Jo-won", "Minister Park")
    assert same_speaker(None, "Lee Kim")
    assert not same_speaker(" ", "Lee Kim")  # a "name" without words is nobody's
    assert same_speaker("Lee Kim", None)


def _located(
    aid: str, words: str, published: str | None, speaker: str | None = None, start: int = 0
) -> Located:
    """A quotation of ``words`` at ``start`` of article ``aid`` (outlet: the id)."""
    at = (-1, -1) if speaker is None else (0, len(speaker))
    quote = Quote(start, start + len(words) + 2, words, speaker, *at, speaker, None, None, -1, -1)
    return Located(Article(aid, "", outlet=aid.upper(), published=published), quote, 0)


SHORT_DEAL = "We will not accept any deal"  # the first 6 of DEAL's 10 words


def test_a_group_compares_each_occurrence_with_the_first_articles_longest_version() -> None:
    members = [
        _located("a", SHORT_DEAL, "2024-01-01", "Minister Jo Park"),
        _located("a", DEAL, "2024-01-01", "Minister Jo Park", start=50),
        _located("b", DEAL.replace("accept", "sign"), "2024-01-02", "Jo Park"),
        _located("c", DEAL, "2024-01-03", "Lee Kim"),
    ]
    got = group(members, QuoteConfig(), "quote-0007")
    # a was first; of its two versions the longer is the group's text and speaker
    assert (got.id, got.first, got.text, got.speaker) == (
        "quote-0007",
        "a",
        DEAL,
        "Minister Jo Park",
    )
    assert got.flags == (ALTERED, SPEAKER_MISMATCH, TRUNCATED)
    short, full, signed, other = got.occurrences
    assert [(o.article_id, o.outlet, o.start, o.speaker) for o in got.occurrences] == [
        ("a", "A", 0, "Minister Jo Park"),
        ("a", "A", 50, "Minister Jo Park"),
        ("b", "B", 0, "Jo Park"),
        ("c", "C", 0, "Lee Kim"),
    ]
    # the short one: 6 of 10 words, truncated, not altered; the group's own text scores 100
    assert (short.truncated, short.changes, short.score) == (True, (), 100.0)
    assert (full.truncated, full.changes, full.score) == (False, (), 100.0)
    # "sign" for "accept": its offsets in b's article (after the opening mark)
    assert signed.changes == (WordChange("accept", "sign", 13, 17),)
    assert signed.score == _score(DEAL, members[2].quote.text)
    assert (other.truncated, other.changes) == (False, ())
    # a quotation printed once is its own group: its article is first, even undated
    alone = group([_located("z", DEAL, None)], QuoteConfig(), "quote-0001")
    assert (alone.first, alone.flags, alone.speaker) == ("z", (), None)


def test_without_a_first_article_the_text_is_the_version_printed_most_often() -> None:
    # no dates: "first" is unknown. Two articles print the short version (once with other
    # case and punctuation), one the long one: the short one is the text, and the long one
    # covers all of it (neither truncated nor altered)
    members = [
        _located("p", SHORT_DEAL, None, "Park"),
        _located("q", DEAL, None, "Jo Park"),
        _located("r", "we will NOT accept any deal!", None, "Lee Kim"),
    ]
    got = group(members, QuoteConfig(), "quote-0001")
    assert (got.first, got.text) == ("unknown", SHORT_DEAL)
    assert got.speaker == "Park"  # the text's own speaker
    assert got.flags == (SPEAKER_MISMATCH,)  # Lee Kim
    # as often each: the longest; the shorter is then truncated
    got = group([_located("s", SHORT_DEAL, None), _located("t", DEAL, None)], QuoteConfig(), "q")
    assert (got.text, got.flags) == (DEAL, (TRUNCATED,))
    # as often and as long: the dated one before the undated, then the earlier, then the id
    v1, v2 = SHORT_DEAL, SHORT_DEAL.replace("accept", "sign")
    got = group([_located("u", v1, None), _located("v", v2, "2024-01-05")], QuoteConfig(), "q")
    assert (got.first, got.text) == ("unknown", v2)
    tied = [
        _located("x", v2, "2024-01-05"),
        _located("w", v1, "2024-01-05"),
        _located("y", v1, "2024-01-06"),
    ]
    got = group(tied, QuoteConfig(), "q")
    assert (got.first, got.text) == ("unknown", v1)  # v1 printed twice
    tied = [_located("x", v2, "2024-01-05"), _located("w", v1, "2024-01-05")]
    assert group(tied, QuoteConfig(), "q").text == v1  # same date: the lower id, w
    later = [
        _located("x", v2, "2024-01-04"),
        _located("w", v1, "2024-01-05"),
        _located("k", v1, None),
    ]
    assert group(later, QuoteConfig(), "q").text == v1  # votes before dates
    # no speaker on the text's version: the name given most often (its longest form)
    named = [
        _located("p", SHORT_DEAL, None),
        _located("q", SHORT_DEAL, None, "Park"),
        _located("r", SHORT_DEAL, None, "Minister Jo Park"),
        _located("s", SHORT_DEAL, None, "Lee Kim"),
    ]
    assert group(named, QuoteConfig(), "q").speaker == "Minister Jo Park"


def test_quotation_units_are_the_whole_and_each_sentence_of_four_words_or_more() -> None:
    three = "One two three. Four five six seven. Eight nine ten eleven twelve."
    items = [
        _located("a", three, None),
        _located("b", "Too short here", None),  # 3 words: not matched at all
        _located("c", "Alpha beta gamma delta", None),  # 4 words, one sentence: one unit
    ]
    texts, owner = _units(items, QuoteConfig())
    assert texts == [
        three,
        "Four five six seven.",
        "Eight nine ten eleven twelve.",
        "Alpha beta gamma delta",
    ]
    assert owner == [0, 0, 0, 2]


def test_two_quotations_are_one_from_four_words_and_the_minimum_alignment_score() -> None:
    def quote(words: str) -> Quote:
        return _located("x", words, None).quote

    config = QuoteConfig()
    signed = DEAL.replace("accept", "sign")
    score = _score(DEAL, signed)
    assert linked(quote(DEAL), quote(signed), config) == pytest.approx(score, abs=0.01)
    found = align_texts(DEAL, signed)
    assert found is not None
    at = replace(config, match_min_score=found.score)  # the minimum itself is enough
    assert linked(quote(DEAL), quote(signed), at) is not None
    above = replace(config, match_min_score=score + 0.01)
    assert linked(quote(DEAL), quote(signed), above) is None
    assert linked(quote(DEAL), quote("Nothing in common here at all today"), config) is None
    # "hurts our farmers" is inside DEAL, but three words are never matched
    assert linked(quote("hurts our farmers"), quote(DEAL), config) is None
    assert linked(quote("that hurts our farmers"), quote(DEAL), config) == 100.0


# C aligns with B (76.6) but not with the group's text A (60.0): it is compared with B.
LINK_A = DEAL
LINK_B = f"{DEAL} or our fishermen in the north"
LINK_C = "any deal that hurts our farmers or our fishermen in the north is bad for us all"


def test_an_occurrence_far_from_the_groups_text_is_compared_with_its_closest_version() -> None:
    assert _score(LINK_A, LINK_C) < QuoteConfig().match_min_score <= _score(LINK_B, LINK_C)
    members = [
        _located("a", LINK_A, "2024-01-01"),
        _located("b", LINK_B, "2024-01-02"),
        _located("c", LINK_C, "2024-01-03"),
    ]
    got = group(members, QuoteConfig(), "q")
    assert got.text == LINK_A
    assert [o.score for o in got.occurrences] == [100.0, 100.0, _score(LINK_B, LINK_C)]
    # at most 20 other occurrences are aligned: with 20 others before B, C keeps A
    noise = [
        _located(f"n{k:02d}", f"Rain and wind {k} across the hills today", "2024-02-01")
        for k in range(20)
    ]
    got = group([members[0], *noise, *members[1:]], QuoteConfig(), "q")
    assert got.occurrences[-1].score == _score(LINK_A, LINK_C)
    got = group([members[0], *noise[:19], *members[1:]], QuoteConfig(), "q")
    assert got.occurrences[-1].score == _score(LINK_B, LINK_C)


def test_quote_groups_in_order_of_first_occurrence_with_offsets_past_leading_space() -> None:
    weather = "The weather was fine all week long in the hills"
    signed = DEAL.replace("accept", "sign")
    articles = [
        _article("b", f"“{weather},” said Jo Park. Jo Park said: “  {signed}.”", "2024-01-02", "B"),
        _article("a", f"Rain fell on Monday. Minister Jo Park said: “{DEAL}.”", "2024-01-01", "A"),
    ]
    groups = find_quote_groups(pipeline.analyze_each(articles), Config())
    # the DEAL group starts in a (a < b), the weather quotation only in b
    assert [(g.id, g.text, [o.article_id for o in g.occurrences]) for g in groups] == [
        ("quote-0001", f"{DEAL}.", ["a", "b"]),
        ("quote-0002", f"{weather},", ["b"]),
    ]
    (change,) = groups[0].occurrences[1].changes
    assert articles[0].text[change.start : change.end] == "sign"  # past the two spaces


def test_quotations_linked_through_a_third_are_one_group_and_short_ones_stay_alone() -> None:
    articles = [
        _article("a", f"Minister Jo Park said: “{LINK_A}.”", "2024-01-01", "A"),
        _article("b", f"Minister Jo Park said: “{LINK_B}.”", "2024-01-02", "B"),
        _article("c", f"Minister Jo Park said: “{LINK_C}.”", "2024-01-03", "C"),
        _article("d", "“We shall see,” said Jo Park.", "2024-01-04", "D"),
        _article("e", "“We shall see,” said Jo Park.", "2024-01-05", "E"),
    ]
    groups = find_quote_groups(pipeline.analyze_each(articles), Config())
    # a-b and b-c align, a-c does not: one component; three words are never matched
    assert [[o.article_id for o in g.occurrences] for g in groups] == [
        ["a", "b", "c"],
        ["d"],
        ["e"],
    ]
    assert groups[0].first == "a"


def test_the_speaker_of_a_group_without_one_is_the_name_given_most_often() -> None:
    assert _best_speaker([]) is None
    # "park" twice (its longest form), "kim" once
    assert _best_speaker(["Park", "Lee Kim", "Minister Jo Park"]) == "Minister Jo Park"
    # a tie: the name given first, in its longest form
    assert _best_speaker(["Kim", "Park", "Lee Kim"]) == "Lee Kim"
    assert _best_speaker(["Jo Park", "Ji Park"]) == "Jo Park"  # as long: the greater string


def test_quotations_of_several_sentences_join_every_article_that_prints_them() -> None:
    # each quotation is three units (the whole and its two sentences), which LSH pairs
    # with each other too; every article's copy joins the one group
    said = "We will not accept any deal that hurts our farmers. The talks will go on next week."
    articles = [
        _article(aid, f"Minister Jo Park said: “{said}”", f"2024-01-0{n}", aid.upper())
        for n, aid in enumerate("abc", start=1)
    ]
    groups = find_quote_groups(pipeline.analyze_each(articles), Config())
    assert [[o.article_id for o in g.occurrences] for g in groups] == [["a", "b", "c"]]


def test_an_occurrence_keeps_its_date_and_how_its_speaker_was_found() -> None:
    member = _located("a", DEAL, "2024-01-01", "Jo Park")
    member = replace(member, quote=replace(member.quote, resolved="surname"))
    (got,) = group([member, _located("b", DEAL, "2024-01-02")], QuoteConfig(), "q").occurrences[:1]
    assert (got.published, got.resolved, got.truncated) == ("2024-01-01", "surname", False)
    # 9 of 10 words is not truncated (truncated_max_share 0.9), 8 of 10 is
    nine, eight = DEAL.removesuffix(" farmers"), DEAL.removesuffix(" our farmers")
    short = [
        _located("a", DEAL, "2024-01-01"),
        _located("b", nine, "2024-01-02"),
        _located("c", eight, "2024-01-03"),
    ]
    assert [o.truncated for o in group(short, QuoteConfig(), "q").occurrences] == [
        False,
        False,
        True,
    ]


def test_the_closest_version_from_the_minimum_score_and_the_first_of_equals() -> None:
    a, b, c = (
        _located(x, t, f"2024-01-0{n}")
        for n, (x, t) in enumerate(zip("abc", (LINK_A, LINK_B, LINK_C), strict=True), 1)
    )
    # C aligns with the text A at exactly the minimum: compared with A, not with B
    found = align_texts(LINK_A, LINK_C)
    assert found is not None
    at = replace(QuoteConfig(), match_min_score=found.score)
    assert group([a, b, c], at, "q").occurrences[2].score == _score(LINK_A, LINK_C)
    # two versions as close to C: the first is its partner (speaker None, so no mismatch),
    # not the second (Lee Kim, who is not Jo Park)
    b2 = _located("b2", LINK_B, "2024-01-02", "Lee Kim")
    c = _located("c", LINK_C, "2024-01-03", "Jo Park")
    got = group([a, b, b2, c], QuoteConfig(), "q")
    assert SPEAKER_MISMATCH not in got.flags


def test_without_a_first_article_an_earlier_date_goes_before_a_lower_id() -> None:
    # k is undated (first unknown); x and w print versions as often and as long: the
    # earlier date, x's, is the text though w's id is lower
    v1, v2, v3 = (SHORT_DEAL.replace("accept", w) for w in ("accept", "sign", "take"))
    members = [
        _located("x", v2, "2024-01-04"),
        _located("w", v1, "2024-01-05"),
        _located("k", v3, None),
    ]
    assert group(members, QuoteConfig(), "q").text == v2


def test_a_pair_already_in_one_group_does_not_stop_the_joining() -> None:
    # a and x print the first sentence, b both, y the second. a-b and a-x join first; b-x
    # (whole of b against x) is then a pair of one group already; b-y joins after it.
    first = (
        "Farmers across the northern provinces cannot survive another season of falling "
        "grain prices, rising fuel costs and endless paperwork"
    )
    second = "Families need help quickly."
    texts = {"a": first, "b": f"{first}. {second}", "x": first, "y": second}
    articles = [
        _article(aid, f"Minister Jo Park said: “{t}”", f"2024-01-0{n}", aid.upper())
        for n, (aid, t) in enumerate(texts.items(), start=1)
    ]
    groups = find_quote_groups(pipeline.analyze_each(articles), Config())
    assert [[o.article_id for o in g.occurrences] for g in groups] == [["a", "b", "x", "y"]]


def test_a_korean_quotation_printed_twice_is_one_group() -> None:
    # Korean is signed by character shingles (no spaces between the words of a phrase)
    said = "김 장관은 “대화와 협력이 반드시 필요하다고 우리는 생각한다”고 말했다."
    articles = [
        Article("a", said, outlet="A", published="2024-01-01", language="ko"),
        Article("b", said, outlet="B", published="2024-01-02", language="ko"),
    ]
    (got,) = find_quote_groups(pipeline.analyze_each(articles), Config())
    assert (got.first, [o.article_id for o in got.occurrences]) == ("a", ["a", "b"])

"""The per-language extraction rules of provenance/quotes.py (data/quotes/*.toml), each on a
hand-written sentence whose expected quotation and speaker follow from the rule itself."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from provenance.config import Config
from provenance.model import Quote
from provenance.quotes import QuoteLexicons, extract

LEXICONS = QuoteLexicons.load()


def _quotes(text: str, language: str) -> tuple[Quote, ...]:
    return extract(text, LEXICONS.for_language(language), Config().quotes)


def _spoken(text: str, language: str) -> list[tuple[str, str | None]]:
    """(quotation, the speaker mention as the text writes it) of every quotation found."""
    return [
        (q.text, text[q.speaker_start : q.speaker_end] if q.speaker_start >= 0 else None)
        for q in _quotes(text, language)
    ]


# --- German: what is not speech ----------------------------------------------------------


def test_a_title_after_its_noun_is_no_quotation() -> None:
    # "den Film „...“": the quotation names the film (title_nouns)
    assert (
        _spoken("Der Regisseur drehte den Film „Die lange Nacht am Fluss“ im Sommer.", "de") == []
    )
    # the same words after a cue and a colon are speech
    assert _spoken("Der Regisseur sagte: „Die lange Nacht am Fluss war kalt.“", "de") == [
        ("Die lange Nacht am Fluss war kalt.", "Der Regisseur")
    ]


def test_a_title_noun_counts_as_the_head_of_a_compound() -> None:
    # "Fachblatt" ends in the title noun "blatt": the quotation is the journal's name
    assert _spoken("Das Fachblatt „Neue Technik heute“ berichtete darüber.", "de") == []


def test_a_short_uncued_capitalised_quotation_is_a_name_but_a_lowercase_one_is_speech() -> None:
    text = "Sie spielte in „Nackt im Regen“ mit. Der Minister hält den Plan für „völlig untragbar“."
    # „Nackt im Regen“: capitalised, no cue, no closing period: a title, dropped;
    # „völlig untragbar“: a lowercase fragment, the words of the clause's subject
    assert _spoken(text, "de") == [("völlig untragbar", "Der Minister")]


def test_a_short_capitalised_quoted_sentence_is_kept() -> None:
    # four words opening with a capital, but closed by a period: a sentence, not a title
    found = _spoken("Der Trainer war zufrieden: „Wir haben viel gelernt.“", "de")
    assert found == [("Wir haben viel gelernt.", "Der Trainer")]


def test_a_german_quotation_may_close_with_a_straight_mark() -> None:
    # „...": the low opening mark closed by a typewriter mark
    assert _spoken('„Wir bleiben hier", sagte die Sprecherin.', "de") == [
        ("Wir bleiben hier", "die Sprecherin")
    ]


# --- German: who speaks ------------------------------------------------------------------


def test_reported_speech_goes_on_with_the_speaker_of_the_sentence_before() -> None:
    # "seien" (Konjunktiv I) in the main clause: Stoiber's reasons, reported
    text = (
        "Stoiber begründete seinen Rückzug mit der neuen Lage. "
        "Damit seien „die Bedingungen nicht mehr gegeben“."
    )
    (quote,) = _quotes(text, "de")
    assert (quote.speaker, text[quote.speaker_start : quote.speaker_end]) == ("Stoiber", "Stoiber")


def test_reported_speech_in_a_subordinate_clause_is_the_main_clause_subjects() -> None:
    # "sei" stands after "dass": the one who believes it speaks, not the sentence before
    text = (
        "Der Präsident lobte die Spieler. "
        "Er glaubt, dass das Team stärker sei: „Wir haben viel gelernt.“"
    )
    assert _spoken(text, "de") == [("Wir haben viel gelernt.", "Er")]


def test_a_source_phrase_names_the_speaker_after_it() -> None:
    text = "Die Themen sind nach Angaben des künstlerischen Leiters „die Stadt und ihre Menschen“."
    (quote,) = _quotes(text, "de")
    assert text[quote.speaker_start : quote.speaker_end] == "des künstlerischen Leiters"
    assert quote.cue == "nach Angaben"


def test_an_adverb_and_an_auxiliary_open_a_german_clause_before_its_subject() -> None:
    # verb second: "So hatte <subject> ... zugesichert:"
    text = (
        "So hatte der frühere Minister Otto Beispiel im Mai zugesichert: "
        "„Die Daten werden gelöscht.“"
    )
    (quote,) = _quotes(text, "de")
    assert text[quote.speaker_start : quote.speaker_end] == "der frühere Minister Otto Beispiel"
    assert (quote.speaker, quote.cue) == ("Otto Beispiel", "zugesichert")


def test_a_number_before_a_noun_keeps_it_a_speaker() -> None:
    # "Der 58-Jährige": a noun, capitalised after the number and the hyphen
    text = "Der 58-Jährige habe geschrieben, er wolle „nicht mehr warten“."
    assert _spoken(text, "de") == [("nicht mehr warten", "Der 58-Jährige")]


def test_the_quoted_person_of_zitieren_is_the_speaker() -> None:
    text = "Ein Sender zitierte Papandreou mit den Worten: „Wenn ich das Problem bin, gehe ich.“"
    assert _spoken(text, "de") == [("Wenn ich das Problem bin, gehe ich.", "Papandreou")]


# --- English ----------------------------------------------------------------------------


def test_a_short_sentence_after_a_quotation_attributes_it() -> None:
    text = "“We each have our views. We are friends.” Jim Bennett, 57, told a voter on Monday."
    assert _spoken(text, "en") == [("We each have our views. We are friends.", "Jim Bennett")]


def test_a_sentence_after_a_quotation_that_says_something_else_does_not() -> None:
    # "said that ...": a new statement by Trump, not the source of the quotation
    text = "“The plan failed.” Trump said that the vote was rigged and that he would appeal."
    assert _spoken(text, "en") == [("The plan failed.", None)]


def test_a_speaker_with_an_aside_after_a_comma_quotation() -> None:
    text = "“We were wrong to wait,” Ramos, 58, told AFP in an interview."
    assert _spoken(text, "en") == [("We were wrong to wait,", "Ramos")]


def test_a_nested_closing_mark_does_not_hide_the_comma() -> None:
    text = "“He told me, ‘Our approach failed,’” Mitchell recalled."
    assert _spoken(text, "en") == [("He told me, ‘Our approach failed,’", "Mitchell")]


def test_her_opens_a_role_phrase() -> None:
    text = "In a statement, her senior policy adviser, Jake Sullivan, said: “We stand behind it.”"
    assert _spoken(text, "en") == [("We stand behind it.", "her senior policy adviser")]


def test_a_sentence_adverb_is_not_the_subject() -> None:
    text = "Instead, the senator was back to boasting about “winning big” in the state."
    assert _spoken(text, "en") == [("winning big", "the senator")]


def test_a_capitalised_determiner_that_opens_a_sentence_is_no_speaker() -> None:
    # "Such" is capitalised only because it opens the sentence: not a one-word name
    text = "Such remarks are read as calling the pact a “nuclear alliance” in the region."
    assert _spoken(text, "en") == [("nuclear alliance", None)]
    # nor part of the name after it: "Bolton" resolves to the full name "John Bolton",
    # not to the nearer "Both Bolton"
    text = (
        "John Bolton met voters in Ohio. Both Bolton and Gorka attacked the plan. "
        "Bolton said, “The deal is a disaster.”"
    )
    (quote,) = _quotes(text, "en")
    assert (quote.mention, quote.speaker, quote.resolved) == ("Bolton", "John Bolton", "surname")


def test_a_quantifier_before_a_lowercase_noun_gives_no_one_word_speaker() -> None:
    text = "Another voter said, “We were never asked about the plan.”"
    assert _spoken(text, "en") == [("We were never asked about the plan.", None)]
    # the same sentence with a name: the name speaks
    text = "Ann Lee said, “We were never asked about the plan.”"
    assert _spoken(text, "en") == [("We were never asked about the plan.", "Ann Lee")]


def _cap_by_regex(token: str) -> bool:
    """``is_cap`` as first written: marks stripped, then a leading number and hyphen."""
    import re

    core = re.sub(r"^\d+-", "", token.lstrip("(\"'“‘«„"))
    return bool(core) and core[0].isupper()


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.sampled_from(["58", "١٢", "²", "-", "Jährige", "jährige", "(", "„", "x", "A", "3"]),
        max_size=5,
    ).map("".join)
)
def test_is_cap_looks_past_a_leading_number_and_hyphen(token: str) -> None:
    """A word is capitalised after a number and a hyphen ("58-Jährige", Arabic-Indic digits
    too), not after a superscript or a second number ("²-Jährige", "58-3-Jährige")."""
    from provenance.quote_phrases import is_cap

    assert is_cap(token) == _cap_by_regex(token)
    assert is_cap("58-Jährige")
    assert is_cap("„١٢-Jährige")
    assert not is_cap("58-jährige")
    assert not is_cap("²-Jährige")
    assert not is_cap("58-3-Jährige")

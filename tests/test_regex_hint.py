"""The literal pre-check never rejects a text that a rule matches."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from provenance.agencies import AgencyLexicon
from provenance.boilerplate_rules import FLAGS, BoilerplateLexicon
from provenance.regex_hint import Folded, hint, opens_with_any, required_literals

LEXICON = BoilerplateLexicon.load()
CREDITS = [r for r in AgencyLexicon.load().credits if r.hint is not None]
SPLIT = [r.source for r in LEXICON.split.rules]


def test_required_literals_of_simple_patterns() -> None:
    assert required_literals(r"(?P<before>.{10,}?)\s(?:©|\(c\))\s*\w+") == frozenset({"©", "(c)"})
    assert required_literals(r"\d{4}\.\d+=\w+") in (frozenset("."), frozenset("="))
    assert required_literals(r"(?:photo)?\s*\w+") is None  # nothing is required
    assert required_literals(r"a|\w+") is None  # one branch requires nothing


def test_caption_rules_have_required_literals() -> None:
    assert [part.hint is not None for part in LEXICON.split.parts] == [True]
    assert all(required_literals(s, FLAGS) for s in SPLIT)


def test_patterns_that_open_with_a_run_of_any_characters() -> None:
    assert opens_with_any(r".{0,160}\bcookie settings\b.{0,40}")
    assert opens_with_any(r"(?P<before>.{10,}?)\s(?:©|\(c\))\s*\w+")  # inside a group
    assert opens_with_any(r"(?:.*)tail")
    assert not opens_with_any(r"(?:read also|related):.{0,200}")  # the run comes later
    assert not opens_with_any(r"\w.{0,5}")
    assert not opens_with_any(r"[^.]{0,20}x")  # a class, not any character
    assert not opens_with_any(r"(?:a|.{0,9})b")  # one branch opens with words
    assert not opens_with_any("")


pieces = st.sampled_from(
    ["Photo", "PHOTO", "foto", "Bild", "© ", "(c)", "=", "Crédit", "ſ", "İ", "ς", "K", " ", "("]
)
texts = st.lists(st.one_of(pieces, st.text(max_size=12)), max_size=12).map("".join)


@settings(max_examples=300, deadline=None)
@given(texts)
def test_hint_passes_every_text_a_caption_rule_matches(text: str) -> None:
    found = hint(SPLIT, FLAGS)
    assert found is not None
    for source in SPLIT:
        if re.fullmatch(source, text, FLAGS):
            assert found.may_match(text)
    for literal in sorted(required_literals(SPLIT[0], FLAGS) or ()):
        if re.search(re.escape(literal), text, FLAGS):
            assert found.may_match(text)


def test_caption_split_still_found() -> None:
    line = "President Yoon speaks at the summit in Seoul on Monday. (Photo: Yonhap)"
    rule, match = LEXICON.split.first(line) or (None, None)
    assert rule is not None
    assert match is not None
    assert line[match.start("credit") :].startswith("(Photo")
    assert LEXICON.split.first("A plain sentence of the story without any credit.") is None


credit_pieces = st.sampled_from(
    ["Photos :", "BILD:", " photo /", "Edited", "contributed", "AGENTUR", "wires", "©", "ⓒ",
     "(C)", "=", "(", ")", "/", "ſ", "İ", "K", "é", "뉴시스", "\n", " "]
)  # fmt: skip
credit_texts = st.lists(st.one_of(credit_pieces, st.text(max_size=8)), max_size=10).map("".join)


def test_the_credit_pre_checks_have_hints() -> None:
    """The costly alternations (``photo|foto|bild...``, ``wire|agenc|agentur``) have one."""
    assert {r.id for r in CREDITS} >= {"photo_credit.agency_photo", "sign_off.with_wires"}


@settings(max_examples=300, deadline=None)
@given(credit_texts)
def test_hint_passes_every_window_a_credit_pre_check_matches(text: str) -> None:
    """``may_match`` of a text or of its ``Folded`` form, ASCII or not, never rejects a
    window the rule's ``requires`` matches."""
    folded = Folded(text)
    for rule in CREDITS:
        assert rule.hint is not None
        assert rule.hint.may_match(text) == rule.hint.may_match(folded)
        if rule.requires is not None and rule.requires.search(text):
            assert rule.hint.may_match(folded)


def test_a_literal_with_a_letter_that_folds_to_another() -> None:
    """Case-insensitive "ſt" matches "st" although "st" does not hold ``"ſt".lower()``: such
    literals go through the pattern, as texts with such letters do."""
    assert re.search("ſt", "first", re.IGNORECASE)
    assert hint(["ſt"], re.IGNORECASE).may_match("first")  # type: ignore[union-attr]
    assert hint(["st"], re.IGNORECASE).may_match("fiſt")  # type: ignore[union-attr]
    assert not hint(["ſt"], re.IGNORECASE).may_match("fit")  # type: ignore[union-attr]
    assert Folded("first").exact
    assert not Folded("fiſt").exact

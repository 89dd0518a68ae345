"""Each rule table of the boilerplate lexicon, by hand-written example lines of page chrome.

The examples live here, not in the data files, so deleting or breaking a table fails a test.
Each line must be matched by a rule of its own language's table (not only by another
language's rule) and be reported with that table's reason; the story sentences below, which
contain the same words inside prose, must match no rule at all.
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from provenance.boilerplate_rules import FLAGS, BoilerplateLexicon, Rule, RuleSet
from provenance.model import BoilerplateReason
from provenance.regex_hint import opens_with_any

R = BoilerplateReason


@pytest.fixture(scope="module")
def lexicon() -> BoilerplateLexicon:
    return BoilerplateLexicon.load()


# (language, reason, kind, example): page chrome as it appears on its own line
EXAMPLES = [
    ("en", R.READ_ALSO, "line", "Read also: Bus fares rise in March"),
    ("en", R.READ_ALSO, "line", "Related: County budget passes after long debate"),
    ("en", R.READ_ALSO, "line", "Most read"),
    ("en", R.READ_ALSO, "terminator", "You may also like"),
    ("en", R.READ_ALSO, "terminator", "Recommended for you"),
    ("en", R.PROMO, "line", "Subscribe now for $1 a week"),
    ("en", R.PROMO, "line", "Sign up for our morning newsletter to get the news in your inbox"),
    ("en", R.PROMO, "line", "Advertisement"),
    ("en", R.SHARE, "line", "Share this article"),
    ("en", R.SHARE, "line", "Facebook | Twitter | Email"),
    ("en", R.COMMENTS_MARKER, "line", "View all 12 comments"),
    ("en", R.COMMENTS_MARKER, "line", "Comments are closed."),
    ("en", R.COMMENTS_MARKER, "terminator", "Leave a Reply"),
    ("en", R.COMMENT_WIDGET, "line", "Reply"),
    ("en", R.COMMENT_WIDGET, "line", "Report abuse"),
    ("en", R.BYLINE, "line", "By Jane Doe and John Smith"),
    ("en", R.BYLINE, "line", "Staff Writer"),
    ("en", R.CAPTION, "line", "Photo: The bus depot on Main Street"),
    ("en", R.PHOTO_CREDIT, "line", "(AP Photo/Jane Doe)"),
    ("en", R.PHOTO_CREDIT, "line", "Photo by John Smith"),
    ("en", R.FOOTER, "line", "© 2024 Example Times. All rights reserved."),
    ("en", R.FOOTER, "line", "Privacy Policy | Terms of Use"),
    (
        "en",
        R.FOOTER,
        "line",
        "This material may not be published, broadcast, rewritten or redistributed.",
    ),
    ("en", R.NAVIGATION, "line", "Back to top"),
    ("en", R.NAVIGATION, "line", "Home > News > Local"),
    ("en", R.NAVIGATION, "line", "Tags: buses, county board"),
    (
        "en",
        R.GENERATED_FILLER,
        "sentence",
        "This article will explore how the new routes change the commute of the villages.",
    ),
    ("en", R.GENERATED_FILLER, "sentence", "Stay tuned for more updates on the bus plan."),
    ("fr", R.READ_ALSO, "line", "À lire aussi : Les tarifs des bus augmentent en mars"),
    ("fr", R.READ_ALSO, "line", "Les plus lus"),
    ("fr", R.READ_ALSO, "terminator", "Sur le même sujet"),
    ("fr", R.SHARE, "line", "Partager sur Facebook"),
    ("fr", R.FOOTER, "line", "Tous droits réservés."),
    ("fr", R.FOOTER, "line", "Mentions légales | Plan du site"),
    ("fr", R.NAVIGATION, "line", "Retour en haut"),
]


def _kind(lexicon: BoilerplateLexicon, kind: str) -> RuleSet:
    sets: dict[str, RuleSet] = {
        "line": lexicon.line,
        "sentence": lexicon.sentence,
        "terminator": lexicon.terminator,
        "split": lexicon.split,
    }
    return sets[kind]


@pytest.mark.parametrize(("lang", "reason", "kind", "line"), EXAMPLES)
def test_each_table_matches_its_own_example_lines(
    lexicon: BoilerplateLexicon, lang: str, reason: BoilerplateReason, kind: str, line: str
) -> None:
    rules = _kind(lexicon, kind)
    own = [r.id for r in rules.rules if r.id.startswith(f"{lang}.{reason.value}.{kind}.")]
    assert [i for i in own if rules.rules[_index(rules, i)].pattern.fullmatch(line)], (
        f"no {lang} [{reason.value}] {kind} rule matches {line!r}"
    )
    hit = rules.first(line)
    assert hit is not None
    assert hit[0].reason == reason


def _index(rules: RuleSet, rule_id: str) -> int:
    return next(i for i, r in enumerate(rules.rules) if r.id == rule_id)


# Story sentences that use the tables' words inside prose: no rule of any kind may match.
STORY = [
    "Readers can share their views at the meeting on Tuesday, the board said.",
    "The photo by Jane Doe of the flooded depot won the county prize last year.",
    "Subscribers to the bus pass will pay less from March, the operator said.",
    "Related talks with the rail company broke down in the autumn, officials said.",
    "By the end of the year the line will reach the hospital, the mayor promised.",
    "Home owners along the new route asked for noise barriers at the hearing.",
    "The article of the county charter that governs fares was amended in 2019.",
    "This post will discuss the following:",
    "Les habitants pourront partager leurs remarques lors de la réunion de mardi.",
]


@pytest.mark.parametrize("sentence", STORY)
def test_story_sentences_with_the_same_words_match_no_rule(
    lexicon: BoilerplateLexicon, sentence: str
) -> None:
    for rules in (lexicon.line, lexicon.sentence, lexicon.terminator):
        assert rules.first(sentence) is None, rules.first(sentence)


def test_every_language_file_is_loaded_with_its_stop_words_and_numbered_rules() -> None:
    """Each ``data/boilerplate/<lang>.toml`` gives rules and its lower-cased stop words, whatever
    its place in the folder; a table's rules are numbered from 1 in file order (the rule
    id a report shows, e.g. "fr.read_also.line.1")."""
    lexicon = BoilerplateLexicon.load()
    folder = Path(__file__).resolve().parent.parent / "provenance" / "data" / "boilerplate"
    languages = sorted(p.stem for p in folder.glob("*.toml") if p.stem != "features")
    rules = [
        *lexicon.line.rules,
        *lexicon.sentence.rules,
        *lexicon.terminator.rules,
        *lexicon.split.rules,
    ]
    assert sorted({r.id.split(".")[0] for r in rules}) == languages
    assert sorted(lexicon.stopwords) == languages
    # the Latin-script files list stop words (Korean and Chinese rely on their script)
    assert all(lexicon.stopwords[lang] for lang in ("de", "en", "es", "fr", "pl"))
    assert {"the", "and", "of"} <= lexicon.stopwords["en"]
    assert {"le", "la", "et"} <= lexicon.stopwords["fr"]
    assert all(w == w.lower() for words in lexicon.stopwords.values() for w in words)
    numbers: dict[str, list[int]] = {}
    for rule in rules:
        table, n = rule.id.rsplit(".", 1)
        numbers.setdefault(table, []).append(int(n))
    assert "fr.read_also.line" in numbers
    for table, found in numbers.items():
        assert found == list(range(1, len(found) + 1)), table


def test_a_data_folder_with_other_files_and_a_language_without_stop_words(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The loader reads every ``*.toml`` of the folder and nothing else (a README beside
    them is skipped, wherever it sorts), and a language file without ``stopwords`` (a
    script-only language) gets an empty list, so no density test uses it."""
    source = Path(__file__).resolve().parent.parent / "provenance" / "data" / "boilerplate"
    folder = tmp_path / "data" / "boilerplate"
    folder.mkdir(parents=True)
    (folder / "features.toml").write_text(
        (source / "features.toml").read_text("utf-8"), encoding="utf-8"
    )
    (folder / "README.md").write_text("What the files are.\n", encoding="utf-8")
    (folder / "xx.toml").write_text(
        'language = "xx"\n[share]\nline = ["Teilen \\\\| Drucken"]\n', encoding="utf-8"
    )
    # the loader finds its folder through importlib.resources.files("provenance")
    monkeypatch.setattr(importlib.resources, "files", lambda package: tmp_path)
    lexicon = BoilerplateLexicon.load()
    assert dict(lexicon.stopwords) == {"xx": frozenset()}
    assert [r.id for r in lexicon.line.rules] == ["xx.share.line.1"]
    hit = lexicon.line.first("Teilen | Drucken")
    assert hit is not None
    assert hit[0].reason == R.SHARE
    assert lexicon.heading_max_words == 20


def test_a_caption_split_cuts_at_its_credit() -> None:
    """A split rule's named ``credit`` group survives the combined filter pattern (the names
    are only removed there, since several rules use the same name): the caption ends where
    the photo credit starts. Loaded here, not from the module fixture, so the loader's own
    steps are tied to this test."""
    lexicon = BoilerplateLexicon.load()
    line = (
        "In a photo released by the Russian Ministry, the delegations meet in Moscow. "
        "2024.11.02 Moscow = AP/Newsis"
    )
    hit = lexicon.split.first(line)
    assert hit is not None
    rule, match = hit
    assert rule.id == "en.caption.split.1"
    assert line[match.start("credit") :] == "2024.11.02 Moscow = AP/Newsis"


def _first_by_hand(rules: RuleSet, text: str) -> str | None:
    """The first rule of the set, in file order, that matches the whole of ``text``."""
    return next((r.id for r in rules.rules if r.pattern.fullmatch(text)), None)


def test_a_rule_of_either_part_wins_by_its_place_in_the_file() -> None:
    """Rules that open with a run of any characters are tried apart from the others, yet
    the first rule in file order that matches is the one returned, whichever part has it."""
    run = Rule("en.consent.sentence.1", R.CONSENT, r".{0,40}\bcookies\b.{0,40}")
    words = Rule("en.consent.sentence.2", R.CONSENT, r"we use cookies\b.{0,40}")
    late = Rule("en.consent.sentence.3", R.CONSENT, r".{0,40}\bconsent")
    line = "We use cookies on this site"
    assert [len(p.rules) for p in RuleSet.of([run, words, late]).parts] == [1, 2]
    for order, text, winner in (
        ([run, words, late], line, run),
        ([words, run, late], line, words),
        ([words, run, late], "Give or refuse consent", late),
    ):
        hit = RuleSet.of(order).first(text)
        assert hit is not None
        assert hit[0] is winner
    assert RuleSet.of([words, run, late]).first("We use no such thing") is None


def test_rules_that_open_with_a_run_are_behind_their_literals() -> None:
    """Each part of a set is all rules that open with a run of any characters, or none;
    those parts (the sentence rules' ``.{0,160}...``, the caption splits) all need literals,
    so a line without any of them is never tried against their patterns."""
    lexicon = BoilerplateLexicon.load()
    for rules in (lexicon.line, lexicon.sentence, lexicon.terminator, lexicon.split):
        for part in rules.parts:
            opening = {opens_with_any(r.source, FLAGS) for _, r in part.rules}
            assert len(opening) == 1
            if opening == {True}:
                assert part.hint is not None
    assert len(lexicon.sentence.parts) == 2


_LEXICON = BoilerplateLexicon.load()
# pieces of page chrome (the examples above) and of story prose, joined at random
_PIECES = st.sampled_from(
    [line for *_, line in EXAMPLES]
    + STORY
    + ["I'm not a robot", "cookies", "Photo: ", " (AP)", "©", "Yonhap", " ", ".", "\n"]
)
_TEXTS = st.lists(st.one_of(_PIECES, st.text(max_size=8)), max_size=5).map("".join)


@settings(max_examples=300, deadline=None)
@given(_TEXTS)
def test_each_set_returns_the_first_rule_in_file_order_that_matches(text: str) -> None:
    for rules in (_LEXICON.line, _LEXICON.sentence, _LEXICON.terminator, _LEXICON.split):
        hit = rules.first(text)
        assert (None if hit is None else hit[0].id) == _first_by_hand(rules, text)
        if hit is not None:
            assert hit[1].group(0) == text

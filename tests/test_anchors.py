"""An ``AnchorFinder`` (many sentences, one lexicon) finds what ``anchors`` finds alone."""

from __future__ import annotations

import json
import re
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from provenance import anchors as anchors_module
from provenance.anchors import AnchorFinder, AnchorLexicon, anchors
from provenance.match.claims import load_stopwords
from provenance.segment import segment

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
LEXICON = AnchorLexicon.load(load_stopwords())


def _seed_sentences() -> list[str]:
    out: list[str] = []
    for path in sorted(CORPUS.glob("*.json")):
        text = json.loads(path.read_text("utf-8"))["text"]
        out.extend(s.text for s in segment(text).sentences)
    return out


@pytest.mark.parametrize("cache", [1, 3, 65_536])
def test_a_finder_over_many_sentences_finds_each_ones_anchors(
    monkeypatch: pytest.MonkeyPatch, cache: int
) -> None:
    # the folded words it remembers (emptied when full) change nothing: the seed corpus's
    # sentences, one finder for all, give what each sentence gives on its own
    lexicon = AnchorLexicon.load(load_stopwords())
    sentences = _seed_sentences()
    alone = [anchors(s, lexicon) for s in sentences]
    monkeypatch.setattr(anchors_module, "FOLD_CACHE", cache)
    find = AnchorFinder(lexicon)
    assert [find(s) for s in sentences] == alone
    assert sum(1 for a in alone if a) > 20  # names and numbers were found


def test_a_run_of_names_ends_at_punctuation_a_number_or_a_lower_case_word() -> None:
    lexicon = AnchorLexicon.load(load_stopwords())
    find = AnchorFinder(lexicon)
    # "Talks" opens the sentence alone (no name); "Kim Jong-un" is one run, the comma ends
    # it before "Moon Jae-in", which "said" ends; "2018" is a number, "7" too short
    got = find("Talks with Kim Jong-un, Moon Jae-in said in 2018, began 7 days later.")
    assert got == {"kimjongun", "kim", "jongun", "moonjaein", "moon", "jaein", "2018"}
    assert got == anchors(
        "Talks with Kim Jong-un, Moon Jae-in said in 2018, began 7 days later.", lexicon
    )


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        # "Then" opens no run; "U.S." loses its last dot, which still ends the run: "us"
        # alone; "President" is a title, so the run is "Joe Biden"; "Xi" ends the text
        ("Then U.S. President Joe Biden met Xi.", {"us", "joebiden", "joe", "biden", "xi"}),
        # a capitalised word with a digit is no name and ends a run ("Merkel" before "G7");
        # "Leaders" opens the sentence alone; "Summit" is a run of its own after "G7"
        (
            "Leaders of the G7 met Angela Merkel G7 Summit.",
            {"angelamerkel", "angela", "merkel", "summit"},
        ),
        # the sentence's first run of two words counts, with each word
        ("Meanwhile Seoul said", {"meanwhileseoul", "meanwhile", "seoul"}),
        # a title leaves one word of the opening run: no name
        ("President Putin spoke", set()),
        # "Ь" folds to nothing but does not end the run; "Берлин" opens the text alone
        ("Берлин, 12 марта. Иван Ь Петров", {"12", "ivanpetrov", "ivan", "petrov"}),
        # a trailing hyphen is cut from the word; the number "5" is too short
        ("It is 5 p.m. in Tokyo-", {"tokyo"}),
    ],
)
def test_runs_titles_digits_and_cut_punctuation(sentence: str, expected: set[str]) -> None:
    lexicon = AnchorLexicon.load(load_stopwords())
    assert AnchorFinder(lexicon)(sentence) == expected
    assert anchors(sentence, lexicon) == expected


# ------------------------------------------------- words that open with an uncased letter

# The tokenizer that reads every word on its own (the gap before a token is only characters
# that cannot start one): the definition the faster ``_GAP_TOKEN`` must agree with.
PLAIN_GAP_TOKEN = re.compile(r"([\W_]*+)(?:(\d+(?:[.,]\d+)*)|([^\W\d_][\w.'’\-]*)|\Z)", re.UNICODE)


def test_the_uncased_openers_open_words_and_are_not_upper_case() -> None:
    """Every letter of the class that ``_GAP_TOKEN`` reads into gaps opens a word token and
    is no upper-case letter (so its word never starts a name): all code points checked."""
    opener = re.compile(f"[{anchors_module._UNCASED_OPENERS}]")
    found = [chr(c) for c in range(0x110000) if opener.match(chr(c))]
    assert len(found) > 30_000  # the class is not empty: Hangul, CJK, Latin, Cyrillic ...
    assert all(re.match(r"[^\W\d_]", c) and not c.isupper() for c in found)


pieces = st.sampled_from(
    ["The", "the", "Kim", "Jong-un", "U.S.", "u.s.", "President", "said", "über", "Über",
     "2024", "1,000", "3.5", "x2", "X2", "'s", "’", "-", ".", ",", " ", "  ", "\n", "(", ")",
     "Путин", "путин", "заявил", "Σ", "σ", "윤석열", "대통령은", "北京", "İstanbul", "ǅ", "_",
     "ß", "ÿ", "÷"]
)  # fmt: skip
texts = st.lists(st.one_of(pieces, st.text(max_size=5)), max_size=25).map("".join)
spaced = st.lists(st.one_of(pieces, st.text(max_size=5)), max_size=25).map(" ".join)


@settings(max_examples=400)
@given(st.one_of(texts, spaced))
def test_the_gap_reads_uncased_words_as_reading_them_one_at_a_time_would(text: str) -> None:
    """The same anchors as the tokenizer that reads every word: runs broken by lower-case
    words, the sentence's first token (a lower-case one too) and cut punctuation alike."""
    lexicon = LEXICON
    fast = AnchorFinder(lexicon)(text)
    with mock.patch.object(anchors_module, "_GAP_TOKEN", PLAIN_GAP_TOKEN):
        assert AnchorFinder(lexicon)(text) == fast


def test_a_lower_case_first_word_makes_the_next_name_no_opening() -> None:
    """ "Meanwhile" alone at the start is no name; after a lower-case first word it is."""
    assert anchors("Meanwhile, the talks went on.", LEXICON) == frozenset()
    assert anchors("and Meanwhile the talks went on.", LEXICON) == {"meanwhile"}

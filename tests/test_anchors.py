"""An ``AnchorFinder`` (many sentences, one lexicon) finds what ``anchors`` finds alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from provenance import anchors as anchors_module
from provenance.anchors import AnchorFinder, AnchorLexicon, anchors
from provenance.match.claims import load_stopwords
from provenance.segment import segment

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


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

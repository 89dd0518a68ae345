"""The speaker search's names before a point of the text (``quote_phrases.Words``): the
words are found once per text, as far as the searches reach, and give at every end what a
search that tokenizes ``text[:end]`` again gives (the reference below, the search as it
was written before ``Words``)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from hypothesis import given, settings
from hypothesis import strategies as st

from provenance.quote_lexicon import QuoteLexicon
from provenance.quote_phrases import (
    TITLES,
    TOKEN,
    Words,
    is_cap,
    strip_marks,
    word_core,
)
from provenance.quotes import QuoteLexicons

LEX = QuoteLexicons.load().for_language("en")


def names_before(
    text: str, end: int, lex: QuoteLexicon, skip: Sequence[tuple[int, int]] = ()
) -> list[tuple[int, str, bool]]:
    """The names before ``end`` by a ``Words`` of the text made for this one search."""
    return Words(text, lex, skip).names_before(end)


def reference(
    text: str, end: int, lex: QuoteLexicon, skip: Sequence[tuple[int, int]]
) -> list[tuple[int, str, bool]]:
    """Every word of ``text[:end]`` tried on its own, every quotation span asked each time."""
    out: list[tuple[int, str, bool]] = []
    run: list[re.Match[str]] = []
    prev = last = ""
    for tok in [*TOKEN.finditer(text, 0, end), None]:
        word = tok.group() if tok else ""
        bare = word_core(word)
        inside = tok is not None and any(a <= tok.start() < b for a, b in skip)
        ok = tok is not None and not inside and is_cap(word) and bare not in lex.not_names
        ok = ok and bare not in lex.roles and bare not in lex.institutions
        before, last = last, bare
        if ok and tok is not None:
            if not run:
                prev = before
            run.append(tok)
            if word[-1:] not in ",;:.":
                continue
        if run:
            person = prev in lex.roles or prev in TITLES
            out.append((run[0].start(), " ".join(strip_marks(t.group()) for t in run), person))
        run = []
    return out[::-1]


def test_names_nearest_first_with_roles_and_titles() -> None:
    """Runs of capitalised words that are not roles or titles, nearest first, each with
    whether a role or a title precedes it; none inside the quotation."""
    text = 'Foreign Minister Choi Byung-hyun met Dr. Anna Berg. "We agree, Seoul," he said.'
    quote = text.index('"'), text.rindex('"') + 1
    assert names_before(text, len(text), LEX, [quote]) == [
        (41, "Anna Berg", True),  # after the title "Dr."
        (17, "Choi Byung-hyun", True),  # after the role "Minister"
        (0, "Foreign", False),
    ]
    nearest = names_before(text, len(text), LEX)[0]  # without the quotation span
    assert nearest == (text.index("Seoul"), "Seoul", False)
    # a quotation span that ends where a word starts does not hold that word
    assert names_before('x "Hi" Anna Berg', 16, LEX, [(2, 7)]) == [(7, "Anna Berg", False)]
    cut = text.index("hyun")  # an end inside a word: the word up to it
    assert names_before(text, cut, LEX) == [(17, "Choi Byung-", True), (0, "Foreign", False)]


pieces = st.sampled_from(
    ["Choi", "Anna", "Berg,", "Berg.", "minister", "Minister", "Dr.", "Mr.", "the", "The",
     "said", "Kremlin", "council", "58-Jährige", "“We", "agree,”", "(AP)", "Seoul;", "Ms",
     " ", "  ", "\n", ".", ","]
)  # fmt: skip
texts = st.lists(st.one_of(pieces, st.text(max_size=6)), max_size=30).map(" ".join)


@settings(max_examples=300)
@given(texts, st.data())
def test_words_give_what_a_search_from_the_start_gives(text: str, data: st.DataObject) -> None:
    """Ends anywhere (inside a word too, in any order, asked again), quotation spans that
    overlap, touch or are empty: one ``Words`` of the text answers as the reference."""
    span = st.tuples(st.integers(0, len(text)), st.integers(0, len(text)))
    skip = data.draw(st.lists(span, max_size=4))
    words = Words(text, LEX, skip)
    for end in data.draw(st.lists(st.integers(0, len(text)), min_size=1, max_size=6)):
        assert words.names_before(end) == reference(text, end, LEX, skip)
        assert names_before(text, end, LEX, skip) == reference(text, end, LEX, skip)

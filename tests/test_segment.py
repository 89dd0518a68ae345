"""Segmentation: paragraphs and sentences of the seeds, and offsets that always hold."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from provenance.model import Article, Segment, Segmentation
from provenance.segment import Abbreviations, segment

ABBREVIATIONS = Abbreviations.load()


def _texts(segments: tuple[Segment, ...]) -> list[str]:
    return [s.text for s in segments]


def _sentences_of_paragraph_with(seg: Segmentation, needle: str) -> list[str]:
    (paragraph,) = [p for p in seg.paragraphs if needle in p.text]
    return _texts(seg.sentences_of(paragraph.index))


def test_headline_of_001_is_its_own_paragraph(corpus_articles: dict[str, Article]) -> None:
    article = corpus_articles["001"]
    seg = segment(article.text, ABBREVIATIONS)
    first = seg.paragraphs[0]
    assert first.text == article.title
    assert (first.start, first.end) == (0, len(article.title or ""))
    # The headline is two sentences: the claim, closed by "…" as Korean headlines do, and the
    # quote. "U.S." inside the claim does not split it.
    assert _texts(seg.sentences_of(0)) == [
        "North Korea and Russia say the cause of political tension is provocation by the U.S. "
        "and its allies…",
        "“The relationship between the two countries has become closer.”",
    ]
    assert seg.paragraphs[1].text == "by times news cr"


def test_headline_of_003_after_a_leading_blank_line(corpus_articles: dict[str, Article]) -> None:
    article = corpus_articles["003"]
    seg = segment(article.text, ABBREVIATIONS)
    headline = seg.paragraphs[0]
    assert article.text.startswith("\n")  # the seed starts with an empty line
    assert (headline.start, headline.text) == (1, article.title)
    assert _texts(seg.sentences_of(0)) == [article.title]
    # the section headings of 003 are one-line paragraphs of one sentence each
    assert _sentences_of_paragraph_with(seg, "Accusations Against Yoon") == [
        "Accusations Against Yoon"
    ]
    assert _texts(seg.paragraphs[-3:]) == [
        "Subscribe to BNN Breaking",
        "Sign up for our daily newsletter covering global breaking news around the world.",
        "Comments",
    ]


def test_bullet_list_of_004(corpus_articles: dict[str, Article]) -> None:
    seg = segment(corpus_articles["004"].text, ABBREVIATIONS)
    bullets = [
        "- Expanded weapons and technology exchanges",
        "- Joint training programs and military education",
        "- Coordination on regional intelligence and surveillance",
        "- Logistical support for munitions and materials",
    ]
    intro = _sentences_of_paragraph_with(seg, "proposals for:")
    assert intro[-1].endswith("the talks included proposals for:")
    for bullet in bullets:
        (paragraph,) = [p for p in seg.paragraphs if p.text == bullet]
        assert _texts(seg.sentences_of(paragraph.index)) == [bullet]
    indexes = [p.index for p in seg.paragraphs if p.text in bullets]
    assert indexes == list(range(indexes[0], indexes[0] + 4))  # consecutive, in order


def test_abbreviations_do_not_split(corpus_articles: dict[str, Article]) -> None:
    seg = segment(corpus_articles["004"].text, ABBREVIATIONS)
    assert _sentences_of_paragraph_with(seg, "Cartwright") == [
        "“North Korea sees an opportunity to gain advanced weapons knowledge and diplomatic "
        "cover, while Russia benefits from alternative supply chains and potential arms "
        "transfers,” said Lt. Gen. (ret.) James Cartwright, former vice chairman of the U.S. "
        "Joint Chiefs of Staff.",
        "“It’s a marriage of necessity—and of defiance.”",
    ]
    interview = segment(corpus_articles["001"].text, ABBREVIATIONS)
    assert _sentences_of_paragraph_with(interview, "Editor: Welcome") == [
        "Editor: Welcome, Dr. Petrov.",
        "Thank you for joining us today.",
        "Let’s dive right into the recent developments regarding North Korea and Russia.",
        "The meeting between Foreign Ministers Sergey Lavrov and Choe Son-hui seems to mark a "
        "significant moment in their diplomatic relations.",
        "What should we take away from this meeting?",
    ]


def test_newsis_credit_of_001_is_a_line_of_its_own(corpus_articles: dict[str, Article]) -> None:
    article = corpus_articles["001"]
    seg = segment(article.text, ABBREVIATIONS)
    (credit,) = [p for p in seg.paragraphs if "뉴시스" in p.text]
    assert credit.text == "[서울=뉴시스]"
    assert article.text[credit.start : credit.end] == "[서울=뉴시스]"
    assert _texts(seg.sentences_of(credit.index)) == ["[서울=뉴시스]"]
    # the photo caption and its credit "2024.11.02 Moscow = AP/Newsis" are two sentences
    caption = _sentences_of_paragraph_with(seg, "AP/Newsis")
    assert caption[-1] == "2024.11.02 Moscow = AP/Newsis"
    assert caption[0].endswith("at Yaroslavsky Station in Moscow.")


def test_korean_sentences_split_after_da() -> None:
    # "North Korea's foreign ministry issued a statement. It then stressed cooperation."
    text = "북한 외무성은 2일 성명을 발표했다. 이어 러시아와의 협력을 강조했다.\n안 돼. 그만해."
    seg = segment(text, ABBREVIATIONS)
    assert _texts(seg.paragraphs) == [
        "북한 외무성은 2일 성명을 발표했다. 이어 러시아와의 협력을 강조했다.",
        "안 돼. 그만해.",
    ]
    # a one-syllable word before the period is a word, not an initial: it still splits
    assert _texts(seg.sentences) == [
        "북한 외무성은 2일 성명을 발표했다.",
        "이어 러시아와의 협력을 강조했다.",
        "안 돼.",
        "그만해.",
    ]
    assert [s.paragraph for s in seg.sentences] == [0, 0, 1, 1]


def test_cjk_full_stops_need_no_space() -> None:
    seg = segment("朝鲜发表声明。俄罗斯表示支持！", ABBREVIATIONS)
    assert _texts(seg.sentences) == ["朝鲜发表声明。", "俄罗斯表示支持！"]


def test_an_abbreviation_that_closes_a_sentence(corpus_articles: dict[str, Article]) -> None:
    seg = segment(corpus_articles["001"].text, ABBREVIATIONS)
    sentences = _sentences_of_paragraph_with(seg, "trilateral security cooperation")
    # "... with the U.S. Additionally, ...": a sentence starter after "U.S." splits
    assert sentences[1].endswith("strengthen their trilateral security cooperation with the U.S.")
    assert sentences[2].startswith("Additionally, there could be a push to engage China")
    # a name after "U.S." does not ("U.S. Joint Chiefs" above), nor anything after a title
    assert _texts(
        segment("Acme Inc. The firm grew. Dr. The Rev. Smith came.", ABBREVIATIONS).sentences
    ) == [
        "Acme Inc.",
        "The firm grew.",
        "Dr. The Rev. Smith came.",
    ]


def test_number_abbreviations_only_hold_before_a_number() -> None:
    seg = segment("See No. 5 of the list. He said no. Then he left.", ABBREVIATIONS)
    assert _texts(seg.sentences) == ["See No. 5 of the list.", "He said no.", "Then he left."]


def test_lowercase_after_a_period_does_not_split() -> None:
    seg = segment("Prices rose 3.5 percent, e.g. in Seoul. Officials said so.", ABBREVIATIONS)
    assert _texts(seg.sentences) == [
        "Prices rose 3.5 percent, e.g. in Seoul.",
        "Officials said so.",
    ]


def test_abbreviation_file_format() -> None:
    parsed = Abbreviations.parse("# comment\nDr\n\nno #\nInc +\n^The\n")
    assert parsed.words == frozenset({"dr", "inc"})
    assert parsed.before_number == frozenset({"no"})
    assert parsed.may_end == frozenset({"inc"})
    assert parsed.starters == frozenset({"the"})
    assert parsed.holds("No", "5")
    assert not parsed.holds("no", "Then")
    assert parsed.holds("DR", "The")  # a title: a name follows, whatever it looks like
    assert parsed.holds("Inc", "Shares")
    assert not parsed.holds("Inc", "The")
    assert parsed.holds("U.S", "Army")  # dotted initialisms need no entry
    assert not parsed.holds("U.S", "THE")
    assert not parsed.holds("said", "The")


def test_empty_and_blank_text() -> None:
    assert segment("", ABBREVIATIONS) == Segmentation((), ())
    assert segment(" \r\n\n\t", ABBREVIATIONS) == Segmentation((), ())


# --- the invariants, for any text ------------------------------------------------------

# Text built from the characters that matter to the segmenter: letters of three scripts,
# sentence marks, quotes, brackets and every kind of white space and line end.
_ALPHABET = st.sampled_from(
    [*list("aZ9.!?…。！？\"'“”)([]-:다한北 \t\r\n\xa0\u2028\x0b\x0c"), "U.S.", "Dr.", "No. 5"]
)
_TEXT = st.one_of(st.text(), st.lists(_ALPHABET, max_size=60).map("".join))


def _check_invariants(text: str, seg: Segmentation) -> None:
    for segments in (seg.paragraphs, seg.sentences):
        previous_end = 0
        for index, s in enumerate(segments):
            assert text[s.start : s.end] == s.text
            assert s.start < s.end
            assert s.start >= previous_end  # ordered, no overlap
            assert not s.text[0].isspace()
            assert not s.text[-1].isspace()
            assert s.index == index
            previous_end = s.end
    for s in seg.sentences:  # each sentence lies inside the paragraph it names
        paragraph = seg.paragraphs[s.paragraph]
        assert paragraph.start <= s.start
        assert s.end <= paragraph.end
    for position, char in enumerate(text):
        if char.isspace():
            continue
        in_paragraphs = sum(p.start <= position < p.end for p in seg.paragraphs)
        in_sentences = sum(s.start <= position < s.end for s in seg.sentences)
        assert (in_paragraphs, in_sentences) == (1, 1), (position, char)


@settings(max_examples=300, deadline=None)
@given(_TEXT)
def test_offsets_order_and_coverage_for_any_text(text: str) -> None:
    _check_invariants(text, segment(text, ABBREVIATIONS))


def test_invariants_hold_on_the_seeds(corpus_articles: dict[str, Article]) -> None:
    for article in corpus_articles.values():
        _check_invariants(article.text, segment(article.text, ABBREVIATIONS))

"""Boilerplate detection on the seed corpus (both ways) and on small hand-written texts."""

from __future__ import annotations

import pytest

from provenance import boilerplate
from provenance.boilerplate import OutletRepeats, detect, outlet_repeats
from provenance.boilerplate_rules import BoilerplateLexicon
from provenance.config import BoilerplateConfig, Config
from provenance.model import (
    Article,
    ArticleResult,
    BoilerplateReason,
    BoilerplateSpan,
    Label,
    outlet_key,
)
from provenance.pipeline import analyze
from provenance.segment import segment
from provenance.templates import TemplateSentences, sentence_hash

R = BoilerplateReason


@pytest.fixture(scope="module")
def lexicon() -> BoilerplateLexicon:
    return BoilerplateLexicon.load()


def _detect(
    article: Article, lexicon: BoilerplateLexicon, repeats: OutletRepeats | None = None
) -> tuple[BoilerplateSpan, ...]:
    return detect(article, segment(article.text), lexicon, BoilerplateConfig(), repeats)


def _marked(article: Article, spans: tuple[BoilerplateSpan, ...]) -> dict[str, R]:
    return {article.text[s.start : s.end]: s.reason for s in spans}


def _covered(spans: tuple[BoilerplateSpan, ...], start: int, end: int) -> bool:
    return any(s.start < end and start < s.end for s in spans)


# What the seeds must mark (issue 3), with the reason each gets.
EXPECTED = {
    "001": {
        "by times news cr": R.BYLINE,
        "2024.11.02 Moscow = AP/Newsis": R.PHOTO_CREDIT,
        "You may also like": R.READ_ALSO,
        "Leave a Comment": R.COMMENTS_MARKER,
    },
    "002": {
        "This article will explore the evolving geopolitical dynamics in the Korean Peninsula,"
        " Russia’s shifting role in its relationship with North Korea, and how these"
        " developments intertwine with global security concerns.": R.GENERATED_FILLER,
    },
    "003": {
        "(Read Also: Russian Armed Forces’ Surgical Strikes: An Analysis of Their Impact on"
        " Ukraine)": R.READ_ALSO,
        "(Read Also: Breakthrough in the Battlefield: Ukrainian Forces Overcome Russian"
        " Defense)": R.READ_ALSO,
        "Subscribe to BNN Breaking": R.PROMO,
        "Sign up for our daily newsletter covering global breaking news around the world.": (
            R.PROMO
        ),
        "Comments": R.COMMENTS_MARKER,
    },
    "004": {
        "This two communist countries must be handled by the ICC!": R.READER_COMMENT,
        "ReplyDelete": R.COMMENT_WIDGET,
    },
}

# Seed 001's closing filler sentence: machine-written, but no generic rule knows it (the rule
# written from this very sentence was removed, issue 17: it matched nothing else on DEV).
FILLER_001 = (
    "This engaging interview captures key insights regarding the intricate relationships and"
    " geopolitical implications discussed in the article and presents them in an"
    " understandable format for readers."
)


@pytest.mark.xfail(
    strict=True,
    reason="known miss: no generic generated-filler rule matches seed 001's summary sentence",
)
def test_seed_001_filler_sentence_is_generated_filler(
    corpus_articles: dict[str, Article], lexicon: BoilerplateLexicon
) -> None:
    article = corpus_articles["001"]
    assert _marked(article, _detect(article, lexicon)).get(FILLER_001) == R.GENERATED_FILLER


# Story sentences that must stay unmarked: the short and odd ones most at risk (headlines,
# sub-headings, a deck, list items, a line ending in a colon, the last story line before a
# tail) plus ordinary ones.
STORY = {
    "001": [
        "North Korea and Russia say the cause of political tension is provocation by the U.S.",
        "“Russia supports measures taken by North Korea to suppress the U.S. and its allies.”",
        "Russia announced on the 2nd (local time) that it fully supports",
        "According to the Tass News Agency and the Korean Central News Agency,",
        "He also added that Russia agrees with North Korea in its assessment",
        "This is a statement of support for Russia’s invasion of Ukraine,",
    ],
    "002": [
        "Russia’s Foreign Ministry raised concerns about rising tensions",
        "Zakharova emphasized the importance of a diplomatic approach, stating:",
        "According to the Interfax news agency, the treaty includes provisions",
        "With the submission of the strategic partnership treaty to the Russian Duma",
    ],
    "003": [
        "North Korea Defends Cooperation with Russia, Slams South Korean President’s Criticism",
        "Recently, North Korea voiced its criticism of South Korean President Yoon Suk Yeol",
        "Accusations Against Yoon",
        "North Korea’s Stance on Its Foreign Policy",
        "Implications for the Global Community",
        "As these scenarios unfold, the international community will need to navigate",
    ],
    "004": [
        "According to statements released by both governments,",
        "While neither side disclosed specific agreements,",
        "- Expanded weapons and technology exchanges",
        "- Joint training programs and military education",
        "- Coordination on regional intelligence and surveillance",
        "- Logistical support for munitions and materials",
        "“It’s a marriage of necessity—and of defiance.”",
        "South Korea and Japan echoed that concern,",
        "As both Russia and North Korea continue to test boundaries",
    ],
}


@pytest.mark.parametrize("seed", sorted(EXPECTED))
def test_seed_boilerplate_is_marked_with_its_reason(
    seed: str, corpus_articles: dict[str, Article], lexicon: BoilerplateLexicon
) -> None:
    article = corpus_articles[seed]
    marked = _marked(article, _detect(article, lexicon))
    for text, reason in EXPECTED[seed].items():
        assert marked.get(text) == reason, text


def test_seed_001_caption_before_its_photo_credit(
    corpus_articles: dict[str, Article], lexicon: BoilerplateLexicon
) -> None:
    article = corpus_articles["001"]
    spans = _detect(article, lexicon)
    start = article.text.index("In a photo released by the Russian Ministry")
    caption = [s for s in spans if s.start == start]
    assert [s.reason for s in caption] == [R.CAPTION]
    assert article.text[caption[0].end :].startswith("2024.11.02 Moscow = AP/Newsis")


def test_seed_000_has_no_boilerplate(
    corpus_articles: dict[str, Article], lexicon: BoilerplateLexicon
) -> None:
    assert _detect(corpus_articles["000"], lexicon) == ()


@pytest.mark.parametrize("seed", sorted(STORY))
def test_seed_story_sentences_are_not_marked(
    seed: str, corpus_articles: dict[str, Article], lexicon: BoilerplateLexicon
) -> None:
    article = corpus_articles[seed]
    spans = _detect(article, lexicon)
    for sentence in STORY[seed]:
        start = article.text.index(sentence)
        assert not _covered(spans, start, start + len(sentence)), sentence


@pytest.mark.parametrize("seed", sorted(EXPECTED))
def test_seed_every_other_sentence_is_unmarked(
    seed: str, corpus_articles: dict[str, Article], lexicon: BoilerplateLexicon
) -> None:
    """The other way round: a sentence that is not expected boilerplate is never touched."""
    article = corpus_articles[seed]
    spans = _detect(article, lexicon)
    expected = set(EXPECTED[seed])
    caption_start = article.text.find("In a photo released by")
    for sent in segment(article.text).sentences:
        inside = any(e in sent.text or sent.text in e for e in expected)
        if inside or (seed == "001" and sent.paragraph == 3 and sent.start >= caption_start):
            continue
        assert not _covered(spans, sent.start, sent.end), sent.text


def test_report_marks_the_newsis_credit_line(corpus_articles: dict[str, Article]) -> None:
    result = analyze(list(corpus_articles.values()), Config())
    by_id = {r.article.id[:3]: r for r in result.articles}
    article = by_id["001"].article
    start = article.text.index("[서울=뉴시스]")
    span = next(s for s in by_id["001"].spans if s.start <= start < s.end)
    assert (span.label, span.reason) == (Label.BOILERPLATE, R.CREDIT_LINE)


# ------------------------------------------------------------------ hand-written texts

STORY_EN = (
    "The city council voted on Tuesday to expand the bus network to the northern districts,"
    " a plan that had been debated for more than two years."
)


def _article(text: str, **kw: object) -> Article:
    return Article(id=str(kw.pop("id", "t")), text=text, **kw)  # type: ignore[arg-type]


def test_short_line_inside_a_story_is_kept_and_inside_a_menu_is_cut(
    lexicon: BoilerplateLexicon,
) -> None:
    menu = "World\nBusiness\nMarkets\nCities\nWeather\n"
    text = menu + f"{STORY_EN}\nMore buses\n{STORY_EN}\n" + menu
    article = _article(text, language="en")
    marked = _marked(article, _detect(article, lexicon))
    # menu words between the text edge and boilerplate neighbours go; the sub-heading
    # "More buses" between two story paragraphs stays
    assert "More buses" not in marked
    assert marked.get("Cities") == R.NAVIGATION


def test_korean_sentences_are_not_cut_for_being_short(lexicon: BoilerplateLexicon) -> None:
    lines = [
        "서울시는 내년부터 심야버스 노선을 두 배로 늘린다고 밝혔다.",
        "시는 이를 위해 예산 120억 원을 편성했다.",
        "새 노선은 3월부터 차례로 운행을 시작한다.",
        "시민들은 대체로 환영하는 분위기다.",
    ]
    article = _article("\n".join(lines), language="ko")
    assert _detect(article, lexicon) == ()


def test_korean_related_articles_terminator_ends_the_story(lexicon: BoilerplateLexicon) -> None:
    story = "서울시는 내년부터 심야버스 노선을 두 배로 늘린다고 밝혔다. 시는 예산을 편성했다."
    article = _article(
        f"{story}\n{story}\n관련기사\n심야버스 요금 오른다\n지하철 연장 운행", language="ko"
    )
    marked = _marked(article, _detect(article, lexicon))
    assert marked["관련기사"] == R.READ_ALSO
    assert marked["심야버스 요금 오른다"] == R.READ_ALSO
    assert story not in marked


def test_terminator_near_the_top_does_not_end_the_story(lexicon: BoilerplateLexicon) -> None:
    article = _article(f"Related Articles\n{STORY_EN}\n{STORY_EN}\n{STORY_EN}", language="en")
    spans = _detect(article, lexicon)
    assert not _covered(spans, len("Related Articles\n"), len(article.text))


def test_comment_widget_marks_the_comment_before_it(lexicon: BoilerplateLexicon) -> None:
    text = f"{STORY_EN}\n{STORY_EN}\nGreat article, thanks!\nReply\nI disagree.\nReply"
    article = _article(text, language="en")
    marked = _marked(article, _detect(article, lexicon))
    assert marked["Great article, thanks!"] == R.READER_COMMENT
    assert marked["I disagree."] == R.READER_COMMENT
    assert marked["Reply"] == R.COMMENT_WIDGET
    assert STORY_EN not in marked


def test_german_lexicon(lexicon: BoilerplateLexicon) -> None:
    story = (
        "Der Gemeinderat hat am Dienstag beschlossen, das Busnetz in den nördlichen Stadtteilen"
        " auszubauen, nachdem der Plan mehr als zwei Jahre lang diskutiert worden war."
    )
    text = f"{story}\nLesen Sie auch: Neue Tarife ab Januar\n{story}\nKommentare\nToller Artikel!"
    article = _article(text, language="de")
    marked = _marked(article, _detect(article, lexicon))
    assert marked["Lesen Sie auch: Neue Tarife ab Januar"] == R.READ_ALSO
    assert marked["Kommentare"] == R.COMMENTS_MARKER
    assert marked["Toller Artikel!"] == R.READER_COMMENT
    assert story not in marked


def test_byline_from_authors_metadata(lexicon: BoilerplateLexicon) -> None:
    article = _article(f"Jane Q. Public\n{STORY_EN}", authors=("Jane Q. Public",))
    spans = _detect(article, lexicon)
    assert [(s.reason, s.rule) for s in spans] == [(R.BYLINE, "meta.author")]


def test_html_comment_hint_marks_the_rest_as_reader_comments(
    lexicon: BoilerplateLexicon,
) -> None:
    text = f"{STORY_EN}\nNice one\nI live there and the buses are always late."
    offset = text.index("Nice one")
    article = _article(text, extra={"html_comments_start": offset})
    spans = _detect(article, lexicon)
    assert [(s.start, s.end, s.rule) for s in spans] == [
        (offset, len(text), "html.trafilatura_comments")
    ]


def test_outlet_repeats_need_enough_articles_of_the_same_outlet(
    lexicon: BoilerplateLexicon,
) -> None:
    footer = "Daily Planet is published by Planet Media Group."
    arts = [
        _article(f"{STORY_EN} ({n})\n{footer}", id=n, outlet="Daily Planet")
        for n in ("one", "two", "three")
    ]
    other = _article(f"{STORY_EN}\n{footer}", id="b", outlet="Other Times")
    config = BoilerplateConfig()
    repeats = outlet_repeats([*arts, other], config)
    marked = _marked(arts[0], _detect(arts[0], lexicon, repeats))
    assert marked == {footer: R.OUTLET_REPEAT}
    assert _detect(other, lexicon, repeats) == ()
    two = outlet_repeats(arts[:2], config)
    assert _detect(arts[0], lexicon, two) == ()


def test_outlet_key_falls_back_to_the_url_host() -> None:
    article = _article("x", url="https://www.example.com/a/b")
    assert outlet_key(article, by_host=True) == "example.com"
    assert outlet_key(article) == "#t"  # matching: an article without an outlet is its own


# --- the feature pass: titles, headlines, and stories made only of medium paragraphs -------

# more words than a heading, no stop words, no sentence end: a link list
LINKS = (
    "Markets Sports Weather Traffic Obituaries Classifieds Jobs Real Estate Autos Coupons"
    " Podcasts Newsletters Games Puzzles Horoscopes Lottery Events Contests Archives Magazine"
)
MEDIUM = "The new bus line to the hospital will run every twenty minutes from March on."
HEADLINE = "County board splits over new bus routes"


def test_the_article_title_is_never_cut_by_features(lexicon: BoilerplateLexicon) -> None:
    """A title line between a menu and the story (a short line with no story above it,
    which features alone would cut) stays when it is the article's own title; the same
    line under another title goes."""
    text = f"Home\nNews\n{HEADLINE}\n{STORY_EN}\n{STORY_EN}\n{LINKS}\n{LINKS}"
    titled = _article(text, language="en", title=HEADLINE)
    assert HEADLINE not in _marked(titled, _detect(titled, lexicon))
    other = _article(text, language="en", title="Something else")
    assert _marked(other, _detect(other, lexicon)).get(HEADLINE) == R.NAVIGATION
    assert _marked(other, _detect(other, lexicon)).get(LINKS) == R.NAVIGATION


def test_a_short_first_line_above_the_story_is_its_headline(lexicon: BoilerplateLexicon) -> None:
    """No title in the metadata: the short first line right above a story paragraph is a
    headline and stays, while a short line between link lists goes."""
    text = f"{HEADLINE}\n{STORY_EN}\n{STORY_EN}\n{LINKS}\nWeather alerts\n{LINKS}"
    article = _article(text, language="en")
    marked = _marked(article, _detect(article, lexicon))
    assert HEADLINE not in marked
    assert marked.get("Weather alerts") == R.NAVIGATION


def test_a_story_of_medium_paragraphs_between_link_lists_stays(
    lexicon: BoilerplateLexicon,
) -> None:
    """With no long story paragraph at all, the medium-length prose paragraphs are the
    story, even when link lists surround each of them; the link lists go."""
    text = f"{LINKS}\n{MEDIUM}\n{LINKS}\n{MEDIUM}\n{LINKS}"
    article = _article(text, language="en")
    marked = _marked(article, _detect(article, lexicon))
    assert MEDIUM not in marked
    assert marked.get(LINKS) == R.NAVIGATION


# The context pass on its own (``boilerplate._smooth``): classes of the first pass in, final
# classes out. G good (long story), N near-good, S short, B bad.
_CLASS = {
    "G": boilerplate.GOOD,
    "N": boilerplate.NEARGOOD,
    "S": boilerplate.SHORT,
    "B": boilerplate.BAD,
}


def _context(classes: str) -> str:
    back = {v: k for k, v in _CLASS.items()}
    return "".join(back[c] for c in boilerplate._smooth([_CLASS[c] for c in classes]))


@pytest.mark.parametrize(
    ("first", "final", "why"),
    [
        ("BNBG", "BBBG", "near-good between bad paragraphs is bad"),
        ("GNB", "GGB", "near-good with story on its left stays"),
        ("BNG", "BGG", "near-good with story on its right stays"),
        ("GBNBB", "GBBBB", "only the nearest paragraph on each side counts"),
        ("NBG", "BBG", "at the text edge, the one side there is decides"),
        ("GSNB", "GGGB", "short and near-good paragraphs are skipped to find a neighbour"),
        ("SG", "GG", "a short first line right above story text is its headline"),
        ("SGB", "GGB", "the headline needs story text only on the next line"),
        ("SBG", "BBG", "a short first line above bad text is no headline"),
        ("S", "B", "a short line alone is not a story"),
        ("GSG", "GGG", "a short line between story paragraphs is story"),
        ("GSB", "GBB", "a short line next to bad text is bad"),
    ],
)
def test_context_pass(first: str, final: str, why: str) -> None:
    assert _context(first) == final, why


# The first pass's features, on lines whose class follows from the thresholds of
# data/boilerplate/features.toml (latin: short < 70 characters, long > 200; a line is prose
# from 20% stop words on, and story-like from 26%).


@pytest.mark.parametrize(
    ("text", "script"),
    [
        ("서울시는 내년부터 심야버스 노선을 늘린다고 밝혔다.", "hangul"),
        ("[서울=뉴시스] 홍길동 기자", "hangul"),
        ("国务院今天召开常务会议。", "cjk"),
        ("Москва объявила о новых мерах.", "cyrillic"),
        ("The council approved the budget.", "latin"),
        # more than a third of the characters must be of the script: 3 of 9 is not
        ("가나다abcdef", "latin"),
        ("가나다abcde", "hangul"),
        ("国务院abcdef", "latin"),
        ("国务院abcde", "cjk"),
        ("Москabcdefgh", "latin"),
        ("Москabcdefg", "cyrillic"),
    ],
)
def test_script_of_a_line(text: str, script: str) -> None:
    assert boilerplate._script(text) == script


ENGLISH = (
    "The council said that it would vote on the plan in the spring, and that the members of "
    "the public could speak at the meeting before the vote."
)


@pytest.mark.parametrize(
    ("text", "declared", "expected"),
    [
        (ENGLISH, "en", "en"),
        (ENGLISH, "EN-gb", "en"),  # the primary subtag, in any case
        (ENGLISH, None, "en"),  # undeclared: the best-scoring list
        (ENGLISH, "fr", "en"),  # declared but not borne out by the text
        ("Smith 6-4 6-3 Jones 7-5 Brown 2-6 Lee 4-6", "en", None),  # no list fits
        ("", "en", None),
    ],
)
def test_stop_word_language(
    text: str, declared: str | None, expected: str | None, lexicon: BoilerplateLexicon
) -> None:
    article = Article(id="l", text=text, language=declared)
    assert boilerplate._language(article, lexicon) == expected


@pytest.mark.parametrize(
    ("text", "expected", "why"),
    [
        ("He resigned on Monday.", "neargood", "short, but ends a sentence"),
        ("Local news", "short", "short and no sentence end"),
        (ENGLISH, "neargood", "prose of medium length"),
        (f"{ENGLISH} {ENGLISH}", "good", "long prose"),
        (
            "Home News Sport Business Culture Weather Travel Podcasts Video Newsletters Live",
            "short",
            "no stop words, no end punctuation, few words: a heading",
        ),
        (
            "Home News Sport Business Culture Weather Travel Podcasts Video Newsletters Live "
            "Opinion Science Health Money Cars Jobs Homes Dating Puzzles Games Shop",
            "bad",
            "no stop words and more than twenty words: a menu",
        ),
        (
            "Djokovic beat Nadal 6-4, 6-3, 7-5 in Paris on Sunday; Alcaraz beat Sinner 7-6, "
            "6-2 in Rome.",
            "neargood",
            "a sentence heavy with names and numbers",
        ),
    ],
)
def test_first_pass_class_of_an_english_line(
    text: str, expected: str, why: str, lexicon: BoilerplateLexicon
) -> None:
    assert boilerplate._first_pass(text, lexicon.stopwords["en"], lexicon) == expected, why


@pytest.mark.parametrize(
    ("text", "expected", "why"),
    [
        ("서울시는 내년부터 심야버스 노선을 늘린다고 밝혔다.", "neargood", "a medium sentence"),
        ("서울시는 내년부터 심야버스 노선을 늘린다고 밝혔다. " * 3, "good", "a long paragraph"),
        ("서울 경제 정치 사회 국제 문화 스포츠 연예 오피니언", "short", "a menu line"),
        ("서울 경제 정치 사회 국제 문화 스포츠 연예 오피니언 " * 5, "bad", "a long menu"),
    ],
)
def test_first_pass_without_stop_words_goes_by_length_and_punctuation(
    text: str, expected: str, why: str, lexicon: BoilerplateLexicon
) -> None:
    assert boilerplate._first_pass(text.strip(), None, lexicon) == expected, why


@pytest.mark.parametrize("line", ["By Jane Q. Public", "BY JANE Q. PUBLIC", "von Jane Q. Public"])
def test_byline_from_authors_metadata_with_by_or_von(
    line: str, lexicon: BoilerplateLexicon
) -> None:
    """The author's name after "By" or "Von" (in any case) is a byline too."""
    article = _article(f"{line}\n{STORY_EN}", authors=("Jane Q. Public",))
    spans = _detect(article, lexicon)
    assert [(s.reason, s.rule, s.start, s.end) for s in spans] == [
        (R.BYLINE, "meta.author", 0, len(line))
    ]


def test_spans_name_the_rule_that_made_them(lexicon: BoilerplateLexicon) -> None:
    """The rule a report shows: the lexicon rule's id, the terminator's id and ``.tail`` for
    the lines after it, the comment-widget structure rule for every short comment line
    above the widget, and the outlet-repeat rule."""
    story = "서울시는 내년부터 심야버스 노선을 두 배로 늘린다고 밝혔다. 시는 예산을 편성했다."
    korean = _article(f"{story}\n{story}\n관련기사\n심야버스 요금 오른다", language="ko")
    rules = [s.rule for s in _detect(korean, lexicon)]
    assert len(rules) == 2
    assert rules[0].startswith("ko.read_also.terminator.")
    assert rules[1] == rules[0] + ".tail"
    text = f"{STORY_EN}\n{STORY_EN}\nNice\nme too\nReply"
    article = _article(text, language="en")
    spans = _detect(article, lexicon)
    comments = [(text[s.start : s.end], s.rule) for s in spans if s.reason == R.READER_COMMENT]
    assert comments == [
        ("Nice", "structure.before_comment_widget"),
        ("me too", "structure.before_comment_widget"),
    ]
    german = _article(f"{STORY_EN}\nLesen Sie auch: Neue Tarife ab Januar", language="de")
    [read_also] = _detect(german, lexicon)
    assert read_also.rule.startswith("de.read_also.line.")
    footer = "Daily Planet is published by Planet Media Group."
    arts = [
        _article(f"{STORY_EN} ({n})\n{footer}", id=n, outlet="Daily Planet")
        for n in ("one", "two", "three")
    ]
    repeats = outlet_repeats(arts, BoilerplateConfig())
    assert [s.rule for s in _detect(arts[0], lexicon, repeats)] == ["corpus.outlet_repeat"]


# --- outlet repeats: the map step, the units counted, the URL host as outlet ---------------


def test_no_repeats_mark_nothing(lexicon: BoilerplateLexicon) -> None:
    footer = "Daily Planet is published by Planet Media Group."
    article = _article(f"{STORY_EN}\n{footer}", outlet="Daily Planet")
    assert not OutletRepeats.empty().contains("daily planet", footer)
    assert _detect(article, lexicon, OutletRepeats.empty()) == ()


def test_an_article_without_outlet_or_url_hashes_nothing() -> None:
    """The map step's documented result for an article no outlet can be named for: the empty
    key and no hashes (so it adds no outlet to the reduction), while an outlet's article
    gives its folded name and the hashes of its lines."""
    config = BoilerplateConfig()
    footer = "Daily Planet is published by Planet Media Group."
    lone = _article(f"{STORY_EN}\n{footer}")
    assert boilerplate.unit_hashes(lone, config) == ("", frozenset())
    blank = _article(f"{STORY_EN}\n{footer}", outlet="  ")  # a blank outlet name
    assert boilerplate.unit_hashes(blank, config) == ("", frozenset())
    key, hashes = boilerplate.unit_hashes(_article(footer, outlet=" Daily Planet "), config)
    assert (key, len(hashes)) == ("daily planet", 1)
    repeats = outlet_repeats([lone, lone, lone], config)
    assert dict(repeats.by_outlet) == {}


def test_pages_of_one_site_without_outlet_share_repeats_by_host(
    lexicon: BoilerplateLexicon,
) -> None:
    """No outlet in the metadata: pages of one host are one outlet for the repeats (www.
    dropped), so their shared footer is an outlet repeat; a page of another host is not."""
    footer = "Daily Planet is published by Planet Media Group."
    arts = [
        _article(f"{STORY_EN} ({n})\n{footer}", id=n, url=f"https://{host}/news/{n}")
        for n, host in (
            ("one", "www.planet.example"),
            ("two", "planet.example"),
            ("3", "planet.example"),
        )
    ]
    other = _article(f"{STORY_EN}\n{footer}", id="b", url="https://other.example/x")
    repeats = outlet_repeats([*arts, other], BoilerplateConfig())
    assert _marked(arts[0], _detect(arts[0], lexicon, repeats)) == {footer: R.OUTLET_REPEAT}
    assert _detect(other, lexicon, repeats) == ()


def _three_of_one_outlet(footer: str, before_footer: str) -> list[Article]:
    """Three Daily Planet articles: a story sentence of their own, then ``footer``."""
    return [
        _article(
            f"The council approved {n} new bus lines on Tuesday.{before_footer}{footer}",
            id=n,
            outlet="Daily Planet",
        )
        for n in ("one", "two", "three")
    ]


def test_a_repeated_paragraph_of_analysed_articles_is_one_span(
    lexicon: BoilerplateLexicon,
) -> None:
    """From analysed articles both the paragraphs and their sentences are counted: a
    two-sentence footer paragraph repeated in three articles is one outlet-repeat span over
    the whole line, not two sentence spans."""
    footer = "Daily Planet is published by Planet Media Group. Send tips to the news desk."
    arts = _three_of_one_outlet(footer, "\n")
    analysed = [ArticleResult(a, segment(a.text)) for a in arts]
    repeats = outlet_repeats(analysed, BoilerplateConfig())
    start = arts[0].text.index(footer)
    assert [(s.start, s.end, s.reason) for s in _detect(arts[0], lexicon, repeats)] == [
        (start, start + len(footer), R.OUTLET_REPEAT)
    ]


def test_repeat_units_from_min_to_max_characters_inclusive() -> None:
    """``outlet_repeat_min_chars`` (12) and ``outlet_repeat_max_chars`` (300) are the
    shortest and longest lines counted: 12 and 300 characters count, 11 and 301 do not."""
    config = BoilerplateConfig()
    low, high = config.outlet_repeat_min_chars, config.outlet_repeat_max_chars
    lines = {
        n: ("Planet news " * 30)[:n].strip().ljust(n, "x") for n in (low - 1, low, high, high + 1)
    }
    assert [len(v) for v in lines.values()] == [low - 1, low, high, high + 1]
    _, hashes = boilerplate.unit_hashes(
        _article("\n".join(lines.values()), outlet="Daily Planet"), config
    )
    assert hashes == {sentence_hash(lines[low]), sentence_hash(lines[high])}


# --- the tail, the comment widget and the HTML comment hint at their edges ------------------


def test_a_terminator_with_no_story_above_it_ends_nothing(lexicon: BoilerplateLexicon) -> None:
    """A page of short lines only: "You may also like" at its top has no story before it
    to end, so the lines under it are not taken for a related-links tail."""
    article = _article("You may also like\nBus fares\nNew depot opens", language="en")
    assert _detect(article, lexicon) == ()


def test_a_terminator_with_exactly_the_share_of_story_before_it_ends_the_story(
    lexicon: BoilerplateLexicon,
) -> None:
    """``tail_min_story_share`` (0.5) is a floor: with one of two equal story paragraphs
    above "Leave a Reply" (exactly half of the story characters), the line and everything
    under it are the tail."""
    assert BoilerplateConfig().tail_min_story_share == 0.5
    other = STORY_EN.replace("northern", "southern")  # as long, not the same text
    assert len(other) == len(STORY_EN)
    text = f"{STORY_EN}\nLeave a Reply\n{other}"
    article = _article(text, language="en")
    spans = _detect(article, lexicon)
    start = text.index("Leave a Reply")
    assert [(s.start, s.reason) for s in spans] == [
        (start, R.COMMENTS_MARKER),
        (text.index(other), R.READER_COMMENT),
    ]
    assert not _covered(spans, 0, len(STORY_EN))


def test_a_comment_widget_does_not_relabel_the_tail_above_it(
    lexicon: BoilerplateLexicon,
) -> None:
    """Under a "Comments" marker the comment is already tail; the "Reply" under it stops at
    the first line that is already boilerplate, so the marker keeps its reason and the
    comment its tail rule."""
    text = f"{STORY_EN}\n{STORY_EN}\nComments\nGreat post!\nReply"
    article = _article(text, language="en")
    spans = {text[s.start : s.end]: (s.reason, s.rule) for s in _detect(article, lexicon)}
    assert spans["Comments"][0] == R.COMMENTS_MARKER
    assert spans["Great post!"][0] == R.READER_COMMENT
    assert spans["Great post!"][1].endswith(".tail")
    assert spans["Reply"][0] == R.COMMENT_WIDGET


def test_a_comment_on_the_first_line_is_a_reader_comment(lexicon: BoilerplateLexicon) -> None:
    """A text that starts with a comment (a comment page): the first line above "Reply" is
    a reader comment like any other."""
    text = "Great article, thanks!\nReply\nI disagree.\nReply"
    article = _article(text, language="en")
    marked = _marked(article, _detect(article, lexicon))
    assert marked["Great article, thanks!"] == R.READER_COMMENT
    assert marked["I disagree."] == R.READER_COMMENT


# 710 characters of story-like prose, cut to a length and ended with a period
_PROSE = (ENGLISH + " ") * 5


@pytest.mark.parametrize(("length", "comment"), [(600, True), (601, False)])
def test_story_like_text_above_a_widget_is_a_comment_up_to_the_limit(
    length: int, comment: bool, lexicon: BoilerplateLexicon
) -> None:
    """``reader_comment_max_chars`` (600): a story-like paragraph right above "Reply" is a
    reader comment up to and including that length; a longer one is kept as story."""
    assert BoilerplateConfig().reader_comment_max_chars == 600
    line = _PROSE[: length - 1] + "."  # "... that it would vo." / "... would vot."
    assert len(line) == length
    text = f"{STORY_EN}\n{STORY_EN}\n{line}\nReply"
    article = _article(text, language="en")
    assert (_marked(article, _detect(article, lexicon)).get(line) == R.READER_COMMENT) is comment


def test_comments_between_story_paragraphs_are_no_neighbours(
    lexicon: BoilerplateLexicon,
) -> None:
    """In the context pass a reader comment, like any boilerplate line, is looked past: the
    medium paragraph under a link list whose next text paragraph (beyond the comment and
    its widget) is story stays."""
    text = f"{LINKS}\n{MEDIUM}\nNice\nReply\n{STORY_EN} {STORY_EN}"
    article = _article(text, language="en")
    marked = _marked(article, _detect(article, lexicon))
    assert marked.get("Nice") == R.READER_COMMENT
    assert marked.get(LINKS) == R.NAVIGATION
    assert MEDIUM not in marked


def test_html_comments_from_the_first_character(lexicon: BoilerplateLexicon) -> None:
    """``html_comments_start`` 0: the whole text is the comment section."""
    text = "Nice one\nI live there and the buses are always late."
    article = _article(text, extra={"html_comments_start": 0})
    assert [(s.start, s.end, s.reason) for s in _detect(article, lexicon)] == [
        (0, len(text), R.READER_COMMENT)
    ]


def test_html_comments_start_at_a_line_break_leaves_the_line_above(
    lexicon: BoilerplateLexicon,
) -> None:
    """The hint marks [offset, end): pointing at the line break after a share bar, it leaves
    that line (which ends at the offset) its own reason."""
    text = f"{STORY_EN}\nShare this article\nNice one"
    offset = text.index("\nNice one")
    article = _article(text, extra={"html_comments_start": offset})
    assert [(s.start, s.end, s.reason) for s in _detect(article, lexicon)] == [
        (len(STORY_EN) + 1, offset, R.SHARE),
        (offset, len(text), R.READER_COMMENT),
    ]


def test_the_comment_section_is_one_span_and_not_judged_again(
    lexicon: BoilerplateLexicon,
) -> None:
    """Lines inside the HTML comment section get no spans of their own, even a sentence a
    lexicon rule knows ("Stay tuned for more updates ...") or a link list."""
    comments = f"Nice one\nStay tuned for more updates on the bus plan.\n{LINKS}"
    text = f"{STORY_EN}\n{comments}"
    article = _article(text, language="en", extra={"html_comments_start": len(STORY_EN) + 1})
    assert [(s.start, s.end, s.rule) for s in _detect(article, lexicon)] == [
        (len(STORY_EN) + 1, len(text), "html.trafilatura_comments")
    ]


# --- the stop-word language, first-pass edges, and what decides the feature pass -----------

FRENCH = (
    "Le conseil a dit qu'il voterait sur le plan au printemps et que les habitants pourraient "
    "parler à la réunion."
)
NAMES = (
    "Smith Jones Brown Lee Taylor Wilson Davies Evans Thomas Roberts Walker Wright Robinson "
    "Thompson White Hughes Edwards Green"
)


@pytest.mark.parametrize(
    ("text", "declared", "expected", "why"),
    [
        (f"{ENGLISH} {FRENCH}", "fr", "fr", "declared and borne out, though English scores more"),
        (f"{ENGLISH} {FRENCH}", "fr-FR", "fr", "the primary subtag of a regional tag"),
        (f"{ENGLISH} {FRENCH}", None, "en", "undeclared: the best-scoring list"),
        # 18 names and two "the": 2 of 20 tokens (0.1, the floor) are English stop words
        (f"{NAMES} the the", None, "en", "the best list at exactly the floor fits"),
        # 1 of 20 (0.05): below the floor, for the declared list and for the best one
        (f"{NAMES} the Hall", "en", None, "half the floor fits no list"),
        # 2 of 20 English (the floor), 4 of 20 French: the declared list still fits
        (f"{NAMES[: NAMES.index(' White')]} the the le la les et", "en", "en", "floor met"),
    ],
)
def test_stop_word_language_of_mixed_and_sparse_texts(
    text: str, declared: str | None, expected: str | None, why: str, lexicon: BoilerplateLexicon
) -> None:
    """``min_language_density`` (0.1) is a floor: a list fits from that share of tokens on."""
    assert lexicon.min_language_density == 0.1
    article = Article(id="l", text=text, language=declared)
    assert boilerplate._language(article, lexicon) == expected, why


def test_a_line_of_exactly_the_short_length_is_judged_by_its_words(
    lexicon: BoilerplateLexicon,
) -> None:
    """Latin ``length_low`` is 70: a 70-character line of prose without a sentence end is
    judged by its stop words (near-good), a 69-character one is short."""
    line = "The council said that it would vote on the plan in the spring, and tha"
    assert len(line) == 70
    assert boilerplate._first_pass(line, lexicon.stopwords["en"], lexicon) == "neargood"
    assert boilerplate._first_pass(line[:-1], lexicon.stopwords["en"], lexicon) == "short"


def test_korean_lines_go_by_length_and_punctuation_even_with_a_stop_word_list(
    lexicon: BoilerplateLexicon,
) -> None:
    """The article's list (English here) says nothing about Hangul or Chinese lines: a long
    menu line without punctuation is bad, not story for lack of stop words to count."""
    menu = ("서울 경제 정치 사회 국제 문화 스포츠 연예 오피니언 " * 5).strip()
    assert boilerplate._first_pass(menu, lexicon.stopwords["en"], lexicon) == "bad"
    chinese = ("国务院 经济 政治 社会 国际 文化 体育 娱乐 评论 " * 3).strip()
    assert boilerplate._first_pass(chinese, lexicon.stopwords["en"], lexicon) == "bad"


TEASERS = (
    "Bus fares rise. Council approves budget. Depot closes. Rail strike ends. New mayor sworn."
    " Hospital wing opens. Schools shut. Bridge repairs delayed. Library hours cut. Park"
    " reopens. Taxes frozen. Zoo welcomes twins."
)


def test_headline_teasers_with_periods_are_navigation_by_their_stop_words(
    lexicon: BoilerplateLexicon,
) -> None:
    """A long run of headline teasers ends in periods like prose, but has no English stop
    words: the article's stop-word list makes it bad (rule ``features.low_stopwords``),
    while the short line right under it, bad by its neighbours, gets ``features.context``."""
    text = f"{STORY_EN}\n{STORY_EN}\n{TEASERS}\nWeather alerts"
    article = _article(text, language="en")
    spans = {text[s.start : s.end]: (s.reason, s.rule) for s in _detect(article, lexicon)}
    assert spans == {
        TEASERS: (R.NAVIGATION, "features.low_stopwords"),
        "Weather alerts": (R.NAVIGATION, "features.context"),
    }


def test_a_page_in_a_language_without_a_stop_word_list(lexicon: BoilerplateLexicon) -> None:
    """Finnish matches no list: the density test is skipped and lines go by length and
    punctuation, so the story sentences stay and the link list under them goes."""
    finnish = (
        "Kaupunginvaltuusto päätti tiistaina laajentaa bussiverkkoa pohjoisiin "
        "kaupunginosiin, kun suunnitelmasta oli keskusteltu yli kaksi vuotta."
    )
    article = _article(f"{finnish}\n{finnish}\n{LINKS}")
    assert boilerplate._language(article, lexicon) is None
    assert _marked(article, _detect(article, lexicon)) == {LINKS: R.NAVIGATION}


def test_clean_article_text_skips_the_feature_pass(lexicon: BoilerplateLexicon) -> None:
    """Story-like paragraphs holding 90% of the characters or more (``feature_max_story_share``)
    make an extracted article: the short line the feature pass would cut stays; with a
    little less story the pass runs and cuts it."""
    assert BoilerplateConfig().feature_max_story_share == 0.9
    story = ("The new bus line to the hospital will run every twenty minutes from March. " * 2)[
        :125
    ] + "."
    assert len(story) == 126  # 126 of 140 characters: exactly 0.9
    article = _article(f"{story}\nWeather alerts", language="en")
    assert _detect(article, lexicon) == ()
    shorter = _article(f"{story[:124]}.\nWeather alerts", language="en")  # 125 of 139
    assert _marked(shorter, _detect(shorter, lexicon)) == {"Weather alerts": R.NAVIGATION}


def test_the_title_is_story_for_its_neighbours(lexicon: BoilerplateLexicon) -> None:
    """The short kicker between the article's title and the story stays: the title counts
    as story text beside it. Without the title in the metadata both short lines at the top
    of the page go."""
    text = f"{HEADLINE}\nExclusive report\n{STORY_EN}\n{STORY_EN}\n{LINKS}"
    titled = _article(text, language="en", title=HEADLINE)
    assert _marked(titled, _detect(titled, lexicon)) == {LINKS: R.NAVIGATION}
    untitled = _article(text, language="en")
    marked = _marked(untitled, _detect(untitled, lexicon))
    assert marked.get("Exclusive report") == R.NAVIGATION


CAPTION = (
    "In a photo released by the Russian Ministry of Defence, the delegations of the two "
    "countries meet in Moscow on Saturday before the talks. 2024.11.02 Moscow = AP/Newsis"
)


def test_boilerplate_above_a_terminator_is_not_story_before_it(
    lexicon: BoilerplateLexicon,
) -> None:
    """A caption reads like prose but is boilerplate: above "Leave a Reply" there is one of
    three story paragraphs (less than half), so the story goes on under it. The caption is
    split at its credit, each part with the split rule's id."""
    two, three = STORY_EN.replace("Tuesday", "Monday"), STORY_EN.replace("Tuesday", "Friday")
    text = f"{STORY_EN}\n{CAPTION}\nLeave a Reply\n{two}\n{three}"
    article = _article(text, language="en")
    spans = _detect(article, lexicon)
    assert not _covered(spans, text.index(two), len(text))
    cut = text.index("2024.11.02")
    assert [(s.start, s.end, s.reason, s.rule) for s in spans[:2]] == [
        (len(STORY_EN) + 1, cut, R.CAPTION, "en.caption.split.1"),
        (cut, cut + len("2024.11.02 Moscow = AP/Newsis"), R.PHOTO_CREDIT, "en.caption.split.1"),
    ]


def test_a_terminator_with_less_than_half_the_story_above_it_ends_nothing(
    lexicon: BoilerplateLexicon,
) -> None:
    two, three = STORY_EN.replace("Tuesday", "Monday"), STORY_EN.replace("Tuesday", "Friday")
    text = f"{STORY_EN}\nLeave a Reply\n{two}\n{three}"
    article = _article(text, language="en")
    spans = _detect(article, lexicon)
    assert not _covered(spans, text.index(two), len(text))


def test_sentence_rules_run_after_a_boilerplate_paragraph(lexicon: BoilerplateLexicon) -> None:
    """Sentences are judged in every paragraph left open, also after a closed one; each
    sentence span names its rule."""
    filler = "Stay tuned for more updates on the bus plan."
    text = f"Read also: Bus fares rise in March\n{STORY_EN} {filler}"
    article = _article(text, language="en")
    spans = [(text[s.start : s.end], s.reason, s.rule) for s in _detect(article, lexicon)]
    assert spans[0][:2] == ("Read also: Bus fares rise in March", R.READ_ALSO)
    assert spans[1][:2] == (filler, R.GENERATED_FILLER)
    assert spans[1][2].startswith("en.generated_filler.sentence.")
    assert len(spans) == 2


def test_a_repeated_sentence_inside_a_paragraph_is_an_outlet_repeat(
    lexicon: BoilerplateLexicon,
) -> None:
    """The outlet's closing sentence at the end of a story paragraph (not a line of its own)
    is marked as a sentence, with the outlet-repeat rule; the story sentence before it stays."""
    footer = "Daily Planet is published by Planet Media Group."
    arts = _three_of_one_outlet(footer, " ")
    # sentences are counted from analysed articles (a plain article gives its lines only)
    repeats = outlet_repeats([ArticleResult(a, segment(a.text)) for a in arts], BoilerplateConfig())
    start = arts[0].text.index(footer)
    assert [(s.start, s.end, s.reason, s.rule) for s in _detect(arts[0], lexicon, repeats)] == [
        (start, start + len(footer), R.OUTLET_REPEAT, "corpus.outlet_repeat")
    ]
    assert _detect(arts[0], lexicon, outlet_repeats(arts, BoilerplateConfig())) == ()


def test_a_template_sentence_is_marked_with_its_rule(lexicon: BoilerplateLexicon) -> None:
    """A sentence the corpus found as a template (``templates.TemplateSentences``) is page
    chrome inside a story paragraph: one sentence span, rule ``corpus.template``."""
    chrome = "Our journalism relies on the support of readers like you."
    text = f"{STORY_EN}\n{STORY_EN.replace('Tuesday', 'Monday')} {chrome}"
    article = _article(text, language="en")
    found = TemplateSentences(frozenset({sentence_hash(chrome)}), 5)
    spans = detect(article, segment(text), lexicon, BoilerplateConfig(), None, found)
    start = text.index(chrome)
    assert [(s.start, s.end, s.reason, s.rule) for s in spans] == [
        (start, start + len(chrome), R.TEMPLATE, "corpus.template")
    ]


# Lines whose first-pass class sits on a threshold of data/boilerplate/features.toml (latin:
# length_low 70, length_high 200, stop_low 0.20, stop_high 0.26; heading_max_words 20): each
# threshold is inclusive on the side features.toml gives ("at or above stop_high is story-like",
# "longer than length_high ... good"). Built from English words: "the" (a stop word) and
# three-letter nouns for exact densities in 50 tokens, longer nouns for headings; the last
# noun is padded with letters to the length wanted.
SHORT_NOUNS = "bus car map tax fee oil gas sea sky war law job art pay van cab jet dam pub zoo"
LONG_NOUNS = "council budget depot route hospital village bridge library station market harbour"


def _words_line(stop: int, other: int, length: int, end: str = "") -> str:
    nouns = (SHORT_NOUNS if stop else LONG_NOUNS).split()
    words = [nouns[i % len(nouns)] for i in range(other)]
    for i in range(stop):  # spread the stop words
        words.insert(i * 4 % (len(words) + 1), "the")
    line = " ".join(words)
    assert len(line) + len(end) <= length, (len(line), length)
    return line + "s" * (length - len(line) - len(end)) + end


@pytest.mark.parametrize(
    ("stop", "other", "length", "end", "expected", "why"),
    [
        (13, 37, 210, "", "good", "stop_high (13 of 50 = 0.26) reached, longer than 200"),
        (13, 37, 200, "", "neargood", "0.26 but exactly 200 long: not longer than length_high"),
        (13, 37, 201, "", "good", "0.26 and 201 long"),
        (10, 40, 210, "", "neargood", "exactly stop_low (10 of 50 = 0.20)"),
        (5, 45, 210, ".", "neargood", "half of stop_low (0.10) with a sentence end: prose"),
        (4, 46, 210, ".", "bad", "0.08 with a sentence end: below half of stop_low"),
        (0, 20, 160, "", "short", "20 words without stop words or punctuation: a heading"),
        (0, 21, 170, "", "bad", "21 words: too many for a heading"),
    ],
)
def test_first_pass_thresholds_are_inclusive(
    stop: int,
    other: int,
    length: int,
    end: str,
    expected: str,
    why: str,
    lexicon: BoilerplateLexicon,
) -> None:
    line = _words_line(stop, other, length, end)
    assert len(line) == length
    assert len(boilerplate._WORD.findall(line)) == stop + other
    assert boilerplate._first_pass(line, lexicon.stopwords["en"], lexicon) == expected, why


@pytest.mark.parametrize(
    ("length", "end", "expected"),
    [(80, ".", "neargood"), (81, ".", "good"), (80, "", "short"), (81, "", "bad")],
)
def test_korean_length_high_is_inclusive(
    length: int, end: str, expected: str, lexicon: BoilerplateLexicon
) -> None:
    """Hangul ``length_high`` is 80: a line of exactly 80 characters is near-good with an
    ending punctuation mark and short without; one more character makes it good or bad."""
    assert lexicon.scripts["hangul"].length_high == 80
    line = ("서울시는 내년부터 심야버스 노선을 두 배로 늘린다고 밝혔다 " * 4)[: length - len(end)]
    line = line[:-1] + "다" if line.endswith(" ") else line
    assert len(line + end) == length
    assert boilerplate._first_pass(line + end, None, lexicon) == expected

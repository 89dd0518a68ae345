"""Template sentences (templates.py), story anchors (anchors.py) and page-chrome lexicon rules."""

from __future__ import annotations

import pytest

from provenance import pair_counts, pipeline
from provenance.anchors import AnchorFinder, AnchorLexicon, anchors
from provenance.boilerplate_rules import BoilerplateLexicon
from provenance.config import BoilerplateConfig
from provenance.model import Article, ArticleResult, BoilerplateReason
from provenance.pair_counts import PairCounts

R = BoilerplateReason


@pytest.fixture(scope="module")
def anchor_lexicon() -> AnchorLexicon:
    return pipeline.Resources.load().anchors  # function words of every lexicon language


@pytest.mark.parametrize(
    ("a", "b", "shared"),
    [
        ("Kim Jong-un visited Russia.", "Russia was visited by Kim Jong Un.", "kimjongun"),
        ("The U.N. met.", "Then the United Nations met.", "un"),
        ("Then the UN met.", "Die Vereinte Nationen tagten.", "un"),
        ("Yoon Seok-yeol spoke.", "Then Yoon Suk Yeol spoke.", "yoonsukyeol"),
        ("It cost 1,000 dollars.", "Es kostete 1.000 Euro.", "1000"),
        ("Вчера Путин приехал.", "Then Putin arrived.", "putin"),
    ],
)
def test_anchors_meet_across_spellings_and_transliterations(
    anchor_lexicon: AnchorLexicon, a: str, b: str, shared: str
) -> None:
    assert shared in anchors(a, anchor_lexicon) & anchors(b, anchor_lexicon)


def test_a_capitalised_word_opening_a_sentence_alone_is_not_a_name(
    anchor_lexicon: AnchorLexicon,
) -> None:
    assert anchors("Meanwhile, the talks went on.", anchor_lexicon) == frozenset()
    assert anchors("The President said so.", anchor_lexicon) == frozenset()
    assert "northkorea" in anchors("North Korea said so.", anchor_lexicon)
    assert anchors("About 7 people came.", anchor_lexicon) == frozenset()  # one digit


@pytest.mark.parametrize(
    ("sentence", "reason"),
    [
        ("We use cookies to ensure that we give you the best experience on our website.",
         R.CONSENT),
        ("Follow News18.com on Twitter, Instagram, Facebook, Telegram, TikTok and on YouTube.",
         R.PROMO),
        ('Jeśli chcesz połączyć się z nami zaznacz "NIE JESTEM ROBOTEM".', R.CAPTCHA),
        ("Subscribe to The Atlanta Journal-Constitution today.", R.PROMO),
        ("Your browser does not support the audio element.", R.MEDIA_PLAYER),
        ("(This story has not been edited by Business Standard staff and is auto-generated "
         "from a syndicated feed.)", R.SYNDICATION),
        ("Pressekontakt: Pressestelle, Telefon 030 1234567", R.PRESS_CONTACT),
        ("Sie stimmen der Verwendung von Cookies durch Anklicken von OK zu.", R.CONSENT),
        ("Подпишитесь на The Atlanta Journal-Constitution сегодня.", R.PROMO),
        ("Per visualizzare questo video si prega di abilitare JavaScript.", R.MEDIA_PLAYER),
        ("Para ver este video, habilite JavaScript.", R.MEDIA_PLAYER),
        ("关闭广告拦截器，继续支持伟大的新闻业。", R.PROMO),
    ],
)  # fmt: skip
def test_page_chrome_sentences_are_boilerplate_with_a_reason(
    sentence: str, reason: BoilerplateReason
) -> None:
    hit = BoilerplateLexicon.load().sentence.first(sentence)
    assert hit is not None
    assert hit[0].reason == reason


@pytest.mark.parametrize(
    "sentence",
    [
        "Russian President Vladimir Putin said on Tuesday that the treaty follows the cookie "
        "policy of the ministry.",
        "Officials said they would follow developments on the border closely.",
        "The newspaper said 2 million readers had subscribed to its newsletter by March.",
    ],
)
def test_story_sentences_that_mention_chrome_words_are_not_chrome(sentence: str) -> None:
    assert BoilerplateLexicon.load().sentence.first(sentence) is None


CHROME = "Thank you for visiting, please enjoy the rest of your stay with the team here."
STORIES = [
    ("Vienna", "Kogler", "Austria"),
    ("Lagos", "Adeyemi", "Nigeria"),
    ("Lima", "Castillo", "Peru"),
    ("Oslo", "Solberg", "Norway"),
    ("Hanoi", "Nguyen", "Vietnam"),
    ("Quito", "Moreno", "Ecuador"),
]
WIRE = (
    "Russian Defence Minister Andrei Belousov met Kim Jong Un in Pyongyang on Friday to "
    "discuss the treaty."
)


def _article(n: int, city: str, person: str, country: str, extra: str) -> Article:
    text = (
        f"{person} spoke in {city} on Monday about the election in {country}. "
        f"Voters in {country} will choose a new parliament next month, {person} said.\n"
        f"{extra}\n"
        "Belousov and Kim Jong Un also signed a protocol, officials in Pyongyang said."
    )
    return Article(f"a{n}", text, outlet=f"Outlet {n}")


def _labelled(articles: list[Article], reason: BoilerplateReason, needle: str) -> list[str]:
    results = pipeline.analyze_each(articles)
    return [
        r.article.id
        for r in results
        for b in r.boilerplate
        if b.reason == reason and needle in r.article.text[b.start : b.end]
    ]


def test_a_sentence_on_many_outlets_pages_without_story_anchors_is_a_template() -> None:
    articles = [_article(n, *s, CHROME) for n, s in enumerate(STORIES)]
    assert _labelled(articles, R.TEMPLATE, "Thank you for visiting") == [
        f"a{n}" for n in range(len(STORIES))
    ]


def test_wire_copy_on_many_outlets_pages_is_not_a_template() -> None:
    articles = [_article(n, *s, WIRE) for n, s in enumerate(STORIES)]
    assert _labelled(articles, R.TEMPLATE, "Belousov") == []


def test_below_the_article_floor_or_from_too_few_outlets_nothing_is_a_template() -> None:
    floor = BoilerplateConfig().template_min_articles
    few = [_article(n, *s, CHROME) for n, s in enumerate(STORIES[: floor - 1])]
    assert _labelled(few, R.TEMPLATE, "Thank you") == []
    two_outlets = [
        Article(a.id, a.text, outlet=f"Outlet {n % 2}")
        for n, a in enumerate(_article(n, *s, CHROME) for n, s in enumerate(STORIES))
    ]
    assert _labelled(two_outlets, R.TEMPLATE, "Thank you") == []


def test_how_many_articles_many_is_grows_with_the_corpus() -> None:
    from provenance.templates import min_articles

    config = BoilerplateConfig()
    assert min_articles(10, config) == config.template_min_articles
    assert min_articles(10_000, config) == 10
    assert min_articles(100_000, config) == 100


@pytest.mark.parametrize("small", [pair_counts.SMALL, 0])  # a dictionary, numpy columns
def test_vote_counts_of_parts_add_up_to_the_corpus_counts(
    anchor_lexicon: AnchorLexicon, small: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Dask engine counts template votes per partition and adds the counts in a tree:
    any split of the corpus, added in any grouping, gives the whole corpus's templates,
    whether the counts are added up in a dictionary or in columns."""
    from provenance import templates
    from provenance.segment import segment

    monkeypatch.setattr(pair_counts, "SMALL", small)

    config = BoilerplateConfig()
    articles = [_article(n, *s, CHROME) for n, s in enumerate(STORIES)]
    abbreviations = pipeline.Resources.load().abbreviations
    votes = [
        templates.sentence_votes(
            ArticleResult(a, segment(a.text, abbreviations)),
            a.outlet or "",
            config,
            AnchorFinder(anchor_lexicon),
        )
        for a in articles
    ]
    whole = templates.reduce_votes(votes, len(votes), config)
    assert whole.contains(CHROME)
    singles = [templates.count_votes([v]) for v in votes]
    left = PairCounts(width=2)
    for part in singles:  # one article at a time, from the left
        left.merge(part)
    pairs = [templates.count_votes(votes[i : i + 2]) for i in range(0, len(votes), 2)]
    tree = PairCounts(width=2).merge(pairs[0])
    for part in reversed(pairs[1:]):  # pairs, added right to left
        tree.merge(part)
    for counts in (left, tree):
        assert templates.templates_from_counts(counts, len(votes), config) == whole


def test_a_sentence_is_anchored_by_the_other_sentences_of_its_article_not_its_copies(
    anchor_lexicon: AnchorLexicon,
) -> None:
    """Each distinct sentence votes whether it shares a story anchor with a sentence under
    another key: the Moscow line with the other Moscow line, the Samsung line not with its
    own copy (same key), the anchor-less line with nothing."""
    from provenance.segment import segment
    from provenance.templates import sentence_hash, sentence_votes

    moscow = "Kim Jong Un arrived in Moscow on Tuesday for talks."
    visit = "The visit to Moscow was his first in four years."
    samsung = "Shares of Samsung fell sharply in early trading."
    plain = "Please read the rest of this article on our website."
    text = f"{moscow} {visit}\n{samsung}\n{samsung}\n{plain}"
    article = Article("x", text, outlet="Outlet")
    result = ArticleResult(article, segment(text))
    votes = dict(
        sentence_votes(result, "Outlet", BoilerplateConfig(), AnchorFinder(anchor_lexicon)).anchored
    )
    assert votes == {
        sentence_hash(moscow): True,
        sentence_hash(visit): True,
        sentence_hash(samsung): False,
        sentence_hash(plain): False,
    }


def _folded_by_regex(text: str) -> str:
    """How the key was first defined: runs of ``re``'s ``\\s`` one space, trimmed, case
    folded, each ``\\d`` a 0."""
    import re

    return re.sub(r"\d", "0", re.sub(r"\s+", " ", text).strip().casefold())


def test_fold_agrees_with_the_regex_definition_for_every_code_point() -> None:
    """``fold`` splits on ``str.isspace``: every character of Unicode, alone between two
    letters and in runs, folds as the regular expressions fold it (white space, digits of
    every script, letters whose case folding changes their length)."""
    import sys

    from provenance.templates import fold

    every = [chr(c) for c in range(sys.maxunicode + 1)]
    assert fold("x".join(every)) == _folded_by_regex("x".join(every))
    runs = "".join(c for c in every if c.isspace() or c.isdigit())
    text = f" {runs}İstanbul ß{runs}Straße\u00a0\u2003 12 {runs} "
    assert fold(text) == _folded_by_regex(text)
    assert fold("  The BUS\tleaves\n at 10:45.\u00a0") == "the bus leaves at 00:00."


def test_sentence_hash_keys_lines_by_their_fold() -> None:
    """Near-verbatim lines (case, spaces, digits) meet under one key, the first eight bytes
    of the BLAKE2b of the folded text; a changed word gives another."""
    import hashlib

    from provenance.templates import sentence_hash

    line = "Copyright 2024 Example Times.  All rights reserved."
    same = " copyright 1999 example   times. ALL RIGHTS RESERVED.\n"
    digest = hashlib.blake2b(_folded_by_regex(line).encode("utf-8"), digest_size=8).digest()
    assert sentence_hash(line) == sentence_hash(same) == int.from_bytes(digest, "big")
    assert sentence_hash(line) != sentence_hash("Copyright 2024 Example Post. All rights reserved.")

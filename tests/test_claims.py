"""Claim units, claim groups, and what lexical matching sees in the seed corpus."""

from __future__ import annotations

from dataclasses import replace

import pytest

from provenance import pipeline
from provenance.align import claim_score
from provenance.claims import clauses, find_claims
from provenance.config import Config
from provenance.model import Article, ArticleResult, ClaimGroup
from provenance.segment import segment


def test_short_sentences_are_one_unit_and_long_ones_are_cut_into_clauses() -> None:
    short = "Seoul summoned the Russian ambassador on Thursday."
    assert clauses(short, 10, 250, 40) == [(10, 10 + len(short))]
    long_ = (
        "Russia's foreign ministry said the talks had been constructive and wide-ranging; "
        "officials in Seoul, who had not been told of the meeting in advance, summoned the "
        "ambassador, and Washington warned of consequences for any transfer of weapons."
    )
    got = clauses(long_, 0, 100, 40)
    assert [long_[a:b] for a, b in got] == [
        "Russia's foreign ministry said the talks had been constructive and wide-ranging;",
        "officials in Seoul, who had not been told of the meeting in advance,",
        "summoned the ambassador, and Washington warned of consequences for any transfer of "
        "weapons.",
    ]


def _results(*articles: Article) -> list[ArticleResult]:
    return [ArticleResult(a, segment(a.text)) for a in articles]


def test_a_reworded_claim_is_grouped_with_every_occurrence_and_its_first_appearance() -> None:
    one = Article(
        "one",
        "Seoul summoned the Russian ambassador on Thursday to protest the arms deal.",
        outlet="Paper A",
        published="2024-09-20",
    )
    two = Article(
        "two",
        "On Thursday Seoul summoned the Russian ambassador to protest against the arms deal.",
        outlet="Paper B",
        published="2024-09-19",
    )
    three = Article(
        "three", "Rain is expected across the peninsula tomorrow afternoon.", outlet="C"
    )
    groups = find_claims(_results(one, two, three), Config())
    assert len(groups) == 1
    group = groups[0]
    assert group.first == "two"
    assert group.text == two.text
    assert [(o.article_id, o.start, o.end) for o in group.occurrences] == [
        ("one", 0, len(one.text)),
        ("two", 0, len(two.text)),
    ]
    assert all(o.score >= Config().align.claim_min_score for o in group.occurrences)


def test_another_event_in_the_same_words_is_not_the_same_claim() -> None:
    """Another country, day and topic in the same sentence frame shares many words
    (sorted-word similarity 60-66) but is another claim: below the default threshold (69)
    it is not grouped; a threshold of 55 would group it."""
    claim = "Seoul summoned the Russian ambassador on Thursday to protest the arms deal."
    others = [
        "Seoul summoned the Chinese ambassador on Friday to discuss the fishing dispute.",
        "Officials in Seoul met the Russian envoy on Thursday to discuss a deal on grain.",
    ]
    assert all(55 <= claim_score(claim, o) < 69 for o in others)
    articles = [
        Article("a", claim, outlet="Paper A"),
        *(Article(f"o{i}", o, outlet=f"Paper {i}") for i, o in enumerate(others)),
    ]
    assert find_claims(_results(*articles), Config()) == ()
    low = Config(align=replace(Config().align, claim_min_score=55.0))
    assert find_claims(_results(*articles), low) != ()


def test_one_outlet_repeating_itself_is_not_a_claim_group() -> None:
    text = "Seoul summoned the Russian ambassador on Thursday to protest the arms deal."
    groups = find_claims(
        _results(Article("a", text, outlet="Paper A"), Article("b", text, outlet="Paper A")),
        Config(),
    )
    assert groups == ()


# The seed corpus restates four claims in different words (issue 4). Each row: the claim,
# two articles and a phrase that picks the sentence in each. The lexical claim matcher
# (sorted-word similarity, threshold calibrated on MSRP) misses all of them: on the day this
# was written they scored 41-52 (threshold 69), where MSRP dev pairs are barely better than
# chance. The test states what should happen (one claim group), as a known miss: a matcher
# that finds a pair makes its case XPASS, which fails under strict=True so that the mark
# is removed and the pair stays found.
SEED_CLAIMS = [
    ("mutual military assistance", "001", "mutual military assistance in case", "002",
     "provisions for mutual military assistance"),
    ("mutual military assistance", "001", "mutual military assistance in case", "004",
     "direct military ties have historically"),
    ("violates UNSC resolutions", "000", "could violate United Nations Security", "003",
     "prohibited under U.N. Security Council"),
    ("violates UNSC resolutions", "000", "could violate United Nations Security", "004",
     "violate multiple UN Security Council"),
    ("violates UNSC resolutions", "003", "prohibited under U.N. Security Council", "004",
     "violate multiple UN Security Council"),
    ("Yoon's criticism", "000", "President Yoon Seok-yeol of South Korea", "003",
     "voiced its criticism of South Korean President"),
    ("Kim Jong-un's visit to Russia", "000", "Following Kim Jong-un’s recent visit", "003",
     "during Kim Jong Un’s visit to Russia"),
]  # fmt: skip


@pytest.fixture(scope="module")
def seed_groups(corpus_articles: dict[str, Article]) -> tuple[ClaimGroup, ...]:
    return pipeline.analyze(list(corpus_articles.values())).claims


def _sentence(article: Article, phrase: str) -> tuple[int, str]:
    for s in segment(article.text).sentences:
        if phrase in s.text:
            return s.start, s.text
    raise AssertionError(f"{phrase!r} not in {article.id}")


@pytest.mark.xfail(
    strict=True, reason="known miss: paraphrased seed claims score below claim_min_score"
)
@pytest.mark.parametrize(("claim", "a", "pa", "b", "pb"), SEED_CLAIMS)
def test_seed_claims_restated_in_other_words_are_one_group(
    corpus_articles: dict[str, Article],
    seed_groups: tuple[ClaimGroup, ...],
    claim: str,
    a: str,
    pa: str,
    b: str,
    pb: str,
) -> None:
    del claim
    start_a, _ = _sentence(corpus_articles[a], pa)
    start_b, _ = _sentence(corpus_articles[b], pb)
    together = [
        g
        for g in seed_groups
        if {(o.article_id[:3], o.start) for o in g.occurrences} >= {(a, start_a), (b, start_b)}
    ]
    assert together

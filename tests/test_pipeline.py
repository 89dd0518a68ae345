"""Invariants of the whole pipeline on generated corpora (hypothesis).

Articles are built from a small pool of hand-written sentences (and lightly edited variants),
so that generated corpora share passages across outlets, with and without wire articles and
dates, and exercise the wire / shared / original paths of every stage.
"""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from provenance import classify, pipeline, schemas
from provenance.config import Config
from provenance.model import Article, SourceKind
from provenance.render import data as render_data

POOL = (
    "North Korea fired a short-range ballistic missile into the sea off its east coast.",
    "North Korea fired a ballistic missile into the waters off its eastern coast on Friday.",
    "The missile flew about 600 kilometers before landing outside Japan's economic zone.",
    "Officials in Tokyo said there were no reports of damage to ships or aircraft.",
    "Seoul summoned the Russian ambassador to protest against the growing military ties.",
    "Residents of the border town told reporters they heard nothing unusual that morning.",
    "The foreign ministers agreed to keep their communication channels open in the future.",
    "Analysts said the launch was meant to test a new solid-fuel engine for longer ranges.",
)
OUTLETS = ("Daily One", "Daily Two", "Wire Desk", None)
DATES = ("2024-05-01", "2024-05-02", None)

paragraph = st.lists(st.sampled_from(POOL), min_size=1, max_size=3).map(" ".join)
article_fields = st.tuples(
    st.lists(paragraph, min_size=1, max_size=4).map("\n".join),
    st.sampled_from(OUTLETS),
    st.sampled_from(DATES),
    st.booleans(),
)
corpora = st.lists(article_fields, min_size=1, max_size=5).map(
    lambda rows: [
        Article(
            f"a{i}",
            text,
            outlet=outlet,
            published=date,
            source_kind=SourceKind.WIRE if wire else SourceKind.OUTLET,
        )
        for i, (text, outlet, date, wire) in enumerate(rows)
    ]
)
RESOURCES = pipeline.Resources.load()
SETTINGS = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _json(articles: list[Article]) -> str:
    config = Config()
    result = pipeline.analyze(articles, config, resources=RESOURCES)
    return render_data.to_json(render_data.report_dict(result, config))


@SETTINGS
@given(corpora)
def test_spans_partition_every_text(articles: list[Article]) -> None:
    result = pipeline.analyze(articles, resources=RESOURCES)
    for r in result.articles:
        classify.check_partition(r.article.text, r.spans)


@SETTINGS
@given(corpora, st.randoms(use_true_random=False))
def test_the_report_does_not_depend_on_input_order(
    articles: list[Article], rng: random.Random
) -> None:
    shuffled = list(articles)
    rng.shuffle(shuffled)
    assert _json(shuffled) == _json(articles)


@SETTINGS
@given(corpora)
def test_the_report_validates_and_reruns_byte_identical(articles: list[Article]) -> None:
    first = _json(articles)
    assert first == _json(articles)

    errors = [e.message for e in schemas.errors("report", json.loads(first))]
    assert errors == []


def test_seed_corpus_report_validates(corpus_articles: dict[str, Article]) -> None:

    data = json.loads(_json(list(corpus_articles.values())))
    assert [e.message for e in schemas.errors("report", data)] == []
    assert [a["id"][:3] for a in data["articles"]] == ["000", "001", "002", "003", "004"]


@pytest.mark.parametrize("published", [("2024-05-01", "2024-05-02"), (None, "2024-05-02")])
def test_wire_copy_in_two_outlets_is_wire_in_both(published: tuple[str | None, str]) -> None:
    wire = Article("w", POOL[0] + "\n" + POOL[6], outlet="Wire Desk", source_kind=SourceKind.WIRE)
    one = Article("o1", POOL[5] + "\n" + POOL[0], outlet="Daily One", published=published[0])
    two = Article("o2", POOL[0], outlet="Daily Two", published=published[1])
    result = pipeline.analyze([two, wire, one], resources=RESOURCES)
    spans = {r.article.id: r.spans for r in result.articles}
    assert [(s.label.value, s.agency) for s in spans["o2"]] == [("wire", "Wire Desk")]
    assert [s.label.value for s in spans["o1"]] == ["original", "wire"]
    assert spans["o1"][1].sources[0].article_id == "w"

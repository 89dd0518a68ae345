"""Cross-outlet reuse on hand-written articles whose expected spans follow from the texts."""

from __future__ import annotations

import pickle
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import numpy as np
import pytest

from provenance import pipeline
from provenance.anchors import AnchorLexicon
from provenance.config import Config
from provenance.fingerprint import FingerprintParams
from provenance.match import claim_columns, codes, reuse, reuse_spans
from provenance.match.align import Alignment, similarity
from provenance.match.candidates import Candidate, Signatures
from provenance.match.claims import load_stopwords
from provenance.match.links import Link
from provenance.match.origin import first_appearance
from provenance.match.signatures import BatchSigner, Matrix
from provenance.match.units import MemoryTexts
from provenance.model import (
    Article,
    ArticleResult,
    Grade,
    Label,
    Match,
    SourceKind,
    Span,
    SpanSource,
    WordEdits,
)
from provenance.render import data as render_data
from provenance.render import text as render_text
from provenance.run import kernels as kernels_module
from provenance.run.kernels import Local, Shingler, VectorSink
from provenance.segment import segment
from provenance.semantic import Vectors

# A wire story of three paragraphs.
W1 = (
    "North Korea fired a short-range ballistic missile into the sea off its east coast on "
    "Thursday, South Korea's military said, in the latest of a string of weapons tests this year."
)
W2 = (
    "The missile flew about 600 kilometers before landing in waters outside Japan's exclusive "
    "economic zone, according to officials in Tokyo, who said there were no reports of damage "
    "to ships or aircraft."
)
W3 = (
    "Pyongyang has rejected calls to return to talks on its nuclear program, which stalled in 2019."
)
# The outlet's version: W1 verbatim, W2 lightly edited (a few words swapped, one phrase
# reordered), and a paragraph of its own.
O2 = (
    "The missile flew roughly 600 kilometres before landing in waters outside Japan's exclusive "
    "economic zone, officials in Tokyo said, adding there were no reports of damage to ships "
    "or aircraft."
)
O3 = (
    "Residents of the border town of Paju told this newspaper that they heard nothing unusual "
    "on Thursday morning and went about their day."
)

WIRE = Article(
    "wire-1",
    "\n".join([W1, W2, W3]),
    outlet="AP",
    published="2024-05-01",
    source_kind=SourceKind.WIRE,
)
COPY = Article("outlet-1", "\n".join([W1, O2, O3]), outlet="Daily Example", published="2024-05-02")


def test_copied_wire_story_is_wire_verbatim_then_edited_then_original() -> None:
    result = pipeline.analyze([COPY, WIRE])
    copy = next(r for r in result.articles if r.article.id == "outlet-1")
    o2_start = len(W1) + 1
    o2_end = o2_start + len(O2)
    w2_start = len(W1) + 1
    # Classify's white-space rule: the newline between two matched paragraphs joins the span
    # before it; the newline before the unmatched paragraph is part of the original stretch.
    assert [(s.start, s.end, s.label) for s in copy.spans] == [
        (0, o2_start, Label.WIRE),
        (o2_start, o2_end, Label.WIRE),
        (o2_end, len(COPY.text), Label.ORIGINAL),
    ]
    first, second, _ = copy.spans
    assert (first.agency, first.evidence) == ("AP", "alignment")
    assert [(s.article_id, s.start, s.end, s.grade) for s in first.sources] == [
        ("wire-1", 0, len(W1), Grade.VERBATIM)
    ]
    assert (second.agency, second.evidence) == ("AP", "alignment")
    assert [(s.article_id, s.start, s.end, s.grade) for s in second.sources] == [
        ("wire-1", w2_start, w2_start + len(W2), Grade.EDITED)
    ]
    assert copy.composition()["original"] == round((len(O3) + 1) / len(COPY.text), 4)


def _segmented(*articles: Article) -> list[ArticleResult]:
    return [ArticleResult(a, segment(a.text)) for a in articles]


def test_the_wire_article_is_the_origin_of_what_was_copied() -> None:
    # The reuse stage alone: in the full pipeline attribution credits the whole wire article
    # to its agency (metadata), and wire outranks shared.
    found = reuse.find_reuse(_segmented(COPY, WIRE), Config())
    assert len(found.spans) == 2  # one row per article, in id order
    wire_spans = dict(zip(sorted([COPY.id, WIRE.id]), found.spans, strict=True))["wire-1"]
    assert [(s.label, s.start, s.end, s.first) for s in wire_spans] == [
        (Label.SHARED, 0, len(W1), "wire-1"),
        (Label.SHARED, len(W1) + 1, len(W1) + 1 + len(W2), "wire-1"),
    ]


def test_each_articles_spans_go_to_spans_to_in_id_order_as_they_are_made() -> None:
    """``find_reuse(spans_to=...)``: the sink is handed one row per article, in id order
    whatever the input order (copy-1 before wire-1, each with its spans, an article
    without any has an empty row), and what it returns is the result's ``spans``."""
    seen: list[tuple[Span, ...]] = []

    def sink(rows: Iterable[tuple[Span, ...]]) -> Sequence[tuple[Span, ...]]:
        seen.extend(rows)
        return [(), (), ()]

    quiet = "The village council met on Tuesday evening and approved the library budget."
    lone = Article("zz-lone", quiet, outlet="Elsewhere")
    found = reuse.find_reuse(_segmented(WIRE, lone, COPY), Config(), spans_to=sink)
    assert found.spans == [(), (), ()]
    assert [COPY.id, WIRE.id] == sorted([COPY.id, WIRE.id])
    in_memory = reuse.find_reuse(_segmented(COPY, WIRE, lone), Config())
    assert tuple(seen) == in_memory.spans
    assert [len(s) for s in seen] == [2, 2, 0]  # W1 and W2 in both, shared or wire


def test_a_run_killed_while_its_spans_were_stored_resumes_to_the_same_result(
    tmp_path: Path,
) -> None:
    """With a work store, the spans are rows of their own ("reuse-spans"), one per article,
    read back at classify time. A run killed after the first row was stored (the reduced
    reuse stage not kept yet) resumes: the rows are made again, the stored one kept, the
    others added, each article's once; the classified articles and matches are those of a
    run without a store."""
    import sqlite3

    from provenance.run.workstore import FILE, WorkStore

    articles = [COPY, WIRE, Article("b-other", W1 + "\n" + O3, outlet="Third")]
    plain = pipeline.analyze(articles, Config())
    assert len(plain.matches) == 4  # W1 in all three (three pairs), W2 in two

    def run() -> tuple[tuple[ArticleResult, ...], tuple[Match, ...], int]:
        store = WorkStore(tmp_path, "key", resume=True)
        try:
            streamed = pipeline.analyze_streamed(articles, Config(), store=store)
            done = (tuple(streamed.articles), tuple(streamed.corpus.matches))
            return (*done, store.done("reuse-spans"))
        finally:
            store.close()

    assert run() == (plain.articles, plain.matches, 3)
    with sqlite3.connect(tmp_path / FILE) as db:  # as if killed after the first row
        db.execute("DELETE FROM reduced WHERE stage = 'reuse'")
        db.execute("DELETE FROM results WHERE stage = 'reuse-spans' AND seq > 0")
    db.close()
    assert run() == (plain.articles, plain.matches, 3)


def test_same_outlet_repeat_is_not_reuse() -> None:
    a = Article("a", W1 + "\n" + O3, outlet="Daily Example")
    b = Article("b", W1 + "\n" + W3, outlet="daily example")
    result = pipeline.analyze([a, b])
    assert all(s.label == Label.ORIGINAL for r in result.articles for s in r.spans)
    assert result.matches == ()


def test_shared_between_outlets_first_by_date_or_unknown() -> None:
    a = Article("a", W1 + "\n" + O3, outlet="One", published="2024-05-03")
    b = Article("b", W3 + "\n" + W1, outlet="Two", published="2024-05-02")
    result = pipeline.analyze([a, b])
    spans = {r.article.id: [s for s in r.spans if s.label == Label.SHARED] for r in result.articles}
    assert [s.first for s in spans["a"]] == ["b"]
    assert [(s.start, s.end) for s in spans["b"]] == [(len(W3) + 1, len(b.text))]
    undated = Article("b", b.text, outlet="Two")
    result = pipeline.analyze([a, undated])
    assert {s.first for r in result.articles for s in r.spans if s.label == Label.SHARED} == {
        "unknown"
    }


def test_first_appearance_rules() -> None:
    one = Article("1", "x", published="2024-01-02")
    two = Article("2", "x", published="2024-01-01")
    tied = Article("3", "x", published="2024-01-01")
    wire = Article("4", "x", published="2024-01-05", source_kind=SourceKind.WIRE)
    assert first_appearance([one, two]) == "2"
    assert first_appearance([one, two, tied]) == "unknown"
    assert first_appearance([one, Article("5", "x")]) == "unknown"
    assert first_appearance([one, two, wire]) == "4"  # the wire article is the origin


def test_matches_feed_the_outlet_table() -> None:
    result = pipeline.analyze([COPY, WIRE], Config())
    assert [(m.a.article_id, m.b.article_id, m.grade) for m in result.matches] == [
        ("outlet-1", "wire-1", Grade.VERBATIM),
        ("outlet-1", "wire-1", Grade.EDITED),
    ]


def test_near_duplicate_articles_are_verified_and_clustered() -> None:
    story = "\n".join([W1, W2, W3])
    # The same story with one word changed, from two other outlets; and an unrelated article.
    edited = story.replace("Thursday", "Friday")
    one = Article("d1", story, outlet="One")
    two = Article("d2", edited, outlet="Two")
    three = Article("d3", edited + "\n" + O3, outlet="Three")
    other = Article("d4", O3 + "\n" + O2.replace("missile", "rocket"), outlet="Four")
    result = pipeline.analyze([three, other, two, one])
    dups = {
        r.article.id: [(d.other_id, d.similarity) for d in r.duplicates] for r in result.articles
    }
    assert [other_id for other_id, _ in dups["d1"]] == ["d2", "d3"]
    assert all(score >= Config().align.duplicate_min_similarity for _, score in dups["d1"])
    assert dups["d4"] == []
    assert result.clusters == (("d1", "d2", "d3"),)


def test_the_report_says_wire_verbatim_then_wire_edited_then_original() -> None:
    config = Config()
    data = render_data.report_dict(pipeline.analyze([COPY, WIRE], config), config)
    copy = next(a for a in data["articles"] if a["id"] == "outlet-1")
    said = [
        (s["label"], s.get("agency"), s.get("evidence"), [x["grade"] for x in s.get("sources", [])])
        for s in copy["spans"]
    ]
    assert said == [
        ("wire", "AP", "alignment", ["verbatim"]),
        ("wire", "AP", "alignment", ["edited"]),
        ("original", None, None, []),
    ]
    text = render_text.render(data, {a.id: a.text for a in (COPY, WIRE)})
    assert "verbatim  outlet-1 (Daily Example) [0-178]  <->  wire-1 (AP) [0-177]" in text
    # The edited paragraph says its word edits (outlet-1 against wire-1): "about" ->
    # "roughly", "kilometers" -> "kilometres", "according to officials" -> "officials ...
    # said, adding"; the verbatim one has the same words.
    words = [x["words"] for s in copy["spans"] for x in s.get("sources", [])]
    assert words[0] == {"changed": 0, "inserted": 0, "deleted": 0}
    assert words[1]["changed"] >= 2
    assert "same words" in text
    edited = words[1]
    counts = f"words: {edited['changed']} changed, {edited['inserted']} inserted, "
    assert counts + f"{edited['deleted']} deleted" in text


# A wire story as AP sends it: a dateline before the lede, a credit after the last paragraph.
DATELINE = "SEOUL, South Korea (AP) — "
CREDIT = " (AP)"
DATELINED_WIRE = Article(
    "wire-dated",
    "\n".join([DATELINE + W1, W2, W3 + CREDIT]),
    outlet="AP",
    published="2024-05-01",
    source_kind=SourceKind.WIRE,
)
# The outlet copies the lede and the last paragraph word for word, without dateline or
# credit, and puts its own paragraph between them.
UNDATED_COPY = Article(
    "outlet-undated", "\n".join([W1, O3, W3]), outlet="Daily Example", published="2024-05-02"
)


def test_lede_after_a_dateline_and_paragraph_before_a_credit_are_matched() -> None:
    result = pipeline.analyze([DATELINED_WIRE, UNDATED_COPY])
    copy = next(r for r in result.articles if r.article.id == "outlet-undated")
    text, wire_text = UNDATED_COPY.text, DATELINED_WIRE.text
    wire = [s for s in copy.spans if s.label == Label.WIRE]
    # Both copied paragraphs are wire copy (the lede span takes the newline after it).
    lede, last = wire
    assert text[lede.start : lede.end].strip() == W1
    assert (last.start, last.end) == (len(text) - len(W3), len(text))
    # The sources point at the story text of the wire article: after the dateline, before
    # the credit, exactly.
    assert [(s.start, s.end) for s in lede.sources] == [(len(DATELINE), len(DATELINE) + len(W1))]
    end_of_w3 = len(wire_text) - len(CREDIT)
    assert [(s.start, s.end) for s in last.sources] == [(end_of_w3 - len(W3), end_of_w3)]
    assert all(
        s.grade == Grade.VERBATIM and s.score == 100.0 for s in (*lede.sources, *last.sources)
    )
    # The wire article's dateline and credit stay boilerplate in its own report.
    own = next(r for r in result.articles if r.article.id == "wire-dated")
    labels = {(s.start, s.label) for s in own.spans}
    assert (0, Label.BOILERPLATE) in labels


def test_a_credit_naming_another_agency_than_the_aligned_wire_story_is_evidence() -> None:
    """The outlet credits its copy to AFP in a dateline, but the text aligns with an AP
    story: the wire span says so. A joint credit naming AP as well says nothing."""
    credited = Article(
        "outlet-afp", "SEOUL (AFP) \u2014 " + "\n".join([W1, W2]), outlet="Daily Example"
    )
    joint = Article("outlet-joint", "SEOUL (AFP/AP) \u2014 " + "\n".join([W1, W2]), outlet="X")
    config = Config()
    data = render_data.report_dict(pipeline.analyze([WIRE, credited, joint], config), config)
    by_id = {a["id"]: a for a in data["articles"]}
    wire_spans = [s for s in by_id["outlet-afp"]["spans"] if s["label"] == "wire"]
    assert wire_spans
    assert all(s.get("credit_mismatch") == ["AP"] for s in wire_spans)
    assert not any("credit_mismatch" in s for s in by_id["outlet-joint"]["spans"])
    text = render_text.render(data, {a.id: a.text for a in (WIRE, credited, joint)})
    assert "aligned with AP, not credited" in text


def test_articles_below_the_similarity_threshold_are_not_near_duplicates() -> None:
    """The same opening and a rewritten rest (similarity 74-82, under 85) is a story that
    shares passages, not a near-duplicate; a lower threshold (70) makes it one."""
    story = "\n".join([W1, W2, W3])
    versions = ["\n".join([W1, O2, O3]), story + "\n" + O3 + "\n" + O2.replace("missile", "rocket")]
    for i, text in enumerate(versions):
        articles = [Article("a", story, outlet="One"), Article(f"b{i}", text, outlet="Two")]
        assert 70 <= similarity(story, text) < 85
        result = pipeline.analyze(articles)
        assert all(r.duplicates == () for r in result.articles)
        assert result.clusters == ()
        loose = Config(align=replace(Config().align, duplicate_min_similarity=70.0))
        assert pipeline.analyze(articles, loose).clusters == (("a", f"b{i}"),)


# A sentence rewritten around the wire's first clause (alignment score 69: "rewritten").
REWRITTEN = (
    "The missile flew about 600 kilometers before landing in waters outside Japan's exclusive "
    "economic zone, and the government in Tokyo protested through diplomatic channels on Friday."
)


def test_a_rewritten_sentence_above_the_match_floor_is_still_wire_copy() -> None:
    """Score 69 is above match_min_score (44): the copied clause is wire copy graded
    ``rewritten``; the clause the outlet added is original."""
    wire = Article("w", W2, outlet="AP", source_kind=SourceKind.WIRE, published="2024-01-01")
    outlet = Article("o", REWRITTEN, outlet="Paper", published="2024-01-02")
    result = pipeline.analyze([wire, outlet])
    (o,) = [r for r in result.articles if r.article.id == "o"]
    labels = [(s.label, [x.grade for x in s.sources]) for s in o.spans]
    assert labels == [(Label.WIRE, [Grade.REWRITTEN]), (Label.ORIGINAL, [])]
    assert o.spans[1].start > REWRITTEN.index("zone")


# What each of seven outlets adds to the copied paragraph: its own sentence, naming North
# Korea as the copy does (so the copy is story, not a template line of page chrome).
OWN = [
    "Fishermen in Sokcho said North Korea had not fired near their grounds since the spring.",
    "A defence analyst in Busan said North Korea was testing a solid-fuel engine again.",
    "Japan's coast guard told ships near Niigata to watch for debris after North Korea fired.",
    "Markets in Seoul shrugged off the news that North Korea had launched another missile.",
    "Diplomats at the United Nations said North Korea would be discussed again next week.",
    "Parents in Paju said their children practised a shelter drill as North Korea fired.",
    "A former general told a radio station that North Korea wanted attention before talks.",
]


def _seven(text: str, wire_at: int | None) -> list[Article]:
    """Seven outlets publish ``text`` on days 1-7 (day ``wire_at``: the AP wire story),
    each followed by a sentence of its own."""
    return [
        Article(
            f"d{day}",
            text + "\n" + OWN[day - 1],
            outlet="AP" if day == wire_at else f"Outlet {day}",
            published=f"2024-03-0{day}",
            source_kind=SourceKind.WIRE if day == wire_at else SourceKind.OUTLET,
        )
        for day in range(1, 8)
    ]


def test_a_span_lists_the_five_earliest_other_outlets() -> None:
    """No wire story: the last article's shared span names five sources (max_sources), the
    five earliest other outlets, and the earliest of all is the first appearance."""
    result = pipeline.analyze(_seven(W1, None))
    (last,) = [r for r in result.articles if r.article.id == "d7"]
    span = last.spans[0]
    assert (span.start, span.label) == (0, Label.SHARED)
    assert [s.article_id for s in span.sources] == ["d1", "d2", "d3", "d4", "d5"]
    assert span.first == "d1"


def test_the_wire_source_comes_before_earlier_outlets() -> None:
    """Six outlets ran the text before the AP story (day 7 of 7, after max_sources of them):
    every outlet's copy still names the wire story as its source and is wire copy."""
    result = pipeline.analyze(_seven(W1, wire_at=7))
    for r in result.articles:
        if r.article.id == "d7":
            continue
        span = r.spans[0]
        assert (span.label, span.agency, span.sources[0].article_id) == (Label.WIRE, "AP", "d7")


def test_a_copied_paragraph_is_one_match_not_one_per_sentence() -> None:
    """A three-sentence paragraph copied verbatim: its sentences are inside the paragraph's
    span with the same source, so the paragraph is one match."""
    paragraph = " ".join([W1, W3, "Officials in Seoul said they were watching closely now."])
    wire = Article("w", paragraph + "\n" + O3, outlet="AP", source_kind=SourceKind.WIRE)
    outlet = Article("o", paragraph + "\n" + O2, outlet="Paper")
    result = pipeline.analyze([wire, outlet])
    assert [(m.a.article_id, m.a.start, m.a.end, m.b.start, m.b.end) for m in result.matches] == [
        ("o", 0, len(paragraph), 0, len(paragraph))
    ]


def test_components_join_pairs_into_groups_rooted_at_their_least_member() -> None:
    from provenance.match.duplicates import Components

    parts: Components[str] = Components()
    for a, b in [("d", "c"), ("x", "y"), ("c", "a"), ("y", "d")]:
        parts.join(a, b)
    parts.join("q", "q")  # a pair with itself joins nothing
    assert parts.root("y") == "a"  # d-c-a and x-y-d are one component
    assert parts.groups(["q", "x", "a", "z"]) == [["q"], ["x", "a"], ["z"]]
    assert sorted(parts.members()) == ["a", "c", "d", "q", "x", "y", "z"]


def test_outlet_key_folds_names_and_keeps_outletless_articles_apart() -> None:
    from provenance.model import outlet_key

    assert outlet_key(Article("a", "x", outlet=" Daily Planet ")) == "daily planet"
    assert outlet_key(Article("a", "x", url="https://www.planet.example/x")) == "#a"
    assert outlet_key(Article("b", "x", url="https://www.planet.example/x")) == "#b"
    assert outlet_key(Article("a", "x", url="https://www.planet.example/x"), by_host=True) == (
        "planet.example"
    )


def test_a_match_carries_its_score_grade_estimate_and_edits_whichever_id_sorts_first() -> None:
    """A match's side ``a`` is the side whose (article id, start, end) sorts first, and its
    figures do not depend on that: W1 is copied verbatim (score 100, MinHash estimate 1, no
    edited word); W2 is edited ("about" -> "roughly", "kilometers" -> "kilometres", a phrase
    reordered): a score between the match floor and 100, an estimate below 1, words changed."""
    floor = Config().align.match_min_score
    for wire_id, copy_id in (("wire-1", "outlet-1"), ("a-wire", "b-outlet")):
        wire, copy = replace(WIRE, id=wire_id), replace(COPY, id=copy_id)
        verbatim, edited = pipeline.analyze([copy, wire], Config()).matches
        first = min(wire_id, copy_id)
        assert verbatim.a.article_id == edited.a.article_id == first
        assert (verbatim.a.start, verbatim.a.end) == (0, len(W1))
        assert (verbatim.score, verbatim.grade, verbatim.estimated_jaccard) == (
            100.0,
            Grade.VERBATIM,
            1.0,
        )
        assert verbatim.edits.total == 0
        assert edited.grade == Grade.EDITED
        assert floor <= edited.score < 100.0
        assert 0.0 < edited.estimated_jaccard < 1.0
        assert edited.edits.changed >= 2


def test_near_duplicates_from_scored_pairs_at_the_threshold_and_their_clusters() -> None:
    """Proposed pairs ``(a, b, estimated Jaccard, similarity)`` with the threshold at 85:
    85.0 is a near-duplicate (the floor is inclusive); 84.996 rounds to 85.0 and is one;
    84.994 rounds to 84.99 and is not; 50 is not. Each article lists its others by id with
    the pair's figures; clusters are the connected pairs, sorted, without lone articles."""
    from provenance.match.duplicates import duplicates_of
    from provenance.model import Duplicate

    config = Config()
    config = replace(config, align=replace(config.align, duplicate_min_similarity=85.0))
    scored = [
        ("f", "g", 0.6, 92.0),
        ("b", "e", 0.7, 84.996),
        ("c", "d", 0.8, 84.994),
        ("a", "b", 0.9, 85.0),
        ("a", "c", 0.5, 50.0),
    ]
    duplicates, clusters = duplicates_of(scored, config)
    assert duplicates == {
        "a": (Duplicate("a", "b", 0.9, 85.0),),
        "b": (Duplicate("b", "a", 0.9, 85.0), Duplicate("b", "e", 0.7, 85.0)),
        "e": (Duplicate("e", "b", 0.7, 85.0),),
        "f": (Duplicate("f", "g", 0.6, 92.0),),
        "g": (Duplicate("g", "f", 0.6, 92.0),),
    }
    assert clusters == (("a", "b", "e"), ("f", "g"))
    # held as columns: the articles with any in id order; none for the others; it
    # pickles (the work store keeps it, a pool sends it)
    assert list(duplicates) == ["a", "b", "e", "f", "g"]
    assert duplicates.get("c", ()) == ()
    assert "d" not in duplicates
    assert pickle.loads(pickle.dumps(duplicates)) == duplicates
    none, alone = duplicates_of([], config)
    assert (dict(none), alone) == ({}, ())


def _shared(start: int, end: int, *sources: str) -> tuple[Span, float]:
    found = tuple(SpanSource(s, None, 0, end - start, 100.0, Grade.VERBATIM, None) for s in sources)
    return Span(start, end, Label.SHARED, sources=found), 1.0


def test_a_span_is_pruned_only_inside_a_longer_one_with_all_its_sources() -> None:
    """A sentence span inside a paragraph span copied from the same article goes; one with
    a source the paragraph lacks stays (also when its other source is the paragraph's); a
    span as long as another, or a wire span inside a shared one, stays. What is kept is in
    text order."""
    paragraph = _shared(0, 100, "x", "y")
    inside = _shared(0, 50, "x")  # the paragraph's first sentence
    last = _shared(60, 100, "y")  # and its last
    other_source = _shared(10, 50, "z")
    one_more_source = _shared(30, 70, "x", "z")
    same_length = _shared(0, 100, "x")
    wire = (replace(_shared(20, 60, "x")[0], label=Label.WIRE), 1.0)
    spans = [inside, other_source, wire, paragraph, last, same_length, one_more_source]
    kept = reuse_spans._prune(spans)
    assert kept == [same_length, paragraph, other_source, wire, one_more_source]


def test_the_best_source_is_a_wire_article_then_the_earliest_instant_then_the_lower_id() -> None:
    """``Ranking.key``: wire articles before outlets whatever their dates; within each kind
    the earliest ``published`` instant (a "-05:00" time late on the 1st is 04:00 UTC on the
    2nd, after 01:00 UTC on the 2nd), an undated article after every dated one, equal
    instants by id."""
    wire_late = Article(
        "w-late", "", outlet="AP", published="2024-05-09", source_kind=SourceKind.WIRE
    )
    wire_undated = Article("a-wire", "", outlet="Reuters", source_kind=SourceKind.WIRE)
    west = Article("a-west", "", outlet="One", published="2024-05-01T23:00:00-05:00")
    early = Article("z-early", "", outlet="Two", published="2024-05-02T01:00:00Z")
    tied = Article("b-tied", "", outlet="Three", published="2024-05-02T01:00:00+00:00")
    undated = Article("a-undated", "", outlet="Four")
    given = [undated, west, early, wire_undated, tied, wire_late]
    ranked = sorted(given, key=reuse_spans.Ranking.key)
    assert [a.id for a in ranked] == [
        "w-late",
        "a-wire",
        "b-tied",
        "z-early",
        "a-west",
        "a-undated",
    ]


def _grade(score: float, edits: WordEdits) -> Grade:
    from provenance.match.align import grade

    return grade(score, Config().align, edits)


def test_a_text_s_spans_take_the_best_ranked_sources_of_other_outlets() -> None:
    """``text_spans`` on a distinct text of length 40 found at offset 10 of article m
    (outlet "Paper") and at offset 0 of o1 (outlet "One"), linked to itself and to text 1
    (its characters 5-25 against text 1's 3-23, score 96, one word changed), with at most
    two sources per span. Per occurrence and link, the linked text's occurrences are taken
    in rank order, skipping the article itself and any article of its outlet (" paper " is
    "Paper"), until two are taken:
    - m, itself: the wire story w (at 100) and o1 (at 200); w is a wire article, so the
      span is wire copy with w alone as source, credited to w's outlet;
    - m, text 1: o3 and o1 (o2 is a third); no wire source: a shared span, offsets
      shifted by each occurrence's start, graded edited (a word changed: not verbatim,
      though 96 is above the verbatim score of a bare score);
    - o1, itself: w and m (the first two); wire copy;
    - o1, text 1: m and m2 (another outlet than o1's): shared.
    The first appearance is asked once, for the first shared span."""
    mine = Article("m", "", outlet="Paper", published="2024-05-03")
    twin = Article("m2", "", outlet=" paper ")
    wire = Article("w", "", outlet="AP", published="2024-05-01", source_kind=SourceKind.WIRE)
    one = Article("o1", "", outlet="One", published="2024-05-02")
    two = Article("o2", "", outlet="Two")
    three = Article("o3", "", outlet="Three")
    edits = WordEdits(changed=1)
    links = [
        Link(0, (0, 40), (0, 40), 100.0, 1.0),
        Link(1, (5, 25), (3, 23), 96.0, 0.5, edits),
    ]
    ranked = {
        0: [(wire, 100), (mine, 10), (twin, 0), (one, 200), (two, 300)],
        1: [(mine, 60), (twin, 7), (three, 50), (one, 0), (two, 9)],
    }
    asked: list[str] = []

    def first() -> str:
        asked.append("first")
        return "o3"

    config = replace(Config(), align=replace(Config().align, max_sources=2))
    found = list(
        reuse_spans.text_spans([(mine, 10), (one, 0)], links, ranked.__getitem__, first, config)
    )
    edited = _grade(96.0, edits)
    assert edited == Grade.EDITED

    def source(a: Article, start: int, score: float, grade: Grade, e: WordEdits) -> SpanSource:
        return SpanSource(
            a.id,
            a.outlet,
            start,
            start + 20 if score < 100 else start + 40,
            score,
            grade,
            a.published,
            e,
        )

    from_wire = source(wire, 100, 100.0, Grade.VERBATIM, WordEdits())
    assert found == [
        (
            mine,
            Span(10, 50, Label.WIRE, agency="AP", evidence="alignment", sources=(from_wire,)),
            1.0,
        ),
        (
            mine,
            Span(
                15,
                35,
                Label.SHARED,
                sources=(
                    source(three, 53, 96.0, edited, edits),
                    source(one, 3, 96.0, edited, edits),
                ),
                first="o3",
            ),
            0.5,
        ),
        (
            one,
            Span(0, 40, Label.WIRE, agency="AP", evidence="alignment", sources=(from_wire,)),
            1.0,
        ),
        (
            one,
            Span(
                5,
                25,
                Label.SHARED,
                sources=(
                    source(mine, 63, 96.0, edited, edits),
                    source(twin, 10, 96.0, edited, edits),
                ),
                first="o3",
            ),
            0.5,
        ),
    ]
    assert asked == ["first"]


def test_a_wire_article_s_own_copy_is_shared_and_a_wire_source_without_outlet_is_named_by_id() -> (
    None
):
    """Two wire stories with the same paragraph: each is the other's source, and a wire
    article's copy of a wire story is shared, not wire copy (it names its first appearance).
    An outlet's copy of a wire story with no outlet is wire copy credited to the story's id,
    its sources the wire stories only. An occurrence with no source in another outlet (only
    its own outlet has the text) has no span."""
    ap = Article("ap-1", "", outlet="AP", source_kind=SourceKind.WIRE)
    bare = Article("wire-x", "", source_kind=SourceKind.WIRE)
    paper = Article("p", "", outlet="Paper")
    alone = Article("p2", "", outlet="paper")
    self_link = [Link(0, (0, 30), (0, 30), 100.0, 1.0)]
    ranked = [(bare, 0), (ap, 5), (paper, 7), (alone, 1)]
    found = list(
        reuse_spans.text_spans(
            [(ap, 5), (bare, 0), (paper, 7), (alone, 1)],
            self_link,
            lambda _: ranked,
            lambda: "unknown",
            Config(),
        )
    )
    labels = [
        (a.id, s.label, s.agency, s.first, [x.article_id for x in s.sources]) for a, s, _ in found
    ]
    assert labels == [
        ("ap-1", Label.SHARED, None, "unknown", ["wire-x", "p", "p2"]),
        ("wire-x", Label.SHARED, None, "unknown", ["ap-1", "p", "p2"]),
        ("p", Label.WIRE, "wire-x", None, ["wire-x", "ap-1"]),
        ("p2", Label.WIRE, "wire-x", None, ["wire-x", "ap-1"]),
    ]
    only_own = [(paper, 7), (alone, 1)]
    assert not list(
        reuse_spans.text_spans([(paper, 7)], self_link, lambda _: only_own, lambda: "?", Config())
    )


def test_links_of_keeps_alignments_at_or_above_the_match_floor_in_both_directions() -> None:
    """``links_of``: a candidate with no alignment, or one scoring under match_min_score
    (44), makes no link; one at 44 exactly does. Each link is stored on both texts, in
    candidate order: on ``a`` with a's span first and the edits as aligned (a's words
    against b's), on ``b`` with the spans exchanged and the edits seen from b (what a
    inserted, b deleted)."""
    from provenance.match.align import Alignment
    from provenance.match.candidates import Candidate
    from provenance.match.links import links_of

    edits = WordEdits(changed=1, inserted=2, deleted=0)
    aligned = [
        (Candidate(0, 1, 0.9), None),
        (Candidate(0, 2, 0.7), Alignment(1, 9, 3, 11, 44.0, edits)),
        (Candidate(1, 2, 0.4), Alignment(0, 5, 0, 5, 43.99)),
        (Candidate(2, 3, 0.5), Alignment(0, 30, 2, 32, 100.0)),
    ]
    assert links_of(aligned, Config()) == {
        0: [Link(2, (1, 9), (3, 11), 44.0, 0.7, edits)],
        2: [
            Link(0, (3, 11), (1, 9), 44.0, 0.7, WordEdits(changed=1, inserted=0, deleted=2)),
            Link(3, (0, 30), (2, 32), 100.0, 0.5),
        ],
        3: [Link(2, (2, 32), (0, 30), 100.0, 0.5)],
    }


def test_the_link_table_holds_the_links_of_links_of_as_columns() -> None:
    """``LinkTable``: the links ``links_of`` makes, grouped by text, each text's in
    candidate order (text 2's back link to 0 before its link to 3), spans, scores,
    estimates and edits as made; texts 1 (its only alignment under the floor) and 4 (past
    the last text with a link) have none; ``texts`` lists those with links, ascending."""
    from provenance.match.links import LinkTable, directed, links_of

    edits = WordEdits(changed=1, inserted=2, deleted=0)
    aligned = [
        (Candidate(2, 3, 0.5), Alignment(0, 30, 2, 32, 100.0)),
        (Candidate(1, 2, 0.4), Alignment(0, 5, 0, 5, 43.99)),
        (Candidate(0, 2, 0.7), Alignment(1, 9, 3, 11, 44.0, edits)),
    ]
    table = LinkTable.of(directed(aligned, Config()))
    expected = links_of(aligned, Config())
    assert table.texts.tolist() == [0, 2, 3]
    assert len(table) == 4
    assert {u: table.of_text(u) for u in range(5)} == {**{1: [], 4: []}, **expected}
    assert table.of_text(2) == [
        Link(3, (0, 30), (2, 32), 100.0, 0.5),
        Link(0, (3, 11), (1, 9), 44.0, 0.7, WordEdits(changed=1, inserted=0, deleted=2)),
    ]
    empty = LinkTable.of(directed([(Candidate(0, 1, 0.9), None)], Config()))
    assert (len(empty), empty.texts.tolist(), empty.of_text(0)) == (0, [], [])
    # held in 16 bits when they fit (offsets and counts under 65,536, scores in whole
    # hundredths, estimates in ten-thousandths), else as made: the same links either way
    odd = [(Candidate(0, 1, 0.12345), Alignment(0, 70_000, 5, 70_005, 87.123))]
    wide = LinkTable.of(directed(odd, Config()))
    assert {u: wide.of_text(u) for u in (0, 1)} == links_of(odd, Config())
    assert wide.of_text(1) == [Link(0, (5, 70_005), (0, 70_000), 87.123, 0.12345)]


@pytest.mark.parametrize("fold", [1, 2, 3, 65_536])
def test_the_link_table_made_a_block_at_a_time_holds_the_same_links(
    monkeypatch: pytest.MonkeyPatch, fold: int
) -> None:
    """``LinkTable.of`` makes its columns ``_FOLD`` links at a time: however the links are
    cut into blocks, the table holds the links ``links_of`` makes. With one alignment
    whose offsets pass 16 bits and whose score is not whole hundredths (its two links in
    one block, or that block and the next), every block's columns are widened alike: 32-bit
    offsets and float64 scores for all, the same values."""
    from provenance.match import links
    from provenance.match.links import LinkTable, directed, links_of

    monkeypatch.setattr(links, "_FOLD", fold)
    edits = WordEdits(changed=1, inserted=2, deleted=0)
    aligned = [
        (Candidate(2, 3, 0.5), Alignment(0, 30, 2, 32, 100.0)),
        (Candidate(1, 2, 0.4), Alignment(0, 5, 0, 5, 43.99)),
        (Candidate(0, 2, 0.7), Alignment(1, 9, 3, 11, 44.0, edits)),
        (Candidate(1, 4, 0.35), Alignment(2, 40, 0, 38, 61.5)),
    ]
    odd = (Candidate(3, 5, 0.12345), Alignment(0, 70_000, 5, 70_005, 87.123))
    for given in (aligned, [*aligned[:2], odd, *aligned[2:]]):
        table = LinkTable.of(directed(given, Config()))
        expected = links_of(given, Config())
        assert len(table) == sum(len(k) for k in expected.values())  # 43.99: under the floor
        assert {u: table.of_text(u) for u in range(7)} == {u: expected.get(u, []) for u in range(7)}
        narrow = given is aligned
        assert table._spans.dtype == (np.uint16 if narrow else np.int32)
        assert table._floats.dtype == (np.uint16 if narrow else np.float64)


@pytest.mark.parametrize("fold", [1, 3, 65_536])
@pytest.mark.parametrize("parts", [1, 2, 32])
def test_links_kept_in_the_work_folder_are_the_link_tables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fold: int, parts: int
) -> None:
    """``StoredLinks``: the links, dealt into ``LINK_PARTS`` files by the range of their
    text as blocks of ``_FOLD`` come, then grouped by text into one file, are the
    ``LinkTable``'s: each text's, in candidate order (text 2's back link to 0 before its
    link to 3), with 16-bit values or not (the 70,000 offsets and the 87.123 score). The
    dealt files are gone once the table is made, its own once it is closed."""
    from provenance.match import links
    from provenance.match.links import LinkTable, StoredLinks, _blocks, directed
    from provenance.run.stored import StoredMatrix

    monkeypatch.setattr(links, "_FOLD", fold)
    monkeypatch.setattr(links, "LINK_PARTS", parts)
    edits = WordEdits(changed=1, inserted=2, deleted=0)
    aligned = [
        (Candidate(2, 3, 0.5), Alignment(0, 30, 2, 32, 100.0)),
        (Candidate(5, 6, 0.4), Alignment(0, 5, 0, 5, 43.99)),  # under the floor
        (Candidate(0, 2, 0.7), Alignment(1, 9, 3, 11, 44.0, edits)),
        (Candidate(1, 4, 0.35), Alignment(2, 40, 0, 38, 61.5)),
        (Candidate(2, 5, 0.6), Alignment(3, 12, 0, 9, 70.0)),
    ]
    odd = (Candidate(3, 5, 0.12345), Alignment(0, 70_000, 5, 70_005, 87.123))

    made: list[str] = []

    def spill(name: str, width: int) -> StoredMatrix:
        made.append(name)
        return StoredMatrix(tmp_path / f"{name}.u32", width)

    for given in (aligned, [*aligned[:2], odd, *aligned[2:]]):
        table = LinkTable.of(directed(given, Config()))
        stored = StoredLinks(_blocks(iter(directed(given, Config()))), 7, spill)
        assert [p.name for p in tmp_path.iterdir()] == ["scratch-links-grouped.u32"]
        # a file for each range of texts that has links (of min(parts, 7) ranges), then one
        dealt = {u * min(parts, 7) // 7 for u in stored.texts.tolist()}
        assert sorted(made) == sorted(
            [*(f"scratch-links-{k}" for k in dealt), "scratch-links-grouped"]
        )
        made.clear()
        assert (len(stored), stored.texts.tolist()) == (len(table), table.texts.tolist())
        assert stored.texts.tolist() == [0, 1, 2, 3, 4, 5]
        assert [stored.of_text(u) for u in range(8)] == [table.of_text(u) for u in range(8)]
        assert (
            stored.of_text(2)[:2]
            == table.of_text(2)[:2]
            == [
                Link(3, (0, 30), (2, 32), 100.0, 0.5),
                Link(0, (3, 11), (1, 9), 44.0, 0.7, WordEdits(changed=1, inserted=0, deleted=2)),
            ]
        )
        stored.close()
        assert list(tmp_path.iterdir()) == []
        with pytest.raises(RuntimeError, match="closed"):
            stored.of_text(2)
    empty = StoredLinks(_blocks(iter(directed([(Candidate(0, 1, 0.9), None)], Config()))), 2, spill)
    assert (len(empty), empty.texts.tolist(), empty.of_text(0)) == (0, [], [])
    empty.close()


def test_candidates_are_aligned_a_chunk_at_a_time_each_with_its_own_texts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``_aligned`` with chunks of 2 candidates: each chunk reads its distinct texts once,
    sorted, and hands the aligner the candidates renumbered into that list (estimate
    kept); every candidate comes back, in order, with the alignment of its own two
    texts."""
    from provenance.match import links
    from provenance.match.align import Alignment
    from provenance.match.candidates import Candidate
    from provenance.run.kernels import Chunk, align_chunks

    class Texts:
        def __init__(self) -> None:
            self.reads: list[list[int]] = []

        def many(self, seqs: Sequence[int]) -> list[str]:
            self.reads.append(list(seqs))
            return [f"text {s}" for s in seqs]

    class Kernels:
        def align(self, texts: Sequence[str], pairs: Sequence[Candidate]) -> list[Alignment]:
            # the alignment says which texts it was given: "text 4" aligned at 4
            def at(c: Candidate, x: int) -> int:
                return int(texts[x].split()[1])

            return [Alignment(at(c, c.a), 0, at(c, c.b), 0, c.estimated_jaccard) for c in pairs]

        def align_each(self, chunks: Iterable[Chunk]) -> Iterator[Alignment | None]:
            return align_chunks(cast("Local", self), chunks)

    monkeypatch.setattr(links, "ALIGN_CHUNK", 2)
    texts = Texts()
    corpus = cast("reuse.Corpus", SimpleNamespace(texts=texts))
    given = [
        Candidate(0, 4, 0.1),
        Candidate(1, 4, 0.2),
        Candidate(2, 3, 0.3),
        Candidate(3, 5, 0.4),
        Candidate(0, 5, 0.5),
    ]
    found = list(links._aligned(corpus, given, cast("Local", Kernels())))
    assert [c for c, _ in found] == given
    assert [(x.a_start, x.b_start, x.score) for _, x in found if x is not None] == [
        (c.a, c.b, c.estimated_jaccard) for c in given
    ]
    assert texts.reads == [[0, 1, 4], [2, 3, 5], [0, 5]]


def test_a_match_is_told_from_the_side_that_sorts_first_and_found_once() -> None:
    """``assemble``: a match's side ``a`` is the side whose (article id, start, end) sorts
    first. b-copy's span copied from a-wire (score 90, one word changed and two inserted
    by the copy) is the match a-wire -> b-copy with the edits seen from a-wire (two
    deleted); its span's first sentence, with the same source, is pruned and makes no
    match. Its span copied into z-late is b-copy -> z-late with the edits as they are; the
    same match told again from z-late's side is one match. Spans and matches are in
    text order."""
    from provenance.model import Match, MatchSide

    seen = WordEdits(changed=1, inserted=2)
    from_wire = SpanSource("a-wire", "AP", 0, 20, 90.0, Grade.EDITED, None, seen)
    sentence = SpanSource("a-wire", "AP", 0, 8, 100.0, Grade.VERBATIM, None)
    to_late = SpanSource("z-late", "Late", 5, 25, 100.0, Grade.VERBATIM, None)
    back = SpanSource("b-copy", "Paper", 40, 60, 100.0, Grade.VERBATIM, None)
    wire_span = Span(10, 30, Label.WIRE, agency="AP", evidence="alignment", sources=(from_wire,))
    first_sentence = replace(wire_span, end=18, sources=(sentence,))
    later = Span(40, 60, Label.SHARED, sources=(to_late,), first="b-copy")
    in_late = Span(5, 25, Label.SHARED, sources=(back,), first="b-copy")
    spans, matches = reuse_spans.assemble(
        {
            "z-late": [(in_late, 0.6)],
            "b-copy": [(later, 0.6), (first_sentence, 1.0), (wire_span, 0.7)],
        }
    )
    assert spans == {"b-copy": (wire_span, later), "z-late": (in_late,)}
    assert matches == (
        Match(
            MatchSide("a-wire", 0, 20),
            MatchSide("b-copy", 10, 30),
            90.0,
            Grade.EDITED,
            0.7,
            WordEdits(changed=1, inserted=0, deleted=2),
        ),
        Match(MatchSide("b-copy", 40, 60), MatchSide("z-late", 5, 25), 100.0, Grade.VERBATIM, 0.6),
    )


def test_the_match_table_keeps_the_first_maker_of_each_match_in_report_order() -> None:
    """``MatchColumns`` / ``MatchTable``: the matches of ``assemble``'s case, made article
    after article in id order (b-copy's, then z-late's, which tells b-copy -> z-late again
    with another score: the first maker's is kept), come back as ``assemble`` has them:
    one each, in report order, ids, sides, scores, grades, estimates and edits as made;
    an article no match names (y-none) is not kept. Indexing and slicing read single
    matches."""
    from provenance.model import Match, MatchSide

    first = Match(
        MatchSide("b-copy", 40, 60), MatchSide("z-late", 5, 25), 100.0, Grade.VERBATIM, 0.6
    )
    wire = Match(
        MatchSide("a-wire", 0, 20),
        MatchSide("b-copy", 10, 30),
        90.0,
        Grade.EDITED,
        0.7,
        WordEdits(changed=1, inserted=0, deleted=2),
    )
    ids = ("a-wire", "b-copy", "y-none", "z-late")
    columns = reuse_spans.MatchColumns(ids, {a: k for k, a in enumerate(ids)})
    columns.extend([first, wire])
    columns.extend([replace(first, score=99.0, grade=Grade.EDITED)])
    table = columns.table()
    assert (len(table), tuple(table)) == (2, (wire, first))
    assert (table[0], table[-1], table[1:]) == (wire, first, [first])
    with pytest.raises(IndexError):
        table[2]
    assert tuple(reuse_spans.MatchColumns(ids, {}).table()) == ()


@pytest.mark.parametrize("part", [1, 2, 3, 7, 150, reuse_spans.FIRST_PART])
@pytest.mark.parametrize("ranked", [False, True])
def test_the_first_maker_of_equal_sides_is_kept_however_the_rows_are_parted(
    part: int, ranked: bool
) -> None:
    """``_first_made`` sorts and compares the rows a part of side a's articles at a time
    (about ``part`` rows): whatever the size, it keeps what a stable sort of the rows by
    (side a's article rank, start, end, side b's) and a walk keeping the first of each six
    sides keeps. The rows: 400 matches over 3 articles and offsets 0-2, so most sides
    repeat; with ``ranked``, the articles' order is not their numbers' (2, 0, 1)."""
    rng = np.random.default_rng(7)
    ints = rng.integers(0, 3, size=(400, 10)).astype(np.int32)
    ints[:, 6:] = np.arange(400)[:, None]  # grade and edits tell the rows apart
    rank = np.array([1, 2, 0], dtype=np.int32) if ranked else None

    def sides(k: int) -> tuple[int, ...]:
        a0, a1, a2, b0, b1, b2 = ints[k, :6].tolist()
        if rank is not None:
            a0, b0 = int(rank[a0]), int(rank[b0])
        return (a0, a1, a2, b0, b1, b2)

    expected, seen = [], set()
    for k in sorted(range(len(ints)), key=sides):
        if sides(k) not in seen:
            seen.add(sides(k))
            expected.append(k)
    kept = reuse_spans._first_made(ints, rank, part)
    assert kept.tolist() == expected
    assert 1 < len(expected) < 400  # some rows repeat sides, and not all


def test_the_match_table_of_many_repeated_matches_is_what_a_dict_keeps() -> None:
    """``MatchColumns.table`` on 600 matches among 4 articles with offsets 0-3 (most pairs
    of sides made several times, with other scores, grades and edits): the first maker of
    each pair of sides, in report order, as ``in_report_order`` over a dict that keeps the
    first (``assemble``'s way) has them. The ids are not in str order, so the articles'
    ranks are not their numbers."""
    from provenance.model import Match, MatchSide

    rng = np.random.default_rng(11)
    ids = ("d", "b", "a", "c")
    made = []
    for k in range(600):
        (a, b), (s0, e0, s1, e1) = rng.choice(4, 2), rng.integers(0, 4, 4).tolist()
        edits = WordEdits(*rng.integers(0, 5, 3).tolist())
        grade = tuple(Grade)[k % len(Grade)]
        made.append(
            Match(MatchSide(ids[a], s0, e0), MatchSide(ids[b], s1, e1), k, grade, k / 600, edits)
        )
    kept: dict[tuple[MatchSide, MatchSide], Match] = {}
    for m in made:
        kept.setdefault((m.a, m.b), m)
    columns = reuse_spans.MatchColumns(ids, {a: k for k, a in enumerate(ids)})
    for at in range(0, 600, 50):
        columns.extend(made[at : at + 50])
    table = columns.table()
    assert tuple(table) == reuse_spans.in_report_order(kept)
    assert 50 < len(table) < 600  # some matches were made again, and not all


@pytest.mark.parametrize("read", [1, 3, 1 << 16])
@pytest.mark.parametrize("exact", [True, False])
def test_a_match_table_kept_in_the_work_store_reads_back_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, read: int, exact: bool
) -> None:
    """``MatchTable.kept``: the table of 40 matches (scores exact to 2 places, or not, so
    the floats are kept as uint16 or float64) written to a real work store reads back the
    same matches, whole, by index and by slice, and the same sides (gathered ``read``
    matches at a time); it pickles as the columns' file (the pickle is smaller than the
    columns), and the copy reads the same."""
    from provenance.model import Match, MatchSide
    from provenance.run.workstore import WorkStore

    monkeypatch.setattr(reuse_spans, "SIDES_READ", read)
    ids = tuple(f"art-{k:02d}" for k in range(9))
    made = [
        Match(
            MatchSide(ids[k % 9], k, k + 30 + k % 7),
            MatchSide(ids[(k * 5 + 1) % 9], 2 * k, 2 * k + 25),
            80.0 + k / 4 + (0.0 if exact else 1e-9),
            tuple(Grade)[k % len(Grade)],
            round(k / 40, 4),
            WordEdits(k % 3, k % 5, k % 2),
        )
        for k in range(40)
    ]
    columns = reuse_spans.MatchColumns(ids, {a: k for k, a in enumerate(ids)})
    columns.extend(made)
    table = columns.table()
    assert np.asarray(table._floats).dtype == (np.uint16 if exact else np.float64)
    store = WorkStore(tmp_path / "work", resume=False)
    kept = table.kept(store, "matches")
    assert (tmp_path / "work" / "matches.npz").is_file()
    assert not isinstance(kept._ints, np.ndarray)
    assert tuple(kept) == tuple(table)
    assert len(kept) == len(table) == 40
    assert (kept[7], kept[-1], kept[3:9]) == (table[7], table[-1], list(table[3:9]))
    for got, want in zip(kept.sides(), table.sides(), strict=True):
        assert list(got) == list(want)
    blob = pickle.dumps(kept)
    assert len(blob) < np.asarray(table._ints).nbytes
    assert tuple(pickle.loads(blob)) == tuple(table)
    assert kept.kept(store, "other") is kept  # kept once
    store.close()


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 1 << 20])
def test_kept_rows_move_up_in_place_in_their_order(chunk: int) -> None:
    """``codes.move_up`` reads ``chunk`` rows at a time: whatever the step, the rows
    marked come first, in their order (as ``rows[keep]``), in the same array."""
    rng = np.random.default_rng(5)
    rows = rng.integers(0, 1000, size=(101, 3)).astype(np.int32)
    keep = rng.random(101) < 0.4
    expected = rows[keep].copy()
    assert codes.move_up(rows, keep, chunk) == len(expected)
    assert rows[: len(expected)].tolist() == expected.tolist()


def test_matches_are_reported_by_both_sides_article_start_and_end() -> None:
    """``in_report_order`` sorts by side a's article, start and end, then side b's."""
    from provenance.model import Match, MatchSide

    def m(a: tuple[str, int, int], b: tuple[str, int, int]) -> Match:
        return Match(MatchSide(*a), MatchSide(*b), 100.0, Grade.VERBATIM, 1.0)

    expected = [
        m(("a", 0, 10), ("w", 50, 60)),
        m(("a", 0, 10), ("x", 0, 10)),
        m(("a", 0, 10), ("x", 5, 10)),
        m(("a", 0, 10), ("x", 5, 15)),
        m(("a", 0, 12), ("b", 0, 1)),
        m(("a", 3, 5), ("a", 0, 1)),
        m(("b", 0, 1), ("c", 0, 1)),
    ]
    scrambled = [expected[i] for i in (6, 3, 5, 0, 4, 2, 1)]
    found = reuse_spans.in_report_order({(x.a, x.b): x for x in scrambled})
    assert list(found) == expected


def test_a_span_as_long_as_another_is_kept_wherever_it_starts() -> None:
    """Two spans over the same characters 10-50, one with a source the other lacks: the
    one with fewer sources is not inside the other (only a longer span contains one), so
    both stay, in text order (fewer sources first)."""
    both = _shared(10, 50, "x", "y")
    one = _shared(10, 50, "x")
    assert reuse_spans._prune([both, one]) == [one, both]


class _SignRecorder(Local):
    """The local kernels, noting how many texts each ``sign`` call was given."""

    def __init__(self) -> None:
        self.batches: list[int] = []

    def sign(self, texts: Sequence[str], params: FingerprintParams, shingler: Shingler) -> Matrix:
        self.batches.append(len(texts))
        return super().sign(texts, params, shingler)


def test_the_corpus_numbers_distinct_passages_by_first_occurrence_and_signs_each_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``Corpus.build`` over a (W1, W2), b (W2, W3), c (W3, O3, W1) and d (one short
    sentence, no passage), each paragraph one passage: the passages in article then text
    order belong to articles 0, 0, 1, 1, 2, 2, 2 at their paragraphs' starts; the distinct
    texts are numbered as first met (W1 0, W2 1, W3 2, O3 3), each stored and signed once,
    at most SIGN_CHUNK at a time (3: a batch of 3, then 1; 2: two batches of 2 and no empty
    third); W1 occurs at passages 0 and 6. The articles are kept as columns, read back
    without their text; the passages' columns are int32."""
    config = Config()
    arts = [
        Article("a", W1 + "\n" + W2, outlet="One"),
        Article("b", W2 + "\n" + W3, outlet="Two"),
        Article("c", W3 + "\n" + O3 + "\n" + W1, outlet="Three"),
        Article("d", "Too short.", outlet="Four"),
    ]
    params = FingerprintParams.from_config(config.fingerprint)
    distinct = [W1, W2, W3, O3]
    for chunk, batches in ((3, [3, 1]), (2, [2, 2])):
        monkeypatch.setattr(kernels_module, "SIGN_CHUNK", chunk)
        kernels = _SignRecorder()
        texts = MemoryTexts()
        corpus = reuse.Corpus.build(_segmented(*arts), config, kernels, texts)
        assert kernels.batches == batches
        assert list(corpus.ids) == ["a", "b", "c", "d"]
        kept = [corpus.articles.article(k) for k in range(4)]
        assert [(a.id, a.text, a.outlet) for a in kept] == [
            ("a", "", "One"),
            ("b", "", "Two"),
            ("c", "", "Three"),
            ("d", "", "Four"),
        ]
        assert corpus.passage_article.tolist() == [0, 0, 1, 1, 2, 2, 2]
        c_w1 = len(W3) + len(O3) + 2
        starts = [0, len(W1) + 1, 0, len(W2) + 1, 0, len(W3) + 1, c_w1]
        assert corpus.passage_start.tolist() == starts
        assert corpus.passage_text.tolist() == [0, 1, 1, 2, 2, 3, 0]
        assert corpus.lengths.tolist() == [len(t) for t in distinct]
        assert texts.many(range(len(texts))) == distinct
        signed = BatchSigner(params).sign_texts(distinct)
        assert corpus.signatures.dtype == signed.dtype
        assert np.array_equal(np.asarray(corpus.signatures), signed)
        assert [corpus.occurrences(u) for u in range(4)] == [[0, 6], [1, 2], [3, 4], [5]]
        assert (corpus.article_of(6).id, corpus.start_of(6)) == ("c", c_w1)
        per_passage = (corpus.passage_article, corpus.passage_start, corpus.passage_text)
        columns = (*per_passage, corpus.by_text, corpus.bounds, corpus.lengths)
        assert {c.dtype for c in columns} == {np.dtype(np.int32)}  # 4 bytes a passage


def _nan_digest_sentence() -> str:
    """A passage-length sentence whose digest's first 8 bytes, read as a float, are NaN
    (about one text in 2,048: an exponent of all ones), searched for here so that the case
    does not hang on one hash function's output for one hand-picked sentence."""
    for day in range(100_000):
        text = f"The council met on day {day} of the session and agreed the budget for the year."
        if np.isnan(np.frombuffer(claim_columns.text_digest(text)[:8], dtype=np.float64)[0]):
            return text
    raise AssertionError("no sentence in 100,000 has a NaN first half: is the digest 128-bit?")


def test_a_repeated_passage_is_one_distinct_text_whatever_the_bits_of_its_digest() -> None:
    """The same passage in a and in b is one distinct text (numbered 0, as first met)
    whatever the bits of its 128-bit digest, which are compared as bits: here a digest
    whose first half, read as a float, is NaN (a NaN equals nothing, itself included, so
    digests compared as floats would make the two occurrences two texts)."""
    day = _nan_digest_sentence()
    arts = _segmented(
        Article("a", day + "\n" + W1, outlet="One"), Article("b", W3 + "\n" + day, outlet="Two")
    )
    texts = MemoryTexts()
    corpus = reuse.Corpus.build(arts, Config(), Local(), texts)
    assert texts.many(range(len(texts))) == [day, W1, W3]
    assert corpus.passage_text.tolist() == [0, 1, 2, 0]


def test_passages_under_the_configured_floor_are_left_out() -> None:
    """With min_passage_chars 95, W3 (94 characters) is no passage: the distinct texts of
    a (W1, W2) and b (W2, W3) are W1 and W2, and b has one passage."""
    fingerprint = replace(Config().fingerprint, min_passage_chars=len(W3) + 1)
    config = replace(Config(), fingerprint=fingerprint)
    arts = _segmented(
        Article("a", W1 + "\n" + W2, outlet="One"), Article("b", W2 + "\n" + W3, outlet="Two")
    )
    texts = MemoryTexts()
    corpus = reuse.Corpus.build(arts, config, Local(), texts)
    assert texts.many(range(len(texts))) == [W1, W2]
    assert corpus.passage_article.tolist() == [0, 0, 1]


def test_a_text_s_occurrences_are_in_passage_order() -> None:
    """``Corpus.of`` with 120 passages alternating between distinct texts 1 and 0: text
    0's occurrences are passages 1, 3, ..., 119 in that order (a text repeated in one
    article gives its sources in text order), text 1's 0, 2, ..., 118."""
    n = 120
    corpus = reuse.Corpus.of(
        {"a": Article("a", "")},
        np.zeros(n, dtype=np.int64),
        np.arange(n, dtype=np.int64) * 10,
        np.array([1, 0] * (n // 2), dtype=np.int64),
        np.array([5, 5], dtype=np.int64),
        MemoryTexts(),
        np.zeros((2, 4), dtype=np.uint32),
    )
    assert corpus.occurrences(0) == list(range(1, n, 2))
    assert corpus.occurrences(1) == list(range(0, n, 2))
    assert corpus.bounds.tolist() == [0, n // 2, n]


def test_a_corpus_without_passages_has_no_reuse() -> None:
    """Articles too short for any passage: no text is stored, one empty batch is signed
    (an empty signature matrix), and nothing is reused; two of them with the same text
    are no near-duplicates (only articles with passages are compared)."""
    config = Config()
    arts = _segmented(
        Article("a", "Too short.", outlet="One"), Article("b", "Too short.", outlet="Two")
    )
    texts = MemoryTexts()
    corpus = reuse.Corpus.build(arts, config, Local(), texts)
    assert len(texts) == 0
    assert corpus.signatures.shape == (0, config.fingerprint.num_perm)
    assert corpus.passage_text.tolist() == []
    found = reuse.find_reuse(arts, config)
    assert (found.spans, tuple(found.matches), dict(found.duplicates), found.clusters) == (
        ((), ()),
        (),
        {},
        (),
    )


class _Recorder(Local):
    """The local kernels, noting which of them ran."""

    def __init__(self) -> None:
        self.ran: set[str] = set()

    def sign(self, texts: Sequence[str], params: FingerprintParams, shingler: Shingler) -> Matrix:
        self.ran.add("sign")
        return super().sign(texts, params, shingler)

    def candidates(
        self, signatures: Signatures, threshold: float, max_candidates: int, bands_per_pass: int
    ) -> Sequence[Candidate]:
        self.ran.add("candidates")
        return super().candidates(signatures, threshold, max_candidates, bands_per_pass)

    def align(self, texts: Sequence[str], pairs: Sequence[Candidate]) -> list[Alignment | None]:
        self.ran.add("align")
        return super().align(texts, pairs)

    def embed_into(self, texts: Sequence[str], model: str, sink: VectorSink) -> None:
        self.ran.add("embed")
        super().embed_into(texts, model, sink)


@dataclass(frozen=True)
class _NotingLexicon(AnchorLexicon):
    """The anchor lexicon, noting the forms it is asked to name canonically."""

    asked: list[str] = field(default_factory=list)

    def canonical(self, form: str) -> str:
        self.asked.append(form)
        return super().canonical(form)


class _Rows:
    """A ``RowStore`` in memory."""

    def __init__(self) -> None:
        self.blocks: list[Vectors] = []

    def extend(self, rows: Vectors) -> None:
        self.blocks.append(rows)

    def __len__(self) -> int:
        return sum(len(b) for b in self.blocks)

    def cut(self, count: int) -> None:
        if count < len(self):
            self.blocks = [np.vstack(self.blocks)[:count]]

    def __getitem__(self, index: Any) -> Vectors:
        matrix: Vectors = np.vstack(self.blocks)[index]
        return matrix


def test_find_reuse_works_through_the_kernels_and_stores_it_is_given() -> None:
    """The kernels given sign, propose, align and embed (the claims' sentences included),
    the anchor lexicon given names the claims' anchors ("North Korea" in W1);
    the distinct passage texts go to the ``texts`` given (W1, the first passage of the
    first article, first), the claims' sentence vectors to ``vectors_to``."""
    kernels, texts, rows = _Recorder(), MemoryTexts(), _Rows()
    loaded = AnchorLexicon.load(load_stopwords())
    lexicon = _NotingLexicon(loaded.function_words, loaded.not_names, loaded.aliases)
    found = reuse.find_reuse(
        _segmented(COPY, WIRE), Config(), lexicon, kernels=kernels, texts=texts, vectors_to=rows
    )
    assert "northkorea" in lexicon.asked  # an anchor of the claims
    assert kernels.ran == {"sign", "candidates", "align", "embed"}
    assert texts.many([0]) == [W1]
    assert len(texts) == len({W1, W2, W3, O2, O3})
    assert len(rows) > 0
    assert found.matches


def test_stored_signatures_give_the_near_duplicates_and_spans_of_memory(tmp_path: Path) -> None:
    """The near-duplicates' case with the passages' and the articles' signatures written to
    stored matrices (as with a work store): the same spans, matches, near-duplicates and
    clusters as in memory; one article row per article with passages (d1, d2, d3, d4),
    each the position-wise minimum of its passages' rows."""
    from provenance.run.stored import StoredMatrix

    story = "\n".join([W1, W2, W3])
    edited = story.replace("Thursday", "Friday")
    arts = _segmented(
        Article("d1", story, outlet="One"),
        Article("d2", edited, outlet="Two"),
        Article("d3", edited + "\n" + O3, outlet="Three"),
        Article("d4", O3 + "\n" + O2.replace("missile", "rocket"), outlet="Four"),
    )
    config = Config()
    width = config.fingerprint.num_perm
    passages = StoredMatrix(tmp_path / "p.u32", width)
    unions = StoredMatrix(tmp_path / "a.u32", width)
    expected = reuse.find_reuse(arts, config)
    found = reuse.find_reuse(arts, config, signatures_to=passages, article_signatures_to=unions)
    assert found.clusters == expected.clusters == (("d1", "d2", "d3"),)
    assert dict(found.duplicates) == dict(expected.duplicates)
    assert tuple(found.spans) == tuple(expected.spans)
    assert tuple(found.matches) == tuple(expected.matches)
    corpus = reuse.Corpus.build(arts, config, Local(), MemoryTexts())
    rows = [
        np.asarray(corpus.signatures)[corpus.passage_text[corpus.passage_article == k]]
        for k in range(4)
    ]
    assert np.array_equal(unions[np.arange(4)], np.stack([r.min(axis=0) for r in rows]))
    passages.close()
    unions.close()

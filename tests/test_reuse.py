"""Cross-outlet reuse on hand-written articles whose expected spans follow from the texts."""

from __future__ import annotations

from dataclasses import replace

from provenance import pipeline
from provenance.config import Config
from provenance.match import reuse, reuse_spans
from provenance.match.align import similarity
from provenance.match.origin import first_appearance
from provenance.model import Article, ArticleResult, Grade, Label, SourceKind, Span, SpanSource
from provenance.render import data as render_data
from provenance.render import text as render_text
from provenance.segment import segment

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
    wire_spans = found.spans["wire-1"]
    assert [(s.label, s.start, s.end, s.first) for s in wire_spans] == [
        (Label.SHARED, 0, len(W1), "wire-1"),
        (Label.SHARED, len(W1) + 1, len(W1) + 1 + len(W2), "wire-1"),
    ]


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

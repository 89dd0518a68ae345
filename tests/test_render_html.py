"""The HTML report: self-contained, safe with hostile text, every label and section rendered.

The fixture is built by hand from seed 001 and seed 003 so that every label and every
evidence field is present whatever the other stages find today: a wire span credited by the
"[서울=뉴시스]" credit line, a shared span whose source is a passage of seed 003, boilerplate
with reasons, a cited source, a claim group, a duplicate cluster and cross-outlet matches.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from provenance import classify, pipeline, schemas
from provenance.cli import app
from provenance.config import Config
from provenance.model import (
    Article,
    ArticleResult,
    BoilerplateReason,
    CitedSource,
    ClaimGroup,
    ClaimOccurrence,
    CorpusResult,
    CreditKind,
    Duplicate,
    Grade,
    Label,
    Match,
    MatchSide,
    SourceKind,
    Span,
    SpanSource,
    WireCredit,
)
from provenance.render import data as render_data
from provenance.render import html as render_html
from provenance.segment import Abbreviations, segment

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
HOSTILE_TITLE = "</title><script>alert('title')</script>"
HOSTILE_OUTLET = "\"><img src=x onerror=alert(1)> 'quoted'"
HOSTILE_TEXT = (
    'Lead </style><style>body{display:none}</style> and <script>alert("x")</script>.\n'
    "Attribute break: \" onmouseover=\"alert(1)\" ' onfocus='alert(2)'.\n"
    "Closing the data: </script><!-- and a line\u2028separator & ampersand."
)


def _at(text: str, needle: str) -> tuple[int, int]:
    start = text.index(needle)
    return start, start + len(needle)


def _result(article: Article, spans: list[Span], **kw: object) -> ArticleResult:
    seg = segment(article.text, Abbreviations.load())
    partition = classify.partition(article.text, spans)
    return ArticleResult(article, seg, spans=partition, **kw)  # type: ignore[arg-type]


def build_fixture(corpus: dict[str, Article]) -> tuple[CorpusResult, dict[str, str]]:
    """Seed 001 with every label, seed 003 as a shared source, and a hostile article."""
    a1, a3 = corpus["001"], corpus["003"]
    t1, t3 = a1.text, a3.text
    c_start, c_end = _at(t1, "[서울=뉴시스]")
    block_start = t1.index("Russia announced on the 2nd")
    credit = WireCredit(
        "Newsis", CreditKind.CREDIT_LINE, c_start, c_end, block_start, c_start, "[서울=뉴시스]"
    )
    by = _at(t1, "by times news cr")
    also = _at(t1, "You may also like")
    shared_1 = _at(
        t1, "Editor: As tensions rise, what might be the next steps for regional players"
    )
    shared_3 = _at(
        t3, "In response to President Yoon’s comments, North Korea defended its cooperation"
    )
    source = SpanSource(a3.id, a3.outlet, shared_3[0], shared_3[1], 88.5, Grade.EDITED, None)
    tass = _at(t1, "Tass News Agency")
    tass_sentence = _at(t1, "According to the Tass News Agency")
    spans = [
        Span(*by, Label.BOILERPLATE, reason=BoilerplateReason.BYLINE, rule="en.byline.1"),
        Span(*also, Label.BOILERPLATE, reason=BoilerplateReason.READ_ALSO, rule="en.read_also.2"),
        Span(block_start, c_end, Label.WIRE, agency="Newsis", evidence="credit", credit=credit),
        Span(*shared_1, Label.SHARED, sources=(source,), first=a3.id),
    ]
    r1 = _result(
        a1,
        spans,
        wire_credits=(credit,),
        cited_sources=(
            CitedSource(
                "TASS",
                tass[0],
                tass[1],
                tass_sentence[0],
                tass_sentence[1] + 40,
                "Tass News Agency",
            ),
        ),
        duplicates=(Duplicate(a1.id, a3.id, 0.61, 86.0),),
    )
    back = SpanSource(a1.id, a1.outlet, shared_1[0], shared_1[1], 88.5, Grade.EDITED, a1.published)
    r3 = _result(a3, [Span(*shared_3, Label.SHARED, sources=(back,), first=a3.id)])
    evil = Article(
        id="evil <b>id</b>",
        text=HOSTILE_TEXT,
        title=HOSTILE_TITLE,
        outlet=HOSTILE_OUTLET,
        url="javascript:alert(document.cookie)",
        published="2024-11-03",
        authors=('A "quoted" <author>',),
    )
    script_at = _at(HOSTILE_TEXT, '<script>alert("x")</script>')
    r_evil = _result(
        evil, [Span(*script_at, Label.BOILERPLATE, reason=BoilerplateReason.PROMO, rule="x<y>")]
    )
    match = Match(
        MatchSide(a1.id, *shared_1), MatchSide(a3.id, *shared_3), 88.5, Grade.EDITED, 0.55
    )
    claim = ClaimGroup(
        "claim-1",
        t3[shared_3[0] : shared_3[1]],
        (
            ClaimOccurrence(a3.id, a3.outlet, *shared_3, 100.0, None),
            ClaimOccurrence(a1.id, a1.outlet, *shared_1, 88.5, a1.published),
        ),
        a3.id,
    )
    result = CorpusResult(
        articles=(r1, r3, r_evil),
        matches=(match,),
        claims=(claim,),
        clusters=((a1.id, a3.id),),
    )
    texts = {a.id: a.text for a in (a1, a3, evil)}
    return result, texts


class _Tree(HTMLParser):
    """Collects start tags with attributes, the text of each `.text` block and script bodies."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.texts: list[str] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self._depth = 0  # nesting depth inside the current .text block
        self._script: dict[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "script":
            self._script = a
            self.scripts.append((a, ""))
        if self._depth:
            self._depth += 1
        elif tag == "div" and a.get("class") == "text":
            self._depth = 1
            self.texts.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script = None
        if self._depth:
            self._depth -= 1

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            attrs, body = self.scripts[-1]
            self.scripts[-1] = (attrs, body + data)
        elif self._depth:
            self.texts[-1] += data


@pytest.fixture(scope="module")
def fixture(corpus_articles: dict[str, Article]) -> tuple[dict[str, object], dict[str, str]]:
    result, texts = build_fixture(corpus_articles)
    return render_data.report_dict(result, Config()), texts


@pytest.fixture(scope="module")
def page(fixture: tuple[dict[str, object], dict[str, str]]) -> str:
    return render_html.render(*fixture)


@pytest.fixture(scope="module")
def tree(page: str) -> _Tree:
    parser = _Tree()
    parser.feed(page)
    parser.close()
    return parser


def test_fixture_is_a_valid_report(fixture: tuple[dict[str, object], dict[str, str]]) -> None:
    assert list(schemas.errors("report", fixture[0])) == []


def test_article_text_survives_exactly_and_in_order(
    tree: _Tree, fixture: tuple[dict[str, object], dict[str, str]]
) -> None:
    data, texts = fixture
    ids = [a["id"] for a in data["articles"]]  # type: ignore[attr-defined]
    assert tree.texts == [texts[i] for i in ids]


def test_hostile_text_and_metadata_render_as_text(page: str, tree: _Tree) -> None:
    # Only our two script elements exist, and no element carries an event handler or an image.
    assert [a.get("type") for t, a in tree.tags if t == "script"] == ["application/json", None]
    assert not [t for t, _ in tree.tags if t in ("img", "iframe", "object", "embed", "link")]
    assert not [k for _, a in tree.tags for k in a if k.startswith("on")]
    assert [t for t, _ in tree.tags].count("style") == 1
    assert "javascript:" not in " ".join(str(v) for _, a in tree.tags for v in a.values())
    assert "&lt;/title&gt;&lt;script&gt;alert(&#x27;title&#x27;)&lt;/script&gt;" in page
    assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt; &#x27;quoted&#x27;" in page
    assert "evil &lt;b&gt;id&lt;/b&gt;" in page


def test_embedded_json_is_safe_and_round_trips(
    tree: _Tree, fixture: tuple[dict[str, object], dict[str, str]]
) -> None:
    (attrs, body), (_, script) = tree.scripts
    assert attrs == {"type": "application/json", "id": "report-data"}
    for char in "<>&\u2028\u2029":
        assert char not in body
    assert json.loads(body) == json.loads(json.dumps(fixture[0]))
    assert "</script" not in script.lower()


def test_csp_forbids_loads_and_allows_only_our_script(page: str, tree: _Tree) -> None:
    csp = next(
        a["content"] for t, a in tree.tags if a.get("http-equiv") == "Content-Security-Policy"
    )
    assert csp is not None
    assert csp.startswith("default-src 'none';")
    script = tree.scripts[1][1]
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in csp
    assert not re.search(r"\b(src|href)=\"(https?:)?//", page.split("<main>")[0])
    assert "@import" not in page
    assert "url(" not in page


def _span_tags(tree: _Tree, label: str) -> list[dict[str, str | None]]:
    return [a for t, a in tree.tags if t == "span" and a.get("class") == f"sp {label}"]


def test_every_label_is_highlighted_and_focusable(tree: _Tree) -> None:
    for label in ("boilerplate", "wire", "shared"):
        spans = _span_tags(tree, label)
        assert spans, label
        for a in spans:
            assert a["tabindex"] == "0"
            assert a["data-ev"] == a["aria-describedby"]
            assert any(b.get("id") == a["data-ev"] for t, b in tree.tags if t == "li")
    assert not _span_tags(tree, "original")


def test_wire_evidence_names_agency_and_credit_line(page: str) -> None:
    card = _card(page, "wire")
    assert "<b>Newsis</b>" in card
    assert '<mark class="credit">[서울=뉴시스]</mark>' in card
    assert "explicit credit" in card


def test_shared_evidence_quotes_the_source_and_who_was_first(
    page: str, fixture: tuple[dict[str, object], dict[str, str]]
) -> None:
    data, texts = fixture
    a3 = next(a for a in data["articles"] if a["id"].startswith("003"))  # type: ignore[attr-defined]
    source_text = texts[a3["id"]][a3["spans"][1]["start"] : a3["spans"][1]["end"]]
    card = _card(page, "shared")
    assert "score 88.5 · edited" in card
    assert "had it first" in card
    assert "BNN Breaking" in card
    assert source_text.strip()[:60] in card


def test_boilerplate_evidence_gives_reason_and_rule(page: str) -> None:
    assert "<dt>reason</dt><dd>byline</dd>" in page
    assert "<code>en.read_also.2</code>" in page
    assert "“Read also” / related-story link" in page


def _card(page: str, label: str, article: str = "001") -> str:
    """The first evidence card of ``label`` in the article whose id starts with ``article``."""
    scope = page.index(f'<span class="id">{article}')
    start = page.index(f'<span class="badge {label}">', scope)
    return page[start : page.index("</li>", start)]


def test_overview_sections(page: str) -> None:
    for anchor in ("overview", "legend", "reuse", "claims", "clusters", "articles"):
        assert f'id="{anchor}"' in page
    # outlets: BNN Breaking and Time.news reuse each other; the matrix shows both directions
    matrix = page[
        page.index('<table class="matrix">') : page.index(
            "</table>", page.index('<table class="matrix">')
        )
    ]
    assert matrix.count('class="cell"') == 2
    assert "BNN Breaking" in matrix
    claims = page[page.index('id="claims"') : page.index('id="clusters"')]
    assert '<span class="chip">BNN Breaking</span><span class="chip">Time.news</span>' in claims
    clusters = page[page.index('id="clusters"') : page.index('id="articles"')]
    assert "Cluster 1 (2 articles)" in clusters
    assert "near-duplicate of" in page


def test_articles_table_groups_by_outlet_with_unknown_last(page: str) -> None:
    table = page[page.index("Articles by outlet and date") : page.index('id="reuse"')]
    groups = re.findall(r'<tr class="group"><td colspan="5">(.*?) · (\d+)</td>', table)
    assert groups == [
        ("&quot;&gt;&lt;img src=x onerror=alert(1)&gt; &#x27;quoted&#x27;", "1"),
        ("BNN Breaking", "1"),
        ("Time.news", "1"),
    ]


def test_print_and_focus_styles_are_present(page: str) -> None:
    assert "@media print" in page
    assert ".sp:focus-visible" in page


def test_output_is_deterministic(
    corpus_articles: dict[str, Article], fixture: tuple[dict[str, object], dict[str, str]]
) -> None:
    result, texts = build_fixture(corpus_articles)
    shuffled = CorpusResult(
        tuple(reversed(result.articles)), result.matches, result.claims, result.clusters
    )
    again = render_html.render(
        render_data.report_dict(shuffled, Config()), dict(reversed(texts.items()))
    )
    assert again == render_html.render(*fixture)


def test_missing_text_is_said_not_crashed(
    fixture: tuple[dict[str, object], dict[str, str]],
) -> None:
    data, texts = fixture
    out = render_html.render(data, {})
    assert out.count("The text of this article was not given.") == len(texts)


def test_cli_writes_one_self_contained_file(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    result = CliRunner().invoke(app, ["report", str(CORPUS), "--format", "html", "--out", str(out)])
    assert result.exit_code == 0, result.output
    page = out.read_text("utf-8")
    assert page.startswith("<!DOCTYPE html>")
    for path in sorted(CORPUS.glob("*.json")):
        assert f'<span class="id">{path.stem}</span>' in page


def test_the_card_of_an_edited_copy_highlights_the_differing_words_escaped() -> None:
    """A wire paragraph and an outlet's copy with markup characters around a word ("<600>",
    not a word edit) and one word changed and one inserted: the card marks them, says the
    counts, and nothing of the texts becomes markup."""
    source = (
        "The missile flew about 600 kilometers before landing in waters outside Japan's "
        "exclusive economic zone, according to officials in Tokyo."
    )
    copy = source.replace("about 600", "roughly <600>").replace("landing", "finally landing")
    wire = Article("w", source, outlet="AP", source_kind=SourceKind.WIRE)
    outlet = Article("o", copy, outlet="Daily Example")
    config = Config()
    data = render_data.report_dict(pipeline.analyze([wire, outlet], config), config)
    span = next(s for s in data["articles"][0]["spans"] if s["label"] == "wire")
    # "<600>" is the word "600" between marks: "about" became "roughly", "finally" is new
    assert span["sources"][0]["words"] == {"changed": 1, "inserted": 1, "deleted": 0}
    assert span["sources"][0]["grade"] == "edited"
    out = render_html.render(data, {"w": source, "o": copy})
    card = out[out.index('id="art-0-e') :]
    card = card[: card.index("</li>")]
    assert '<ins class="diff" title="not in the source">finally</ins>' in card
    assert "&lt;600&gt;" in card
    assert "<600>" not in card
    assert '<del class="diff" title="not in this article">about</del>' in card
    assert '<ins class="diff" title="not in the source">roughly</ins>' in card
    assert "words: 1 changed, 1 inserted, 0 deleted" in card


@pytest.fixture(scope="module")
def corpus_page(tmp_path_factory: pytest.TempPathFactory) -> str:
    out = tmp_path_factory.mktemp("html") / "report.html"
    result = CliRunner().invoke(app, ["report", str(CORPUS), "--format", "html", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out.read_text("utf-8")


def _records() -> list[dict[str, object]]:
    return [json.loads(p.read_text("utf-8")) for p in sorted(CORPUS.glob("*.json"))]


def test_untitled_article_is_headed_by_its_id(corpus_page: str) -> None:
    headings = re.findall(r'<h3 id="art-\d+-h">(.*?)</h3>', corpus_page)
    records = _records()
    assert len(headings) == len(records)
    for heading, record in zip(headings, records, strict=True):
        if record["title"] is None:
            assert heading == f'{record["id"]} <span class="untitled">(untitled)</span>'
        else:
            assert heading == html.escape(str(record["title"]), quote=True)
    assert sum(r["title"] is None for r in records) == 3  # 000, 002 and 004 have none


def test_each_text_has_a_show_all_button_counting_its_paragraphs(corpus_page: str) -> None:
    for n, record in enumerate(_records()):
        lines = [line for line in str(record["text"]).splitlines() if line.strip()]
        label = f"Show all {len(lines)} paragraph{'s' if len(lines) != 1 else ''}"
        assert (
            f'<button type="button" class="more" aria-controls="art-{n}-text" '
            f'aria-expanded="true" data-label="{label}" hidden>{label}</button>'
        ) in corpus_page
        assert f'<div class="text" id="art-{n}-text"' in corpus_page
    assert "Show all 42 paragraphs" in corpus_page  # seed 001: 42 non-blank lines


def test_text_block_is_never_an_inner_scroll_box() -> None:
    css = render_html._asset("report.css")
    rules = dict(re.findall(r"\n(\.text[^{,]*)\{([^}]*)\}", css))
    assert "max-height" not in rules[".text "]
    assert re.search(r"overflow(-y)?\s*:", rules[".text "]) is None
    assert "overflow-y" not in css.split("#tip")[0]  # only the hover card may scroll
    assert "max-height: 30em; overflow: hidden;" in rules[".text.collapsed "]


def test_overview_orders_an_outlets_articles_by_instant_not_by_date_spelling(
    tmp_path: Path,
) -> None:
    # "late" is 2024-05-01T23:00-05:00 = 04:00 UTC on the 2nd; "early" is 01:00 UTC on the 2nd.
    # Compared as strings "late" would come first; as instants "early" does.
    for name, published in (
        ("late", "2024-05-01T23:00:00-05:00"),
        ("early", "2024-05-02T01:00:00+00:00"),
    ):
        record = {
            "id": name,
            "outlet": "Example Times",
            "published": published,
            "text": f"The {name} article reports on the harbour ferry timetable change.",
        }
        (tmp_path / f"{name}.json").write_text(json.dumps(record), encoding="utf-8")
    result = CliRunner().invoke(app, ["report", str(tmp_path), "--format", "html"])
    assert result.exit_code == 0, result.output
    table = result.stdout.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert table.index("2024-05-02T01:00:00+00:00") < table.index("2024-05-01T23:00:00-05:00")


def test_bidi_overrides_in_names_are_shown_but_kept_in_article_text() -> None:
    """An outlet, title and author holding a right-to-left override (U+202E, which would show
    "Daily \u202etxe" as "Daily ext" reversed and reorder what follows it) appear with the
    override as a visible escape wherever the page names them; the article text, where a
    right-to-left mark (U+200F) is ordinary Hebrew or Arabic typography, keeps it."""
    text = (
        "The ministry said on Monday that the bridge would reopen in March after repairs.\n\n"
        "A sign at the site read \u05e9\u05dc\u05d5\u05dd\u200f in Hebrew."
    )
    article = Article(
        "a",
        text,
        outlet="Daily \u202etxe",
        title="Bridge \u2066news\u2069",
        authors=("Ann \u202eLee",),
    )
    config = Config()
    data = render_data.report_dict(pipeline.analyze([article], config), config)
    out = render_html.render(data, {"a": text})
    for raw in ("\u202e", "\u2066", "\u2069"):
        assert raw not in out
    assert "Daily \\u202etxe" in out
    assert "Bridge \\u2066news\\u2069" in out
    assert "Ann \\u202eLee" in out
    assert "\u05e9\u05dc\u05d5\u05dd\u200f" in out

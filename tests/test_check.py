"""The pre-ingest check: findings, policy, --add, and the three output formats."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from provenance import check, pipeline, schemas
from provenance.cli import app
from provenance.config import CheckConfig, Config, Policy
from provenance.model import (
    Article,
    ArticleResult,
    BoilerplateReason,
    BoilerplateSpan,
    CreditKind,
    Origin,
    SourceKind,
    WireCredit,
)
from provenance.render import check as render
from provenance.store import Fingerprinter, Store, add_articles

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()
OPENING = (
    "The county board met on Tuesday evening to hear residents before the vote on the "
    "new bus routes, which several speakers said would leave the eastern villages without "
    "a direct line to the hospital."
)


@pytest.fixture
def index(tmp_path: Path, corpus_articles: dict[str, Article]) -> Store:
    """Seed articles 000-002 as outlet articles and 003 as a Reuters wire story."""
    wire = replace(
        corpus_articles["003"], id="wire-003", outlet="Reuters", source_kind=SourceKind.WIRE
    )
    store = Store(tmp_path / "i.sqlite", Fingerprinter(Config()), create=True)
    add_articles(store, [corpus_articles[k] for k in ("000", "001", "002")] + [wire], Config())
    return store


def _results(*articles: Article) -> tuple[ArticleResult, ...]:
    return pipeline.analyze_each(articles)


def _kinds(verdict: check.ArticleVerdict) -> list[str]:
    return [f.kind.value for f in verdict.findings]


def test_near_duplicate_of_an_indexed_article(
    index: Store, corpus_articles: dict[str, Article]
) -> None:
    source = corpus_articles["001"]
    # a light edit: two words changed and a sentence appended
    text = source.text.replace(" the ", " a ", 2) + "\n\nThe article was updated on Friday."
    verdict = check.run(_results(replace(source, id="new-1", text=text)), index, Config())
    (article,) = verdict.articles
    (finding,) = [f for f in article.findings if f.kind == check.FindingKind.NEAR_DUPLICATE]
    assert finding.other_id == source.id
    assert finding.other_outlet == source.outlet
    assert finding.similarity is not None
    assert finding.similarity >= 85
    assert finding.level == Policy.FAIL
    assert verdict.status == check.Status.FAIL


def test_an_indexed_article_is_not_its_own_duplicate(
    index: Store, corpus_articles: dict[str, Article]
) -> None:
    verdict = check.run(_results(corpus_articles["001"]), index, Config())
    assert "near_duplicate" not in _kinds(verdict.articles[0])


def test_duplicates_among_the_new_articles(
    index: Store, corpus_articles: dict[str, Article]
) -> None:
    text = corpus_articles["004"].text
    first = replace(corpus_articles["004"], id="x-1")
    second = replace(corpus_articles["004"], id="x-2", text=text + "\n\nUpdated at noon.")
    verdict = check.run(_results(second, first), index, Config())
    assert [a.article.id for a in verdict.articles] == ["x-1", "x-2"]
    assert "batch_duplicate" not in _kinds(verdict.articles[0])
    (dup,) = [f for f in verdict.articles[1].findings if f.kind.value == "batch_duplicate"]
    assert dup.other_id == "x-1"


def _copy_of_wire(corpus_articles: dict[str, Article]) -> Article:
    wire_text = corpus_articles["003"].text
    return Article(id="local-1", text=OPENING + "\n\n" + wire_text, outlet="Local Paper")


def test_unattributed_wire_copy(index: Store, corpus_articles: dict[str, Article]) -> None:
    article = _copy_of_wire(corpus_articles)
    verdict = check.run(_results(article), index, Config())
    (finding,) = [f for f in verdict.articles[0].findings if f.kind.value == "unattributed_wire"]
    assert finding.other_outlet == "Reuters"
    assert finding.other_id == "wire-003"
    assert finding.share is not None
    assert finding.share > 0.5  # all but the hand-written opening
    assert finding.start >= len(OPENING)  # the opening is not wire copy


def test_a_credit_covering_the_copy_clears_it(
    index: Store, corpus_articles: dict[str, Article]
) -> None:
    article = _copy_of_wire(corpus_articles)
    (result,) = _results(article)
    credit = WireCredit("Reuters", CreditKind.METADATA, -1, -1, 0, len(article.text), "Reuters")
    verdict = check.run([replace(result, wire_credits=(credit,))], index, Config())
    assert "unattributed_wire" not in _kinds(verdict.articles[0])
    as_wire = replace(article, source_kind=SourceKind.WIRE)
    verdict = check.run(_results(as_wire), index, Config())
    assert "unattributed_wire" not in _kinds(verdict.articles[0])


def test_a_credit_to_another_agency_does_not_clear_it(
    tmp_path: Path, index: Store, corpus_articles: dict[str, Article]
) -> None:
    """The copy aligns with a Reuters wire story; a credit to AP covering the whole text
    does not attribute it. Under a wire outlet that names no known agency, it does."""
    article = _copy_of_wire(corpus_articles)
    (result,) = _results(article)
    credit = WireCredit("AP", CreditKind.DATELINE, 0, 5, 0, len(article.text), "(AP)")
    verdict = check.run([replace(result, wire_credits=(credit,))], index, Config())
    (finding,) = [f for f in verdict.articles[0].findings if f.kind.value == "unattributed_wire"]
    assert finding.other_outlet == "Reuters"
    assert "the credits name AP" in finding.message
    unknown = replace(
        corpus_articles["003"], id="wire-x", outlet="Wire Desk", source_kind=SourceKind.WIRE
    )
    with Store(tmp_path / "u.sqlite", Fingerprinter(Config()), create=True) as other:
        add_articles(other, [unknown], Config())
        verdict = check.run([replace(result, wire_credits=(credit,))], other, Config())
    assert "unattributed_wire" not in _kinds(verdict.articles[0])


def test_leftover_boilerplate_warns_by_default(index: Store) -> None:
    text = OPENING + "\n\nGreat piece, thanks for covering our villages!\nReply"
    start = text.index("Great")
    (result,) = _results(Article(id="local-2", text=text))
    spans = (
        BoilerplateSpan(start, len(text), BoilerplateReason.READER_COMMENT, "test.comment"),
        BoilerplateSpan(0, 10, BoilerplateReason.BYLINE, "test.byline"),  # not a leftover
    )
    result = replace(result, boilerplate=spans)
    verdict = check.run([result], index, Config())
    (finding,) = verdict.articles[0].findings
    assert (finding.kind.value, finding.reason, finding.start) == (
        "leftover_boilerplate",
        "reader_comment",
        start,
    )
    assert verdict.status == check.Status.WARN
    strict = Config(check=CheckConfig(leftover_boilerplate=Policy.FAIL))
    assert check.run([result], index, strict).status == check.Status.FAIL
    off = Config(check=CheckConfig(leftover_boilerplate=Policy.OFF))
    assert check.run([result], index, off).status == check.Status.PASS


def test_add_stores_only_what_passed(index: Store, corpus_articles: dict[str, Article]) -> None:
    fresh = Article(id="fresh-1", text=OPENING + "\n\n" + OPENING.replace("Tuesday", "Monday"))
    copied = _copy_of_wire(corpus_articles)
    before = index.count()
    verdict = check.run(_results(fresh, copied), index, Config(), add=True)
    added = {a.article.id: a.added for a in verdict.articles}
    assert added == {"fresh-1": True, "local-1": False}
    assert index.count() == before + 1
    assert index.verify() == []
    again = check.run(_results(fresh), index, Config(), add=True)
    assert not again.articles[0].added  # already indexed with the same text
    assert index.count() == before + 1


def test_line_numbers_where_they_can_be_known() -> None:
    text = "one\ntwo\nthree"
    txt = check.ArticleVerdict(Article(id="a", text=text, origin=Origin("a.txt")), ())
    jsonl = check.ArticleVerdict(Article(id="b", text=text, origin=Origin("b.jsonl", "line 7")), ())
    whole = check.ArticleVerdict(Article(id="c", text=text, origin=Origin("c.json")), ())
    assert txt.line_of(text.index("three")) == 3
    assert jsonl.line_of(text.index("three")) == 7
    assert whole.line_of(5) is None
    # columns: 1-based characters on the line, in a text file only
    assert txt.column_of(text.index("three")) == 1
    assert txt.column_of(text.index("hree")) == 2
    assert txt.column_of(0) == 1
    assert jsonl.column_of(text.index("three")) is None  # JSON escapes shift the record's columns
    assert whole.column_of(5) is None


def test_json_is_valid_and_github_annotations(
    index: Store, corpus_articles: dict[str, Article]
) -> None:
    article = replace(_copy_of_wire(corpus_articles), origin=Origin("news/local 1.txt"))
    verdict = check.run(_results(article), index, Config())
    data = render.to_dict(verdict)
    assert [schemas.describe(e) for e in schemas.errors("check", data)] == []
    assert data["status"] == "fail"
    (wire,) = [f for f in verdict.articles[0].findings if f.kind.value == "unattributed_wire"]
    line = article.text.count("\n", 0, wire.start) + 1
    col = wire.start - article.text.rfind("\n", 0, wire.start)
    assert line > 2  # the opening paragraph and the blank line after it are not wire copy
    annotations = render.github(verdict).splitlines()
    # the copy is also a near-duplicate of the wire story (the opening is short)
    assert annotations[0].startswith(
        "::error file=news/local 1.txt,line=1,col=1,title=provenance near_duplicate::local-1: "
    )
    assert annotations[1].startswith(
        f"::error file=news/local 1.txt,line={line},col={col},"
        "title=provenance unattributed_wire::local-1: "
    )
    assert "%" not in annotations[1].split("::")[2].replace("%25", "")
    assert render.to_json(verdict) == render.to_json(verdict)


def _write(path: Path, article: dict[str, object]) -> str:
    path.write_text(json.dumps(article), encoding="utf-8")
    return str(path)


def test_cli_exit_codes_and_overrides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    record = json.loads((ROOT / "corpus" / "001_6245d0d8a8e8e0ee.json").read_text("utf-8"))
    index = str(tmp_path / "i.sqlite")
    assert (
        runner.invoke(app, ["index", "add", str(ROOT / "corpus"), "--index", index]).exit_code == 0
    )
    dup = _write(tmp_path / "dup.json", {**record, "id": "dup-1"})
    failed = runner.invoke(app, ["check", dup, "--index", index, "--format", "json"])
    assert failed.exit_code == 1
    assert json.loads(failed.output)["articles"][0]["findings"][0]["other"]["id"] == record["id"]
    warned = runner.invoke(app, ["check", dup, "--index", index, "--policy", "near_duplicate=warn"])
    assert warned.exit_code == 0, warned.output
    assert "warn:" in warned.output
    github = runner.invoke(app, ["check", dup, "--index", index, "--format", "github"])
    assert github.output.startswith("::error file=")
    bad = _write(tmp_path / "bad.json", {"id": "bad-1", "text": 5})
    refused = runner.invoke(app, ["check", dup, bad, "--index", index, "--add"])
    assert refused.exit_code == 2
    assert "bad.json" in refused.output
    with Store(index, Fingerprinter(Config())) as store:
        assert store.count() == 5  # nothing added on bad input
    unknown = runner.invoke(app, ["check", dup, "--index", index, "--policy", "nearly=warn"])
    assert unknown.exit_code == 2
    assert "nearly" in unknown.output
    missing = runner.invoke(app, ["check", dup, "--index", str(tmp_path / "none.sqlite")])
    assert missing.exit_code == 2


def test_leftovers_of_the_boilerplate_stage_on_a_seed_article(
    index: Store, corpus_articles: dict[str, Article]
) -> None:
    """Seed 004 was saved with its reader comments; each leftover finding is one of the
    boilerplate stage's own spans with a listed reason, and only those."""
    (result,) = _results(replace(corpus_articles["004"], id="new-004"))
    wanted = set(Config().check.leftover_reasons)
    expected = [
        (b.start, b.end, b.reason.value) for b in result.boilerplate if b.reason.value in wanted
    ]
    verdict = check.run([result], index, Config())
    found = [
        (f.start, f.end, f.reason)
        for f in verdict.articles[0].findings
        if f.kind == check.FindingKind.LEFTOVER_BOILERPLATE
    ]
    assert found == sorted(expected)
    assert any(reason == "reader_comment" for _, _, reason in found)


def test_a_copy_taken_wholly_for_boilerplate_is_still_a_duplicate(
    index: Store, corpus_articles: dict[str, Article]
) -> None:
    """A boilerplate false positive over the whole new article leaves no passage to index,
    but the duplicate lookup uses every paragraph."""
    copy = replace(corpus_articles["002"], id="new-002")
    (result,) = _results(copy)
    everything = BoilerplateSpan(0, len(copy.text), BoilerplateReason.NAVIGATION, "test.all")
    verdict = check.run([replace(result, boilerplate=(everything,))], index, Config())
    kinds = _kinds(verdict.articles[0])
    assert kinds == ["near_duplicate"]  # navigation is not a listed leftover reason
    assert verdict.articles[0].findings[0].other_id == corpus_articles["002"].id

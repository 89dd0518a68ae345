"""The pre-ingest check: findings, policy, --add, and the three output formats."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from pathlib import Path
from typing import cast

import pytest
from typer.testing import CliRunner

from provenance import check, pipeline, schemas
from provenance.cli import app
from provenance.config import CheckConfig, Config, Policy
from provenance.errors import StoreError
from provenance.match import align
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
from provenance.store import Fingerprinter, Store, add_articles, ref_parts
from provenance.store import ops as store_ops
from provenance.store.keys import QUOTE_SEQ

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
    assert (finding.start, finding.end) == (0, len(text))  # the whole article
    score = round(align.similarity(text, source.text), 2)  # reported to two decimals
    assert finding.similarity == score
    assert finding.message.startswith(
        f"near-duplicate of indexed article {source.id!r} ({source.outlet}): "
        f"similarity {score:.1f}, estimated Jaccard "
    )
    off = Config(check=CheckConfig(near_duplicate=Policy.OFF))
    quiet = check.run(_results(replace(source, id="new-1", text=text)), index, off)
    assert "near_duplicate" not in _kinds(quiet.articles[0])


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
    assert dup.message.startswith("near-duplicate of new article 'x-1': similarity ")  # no outlet


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


@pytest.mark.parametrize("dateline", ["WASHINGTON (AP/Reuters) — ", "BERLIN (dpa/Reuters) - "])
def test_a_joint_credit_covers_copy_of_each_agency_it_names(
    index: Store, corpus_articles: dict[str, Article], dateline: str
) -> None:
    """The copy of the Reuters story opens with a dateline crediting two agencies, one of
    them Reuters, found by the credit rules in the text: the copy is attributed."""
    wire_text = corpus_articles["003"].text
    article = Article(id="joint-1", text=dateline + wire_text, outlet="Local Paper")
    (result,) = _results(article)
    assert [c.agencies for c in result.wire_credits if c.kind == CreditKind.DATELINE] == [
        tuple(dateline[dateline.index("(") + 1 : dateline.index(")")].split("/"))
    ]
    verdict = check.run([result], index, Config())
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
    # the verdict of an --add run still says why an article was kept out
    assert "unattributed_wire" in _kinds(verdict.articles[1])
    assert verdict.status == check.Status.FAIL
    assert index.count() == before + 1
    assert index.verify() == []
    again = check.run(_results(fresh), index, Config(), add=True)
    assert not again.articles[0].added  # already indexed with the same text
    assert index.count() == before + 1


def test_add_does_not_replace_a_changed_text_unless_asked(index: Store) -> None:
    """An id already indexed with another text: ``add`` alone refuses it naming the id and
    stores nothing; with ``replace`` it is stored in place (one article, the new text)."""
    first = Article(id="fresh-1", text=OPENING)
    changed = replace(first, text=OPENING.replace("Tuesday", "Monday"))
    check.run(_results(first), index, Config(), add=True)
    before = index.count()
    with pytest.raises(StoreError, match="fresh-1"):
        check.run(_results(changed), index, Config(), add=True)
    assert index.count() == before
    verdict = check.run(_results(changed), index, Config(), add=True, replace=True)
    assert verdict.articles[0].added
    assert index.count() == before
    again = check.run(_results(changed), index, Config(), add=True)
    assert not again.articles[0].added  # now indexed with the changed text


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
    again = check.run(_results(article), index, Config())
    assert render.to_json(again) == render.to_json(verdict)  # a second run, byte for byte


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


COPIED = (
    "North Korea accused Yoon of functioning as a mouthpiece for the United States and "
    "maliciously slandering the friendly relations between North Korea and Russia."
)


def test_a_copied_sentence_inside_an_original_paragraph_is_unattributed_wire(
    index: Store, corpus_articles: dict[str, Article]
) -> None:
    """One sentence of the indexed Reuters story (seed 003), copied word for word into the
    middle of a paragraph that is otherwise the outlet's own: the check finds it and names
    the wire article and both spans."""
    wire_text = corpus_articles["003"].text
    assert COPIED in wire_text
    text = (
        "Officials in the border county said on Monday that the new crossing would open next "
        "spring. " + COPIED + " The county expects more freight traffic as a result."
    )
    article = Article(id="sentence-1", text=text, outlet="Local Paper")
    verdict = check.run(_results(article), index, Config())
    (finding,) = [f for f in verdict.articles[0].findings if f.kind.value == "unattributed_wire"]
    start = text.index(COPIED)
    assert (finding.start, finding.end) == (start, start + len(COPIED))
    assert (finding.other_id, finding.other_outlet) == ("wire-003", "Reuters")
    (match,) = finding.wire
    w_start = wire_text.index(COPIED)
    assert (match.start, match.end) == (start, start + len(COPIED))
    assert (match.other_start, match.other_end) == (w_start, w_start + len(COPIED))
    assert match.grade.value == "verbatim"
    shown = render.text(verdict)
    assert f"characters {start}-{start + len(COPIED)} = wire-003 (Reuters)" in shown
    data = render.to_dict(verdict)
    assert list(schemas.errors("check", data)) == []
    assert data["articles"][0]["findings"][0]["wire"][0]["other_start"] == w_start


def test_an_index_of_the_old_format_is_refused_with_a_rebuild_hint(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    article = Article("a-1", OPENING, outlet="Local Paper")
    with Store(path, Fingerprinter(Config()), create=True) as store:
        add_articles(store, [article], Config())
        with store.transaction():
            store.conn.execute("UPDATE meta SET value = '1' WHERE key = 'format_version'")
    with pytest.raises(StoreError, match="provenance index rebuild"):
        Store(path, Fingerprinter(Config()))
    with Store(path, Fingerprinter(Config()), check_meta=False) as store:
        assert store_ops.rebuild(store, Config()) == 1
    with Store(path, Fingerprinter(Config())) as store:  # accepted after the rebuild
        assert store.count() == 1


# --- the verdict logic on hand-built cases ----------------------------------------------


def _finding(level: Policy) -> check.Finding:
    return check.Finding(check.FindingKind.LEFTOVER_BOILERPLATE, level, "m", 0, 1)


def _verdict_of(*levels: tuple[Policy, ...]) -> check.Verdict:
    articles = tuple(
        check.ArticleVerdict(Article(id=f"a{i}", text="x"), tuple(_finding(x) for x in found))
        for i, found in enumerate(levels)
    )
    return check.Verdict(articles, indexed=0)


def test_the_worst_finding_decides_the_status() -> None:
    """One failed article fails the run whatever the others did; warnings alone warn; no
    finding passes. The same holds inside one article."""
    fail, warn = Policy.FAIL, Policy.WARN
    assert _verdict_of((warn,), (fail,), ()).status == check.Status.FAIL
    assert _verdict_of((fail,), (warn,)).status == check.Status.FAIL
    assert _verdict_of((warn,), ()).status == check.Status.WARN
    assert _verdict_of((), ()).status == check.Status.PASS
    assert _verdict_of((warn, fail, warn)).articles[0].status == check.Status.FAIL
    assert _verdict_of((warn, warn)).articles[0].status == check.Status.WARN


def _store(tmp_path: Path, name: str, articles: list[Article]) -> Store:
    store = Store(tmp_path / name, Fingerprinter(Config()), create=True)
    add_articles(store, articles, Config())
    return store


def test_the_wire_source_is_checked_even_when_outlet_articles_rank_above_it(
    tmp_path: Path, corpus_articles: dict[str, Article]
) -> None:
    """The new article copies a Reuters story and more; an outlet article that has all of
    it ranks first by shared bands. With room for one candidate, the wire story is still
    looked at (wire candidates are always added), so the copy is still unattributed."""
    wire_text, more = corpus_articles["003"].text, corpus_articles["000"].text
    wire = Article(id="w-1", text=wire_text, outlet="Reuters", source_kind=SourceKind.WIRE)
    bigger = Article(id="big-1", text=wire_text + "\n\n" + more, outlet="Big Paper")
    new = Article(id="new-1", text=OPENING + "\n\n" + wire_text + "\n\n" + more)
    one = Config(check=CheckConfig(max_candidates=1))
    with _store(tmp_path, "w.sqlite", [wire, bigger]) as store:
        verdict = check.run(_results(new), store, one)
    (finding,) = [f for f in verdict.articles[0].findings if f.kind.value == "unattributed_wire"]
    assert (finding.other_id, finding.other_outlet) == ("w-1", "Reuters")


def test_a_near_duplicate_behind_a_longer_partial_match_is_found(
    tmp_path: Path, corpus_articles: dict[str, Article]
) -> None:
    """An indexed compilation holds every paragraph of the new article verbatim (so it
    ranks first by shared bands) but is three times longer: not a near-duplicate. The
    lightly edited version ranked second is, and the check must go on to it."""
    text = corpus_articles["002"].text
    compilation = Article(
        id="compilation",
        text="\n\n".join([text, corpus_articles["003"].text, corpus_articles["001"].text]),
        outlet="Digest",
    )
    edited = Article(id="edited", text=text.replace(" the ", " a "), outlet="Other Paper")
    assert align.similarity(text, compilation.text) < Config().check.duplicate_min_similarity
    new = replace(corpus_articles["002"], id="new-002")
    with _store(tmp_path, "d.sqlite", [compilation, edited]) as store:
        verdict = check.run(_results(new), store, Config())
        (finding,) = [f for f in verdict.articles[0].findings if f.kind.value == "near_duplicate"]
        assert finding.other_id == "edited"
        one = Config(check=CheckConfig(max_candidates=1))  # only the compilation is verified
        assert "near_duplicate" not in _kinds(check.run(_results(new), store, one).articles[0])


def test_a_near_duplicate_needs_the_similarity_threshold(
    tmp_path: Path, corpus_articles: dict[str, Article]
) -> None:
    """Half of an indexed article, with its own second half, shares many bands with it
    but is not a near-duplicate at the default threshold (85); at 50 it is."""
    source = corpus_articles["004"]
    half = len(source.text) // 2
    cut = source.text.index("\n", half)
    new = Article(id="half", text=source.text[:cut] + "\n\n" + corpus_articles["003"].text)
    score = align.similarity(new.text, source.text)
    assert 50 <= score < 85
    with _store(tmp_path, "h.sqlite", [source]) as store:
        assert "near_duplicate" not in _kinds(check.run(_results(new), store, Config()).articles[0])
        loose = Config(check=CheckConfig(duplicate_min_similarity=50))
        assert "near_duplicate" in _kinds(check.run(_results(new), store, loose).articles[0])
        # the threshold is a floor: a similarity equal to it is a near-duplicate
        exact = Config(check=CheckConfig(duplicate_min_similarity=round(score, 2)))
        verdict = check.run(_results(new), store, exact)
    (finding,) = [f for f in verdict.articles[0].findings if f.kind.value == "near_duplicate"]
    assert finding.similarity == round(score, 2)


def test_the_finding_names_the_first_wire_article_by_id(
    tmp_path: Path, corpus_articles: dict[str, Article]
) -> None:
    """Two indexed Reuters stories carry the copied text; the finding names the one whose
    id sorts first, whatever the order they were indexed in."""
    story = corpus_articles["003"].text
    wires = [
        Article(id=i, text=story, outlet="Reuters", source_kind=SourceKind.WIRE)
        for i in ("w-2", "w-1")
    ]
    with _store(tmp_path, "two.sqlite", wires) as store:
        verdict = check.run(_results(_copy_of_wire(corpus_articles)), store, Config())
    (finding,) = [f for f in verdict.articles[0].findings if f.kind.value == "unattributed_wire"]
    assert finding.other_id == "w-1"
    assert "w-1, w-2" in finding.message


def test_check_add_holds_the_write_lock_while_it_checks(
    index: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With --add the checks and the insert are one transaction: a writer that tries to
    start while the index is being read for the checks is refused (busy), so nothing can
    be added between the verdict and the insert. Without --add nothing is locked."""
    attempts: list[bool] = []
    count = index.count

    def count_then_try_to_write() -> int:
        other = sqlite3.connect(index.path, timeout=0.05, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            attempts.append(True)
        except sqlite3.OperationalError:
            attempts.append(False)
        finally:
            other.close()
        return count()

    monkeypatch.setattr(index, "count", count_then_try_to_write)
    fresh = Article(id="fresh-2", text=OPENING + "\n\n" + OPENING.replace("Tuesday", "Friday"))
    check.run(_results(fresh), index, Config(), add=True)
    check.run(_results(fresh), index, Config())
    assert attempts == [False, True]


def test_copy_of_two_agencies_names_the_first_by_outlet_and_id(
    tmp_path: Path, corpus_articles: dict[str, Article]
) -> None:
    """The new article copies a Reuters story, then an AP story: the message lists both
    agencies (in sorted order) and the finding points at the first copied stretch, with
    the wire article it comes from (Reuters)."""
    ap = Article(
        id="w-a", text=corpus_articles["000"].text, outlet="AP", source_kind=SourceKind.WIRE
    )
    reuters = Article(
        id="w-b", text=corpus_articles["003"].text, outlet="Reuters", source_kind=SourceKind.WIRE
    )
    new = Article(id="n", text="\n\n".join([OPENING, reuters.text, ap.text]))
    with _store(tmp_path, "ap.sqlite", [reuters, ap]) as store:
        verdict = check.run(_results(new), store, Config())
    (finding,) = [f for f in verdict.articles[0].findings if f.kind.value == "unattributed_wire"]
    assert (finding.other_id, finding.other_outlet) == ("w-b", "Reuters")
    assert finding.start == new.text.index(reuters.text[:40].strip()[:20])
    assert {w.other_id for w in finding.wire} == {"w-a", "w-b"}
    assert "AP: w-a; Reuters: w-b" in finding.message


@pytest.mark.parametrize("outlet", ["reuters.com", "Agence France-Presse"])
def test_the_wire_outlet_names_its_agency_by_host_or_by_alias(
    tmp_path: Path, corpus_articles: dict[str, Article], outlet: str
) -> None:
    """An indexed wire story whose outlet is an agency's host ("reuters.com") or one of its
    aliases ("Agence France-Presse" is AFP): the agency is known, so a credit to AP over
    the whole copy does not attribute it."""
    wire = replace(corpus_articles["003"], id="w", outlet=outlet, source_kind=SourceKind.WIRE)
    article = _copy_of_wire(corpus_articles)
    (result,) = _results(article)
    credit = WireCredit("AP", CreditKind.DATELINE, 0, 5, 0, len(article.text), "(AP)")
    with _store(tmp_path, "o.sqlite", [wire]) as store:
        verdict = check.run([replace(result, wire_credits=(credit,))], store, Config())
    (finding,) = [f for f in verdict.articles[0].findings if f.kind.value == "unattributed_wire"]
    assert "the credits name AP" in finding.message


def test_a_credit_covers_only_its_own_block(
    index: Store, corpus_articles: dict[str, Article]
) -> None:
    """A Reuters credit over the hand-written opening alone does not attribute the Reuters
    copy after it."""
    article = _copy_of_wire(corpus_articles)
    (result,) = _results(article)
    credit = WireCredit("Reuters", CreditKind.SIGN_OFF, 0, 5, 0, len(OPENING), "(Reuters)")
    verdict = check.run([replace(result, wire_credits=(credit,))], index, Config())
    (finding,) = [f for f in verdict.articles[0].findings if f.kind.value == "unattributed_wire"]
    assert finding.start >= len(OPENING)


def test_the_duplicate_estimate_is_the_share_of_text_found(
    tmp_path: Path, corpus_articles: dict[str, Article]
) -> None:
    """The new article is an indexed article followed by as much text of its own: the
    estimated Jaccard of the finding is the share of its paragraph text found in the
    indexed one (about a half), not 0 or 1."""
    source, own = corpus_articles["004"], corpus_articles["003"]
    new = Article(id="n", text=source.text + "\n\n" + own.text)
    loose = Config(check=CheckConfig(duplicate_min_similarity=50))
    with _store(tmp_path, "e.sqlite", [source]) as store:
        verdict = check.run(_results(new), store, loose)
        entry = store.fp.entry(_results(new)[0], with_boilerplate=True)
    (finding,) = [f for f in verdict.articles[0].findings if f.kind.value == "near_duplicate"]
    lengths = [p.end - p.start for p in entry.passages]
    found = sum(
        n for p, n in zip(entry.passages, lengths, strict=True) if p.end <= len(source.text)
    )
    assert finding.estimated_jaccard == pytest.approx(found / sum(lengths), abs=0.02)
    assert 0.2 < found / sum(lengths) < 0.8


def test_line_numbers_at_the_edges() -> None:
    """Standard input (even a JSONL record of it) has no file lines to point at; a text
    file starting with a blank line has its first character on line 1, its second on 2."""
    text = "\nsecond\nthird"
    stdin = check.ArticleVerdict(Article(id="s", text=text, origin=Origin("-", "line 3")), ())
    txt = check.ArticleVerdict(Article(id="t", text=text, origin=Origin("a.txt")), ())
    assert stdin.line_of(3) is None
    assert [txt.line_of(0), txt.line_of(1), txt.line_of(text.index("third"))] == [1, 2, 3]
    # columns too: "second" starts its line although a newline is the file's first character
    assert [txt.column_of(0), txt.column_of(1), txt.column_of(3)] == [1, 1, 3]
    assert stdin.column_of(3) is None
    # an article built in code (no file) has neither
    built = check.ArticleVerdict(Article(id="b", text=text), ())
    assert (built.line_of(3), built.column_of(3)) == (None, None)


def test_a_credit_over_exactly_one_copied_stretch_drops_it_from_the_list(
    index: Store, corpus_articles: dict[str, Article]
) -> None:
    """The finding lists the copied stretches no credit covers. A Reuters credit whose
    block is exactly the first listed stretch takes that one off the list (the rest of the
    copy is still unattributed and the finding now points at the next stretch)."""
    article = _copy_of_wire(corpus_articles)
    (result,) = _results(article)
    (before,) = [f for f in check.run([result], index, Config()).articles[0].findings if f.wire]
    first, second = before.wire[0], before.wire[1]
    credit = WireCredit("Reuters", CreditKind.SIGN_OFF, 0, 5, first.start, first.end, "(Reuters)")
    verdict = check.run([replace(result, wire_credits=(credit,))], index, Config())
    (after,) = [f for f in verdict.articles[0].findings if f.wire]
    assert after.wire == before.wire[1:]
    assert (after.start, after.end) == (second.start, second.end)
    assert after.share is not None
    assert before.share is not None
    assert after.share < before.share


def test_a_stretch_copied_from_a_wire_story_that_repeats_it_points_at_the_first(
    tmp_path: Path,
) -> None:
    """A wire story that prints the same paragraph twice (a lede repeated as its closing
    line): the local copy of that paragraph is credited to its first occurrence."""
    repeated = (
        "The ministry said the new rail link between the two capitals would open to "
        "passengers in the spring, a year later than first planned."
    )
    wire_text = "\n\n".join(
        [
            repeated,
            "Engineers had to rebuild two bridges after the floods of last summer washed "
            "away the embankments on both sides of the river.",
            "Tickets will go on sale in March, the operator said in a statement on Monday.",
            repeated,
        ]
    )
    wire = Article(id="wire-r", text=wire_text, outlet="Reuters", source_kind=SourceKind.WIRE)
    local = Article(id="local-r", text=f"{OPENING}\n\n{repeated}", outlet="Local Paper")
    with _store(tmp_path, "r.sqlite", [wire]) as store:
        verdict = check.run(_results(local), store, Config())
    (finding,) = [f for f in verdict.articles[0].findings if f.wire]
    (match,) = finding.wire
    assert (match.other_start, match.other_end) == (0, len(repeated))
    assert local.text[match.start : match.end] == repeated


def test_max_candidates_bounds_the_wire_articles_aligned(
    tmp_path: Path, corpus_articles: dict[str, Article]
) -> None:
    """``check.max_candidates``: the indexed articles looked at per new article, best band
    estimate first (plus as many wire articles). The new article copies two wire stories;
    with room for one, only the copy of one of them is found, with the default both."""
    ap = Article(
        id="w-a", text=corpus_articles["000"].text, outlet="AP", source_kind=SourceKind.WIRE
    )
    reuters = Article(
        id="w-b", text=corpus_articles["003"].text, outlet="Reuters", source_kind=SourceKind.WIRE
    )
    new = Article(id="n", text="\n\n".join([OPENING, reuters.text, ap.text]))
    one = Config(check=CheckConfig(max_candidates=1))
    with _store(tmp_path, "ap.sqlite", [reuters, ap]) as store:
        found = {
            config.check.max_candidates: {
                w.other_id
                for f in check.run(_results(new), store, config).articles[0].findings
                for w in f.wire
            }
            for config in (one, Config())
        }
    assert found[20] == {"w-a", "w-b"}
    assert len(found[1]) == 1


def test_a_leftover_finding_quotes_the_line_with_its_spaces_folded_and_cut_at_60() -> None:
    """The message quotes the leftover text on one line (runs of white space and line
    breaks folded to one space); up to 60 characters whole, a longer one cut to 57 and
    "..."."""
    promo = "Subscribe  now\nfor $1 a week"
    sixty = "Read also: " + "b" * 49
    longer = "Read also: " + "c" * 50
    text = "\n".join([OPENING, promo, sixty, longer])
    (result,) = _results(Article(id="l-1", text=text))
    spans = tuple(
        BoilerplateSpan(text.index(part), text.index(part) + len(part), reason, "test")
        for part, reason in (
            (promo, BoilerplateReason.PROMO),
            (sixty, BoilerplateReason.READ_ALSO),
            (longer, BoilerplateReason.READ_ALSO),
        )
    )
    findings = check._leftovers(replace(result, boilerplate=spans), Config())
    assert len(sixty) == 60
    assert [f.message.split("ingest: ", 1)[1] for f in findings] == [
        repr("Subscribe now for $1 a week"),
        repr(sixty),
        repr(longer[:57] + "..."),
    ]
    assert findings[0].message.startswith(
        "leftover boilerplate (promo) that should be stripped before ingest: "
    )


QUOTE = "We will not accept any agreement that leaves our farmers without protection"


def test_each_quotation_finding_has_its_own_policy(tmp_path: Path) -> None:
    """The indexed article quotes Jo Park twice, the weather line first. A new article
    alters the second quotation (found past the first, which it prints unchanged), another
    gives it to Lee Kim. Turning one kind off leaves the other reported."""
    filler = "The ministry published the statement on its website late on Sunday evening."
    text = (
        f"{filler}\n“The weather was fine all week long,” said Jo Park.\n"
        f"Minister Jo Park said: “{QUOTE}.”"
    )
    indexed = Article(id="old", text=text, outlet="A", language="en", published="2024-01-01")
    altered = replace(indexed, id="new1", outlet="B", text=text.replace("accept", "sign"))
    other = replace(
        indexed,
        id="new2",
        outlet="C",
        text=text.replace("Minister Jo Park said", "Minister Lee Kim said"),
    )
    results = _results(altered, other)
    with _store(tmp_path, "q.sqlite", [indexed]) as store:
        configs = {
            None: Config(),
            "altered_quote": Config(check=CheckConfig(altered_quote=Policy.OFF)),
            "speaker_mismatch": Config(check=CheckConfig(speaker_mismatch=Policy.OFF)),
        }
        kinds = {
            name: {v.article.id: _kinds(v) for v in check.run(results, store, config).articles}
            for name, config in configs.items()
        }
    assert "altered_quote" in kinds[None]["new1"]
    assert "speaker_mismatch" in kinds[None]["new2"]
    assert "altered_quote" not in kinds["altered_quote"]["new1"]
    assert "speaker_mismatch" in kinds["altered_quote"]["new2"]
    assert "altered_quote" in kinds["speaker_mismatch"]["new1"]
    assert "speaker_mismatch" not in kinds["speaker_mismatch"]["new2"]


@pytest.mark.parametrize(("outlet", "named"), [("Farm Weekly", " (Farm Weekly)"), (None, "")])
def test_quotation_findings_say_what_differs_and_where(
    tmp_path: Path, outlet: str | None, named: str
) -> None:
    """The altered quotation's message gives the changed words; the speaker mismatch's
    names the indexed article (with its outlet when it has one) and both speakers."""
    long_quote = (
        f"{QUOTE}, and we will keep saying so in every town hall of the valley until the "
        "government in the capital listens to the people who grow its food"
    )
    text = f"Minister Jo Park said: “{long_quote}.”"
    indexed = Article(id="old", text=text, outlet=outlet, language="en")
    edits = (
        ("accept", "sign"),
        ("agreement", "deal"),
        ("farmers", "growers"),
        ("valley", "region"),
    )
    changed = text
    for old, new in edits:
        changed = changed.replace(f" {old} ", f" {new} ")
    altered = replace(indexed, id="new1", outlet="B", text=changed)
    other = replace(indexed, id="new2", outlet="C", text=text.replace("Jo Park", "Lee Kim"))
    with _store(tmp_path, "m.sqlite", [indexed]) as store:
        verdict = check.run(_results(altered, other), store, Config())
    by_id = {v.article.id: v.findings for v in verdict.articles}
    (change,) = [f for f in by_id["new1"] if f.kind.value == "altered_quote"]
    # four words changed: the first three are named
    assert change.message == (
        f"quotation differs in wording from the same quotation in indexed article 'old'{named}: "
        "'accept' -> 'sign'; 'agreement' -> 'deal'; 'farmers' -> 'growers'"
    )
    # the finding points at the new article's quotation and names the indexed one
    assert "will not sign any deal that leaves our growers" in changed[change.start : change.end]
    assert (change.other_id, change.other_outlet) == ("old", outlet)
    assert change.similarity is not None
    assert change.similarity > 0
    (mismatch,) = [f for f in by_id["new2"] if f.kind.value == "speaker_mismatch"]
    assert mismatch.message.startswith("quotation attributed to '")
    assert "Lee Kim" in mismatch.message.split(";")[0]
    assert f"; indexed article 'old'{named} attributes the same words to '" in mismatch.message
    assert "Jo Park" in mismatch.message.split("attributes the same words to")[1]


class _Bands:
    """A stand-in index for ``check._candidates``: the band hits of each query passage (by
    its first key) and an estimate of hits / 8."""

    def __init__(self, hits: dict[int, dict[int, int]]) -> None:
        self._hits = hits
        self.fp = self

    def hits(self, keys: tuple[int, ...]) -> dict[int, int]:
        return self._hits.get(keys[0], {})

    def estimate(self, hits: int) -> float:
        return hits / 8


def test_a_candidate_s_estimate_is_the_length_weighted_share_of_the_passages_it_meets() -> None:
    """Passages of 40 and 50 characters. Stored article 1 meets the first in 8 of 8 bands
    (estimate 1) and the second through two of its passages, the better in 3 bands
    (0.375): (40 x 1 + 50 x 0.375) / 90 = 0.652777..., kept to 4 places, 0.6528. Article
    2 meets only the second passage, in 8 bands: 50 / 90 = 0.5556; article 3 as well: the
    tie goes to the lower pk. Ranked by estimate."""
    from provenance.store.keys import REF_BITS, Entry, IndexedPassage

    def ref(pk: int, seq: int) -> int:  # a band row's ref (store/keys.py)
        return pk << REF_BITS | seq

    entry = Entry(
        Article("new", "x" * 100),
        b"",
        (IndexedPassage(0, 40, (101,)), IndexedPassage(50, 100, (102,))),
    )
    index = _Bands(
        {
            101: {ref(1, 0): 8},
            102: {ref(3, 0): 8, ref(1, 4): 2, ref(1, 5): 3, ref(2, 1): 8},
        }
    )
    found = check._candidates(entry, cast(Store, index))
    assert [(c.pk, c.estimate) for c in found] == [(1, 0.6528), (2, 0.5556), (3, 0.5556)]
    assert found[0].pairs == {0: (0, 8), 1: (5, 3)}


def test_copied_stretches_that_touch_or_overlap_are_one() -> None:
    """The union of aligned stretches (``check_wire._union``): stretches that overlap or
    touch (one ends where the next starts) are one stretch; a gap of one character keeps
    two; an empty stretch is none. Sorted by start."""
    from provenance import check_wire

    assert check_wire._union([(5, 10), (0, 5), (8, 12)]) == [(0, 12)]
    assert check_wire._union([(0, 5), (6, 9), (3, 3)]) == [(0, 5), (6, 9)]
    assert check_wire._union([(7, 7)]) == []


# --- quotation findings: where they point, their level, which indexed version speaks ----


def _said(speaker: str, words: str) -> str:
    return f"Minister {speaker} said: “{words}.”"


def _quote_findings(
    tmp_path: Path, indexed: list[Article], new: Article, config: Config | None = None
) -> list[check.Finding]:
    with _store(tmp_path, "qf.sqlite", indexed) as store:
        verdict = check.run(_results(new), store, config or Config())
    quotation = {"altered_quote", "speaker_mismatch"}
    return [f for f in verdict.articles[0].findings if f.kind.value in quotation]


def test_a_quotation_finding_points_at_the_quotation_at_its_policy_s_level(
    tmp_path: Path,
) -> None:
    """The finding's stretch is the new article's quotation, marks included (not the
    whole text); its level is the policy of its kind: warn by default, fail when set so
    (and then the article fails)."""
    old = Article(id="old", text=_said("Jo Park", QUOTE), language="en")
    text = "The farm union met on Monday. " + _said("Jo Park", QUOTE.replace("accept", "sign"))
    new = Article(id="new", text=text, language="en")
    (found,) = _quote_findings(tmp_path, [old], new)
    assert (found.kind.value, found.level) == ("altered_quote", Policy.WARN)
    assert (found.start, found.end) == (text.index("“"), text.index("”") + 1)
    strict = Config(check=CheckConfig(altered_quote=Policy.FAIL))
    with _store(tmp_path, "strict.sqlite", [old]) as store:
        verdict = check.run(_results(new), store, strict)
    assert [f.level for f in verdict.articles[0].findings] == [Policy.FAIL]
    assert verdict.status == check.Status.FAIL


OTHER_QUOTE = (
    "The ministry has had two years to answer the letters the growers sent from the valley"
)


def test_a_quotation_printed_as_indexed_does_not_end_the_search(tmp_path: Path) -> None:
    """The new article opens with a quotation of its own (linked to nothing indexed),
    prints the next as the indexed article did and alters the third: the first two are
    passed over and the third is still reported."""
    old = Article(
        id="old", text=_said("Jo Park", QUOTE) + "\n" + _said("Jo Park", OTHER_QUOTE), language="en"
    )
    altered = OTHER_QUOTE.replace("two years", "three years")
    own = _said("Lee Kim", "Nobody in this town has seen the minister since the floods of May")
    quotes = [own, _said("Jo Park", QUOTE), _said("Jo Park", altered)]
    new = replace(old, id="new", text="\n".join(quotes))
    (found,) = _quote_findings(tmp_path, [old], new)
    assert found.kind.value == "altered_quote"
    assert found.message.endswith(": 'two' -> 'three'")
    assert new.text[found.start : found.end] == f"“{altered}.”"


def test_the_same_speaker_s_version_speaks_for_a_quotation_before_another_speaker_s(
    tmp_path: Path,
) -> None:
    """The indexed article gives the words to Lee Kim first, then to Jo Park with one word
    changed. For the new article's quotation of Jo Park, his own version speaks (an altered
    quotation), not Lee Kim's identical words (no speaker mismatch)."""
    changed = QUOTE.replace("accept", "sign")
    old = Article(
        id="old", text=_said("Lee Kim", QUOTE) + "\n" + _said("Jo Park", changed), language="en"
    )
    new = Article(id="new", text=_said("Jo Park", QUOTE), language="en")
    (found,) = _quote_findings(tmp_path, [old], new)
    assert found.kind.value == "altered_quote"
    assert found.message.endswith(": 'sign' -> 'accept'")


def test_one_version_with_the_same_words_clears_a_quotation(tmp_path: Path) -> None:
    """Two indexed articles quote Jo Park: one with the same words as the new article
    (commas aside), one with a misprint ("farmer") that aligns more closely, character for
    character. The same words clear the quotation; the misprinted version alone would be
    reported as an altered quotation."""
    commas = "We will not accept, any agreement, that leaves our farmers, without protection"
    same = Article(id="same", text=_said("Jo Park", commas), language="en")
    misprint = Article(
        id="misprint", text=_said("Jo Park", QUOTE.replace("farmers", "farmer")), language="en"
    )
    new = Article(id="new", text=_said("Jo Park", QUOTE), language="en")
    same_words = align.align_texts(commas, QUOTE)
    misprinted = align.align_texts(QUOTE.replace("farmers", "farmer"), QUOTE)
    assert same_words is not None
    assert misprinted is not None
    assert same_words.score < misprinted.score  # the misprint aligns more closely (98.04, 99.33)
    assert _quote_findings(tmp_path / "both", [same, misprint], new) == []
    (alone,) = _quote_findings(tmp_path / "alone", [misprint], new)
    assert (alone.kind.value, alone.other_id) == ("altered_quote", "misprint")


def test_the_closest_altered_version_speaks_for_a_quotation(tmp_path: Path) -> None:
    """Two indexed articles quote Jo Park with changed words: one word ("farmer"), or two
    ("sign", "growers"). The finding names the closer version, whichever was indexed
    first; each version alone is reported."""
    one = QUOTE.replace("farmers", "farmer")
    two = QUOTE.replace("accept", "sign").replace("farmers", "growers")
    near = Article(id="near", text=_said("Jo Park", one), language="en")
    far = Article(id="far", text=_said("Jo Park", two), language="en")
    new = Article(id="new", text=_said("Jo Park", QUOTE), language="en")
    for order in ([near, far], [far, near]):
        (found,) = _quote_findings(tmp_path / order[0].id, order, new)
        assert found.other_id == "near"
        assert found.message.endswith(": 'farmer' -> 'farmers'")
    (alone,) = _quote_findings(tmp_path / "alone", [far], new)
    assert alone.message.endswith(": 'sign' -> 'accept'; 'growers' -> 'farmers'")


def test_an_indexed_article_s_quotations_are_read_with_its_language_s_marks(
    tmp_path: Path,
) -> None:
    """An indexed English article that prints a quotation between German marks („...“):
    English has no such pair, so it holds no quotation and the new article's quotation of
    the same words under another name is no speaker mismatch. Stored without a language
    (every language's marks), the same article gives the words to Jo Park: a mismatch."""
    text = f"Minister Jo Park said: „{QUOTE}.“"
    new = Article(id="new", text=_said("Lee Kim", QUOTE), language="en")
    english = Article(id="old", text=text, language="en")
    assert _quote_findings(tmp_path / "en", [english], new) == []
    unknown = replace(english, language=None)
    (found,) = _quote_findings(tmp_path / "any", [unknown], new)
    assert found.kind.value == "speaker_mismatch"
    assert "'Jo Park'" in found.message


# --- unattributed wire: the share, the threshold, the message, the order -----------------


def _sentence_copy() -> str:
    """An outlet's paragraph with one sentence of the Reuters story (seed 003) inside."""
    return (
        "Officials in the border county said on Monday that the new crossing would open next "
        "spring. " + COPIED + " The county expects more freight traffic as a result."
    )


def _wire_findings(
    tmp_path: Path, wires: list[Article], new: Article | ArticleResult, config: Config
) -> list[check.Finding]:
    (result,) = _results(new) if isinstance(new, Article) else (new,)
    with _store(tmp_path, "wf.sqlite", wires) as store:
        verdict = check.run([result], store, config)
    return [f for f in verdict.articles[0].findings if f.kind.value == "unattributed_wire"]


def test_the_unattributed_share_is_the_copied_characters_over_the_text_s_and_a_ceiling(
    tmp_path: Path, corpus_articles: dict[str, Article]
) -> None:
    """The share is the copied sentence's characters over the article's, to 4 places. It
    is reported when it is more than ``unattributed_wire_max_share``: a ceiling equal to
    it lets the article pass, one just below does not."""
    wire = replace(corpus_articles["003"], id="w", outlet="Reuters", source_kind=SourceKind.WIRE)
    new = Article(id="n", text=_sentence_copy(), outlet="Local Paper")
    # 159 of 304 characters: 0.523026..., 0.5230 to 4 places (0.52303 to 5: the rounding shows)
    assert (len(COPIED), len(new.text)) == (159, 304)
    share = 0.523
    (found,) = _wire_findings(tmp_path / "a", [wire], new, Config())
    assert found.share == share
    at = Config(check=CheckConfig(unattributed_wire_max_share=share))
    assert _wire_findings(tmp_path / "b", [wire], new, at) == []
    below = Config(check=CheckConfig(unattributed_wire_max_share=share - 0.0001))
    assert len(_wire_findings(tmp_path / "c", [wire], new, below)) == 1


def test_the_unattributed_wire_message_in_full(
    tmp_path: Path, corpus_articles: dict[str, Article]
) -> None:
    """The message gives the share as a whole percentage, the wire articles by outlet
    ("wire" for one without an outlet), and the first copied stretch on both sides with its
    grade. Credits that name agencies other than the copy's are listed, sorted."""
    story = corpus_articles["003"]
    nameless = replace(story, id="w-x", outlet=None, source_kind=SourceKind.WIRE)
    new = Article(id="n", text=_sentence_copy(), outlet="Local Paper")
    start, w_start = new.text.index(COPIED), story.text.index(COPIED)
    (found,) = _wire_findings(tmp_path / "a", [nameless], new, Config())
    (match,) = found.wire  # the sentence word for word: score 100
    assert (match.score, match.grade.value) == (100.0, "verbatim")
    assert found.message == (  # 159 of 304 characters: 52%
        "unattributed wire copy: 52% of the text aligns with indexed wire articles "
        f"(wire: w-x) and no credit line covers it; first: characters {start}-"
        f"{start + len(COPIED)} = 'w-x' characters {w_start}-{w_start + len(COPIED)} "
        "(verbatim)"
    )
    reuters = replace(nameless, outlet="Reuters")
    (result,) = _results(new)
    joint = WireCredit("AP/AFP", CreditKind.DATELINE, 0, 5, 0, len(new.text), "(AP/AFP)")
    credited = replace(result, wire_credits=(joint,))
    (found,) = _wire_findings(tmp_path / "b", [reuters], credited, Config())
    assert "(Reuters: w-x) and no credit line covers it (the credits name AFP, AP); " in (
        found.message
    )


def test_the_copied_stretches_are_listed_in_text_order(
    tmp_path: Path, corpus_articles: dict[str, Article]
) -> None:
    """The new article copies one sentence of a Reuters story, then a whole AP story (which
    shares far more with it, so it is the better candidate): the finding points at the
    Reuters sentence, the first stretch in the text, and lists the stretches by start."""
    reuters = replace(
        corpus_articles["003"], id="w-r", outlet="Reuters", source_kind=SourceKind.WIRE
    )
    ap = replace(corpus_articles["000"], id="w-a", outlet="AP", source_kind=SourceKind.WIRE)
    new = Article(id="n", text="\n\n".join([OPENING, COPIED, ap.text]), outlet="Local Paper")
    (found,) = _wire_findings(tmp_path, [reuters, ap], new, Config())
    assert (found.start, found.other_id) == (new.text.index(COPIED), "w-r")
    starts = [w.start for w in found.wire]
    assert starts == sorted(starts)
    assert {w.other_id for w in found.wire} == {"w-r", "w-a"}


def test_a_sentence_meeting_a_quotation_units_keys_is_not_paired_with_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Quotation units' band keys are salted so that a sentence meets one only by a 32-bit
    collision; at 1,000,000 indexed articles one happened, and the wire check took the
    quotation unit's number (3072 on) for a sentence of the wire story: IndexError. Here
    every quotation unit gets the keys a sentence of its words has (a collision on every
    band): the check must still end, and any finding lies in the copied words."""
    monkeypatch.setattr(Fingerprinter, "quote_keys", Fingerprinter.keys)
    words = (
        "We will not raise the fuel tax this year whatever the deficit says because "
        "families across the country cannot carry another rise"
    )
    wire = Article(
        id="w-q",
        text=f'The finance minister said on Monday: "{words}." The budget is due in March, '
        "and the opposition has promised to vote against it in the lower house.",
        outlet="Reuters",
        source_kind=SourceKind.WIRE,
    )
    new = Article(id="n-q", text=f"{OPENING}\n\n{words}.", outlet="Local Paper")
    with _store(tmp_path, "q.sqlite", [wire]) as store:
        (entry,) = [store.fp.entry(r) for r in _results(wire)]
        assert entry.quotes  # the wire story has a quotation unit with those words
        query = store.fp.entry(_results(new)[0])
        refs = {ref for p in query.passages for ref in store.hits(p.keys)}
        assert any(seq >= QUOTE_SEQ for _, seq in map(ref_parts, refs))  # the collision
        verdict = check.run(_results(new), store, Config())
    for finding in verdict.articles[0].findings:
        assert finding.start >= len(OPENING)  # whatever is found is in the copied words

"""HTML pages as input: charset, gzip, trafilatura's text, comments and metadata, sidecars.

The pages are small and hand-written; each test says what trafilatura or our code must do
with them.
"""

from __future__ import annotations

import builtins
import gzip
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from provenance import htmlinput, ingest, pipeline
from provenance.cli import app
from provenance.errors import InputError, MissingExtra
from provenance.model import BoilerplateReason, Label, Origin

BODY_1 = (
    "The foreign ministers met in Geneva on Tuesday and agreed to resume the talks that "
    "broke down in March, officials from both delegations said after the meeting."
)
BODY_2 = (
    "A second round is planned for next month, and both sides said they would bring "
    "technical experts to settle the remaining questions about inspections."
)
COMMENT_1 = "Finally some good news from Geneva, let us hope it holds this time around."
COMMENT_2 = "I will believe it when the inspectors are actually on the ground there."


def page(
    *,
    head: str = '<meta charset="utf-8">',
    title: str = "Talks to resume",
    meta: str = "",
    comments: bool = True,
    lang: str = "en",
) -> str:
    extra = (
        f'<div id="comments" class="comments"><ul>'
        f'<li class="comment"><p>{COMMENT_1}</p></li>'
        f'<li class="comment"><p>{COMMENT_2}</p></li></ul></div>'
        if comments
        else ""
    )
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head>{head}<title>{title} - Example News</title>'
        f'<meta property="og:site_name" content="Example News">{meta}</head><body>'
        '<nav><a href="/">Home</a> <a href="/world">World</a></nav>'
        f"<article><h1>{title}</h1><p>{BODY_1}</p><p>{BODY_2}</p></article>"
        f"{extra}<footer>Copyright Example News</footer></body></html>"
    )


META = (
    '<meta name="author" content="Jane Doe; John Roe">'
    '<meta property="article:published_time" content="2024-03-05T10:00:00+01:00">'
    '<link rel="canonical" href="https://example.com/world/talks-resume">'
)


def record(html: str | bytes, name: str = "talks.html") -> dict[str, Any]:
    data = html.encode("utf-8") if isinstance(html, str) else html
    return htmlinput.page_record(data, Origin(f"pages/{name}"), max_bytes=1 << 20)


def test_main_text_then_comments_with_their_offset() -> None:
    rec = record(page(meta=META))
    text, start = rec["text"], rec["html_comments_start"]
    assert BODY_1 in text[:start]
    assert BODY_2 in text[:start]
    assert text[start - 2 : start] == "\n\n"
    assert text[start:] == f"{COMMENT_1}\n{COMMENT_2}"
    assert "Home" not in text
    assert "Copyright" not in text


def test_metadata_from_the_page() -> None:
    rec = record(page(meta=META))
    assert rec["id"] == "talks"
    assert rec["title"] == "Talks to resume"
    assert rec["outlet"] == "Example News"
    assert rec["authors"] == ["Jane Doe", "John Roe"]
    assert rec["published"] == "2024-03-05"
    assert rec["url"] == "https://example.com/world/talks-resume"
    assert rec["language"] == "en"


def test_no_comments_no_offset_and_no_invented_metadata() -> None:
    rec = record(page(comments=False, lang="not a tag!"))
    assert "html_comments_start" not in rec
    assert rec["text"].endswith(BODY_2)
    for key in ("authors", "published", "url", "language"):
        assert key not in rec


def test_declared_charset_is_used() -> None:
    html = page(head='<meta charset="windows-1252">', title="Caf\u00e9 talks \u201cresume\u201d")
    rec = record(html.encode("cp1252"))
    assert rec["title"] == "Caf\u00e9 talks \u201cresume\u201d"


def test_iso_8859_1_is_read_as_windows_1252_like_browsers() -> None:
    head = '<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1">'
    data = page(head=head, title="Caf\u00e9 \u201cquoted\u201d").encode("cp1252")
    assert htmlinput.declared_charset(data) == "cp1252"
    assert "Caf\u00e9 \u201cquoted\u201d" in htmlinput.decode(data)


def test_undeclared_charset_tries_utf8_then_windows_1252() -> None:
    assert htmlinput.decode("<p>Caf\u00e9</p>".encode()) == "<p>Caf\u00e9</p>"
    assert htmlinput.decode("<p>Caf\u00e9</p>".encode("cp1252")) == "<p>Caf\u00e9</p>"
    assert htmlinput.decode(b"\xef\xbb\xbf<p>x</p>") == "<p>x</p>"


def test_unknown_charset_label_falls_back() -> None:
    data = '<meta charset="no-such-charset"><p>Caf\u00e9</p>'.encode()
    assert htmlinput.declared_charset(data) is None
    assert "Caf\u00e9" in htmlinput.decode(data)


def test_gzip_page_and_its_limits() -> None:
    html = page(meta=META).encode()
    packed = gzip.compress(html, mtime=0)
    assert record(packed, "talks.html.gz")["id"] == "talks"
    with pytest.raises(InputError, match="once decompressed"):
        htmlinput.page_record(packed, Origin("talks.html.gz"), max_bytes=len(html) - 1)
    with pytest.raises(InputError, match="truncated gzip"):
        record(packed[: len(packed) // 2], "talks.html.gz")


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("a/b/page.html", "page"),
        ("page.HTM", "page"),
        ("x/2024.05.01-story.html.gz", "2024.05.01-story"),
        ("C:\\pages\\story.htm.gz", "story"),
    ],
)
def test_page_id_is_the_name_without_html_suffix(path: str, expected: str) -> None:
    assert htmlinput.page_id(path) == expected


def test_a_page_without_text_is_an_input_error() -> None:
    with pytest.raises(InputError, match="no article text"):
        record("<html><head><title>Gallery</title></head><body><img src='a.jpg'></body></html>")


def test_folder_with_sidecar_metadata_wins(tmp_path: Path) -> None:
    (tmp_path / "talks.html").write_text(page(meta=META), encoding="utf-8")
    (tmp_path / "talks.json").write_text(
        json.dumps({"outlet": "The Real Outlet", "published": "2024-03-04"}), encoding="utf-8"
    )
    (tmp_path / "other.htm").write_bytes(gzip.compress(page(title="Other").encode(), mtime=0))
    articles = ingest.load([str(tmp_path)], html_reader=htmlinput.reader(1 << 20))
    assert [a.id for a in articles] == ["other", "talks"]
    talks = articles[1]
    assert talks.outlet == "The Real Outlet"
    assert talks.published == "2024-03-04"
    assert talks.authors == ("Jane Doe", "John Roe")
    start = talks.extra["html_comments_start"]
    assert talks.text[start:].startswith(COMMENT_1)


def test_comments_become_reader_comment_boilerplate(tmp_path: Path) -> None:
    (tmp_path / "talks.html").write_text(page(meta=META), encoding="utf-8")
    articles = ingest.load([str(tmp_path)], html_reader=htmlinput.reader(1 << 20))
    result = pipeline.analyze(articles).articles[0]
    start = articles[0].extra["html_comments_start"]
    tail = [s for s in result.spans if s.end > start]
    assert tail[-1].end == len(articles[0].text)
    for span in tail:
        assert span.label == Label.BOILERPLATE
        assert span.reason == BoilerplateReason.READER_COMMENT
    story = [s for s in result.spans if s.end <= start and s.label != Label.BOILERPLATE]
    assert BODY_1 in "".join(articles[0].text[s.start : s.end] for s in story)


def test_extracted_text_skips_the_boilerplate_feature_pass() -> None:
    # Menu-like lines around two story paragraphs: on raw page text the length/stop-word
    # pass calls them navigation; on text trafilatura extracted it must not run again.
    lines = [
        "Markets Today",
        "Lavrov Blinken Wang Baerbock Geneva",
        "Top Stories 2024",
        BODY_1,
        "Weather Traffic Sports",
        BODY_2,
        "Opinion Video Podcasts",
    ]
    text = "\n".join(lines) + "\n"
    assert record(page())["extracted_by"] == "trafilatura"

    def feature_rules(extra: dict[str, str]) -> list[str]:
        articles = ingest.load_records([{"id": "a", "text": text, "language": "en", **extra}])
        spans = pipeline.analyze(articles).articles[0].spans
        return [s.rule for s in spans if s.rule and s.rule.startswith("features.")]

    assert feature_rules({}) != []  # the pass does fire on this text as plain text
    assert feature_rules({"extracted_by": "trafilatura"}) == []


def _failing_import(monkeypatch: pytest.MonkeyPatch, fail: Callable[[], None]) -> None:
    real_import = builtins.__import__

    def hooked(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "trafilatura" or name.startswith("trafilatura."):
            fail()
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", hooked)


def _one_error_line(tmp_path: Path) -> str:
    path = tmp_path / "talks.html"
    path.write_text(page(), encoding="utf-8")
    result = CliRunner().invoke(app, ["report", str(path)])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    return lines[0]


def test_missing_trafilatura_is_one_clear_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def missing() -> None:
        raise ModuleNotFoundError("No module named 'trafilatura'", name="trafilatura")

    _failing_import(monkeypatch, missing)
    with pytest.raises(MissingExtra, match=r"pip install '\.\[html\]'") as caught:
        record(page())
    assert caught.value.module == "trafilatura"
    line = _one_error_line(tmp_path)
    assert "importing trafilatura failed" in line
    assert "No module named 'trafilatura'" in line
    assert line.endswith("pip install '.[html]'")  # works from a clone; not a PyPI name


def test_broken_dependency_of_trafilatura_is_named(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """trafilatura is installed but one of its imports raises (lxml 6 without lxml_html_clean,
    as pip 23.2 left it): the message names that module and its reason, not "needs trafilatura"."""
    reason = "lxml.html.clean module is now a separate project lxml_html_clean."

    def broken() -> None:
        # raised from code whose module is lxml.html.clean, as lxml 6 does
        exec(  # the module name comes from the frame, as for a real import
            compile("raise ImportError(reason)", "clean.py", "exec"),
            {"__name__": "lxml.html.clean", "reason": reason},
        )

    _failing_import(monkeypatch, broken)
    line = _one_error_line(tmp_path)
    assert "importing lxml.html.clean failed" in line
    assert f"ImportError: {reason}" in line
    assert "pip install '.[html]'" in line


def test_cli_reports_an_html_page(tmp_path: Path) -> None:
    path = tmp_path / "talks.html"
    path.write_text(page(meta=META), encoding="utf-8")
    result = CliRunner().invoke(app, ["report", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    article = json.loads(result.stdout)["articles"][0]
    assert article["id"] == "talks"
    assert article["outlet"] == "Example News"
    assert article["length"] == len(record(page(meta=META))["text"])

"""Issue 11, failure 8: raw HTML in Markdown, control characters in terminal output,
invalid UTF-8 in JSON, ids with commas that could not be removed."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from tests.hostile.conftest import cli, write_records

PARAGRAPH = (
    "Officials confirmed on Friday that the coastal road will stay closed for at least "
    "another week while engineers inspect the damaged sea wall near the old lighthouse."
)
HTML = '<link rel="stylesheet" href="https://evil.invalid/x.css">'
REFRESH = '<meta http-equiv="refresh" content="0;url=https://evil.invalid/">'
ESC = "\x1b[2J\x1b[31m"


def _hostile_records() -> list[dict[str, object]]:
    return [
        {
            "id": f"a{ESC}red\rX",
            "title": f"Title {HTML}",
            "outlet": f"Outlet {REFRESH} **bold** [link](https://evil.invalid)\n\u202eevil",
            "text": f"{PARAGRAPH}\n\n{HTML} and {REFRESH} in the text.",
        },
        {
            "id": "b<img src=x onerror=alert(1)>|",
            "outlet": "Other <b>Outlet</b>",
            "text": f"{PARAGRAPH}\n\nA different closing line `code` and _emphasis_.",
        },
    ]


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    return write_records(tmp_path / "hostile.jsonl", _hostile_records())


def test_markdown_carries_no_raw_html_or_markup_from_articles(hostile: Path) -> None:
    """Rendered with HTML enabled, the Markdown loaded remote stylesheets and ran a refresh."""
    run = cli("report", str(hostile), "--format", "md")
    assert run.code == 0, run.stderr
    md = run.stdout
    assert "<" not in md.replace("&lt;", "")  # no tag of any kind: every "<" is an entity
    assert "&lt;meta http-equiv" in md
    assert "\\*\\*bold\\*\\*" in md
    assert "\\[link\\](https\\://evil" in md
    assert "\x1b" not in md
    assert "\r" not in md
    assert "\u202e" not in md


@pytest.mark.parametrize("fmt", ["text", "md", "json"])
def test_no_control_character_reaches_any_report(hostile: Path, fmt: str) -> None:
    run = cli("report", str(hostile), "--format", fmt)
    assert run.code == 0, run.stderr
    if fmt == "json":
        data = json.loads(run.stdout)  # JSON escapes them itself, as \u001b
        assert f"a{ESC}red\rX" in {a["id"] for a in data["articles"]}
    else:
        assert re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e]", run.stdout) is None


def test_terminal_text_shows_escapes_visibly(hostile: Path) -> None:
    """Ids with `\\r` or ANSI escapes were printed raw to the terminal."""
    run = cli("report", str(hostile))
    assert "a\\x1b[2J\\x1b[31mred\\rX" in run.stdout
    assert "\\u202eevil" not in run.stdout.split("\n")[0]


def test_check_text_and_github_output_neutralise_control_characters(
    tmp_path: Path, corpus_index: Path
) -> None:
    same = [{**r, "text": PARAGRAPH} for r in _hostile_records()]  # batch duplicates
    hostile = write_records(tmp_path / "same.jsonl", same)
    for fmt in ("text", "github"):
        run = cli("check", str(hostile), "--index", str(corpus_index), "--format", fmt)
        assert run.code == 1, run.stderr
        assert re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e]", run.stdout) is None
        assert "\\x1b[2J" in run.stdout


def test_json_is_valid_utf8_whatever_the_file_names(tmp_path: Path, corpus_index: Path) -> None:
    """A file name that is not UTF-8 made `check --format json` emit invalid UTF-8."""
    folder = os.fsencode(tmp_path)
    name = folder + b"/caf\xe9-\xff.txt"
    with open(name, "wb") as handle:
        handle.write(PARAGRAPH.encode())
    path = os.fsdecode(name)
    run = cli("check", path, "--index", str(corpus_index), "--format", "json")
    assert run.code in (0, 1), run.stderr
    run.stdout.encode("utf-8")  # no lone surrogate left: strict UTF-8 encodes it
    data = json.loads(run.stdout)
    (article,) = data["articles"]
    assert article["path"].endswith("/caf\\xe9-\\xff.txt")
    assert article["id"] == "caf\\xe9-\\xff"
    report = cli("report", path, "--format", "json")
    report.stdout.encode("utf-8")
    assert cli("validate", path).stdout == "1 article valid\n"


def test_an_id_with_a_comma_can_be_removed(tmp_path: Path) -> None:
    """An id containing a comma could not be removed with --ids."""
    index = tmp_path / "i.sqlite"
    records = write_records(
        tmp_path / "r.jsonl",
        [
            {"id": "Smith, John: profile", "text": PARAGRAPH},
            {"id": "Smith", "text": PARAGRAPH + " Second version."},
        ],
    )
    assert cli("index", "add", str(records), "--index", str(index)).code == 0
    run = cli("index", "remove", "--id", "Smith, John: profile", "--index", str(index))
    assert run.stdout == "removed 1 article\n"
    run = cli("index", "remove", "--ids", "Smith, nobody", "--index", str(index))
    assert run.stdout == "removed 1 article\n"

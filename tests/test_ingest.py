"""Ingest: every supported input form, and every kind of bad input as one clear error line.

Bad inputs are run through the real command line (typer's CliRunner, and once as a separate
process) because what matters to a user is the line printed and the exit code.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from provenance import ingest
from provenance.cli import app
from provenance.config import IngestConfig
from provenance.errors import InputError, InputErrors
from provenance.segment import segment

ROOT = Path(__file__).resolve().parent.parent


def _write(folder: Path, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def _record(**fields: Any) -> bytes:
    return json.dumps({"id": "a", "text": "Some text.", **fields}).encode()


def _errors(paths: list[str], **kwargs: Any) -> list[str]:
    with pytest.raises(InputErrors) as caught:
        ingest.load(paths, **kwargs)
    return [e.one_line() for e in caught.value.errors]


# (files to create, arguments, expected error lines: each a tuple of fragments in order)
BAD_INPUTS = [
    pytest.param(
        # line 2 is ` "text": }`: the value is missing where "}" stands, column 10
        {"a.json": b'{"id": "a",\n "text": }'},
        ["a.json"],
        [("a.json: line 2 column 10: malformed JSON: Expecting value",)],
        id="malformed-json",
    ),
    pytest.param(
        # line 2 is `{"id":"b","text":}`: "}" is the 18th character
        {"a.jsonl": b'{"id":"a","text":"x"}\n{"id":"b","text":}\n'},
        ["a.jsonl"],
        [("a.jsonl: line 2 column 18: malformed JSON",)],
        id="malformed-jsonl-line",
    ),
    pytest.param(
        {"a.txt": b"caf\xe9 au lait"},  # Latin-1 e-acute: byte 3 is not UTF-8
        ["a.txt"],
        [("a.txt: invalid UTF-8 at byte 3 (0xe9)",)],
        id="invalid-utf8",
    ),
    pytest.param(
        {"a.txt": b"PK\x03\x04\x00\x00\x08"},  # a zip header
        ["a.txt"],
        [("a.txt: binary file (NUL byte at byte 4)",)],
        id="binary",
    ),
    pytest.param(
        {"a.txt": "UTF-16".encode("utf-16")},
        ["a.txt"],
        [("a.txt: UTF-16 text (byte order mark); convert the file to UTF-8",)],
        id="utf16",
    ),
    pytest.param(
        {"a.json": b'{"id": "a", "text": "x", "n": 1' + b"0" * 5000 + b"}"},
        ["a.json"],
        [("a.json: unreadable JSON: number too long",)],
        id="number-too-long",
    ),
    pytest.param({"a.txt": b""}, ["a.txt"], [("a.txt: empty file",)], id="empty-file"),
    pytest.param(
        {"a.txt": b" \r\n\t\n"},
        ["a.txt"],
        [("a.txt: empty file (only white space)",)],
        id="whitespace-file",
    ),
    pytest.param(
        {"a.json": _record(text=" \n\t ")},
        ["a.json"],
        [("a.json: $.text: empty text (only white space)",)],
        id="whitespace-text",
    ),
    pytest.param(
        {"a.json": _record(), "b.json": _record(text="Other.")},
        ["a.json", "b.json"],
        [("b.json: $.id: duplicate id 'a', first seen in a.json",)],
        id="duplicate-across-files",
    ),
    pytest.param(
        {"a.json": b'[{"id": "x", "text": "One."}, {"id": "x", "text": "Two."}]'},
        ["a.json"],
        [("a.json: [1]: $.id: duplicate id 'x', first seen in a.json [0]",)],
        id="duplicate-in-json-list",
    ),
    pytest.param(
        {"a.jsonl": b'{"id": "x", "text": "One."}\n\n{"id": "x", "text": "Two."}\n'},
        ["a.jsonl"],
        [("a.jsonl: line 3: $.id: duplicate id 'x', first seen in a.jsonl line 1",)],
        id="duplicate-in-jsonl",
    ),
    pytest.param(
        {"a.json": b'{"id": "a"}'},
        ["a.json"],
        [("a.json: $.text: required field is missing",)],
        id="missing-text",
    ),
    pytest.param(
        {"a.json": _record(text=["Some", "text"])},
        ["a.json"],
        [("a.json: $.text: expected string, got array",)],
        id="wrong-type",
    ),
    pytest.param(
        {"a.json": _record(authors=["Kim", 7])},
        ["a.json"],
        [("a.json: $.authors[1]: expected string, got integer",)],
        id="wrong-type-nested",
    ),
    pytest.param(
        {"a.json": _record(published="2024-13-45")},
        ["a.json"],
        [("a.json: $.published:", '"2024-13-45" is not null, a date (YYYY-MM-DD)')],
        id="bad-published",
    ),
    pytest.param(
        {"a.json": _record(url="not a uri")},
        ["a.json"],
        [("a.json: $.url:", '"not a uri" is not an absolute URI')],
        id="bad-url",
    ),
    pytest.param(
        {"a.json": _record(source_kind="blog")},
        ["a.json"],
        [("a.json: $.source_kind: must be one of", 'got "blog"')],
        id="bad-source-kind",
    ),
    pytest.param(
        {"a.json": b"[1]"},
        ["a.json"],
        [("a.json: [0]: $: expected an article object, got integer",)],
        id="not-an-object",
    ),
    pytest.param({"a.json": b"[]"}, ["a.json"], [("a.json: $: empty list",)], id="empty-list"),
    pytest.param(
        {"a.json": b'{"id": "a", "id": "b", "text": "x"}'},
        ["a.json"],
        [("a.json: refused JSON: duplicate key 'id'",)],
        id="duplicate-key",
    ),
    pytest.param(
        {"a.json": b'{"id": "a", "text": "x", "score": NaN}'},
        ["a.json"],
        [("a.json: refused JSON: NaN is not a JSON number",)],
        id="nan",
    ),
    pytest.param(
        {"a.json": b'{"id": "a", "text": "bad \\ud800 surrogate"}'},
        ["a.json"],
        [("a.json: $.text: unpaired surrogate",)],
        id="lone-surrogate",
    ),
    pytest.param(
        {"a.json": b"[" * 100_000},
        ["a.json"],
        [("a.json: unreadable JSON: nested too deeply",)],
        id="deep-nesting",
    ),
    pytest.param(
        # the limit comes from the config file of the working folder
        {"provenance.toml": b"[ingest]\nmax_record_bytes = 16\n", "a.txt": b"x" * 17},
        ["a.txt"],
        [("a.txt: file is 17 bytes, over the limit of 16 bytes",)],
        id="over-size-limit",
    ),
    pytest.param(
        {"a.csv": b"id,text\n"}, ["a.csv"], [("a.csv: unsupported file type .csv",)], id="csv"
    ),
    pytest.param({}, ["nope.txt"], [("nope.txt: no such file or folder",)], id="missing-path"),
    pytest.param(
        {"d/notes.md": b"# notes"}, ["d"], [("d: no article files",)], id="folder-without-articles"
    ),
    pytest.param(
        {"a.txt": b"Body.", "a.json": b'{"published": "yesterday"}'},
        ["a.txt"],
        [("a.txt: metadata a.json: $.published:", '"yesterday" is not null')],
        id="bad-sidecar-field",
    ),
    pytest.param(
        {"a.txt": b"Body.", "a.json": b'{"text": "Other body."}'},
        ["a.txt"],
        [("a.json: $.text: sidecar metadata may not carry the text",)],
        id="sidecar-with-text",
    ),
    pytest.param(
        # several problems at once: one line each, in file and line order
        {
            "a.jsonl": b'{"id": "a"}\n{oops\n{"id": "b", "text": "x", "url": "no uri", '
            b'"source_kind": "blog"}\n',
            "b.txt": b"",
        },
        ["a.jsonl", "b.txt", "c.txt"],
        [
            ("c.txt: no such file or folder",),
            ("a.jsonl: line 1: $.text: required field is missing",),
            ("a.jsonl: line 2 column 2: malformed JSON",),
            ("a.jsonl: line 3: $.source_kind: must be one of",),
            ("a.jsonl: line 3: $.url:",),
            ("b.txt: empty file",),
        ],
        id="several-errors",
    ),
]


@pytest.mark.parametrize(("files", "args", "expected"), BAD_INPUTS)
def test_bad_input_is_one_line_per_problem_and_exit_2(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    files: dict[str, bytes],
    args: list[str],
    expected: list[tuple[str, ...]],
) -> None:
    _write(tmp_path, files)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["validate", *args])
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == len(expected), result.stderr
    for line, fragments in zip(lines, expected, strict=True):
        assert line.startswith("error: ")
        position = 0
        for fragment in fragments:
            found = line.find(fragment, position)
            assert found >= 0, f"{fragment!r} not in {line!r}"
            position = found + len(fragment)
    assert "Traceback" not in result.output


def test_error_lines_never_carry_the_article_text(tmp_path: Path) -> None:
    secret = "Confidential body of the article. " * 20
    _write(tmp_path, {"a.json": _record(text=secret, published=secret)})
    path = str(tmp_path / "a.json")
    lines = _errors([path])
    assert len(lines) == 1
    assert lines[0].count("Confidential") == 1  # a short excerpt of the bad value, no more
    assert len(lines[0]) - len(path) < len(secret) // 4


def test_bad_input_in_a_real_process(tmp_path: Path) -> None:
    _write(tmp_path, {"a.json": b'{"id": "a",\n "text": }'})
    run = subprocess.run(
        [sys.executable, "-m", "provenance", "validate", "a.json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert run.returncode == 2
    assert run.stdout == ""
    assert run.stderr == "error: a.json: line 2 column 10: malformed JSON: Expecting value\n"


def test_file_over_the_size_limit(tmp_path: Path) -> None:
    _write(tmp_path, {"big.txt": b"x" * 17, "fits.txt": b"y" * 16})
    config = IngestConfig(max_record_bytes=16)
    lines = _errors([str(tmp_path / "big.txt")], config=config)
    assert lines == [
        f"{tmp_path / 'big.txt'}: file is 17 bytes, over the limit of 16 bytes per record "
        "(raise ingest.max_record_bytes to read it)"
    ]
    assert [a.text for a in ingest.load([str(tmp_path / "fits.txt")], config)] == ["y" * 16]
    stdin_lines = _errors(["-"], config=config, stdin=b"z" * 17)
    assert stdin_lines == [
        "<stdin>: input is over the limit of 16 bytes per record "
        "(raise ingest.max_record_bytes to read it)"
    ]


def test_input_errors_are_domain_errors_with_fields(tmp_path: Path) -> None:
    _write(tmp_path, {"a.json": _record(url="not a uri")})
    with pytest.raises(InputErrors) as caught:
        ingest.load([str(tmp_path / "a.json")])
    (error,) = caught.value.errors
    assert isinstance(error, InputError)
    assert (error.path, error.record, error.field) == (str(tmp_path / "a.json"), None, "$.url")


# --- what is accepted -------------------------------------------------------------------


def test_stdin_plain_text_json_and_jsonl() -> None:
    (plain,) = ingest.load(["-"], stdin=b"Just a line of text.\n")
    assert (plain.id, plain.text) == ("stdin", "Just a line of text.\n")
    (one,) = ingest.load(["-"], stdin=_record(title="T"))
    assert (one.id, one.title) == ("a", "T")
    lines = b'{"id": "b", "text": "B."}\n{"id": "a", "text": "A."}\n'
    assert [a.id for a in ingest.load(["-"], stdin=lines)] == ["a", "b"]
    listed = b'[{"id": "b", "text": "B."}, {"id": "a", "text": "A."}]'
    assert [a.id for a in ingest.load(["-"], stdin=listed)] == ["a", "b"]
    # Newsis copy starts with its bracketed credit: plain text, not a JSON list
    korean = "[서울=뉴시스] 북한은 성명을 발표했다.".encode()
    assert [a.text for a in ingest.load(["-"], stdin=korean)] == [korean.decode()]
    assert _errors(["-"], stdin=b"[\n  {oops") == [
        "<stdin>: line 2 column 4: malformed JSON: "
        "Expecting property name enclosed in double quotes"
    ]


def test_stdin_through_the_cli() -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["validate", "-"], input=b'{"id": "a", "text": "A."}\n')
    assert (result.exit_code, result.stdout) == (0, "1 article valid\n")
    jsonl = b'{"id": "a", "text": "A."}\n{"id": "b", "text": "B."}\n'
    result = runner.invoke(app, ["validate", "-"], input=jsonl)
    assert (result.exit_code, result.stdout) == (0, "2 articles valid\n")
    result = runner.invoke(app, ["validate", "-"], input="[서울=뉴시스] 본문.\n".encode())
    assert (result.exit_code, result.stdout) == (0, "1 article valid\n")
    result = runner.invoke(
        app, ["validate", "-"], input=b'{"id": "a", "text": "A."}\n{"id": "a"}\n'
    )
    assert (result.exit_code, result.stderr) == (
        2,
        "error: <stdin>: line 2: $.text: required field is missing\n",
    )
    result = runner.invoke(app, ["validate", "-"], input=b"")
    assert (result.exit_code, result.stderr) == (2, "error: <stdin>: empty file\n")


def test_bom_is_dropped_and_crlf_kept(tmp_path: Path) -> None:
    raw = "Headline here\r\n\r\nFirst sentence. Second one.\r\nLast line.\r\n"
    _write(tmp_path, {"a.txt": b"\xef\xbb\xbf" + raw.encode()})
    (article,) = ingest.load([str(tmp_path / "a.txt")])
    assert article.text == raw  # BOM gone, CRLF as stored
    seg = segment(article.text)
    for s in (*seg.paragraphs, *seg.sentences):
        assert article.text[s.start : s.end] == s.text
        assert "\r" not in s.text
        assert "\n" not in s.text
    assert [s.text for s in seg.sentences] == [
        "Headline here",
        "First sentence.",
        "Second one.",
        "Last line.",
    ]


def test_bom_in_json_and_crlf_in_jsonl(tmp_path: Path) -> None:
    record = b'{"id": "a", "text": "One.\\r\\nTwo."}'
    _write(
        tmp_path, {"a.json": b"\xef\xbb\xbf" + record, "b.jsonl": record.replace(b'"a"', b'"b"')}
    )
    _write(tmp_path, {"c.jsonl": b'{"id": "c", "text": "C."}\r\n{"id": "d", "text": "D."}\r\n'})
    articles = ingest.load([str(tmp_path)])
    assert [(a.id, a.text) for a in articles] == [
        ("a", "One.\r\nTwo."),
        ("b", "One.\r\nTwo."),
        ("c", "C."),
        ("d", "D."),
    ]


def test_txt_with_sidecar_metadata(tmp_path: Path) -> None:
    sidecar = {"id": "kim-01", "outlet": "Newsis", "published": "2024-11-02", "desk": "politics"}
    _write(
        tmp_path, {"story.txt": "본문입니다.".encode(), "story.json": json.dumps(sidecar).encode()}
    )
    _write(tmp_path, {"plain.txt": b"No sidecar here."})
    articles = ingest.load([str(tmp_path)])  # the sidecar is read with its .txt, not alone
    assert [a.id for a in articles] == ["kim-01", "plain"]
    story = articles[0]
    assert (story.text, story.outlet, story.published) == ("본문입니다.", "Newsis", "2024-11-02")
    assert dict(story.extra) == {"desk": "politics"}
    assert articles[1].outlet is None
    # named one by one, the sidecar is still metadata, not an article without text
    named = ingest.load([str(tmp_path / "story.txt"), str(tmp_path / "story.json")])
    assert [(a.id, a.outlet) for a in named] == [("kim-01", "Newsis")]


def test_folder_recursion_is_sorted_and_skips_readme_and_hidden(tmp_path: Path) -> None:
    not_an_article = b'{"no": "text"}'  # would be an error if it were read
    _write(
        tmp_path,
        {
            "b.json": _record(id="dup", text="In b."),
            "a/c.json": _record(id="dup", text="In a/c."),
            "a/z.jsonl": _record(id="z") + b"\n",
            "README.json": not_an_article,
            "a/readme.txt": b"About this folder.",
            ".git/x.json": not_an_article,
            "a/.hidden.json": not_an_article,
            "notes.md": b"# not read",
        },
    )
    lines = _errors([str(tmp_path)])
    # sorted paths: a/c.json comes before b.json, so b.json holds the duplicate
    assert lines == [
        f"{tmp_path / 'b.json'}: $.id: duplicate id 'dup', first seen in "
        f"{tmp_path / 'a' / 'c.json'}"
    ]
    (tmp_path / "b.json").unlink()
    assert [a.id for a in ingest.load([str(tmp_path)])] == ["dup", "z"]


def test_json_list_extra_fields_and_order_independence(tmp_path: Path) -> None:
    records = [
        {"id": "b", "text": "B.", "source_kind": "wire", "authors": ["AP"], "tags": {"x": [1]}},
        {"id": "a", "text": "A.", "language": "ko"},
    ]
    _write(tmp_path, {"l.json": json.dumps(records).encode()})
    articles = ingest.load([str(tmp_path / "l.json")])
    assert [a.id for a in articles] == ["a", "b"]
    wire = articles[1]
    assert (wire.source_kind.value, wire.authors) == ("wire", ("AP",))
    assert dict(wire.extra) == {"tags": {"x": [1]}}
    assert articles[0].source_kind.value == "outlet"  # the schema's default


def test_load_records_same_rules() -> None:
    good = ingest.load_records([{"id": "b", "text": "B."}, {"id": "a", "text": "A."}])
    assert [a.id for a in good] == ["a", "b"]
    with pytest.raises(InputErrors) as caught:
        ingest.load_records([{"id": "a", "text": "A."}, {"id": "a", "text": " "}, {"id": "a"}])
    assert [e.one_line() for e in caught.value.errors] == [
        "<records>: [1]: $.text: empty text (only white space)",
        "<records>: [2]: $.text: required field is missing",
    ]
    with pytest.raises(InputErrors) as caught:
        ingest.load_records([{"id": "a", "text": "A."}, {"id": "a", "text": "B."}])
    assert [e.one_line() for e in caught.value.errors] == [
        "<records>: [1]: $.id: duplicate id 'a', first seen in <records> [0]"
    ]


def test_the_corpus_loads(corpus_articles: dict[str, Any]) -> None:
    assert len(corpus_articles) == 5


def test_the_corpus_records_hold_the_seed_texts_exactly(corpus_articles: dict[str, Any]) -> None:
    seeds = ROOT.parent / "shared" / "seeds"
    if not seeds.is_dir():
        pytest.skip(f"seed texts not found at {seeds.name} beside the repository: not compared")
    for article in corpus_articles.values():
        assert (seeds / f"{article.id}.txt").read_text(encoding="utf-8") == article.text


def test_a_folder_that_cannot_be_listed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # root reads every folder, so the refusal is simulated where the folder is listed
    # (tests/hostile/test_inputs.py has the real thing, run as an unprivileged user)
    def denied(path: object) -> object:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(os, "scandir", denied)
    assert _errors([str(tmp_path)]) == [f"{tmp_path}: cannot list folder: Permission denied"]


# Any text (no NUL, no lone surrogate, not blank) comes back exactly as stored: as a .txt
# file (a leading BOM aside, which is how the file marks UTF-8) and inside JSON and JSONL.
_STORED = st.text(
    st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), min_size=1
).filter(lambda t: bool(t.strip()) and not t.startswith("\ufeff"))


@settings(max_examples=60, deadline=None)
@given(_STORED)
def test_text_comes_back_exactly_as_stored(text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "a.txt").write_bytes(text.encode("utf-8"))
        (root / "b.json").write_text(json.dumps({"id": "b", "text": text}), encoding="utf-8")
        line = json.dumps({"id": "c", "text": text}, ensure_ascii=False)
        (root / "c.jsonl").write_bytes(line.encode("utf-8") + b"\r\n")
        articles = ingest.load([folder])
    assert [(a.id, a.text) for a in articles] == [("a", text), ("b", text), ("c", text)]

"""The JSON Schemas: the loader, format checking, the schema cases, and the report contract.

Schema cases live in ``tests/schema_cases/<schema>/{valid,invalid}/*.json`` and are
discovered here; ``invalid/expected.toml`` names the JSON paths where each invalid case
must fail, so that a case cannot pass by failing for an unrelated reason.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from provenance import pipeline, schemas
from provenance.config import Config
from provenance.errors import ProvenanceError
from provenance.model import Article
from provenance.render import data as render_data

ROOT = Path(__file__).resolve().parent.parent
CASES = Path(__file__).resolve().parent / "schema_cases"


def _cases(kind: str) -> list[Any]:
    return [
        pytest.param(path, id=f"{path.parent.parent.name}/{path.stem}")
        for path in sorted(CASES.glob(f"*/{kind}/*.json"))
    ]


def _paths(name: str, instance: Any) -> list[str]:
    return sorted({schemas.describe(e)[0] for e in schemas.errors(name, instance)})


def test_cases_were_found() -> None:
    assert len(_cases("valid")) >= 5
    assert len(_cases("invalid")) >= 5


@pytest.mark.parametrize("path", _cases("valid"))
def test_valid_case(path: Path) -> None:
    schema = path.parent.parent.name
    assert _paths(schema, json.loads(path.read_text(encoding="utf-8"))) == []


@pytest.mark.parametrize("path", _cases("invalid"))
def test_invalid_case(path: Path) -> None:
    schema = path.parent.parent.name
    expected = tomllib.loads((path.parent / "expected.toml").read_text(encoding="utf-8"))
    assert path.stem in expected, f"add the JSON paths of {path.name} to expected.toml"
    assert _paths(schema, json.loads(path.read_text(encoding="utf-8"))) == sorted(
        expected[path.stem]
    )


def test_expected_toml_names_only_existing_cases() -> None:
    for expected_file in CASES.glob("*/invalid/expected.toml"):
        names = tomllib.loads(expected_file.read_text(encoding="utf-8"))
        for name in names:
            assert (expected_file.parent / f"{name}.json").is_file(), name


def test_formats_are_really_checked() -> None:
    # Without a format checker (or without jsonschema's format-nongpl extra) both would pass.
    bad = {"id": "a", "text": "x", "published": "2024-13-45", "url": "not a uri"}
    assert not schemas.is_valid("article", bad)
    assert _paths("article", bad) == ["$.published", "$.url"]
    good = {**bad, "published": "2024-11-02T09:30:00+09:00", "url": "https://example.com/a"}
    assert schemas.is_valid("article", good)
    assert not schemas.is_valid("article", {**good, "published": "2024-11-02T25:00:00Z"})
    assert not schemas.is_valid("article", {**good, "url": "http://exa mple.com/"})


def test_every_shipped_schema_is_a_valid_2020_12_schema() -> None:
    names = schemas.available()
    assert {"article", "report"} <= set(names)
    for name in names:
        Draft202012Validator.check_schema(schemas.load(name))


def test_loader_reads_the_repository_schemas_in_a_checkout() -> None:
    # In an editable install (the test environment) the helper reads schemas/ itself; the
    # regular wheel install is tested in test_packaging.py.
    assert schemas.schema_dir() == ROOT / "schemas"
    for name in ("article", "report"):
        shipped = (ROOT / "schemas" / f"{name}.schema.json").read_text(encoding="utf-8")
        assert schemas.text(name) == shipped
        assert schemas.load(name) == json.loads(shipped)


def test_load_gives_a_fresh_copy() -> None:
    first = schemas.load("article")
    first["required"].append("title")
    assert schemas.load("article")["required"] == ["id", "text"]


@pytest.mark.parametrize("name", ["nope", "../schemas/article", "Article", ""])
def test_unknown_schema_name(name: str) -> None:
    with pytest.raises(ProvenanceError, match="no schema named"):
        schemas.text(name)


def test_messages_are_short_and_name_what_was_expected() -> None:
    long_text = "word " * 500
    messages = dict(
        map(
            schemas.describe,
            schemas.errors("article", {"id": "a", "text": 1, "title": long_text, "url": long_text}),
        )
    )
    assert messages["$.text"] == "expected string, got integer"
    assert messages["$.url"].startswith('"word word word')
    assert len(messages["$.url"]) < 120
    assert "$.title" not in messages  # a long title is fine


def test_the_corpus_report_validates(corpus_articles: dict[str, Article]) -> None:
    config = Config()
    result = pipeline.analyze(list(corpus_articles.values()), config)
    report = render_data.report_dict(result, config)
    assert _paths("report", report) == []
    # ... also after a round trip through JSON, as a script would read it
    assert _paths("report", json.loads(render_data.to_json(report))) == []
    assert [a["id"][:3] for a in report["articles"]] == ["000", "001", "002", "003", "004"]


def test_report_schema_refuses_unknown_top_level_fields(
    corpus_articles: dict[str, Article],
) -> None:
    config = Config()
    report = render_data.report_dict(pipeline.analyze([corpus_articles["003"]], config), config)
    assert _paths("report", {**report, "generated_at": "2024-11-02"}) == ["$"]


def test_unused_format_modules_are_importable_after_the_schemas() -> None:
    """schemas.py hides jsonschema's unused format packages only while jsonschema is
    imported: afterwards they import normally, and the formats we use are still checked."""
    probe = (
        "import importlib, importlib.util, sys\n"
        "from provenance import schemas\n"
        "hidden = [n for n in schemas._UNUSED_FORMAT_MODULES if n in sys.modules]\n"
        "assert all(sys.modules[n] is not None for n in hidden), hidden\n"
        "for name in schemas._UNUSED_FORMAT_MODULES:\n"
        "    if importlib.util.find_spec(name) is not None:\n"
        "        importlib.import_module(name)\n"
        "bad = {'id': 'a', 'text': 't', 'published': '2024-13-45', 'url': 'not a uri'}\n"
        "paths = sorted(tuple(e.absolute_path) for e in schemas.errors('article', bad))\n"
        "print(paths)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], check=True, capture_output=True, text=True
    ).stdout
    assert out.strip() == "[('published',), ('url',)]"

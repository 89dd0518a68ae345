"""The plain check in front of jsonschema: what it accepts, jsonschema accepts too, and the
ordinary valid records and configs are accepted by it (so that jsonschema is not imported)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from provenance import schemas
from provenance.config import Config

CASES = Path(__file__).resolve().parent / "schema_cases"
CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def _jsonschema_valid(name: str, instance: Any) -> bool:
    schema = schemas.load(name)
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    return not list(validator.iter_errors(instance))


def _plain(name: str, instance: Any) -> bool:
    schema = schemas.load(name)
    return schemas._plainly_valid(schema, instance, schema)


@pytest.mark.parametrize("path", sorted(CASES.glob("*/*/*.json")), ids=lambda p: p.stem)
def test_the_schema_cases_agree(path: Path) -> None:
    name, kind = path.parent.parent.name, path.parent.name
    instance = json.loads(path.read_text(encoding="utf-8"))
    assert _jsonschema_valid(name, instance) == (kind == "valid")
    if _plain(name, instance):
        assert kind == "valid"


def test_ordinary_records_and_configs_are_plainly_valid() -> None:
    for path in sorted(CORPUS.glob("*.json")):
        assert _plain("article", json.loads(path.read_text(encoding="utf-8"))), path.name
    full = {
        "id": "a",
        "text": "Text.",
        "url": "https://example.com/news/2024/11/02/a-story?id=7&lang=en#top",
        "published": "2024-11-02T09:30:00.5+09:00",
        "language": "pt-BR",
        "authors": ["A. Writer"],
        "source_kind": "wire",
    }
    assert _plain("article", full)
    assert _plain("article", {**full, "published": "2024-02-29"})
    assert _plain("config", Config().to_dict() | {"check": {"leftover_boilerplate": "fail"}})
    assert _plain("config", {})


# values near the edges of each format's plain subset, and beyond them
_DATES = st.dates().map(lambda d: d.isoformat()) | st.sampled_from(
    ["2024-02-30", "2023-02-29", "2024-00-10", "２０２４-01-01", "2024-1-01", "2024-01-01\n"]
)
_DATE_TIMES = st.builds(
    lambda d, t, f, z: f"{d}{t}{f}{z}",
    _DATES,
    st.from_regex(r"\A[Tt ][0-2][0-9]:[0-6][0-9]:[0-6][0-9]\Z"),
    st.sampled_from(["", ".5", ".123456789", ".1234567890", "."]),
    st.sampled_from(["Z", "z", "+09:00", "-23:59", "+24:00", "+09:60", "+0900", ""]),
)
_URI_PARTS = ["/a", "/a%20b", "/%zz", "/a b", "/~x;y=1", "/ä", "?q=1&r", "?q=%2", "#f", "#f#g"]
_URIS = st.builds(
    lambda scheme, host, port, parts: f"{scheme}{host}{port}{''.join(parts)}",
    st.sampled_from(["https://"] * 5 + ["http://", "ftp://", "https:/", "HTTP://", ""]),
    st.sampled_from(["example.com"] * 5 + ["a-b.c", "exa mple", "[::1]", "é.com", "", "u@h"]),
    st.sampled_from([""] * 5 + [":80", ":", ":abc", ":123456"]),
    st.lists(st.sampled_from(_URI_PARTS), max_size=4),
)
_RECORDS = st.fixed_dictionaries(
    {"id": st.text(max_size=4), "text": st.text(max_size=4)},
    optional={
        "published": _DATE_TIMES | _DATES | st.none() | st.integers(),
        "url": _URIS | st.none(),
        "language": st.from_regex(r"\A[A-Za-z]{1,4}(-[A-Za-z0-9]{1,9})?\Z") | st.none(),
        "source_kind": st.sampled_from(["outlet", "wire", "press_release", "Wire", None, 1]),
        "authors": st.lists(st.text(max_size=3), max_size=3) | st.text(max_size=2),
        "title": st.text(max_size=3) | st.none() | st.booleans() | st.floats(),
    },
)


@settings(max_examples=400, deadline=None)
@given(_RECORDS)
def test_a_plainly_valid_record_is_valid_for_jsonschema(record: dict[str, Any]) -> None:
    if _plain("article", record):
        assert _jsonschema_valid("article", record), record


_CONFIG_VALUES = st.one_of(
    st.integers(-2, 2**35),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.sampled_from(["fail", "warn", "off", "FAIL", "", "affine32"]),
    st.lists(st.sampled_from(["a", "b", "caption"]), max_size=3),
)


@settings(max_examples=400, deadline=None)
@given(st.data())
def test_a_plainly_valid_config_is_valid_for_jsonschema(data: st.DataObject) -> None:
    defaults = Config().to_dict()
    section = data.draw(st.sampled_from(sorted(defaults)))
    key = data.draw(st.sampled_from([*sorted(defaults[section]), "unknown_key"]))
    config = {section: {key: data.draw(_CONFIG_VALUES)}}
    if _plain("config", config):
        assert _jsonschema_valid("config", config), config


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["url", "published"]), _URIS | _DATE_TIMES | _DATES)
def test_a_plain_format_value_is_valid_for_jsonschema(field: str, value: str) -> None:
    record = {"id": "a", "text": "Text.", field: value}
    if _plain("article", record):
        assert _jsonschema_valid("article", record), record

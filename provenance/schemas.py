"""Load and apply the JSON Schemas in ``schemas/`` (the single source of truth).

In a wheel the schemas are shipped as ``provenance/_schemas`` (hatch force-include); in an
editable install or a source checkout they are read from the repository's ``schemas/``.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

# jsonschema's format checkers import optional packages when jsonschema is imported, each for
# formats no schema of ours uses: rfc3987_syntax ("iri", it compiles a Lark grammar: 2-6 s),
# isoduration ("duration", pulls in arrow), webcolors, jsonpointer, uri_template, fqdn and
# idna (together ~60 ms more). A cold `provenance check` has a 1 s budget. Ours are "date",
# "date-time" (rfc3339-validator) and "uri" (rfc3986-validator), which stay. The unused ones
# are hidden from jsonschema while it is imported (unless this process already has them),
# and the entries are removed again at once so that other code can still import them.
_UNUSED_FORMAT_MODULES = (
    "rfc3987_syntax",
    "isoduration",
    "webcolors",
    "jsonpointer",
    "uri_template",
    "fqdn",
    "idna",
)
_HIDDEN = [name for name in _UNUSED_FORMAT_MODULES if name not in sys.modules]
for _name in _HIDDEN:
    sys.modules[_name] = None  # type: ignore[assignment]
try:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError
finally:
    for _name in _HIDDEN:
        del sys.modules[_name]

from provenance.errors import ProvenanceError  # noqa: E402

_NAME = re.compile(r"[a-z][a-z0-9_-]*")
_REQUIRED = re.compile(r"'(.+)' is a required property")
_SHOWN_CHARS = 40  # longest value excerpt in a message
_MESSAGE_CHARS = 160  # longest fallback message
_JSON_TYPES: tuple[tuple[str, type], ...] = (
    ("null", type(None)),
    ("boolean", bool),
    ("integer", int),
    ("number", float),
    ("string", str),
    ("array", list),
    ("object", dict),
)
_FORMAT_HINTS = {
    "date": "a date (YYYY-MM-DD)",
    "date-time": "a date-time (RFC 3339, e.g. 2024-11-02T09:30:00+09:00)",
    "uri": "an absolute URI (e.g. https://example.com/a)",
}


def schema_dir() -> Path:
    """The folder that holds the ``*.schema.json`` files for this installation."""
    packaged = Path(str(resources.files("provenance"))) / "_schemas"
    if packaged.is_dir():
        return packaged
    source = Path(__file__).resolve().parent.parent / "schemas"
    if source.is_dir():
        return source
    raise ProvenanceError("the JSON schemas are missing from this installation; reinstall it")


def available() -> list[str]:
    """Names of the schemas this installation has, e.g. ``["article", "report"]``."""
    return sorted(p.name.removesuffix(".schema.json") for p in schema_dir().glob("*.schema.json"))


@cache
def _load_text(name: str) -> str:
    path = schema_dir() / f"{name}.schema.json"
    if not _NAME.fullmatch(name) or not path.is_file():
        raise ProvenanceError(f"no schema named {name!r}; known: {', '.join(available())}")
    return path.read_text(encoding="utf-8")


def load(name: str) -> dict[str, Any]:
    """The schema ``name`` as a fresh dict (callers may not mutate a shared copy)."""
    data: dict[str, Any] = json.loads(_load_text(name))
    return data


def text(name: str) -> str:
    """The schema ``name`` exactly as shipped."""
    return _load_text(name)


@cache
def _validator(name: str) -> Draft202012Validator:
    # The shipped schemas are checked against the meta-schema by tests/test_schemas.py, not
    # here: that check costs a cold command about a tenth of a second per schema.
    schema = load(name)
    # Without an explicit format checker, jsonschema does not check "date-time" or "uri".
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def errors(name: str, instance: Any) -> Iterator[ValidationError]:
    """Validation errors of ``instance`` against schema ``name``, in a stable order."""
    found = _validator(name).iter_errors(instance)
    yield from sorted(found, key=lambda e: (list(map(str, e.absolute_path)), e.message))


def is_valid(name: str, instance: Any) -> bool:
    return next(errors(name, instance), None) is None


def _short(value: Any) -> str:
    """A value for an error message: JSON, cut to a few dozen characters (never a whole text)."""
    shown = json.dumps(value, ensure_ascii=False, default=str)
    return shown if len(shown) <= _SHOWN_CHARS else shown[: _SHOWN_CHARS - 1] + "…"


def json_type(value: Any) -> str:
    """The JSON name of a parsed value's type: "object", "array", "string", "integer", ..."""
    for name, kind in _JSON_TYPES:
        if isinstance(value, kind) and not (kind is int and isinstance(value, bool)):
            return name
    return type(value).__name__


def _alternative(subschema: Any) -> str:
    """How one branch of an ``anyOf`` reads in a message: "null", "a date (YYYY-MM-DD)"."""
    if not isinstance(subschema, dict):
        return "a value"
    fmt = subschema.get("format")
    if isinstance(fmt, str):
        return _FORMAT_HINTS.get(fmt, f"a {fmt}")
    kind = subschema.get("type")
    if isinstance(kind, str):
        return "null" if kind == "null" else f"a {kind}"
    return "a value"


def _child(json_path: str, key: str) -> str:
    return f"{json_path}.{key}" if key.isidentifier() else f"{json_path}[{json.dumps(key)}]"


def describe(error: ValidationError) -> tuple[str, str]:
    """A (JSON path, one-line message) pair for a validation error.

    Messages name what was expected and show at most a short excerpt of the value, so that
    an article's text never ends up in an error line.
    """
    path, kind, value = error.json_path, error.validator, error.instance
    expected: Any = error.validator_value
    if kind == "required":
        missing = _REQUIRED.fullmatch(error.message)
        if missing:
            return _child(path, missing.group(1)), "required field is missing"
    if kind == "type":
        names = expected if isinstance(expected, list) else [expected]
        return path, f"expected {' or '.join(map(str, names))}, got {json_type(value)}"
    if kind == "enum":
        choices = ", ".join(_short(c) for c in expected)
        return path, f"must be one of {choices}; got {_short(value)}"
    if kind == "format":
        return path, f"{_short(value)} is not {_FORMAT_HINTS.get(expected, f'a valid {expected}')}"
    if kind in ("anyOf", "oneOf"):
        options = [_alternative(s) for s in expected]
        listed = ", ".join(options[:-1]) + f" or {options[-1]}" if len(options) > 1 else options[0]
        return path, f"{_short(value)} is not {listed}"
    if kind == "minLength":
        return path, "must not be empty" if expected == 1 else f"needs {expected}+ characters"
    if kind == "maxLength":
        return path, f"is longer than {expected} characters"
    if kind == "pattern":
        return path, f"{_short(value)} does not match the pattern {expected}"
    message = error.message
    if len(message) > _MESSAGE_CHARS:
        message = message[: _MESSAGE_CHARS - 1] + "…"
    return path, message

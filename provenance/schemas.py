"""Load and apply the JSON Schemas in ``schemas/`` (the single source of truth).

In a wheel the schemas are shipped as ``provenance/_schemas`` (hatch force-include); in an
editable install or a source checkout they are read from the repository's ``schemas/``.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from provenance.errors import ProvenanceError

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

# jsonschema's format checkers import optional packages when jsonschema is imported, each for
# formats no schema of ours uses: rfc3987_syntax ("iri", it compiles a Lark grammar: 2-6 s),
# isoduration ("duration", pulls in arrow), webcolors, jsonpointer, uri_template, fqdn and
# idna (together ~60 ms more). Ours are "date", "date-time" (rfc3339-validator) and "uri"
# (rfc3986-validator), which stay. The unused ones are hidden from jsonschema while it is
# imported (unless this process already has them), and the entries are removed again at once
# so that other code can still import them. jsonschema itself is imported only when an
# instance is not plainly valid (see ``_plainly_valid``): a cold `provenance check` of valid
# articles never imports it.
_UNUSED_FORMAT_MODULES = (
    "rfc3987_syntax",
    "isoduration",
    "webcolors",
    "jsonpointer",
    "uri_template",
    "fqdn",
    "idna",
)


def _jsonschema() -> Any:
    """The jsonschema module, imported with the unused format packages hidden."""
    hidden = [name for name in _UNUSED_FORMAT_MODULES if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]
    try:
        import jsonschema
    finally:
        for name in hidden:
            del sys.modules[name]
    return jsonschema


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
    validator: type[Draft202012Validator] = _jsonschema().Draft202012Validator
    # Without an explicit format checker, jsonschema does not check "date-time" or "uri".
    return validator(schema, format_checker=validator.FORMAT_CHECKER)


@cache
def _schema(name: str) -> dict[str, Any]:
    """The schema ``name``, shared and read-only by convention (for ``_plainly_valid``)."""
    return load(name)


def errors(name: str, instance: Any) -> Iterator[ValidationError]:
    """Validation errors of ``instance`` against schema ``name``, in a stable order."""
    schema = _schema(name)
    if _plainly_valid(schema, instance, schema):
        return
    found = _validator(name).iter_errors(instance)
    yield from sorted(found, key=lambda e: (list(map(str, e.absolute_path)), e.message))


# Values of our formats that are certainly valid: strict subsets of a date (YYYY-MM-DD), of an
# RFC 3339 date-time (upper-case T and Z, no leap second) and of an RFC 3986 URI (http or
# https, a plain host, unreserved or percent-encoded characters). Anything else is left to
# jsonschema's format checkers, which decide.
_PLAIN_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_PLAIN_DATE_TIME = re.compile(
    r"([0-9]{4}-[0-9]{2}-[0-9]{2})T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,9})?"
    r"(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])"
)
_PCHAR = r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})"
_PLAIN_URI = re.compile(
    rf"https?://[A-Za-z0-9.\-]+(?::[0-9]{{0,5}})?(?:/{_PCHAR}*)*"
    rf"(?:\?(?:{_PCHAR}|[/?])*)?(?:#(?:{_PCHAR}|[/?])*)?"
)
_ANNOTATIONS = frozenset({"$schema", "$id", "$defs", "$comment", "title", "description", "default"})
_TYPES: dict[str, Any] = {
    "null": lambda v: v is None,
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: type(v) is int,  # jsonschema also takes 1.0: it decides those
    "number": lambda v: type(v) in (int, float),
    "string": lambda v: isinstance(v, str),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
}


def _plain_date(value: str) -> bool:
    try:
        return _PLAIN_DATE.fullmatch(value) is not None and bool(date.fromisoformat(value))
    except ValueError:
        return False


def _plain_format(fmt: Any, value: str) -> bool:
    if fmt == "date":
        return _plain_date(value)
    if fmt == "date-time":
        found = _PLAIN_DATE_TIME.fullmatch(value)
        return found is not None and _plain_date(found.group(1))
    if fmt == "uri":
        return _PLAIN_URI.fullmatch(value) is not None
    return False


def _number(value: Any) -> bool:
    return type(value) in (int, float)


def _keyword(key: str, expected: Any, value: Any, schema: dict[str, Any], root: Any) -> bool:
    """Whether ``value`` certainly satisfies one keyword (False: unknown, or not certain)."""
    if key == "$ref":
        name = expected.removeprefix("#/$defs/") if isinstance(expected, str) else None
        target = root.get("$defs", {}).get(name) if name and name != expected else None
        return target is not None and _plainly_valid(target, value, root)
    if key == "type":
        names = expected if isinstance(expected, list) else [expected]
        return any(name in _TYPES and _TYPES[name](value) for name in names)
    if key == "enum":
        return any(type(value) is type(e) and value == e for e in expected if _scalar(e))
    if key == "anyOf":
        return any(_plainly_valid(sub, value, root) for sub in expected)
    if isinstance(value, dict):
        return _object_keyword(key, expected, value, schema, root)
    if isinstance(value, list):
        if key == "items":
            return all(_plainly_valid(expected, v, root) for v in value)
        if key == "uniqueItems":
            return not expected or (
                all(isinstance(v, str) for v in value) and len(set(value)) == len(value)
            )
        return key in _APPLIES_ELSEWHERE
    if isinstance(value, str):
        if key in ("minLength", "maxLength"):
            return bool(len(value) >= expected if key == "minLength" else len(value) <= expected)
        if key == "pattern":
            return re.search(expected, value) is not None
        if key == "format":
            return _plain_format(expected, value)
    if _number(value) and key in _BOUNDS:
        return bool(_BOUNDS[key](value, expected))
    # a keyword that does not apply to this kind of value holds (JSON Schema's rule); an
    # unknown keyword is left to jsonschema
    return key in _APPLIES_ELSEWHERE


def _object_keyword(
    key: str, expected: Any, value: dict[str, Any], schema: dict[str, Any], root: Any
) -> bool:
    if key == "required":
        return all(k in value for k in expected)
    if key == "properties":
        return all(_plainly_valid(sub, value[k], root) for k, sub in expected.items() if k in value)
    if key == "additionalProperties":
        known = schema.get("properties", {})
        extra = [v for k, v in value.items() if k not in known]
        return all(_plainly_valid(expected, v, root) for v in extra)
    return key in _APPLIES_ELSEWHERE


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float))  # bool is an int


_BOUNDS: dict[str, Any] = {
    "minimum": lambda v, e: v >= e,
    "maximum": lambda v, e: v <= e,
    "exclusiveMinimum": lambda v, e: v > e,
    "exclusiveMaximum": lambda v, e: v < e,
}
# keywords this check knows, each of which holds for values of the kinds it does not apply to
_APPLIES_ELSEWHERE = frozenset(
    {"required", "properties", "additionalProperties", "items", "uniqueItems", "minLength"}
    | {"maxLength", "pattern", "format", *_BOUNDS}
)


def _plainly_valid(schema: Any, value: Any, root: Any) -> bool:
    """Whether ``value`` certainly conforms to ``schema`` (part of the document ``root``),
    checking the keywords our schemas use at least as strictly as jsonschema does. True
    means jsonschema would find no error; False only means that jsonschema must decide (an
    error, an unknown keyword, a value outside the plain subset of its format)."""
    if schema is True:
        return True
    if not isinstance(schema, dict):
        return False
    return all(
        key in _ANNOTATIONS or _keyword(key, expected, value, schema, root)
        for key, expected in schema.items()
    )


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

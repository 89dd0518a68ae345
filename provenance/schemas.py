"""Load and apply the JSON Schemas in ``schemas/`` (the single source of truth).

In a wheel the schemas are shipped as ``provenance/_schemas`` (hatch force-include); in an
editable install or a source checkout they are read from the repository's ``schemas/``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from provenance.errors import ProvenanceError

SCHEMA_NAMES = ("article", "report", "check", "config")


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
    if not path.is_file():
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
    schema = load(name)
    Draft202012Validator.check_schema(schema)
    # Without an explicit format checker, jsonschema does not check "date-time" or "uri".
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def errors(name: str, instance: Any) -> Iterator[ValidationError]:
    """Validation errors of ``instance`` against schema ``name``, in a stable order."""
    found = _validator(name).iter_errors(instance)
    yield from sorted(found, key=lambda e: (list(map(str, e.absolute_path)), e.message))


def is_valid(name: str, instance: Any) -> bool:
    return next(errors(name, instance), None) is None


def describe(error: ValidationError) -> tuple[str, str]:
    """A (JSON path, one-line message) pair for a validation error."""
    message = error.message
    if len(message) > 160:
        message = message[:157] + "..."
    return error.json_path, message

"""The plain conversion of option values gives what typer's own gives: the same value, or the
same error message (it hands every value it does not take to typer's conversion)."""

from __future__ import annotations

from typing import Any

import pytest
import typer.main
from typer import _click, _coercion
from typer.core import _TyperParameter

from provenance import cliparams
from provenance.cli import app

# well-formed and malformed values for every kind of option our commands have
RAW = [
    "text",
    "json",
    "github",
    "html",
    "JSON",
    "bogus",
    "",
    "0",
    "1",
    "007",
    "-1",
    "2.5",
    "0.1",
    "1e3",
    " 5",
    "nan",
    "inf",
    "85",
    "100.5",
    "a,b",
    "x=fail",
    "idx.sqlite",
    "-",
    "~/index.sqlite",
]


def _params() -> list[tuple[Any, _TyperParameter]]:
    found: list[tuple[Any, _TyperParameter]] = []

    def walk(command: Any) -> None:
        found.extend((command, p) for p in command.params if isinstance(p, _TyperParameter))
        for sub in getattr(command, "commands", {}).values():
            walk(sub)

    walk(typer.main.get_command(app))
    return found


def _outcome(runtime: Any, value: Any, param: _TyperParameter, command: Any) -> tuple[str, Any]:
    ctx = _click.Context(command)
    try:
        return "value", repr(runtime.coerce(value, param=param, ctx=ctx))  # nan == nan
    except Exception as exc:  # compared below: same type and message
        return type(exc).__name__, str(exc)


PARAMS = _params()


def test_every_kind_of_option_is_covered() -> None:
    kinds = {repr(p.type_descriptor.annotation) for _, p in PARAMS}
    assert len(PARAMS) > 40
    assert {"<class 'str'>", "<class 'float'>", "<class 'int'>", "list[str]"} <= kinds
    assert "<class 'pathlib.Path'>" in kinds


@pytest.mark.parametrize(
    ("command", "param"), PARAMS, ids=[f"{c.name}:{p.name}" for c, p in PARAMS]
)
def test_plain_conversion_equals_typers(command: Any, param: _TyperParameter) -> None:
    d = param.type_descriptor
    if d.file_annotation is not None:
        pytest.skip("file options keep typer's conversion")
    plain = cliparams._PlainParam(d.parameter_info, d.annotation, d)
    typer_own = _coercion.build_runtime_param(d)
    values: list[Any] = [*RAW, None, ("a", "b"), ("1", "x"), ()]
    for value in values:
        assert _outcome(plain, value, param, command) == _outcome(
            typer_own, value, param, command
        ), (param.name, value)


def test_install_covers_the_help_option_and_subcommands() -> None:
    command = typer.main.get_command(app)
    cliparams.install(command)
    index = command.commands["index"]  # type: ignore[attr-defined]
    for group in (command, index, index.commands["add"], command.commands["check"]):  # type: ignore[attr-defined]
        helper = group.get_help_option(_click.Context(group))
        for param in [*group.params, helper]:
            assert isinstance(param._runtime_param, cliparams._PlainParam), param.name

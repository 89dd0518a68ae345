"""Command-line values converted without pydantic, so that a cold command does not import it.

typer (from 0.2x) converts every option value with a pydantic ``TypeAdapter`` built on first
use; importing pydantic for that costs a cold ``provenance check`` a good part of its budget.
For the value types our commands take (str, Path, int, float, a StrEnum, lists of those) a
well-formed value is converted here to what typer's adapter returns, by typer's own pydantic-free
helpers where it has them (choices, path checks). Any other value (a malformed or out-of-range
number, an unknown choice, an empty path) goes to typer's own conversion, so that every error
message and exit code stays typer's. A typer without this machinery is left as it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, get_args, get_origin

try:  # typer's private conversion layer (typer >= 0.2x); older typers do not use pydantic
    from typer import _coercion, _param_types
    from typer import core as _typer_core
except ImportError:  # pragma: no cover - depends on the installed typer
    _coercion = None  # type: ignore[assignment]

_INT = re.compile(r"0|[1-9][0-9]{0,17}")
_FLOAT = re.compile(r"(0|[1-9][0-9]{0,17})(\.[0-9]{1,17})?")


class _Typer:
    """Marker: this value is left to typer's own conversion."""


_TYPER = _Typer()


def _number(value: str, annotation: type, info: Any) -> int | float | _Typer:
    pattern = _INT if annotation is int else _FLOAT
    if not pattern.fullmatch(value):
        return _TYPER
    number: int | float = int(value) if annotation is int else float(value)
    if (info.min is not None and number < info.min) or (info.max is not None and number > info.max):
        return _TYPER  # typer says why (or clamps)
    return number


def _plain(annotation: Any, info: Any, value: Any, param: Any, ctx: Any) -> Any:
    """``value`` converted as typer's adapter would, or ``_TYPER``."""
    if info.parser is not None:
        return _TYPER
    if get_origin(annotation) is list:
        (item,) = get_args(annotation)
        if not isinstance(value, (list, tuple)):
            return _TYPER
        items = [_plain(item, info, v, param, ctx) for v in value]
        return _TYPER if any(i is _TYPER for i in items) else items
    if not isinstance(value, str) or not isinstance(annotation, type):
        return _TYPER
    if annotation is str:
        return value
    if annotation in (int, float):
        return _number(value, annotation, info)
    if issubclass(annotation, Enum):
        try:
            return _param_types.coerce_cli_choice(
                value, choices=tuple(annotation), case_sensitive=info.case_sensitive, ctx=ctx
            )
        except ValueError:
            return _TYPER
    if issubclass(annotation, Path) and info.path_type is None and value:
        # a Path instance skips typer's pydantic step; its checks (exists, ...) still run
        return _param_types.coerce_cli_path(
            annotation(value), info, path_type=annotation, param=param, ctx=ctx
        )
    return _TYPER


if _coercion is not None:

    @dataclass(frozen=True)
    class _PlainParam(_coercion.RuntimeParam):
        descriptor: _coercion.TypeDescriptor

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            converted = _plain(self.annotation, self.parameter_info, value, param, ctx)
            if converted is not _TYPER:
                return converted
            typer_own = _coercion.build_runtime_param(self.descriptor)
            return typer_own._coerce_value(value, param=param, ctx=ctx)

    class _Argument(_typer_core.TyperArgument):
        """An argument shown by its metavar alone, as click does: ``PATHS...`` for a list,
        ``NAME``; typer's own help row adds the Python type (``PATHS <list[str]>``) and its
        usage line braces a required one (``{PATHS}...``)."""

        def _name(self) -> str:
            return self.display_name_raw + ("..." if self.nargs != 1 else "")

        def _rich_display_name(self) -> str:
            return self._name()

        def display_type_rich(self, ctx: Any) -> str | None:
            return None

        def _usage_display_name(self) -> str:
            return self._name() if self.required else f"[{self._name()}]"


def install(command: Any) -> None:
    """Give the parameters of ``command`` and of its subcommands the plain conversion (before
    typer builds its own for them, which happens when a value is first converted), and its
    arguments the help of ``_Argument``."""
    if _coercion is None:  # pragma: no cover - depends on the installed typer
        return
    # the --help option is made on first use: make it now (as the command's context would)
    context = command.context_class(command, **command.context_settings)
    helper = command.get_help_option(context)
    for param in [*command.params, *([helper] if helper is not None else [])]:
        if isinstance(param, _typer_core._TyperParameter) and param._runtime_param is None:
            d = param.type_descriptor
            if d.file_annotation is None:
                param._runtime_param = _PlainParam(d.parameter_info, d.annotation, d)
        if type(param) is _typer_core.TyperArgument:
            param.__class__ = _Argument  # the same object, shown as click shows arguments
    for sub in getattr(command, "commands", {}).values():
        install(sub)

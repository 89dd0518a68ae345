"""What every command of the command line shares: the error-to-exit mapping, config
loading, reading the inputs, and the argument and option types (used by ``cli`` and its
``cli_*`` command modules, the only modules that import typer and print)."""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, BinaryIO

import typer

from provenance import htmlinput, ingest
from provenance.config import Config
from provenance.errors import InputError, InputErrors, ProvenanceError
from provenance.model import Article
from provenance.render.safe import visible

EXIT_OK = 0
EXIT_POLICY = 1
EXIT_INPUT = 2

PathsArg = Annotated[
    list[str],
    typer.Argument(metavar="PATHS", help="Article files (.txt .json .jsonl .html), folders, or -."),
]
IndexOpt = Annotated[
    str | None,
    typer.Option(
        "--index",
        envvar="PROVENANCE_INDEX",
        metavar="FILE",
        help="Index file (default: index.path of the config, .provenance/index.sqlite).",
    ),
]
ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        metavar="FILE",
        help="Config file (default: ./provenance.toml, else ./pyproject.toml).",
    ),
]


def fail(lines: list[str], code: int = EXIT_INPUT) -> typer.Exit:
    for line in lines:
        typer.echo(f"error: {line}", err=True)
    return typer.Exit(code)


@contextmanager
def errors_to_exit() -> Iterator[None]:
    """Domain errors, and the OS, SQLite and decoding errors that reach the command line,
    become one line each on stderr (naming the file where there is one) and exit code 2."""
    try:
        yield
    except InputErrors as exc:
        raise fail([visible(e.one_line()) for e in exc.errors]) from None
    except ProvenanceError as exc:
        raise fail([visible(" ".join(str(exc).split()))]) from None
    except sqlite3.Error as exc:  # outside an index context: should not happen, still one line
        raise fail([visible(f"SQLite: {' '.join(str(exc).split())}")]) from None
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        raise fail([visible(f"{where}{exc.strerror or exc}")]) from None
    except UnicodeError as exc:
        raise fail([visible(f"cannot decode or encode text: {exc}")]) from None


def _stdin(paths: list[str]) -> BinaryIO | None:
    """Standard input when ``-`` is among ``paths`` (ingest reads it record by record)."""
    if ingest.STDIN not in paths:
        return None
    if sys.stdin is None:  # started with standard input closed (`<&-`)
        raise InputErrors([InputError("standard input is closed", path="<stdin>")])
    return sys.stdin.buffer


def stream(paths: list[str], config: Config, seen: ingest.Seen | None = None) -> Iterator[Article]:
    """The articles of ``paths`` one record at a time, in input order; every problem raises
    at the end (``ingest.stream``). ``seen``: where the ids read are kept (in memory)."""
    return ingest.stream(
        paths,
        config.ingest,
        stdin=_stdin(paths),
        html_reader=htmlinput.reader(config.ingest.max_record_bytes),
        seen=seen,
    )


def load(paths: list[str], config: Config) -> list[Article]:
    """Every article of ``paths`` in id order, in memory (the local engine streams them
    into its work store instead: ``WorkStore.ingest``)."""
    return sorted(stream(paths, config), key=lambda a: a.id)


def config_path(path: Path | None) -> Path | None:
    """--config FILE, else ./provenance.toml, else ./pyproject.toml, else none."""
    if path is not None:
        return path
    return next((p for p in (Path("provenance.toml"), Path("pyproject.toml")) if p.is_file()), None)


def config(path: Path | None, overrides: dict[str, dict[str, object]] | None = None) -> Config:
    """--config FILE, else ./provenance.toml, else [tool.provenance] of ./pyproject.toml,
    with CLI overrides merged in and validated by the same schema."""
    import tomllib

    from provenance.errors import ConfigError

    path = config_path(path)
    data: dict[str, object] = {}
    if path is not None:
        if path.exists() and not path.is_file():  # /dev/zero, a FIFO: never read them
            raise ConfigError(f"{path}: not a regular file")
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            raise ConfigError(f"{path}: {reason}") from None
        if path.name == "pyproject.toml":
            tool = data.get("tool")
            table = tool.get("provenance", {}) if isinstance(tool, dict) else {}
            if not isinstance(table, dict):
                raise ConfigError(f"{path}: tool.provenance: expected a table")
            data = dict(table)
    for section, values in (overrides or {}).items():
        current = data.get(section, {})
        if isinstance(current, dict):  # anything else is left for the schema to refuse
            data[section] = {**current, **values}
    return Config.from_mapping(data, str(path) if path is not None else "command line")

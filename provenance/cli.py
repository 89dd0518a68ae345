"""The command line: parses options, builds objects, maps results to exit codes.

This module and its command modules (``cli_report``: report; ``cli_check``: check;
``cli_index``: the index sub-commands; ``cli_common``: what they share) are the only ones
that import typer and print. Exit codes: 0 ran and nothing failed the policy; 1 findings
failed the policy; 2 usage error or bad input (one line per problem).
"""

from __future__ import annotations

import signal
import traceback
from pathlib import Path
from typing import Annotated

import typer

from provenance import cli_common as common
from provenance import cliparams, schemas
from provenance.cli_check import check
from provenance.cli_common import ConfigOpt, PathsArg
from provenance.cli_index import index_app
from provenance.cli_report import report
from provenance.render.words import count

app = typer.Typer(
    name="provenance",
    pretty_exceptions_show_locals=False,  # article text must never appear in a traceback
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"news-provenance {version('news-provenance')}")
        raise typer.Exit()


@app.callback()
def _main(
    ctx: typer.Context,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Where each sentence of a news article came from: boilerplate, wire, shared, original.

    Run `provenance COMMAND --help` for the options of each command.
    """
    # runs before the command's options are converted (``main`` did it already; this is for
    # callers of ``app``, such as typer's test runner): convert them without pydantic
    cliparams.install(ctx.command)


app.command()(report)


@app.command()
def validate(paths: PathsArg, config_file: ConfigOpt = None) -> None:
    """Check article files against the article schema.

    Exit 0 when every article is valid, 2 otherwise (one line per problem).
    """
    with common.errors_to_exit():
        valid = sum(
            1 for _ in common.stream(paths, common.config(config_file))
        )  # none held in memory
    typer.echo(f"{count(valid, 'article')} valid")


@app.command()
def schema(
    name: Annotated[
        str, typer.Argument(metavar="NAME", help="article, report, check, config or stats.")
    ],
) -> None:
    """Print one of the JSON Schemas."""
    with common.errors_to_exit():
        typer.echo(schemas.text(name), nl=False)


app.add_typer(index_app, name="index")
app.command()(check)


def _stop(signum: int, _frame: object) -> None:
    """SIGTERM (``kill``, a CI timeout) unwinds the run as an exception would: temporary
    work stores and half-written outputs are removed on the way out; exit 128 + 15."""
    raise SystemExit(128 + signum)


def main() -> None:
    """The console script. Every expected failure is already one line and exit 2; an
    unexpected exception (a bug) is still one line (its type and where it was raised; not
    its message nor a traceback, which could carry article text), exit 2."""
    signal.signal(signal.SIGTERM, _stop)
    try:
        command = typer.main.get_command(app)
        cliparams.install(command)  # before any option is converted, the group's own too
        command()
    except Exception as exc:  # the last line of defence, see above
        # the type and where it was raised, never the message: it may quote article text
        frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
        where = f" at {Path(frame.filename).name}:{frame.lineno}" if frame else ""
        typer.echo(
            f"error: internal error ({type(exc).__name__}{where}); please report it", err=True
        )
        raise SystemExit(common.EXIT_INPUT) from None

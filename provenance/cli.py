"""The command line: parses options, builds objects, maps results to exit codes.

The only module that imports typer and prints. Exit codes: 0 ran and nothing failed the
policy; 1 findings failed the policy; 2 usage error or bad input (one line per problem).
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from provenance import htmlinput, ingest, pipeline, schemas
from provenance.config import Config
from provenance.errors import InputErrors, ProvenanceError
from provenance.model import Article
from provenance.render import data as render_data
from provenance.render import html as render_html
from provenance.render import markdown as render_markdown
from provenance.render import text as render_text

EXIT_OK = 0
EXIT_POLICY = 1
EXIT_INPUT = 2

app = typer.Typer(
    name="provenance",
    help="Where each sentence of a news article came from: boilerplate, wire, shared, original.",
    pretty_exceptions_show_locals=False,  # article text must never appear in a traceback
    no_args_is_help=True,
    add_completion=False,
)


class ReportFormat(StrEnum):
    text = "text"
    json = "json"
    md = "md"
    html = "html"


def _fail(lines: list[str], code: int = EXIT_INPUT) -> typer.Exit:
    for line in lines:
        typer.echo(f"error: {line}", err=True)
    return typer.Exit(code)


@contextmanager
def _errors_to_exit() -> Iterator[None]:
    """Domain errors become one line each on stderr and exit code 2."""
    try:
        yield
    except InputErrors as exc:
        raise _fail([e.one_line() for e in exc.errors]) from None
    except ProvenanceError as exc:
        raise _fail([" ".join(str(exc).split())]) from None


def _stdin_bytes(paths: list[str]) -> bytes | None:
    return sys.stdin.buffer.read() if ingest.STDIN in paths else None


def _load(paths: list[str], config: Config) -> list[Article]:
    return ingest.load(
        paths,
        config.ingest,
        stdin=_stdin_bytes(paths),
        html_reader=htmlinput.reader(config.ingest.max_file_bytes),
    )


def write_atomically(path: Path, content: str) -> None:
    """Write ``content`` to ``path`` so that readers see the old file or the new, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _progress() -> tuple[pipeline.Progress | None, object | None]:
    """A rich progress bar on stderr when it is a terminal; nothing otherwise."""
    if not sys.stderr.isatty():
        return None, None
    from rich.console import Console
    from rich.progress import Progress

    bar = Progress(console=Console(stderr=True), transient=True)
    tasks: dict[str, object] = {}

    def update(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            tasks[stage] = bar.add_task(stage, total=total)
        bar.update(tasks[stage], completed=done)  # type: ignore[arg-type]

    return update, bar


PathsArg = Annotated[list[str], typer.Argument(help="Files, folders, or - for stdin.")]


@app.command()
def report(
    paths: PathsArg,
    fmt: Annotated[ReportFormat, typer.Option("--format", "-f", help="Output format.")] = (
        ReportFormat.text
    ),
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write to this file.")] = None,
) -> None:
    """Report the provenance of every character of the articles."""
    config = Config()
    with _errors_to_exit():
        articles = _load(paths, config)
        progress, bar = _progress()
        if bar is not None:
            with bar:  # type: ignore[attr-defined]
                result = pipeline.analyze(articles, config, progress=progress)
        else:
            result = pipeline.analyze(articles, config)
        data = render_data.report_dict(result, config)
        texts = {a.id: a.text for a in articles}
        if fmt == ReportFormat.json:
            content = render_data.to_json(data)
        elif fmt == ReportFormat.md:
            content = render_markdown.render(data, texts)
        elif fmt == ReportFormat.html:
            content = render_html.render(data, texts)
        else:
            content = render_text.render(data, texts)
    if out is None:
        typer.echo(content, nl=False)
    else:
        write_atomically(out, content)
        if fmt != ReportFormat.text:
            typer.echo(render_text.render(data, texts), nl=False, err=True)
        typer.echo(f"wrote {out}", err=True)


@app.command()
def validate(paths: PathsArg) -> None:
    """Check article files against the article schema (exit 0 valid, 2 invalid)."""
    with _errors_to_exit():
        articles = _load(paths, Config())
    typer.echo(f"{len(articles)} articles valid")


@app.command()
def schema(
    name: Annotated[str, typer.Argument(help="article, report, check or config.")],
) -> None:
    """Print one of the JSON Schemas."""
    with _errors_to_exit():
        typer.echo(schemas.text(name), nl=False)


def main() -> None:
    app()

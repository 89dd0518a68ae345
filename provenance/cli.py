"""The command line: parses options, builds objects, maps results to exit codes.

The only module that imports typer and prints. Exit codes: 0 ran and nothing failed the
policy; 1 findings failed the policy; 2 usage error or bad input (one line per problem).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TextIO

import typer

from provenance import htmlinput, ingest, pipeline, schemas, store
from provenance.config import Config
from provenance.errors import InputErrors, ProvenanceError
from provenance.model import Article
from provenance.render.words import count
from provenance.run import local, workstore

if TYPE_CHECKING:
    from provenance.run.kernels import Kernels

EXIT_OK = 0
EXIT_POLICY = 1
EXIT_INPUT = 2

app = typer.Typer(
    name="provenance",
    pretty_exceptions_show_locals=False,  # article text must never appear in a traceback
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)


class ReportFormat(StrEnum):
    text = "text"
    json = "json"
    md = "md"
    html = "html"


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"news-provenance {version('news-provenance')}")
        raise typer.Exit()


@app.callback()
def _main(
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


def _stdin_bytes(paths: list[str], limit: int) -> bytes | None:
    # one byte over the limit is enough for ingest to refuse it; no need to read it all
    return sys.stdin.buffer.read(limit + 1) if ingest.STDIN in paths else None


def _load(paths: list[str], config: Config) -> list[Article]:
    return ingest.load(
        paths,
        config.ingest,
        stdin=_stdin_bytes(paths, config.ingest.max_file_bytes),
        html_reader=htmlinput.reader(config.ingest.max_file_bytes),
    )


def write_atomically(path: Path, content: str) -> None:
    """Write ``content`` to ``path`` so that readers see the old file or the new, never half."""
    write_atomically_with(path, lambda handle: handle.write(content))


def write_atomically_with(path: Path, write: Callable[[TextIO], object]) -> None:
    """``write_atomically`` of what ``write`` writes to the handle it is given (a report
    streamed article by article)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            write(handle)
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


@contextmanager
def _work_store(
    folder: Path | None, articles: list[Article], config: Config, resume: bool
) -> Iterator[workstore.WorkStore]:
    """The run's work store: in ``folder`` (kept, so that ``--resume`` can continue it), or
    in a temporary folder removed afterwards."""
    key = workstore.run_key(articles, config)
    with contextlib.ExitStack() as stack:
        if folder is None:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="provenance-")))
        work = workstore.WorkStore(folder, key, resume=resume)
        stack.callback(work.close)
        yield work


PathsArg = Annotated[
    list[str],
    typer.Argument(metavar="PATHS", help="Article files (.txt .json .jsonl .html), folders, or -."),
]


class Engine(StrEnum):
    local = "local"
    dask = "dask"


EngineOpt = Annotated[
    Engine,
    typer.Option(help="Where the stages run: this machine, or the Dask cluster of --scheduler."),
]
SchedulerOpt = Annotated[
    str | None,
    typer.Option(
        envvar="PROVENANCE_DASK_SCHEDULER",
        help="Address of the Dask scheduler (tcp://HOST:PORT) for --engine dask.",
    ),
]
PartitionsOpt = Annotated[
    int | None,
    typer.Option(min=1, help="--engine dask: partitions per stage (default: 4 per worker)."),
]
TimeoutOpt = Annotated[
    float, typer.Option(min=0.1, help="--engine dask: seconds to reach the scheduler.")
]


@contextmanager
def _runner(
    engine: Engine,
    jobs: int | None,
    items: int,
    scheduler: str | None,
    partitions: int | None,
    connect_timeout: float,
) -> Iterator[tuple[local.Executor, Kernels | None]]:
    """The executor of the per-article stages and the matching kernels (None: in process)."""
    if engine == Engine.local:
        with contextlib.closing(local.executor(jobs, items=items)) as runner:
            yield runner, None
        return
    if not scheduler:
        raise _fail(["--engine dask needs --scheduler or PROVENANCE_DASK_SCHEDULER"])
    from provenance.run import dask as dask_engine  # raises MissingExtra without the extra

    with dask_engine.session(scheduler, connect_timeout, partitions) as cluster:
        yield cluster, cluster


@app.command()
def report(
    paths: PathsArg,
    fmt: Annotated[ReportFormat, typer.Option("--format", "-f", help="Output format.")] = (
        ReportFormat.text
    ),
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            metavar="FILE",
            help="Write the report to FILE (atomically); stderr gets one summary line.",
        ),
    ] = None,
    config_file: ConfigOpt = None,
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs", "-j", min=1, help="Worker processes (default: the cores available)."
        ),
    ] = None,
    work_dir: Annotated[
        Path | None,
        typer.Option(
            "--work-dir",
            help="Keep per-article results in this folder (default: a temporary one).",
        ),
    ] = None,
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue the run stored in --work-dir.")
    ] = False,
    engine: EngineOpt = Engine.local,
    scheduler: SchedulerOpt = None,
    partitions: PartitionsOpt = None,
    connect_timeout: TimeoutOpt = 10.0,
) -> None:
    """Report where every character of the articles came from."""
    # imported here, not at the top: a cold `provenance check` does not pay for them
    from provenance.render import data as render_data
    from provenance.render import html as render_html
    from provenance.render import markdown as render_markdown
    from provenance.render import stream as render_stream
    from provenance.render import text as render_text

    with _errors_to_exit():
        config = _config(config_file)
        if resume and work_dir is None:
            raise _fail(["--resume needs --work-dir (the folder of the run to continue)"])
        articles = _load(paths, config)
        texts = {a.id: a.text for a in articles}
        progress, bar = _progress()
        with (
            _work_store(work_dir, articles, config, resume) as work,
            _runner(engine, jobs, len(articles), scheduler, partitions, connect_timeout) as (
                runner,
                kernels,
            ),
            bar if bar is not None else contextlib.nullcontext(),  # type: ignore[attr-defined]
        ):
            run = pipeline.analyze_streamed(
                articles, config, progress=progress, executor=runner, store=work, kernels=kernels
            )
            if fmt == ReportFormat.json:
                # written as the articles are classified, not built whole in memory
                summaries: list[dict[str, Any]] = []

                def write(handle: TextIO) -> None:
                    summaries.append(
                        render_stream.write_json(
                            handle, run.corpus, run.outlets, run.articles, config
                        )
                    )

                if out is None:
                    write(sys.stdout)
                    return
                try:
                    write_atomically_with(out, write)
                except OSError as exc:
                    raise _fail([f"{out}: cannot write: {exc.strerror or exc}"]) from None
                line = render_text.summary_line({"summary": summaries[0]}, str(out))
                typer.echo(line, err=True)
                return
            result = dataclasses.replace(run.corpus, articles=tuple(run.articles))
        data = render_data.report_dict(result, config)
        if fmt == ReportFormat.md:
            content = render_markdown.render(data, texts)
        elif fmt == ReportFormat.html:
            content = render_html.render(data, texts)
        else:
            content = render_text.render(data, texts)
    if out is None:
        typer.echo(content, nl=False)
    else:
        try:
            write_atomically(out, content)
        except OSError as exc:
            raise _fail([f"{out}: cannot write: {exc.strerror or exc}"]) from None
        typer.echo(render_text.summary_line(data, str(out)), err=True)


@app.command()
def validate(paths: PathsArg, config_file: ConfigOpt = None) -> None:
    """Check article files against the article schema.

    Exit 0 when every article is valid, 2 otherwise (one line per problem).
    """
    with _errors_to_exit():
        articles = _load(paths, _config(config_file))
    typer.echo(f"{count(len(articles), 'article')} valid")


@app.command()
def schema(
    name: Annotated[
        str, typer.Argument(metavar="NAME", help="article, report, check, config or stats.")
    ],
) -> None:
    """Print one of the JSON Schemas."""
    with _errors_to_exit():
        typer.echo(schemas.text(name), nl=False)


# -- pre-ingest check and the persistent index ---------------------------------------------

index_app = typer.Typer(help="The persistent index that check compares new articles with.")
app.add_typer(index_app, name="index")

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


class CheckFormat(StrEnum):
    text = "text"
    json = "json"
    github = "github"


def _config(path: Path | None, overrides: dict[str, dict[str, object]] | None = None) -> Config:
    """--config FILE, else ./provenance.toml, else [tool.provenance] of ./pyproject.toml,
    with CLI overrides merged in and validated by the same schema."""
    import tomllib

    from provenance.errors import ConfigError

    if path is None:
        path = next(
            (p for p in (Path("provenance.toml"), Path("pyproject.toml")) if p.is_file()), None
        )
    data: dict[str, object] = {}
    if path is not None:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{path}: {exc}") from None
        if path.name == "pyproject.toml":
            tool = data.get("tool")
            data = dict(tool.get("provenance", {})) if isinstance(tool, dict) else {}
    for section, values in (overrides or {}).items():
        current = data.get(section)
        data[section] = {**(current if isinstance(current, dict) else {}), **values}
    return Config.from_mapping(data, str(path) if path is not None else "command line")


def _open_index(
    index: str | None, config: Config, *, create: bool, check_meta: bool = True
) -> store.Store:
    return store.Store(
        index or config.index.path,
        store.Fingerprinter(config),
        create=create,
        lock_timeout_s=config.index.lock_timeout_s,
        check_meta=check_meta,
        page_size=config.index.page_size,
    )


@index_app.command("add")
def index_add(
    paths: PathsArg,
    index: IndexOpt = None,
    config_file: ConfigOpt = None,
    replace: Annotated[
        bool, typer.Option("--replace", help="Replace articles whose text changed.")
    ] = False,
) -> None:
    """Add articles to the index.

    Idempotent; one transaction per batch.
    """
    with _errors_to_exit():
        config = _config(config_file)
        articles = _load(paths, config)
        with _open_index(index, config, create=True) as db:
            summary = store.add_articles(db, articles, config, replace=replace)
            total = db.count()
    typer.echo(
        f"added {summary.added}, replaced {summary.replaced}, unchanged {summary.unchanged}; "
        f"{count(total, 'article')} indexed"
    )


class StatsFormat(StrEnum):
    text = "text"
    json = "json"


@index_app.command("stats")
def index_stats(
    index: IndexOpt = None,
    config_file: ConfigOpt = None,
    fmt: Annotated[
        StatsFormat,
        typer.Option("--format", "-f", help="text, or json (schemas/stats.schema.json)."),
    ] = StatsFormat.text,
    verify: Annotated[
        bool, typer.Option("--verify", help="Also check consistency (reads everything).")
    ] = False,
) -> None:
    """Counts, parameters and size of the index.

    With --verify, exit 1 when the index is inconsistent.
    """
    from provenance.render import stats as render_stats

    with _errors_to_exit():
        config = _config(config_file)
        path = index or config.index.path
        with _open_index(path, config, create=False, check_meta=False) as db:
            data = render_stats.to_dict(path, db.stats(), db.verify() if verify else None)
    if fmt == StatsFormat.json:
        typer.echo(render_stats.to_json(data), nl=False)
    else:
        typer.echo(render_stats.text(data), nl=False)
    if data.get("problems"):
        raise typer.Exit(EXIT_POLICY)


@index_app.command("remove")
def index_remove(
    index: IndexOpt = None,
    config_file: ConfigOpt = None,
    ids: Annotated[
        list[str] | None,
        typer.Option("--ids", metavar="ID,...", help="Article ids (comma-separated)."),
    ] = None,
    outlet: Annotated[
        str | None, typer.Option(metavar="NAME", help="Only articles of this outlet.")
    ] = None,
    before: Annotated[
        str | None,
        typer.Option(metavar="DATE", help="Only articles published before this ISO date."),
    ] = None,
) -> None:
    """Remove articles matching every given filter."""
    from datetime import date

    if before is not None:
        try:
            date.fromisoformat(before[:10])
        except ValueError:
            raise typer.BadParameter(
                f"not an ISO date: {before!r}", param_hint="--before"
            ) from None
    wanted = sorted({i.strip() for item in ids or [] for i in item.split(",") if i.strip()})
    with _errors_to_exit():
        config = _config(config_file)
        with _open_index(index, config, create=False) as db:
            removed = db.remove(wanted, outlet, before)
    typer.echo(f"removed {count(len(removed), 'article')}")


@index_app.command("rebuild")
def index_rebuild(index: IndexOpt = None, config_file: ConfigOpt = None) -> None:
    """Re-fingerprint the stored articles.

    Uses the current parameters, in one transaction.
    """
    with _errors_to_exit():
        config = _config(config_file)
        with _open_index(index, config, create=False, check_meta=False) as db:
            rebuilt = store.rebuild(db, config)
    typer.echo(f"rebuilt {count(rebuilt, 'article')}")


@app.command()
def check(
    paths: PathsArg,
    index: IndexOpt = None,
    config_file: ConfigOpt = None,
    fmt: Annotated[CheckFormat, typer.Option("--format", "-f", help="Output format.")] = (
        CheckFormat.text
    ),
    add: Annotated[
        bool, typer.Option("--add", help="Add the articles that passed, atomically.")
    ] = False,
    replace: Annotated[
        bool, typer.Option("--replace", help="With --add: replace changed texts.")
    ] = False,
    policy: Annotated[
        list[str] | None,
        typer.Option(
            metavar="KIND=LEVEL",
            help="LEVEL is fail, warn or off; e.g. leftover_boilerplate=fail. Repeatable.",
        ),
    ] = None,
    min_similarity: Annotated[
        float | None,
        typer.Option(metavar="0-100", help="Sets check.duplicate_min_similarity."),
    ] = None,
    max_wire_share: Annotated[
        float | None,
        typer.Option(metavar="0-1", help="Sets check.unattributed_wire_max_share."),
    ] = None,
) -> None:
    """Check new articles against the index, before they are added.

    Exit 0 when nothing failed the policy, 1 when a finding failed it, 2 on bad input.
    """
    from provenance import check as check_mod
    from provenance.render import check as render_check

    overrides: dict[str, object] = {}
    for item in policy or []:
        kind, sep, level = item.partition("=")
        if not sep:
            raise typer.BadParameter(f"expected KIND=LEVEL, got {item!r}", param_hint="--policy")
        overrides[kind.strip()] = level.strip()
    if min_similarity is not None:
        overrides["duplicate_min_similarity"] = min_similarity
    if max_wire_share is not None:
        overrides["unattributed_wire_max_share"] = max_wire_share
    with _errors_to_exit():
        config = _config(config_file, {"check": overrides})
        articles = _load(paths, config)
        with _open_index(index, config, create=add) as db:
            resources = pipeline.Resources.load()
            results = pipeline.analyze_each(articles, config, resources=resources)
            verdict = check_mod.run(
                results,
                db,
                config,
                add=add,
                replace=replace,
                agencies=resources.agencies,
                quote_lexicons=resources.quotes,
            )
    if fmt == CheckFormat.json:
        typer.echo(render_check.to_json(verdict), nl=False)
    elif fmt == CheckFormat.github:
        typer.echo(render_check.github(verdict), nl=False)
    else:
        typer.echo(render_check.text(verdict), nl=False)
    if verdict.status == check_mod.Status.FAIL:
        raise typer.Exit(EXIT_POLICY)


def main() -> None:
    app()

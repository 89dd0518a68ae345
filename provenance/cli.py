"""The command line: parses options, builds objects, maps results to exit codes.

The only module that imports typer and prints. Exit codes: 0 ran and nothing failed the
policy; 1 findings failed the policy; 2 usage error or bad input (one line per problem).
"""

from __future__ import annotations

import contextlib
import dataclasses
import sqlite3
import sys
import tempfile
import traceback
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, BinaryIO, TextIO

import typer

from provenance import cliparams, htmlinput, ingest, outfile, pipeline, schemas, store
from provenance.config import Config
from provenance.errors import InputError, InputErrors, ProvenanceError, StoreError
from provenance.model import Article
from provenance.render.safe import visible
from provenance.render.words import count
from provenance.run import local, workstore

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


def _fail(lines: list[str], code: int = EXIT_INPUT) -> typer.Exit:
    for line in lines:
        typer.echo(f"error: {line}", err=True)
    return typer.Exit(code)


@contextmanager
def _errors_to_exit() -> Iterator[None]:
    """Domain errors, and the OS, SQLite and decoding errors that reach the command line,
    become one line each on stderr (naming the file where there is one) and exit code 2."""
    try:
        yield
    except InputErrors as exc:
        raise _fail([visible(e.one_line()) for e in exc.errors]) from None
    except ProvenanceError as exc:
        raise _fail([visible(" ".join(str(exc).split()))]) from None
    except sqlite3.Error as exc:  # outside an index context: should not happen, still one line
        raise _fail([visible(f"SQLite: {' '.join(str(exc).split())}")]) from None
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        raise _fail([visible(f"{where}{exc.strerror or exc}")]) from None
    except UnicodeError as exc:
        raise _fail([visible(f"cannot decode or encode text: {exc}")]) from None


def _stdin(paths: list[str]) -> BinaryIO | None:
    """Standard input when ``-`` is among ``paths`` (ingest reads it record by record)."""
    if ingest.STDIN not in paths:
        return None
    if sys.stdin is None:  # started with standard input closed (`<&-`)
        raise InputErrors([InputError("standard input is closed", path="<stdin>")])
    return sys.stdin.buffer


def _stream(paths: list[str], config: Config) -> Iterator[Article]:
    """The articles of ``paths`` one record at a time, in input order; every problem raises
    at the end (``ingest.stream``)."""
    return ingest.stream(
        paths,
        config.ingest,
        stdin=_stdin(paths),
        html_reader=htmlinput.reader(config.ingest.max_record_bytes),
    )


def _load(paths: list[str], config: Config) -> list[Article]:
    """Every article of ``paths`` in id order (the stages need them all)."""
    return sorted(_stream(paths, config), key=lambda a: a.id)


def write_atomically(path: Path, content: str, inputs: Iterable[Path] = ()) -> None:
    """Write ``content`` to ``path`` so that readers see the old file or the new, never half
    (regular files only, never one of ``inputs``: see ``outfile``)."""
    outfile.write(path, content, inputs)


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
        metavar="ADDR",
        help="Address of the Dask scheduler (tcp://HOST:PORT) for --engine dask.",
    ),
]
PartitionsOpt = Annotated[
    int | None,
    typer.Option(
        min=1, metavar="N", help="--engine dask: partitions per stage (default: 4 per worker)."
    ),
]
# At most a day: beyond it a run would wait for a scheduler that is not coming (and
# dask cannot take an infinite timeout).
TimeoutOpt = Annotated[
    float,
    typer.Option(
        min=0.1, max=86400, metavar="SECONDS", help="--engine dask: seconds to reach the scheduler."
    ),
]


SharedOpt = Annotated[
    bool,
    typer.Option(
        "--inputs-shared",
        help="--engine dask: the workers read PATHS themselves (a filesystem every worker "
        "mounts at the same place); otherwise this client reads them and sends them.",
    ),
]


@dataclasses.dataclass(frozen=True)
class _Cluster:
    """The --engine dask options."""

    scheduler: str | None
    partitions: int | None
    connect_timeout: float
    inputs_shared: bool


@contextmanager
def _streamed(
    engine: Engine,
    paths: list[str],
    config: Config,
    jobs: int | None,
    work: tuple[Path | None, bool],
    cluster: _Cluster,
    progress: pipeline.Progress | None,
) -> Iterator[pipeline.Streamed]:
    """The run, on this machine (with its work store) or on the Dask cluster."""
    if engine == Engine.local:
        if cluster.inputs_shared:
            raise _fail(["--inputs-shared is for --engine dask"])
        articles = _load(paths, config)
        with (
            _work_store(work[0], articles, config, work[1]) as store,
            contextlib.closing(local.executor(jobs, items=len(articles))) as runner,
        ):
            yield pipeline.analyze_streamed(
                articles, config, progress=progress, executor=runner, store=store
            )
        return
    if not cluster.scheduler:
        raise _fail(["--engine dask needs --scheduler or PROVENANCE_DASK_SCHEDULER"])
    if work[0] is not None:
        raise _fail(["--work-dir and --resume are for --engine local (Dask recomputes lost work)"])
    if cluster.inputs_shared and ingest.STDIN in paths:
        raise _fail(["--inputs-shared reads files on the workers: standard input cannot be one"])
    sent = None if cluster.inputs_shared else _load(paths, config)  # refused before connecting
    from provenance.run import dask as dask_engine  # raises MissingExtra without the extra
    from provenance.run import dask_flow, dask_inputs

    with dask_engine.session(cluster.scheduler, cluster.connect_timeout, cluster.partitions) as ex:
        if sent is None:
            inputs = dask_inputs.shared_inputs(ex, paths, config.ingest)
        else:
            inputs = dask_inputs.sent_inputs(ex, sent)
            del sent
        yield dask_flow.analyze_streamed(ex, inputs, config, progress)


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
            "--jobs",
            "-j",
            min=1,
            metavar="N",
            help="Worker processes (default: the cores available).",
        ),
    ] = None,
    work_dir: Annotated[
        Path | None,
        typer.Option(
            "--work-dir",
            metavar="DIR",
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
    inputs_shared: SharedOpt = False,
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
        inputs: list[Path] = []
        if out is not None:  # refuse a bad --out before the work, and again when writing
            inputs = [*ingest.input_files(paths), *filter(None, [_config_path(config_file)])]
            outfile.target_of(out, inputs)
        progress, bar = _progress()
        cluster = _Cluster(scheduler, partitions, connect_timeout, inputs_shared)
        with (
            _streamed(engine, paths, config, jobs, (work_dir, resume), cluster, progress) as run,
            bar if bar is not None else contextlib.nullcontext(),  # type: ignore[attr-defined]
        ):
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
                    outfile.write_with(out, write, inputs)
                except OSError as exc:
                    raise _fail([visible(f"{out}: cannot write: {exc.strerror or exc}")]) from None
                except ProvenanceError as exc:
                    raise _fail([visible(str(exc))]) from None
                line = render_text.summary_line({"summary": summaries[0]}, str(out))
                typer.echo(visible(line), err=True)
                return
            result = dataclasses.replace(run.corpus, articles=tuple(run.articles))
        texts = {r.article.id: r.article.text for r in result.articles}
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
            write_atomically(out, content, inputs)
        except OSError as exc:
            raise _fail([visible(f"{out}: cannot write: {exc.strerror or exc}")]) from None
        except ProvenanceError as exc:
            raise _fail([visible(str(exc))]) from None
        typer.echo(visible(render_text.summary_line(data, str(out))), err=True)


@app.command()
def validate(paths: PathsArg, config_file: ConfigOpt = None) -> None:
    """Check article files against the article schema.

    Exit 0 when every article is valid, 2 otherwise (one line per problem).
    """
    with _errors_to_exit():
        valid = sum(1 for _ in _stream(paths, _config(config_file)))  # none held in memory
    typer.echo(f"{count(valid, 'article')} valid")


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


def _config_path(path: Path | None) -> Path | None:
    """--config FILE, else ./provenance.toml, else ./pyproject.toml, else none."""
    if path is not None:
        return path
    return next((p for p in (Path("provenance.toml"), Path("pyproject.toml")) if p.is_file()), None)


def _config(path: Path | None, overrides: dict[str, dict[str, object]] | None = None) -> Config:
    """--config FILE, else ./provenance.toml, else [tool.provenance] of ./pyproject.toml,
    with CLI overrides merged in and validated by the same schema."""
    import tomllib

    from provenance.errors import ConfigError

    path = _config_path(path)
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


@contextmanager
def _open_index(
    index: str | None,
    config: Config,
    *,
    create: bool = False,
    readonly: bool = False,
    check_meta: bool = True,
) -> Iterator[store.Store]:
    """The index, open; any SQLite error while it is used becomes one line naming it."""
    path = index or config.index.path
    try:
        with store.Store(
            path,
            store.Fingerprinter(config),
            create=create,
            readonly=readonly,
            lock_timeout_s=config.index.lock_timeout_s,
            check_meta=check_meta,
            page_size=config.index.page_size,
        ) as db:
            yield db
    except sqlite3.Error as exc:
        raise StoreError(f"{path}: {store.describe_sqlite_error(exc)}") from None


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
        with _open_index(path, config, readonly=True, check_meta=False) as db:
            problems = store.verify(db, config) if verify else None
            data = render_stats.to_dict(path, db.stats(), problems)
    if fmt == StatsFormat.json:
        typer.echo(render_stats.to_json(data), nl=False)
    else:
        typer.echo(visible(render_stats.text(data), keep_newlines=True), nl=False)
    if data.get("problems"):
        raise typer.Exit(EXIT_POLICY)


@index_app.command("verify")
def index_verify(
    index: IndexOpt = None,
    config_file: ConfigOpt = None,
) -> None:
    """Check the index for damage (reads all).

    SQLite's integrity check, then every article's passages and band keys recomputed from
    its text and compared with the file. Exit 0 sound, 1 problems found, 2 unusable.
    """
    with _errors_to_exit():
        config = _config(config_file)
        with _open_index(index, config, readonly=True, check_meta=False) as db:
            problems = store.verify(db, config)
            total = db.count()
    for problem in problems:
        typer.echo(visible(problem))
    if problems:
        typer.echo(
            f"{count(len(problems), 'problem')} found in an index of {count(total, 'article')}"
        )
        raise typer.Exit(EXIT_POLICY)
    typer.echo(f"index sound: {count(total, 'article')}, passages and band keys as recomputed")


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
    one_id: Annotated[
        list[str] | None,
        typer.Option(
            "--id", metavar="ID", help="One article id, taken as is (repeatable; may hold commas)."
        ),
    ] = None,
    before: Annotated[
        str | None,
        typer.Option(
            metavar="DATE",
            help="Only articles published before this instant: YYYY-MM-DD (00:00 UTC) or "
            "an RFC 3339 date-time.",
        ),
    ] = None,
) -> None:
    """Remove articles matching every given filter."""
    from provenance.model import parse_instant

    cutoff = None
    if before is not None:
        cutoff = parse_instant(before)
        if cutoff is None:
            raise _fail(
                [f"--before: not a date (YYYY-MM-DD) or RFC 3339 date-time: {visible(before)!r}"]
            )
    wanted = {i.strip() for item in ids or [] for i in item.split(",") if i.strip()}
    wanted |= set(one_id or [])
    with _errors_to_exit():
        config = _config(config_file)
        with _open_index(index, config) as db:
            removed = db.remove(sorted(wanted), outlet, cutoff)
    typer.echo(f"removed {count(len(removed), 'article')}")


@index_app.command("rebuild")
def index_rebuild(index: IndexOpt = None, config_file: ConfigOpt = None) -> None:
    """Re-fingerprint the stored articles.

    Uses the current parameters, in one transaction.
    """
    with _errors_to_exit():
        config = _config(config_file)
        with _open_index(index, config, check_meta=False) as db:
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
        with _open_index(index, config, create=add, readonly=not add) as db:
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
    """The console script. Every expected failure is already one line and exit 2; an
    unexpected exception (a bug) is still one line (its type and where it was raised; not
    its message nor a traceback, which could carry article text), exit 2."""
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
        raise SystemExit(EXIT_INPUT) from None

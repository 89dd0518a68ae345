"""``provenance report``: the report of a corpus, run on this machine (with its work store)
or on a Dask cluster, written as text, JSON, Markdown or HTML (registered on the application
by ``cli``)."""

from __future__ import annotations

import contextlib
import dataclasses
import sqlite3
import sys
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TextIO

import typer

from provenance import cli_common as common
from provenance import ingest, outfile, pipeline
from provenance.cli_common import ConfigOpt, PathsArg
from provenance.config import Config
from provenance.errors import InputErrors, ProvenanceError
from provenance.render.safe import visible

if TYPE_CHECKING:  # imported where the report runs: they bring numpy, which a check
    # (same command line, same imports of this module) does without
    from provenance.run import workstore


class ReportFormat(StrEnum):
    text = "text"
    json = "json"
    md = "md"
    html = "html"


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
def _work_store(folder: Path | None, resume: bool) -> Iterator[workstore.WorkStore]:
    """The run's work store: in ``folder`` (kept, so that ``--resume`` can continue it), or
    in a temporary folder removed afterwards. An SQLite error while the run uses it (the
    report touches no other database) becomes one line naming the store's file. Bad input
    leaves no new store behind (nor the folder, when this run made it)."""
    from provenance.run import workstore

    with contextlib.ExitStack() as stack:
        made = folder is not None and not folder.exists()
        if folder is None:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="provenance-")))
        work = workstore.WorkStore(folder, resume=resume)
        stack.callback(work.close)
        try:
            yield work
        except InputErrors:
            if not resume:
                work.remove()
                if made:
                    with contextlib.suppress(OSError):
                        folder.rmdir()
            raise
        except sqlite3.Error as exc:
            cause = " ".join(str(exc).split())
            raise workstore.WorkStoreError(
                f"{folder / workstore.FILE}: work store: {cause}"
            ) from None


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
    from provenance.run import local

    if engine == Engine.local:
        if cluster.inputs_shared:
            raise common.fail(["--inputs-shared is for --engine dask"])
        with _work_store(*work) as store:
            # read one at a time into the store, numbered there in id order, read back
            articles = store.ingest(common.stream(paths, config, seen=store.seen()), config)
            with contextlib.closing(local.executor(jobs, items=len(articles))) as runner:
                yield pipeline.analyze_streamed(
                    articles, config, progress=progress, executor=runner, store=store
                )
        return
    if not cluster.scheduler:
        raise common.fail(["--engine dask needs --scheduler or PROVENANCE_DASK_SCHEDULER"])
    if work[0] is not None:
        raise common.fail(
            ["--work-dir and --resume are for --engine local (Dask recomputes lost work)"]
        )
    if cluster.inputs_shared and ingest.STDIN in paths:
        raise common.fail(
            ["--inputs-shared reads files on the workers: standard input cannot be one"]
        )
    sent = (
        None if cluster.inputs_shared else common.load(paths, config)
    )  # refused before connecting
    from provenance.run import dask as dask_engine  # raises MissingExtra without the extra
    from provenance.run import dask_flow, dask_inputs

    with dask_engine.session(cluster.scheduler, cluster.connect_timeout, cluster.partitions) as ex:
        if sent is None:
            inputs = dask_inputs.shared_inputs(ex, paths, config.ingest)
        else:
            inputs = dask_inputs.sent_inputs(ex, sent)
            del sent
        yield dask_flow.analyze_streamed(ex, inputs, config, progress)


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

    with common.errors_to_exit():
        config = common.config(config_file)
        if resume and work_dir is None:
            raise common.fail(["--resume needs --work-dir (the folder of the run to continue)"])
        inputs: list[Path] = []
        if out is not None:  # refuse a bad --out before the work, and again when writing
            inputs = [*ingest.input_files(paths), *filter(None, [common.config_path(config_file)])]
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
                            handle, run.corpus, run.outlets, run.for_json, config
                        )
                    )

                if out is None:
                    write(sys.stdout)
                    return
                try:
                    outfile.write_with(out, write, inputs)
                except OSError as exc:
                    raise common.fail(
                        [visible(f"{out}: cannot write: {exc.strerror or exc}")]
                    ) from None
                except ProvenanceError as exc:
                    raise common.fail([visible(str(exc))]) from None
                line = render_text.summary_line({"summary": summaries[0]}, str(out))
                typer.echo(visible(line), err=True)
                return
            # these formats are made whole in memory: read back what the work store holds
            # (the claim and quotation groups) before it closes
            result = pipeline.held(run)
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
            raise common.fail([visible(f"{out}: cannot write: {exc.strerror or exc}")]) from None
        except ProvenanceError as exc:
            raise common.fail([visible(str(exc))]) from None
        typer.echo(visible(render_text.summary_line(data, str(out))), err=True)

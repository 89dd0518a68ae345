"""``provenance index add|stats|verify|remove|rebuild``: the persistent index that check
compares new articles with (registered on the application by ``cli``)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import Annotated

import typer

from provenance import cli_common as common
from provenance import store
from provenance.cli_common import ConfigOpt, IndexOpt, PathsArg
from provenance.config import Config
from provenance.errors import StoreError
from provenance.render.safe import visible
from provenance.render.words import count

index_app = typer.Typer(help="The persistent index that check compares new articles with.")


@contextmanager
def open_index(
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
    with common.errors_to_exit():
        config = common.config(config_file)
        articles = common.load(paths, config)
        with open_index(index, config, create=True) as db:
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

    with common.errors_to_exit():
        config = common.config(config_file)
        path = index or config.index.path
        with open_index(path, config, readonly=True, check_meta=False) as db:
            problems = store.verify(db, config) if verify else None
            data = render_stats.to_dict(path, db.stats(), problems)
    if fmt == StatsFormat.json:
        typer.echo(render_stats.to_json(data), nl=False)
    else:
        typer.echo(visible(render_stats.text(data), keep_newlines=True), nl=False)
    if data.get("problems"):
        raise typer.Exit(common.EXIT_POLICY)


@index_app.command("verify")
def index_verify(
    index: IndexOpt = None,
    config_file: ConfigOpt = None,
) -> None:
    """Check the index for damage (reads all).

    SQLite's integrity check, then every article's passages and band keys recomputed from
    its text and compared with the file. Exit 0 sound, 1 problems found, 2 unusable.
    """
    with common.errors_to_exit():
        config = common.config(config_file)
        with open_index(index, config, readonly=True, check_meta=False) as db:
            problems = store.verify(db, config)
            total = db.count()
    for problem in problems:
        typer.echo(visible(problem))
    if problems:
        typer.echo(
            f"{count(len(problems), 'problem')} found in an index of {count(total, 'article')}"
        )
        raise typer.Exit(common.EXIT_POLICY)
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
            raise common.fail(
                [f"--before: not a date (YYYY-MM-DD) or RFC 3339 date-time: {visible(before)!r}"]
            )
    wanted = {i.strip() for item in ids or [] for i in item.split(",") if i.strip()}
    wanted |= set(one_id or [])
    with common.errors_to_exit():
        config = common.config(config_file)
        with open_index(index, config) as db:
            removed = db.remove(sorted(wanted), outlet, cutoff)
    typer.echo(f"removed {count(len(removed), 'article')}")


@index_app.command("rebuild")
def index_rebuild(index: IndexOpt = None, config_file: ConfigOpt = None) -> None:
    """Re-fingerprint the stored articles.

    Uses the current parameters, in one transaction.
    """
    with common.errors_to_exit():
        config = common.config(config_file)
        with open_index(index, config, check_meta=False) as db:
            rebuilt = store.rebuild(db, config)
    typer.echo(f"rebuilt {count(rebuilt, 'article')}")

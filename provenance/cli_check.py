"""``provenance check``: new articles compared with the index before they are added
(registered on the application by ``cli``)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from provenance import cli_common as common
from provenance import pipeline
from provenance.cli_common import ConfigOpt, IndexOpt, PathsArg
from provenance.cli_index import open_index


class CheckFormat(StrEnum):
    text = "text"
    json = "json"
    github = "github"


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
    with common.errors_to_exit():
        config = common.config(config_file, {"check": overrides})
        articles = common.load(paths, config)
        with open_index(index, config, create=add, readonly=not add) as db:
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
        raise typer.Exit(common.EXIT_POLICY)

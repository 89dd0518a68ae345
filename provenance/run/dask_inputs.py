"""The Dask engine's inputs: the articles in partitions of consecutive ids on the cluster,
sent by the client (``sent_inputs``) or read by the workers from a path they all share
(``shared_inputs``, ``report --inputs-shared``). README.md says which to use when."""

from __future__ import annotations

import itertools
import operator
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from distributed import Future

from provenance import htmlinput, ingest
from provenance.config import IngestConfig
from provenance.errors import InputError, InputErrors
from provenance.model import Article
from provenance.run.dask import DaskExecutor
from provenance.run.local import blocks as _blocks

# ------------------------------------------------------------------ tasks (run on workers)


def _read(paths: list[str], config: IngestConfig) -> list[Article]:
    return ingest.load(paths, config, html_reader=htmlinput.reader(config.max_record_bytes))


def _ids(articles: list[Article]) -> list[tuple[str, str | None, str | None]]:
    return [
        (a.id, a.origin.path if a.origin else None, a.origin.record if a.origin else None)
        for a in articles
    ]


def _split(articles: list[Article], firsts: list[str]) -> list[list[Article]]:
    """``articles`` (sorted by id) split by the partitions starting at ``firsts``."""
    out: list[list[Article]] = [[] for _ in firsts]
    p = 0
    for a in articles:
        while p + 1 < len(firsts) and a.id >= firsts[p + 1]:
            p += 1
        out[p].append(a)
    return out


def _merge(*pieces: list[Article]) -> list[Article]:
    return sorted(itertools.chain.from_iterable(pieces), key=lambda a: a.id)


# ------------------------------------------------------------------ the client's side


@dataclass
class Inputs:
    """The article partitions on the cluster (futures, consecutive ids) and their count."""

    parts: list[Future[Any]]
    total: int


def sent_inputs(executor: DaskExecutor, articles: Sequence[Article]) -> Inputs:
    """The client's articles, sorted by id, in partitions inside the task graph (the
    scheduler keeps them: a lost worker's partitions are recomputed elsewhere)."""
    ordered = sorted(articles, key=lambda a: a.id)
    client = executor.client
    blocks = _blocks(len(ordered), executor._count(len(ordered), executor.min_articles))
    parts = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "large graph" warnings: the inputs are in it
        for lo, hi in blocks:
            part = ordered[lo:hi]
            executor.stats.add("inputs: articles to workers", executor._size(part))
            parts.append(client.submit(_merge, part, pure=False))
    return Inputs(parts, len(ordered))


def shared_inputs(executor: DaskExecutor, paths: Sequence[str], config: IngestConfig) -> Inputs:
    """The files under ``paths``, read and validated by the workers (the paths resolved
    here must name the same files on every worker); then moved into partitions of
    consecutive ids. Bad input raises the same ``InputErrors`` as reading here would."""
    files = [str(f.resolve()) for f in ingest.article_files(paths)]
    if not files:
        raise InputErrors([InputError("no article files given", path=".")])
    client = executor.client
    groups = _blocks(len(files), executor._count(len(files), 1))
    read = [client.submit(_read, files[lo:hi], config, pure=False) for lo, hi in groups]
    found = client.gather([client.submit(_ids, r) for r in read])
    seen: dict[str, tuple[str | None, str | None]] = {}
    errors = []
    for article_id, path, record in itertools.chain.from_iterable(found):
        if article_id in seen:
            first = " ".join(filter(None, seen[article_id])) or "?"
            errors.append(
                InputError(
                    f"duplicate id {article_id!r}, first seen in {first}",
                    path=path,
                    record=record,
                    field="$.id",
                )
            )
        else:
            seen[article_id] = (path, record)
    if errors:
        raise InputErrors(errors)
    ids = sorted(seen)
    blocks = _blocks(len(ids), executor._count(len(ids), executor.min_articles))
    firsts = [ids[lo] for lo, _ in blocks]
    split = [
        [client.submit(operator.getitem, s, p) for p in range(len(firsts))]
        for s in (client.submit(_split, r, firsts) for r in read)
    ]
    parts = [client.submit(_merge, *(s[p] for s in split)) for p in range(len(firsts))]
    return Inputs(parts, len(ids))

"""The Dask engine's inputs: the articles in partitions of consecutive ids on the cluster,
sent by the client (``sent_inputs``) or read by the workers from a path they all share
(``shared_inputs``, ``report --inputs-shared``). README.md says which to use when."""

from __future__ import annotations

import itertools
import operator
import warnings
import zlib
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

# ids sampled per partition to cut the partitions of inputs read by the workers
SAMPLE = 16

# ------------------------------------------------------------------ tasks (run on workers)


def _read(paths: list[str], config: IngestConfig) -> list[Article]:
    return ingest.load(paths, config, html_reader=htmlinput.reader(config.max_record_bytes))


# an article as the duplicate check reads it: id, its group of files and position there,
# and where it was read (path, record)
Seen = tuple[str, int, int, str | None, str | None]


def _bucket(article_id: str, buckets: int) -> int:
    return zlib.crc32(article_id.encode("utf-8")) % buckets  # the same in every process


def _ids(articles: list[Article], group: int, buckets: int) -> list[list[Seen]]:
    """A group's articles as (id, group, position, path, record), split by the bucket of
    their id."""
    out: list[list[Seen]] = [[] for _ in range(buckets)]
    for k, a in enumerate(articles):
        origin = a.origin
        seen = (a.id, group, k, origin.path if origin else None, origin.record if origin else None)
        out[_bucket(a.id, buckets)].append(seen)
    return out


def _twice(*pieces: list[Seen]) -> list[tuple[int, int, InputError]]:
    """The ids of one bucket seen twice or more (``pieces``: the bucket's piece of each
    group, in group order): one error per later occurrence, with its group and position."""
    first: dict[str, Seen] = {}
    errors = []
    for piece in pieces:
        for seen in piece:
            article_id, group, k, path, record = seen
            earlier = first.setdefault(article_id, seen)
            if earlier is not seen:
                where = " ".join(filter(None, earlier[3:])) or "?"
                error = InputError(
                    f"duplicate id {article_id!r}, first seen in {where}",
                    path=path,
                    record=record,
                    field="$.id",
                )
                errors.append((group, k, error))
    return errors


def _sample(articles: list[Article], step: int) -> list[str]:
    """Every ``step``-th id of a group's articles in id order."""
    return sorted(a.id for a in articles)[::step]


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
    consecutive ids. Bad input raises the same ``InputErrors`` as reading here would. The
    ids stay on the workers: a shuffle on their hash finds those seen twice, and the
    partitions are cut at ids of a sample (about ``SAMPLE`` per partition) of each group's
    ids in id order (partitions of nearly equal size; the report does not depend on where
    they are cut)."""
    files = [str(f.resolve()) for f in ingest.article_files(paths)]
    if not files:
        raise InputErrors([InputError("no article files given", path=".")])
    client = executor.client
    groups = _blocks(len(files), executor._count(len(files), 1))
    read = [client.submit(_read, files[lo:hi], config, pure=False) for lo, hi in groups]
    buckets = len(read)
    keyed = [client.submit(_ids, r, g, buckets) for g, r in enumerate(read)]
    pieces = [[client.submit(operator.getitem, k, b) for b in range(buckets)] for k in keyed]
    twice = [client.submit(_twice, *(p[b] for p in pieces)) for b in range(buckets)]
    found: list[list[tuple[int, int, InputError]]] = client.gather(twice)
    del keyed, pieces, twice
    errors = sorted(itertools.chain.from_iterable(found), key=lambda e: e[:2])
    if errors:  # in the order the files and their records were read
        raise InputErrors([e for _, _, e in errors])
    sizes: list[int] = client.gather([client.submit(len, r) for r in read])
    total = sum(sizes)
    count = executor._count(total, executor.min_articles)
    step = max(1, total // (SAMPLE * count))
    samples: list[list[str]] = client.gather([client.submit(_sample, r, step) for r in read])
    sample = sorted(itertools.chain.from_iterable(samples))
    firsts = [sample[lo] for lo, _ in _blocks(len(sample), count)]
    split = [
        [client.submit(operator.getitem, s, p) for p in range(len(firsts))]
        for s in (client.submit(_split, r, firsts) for r in read)
    ]
    parts = [client.submit(_merge, *(s[p] for s in split)) for p in range(len(firsts))]
    return Inputs(parts, total)

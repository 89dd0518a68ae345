"""The Dask engine's quotation groups (``run.dask_flow``), partitioned: the same groups as
``quote_groups.find_quote_groups`` in process.

1. per article partition: its quotations (text-less articles), their units and the units'
   signatures (``_quote_part``);
2. the band-key candidates of all units (``DaskExecutor.candidates`` over the partitions'
   signature blocks); the client reads each unit's quotation (one number per unit) and
   keeps each pair of quotations once, in candidate order;
3. the alignment of each such pair (``quote_groups.linked``), per (partition, partition)
   of quotations, each task reading the two partitions' quotations by key;
4. the client joins the linked pairs (connected components: the same components as the
   in-process loop, which skips a pair already joined, only sooner) and numbers the groups
   in order of first occurrence from each quotation's place there (its rank in its
   partition, read as numbers: the quotations stay on the workers);
5. each group's comparisons (``quote_groups.group``: alignments of each occurrence with its
   version): a group of one in its partition (``_alone``), the groups of several from their
   members picked from their partitions, in partitions of groups (``DaskExecutor.map``).
   The client holds per quotation only numpy columns (unit owners, places, numbers), and
   the quotations of groups of several while they are made.
"""

from __future__ import annotations

import bisect
import itertools
import operator
from collections.abc import Sequence
from functools import partial
from typing import Any

import numpy as np
import numpy.typing as npt

from provenance.config import Config, QuoteConfig
from provenance.fingerprint import FingerprintParams, claim_shingles, load_stopwords
from provenance.match.duplicates import Components
from provenance.match.quote_groups import Located, _lead, _units, group, linked
from provenance.match.signatures import BatchSigner, Matrix
from provenance.model import ArticleResult, QuoteGroup
from provenance.run.dask import DaskExecutor, Pair
from provenance.run.dask_bands import Rows

# ------------------------------------------------------------------ tasks (run on workers)


def _quote_part(
    results: list[ArticleResult], config: Config
) -> tuple[list[Located], list[int], Matrix]:
    """A partition's quotations (id order, as ``find_quote_groups`` reads them), the
    quotation of each of their units (positions in the partition) and the units'
    signatures."""
    items = [
        Located(r.article.without_text(), q, _lead(r.article.text, q))
        for r in results
        for q in r.quotes
    ]
    texts, owner = _units(items, config.quotes)
    params = FingerprintParams.from_config(config.fingerprint)
    shingler = partial(claim_shingles, params=params, stopwords=load_stopwords())
    signatures = BatchSigner(params).sign_shingles(shingler(t) for t in texts)
    return items, owner, signatures


def _linked(
    config: QuoteConfig,
    items_a: list[Located],
    a_first: int,
    items_b: list[Located],
    b_first: int,
    pairs: list[Pair],
) -> list[bool]:
    return [
        linked(items_a[a - a_first].quote, items_b[b - b_first].quote, config) is not None
        for a, b in pairs
    ]


def _group_task(item: tuple[str, list[Located]], config: QuoteConfig, resources: Any) -> QuoteGroup:
    del resources
    gid, members = item
    return group(members, config, gid)


def _places(items: list[Located]) -> npt.NDArray[np.int64]:
    """Each quotation's rank in a partition's order of first occurrence (article id,
    offset; ties in partition order)."""
    order = sorted(range(len(items)), key=lambda n: (items[n].article.id, items[n].quote.start))
    rank = np.empty(len(items), dtype=np.int64)
    rank[order] = np.arange(len(items), dtype=np.int64)
    return rank


def _alone(
    items: list[Located], numbers: npt.NDArray[np.int64], config: QuoteConfig
) -> list[tuple[int, QuoteGroup]]:
    """The groups of one member of a partition (``numbers``: per quotation, its group's
    number, 0 for those of groups of several), with their numbers."""
    return [
        (k, group([items[n]], config, f"quote-{k:04d}"))
        for n, k in enumerate(numbers.tolist())
        if k
    ]


def _picked(items: list[Located], positions: list[int]) -> list[Located]:
    return [items[n] for n in positions]


# ------------------------------------------------------------------ the client's side


def _numbered(
    place: npt.NDArray[np.int64], joined: Components[int]
) -> tuple[npt.NDArray[np.int64], dict[int, list[int]]]:
    """The groups in order of first occurrence: each quotation's group number when it is
    alone (0 when its group has several), and each group of several's members in that
    order, by number. ``place``: each quotation's rank in order of first occurrence."""
    total = len(place)
    leader = np.arange(total, dtype=np.int64)
    several = []
    for members in joined.groups(joined.members()):
        ordered = sorted(members, key=place.__getitem__)
        leader[ordered] = ordered[0]
        several.append(ordered)
    leaders = np.flatnonzero(leader == np.arange(total))
    order = leaders[np.argsort(place[leaders], kind="stable")]
    number = np.zeros(total, dtype=np.int64)
    number[order] = np.arange(1, len(order) + 1, dtype=np.int64)
    groups = {int(number[m[0]]): m for m in several}
    alone = np.where(leader == np.arange(total), number, 0)
    for members in several:
        alone[members[0]] = 0
    return alone, groups


def quote_groups(
    executor: DaskExecutor, config: Config, results: Sequence[Any]
) -> tuple[QuoteGroup, ...]:
    """``find_quote_groups`` of the partitions ``results`` (futures, in id order). The
    quotations stay on the workers: the client numbers the groups from numpy columns (each
    unit's quotation, each quotation's place in order of first occurrence), a group of one
    is made in its partition, a group of several from its members picked there."""
    client: Any = executor.client
    made = [client.submit(_quote_part, r, config) for r in results]
    items = [client.submit(operator.getitem, m, 0) for m in made]
    owners = [client.submit(operator.getitem, m, 1) for m in made]
    signed = [client.submit(operator.getitem, m, 2) for m in made]
    sizes: list[int] = client.gather([client.submit(len, i) for i in items])
    firsts = list(itertools.accumulate(sizes, initial=0))
    owner_of = [np.asarray(o.result(), dtype=np.int64) for o in owners]
    owner = np.concatenate(
        [np.zeros(0, dtype=np.int64)] + [firsts[p] + mine for p, mine in enumerate(owner_of)]
    )
    executor.stats.add("quotes: unit owners to client", 8 * len(owner))
    places = [client.submit(_places, i) for i in items]
    place = np.concatenate(
        [np.zeros(0, dtype=np.int64)]
        + [firsts[p] + rank for p, rank in enumerate(client.gather(places))]
    )
    executor.stats.add("quotes: places to client", 8 * len(place))
    parts, starts, total = [], [], 0
    for block, units in zip(signed, owner_of, strict=True):
        if len(units):
            parts.append(block)
            starts.append(total)
            total += len(units)
    del owner_of
    params = FingerprintParams.from_config(config.fingerprint)
    dtype = str(BatchSigner(params).sign_shingles([]).dtype)
    fp = config.fingerprint
    candidates = executor.candidates(
        Rows(parts, starts, total, params.num_perm, dtype),
        config.quotes.lsh_threshold,
        fp.max_candidates,
        fp.lsh_bands_per_pass,
    )
    tried: dict[Pair, None] = {}
    for c in candidates:
        a, b = sorted((int(owner[c.a]), int(owner[c.b])))
        if a != b:
            tried.setdefault((a, b), None)
    pairs = list(tried)
    kept = [(p, items[p], firsts[p]) for p, size in enumerate(sizes) if size]
    found = (
        executor.by_block_pair(
            partial(_linked, config.quotes), [i for _, i, _ in kept], [f for _, _, f in kept], pairs
        )
        if pairs
        else []
    )
    executor.mark("quotes: candidates, alignment", *items)
    joined: Components[int] = Components()
    for (a, b), linked_ in zip(pairs, found, strict=True):
        if linked_:
            joined.join(a, b)
    alone, several = _numbered(place, joined)
    del place, owner
    singles = [
        client.submit(_alone, i, alone[firsts[p] : firsts[p + 1]], config.quotes)
        for p, i in enumerate(items)
    ]
    members = sorted(n for m in several.values() for n in m)
    wanted: dict[int, list[int]] = {}
    for n in members:
        wanted.setdefault(bisect.bisect_right(firsts, n) - 1, []).append(n)
    picked: dict[int, Located] = {}
    for p, mine in wanted.items():
        got = client.submit(_picked, items[p], [n - firsts[p] for n in mine]).result()
        picked.update(zip(mine, got, strict=True))
    executor.stats.add("quotes: joined quotations to client", executor._size(picked))
    tasks = [(f"quote-{k:04d}", [picked[n] for n in m]) for k, m in sorted(several.items())]
    del picked
    out: list[QuoteGroup | None] = [None] * (int(np.count_nonzero(alone)) + len(several))
    done = executor.map(_group_task, tasks, config.quotes)
    for k, made_group in zip(sorted(several), done, strict=True):
        out[k - 1] = made_group
    for future in singles:
        for k, made_group in future.result():
            out[k - 1] = made_group
        future.release()
    return tuple(g for g in out if g is not None)

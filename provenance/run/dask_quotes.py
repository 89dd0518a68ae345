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
   in-process loop, which skips a pair already joined, only sooner) and orders them;
5. each group's comparisons (``quote_groups.group``: alignments of each occurrence with its
   version) run in partitions of groups (``DaskExecutor.map``).
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Sequence
from functools import partial
from typing import Any

import numpy as np

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


# ------------------------------------------------------------------ the client's side


def quote_groups(
    executor: DaskExecutor, config: Config, results: Sequence[Any]
) -> tuple[QuoteGroup, ...]:
    """``find_quote_groups`` of the partitions ``results`` (futures, in id order)."""
    client: Any = executor.client
    made = [client.submit(_quote_part, r, config) for r in results]
    items = [client.submit(operator.getitem, m, 0) for m in made]
    owners = [client.submit(operator.getitem, m, 1) for m in made]
    signed = [client.submit(operator.getitem, m, 2) for m in made]
    sizes: list[int] = client.gather([client.submit(len, i) for i in items])
    owner_of: list[list[int]] = client.gather(owners)
    firsts = list(itertools.accumulate(sizes, initial=0))
    owner = np.array(
        [firsts[p] + k for p, mine in enumerate(owner_of) for k in mine], dtype=np.int64
    )
    executor.stats.add("quotes: unit owners to client", 8 * len(owner))
    parts, starts, total = [], [], 0
    for block, units in zip(signed, owner_of, strict=True):
        if units:
            parts.append(block)
            starts.append(total)
            total += len(units)
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
    located: list[Located] = [x for part in client.gather(items) for x in part]
    executor.stats.add("quotes: quotations to client", executor._size(located))
    place = [(x.article.id, x.quote.start) for x in located]
    components = joined.groups(range(len(located)))
    members = (sorted(c, key=place.__getitem__) for c in components)
    ordered = sorted(members, key=lambda c: place[c[0]])
    tasks = [(f"quote-{k:04d}", [located[n] for n in c]) for k, c in enumerate(ordered, start=1)]
    del located
    return tuple(executor.map(_group_task, tasks, config.quotes))

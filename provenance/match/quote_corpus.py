"""The corpus-wide steps of quotation groups (``quote_groups.find_quote_groups``), with
memory that does not grow with the corpus but for a few numpy columns per quotation.

    results -> per quotation: its article (number), start and units' signatures as columns;
               the quotation itself to ``Quotations`` (memory, or the work store's rows)
            -> LSH candidates -> pairs of quotations, each once, aligned ``LINK_CHUNK`` at a
               time (their texts read back) -> connected components (``roots``)
            -> groups in order of first occurrence, their members read back a group at a
               time, handed out as they are made (``groups``)
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from provenance.config import Config, QuoteConfig
from provenance.fingerprint import FingerprintParams, claim_shingles, load_stopwords
from provenance.match.articles import ArticleTable
from provenance.match.candidates import SignatureRows, Signatures, lsh_candidates
from provenance.match.codes import lex_order, union, unique
from provenance.match.quote_groups import Located, _lead, _unit_texts, aligned, group
from provenance.match.units import in_id_order
from provenance.model import ArticleResult, Quote, QuoteGroup
from provenance.run.kernels import Local, SignedBatches
from provenance.run.serial import mapped, paired

if TYPE_CHECKING:  # run.local imports resources, which imports the claims
    from provenance.run.local import Executor

Matrix = np.ndarray[Any, Any]


class Quotations(Protocol):
    """Where a run's quotations go as they are read, read back by number (in memory, or
    rows of the work store): each one's article (its number in the stage's
    ``ArticleTable``), the quotation and its lead (``_lead``)."""

    def extend(self, rows: Sequence[QuoteRow]) -> None: ...

    def many(self, seqs: Sequence[int]) -> list[QuoteRow]: ...


QuoteRow = tuple[int, Quote, int]
# Where the groups go as they are made, in order: what reads them back (a tuple in memory,
# or rows of the work store read one at a time).
GroupSink = Callable[[Iterable[QuoteGroup]], Sequence[QuoteGroup]]


class MemoryQuotations:
    """``Quotations`` in a list."""

    def __init__(self) -> None:
        self._rows: list[QuoteRow] = []

    def extend(self, rows: Sequence[QuoteRow]) -> None:
        self._rows.extend(rows)

    def many(self, seqs: Sequence[int]) -> list[QuoteRow]:
        return [self._rows[s] for s in seqs]


# Quotations handed to ``Quotations`` at once, candidate pairs whose quotations are read
# back at once, and group members read back at once (units are signed
# ``run.kernels.SIGN_CHUNK`` at a time): memory holds that many, whatever the number of
# quotations.
ROWS_CHUNK = 1024
LINK_CHUNK = 4096
# Unit pairs made quotation pairs at once (``roots``): the arrays of one step hold some 50
# bytes a pair, however many pairs LSH proposes.
PAIR_CHUNK = 1 << 18
GROUP_CHUNK = 1024


@dataclass(frozen=True)
class _Read:
    """The quotations of a corpus as columns (one row per quotation, in article-id, then
    text order): its article's number in ``articles``, its start, and the signatures of
    the units (``unit_owner``: each unit's quotation)."""

    articles: ArticleTable
    article: Matrix
    start: Matrix
    unit_owner: Matrix
    signatures: Signatures


def read(
    results: Sequence[ArticleResult],
    config: Config,
    rows_to: Quotations,
    signatures_to: SignatureRows | None,
) -> _Read:
    """One pass over ``results``: each quotation to ``rows_to``, its units signed a chunk
    at a time (in memory, or to ``signatures_to``)."""
    params = FingerprintParams.from_config(config.fingerprint)
    shingler = partial(claim_shingles, params=params, stopwords=load_stopwords())
    articles = ArticleTable()
    article, start, owner = array("q"), array("q"), array("q")
    signed = SignedBatches(Local(), params, shingler, signatures_to)
    rows: list[QuoteRow] = []
    for r in in_id_order(results):  # read through once; only the columns are kept
        if not r.quotes:
            continue
        k = len(articles)
        articles.add(r.article)
        for q in r.quotes:
            units = _unit_texts(q.text, config.quotes)
            owner.extend([len(article)] * len(units))
            article.append(k)
            start.append(q.start)
            rows.append((k, q, _lead(r.article.text, q)))
            signed.add(units)
        if len(rows) >= ROWS_CHUNK:
            rows_to.extend(rows)
            rows.clear()
    rows_to.extend(rows)
    signatures = signed.done()
    columns = [np.asarray(column, dtype=np.int64) for column in (article, start, owner)]
    return _Read(articles.close(), columns[0], columns[1], columns[2], signatures)


def roots(
    read: _Read, rows: Quotations, config: Config, executor: Executor | None = None
) -> Matrix:
    """Per quotation, the least quotation of its group (the connected components of the
    pairs that align): pairs of quotations whose units LSH proposes, each tried once, in
    ascending order of their numbers, ``LINK_CHUNK`` at a time, and not aligned when
    already joined (a pair is taken when the one before it is done here; an executor's
    workers take a few ahead, which may align a pair that turns out joined: the same
    components, as they do not depend on the order of the joins). ``executor`` aligns
    (default: this process)."""
    n = len(read.article)
    parent = array("q", range(n))

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    fp = config.fingerprint
    found = lsh_candidates(
        read.signatures, config.quotes.lsh_threshold, fp.max_candidates, fp.lsh_bands_per_pass
    )
    parts = []  # the quotation pairs of ``PAIR_CHUNK`` unit pairs at a time, each once
    for lo in range(0, len(found), PAIR_CHUNK):
        a = read.unit_owner[found.a[lo : lo + PAIR_CHUNK]]
        b = read.unit_owner[found.b[lo : lo + PAIR_CHUNK]]
        apart = a != b
        parts.append(unique(np.minimum(a, b)[apart] * n + np.maximum(a, b)[apart]))
    del found
    codes = union(parts)  # each pair once, ascending
    for at in range(0, len(codes), LINK_CHUNK):
        x_of, y_of = np.divmod(codes[at : at + LINK_CHUNK], n)
        pairs = [
            (x, y) for x, y in zip(x_of.tolist(), y_of.tolist(), strict=True) if root(x) != root(y)
        ]
        needed = sorted({x for pair in pairs for x in pair})
        text = dict(zip(needed, (q.text for _, q, _ in rows.many(needed)), strict=True))
        apart_yet = _apart(pairs, text, root)
        for ((x, y), _), score in paired(executor, _aligned_task, apart_yet, config.quotes):
            rx, ry = root(x), root(y)
            if rx != ry and score is not None:
                parent[max(rx, ry)] = min(rx, ry)
    roots: Matrix = np.frombuffer(parent, dtype=np.int64).copy() if n else np.zeros(0, int)
    while n and not np.array_equal(roots[roots], roots):
        roots = roots[roots]
    return roots


# two quotations by number, and their texts
_Pair = tuple[tuple[int, int], tuple[str, str]]


def _apart(
    pairs: list[tuple[int, int]], text: dict[int, str], root: Callable[[int], int]
) -> Iterator[_Pair]:
    """The pairs not joined yet when taken, with their texts."""
    for x, y in pairs:
        if root(x) != root(y):
            yield (x, y), (text[x], text[y])


def _aligned_task(pair: _Pair, config: QuoteConfig, resources: object) -> float | None:
    """``quote_groups.aligned`` of two quotations' texts (an executor's task: every
    quotation paired here has units, so it is long enough for ``linked``)."""
    del resources
    return aligned(*pair[1], config)


def _group_task(
    item: tuple[list[Located], str], config: QuoteConfig, resources: object
) -> QuoteGroup:
    """``quote_groups.group`` of one group's members (an executor's task)."""
    del resources
    return group(item[0], config, item[1])


def groups(
    read: _Read,
    roots: Matrix,
    rows: Quotations,
    config: Config,
    executor: Executor | None = None,
) -> Iterator[QuoteGroup]:
    """The groups in order of their first occurrence (article id, offset), each with its
    members in that order, their quotations read back ``GROUP_CHUNK`` at a time; each
    group made by ``executor`` (default: this process)."""
    return mapped(executor, _group_task, _members(read, roots, rows), config.quotes)


def _members(read: _Read, roots: Matrix, rows: Quotations) -> Iterator[tuple[list[Located], str]]:
    """Each group's members (``groups``) with its id, in order."""
    n = len(roots)
    if not n:
        return
    order = lex_order((read.start, read.article))  # ties in quotation order, as lexsort's
    component = roots[order]
    _, first = np.unique(component, return_index=True)
    rank = np.empty(n, dtype=np.int64)
    rank[component[first]] = np.argsort(np.argsort(first))
    key = rank[component]
    members = order[np.argsort(key, kind="stable")]
    cuts = np.flatnonzero(np.r_[True, np.diff(np.sort(key)) != 0, True]).tolist()
    g = 0
    while g + 1 < len(cuts):  # groups g .. h - 1: one at least, else GROUP_CHUNK members
        h = max(g + 1, bisect_right(cuts, cuts[g] + GROUP_CHUNK) - 1)
        numbers = members[cuts[g] : cuts[h]].tolist()
        located = [Located(read.articles.article(k), q, lead) for k, q, lead in rows.many(numbers)]
        for j in range(g, h):
            yield located[cuts[j] - cuts[g] : cuts[j + 1] - cuts[g]], f"quote-{j + 1:04d}"
        g = h

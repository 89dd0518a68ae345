"""Near-duplicate articles: the union of an article's passage signatures, band-key
candidates among articles, and the character similarity of their whole texts.

Two articles are near-duplicates when LSH proposes them (``duplicate_lsh_threshold``) and
their normalised texts are at least ``AlignConfig.duplicate_min_similarity`` alike; the
clusters are the connected components of those pairs (``Components``, the one union-find of
the matching stage: quotation groups use it too).
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Generic, Self, TypeVar

import numpy as np

from provenance.config import Config
from provenance.match.align import similarity
from provenance.match.articles import Ids, Strings
from provenance.match.candidates import SignatureRows, Signatures
from provenance.match.codes import index_type, lex_order
from provenance.match.signatures import Matrix, union_blocks, union_runs
from provenance.model import Duplicate
from provenance.run.kernels import Kernels

T = TypeVar("T", str, int)


class Components(Generic[T]):
    """Union-find: the connected components of the pairs joined so far. The root of a
    component is its least member, so components do not depend on the order of joins."""

    def __init__(self) -> None:
        self._parent: dict[T, T] = {}

    def root(self, x: T) -> T:
        parent = self._parent
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def join(self, a: T, b: T) -> None:
        ra, rb = self.root(a), self.root(b)
        if ra != rb:
            self._parent[max(ra, rb)] = min(ra, rb)

    def groups(self, items: Iterable[T]) -> list[list[T]]:
        """The components of ``items``, each in the order of ``items``, in the order of their
        first member."""
        found: dict[T, list[T]] = {}
        for x in items:
            found.setdefault(self.root(x), []).append(x)
        return list(found.values())

    def members(self) -> list[T]:
        """Every item joined or looked up, in the order first seen."""
        return list(self._parent)


def find_duplicates(
    ids: Sequence[str],
    rows: Matrix,
    cuts: Matrix,
    signatures: Signatures,
    text_of: Callable[[str], str],
    config: Config,
    kernels: Kernels,
    signatures_to: SignatureRows | None = None,
) -> tuple[DuplicateTable, tuple[tuple[str, ...], ...]]:
    """Near-duplicates per article and the clusters they form. ``ids``: the articles with
    passages, in id order; article ``ids[k]``'s passages are the rows
    ``rows[cuts[k] : cuts[k + 1]]`` of ``signatures`` (none empty); ``text_of``: an
    article's text (read when LSH proposes it). The articles' signatures (the union of
    their passages') are made a block at a time, kept in memory or written to
    ``signatures_to`` (the work folder) as they are made."""
    sigs: Signatures
    if signatures_to is None:
        sigs = union_runs(signatures, rows, cuts)
    else:
        for _, _, block in union_blocks(signatures, rows, cuts):
            signatures_to.extend(block)
        sigs = signatures_to
    fp = config.fingerprint
    scored = (
        (ids[c.a], ids[c.b], c.estimated_jaccard, similarity(text_of(ids[c.a]), text_of(ids[c.b])))
        for c in kernels.candidates(
            sigs, fp.duplicate_lsh_threshold, fp.max_candidates, fp.lsh_bands_per_pass
        )
    )
    return duplicates_of(scored, config)


def duplicates_of(
    scored: Iterable[tuple[str, str, float, float]], config: Config
) -> tuple[DuplicateTable, tuple[tuple[str, ...], ...]]:
    """Near-duplicates per article and their clusters from the proposed article pairs
    ``(a, b, estimated Jaccard, similarity of the texts)``, in the order proposed (the
    Dask engine scores the pairs where the texts are)."""
    code: dict[str, int] = {}
    pairs, figures = array("q"), array("d")
    components: Components[str] = Components()
    for a, b, jaccard, similar in scored:
        score = round(similar, 2)
        if score < config.align.duplicate_min_similarity:
            continue
        components.join(a, b)
        pairs.extend((code.setdefault(a, len(code)), code.setdefault(b, len(code))))
        figures.extend((jaccard, score))
    groups = components.groups(components.members())
    clusters = tuple(sorted(tuple(sorted(g)) for g in groups if len(g) > 1))
    return DuplicateTable.of(code, pairs, figures), clusters


class DuplicateTable(Mapping[str, tuple[Duplicate, ...]]):
    """Per article with any, its near-duplicates sorted by the other's id, as numpy
    columns (one row per article and other one, about 24 bytes; the ids of the articles
    with any in one UTF-8 buffer): a ``Duplicate`` is made when an article's are read."""

    def __init__(self, names: Sequence[str], mine: Matrix, other: Matrix, figures: Matrix):
        self._names = Ids(Strings(names))  # in id order
        self._bounds = np.searchsorted(mine, np.arange(len(names) + 1))
        self._other = other
        self._figures = figures  # estimated Jaccard, similarity

    @classmethod
    def of(cls, code: Mapping[str, int], pairs: Sequence[int], figures: Sequence[float]) -> Self:
        """The table of the pairs ``(code[a], code[b])`` (flat) with their ``(estimated
        Jaccard, similarity)`` (flat), each pair seen from both of its articles."""
        names = sorted(code)
        rank = np.empty(len(code), dtype=np.int64)
        rank[[code[name] for name in names]] = np.arange(len(names))
        ab = rank[np.asarray(pairs, dtype=np.int64)].reshape(-1, 2)
        both = np.asarray(figures, dtype=np.float64).reshape(-1, 2)
        mine, other = np.r_[ab[:, 0], ab[:, 1]], np.r_[ab[:, 1], ab[:, 0]]
        order = lex_order((other, mine))
        index = index_type(len(names))
        return cls(
            names,
            mine[order].astype(index),
            other[order].astype(index),
            np.r_[both, both][order],
        )

    def __len__(self) -> int:
        return len(self._names)

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __getitem__(self, article_id: str) -> tuple[Duplicate, ...]:
        try:
            k = self._names.index(article_id)
        except ValueError:
            raise KeyError(article_id) from None
        lo, hi = int(self._bounds[k]), int(self._bounds[k + 1])
        others, figures = self._other[lo:hi].tolist(), self._figures[lo:hi].tolist()
        return tuple(
            Duplicate(article_id, self._names[o], jaccard, similar)
            for o, (jaccard, similar) in zip(others, figures, strict=True)
        )

"""Near-duplicate articles: the union of an article's passage signatures, band-key
candidates among articles, and the character similarity of their whole texts.

Two articles are near-duplicates when LSH proposes them (``duplicate_lsh_threshold``) and
their normalised texts are at least ``AlignConfig.duplicate_min_similarity`` alike; the
clusters are the connected components of those pairs (``Components``, the one union-find of
the matching stage: quotation groups use it too).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Generic, TypeVar

from provenance.config import Config
from provenance.match.align import similarity
from provenance.match.candidates import SignatureRows, Signatures
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
) -> tuple[dict[str, tuple[Duplicate, ...]], tuple[tuple[str, ...], ...]]:
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
) -> tuple[dict[str, tuple[Duplicate, ...]], tuple[tuple[str, ...], ...]]:
    """Near-duplicates per article and their clusters from the proposed article pairs
    ``(a, b, estimated Jaccard, similarity of the texts)``, in the order proposed (the
    Dask engine scores the pairs where the texts are)."""
    found: dict[str, list[Duplicate]] = {}
    components: Components[str] = Components()
    for a, b, jaccard, similar in scored:
        score = round(similar, 2)
        if score < config.align.duplicate_min_similarity:
            continue
        components.join(a, b)
        found.setdefault(a, []).append(Duplicate(a, b, jaccard, score))
        found.setdefault(b, []).append(Duplicate(b, a, jaccard, score))
    duplicates = {k: tuple(sorted(v, key=lambda d: d.other_id)) for k, v in found.items()}
    groups = components.groups(components.members())
    return duplicates, tuple(sorted(tuple(sorted(g)) for g in groups if len(g) > 1))

"""The units of matching: what is fingerprinted, the first step of the matching stage.

``passages_of`` says what the report matches: the sentences and paragraphs of an article,
with the boilerplate spans they touch (datelines, credits, captions) cut off.
``sentence_units`` says what the persistent index stores: runs of whole sentences of the
same story text. Both cut with ``story_pieces``, so offsets are exact.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from provenance.config import FingerprintConfig
from provenance.model import ArticleResult, BoilerplateSpan, Passage, SegmentKind, Span

if TYPE_CHECKING:  # numpy: the index's sentence units (a cold check) do without it
    import numpy.typing as npt

    from provenance.match.codes import Picked
    from provenance.semantic import Vectors

__all__ = [
    "MIN_PASSAGE_CHARS",
    "Checkpoints",
    "Kept",
    "KeptSteps",
    "MemoryTexts",
    "RowStore",
    "Rows",
    "SpanSink",
    "Texts",
    "in_id_order",
    "kept_column",
    "passages_of",
    "sentence_units",
    "story_pieces",
]

# The default of ``FingerprintConfig.min_passage_chars``, kept as a name for callers.
MIN_PASSAGE_CHARS = FingerprintConfig.min_passage_chars


# Left at the edge of a story piece when a credit is cut off ("WASHINGTON (AP) — " without
# its dateline leaves "— "): separators, never story text.
_EDGE_MARKS = " \t\r\n\u00a0-\u2010\u2011\u2012\u2013\u2014\u2015:|=/"


def story_pieces(
    text: str, start: int, end: int, boilerplate: Sequence[BoilerplateSpan]
) -> list[tuple[int, int]]:
    """The stretches of ``text[start:end]`` outside every boilerplate span, in order; where a
    span was cut off, the white space and separators it leaves (``_EDGE_MARKS``) go too.
    Offsets are into ``text``: the pieces are exact substrings, never rewritten text."""
    pieces = [(start, end)]
    for b in boilerplate:
        if b.end <= start or b.start >= end:
            continue
        pieces = [
            part
            for s, e in pieces
            for part in ((s, min(e, b.start)), (max(s, b.end), e))
            if part[1] > part[0]
        ]
    out: list[tuple[int, int]] = []
    for s, e in pieces:
        if s > start:  # cut after a boilerplate span: drop what the cut left at the edge
            while s < e and text[s] in _EDGE_MARKS:
                s += 1
        if e < end:
            while e > s and text[e - 1] in _EDGE_MARKS:
                e -= 1
        if e > s:
            out.append((s, e))
    return out


def passages_of(result: ArticleResult, min_chars: int = MIN_PASSAGE_CHARS) -> tuple[Passage, ...]:
    """Sentences and paragraphs of the article with the boilerplate cut off, in text order.

    A segment that touches boilerplate (a lede after its dateline "CITY (AP) — ", a last
    paragraph before its credit "(AP)") is matched on its story pieces (``story_pieces``):
    the part outside the boilerplate spans, offsets exact. A piece shorter than
    ``min_chars`` is not matched; a sentence piece that is its whole paragraph piece is
    listed once, as the paragraph."""
    text = result.article.text
    out: dict[tuple[int, int], Passage] = {}
    for seg in (*result.segmentation.paragraphs, *result.segmentation.sentences):
        if seg.end - seg.start < min_chars:
            continue
        for start, end in story_pieces(text, seg.start, seg.end, result.boilerplate):
            if end - start >= min_chars:
                out.setdefault(
                    (start, end), Passage(result.article.id, start, end, text[start:end], seg.kind)
                )
    return tuple(
        sorted(out.values(), key=lambda p: (p.start, p.kind != SegmentKind.PARAGRAPH, p.end))
    )


def sentence_units(
    result: ArticleResult, min_chars: int = MIN_PASSAGE_CHARS
) -> tuple[Passage, ...]:
    """The units of the persistent index: the story text of every paragraph (boilerplate
    cut off, ``story_pieces``) cut at its sentence ends into runs of whole sentences of at
    least ``min_chars`` each: a short sentence ("He declined.") joins the sentences after
    it (a short last run joins the run before it), so no story text of a piece is left out
    and a copied sentence is a unit of its own. A piece shorter than ``min_chars`` is not
    indexed."""
    text = result.article.text
    seg = result.segmentation
    units: list[Passage] = []
    for index, para in enumerate(seg.paragraphs):
        ends = [s.end for s in seg.sentences if s.paragraph == index]
        for start, end in story_pieces(text, para.start, para.end, result.boilerplate):
            if end - start < min_chars:
                continue
            cuts = [e for e in ends if start < e < end]
            bounds: list[tuple[int, int]] = []
            begin = start
            for cut in [*cuts, end]:
                if cut - begin >= min_chars or cut == end:
                    bounds.append((begin, cut))
                    while cut < end and text[cut].isspace():
                        cut += 1
                    begin = cut
            if len(bounds) > 1 and bounds[-1][1] - bounds[-1][0] < min_chars:
                last = bounds.pop()
                bounds[-1] = (bounds[-1][0], last[1])
            units.extend(
                Passage(result.article.id, s, e, text[s:e], SegmentKind.SENTENCE) for s, e in bounds
            )
    return tuple(units)


class Texts(Protocol):
    """Distinct texts numbered in the order they are added: in memory (``MemoryTexts``) or
    in the work store (``run.workstore.StoredTexts``), read back when alignment needs them."""

    def __len__(self) -> int: ...

    def extend(self, texts: Sequence[str]) -> None: ...

    def many(self, seqs: Sequence[int]) -> list[str]: ...


class Rows(Protocol):
    """Rows of a float32 matrix read by row number (a vector) or by a list of row numbers
    (a matrix, in that order): a numpy array, or a ``RowStore`` on disk."""

    def __len__(self) -> int: ...

    def __getitem__(self, index: Any) -> Vectors: ...


class RowStore(Rows, Protocol):
    """Where a big matrix goes instead of memory (``run.workstore.StoredRows``): rows
    appended a block at a time, read back by number."""

    def extend(self, rows: Vectors) -> None: ...

    def cut(self, count: int) -> None:
        """Drop the rows after the first ``count``."""


class Kept(Protocol):
    """Where the claim steps keep what they have found, by name, for a resumed run to take
    up (``run.workstore.WorkStore``: numpy files beside the store)."""

    def kept_arrays(self, name: str) -> Mapping[str, Any] | None: ...

    def keep_arrays(self, name: str, arrays: Mapping[str, Any]) -> None: ...


class KeptSteps(Kept, Protocol):
    """``Kept`` whose arrays can also be read a slice at a time from their file (the claim
    steps merge two kept arrays of codes that way)."""

    def kept_column(self, name: str, key: str) -> Picked | None:
        """The 1-D array ``key`` of the arrays kept as ``name`` (None: none kept)."""
        ...

    def has_arrays(self, name: str) -> bool:
        """Whether arrays are kept as ``name`` (nothing of them read)."""
        ...

    def keep_parts(
        self, name: str, key: str, dtype: npt.DTypeLike, total: int, parts: Iterable[Any]
    ) -> None:
        """Keep one 1-D array ``key`` of ``total`` values as ``name``, given as its parts
        in order (never joined in memory)."""
        ...

    def keep_blocks(
        self, name: str, kinds: Mapping[str, npt.DTypeLike], blocks: Iterable[Mapping[str, Any]]
    ) -> None:
        """Keep 1-D arrays (``kinds``: name and type) as ``name``, given a block of each at
        a time (never joined in memory)."""
        ...


class Checkpoints(KeptSteps, Protocol):
    """Where a long stage keeps what it has finished, for a resumed run to take up
    (``run.workstore.WorkStore``): values whole, and the claim steps' arrays."""

    def reduced(self, stage: str) -> Any | None: ...

    def keep(self, stage: str, value: Any) -> None: ...


def kept_column(kept: KeptSteps, name: str, key: str) -> Picked:
    """The 1-D array ``key`` of the arrays kept as ``name``, read from their file: the
    store was given them (a RuntimeError otherwise)."""
    column = kept.kept_column(name, key)
    if column is None:  # given and then dropped (a store keeps what it is given)
        raise RuntimeError(f"the work store did not keep {name}")
    return column


# Where the reuse stage's spans go, one row per article in id order, as they are made: what
# reads them back (a tuple in memory, or rows of the work store read one at a time).
SpanSink = Callable[[Iterable[tuple[Span, ...]]], Sequence[tuple[Span, ...]]]


class MemoryTexts:
    """``Texts`` in a list."""

    def __init__(self) -> None:
        self._texts: list[str] = []

    def __len__(self) -> int:
        return len(self._texts)

    def extend(self, texts: Sequence[str]) -> None:
        self._texts.extend(texts)

    def many(self, seqs: Sequence[int]) -> list[str]:
        return [self._texts[s] for s in seqs]


def in_id_order(results: Sequence[ArticleResult]) -> Sequence[ArticleResult]:
    """``results`` in article-id order: a list or tuple is sorted (a copy); any other
    sequence is a lazy one read back from the work store (``run.workstore.StoredResults``),
    already in id order, and is kept as it is so that nothing is held."""
    if isinstance(results, list | tuple):
        return sorted(results, key=lambda r: r.article.id)
    return results

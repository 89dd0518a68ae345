"""Links turned into the wire / shared candidate spans of each article and the matches they
make (used by ``reuse``; the rules are in its docstring).

    links -> per occurrence, its best-ranked sources in other outlets' articles (``Ranking``)
          -> wire or shared spans (``spans_for``) -> pruned, with their matches (``assemble``)
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import partial
from typing import TYPE_CHECKING, Protocol

import numpy as np

from provenance.config import Config
from provenance.match.align import grade
from provenance.match.articles import Ids, Lazy, Strings
from provenance.match.codes import Picked, index_type, lex_order, move_up
from provenance.match.links import Link, TextLinks, scaled, unscaled, with_self
from provenance.match.origin import UNKNOWN
from provenance.match.signatures import Matrix
from provenance.match.units import KeptSteps, SpanSink, kept_column
from provenance.model import (
    Article,
    Grade,
    Label,
    Match,
    MatchSide,
    SourceKind,
    Span,
    SpanSource,
    WordEdits,
    outlet_key,
)

if TYPE_CHECKING:
    from provenance.match.reuse import Corpus


class Ranking:
    """Occurrences of each distinct text, best source first: one permutation of the passages
    (numpy), sorted by text, then by the rank of their article (``key``), then in passage
    order."""

    def __init__(self, corpus: Corpus) -> None:
        self._corpus = corpus
        rank = corpus.articles.ranks()  # ``key``'s order, on the articles' columns
        by_text = corpus.by_text
        order = np.lexsort((rank[corpus.passage_article[by_text]], corpus.passage_text[by_text]))
        self._ranked: Matrix = by_text[order]  # lexsort is stable: passage order in a tie

    @staticmethod
    def key(a: Article) -> tuple[object, ...]:
        """Best source first: wire articles, then the earliest ``published``, then id."""
        at = a.published_at  # an instant: "-05:00" late on the 1st is after 01:00Z on the 2nd
        return (a.source_kind != SourceKind.WIRE, at is None, at.timestamp() if at else 0.0, a.id)

    def of(self, text: int) -> list[int]:
        bounds = self._corpus.bounds
        return self._ranked[bounds[text] : bounds[text + 1]].tolist()  # type: ignore[no-any-return]


def _first_of(corpus: Corpus, links: list[Link]) -> int | None:
    """The number of the article that had the texts of ``links`` first (``first_appearance``
    of their occurrences' articles, on the columns; None: unknown)."""
    bounds, by_text = corpus.bounds, corpus.by_text
    passages = [by_text[bounds[link.other] : bounds[link.other + 1]] for link in links]
    return corpus.articles.first_of(corpus.passage_article[np.concatenate(passages)])


def _contained(inner: Span, outer: Span) -> bool:
    ids = {s.article_id for s in outer.sources}
    return (
        outer.label == inner.label
        and outer.start <= inner.start
        and inner.end <= outer.end
        and outer.end - outer.start > inner.end - inner.start
        and all(s.article_id in ids for s in inner.sources)
    )


def _prune(spans: list[tuple[Span, float]]) -> list[tuple[Span, float]]:
    longest_first = sorted(spans, key=lambda e: (e[0].start - e[0].end, e[0].start))
    kept: list[tuple[Span, float]] = []
    for span, jaccard in longest_first:  # a span can only be inside a longer one
        if not any(_contained(span, outer) for outer, _ in kept):
            kept.append((span, jaccard))
    return sorted(
        kept,
        key=lambda e: (
            e[0].start,
            e[0].end,
            e[0].label,
            tuple((x.article_id, x.start, x.end) for x in e[0].sources),
        ),
    )


# ``first`` of a text not asked yet, or asked and "unknown" (else: its article's number)
_NOT_ASKED, _UNKNOWN = -2, -1

# an occurrence of a distinct text: the (text-less) article it is in, and its start there
Occurrence = tuple[Article, int]


def spans_for(
    corpus: Corpus,
    config: Config,
    links: TextLinks,
    ranking: Ranking,
    spans_to: SpanSink = tuple,
) -> tuple[Sequence[tuple[Span, ...]], MatchTable]:
    """Per article (all of them, in id order), its wire and shared spans (pruned), handed
    to ``spans_to`` as they are made; and the matches they make. An article's candidate
    spans are made when it comes (``_candidates``): only one article's are in memory."""
    made = MatchColumns(corpus.ids)

    def rows() -> Iterator[tuple[Span, ...]]:
        at = 0
        for k, candidates in _candidates(corpus, config, links, ranking):
            yield from [()] * (k - at)
            kept, matches = article_spans(corpus.ids[k], candidates)
            made.extend(matches)
            yield kept
            at = k + 1
        yield from [()] * (len(corpus.ids) - at)

    spans = spans_to(rows())
    return spans, made.table()


def _candidates(
    corpus: Corpus,
    config: Config,
    links: TextLinks,
    ranking: Ranking,
) -> Iterator[tuple[int, list[tuple[Span, float]]]]:
    """Per article with any (its number, in id order): its candidate spans with the
    estimated Jaccard of their link, in the order of its distinct texts, then passage
    order, then link order (the order ``assemble`` prunes them in)."""
    repeated = np.diff(corpus.bounds) > 1
    linked = np.zeros(len(repeated), dtype=bool)
    linked[links.texts] = True
    eligible = repeated | linked  # a unique text without alignment shares nothing
    # int32: article numbers are below 2**31 (4 bytes a distinct text: millions of them)
    firsts = np.full(len(repeated), _NOT_ASKED, dtype=np.int32)

    def ranked(text: int) -> Iterator[Occurrence]:
        return ((corpus.article_of(j), corpus.start_of(j)) for j in ranking.of(text))

    def first(u: int, mine: list[Link]) -> str:
        if firsts[u] == _NOT_ASKED:  # asked once per text: its occurrences may be many
            found = _first_of(corpus, mine)
            firsts[u] = _UNKNOWN if found is None else found
        return UNKNOWN if firsts[u] == _UNKNOWN else corpus.ids[firsts[u]]

    # where each article's passages start (an array: not an int object per article)
    cuts = np.searchsorted(corpus.passage_article, np.arange(len(corpus.ids) + 1))
    for k in range(len(cuts) - 1):
        lo, hi = int(cuts[k]), int(cuts[k + 1])
        order = np.argsort(corpus.passage_text[lo:hi], kind="stable") + lo
        found: list[tuple[Span, float]] = []
        for i, u in zip(order.tolist(), corpus.passage_text[order].tolist(), strict=True):
            if not eligible[u]:
                continue
            mine = with_self(u, int(corpus.lengths[u]), links.of_text(u))
            occurrence = [(corpus.article_of(i), corpus.start_of(i))]
            spans = text_spans(occurrence, mine, ranked, partial(first, u, mine), config)
            found.extend((span, jaccard) for _, span, jaccard in spans)
        if found:
            yield k, found


def text_spans(
    occurrences: Iterable[Occurrence],
    links: Sequence[Link],
    ranked: Callable[[int], Iterable[Occurrence]],
    first: Callable[[], str],
    config: Config,
) -> Iterator[tuple[Article, Span, float]]:
    """The candidate spans of one distinct text's ``occurrences`` (in passage order), each
    with its article and the estimated Jaccard of its link: per occurrence, per link of
    ``links`` (``with_self``), the best-ranked occurrences of the linked text (``ranked``,
    best source first) in articles of other outlets are the sources. ``first()`` names the
    first appearance, asked once, when a shared span needs it."""
    firsts: list[str] = []
    for mine, p_start in occurrences:
        for link in links:
            chosen: list[tuple[SpanSource, Article]] = []
            for theirs, q_start in ranked(link.other):
                if theirs.id == mine.id or outlet_key(theirs) == outlet_key(mine):
                    continue
                source = SpanSource(
                    theirs.id,
                    theirs.outlet,
                    q_start + link.theirs[0],
                    q_start + link.theirs[1],
                    link.score,
                    grade(link.score, config.align, link.edits),
                    theirs.published,
                    link.edits,
                )
                chosen.append((source, theirs))
                if len(chosen) >= config.align.max_sources:
                    break
            if not chosen:
                continue
            start, end = p_start + link.mine[0], p_start + link.mine[1]
            wire = [s for s, a in chosen if a.source_kind == SourceKind.WIRE]
            if wire and mine.source_kind != SourceKind.WIRE:
                agency = wire[0].outlet or wire[0].article_id
                span = Span(
                    start, end, Label.WIRE, agency=agency, evidence="alignment", sources=tuple(wire)
                )
            else:
                if not firsts:
                    firsts.append(first())
                sources = tuple(s for s, _ in chosen)
                span = Span(start, end, Label.SHARED, sources=sources, first=firsts[0])
            yield mine, span, link.estimated_jaccard


def _match(article_id: str, span: Span, source: SpanSource, jaccard: float) -> Match:
    a = MatchSide(article_id, span.start, span.end)
    b = MatchSide(source.article_id, source.start, source.end)
    if (b.article_id, b.start, b.end) < (a.article_id, a.start, a.end):
        return Match(b, a, source.score, source.grade, jaccard, source.edits.swapped())
    return Match(a, b, source.score, source.grade, jaccard, source.edits)


def article_spans(
    article_id: str, candidates: list[tuple[Span, float]]
) -> tuple[tuple[Span, ...], list[Match]]:
    """An article's candidate spans left after pruning; the matches they make."""
    kept = _prune(candidates)
    made = [_match(article_id, span, s, jaccard) for span, jaccard in kept for s in span.sources]
    return tuple(s for s, _ in kept), made


def assemble(
    candidates: Mapping[str, list[tuple[Span, float]]],
) -> tuple[dict[str, tuple[Span, ...]], tuple[Match, ...]]:
    """Per article, the candidate spans left after pruning; the matches they make."""
    spans: dict[str, tuple[Span, ...]] = {}
    matches: dict[tuple[MatchSide, MatchSide], Match] = {}
    for article_id in sorted(candidates):
        spans[article_id], made = article_spans(article_id, candidates[article_id])
        for m in made:
            matches.setdefault((m.a, m.b), m)
    return spans, in_report_order(matches)


def in_report_order(matches: Mapping[tuple[MatchSide, MatchSide], Match]) -> tuple[Match, ...]:
    """The matches sorted by their sides (article, start, end of each)."""

    def key(k: tuple[MatchSide, MatchSide]) -> tuple[object, ...]:
        return (k[0].article_id, k[0].start, k[0].end, k[1].article_id, k[1].start, k[1].end)

    return tuple(matches[k] for k in sorted(matches, key=key))


_GRADES = tuple(Grade)


class MatchColumns:
    """Matches as they are made, as columns (article numbers for ids): ``table`` keeps the
    first maker of each pair of sides and puts them in report order."""

    def __init__(self, ids: Sequence[str], position: Mapping[str, int] | None = None) -> None:
        self._ids = ids
        # an id's number: ``ids.index`` (``articles.Ids``: a binary search) without a map
        self._position = ids.index if position is None else position.__getitem__
        # a: article, start, end; b: article, start, end; grade; edits: changed, inserted,
        # deleted (int32: article numbers and a record's offsets are below 2**31). Then
        # score and estimated Jaccard.
        self._ints, self._floats = array("i"), array("d")

    def extend(self, matches: Iterable[Match]) -> None:
        """Add ``matches`` (one article's, or a partition's): each id they name is looked up
        once per call."""
        position, numbers = self._position, dict[str, int]()

        def at(article_id: str) -> int:
            found = numbers.get(article_id)
            if found is None:
                found = numbers[article_id] = position(article_id)
            return found

        for m in matches:
            a, b, e = m.a, m.b, m.edits
            grade = _GRADES.index(m.grade)
            self._ints.extend(
                (at(a.article_id), a.start, a.end, at(b.article_id), b.start, b.end, grade)
            )
            self._ints.extend((e.changed, e.inserted, e.deleted))
            self._floats.extend((m.score, m.estimated_jaccard))

    def table(self) -> MatchTable:
        """The matches made, in report order, the first maker of each pair of sides; the
        columns gathered so far are let go. The rows kept are first moved up in place
        (made order) and the columns cut to them, then put in report order: the sorted
        copy is made beside the kept rows, not beside all the rows made (a report makes
        most matches twice, once from each article)."""
        ints = np.frombuffer(self._ints, dtype=np.int32).reshape(-1, 10)
        kept = _first_made(ints, self._ranks())  # rows made, in report order
        keep = np.zeros(len(ints), dtype=bool)
        keep[kept] = True
        # where each kept row lands once moved up: the kept rows made before it
        landed = np.cumsum(keep, dtype=index_type(len(keep)))
        order = landed[kept] - 1
        del kept, landed
        count = move_up(ints, keep)
        del ints
        move_up(np.frombuffer(self._floats, dtype=np.float64).reshape(-1, 2), keep)
        del keep
        del self._ints[count * 10 :], self._floats[count * 2 :]  # their pages handed back
        ints = np.frombuffer(self._ints, dtype=np.int32).reshape(-1, 10)[order]
        self._ints = array("i")
        floats = np.frombuffer(self._floats, dtype=np.float64).reshape(-1, 2)[order]
        self._floats = array("d")
        del order
        floats, _ = scaled(floats)  # 16 bits each when every value comes back exactly
        used = np.unique(ints[:, [0, 3]])  # the articles the matches name
        ints[:, [0, 3]] = np.searchsorted(used, ints[:, [0, 3]])
        return MatchTable([self._ids[k] for k in used.tolist()], ints, floats)

    def _ranks(self) -> Matrix | None:
        """Each article's rank among the ids in str order (None: the ids are in that order,
        as a table's are)."""
        if isinstance(self._ids, Ids):
            return None
        n = len(self._ids)
        rank = np.zeros(n, dtype=index_type(n))
        rank[sorted(range(n), key=self._ids.__getitem__)] = np.arange(n)
        return rank


# Rows made sorted at once: the rows are cut into parts by side a's article (about this
# many rows a part, an article's rows never split), each part sorted and its equal sides
# found on its own: ~70 bytes a row of one part beside the rows, whatever the number of
# matches; a smaller part, one more pass over side a's column per part. At most
# ``FIRST_PARTS`` parts (parts grow past ``FIRST_PART`` rows beyond 4.2 million rows
# made): the passes stay a few dozen.
FIRST_PART = 1 << 16
FIRST_PARTS = 64


def _first_made(ints: Matrix, rank: Matrix | None, part: int = FIRST_PART) -> Matrix:
    """The rows of ``MatchColumns``' ``ints`` to keep, in report order: by side a's article
    (its ``rank``; None: its number), start and end, then side b's; of rows with the same
    six sides, the first made. Rows with the same sides have the same side a, so the rows
    are sorted and compared a part of side a's articles at a time (``part`` rows or so;
    the parts in article order): besides the rows, the arrays alive are side a's ranks
    (with ``rank``), one part's sort and the kept rows' numbers (``index_type``)."""
    a = ints[:, 0] if rank is None else rank[ints[:, 0]]
    kind = index_type(len(ints))
    if not len(a):
        return np.zeros(0, dtype=kind)
    ends = np.cumsum(np.bincount(a))  # the rows of articles up to each one
    part = max(part, -(-len(a) // FIRST_PARTS))
    targets = np.arange(part, int(ends[-1]), part)
    bounds = np.unique(np.r_[0, np.searchsorted(ends, targets) + 1, len(ends)])
    kept = []
    for lo, hi in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        rows = np.flatnonzero((a >= lo) & (a < hi))
        sides = ints[rows, :6]
        b = sides[:, 3] if rank is None else rank[sides[:, 3]]
        # stable: of equal sides the first made (rows ascending) comes first
        order = lex_order((sides[:, 5], sides[:, 4], b, sides[:, 2], sides[:, 1], a[rows]))
        del b
        sides = sides[order]
        first = np.r_[True, np.any(sides[1:] != sides[:-1], axis=1)]
        kept.append(rows[order[first]].astype(kind))
        del rows, sides, order, first
    return np.concatenate(kept)


class MatchRows(Protocol):
    """A matrix read by slices of rows: an array, or ``_KeptRows``."""

    @property
    def shape(self) -> tuple[int, ...]: ...

    def __len__(self) -> int: ...

    def __getitem__(self, index: slice, /) -> Matrix: ...


# Matches read at once when the sides of a kept table are gathered (40 bytes each).
SIDES_READ = 1 << 16


class _KeptRows:
    """Rows of ``width`` values kept end to end in one column of the work store (a
    ``KeptColumn``), read a slice of rows at a time."""

    def __init__(self, column: Picked, width: int) -> None:
        self._column = column
        self._width = width

    @property
    def shape(self) -> tuple[int, int]:
        return len(self._column) // self._width, self._width

    def __len__(self) -> int:
        return len(self._column) // self._width

    def __getitem__(self, index: slice, /) -> Matrix:
        start, stop, _ = index.indices(len(self))
        width = self._width
        return self._column[start * width : max(start, stop) * width].reshape(-1, width)


class MatchTable(Lazy[Match]):
    """The matches in report order as numpy columns (int32, then score and estimated
    Jaccard as ``links.scaled`` has them: uint16 when exact, else float64; 44 or 56 bytes
    a match), a ``Match`` made when one is read; the ids of the articles they name in one
    UTF-8 buffer. ``kept`` moves the columns to the work store, read back a slice at a
    time."""

    def __init__(self, ids: Sequence[str] | Strings, ints: MatchRows, floats: MatchRows) -> None:
        self._names = ids if isinstance(ids, Strings) else Strings(ids)
        self._ints = ints
        self._floats = floats

    def kept(self, kept: KeptSteps, name: str) -> MatchTable:
        """This table with its columns kept in the work store as ``name`` and read from
        there (the rows of a few matches at a time): what memory held of them is let go
        by the caller dropping this table. It pickles with the columns' file, not them."""
        if not isinstance(self._ints, np.ndarray) or not isinstance(self._floats, np.ndarray):
            return self  # kept already
        widths = {"ints": self._ints.shape[1], "floats": self._floats.shape[1]}
        kept.keep_arrays(name, {"ints": self._ints.reshape(-1), "floats": self._floats.reshape(-1)})
        ints, floats = (_KeptRows(kept_column(kept, name, k), w) for k, w in widths.items())
        return MatchTable(self._names, ints, floats)

    def __len__(self) -> int:
        return len(self._ints)

    def sides(self) -> tuple[Sequence[str], Matrix, Matrix, Matrix, Matrix]:
        """The matches' sides without a ``Match`` each: the ids they name (``names``),
        and per match, its side a's article (a number into ``names``) and length, then
        side b's (kept columns: read ``SIDES_READ`` matches at a time)."""
        ints = self._ints
        if isinstance(ints, np.ndarray):
            return (
                Ids(self._names),
                ints[:, 0],
                ints[:, 2] - ints[:, 1],
                ints[:, 3],
                ints[:, 5] - ints[:, 4],
            )
        a, a_len, b, b_len = (np.empty(len(ints), dtype=np.int32) for _ in range(4))
        for lo in range(0, len(ints), SIDES_READ):
            rows = ints[lo : lo + SIDES_READ]
            hi = lo + len(rows)
            a[lo:hi], b[lo:hi] = rows[:, 0], rows[:, 3]
            a_len[lo:hi] = rows[:, 2] - rows[:, 1]
            b_len[lo:hi] = rows[:, 5] - rows[:, 4]
        return Ids(self._names), a, a_len, b, b_len

    def _id(self, k: int) -> str:
        name = self._names[k]
        assert name is not None  # an id is never None
        return name

    def _made(self, start: int, stop: int) -> list[Match]:
        out = []
        ints = self._ints[start:stop].tolist()
        floats = unscaled(self._floats[start:stop]).reshape(-1, 2).tolist()
        for (a, a0, a1, b, b0, b1, g, c, i, d), (score, j) in zip(ints, floats, strict=True):
            out.append(
                Match(
                    MatchSide(self._id(a), a0, a1),
                    MatchSide(self._id(b), b0, b1),
                    score,
                    _GRADES[g],
                    j,
                    WordEdits(c, i, d),
                )
            )
        return out

    def __iter__(self) -> Iterator[Match]:
        for at in range(0, len(self), 4096):
            yield from self._made(at, at + 4096)

    def _get(self, k: int) -> Match:
        return self._made(k, k + 1)[0]

"""Records passed between the stages of the pipeline.

Every record is a frozen dataclass; labels and kinds are enums. Offsets are always
character offsets (Python ``str`` indices) into ``Article.text`` as ingested.
Stages return new records and never mutate their inputs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any, Generic, TypeVar
from urllib.parse import urlsplit

K = TypeVar("K")
V = TypeVar("V")


class FrozenMap(Mapping[K, V], Generic[K, V]):
    """A read-only mapping that pickles (``MappingProxyType`` does not), so that records
    can be sent to worker processes and written to a work store."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[K, V] | None = None) -> None:
        self._data: dict[K, V] = dict(data or {})

    def __getitem__(self, key: K) -> V:
        return self._data[key]

    def __iter__(self) -> Iterator[K]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"FrozenMap({self._data!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenMap, (self._data,))


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATE_TIME = re.compile(
    r"(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})"
)


def parse_instant(value: str) -> datetime | None:
    """The instant (UTC) that a ``published`` value names, or None if it is neither form.

    A date alone (``2024-05-02``) is the start of that day in UTC; a date-time must carry
    its offset (RFC 3339: ``Z`` or ``+09:00``) and is converted to UTC, so that
    ``2024-05-01T23:00:00-05:00`` (04:00 UTC on the 2nd) comes after
    ``2024-05-02T01:00:00+00:00``. A leap second (``:60``) is the next second."""
    try:
        if _DATE.fullmatch(value):
            return datetime.combine(date.fromisoformat(value), datetime.min.time(), UTC)
        found = _DATE_TIME.fullmatch(value)
        if found is None:
            return None
        day, minutes, seconds, fraction, offset = found.groups()
        leap = seconds == "60"
        stamp = f"{day}T{minutes}:{'59' if leap else seconds}{fraction or ''}"
        offset = "+00:00" if offset in ("Z", "z") else offset
        instant = datetime.fromisoformat(stamp + offset).astimezone(UTC)
    except (ValueError, OverflowError):
        return None
    return instant + timedelta(seconds=1) if leap else instant


class SourceKind(StrEnum):
    """Who published an article: a news outlet, a wire agency, or a press office."""

    OUTLET = "outlet"
    WIRE = "wire"
    PRESS_RELEASE = "press_release"


class Label(StrEnum):
    """The origin of a span of text. Precedence: boilerplate > wire > shared > original."""

    BOILERPLATE = "boilerplate"
    WIRE = "wire"
    SHARED = "shared"
    ORIGINAL = "original"


LABEL_PRECEDENCE: tuple[Label, ...] = (
    Label.BOILERPLATE,
    Label.WIRE,
    Label.SHARED,
    Label.ORIGINAL,
)


class BoilerplateReason(StrEnum):
    """Why a span is boilerplate (the report's ``reason`` field)."""

    READ_ALSO = "read_also"
    PROMO = "promo"
    COMMENTS_MARKER = "comments_marker"
    READER_COMMENT = "reader_comment"
    COMMENT_WIDGET = "comment_widget"
    BYLINE = "byline"
    CAPTION = "caption"
    PHOTO_CREDIT = "photo_credit"
    CREDIT_LINE = "credit_line"
    DATELINE = "dateline"
    SHARE = "share"
    NAVIGATION = "navigation"
    FOOTER = "footer"
    OUTLET_REPEAT = "outlet_repeat"
    GENERATED_FILLER = "generated_filler"
    CONSENT = "consent"  # cookie / consent / privacy notices
    CAPTCHA = "captcha"  # "I am not a robot", blocked-IP pages
    MEDIA_PLAYER = "media_player"  # "Your browser does not support the audio element."
    SYNDICATION = "syndication"  # "(This story ... is auto-generated from a syndicated feed.)"
    PRESS_CONTACT = "press_contact"  # press-office contact footers
    TEMPLATE = "template"  # same sentence in many outlets' articles, no story anchors


class SegmentKind(StrEnum):
    PARAGRAPH = "paragraph"
    SENTENCE = "sentence"


class Grade(StrEnum):
    """How closely a matched passage follows its source."""

    VERBATIM = "verbatim"
    EDITED = "edited"
    REWRITTEN = "rewritten"


class CreditKind(StrEnum):
    """The form of an explicit wire credit found in the text."""

    DATELINE = "dateline"  # "WASHINGTON (AP) —", "KATHMANDU, April 25 (Reuters) -"
    CREDIT_LINE = "credit_line"  # "[서울=뉴시스]", "© Reuters", "Reporting by ...; Editing by ..."
    PHOTO_CREDIT = "photo_credit"  # "... = AP/Newsis" ending a caption
    SIGN_OFF = "sign_off"  # "... (AP)", "— PTI", "contributed to this report"
    METADATA = "metadata"  # the article's authors or outlet name an agency


def _frozen_mapping(value: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return value if isinstance(value, FrozenMap) else FrozenMap(value)


@dataclass(frozen=True)
class Origin:
    """Where a record came from, for error messages: a file and a record locator."""

    path: str  # file path as given by the user, or "<stdin>"
    record: str | None = None  # "line 3" (jsonl), "[2]" (json list), None for whole-file records


@dataclass(frozen=True)
class Article:
    """One article as ingested. ``text`` is exactly the stored text (BOM removed)."""

    id: str
    text: str
    title: str | None = None
    outlet: str | None = None
    url: str | None = None
    published: str | None = None  # ISO date or date-time, as given
    source_kind: SourceKind = SourceKind.OUTLET
    language: str | None = None
    authors: tuple[str, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=FrozenMap)
    origin: Origin | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "extra", _frozen_mapping(self.extra))

    @property
    def published_at(self) -> datetime | None:
        """``published`` as an instant in UTC (see ``parse_instant``), None if unknown."""
        return parse_instant(self.published) if self.published else None

    def without_text(self) -> Article:
        """The article with an empty text and no extra fields: what the corpus-wide stages
        keep of every article (outlet, date, kind), a small fixed cost per article."""
        return Article(
            self.id,
            "",
            self.title,
            self.outlet,
            self.url,
            self.published,
            self.source_kind,
            self.language,
            self.authors,
        )

    def metadata(self) -> dict[str, Any]:
        """The article's metadata as it appears in records and reports (no text)."""
        return {
            "id": self.id,
            "title": self.title,
            "outlet": self.outlet,
            "url": self.url,
            "published": self.published,
            "source_kind": self.source_kind.value,
            "language": self.language,
            "authors": list(self.authors),
        }


def outlet_key(article: Article, *, by_host: bool = False) -> str:
    """The outlet ``article`` is compared by: its ``outlet``, case and outer space folded.
    Without one: its URL's host when ``by_host`` (the boilerplate rules: pages of one site
    share their chrome), else the article is an outlet of its own (``#`` and its id), so
    that matching never takes two outlet-less articles for one outlet's repeats."""
    if article.outlet:
        return article.outlet.strip().casefold()
    if by_host and article.url:
        host = (urlsplit(article.url).hostname or "").removeprefix("www.")
        if host:
            return host
    return f"#{article.id}"


@dataclass(frozen=True)
class Segment:
    """A paragraph or a sentence: ``text == article.text[start:end]``."""

    start: int
    end: int
    text: str
    kind: SegmentKind
    index: int  # position among segments of the same kind
    paragraph: int  # index of the enclosing paragraph (itself, for paragraphs)


@dataclass(frozen=True)
class Segmentation:
    """Paragraphs (non-blank lines or blocks) and the sentences inside them."""

    paragraphs: tuple[Segment, ...]
    sentences: tuple[Segment, ...]

    def sentences_of(self, paragraph: int) -> tuple[Segment, ...]:
        return tuple(s for s in self.sentences if s.paragraph == paragraph)


@dataclass(frozen=True)
class Passage:
    """A unit of text that is fingerprinted and matched: a sentence or a paragraph."""

    article_id: str
    start: int
    end: int
    text: str
    kind: SegmentKind


@dataclass(frozen=True)
class BoilerplateSpan:
    """A stretch of text that is not part of the story, and why."""

    start: int
    end: int
    reason: BoilerplateReason
    rule: str  # identifier of the pattern or rule that fired, e.g. "en.read_also.1"


@dataclass(frozen=True)
class WireCredit:
    """An explicit credit to a wire agency and the block of text it credits."""

    agency: str  # canonical agency name from the lexicon, e.g. "Newsis"
    kind: CreditKind
    start: int  # the credit's own span (evidence); -1 when it comes from metadata
    end: int
    block_start: int  # the text the credit covers
    block_end: int
    text: str  # the credit as written ("[서울=뉴시스]"), or the metadata value

    @property
    def agencies(self) -> tuple[str, ...]:
        """Every agency the credit names: a joint credit "AP/Reuters" names two."""
        return tuple(self.agency.split("/"))


@dataclass(frozen=True)
class CitedSource:
    """An agency cited as the source of a statement ("according to Tass")."""

    agency: str
    start: int  # the mention
    end: int
    sentence_start: int  # the sentence that cites it
    sentence_end: int
    text: str  # the mention as written


@dataclass(frozen=True)
class WordEdits:
    """How the words of a copy differ from its source, after normalising case, Unicode
    (NFKC), white space and punctuation (typographic quotes and dashes included: only
    ``\\w+`` words are compared). ``changed``: source words replaced one for one;
    ``inserted``: words of the copy with no counterpart; ``deleted``: source words the copy
    dropped."""

    changed: int = 0
    inserted: int = 0
    deleted: int = 0

    @property
    def total(self) -> int:
        return self.changed + self.inserted + self.deleted

    def swapped(self) -> WordEdits:
        """The same edits seen from the source (what one inserted, the other deleted)."""
        return WordEdits(self.changed, self.deleted, self.inserted)


@dataclass(frozen=True)
class MatchSide:
    article_id: str
    start: int
    end: int


@dataclass(frozen=True)
class Match:
    """Two passages of two articles that say the same thing, as aligned by rapidfuzz."""

    a: MatchSide
    b: MatchSide
    score: float  # 0..100, rapidfuzz similarity of the aligned spans
    grade: Grade
    estimated_jaccard: float  # MinHash estimate that proposed the candidate
    edits: WordEdits = WordEdits()  # words of side a against side b


@dataclass(frozen=True)
class SpanSource:
    """Evidence for a wire or shared span: the other article and its matching span."""

    article_id: str
    outlet: str | None
    start: int
    end: int
    score: float
    grade: Grade
    published: str | None
    edits: WordEdits = WordEdits()  # the span's words against this source's


@dataclass(frozen=True)
class Span:
    """One labelled stretch of an article. The spans of an article partition its text."""

    start: int
    end: int
    label: Label
    reason: BoilerplateReason | None = None  # boilerplate only
    rule: str | None = None  # boilerplate only
    agency: str | None = None  # wire only
    evidence: str | None = None  # wire only: "alignment" or "credit"
    credit: WireCredit | None = None  # wire by credit
    sources: tuple[SpanSource, ...] = ()  # wire by alignment, shared
    first: str | None = None  # shared: id of the article that had it first, or "unknown"
    # wire: agencies of the aligned wire articles that the credit covering the span does not
    # name (an "(AP)" dateline over text aligned with a Reuters story)
    credit_mismatch: tuple[str, ...] = ()


@dataclass(frozen=True)
class Duplicate:
    """A near-duplicate article pair: estimated and verified similarity."""

    article_id: str
    other_id: str
    estimated_jaccard: float
    similarity: float  # verified, 0..100


class Confidence(StrEnum):
    """How far a claim link can be trusted (see match/claims.py for the rules)."""

    STRONG = "strong"
    POSSIBLE = "possible"


@dataclass(frozen=True)
class ClaimLink:
    """Why an occurrence belongs to its group: its match with the group's claim text."""

    lexical: float  # sorted-word similarity (rapidfuzz, 0-100)
    semantic: float | None  # embedding cosine (0-1), None without a model
    anchors: tuple[str, ...]  # names and numbers shared with the claim text (anchors.py)
    confidence: Confidence


@dataclass(frozen=True)
class ClaimOccurrence:
    article_id: str
    outlet: str | None
    start: int
    end: int
    score: float  # the lexical score of the link (100 for the claim text itself)
    published: str | None
    language: str | None = None
    link: ClaimLink | None = None  # None: this is the group's claim text itself


@dataclass(frozen=True)
class ClaimGroup:
    """A claim repeated across outlets: the claim text (the group's centre) and every
    occurrence, each matched directly with that text (never through a chain)."""

    id: str
    text: str  # the claim text (the centre's)
    occurrences: tuple[ClaimOccurrence, ...]
    first: str  # article id of the first appearance, or "unknown"
    confidence: Confidence = Confidence.STRONG


@dataclass(frozen=True)
class Quote:
    """A direct quotation in one article: ``start``/``end`` include the quotation marks."""

    start: int
    end: int
    text: str  # the words inside the marks, trimmed
    speaker: str | None  # the best name: resolved when the text gives a pronoun or role
    speaker_start: int  # the speaker as the text gives it (-1 when there is none)
    speaker_end: int
    mention: str | None  # the speaker as written ("he", "the spokeswoman", "Zakharova")
    resolved: str | None  # how ``speaker`` was found beyond the mention: "pronoun", "role",
    # "surname" (a full name earlier in the text), "continuation" (a broken quotation)
    cue: str | None  # "said", "according to", "sagte"
    cue_start: int
    cue_end: int


@dataclass(frozen=True)
class WordChange:
    """One word-level difference of an occurrence from its group's text."""

    removed: str  # words of the group's text that this occurrence does not have
    added: str  # words it has instead
    start: int  # the added words' span in the occurrence's article (start == end: none)
    end: int


@dataclass(frozen=True)
class QuoteOccurrence:
    article_id: str
    outlet: str | None
    start: int
    end: int
    speaker: str | None
    speaker_start: int
    speaker_end: int
    score: float  # alignment with the group's text, 0-100
    published: str | None
    resolved: str | None = None
    truncated: bool = False
    changes: tuple[WordChange, ...] = ()


@dataclass(frozen=True)
class QuoteGroup:
    """One quotation and every article that prints it (one occurrence when it is alone)."""

    id: str
    text: str
    speaker: str | None
    first: str  # article id, or "unknown"
    flags: tuple[str, ...]  # "altered", "truncated", "speaker_mismatch"
    occurrences: tuple[QuoteOccurrence, ...]


@dataclass(frozen=True)
class ArticleResult:
    """Everything the pipeline found about one article."""

    article: Article
    segmentation: Segmentation
    boilerplate: tuple[BoilerplateSpan, ...] = ()
    wire_credits: tuple[WireCredit, ...] = ()
    cited_sources: tuple[CitedSource, ...] = ()
    spans: tuple[Span, ...] = ()
    duplicates: tuple[Duplicate, ...] = ()
    quotes: tuple[Quote, ...] = ()

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled (the work store keeps one per article; a pool's workers send them back)
        without its segments' texts, which are cut from the article's text again when
        unpickled: each was a copy of a part of it (the article's text stored three times).
        A segment whose text is not that part (made by hand) keeps the whole form."""
        text = self.article.text
        segments = (self.segmentation.paragraphs, self.segmentation.sentences)
        rest = tuple(getattr(self, f.name) for f in fields(self)[2:])  # after the segments
        if any(s.text != text[s.start : s.end] for group in segments for s in group):
            return (ArticleResult, (self.article, self.segmentation, *rest))
        rows = tuple(
            tuple((s.start, s.end, s.kind, s.index, s.paragraph) for s in group)
            for group in segments
        )
        return (_article_result, (self.article, rows, *rest))

    def composition(self) -> dict[str, float]:
        """Share of characters per label (whitespace included), rounded to 4 places."""
        total = len(self.article.text)
        counts = {label.value: 0 for label in LABEL_PRECEDENCE}
        for span in self.spans:
            counts[span.label.value] += span.end - span.start
        if total == 0:
            return dict.fromkeys(counts, 0.0)
        return {k: round(v / total, 4) for k, v in counts.items()}


# a segment as pickled within its ``ArticleResult``: start, end, kind, index, paragraph
_SegmentRow = tuple[int, int, SegmentKind, int, int]


def _article_result(
    article: Article, rows: tuple[tuple[_SegmentRow, ...], ...], *rest: Any
) -> ArticleResult:
    """An ``ArticleResult`` unpickled: its segments' texts cut from the article's text."""
    text = article.text
    paragraphs, sentences = (
        tuple(Segment(a, b, text[a:b], kind, k, p) for a, b, kind, k, p in group) for group in rows
    )
    return ArticleResult(article, Segmentation(paragraphs, sentences), *rest)


@dataclass(frozen=True)
class CorpusResult:
    """The result of a whole run, in article-id order."""

    articles: tuple[ArticleResult, ...]
    matches: Sequence[Match] = ()  # a tuple, or a lazy sequence (``reuse_spans.MatchTable``)
    claims: Sequence[ClaimGroup] = ()  # a tuple, or a lazy sequence (``claim_groups.ClaimTable``)
    clusters: tuple[tuple[str, ...], ...] = ()  # near-duplicate clusters of article ids
    quotes: Sequence[QuoteGroup] = ()  # a tuple, or rows of the work store read back

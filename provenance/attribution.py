"""Wire attribution: credit lines and datelines that credit text to an agency, and agencies
cited as the source of a statement.

Data: ``data/agencies.toml``, compiled by ``agencies.AgencyLexicon``.

Which block a credit covers (``WireCredit.block_start`` / ``block_end``):

- A *story break* is a paragraph that belongs to no story: one that starts inside a
  boilerplate span whose reason is byline, caption, photo_credit, credit_line, dateline,
  reader_comment, comments_marker or comment_widget, or one that holds another credit.
  Other boilerplate inside a story ("(Read Also: ...)") does not break it: boilerplate wins
  over wire in the partition anyway.
- ``forward`` credits (a dateline "WASHINGTON (AP) —" at the start of a paragraph, or
  "[서울=뉴시스]" followed by text) cover from the end of the credit to the end of the last
  paragraph before the next story break.
- A forward credit alone on the last line of a story ("(AP)" under the last paragraph) is
  taken as ``backward``: nothing follows it to credit.
- ``backward`` credits (a credit line or sign-off ending the story: "[서울=뉴시스]" alone on
  its line, "Reporting by ...; Editing by ...", "© Reuters", "... contributed to this report",
  "— PTI") cover from the start of the first paragraph after the previous story break (or
  the start of the text) to the start of the credit. Text after a backward credit (in seed
  001 an "Interview Transcript" and filler) is therefore never credited.
- ``paragraph`` credits (a photo credit "= AP/Newsis" ending a caption) cover their own
  paragraph up to the credit. Several agencies in one credit are joined: "AP/Newsis".
- Metadata: an author string naming an agency ("Associated Press", "By X, AP Auto Writer")
  or an outlet that is an agency ("Reuters", "hosted.ap.org") gives a ``metadata`` credit
  with ``start = end = -1`` covering the whole text.

A cited source ("According to the Interfax news agency, ...") is an agency mention outside
any credit with a citation cue in the same sentence; it never makes text wire copy.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from provenance.agencies import HANGUL, WORD, AgencyLexicon, CreditRule
from provenance.model import (
    Article,
    BoilerplateReason,
    BoilerplateSpan,
    CitedSource,
    CreditKind,
    Label,
    Segment,
    Segmentation,
    Span,
    WireCredit,
)
from provenance.regex_hint import Folded

R = BoilerplateReason
_STOP_REASONS = frozenset(
    {
        R.BYLINE,
        R.CAPTION,
        R.PHOTO_CREDIT,
        R.CREDIT_LINE,
        R.DATELINE,
        R.READER_COMMENT,
        R.COMMENTS_MARKER,
        R.COMMENT_WIDGET,
    }
)
_CREDIT_REASON = {
    CreditKind.DATELINE: R.DATELINE,
    CreditKind.CREDIT_LINE: R.CREDIT_LINE,
    CreditKind.SIGN_OFF: R.CREDIT_LINE,
    CreditKind.PHOTO_CREDIT: R.PHOTO_CREDIT,
}
_SPLIT_AUTHOR = re.compile(r"\s*(?:[,;/|]|\band\b|\bund\b|&)\s*", re.IGNORECASE)
_ROLE = re.compile(
    r"(?:writers?|correspondents?|reporters?|staff|redaktion|journalists?|bureau|news)\s*$",
    re.IGNORECASE,
)


# ------------------------------------------------------------------ credits in the text


@dataclass(frozen=True)
class _Raw:
    rule: CreditRule
    paragraph: int
    start: int
    end: int
    agency: str
    forward: bool


_Window = tuple[int, Folded]  # where in the paragraph it starts, and its text


def _windows(text: str, edge: int) -> dict[str, _Window | None]:
    """The windows of a paragraph the credit rules search, by their ``where``: credits sit
    at the edges of a paragraph, so only ``edge`` characters at the start or the end are
    searched (this keeps the big alias alternations from being tried at every position of
    long paragraphs), and whole-line rules only paragraphs up to ``edge`` long (None). Made
    once per paragraph, with their lower-case forms, for all the rules."""
    start = (0, Folded(text[:edge]))
    if len(text) <= edge:
        return {"start": start, "end": start, "line": start}
    at = len(text) - edge
    return {"start": start, "end": (at, Folded(text[at:])), "line": None}


def _match(rule: CreditRule, window: Folded) -> re.Match[str] | None:
    """The rule's match in its window of a paragraph (``_windows``)."""
    if rule.hint is not None and not rule.hint.may_match(window):
        return None
    if rule.requires is not None and not rule.requires.search(window.text):
        return None
    if rule.where == "line":
        return rule.pattern.fullmatch(window.text)
    if rule.where == "start":
        return rule.pattern.match(window.text)
    return rule.pattern.search(window.text)  # end rules are compiled with a \Z anchor


def _raw_credits(segmentation: Segmentation, lexicon: AgencyLexicon) -> list[_Raw]:
    out: list[_Raw] = []
    edge = lexicon.edge_window
    for index, para in enumerate(segmentation.paragraphs):
        taken: list[tuple[int, int]] = []
        windows = _windows(para.text, edge)
        for rule in lexicon.credits:
            window = windows[rule.where]
            if window is None:
                continue
            offset, folded = window
            match = _match(rule, folded)
            if match is None:
                continue
            start, end = (offset + i for i in match.span("credit"))
            if any(s < end and start < e for s, e in taken):
                continue
            named = rule.agencies(match)
            names = lexicon.names_in(named) if named else [rule.agency] if rule.agency else []
            if not names or start == end:
                continue
            forward = rule.covers == "forward" or (
                rule.covers == "auto" and bool(para.text[end:].strip())
            )
            taken.append((start, end))
            out.append(
                _Raw(rule, index, para.start + start, para.start + end, "/".join(names), forward)
            )
    return out


def _breaks(
    segmentation: Segmentation, boilerplate: Sequence[BoilerplateSpan], raws: Sequence[_Raw]
) -> set[int]:
    stops = {r.paragraph for r in raws}
    spans = sorted((b for b in boilerplate if b.reason in _STOP_REASONS), key=lambda b: b.start)
    for index, para in enumerate(segmentation.paragraphs):
        if any(b.start <= para.start < b.end for b in spans):
            stops.add(index)
    return stops


def find_credits(
    article: Article,
    segmentation: Segmentation,
    lexicon: AgencyLexicon,
    boilerplate: Sequence[BoilerplateSpan] = (),
) -> tuple[WireCredit, ...]:
    """Credits found in the text and in the metadata (see the module docstring)."""
    paras = segmentation.paragraphs
    raws = _raw_credits(segmentation, lexicon)
    stops = _breaks(segmentation, boilerplate, raws)
    credits: list[WireCredit] = []
    for raw in raws:
        para = paras[raw.paragraph]
        closes = raw.forward and _closes_story(article.text, paras, stops, raw)
        if raw.rule.covers == "paragraph":
            block = (para.start, raw.start)
        elif raw.forward and not closes:
            last = raw.paragraph
            while last + 1 < len(paras) and last + 1 not in stops:
                last += 1
            block = (raw.end, paras[last].end)
        else:
            first, end = raw.paragraph, raw.start
            if not article.text[para.start : raw.start].strip():
                first -= 1  # the credit is its own line: the block ends above it
                end = paras[first].end if first >= 0 else 0
            if first < 0 or (first != raw.paragraph and first in stops):
                block = (raw.start, raw.start)  # nothing above to credit
            else:
                while first - 1 >= 0 and first - 1 not in stops:
                    first -= 1
                block = (paras[first].start, end)
        text = article.text[raw.start : raw.end]
        start, end = _trim(article.text, *block)
        kind = CreditKind.SIGN_OFF if closes else raw.rule.kind
        credits.append(WireCredit(raw.agency, kind, raw.start, raw.end, start, end, text.strip()))
    credits.extend(metadata_credits(article, lexicon))
    return tuple(sorted(credits, key=lambda c: (c.start, c.end, c.agency, c.kind.value)))


def _closes_story(text: str, paras: Sequence[Segment], stops: set[int], raw: _Raw) -> bool:
    """A forward credit alone on its line with no story after it ("(AP)" as the last line)
    credits the story above, like a sign-off."""
    para = paras[raw.paragraph]
    alone = not text[para.start : raw.start].strip() and not text[raw.end : para.end].strip()
    nxt = raw.paragraph + 1
    return alone and (nxt >= len(paras) or nxt in stops)


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def metadata_credits(article: Article, lexicon: AgencyLexicon) -> list[WireCredit]:
    """Credits from authors naming an agency and from an outlet that is an agency."""
    length = len(article.text)
    found: dict[str, str] = {}
    for author in article.authors:
        for part in _SPLIT_AUTHOR.split(author.strip()):
            part = re.sub(r"^(?:by|von|par|por)\s+|^the\s+", "", part.strip(), flags=re.I)
            name = _author_agency(part, lexicon)
            if name:
                found.setdefault(name, author)
    agency = lexicon.agency_of_outlet(article.outlet)
    if agency:
        found.setdefault(agency, article.outlet or "")
    return [
        WireCredit(name, CreditKind.METADATA, -1, -1, 0, length, value)
        for name, value in sorted(found.items())
    ]


def _author_agency(part: str, lexicon: AgencyLexicon) -> str | None:
    exact = lexicon.canonical.get(part.casefold())
    if exact and lexicon.any_alias.fullmatch(part):
        return exact
    match = lexicon.any_alias.match(part)
    if match and _ROLE.search(part[match.end() :]):
        return lexicon.canonical.get(match.group().casefold())
    match = lexicon.any_alias.search(part)
    if match and match.end() == len(part) and " " in match.group():
        return lexicon.canonical.get(match.group().casefold())  # "Detroit News wire services"
    return None


def credit_boilerplate(credits: Sequence[WireCredit]) -> tuple[BoilerplateSpan, ...]:
    """The credits' own spans as boilerplate (dateline, credit_line, photo_credit)."""
    return tuple(
        BoilerplateSpan(c.start, c.end, _CREDIT_REASON[c.kind], f"credit.{c.kind.value}")
        for c in credits
        if c.kind in _CREDIT_REASON and c.end > c.start
    )


def merge_boilerplate(
    detected: Sequence[BoilerplateSpan], credits: Sequence[WireCredit]
) -> tuple[BoilerplateSpan, ...]:
    """Detected spans plus the credits' own spans; a credit span replaces detected spans it
    overlaps on a whole paragraph-free stretch (a line "[서울=뉴시스]" is a credit line, not
    navigation)."""
    own = credit_boilerplate(credits)
    kept = [d for d in detected if not any(o.start <= d.start and d.end <= o.end for o in own)]
    return tuple(sorted([*kept, *own], key=lambda s: (s.start, s.end, s.reason.value, s.rule)))


def credit_mismatches(
    spans: Sequence[Span], credits: Sequence[WireCredit], lexicon: AgencyLexicon
) -> tuple[Span, ...]:
    """``spans`` with ``credit_mismatch`` set on wire spans that a credit covers and that
    align with a wire article of an agency the covering credits do not name (a joint credit
    "AP/Reuters" names both). Evidence for the reader: the credit may be wrong, or the text
    came from another agency than the one credited."""
    out: list[Span] = []
    for span in spans:
        covering = [c for c in credits if c.block_start < span.end and span.start < c.block_end]
        if span.label != Label.WIRE or not span.sources or not covering:
            out.append(span)
            continue
        named = {a for c in covering for a in c.agencies}
        aligned = {lexicon.agency_of_wire(s.outlet) for s in span.sources}
        missing = tuple(sorted(a for a in aligned if a is not None and a not in named))
        out.append(replace(span, credit_mismatch=missing) if missing else span)
    return tuple(out)


# ------------------------------------------------------------------ cited sources


def find_cited_sources(
    article: Article,
    segmentation: Segmentation,
    lexicon: AgencyLexicon,
    credits: Sequence[WireCredit] | None = None,
) -> tuple[CitedSource, ...]:
    """Agencies cited as a source of a sentence ("according to Tass"), outside credits
    (found here unless the caller passes them)."""
    if credits is None:
        credits = find_credits(article, segmentation, lexicon)
    text = article.text
    taken = [(c.start, c.end) for c in credits if c.start >= 0]
    out: list[CitedSource] = []
    for sent in segmentation.sentences:
        for match in _mentions(lexicon, text, sent.start, sent.end):
            start, end = match.span()
            if any(s < end and start < e for s, e in taken):
                continue
            agency = lexicon.canonical.get(match.group().casefold())
            before_window, after_window, _ = lexicon.cue_windows
            before = text[max(sent.start, start - before_window) : start]
            after = text[end : min(sent.end, end + after_window)]
            cue = lexicon.cue_before.search(before) or _cue_after(lexicon, after)
            if agency and cue:
                out.append(CitedSource(agency, start, end, sent.start, sent.end, match.group()))
    return tuple(out)


def _mentions(lexicon: AgencyLexicon, text: str, start: int, end: int) -> list[re.Match[str]]:
    """Alias mentions in text[start:end]. The big alias alternation is only tried where a
    word starts an alias (one dictionary look-up per word), which keeps this linear and fast
    on long texts; Hangul words may carry a particle, so their heads match as prefixes."""
    out: list[re.Match[str]] = []
    heads, hangul = lexicon.mention_heads, lexicon.hangul_heads
    for word in WORD.finditer(text, start, end):
        token = word.group().casefold()
        if token in heads or (HANGUL.match(token) and token.startswith(hangul)):
            match = lexicon.mention.match(text, word.start(), end)
            if match and (not out or match.start() >= out[-1].end()):
                out.append(match)
    return out


def _cue_after(lexicon: AgencyLexicon, after: str) -> bool:
    match = lexicon.cue_after.search(after)
    # only a few connecting words may stand between the name and the cue
    return match is not None and len(after[: match.start()].split()) <= lexicon.cue_windows[2]

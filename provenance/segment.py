"""Split an article into paragraphs and sentences, with offsets into ``Article.text``.

Rules (each justified by how scraped news text looks):
- A paragraph is one non-blank line, trimmed of white space (CR included). Scraped articles
  put one paragraph per line, with or without blank lines between; headlines, bylines,
  captions and list items ("- Expanded weapons ...") are lines of their own.
- Sentences are split inside a paragraph after ``. ! ? …`` (plus closing quotes or brackets)
  followed by white space and a character that is not a lowercase letter, and after the CJK
  full stops ``。！？`` even with no space. A period after an abbreviation from
  ``data/abbreviations.txt`` or after a single cased letter (an initial, "U.S.") does not
  split, unless the abbreviation can close a sentence ("U.S.", "Inc.") and a sentence
  starter follows ("... with the U.S. Additionally, ..."). Korean sentences end in "다."
  followed by a space and split like Latin ones.
- Every non-white-space character of the text is inside exactly one sentence, and
  ``text[s.start:s.end] == s.text`` for every segment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

from provenance.model import Segment, Segmentation, SegmentKind

_BOUNDARY = re.compile(
    r"[.!?…]+[\"'”’»)\]]*(?=\s)"  # Latin-style: needs white space after
    r"|[。！？]+[」』”’）)]*"  # CJK full stops: no space needed
)
_LEADING_PUNCT = "([{\"'“‘«"


@dataclass(frozen=True)
class Abbreviations:
    """Lower-cased tokens (without their final period) that do not end a sentence.

    ``before_number`` holds those that only count when a number follows ("No. 5", "Vol. 2"),
    because they are also ordinary words that can end a sentence ("He said no.").
    ``may_end`` are abbreviations that can also close a sentence ("... in the U.S. He said"):
    after one of them, or after any dotted initialism, a word from ``starters`` starts a new
    sentence. Titles ("Dr.", "Lt.") are not in ``may_end``: a name always follows them.
    """

    words: frozenset[str]
    before_number: frozenset[str] = frozenset()
    may_end: frozenset[str] = frozenset()
    starters: frozenset[str] = frozenset()

    @classmethod
    def parse(cls, raw: str) -> Abbreviations:
        """Read the data file format (see ``data/abbreviations.txt``): one entry a line,
        ``#`` comments; ``word #`` only before a number, ``word +`` may end a sentence,
        ``^word`` a sentence starter."""
        entries = [ln.strip().lower() for ln in raw.splitlines()]
        entries = [e for e in entries if e and not e.startswith("#")]
        marked = {mark: {e[:-1].strip() for e in entries if e.endswith(mark)} for mark in "#+"}
        return cls(
            words=frozenset(
                e.removesuffix("+").strip() for e in entries if e[-1] != "#" and e[0] != "^"
            ),
            before_number=frozenset(marked["#"]),
            may_end=frozenset(marked["+"]),
            starters=frozenset(e[1:] for e in entries if e.startswith("^")),
        )

    @classmethod
    def load(cls) -> Abbreviations:
        raw = resources.files("provenance").joinpath("data/abbreviations.txt").read_text("utf-8")
        return cls.parse(raw)

    def holds(self, word: str, next_word: str) -> bool:
        """Whether the period after ``word``, with ``next_word`` after it, does not end a
        sentence."""
        word = word.lower()
        if word in self.before_number:
            return next_word[:1].isdigit()
        dotted = len(word) >= 3 and word[-2] == "." and word[-1].isalpha()  # "u.s", "e.g"
        if not (dotted or word in self.words):
            return False
        starts = next_word.lower().rstrip(",;:") in self.starters
        return not (starts and (dotted or word in self.may_end))


def _token_before(text: str, end: int, floor: int) -> str:
    start = end
    while start > floor and not text[start - 1].isspace():
        start -= 1
    return text[start:end].lstrip(_LEADING_PUNCT)


def _word_at(text: str, start: int, limit: int) -> str:
    end = start
    while end < limit and not text[end].isspace():
        end += 1
    return text[start:end]


def _is_initial(word: str) -> bool:
    """A single cased letter ("J." in "J. Smith"); Hangul or Han syllables have no case and
    can be whole words ("돼.")."""
    return len(word) == 1 and word.isalpha() and word.lower() != word.upper()


def _sentence_bounds(
    text: str, start: int, end: int, abbreviations: Abbreviations
) -> list[tuple[int, int]]:
    """Sentence (start, end) pairs of the trimmed line ``text[start:end]``."""
    bounds: list[tuple[int, int]] = []
    current = start
    for match in _BOUNDARY.finditer(text, start, end):
        stop = match.end()
        following = stop
        while following < end and text[following].isspace():
            following += 1
        if following >= end:
            break
        if text[following].islower():
            continue
        mark = match.group()
        if mark.startswith(".") and not mark.startswith(".."):
            word = _token_before(text, match.start(), current)
            if abbreviations.holds(word, _word_at(text, following, end)) or _is_initial(word):
                continue
        bounds.append((current, stop))
        current = following
    bounds.append((current, end))
    return bounds


def _lines(text: str) -> list[tuple[int, int]]:
    """Trimmed (start, end) of every non-blank line."""
    out: list[tuple[int, int]] = []
    pos = 0
    length = len(text)
    while pos <= length:
        newline = text.find("\n", pos)
        line_end = length if newline == -1 else newline
        s, e = pos, line_end
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if s < e:
            out.append((s, e))
        if newline == -1:
            break
        pos = newline + 1
    return out


def segment(text: str, abbreviations: Abbreviations | None = None) -> Segmentation:
    """Paragraphs and sentences of ``text``."""
    abbreviations = abbreviations or Abbreviations.load()
    paragraphs: list[Segment] = []
    sentences: list[Segment] = []
    for p_index, (p_start, p_end) in enumerate(_lines(text)):
        paragraphs.append(
            Segment(p_start, p_end, text[p_start:p_end], SegmentKind.PARAGRAPH, p_index, p_index)
        )
        for s_start, s_end in _sentence_bounds(text, p_start, p_end, abbreviations):
            while s_end > s_start and text[s_end - 1].isspace():
                s_end -= 1
            if s_start < s_end:
                sentences.append(
                    Segment(
                        s_start,
                        s_end,
                        text[s_start:s_end],
                        SegmentKind.SENTENCE,
                        len(sentences),
                        p_index,
                    )
                )
    return Segmentation(tuple(paragraphs), tuple(sentences))

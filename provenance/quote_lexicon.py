"""The quotation lexicons (``data/quotes/<language>.toml``) and the quotation-mark scanner.

A quotation runs from an opening mark of a pair in the lexicon to the first matching closing
mark in the same paragraph; marks of other pairs inside it are nested quotations and are
skipped. A quotation whose paragraph ends without a closing mark continues when the next
paragraph opens with the same mark (the print convention for quotations over several
paragraphs); otherwise it is dropped. Straight and single marks only open at the start of a
word and close at its end, so apostrophes ("Russia’s") are not marks.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from types import MappingProxyType

_AMBIGUOUS = frozenset("\"'‘’")  # marks that are also apostrophes or both open and close
_MAX_PARAGRAPHS = 8  # a quotation is not followed over more paragraphs than this


@dataclass(frozen=True)
class QuoteLexicon:
    """The quotation word lists of one language (or of all, merged)."""

    openers: Mapping[str, frozenset[str]]  # opening mark -> its closing marks
    cue_source: str  # the cues' alternation, compiled on first use (``cues``)
    source_after: frozenset[str]
    after_only: frozenset[str]
    pronouns: frozenset[str]
    roles: frozenset[str]
    institutions: frozenset[str]
    not_names: frozenset[str]
    joiners: frozenset[str]
    determiners: frozenset[str]
    subject_particles: tuple[str, ...]
    adverbs: frozenset[str]
    object_cues: frozenset[str]
    verb_first: bool  # after a quotation the verb comes first ("„...“, sagte er")
    verb_final: bool  # a cue late in its clause ends it (German subordinate word order)
    verb_suffixes: tuple[str, ...]
    title_nouns: frozenset[str]  # a quotation right after one of these is a name or a title
    capitalised_nouns: bool  # every noun is capitalised and compounds are one word (German)
    reported_verbs: frozenset[str]  # verb forms that mark reported speech (German "sei")
    sentence_after: bool  # "“... .” X said." : a short sentence after a quotation attributes it

    @classmethod
    def of(cls, tables: Sequence[Mapping[str, object]]) -> QuoteLexicon:
        def words(key: str) -> frozenset[str]:
            return frozenset(str(w).casefold() for t in tables for w in _list(t, key))

        openers: dict[str, set[str]] = {}
        for t in tables:
            for pair in _list(t, "marks"):
                if isinstance(pair, list) and len(pair) == 2:
                    openers.setdefault(str(pair[0]), set()).add(str(pair[1]))
        # Cues match as written (so "States" in "United States" is no cue); those that name
        # their source after them also match capitalised, at the start of a sentence.
        written = {str(w) for t in tables for w in _list(t, "cues")}
        after = {str(w) for t in tables for w in _list(t, "source_after")}
        written |= {c[:1].upper() + c[1:] for c in after}
        cues = sorted(written, key=lambda c: (-len(c), c))
        pattern = "|".join(r"\s+".join(map(re.escape, c.split())) for c in cues) or "(?!)"
        return cls(
            openers=MappingProxyType({k: frozenset(v) for k, v in openers.items()}),
            cue_source=rf"(?<!\w)(?:{pattern})(?!\w)",
            source_after=words("source_after"),
            after_only=words("after_only"),
            pronouns=words("pronouns"),
            roles=words("roles"),
            institutions=words("institutions"),
            not_names=words("not_names"),
            joiners=words("joiners"),
            determiners=words("determiners"),
            subject_particles=tuple(sorted(words("subject_particles"))),
            adverbs=words("adverbs"),
            object_cues=words("object_cues"),
            verb_first=any(bool(t.get("verb_first")) for t in tables),
            verb_final=any(bool(t.get("verb_final")) for t in tables),
            verb_suffixes=tuple(sorted(words("verb_suffixes"))),
            title_nouns=words("title_nouns"),
            capitalised_nouns=any(bool(t.get("capitalised_nouns")) for t in tables),
            reported_verbs=words("reported_verbs"),
            sentence_after=any(bool(t.get("sentence_after")) for t in tables),
        )

    @cached_property
    def cues(self) -> re.Pattern[str]:
        """The cue words as one pattern, compiled when the lexicon is first used: an article
        reads its own language's lexicon, so a one-article ``check`` compiles one of the six
        (the merged one, of every language, is the largest)."""
        return re.compile(self.cue_source)

    @cached_property
    def opening_marks(self) -> re.Pattern[str]:
        """Any one-character opening mark: where ``quote_spans`` tries a quotation."""
        marks = sorted(k for k in self.openers if len(k) == 1)
        return re.compile("[" + "".join(map(re.escape, marks)) + "]" if marks else "(?!)")


def _list(table: Mapping[str, object], key: str) -> list[object]:
    value = table.get(key, [])
    return list(value) if isinstance(value, list) else []


@dataclass(frozen=True)
class QuoteLexicons:
    """Every language's lexicon, and all of them merged for texts of unknown language."""

    languages: Mapping[str, QuoteLexicon]
    merged: QuoteLexicon

    @classmethod
    def load(cls) -> QuoteLexicons:
        folder = resources.files("provenance").joinpath("data/quotes")
        tables: dict[str, dict[str, object]] = {}
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):
            if entry.name.endswith(".toml"):
                data = tomllib.loads(entry.read_text("utf-8"))
                tables[str(data["language"])] = data
        return cls(
            MappingProxyType({k: QuoteLexicon.of([v]) for k, v in tables.items()}),
            QuoteLexicon.of(list(tables.values())),
        )

    def for_language(self, language: str | None) -> QuoteLexicon:
        key = (language or "").split("-")[0].split("_")[0].casefold()
        return self.languages.get(key, self.merged)


# --- quotation marks ---------------------------------------------------------------------


def _can_open(text: str, i: int) -> bool:
    ch = text[i]
    if ch not in _AMBIGUOUS:
        return True
    before = text[i - 1] if i else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    return not before.isalnum() and not after.isspace()


def _can_close(text: str, k: int) -> bool:
    ch = text[k]
    if ch not in _AMBIGUOUS:
        return True
    before = text[k - 1]
    after = text[k + 1] if k + 1 < len(text) else " "
    return not before.isspace() and not after.isalnum()


def _find_close(text: str, i: int, closers: frozenset[str]) -> int | None:
    """End (exclusive) of the quotation opened at ``i``, following it over paragraphs."""
    opening = text[i]
    pos = i + 1
    for _ in range(_MAX_PARAGRAPHS):
        line_end = text.find("\n", pos)
        line_end = len(text) if line_end < 0 else line_end
        for k in range(pos, line_end):
            if text[k] in closers and _can_close(text, k):
                return k + 1
        nxt = line_end
        while nxt < len(text) and text[nxt].isspace():
            nxt += 1
        if nxt >= len(text) or text[nxt] != opening:
            return None
        pos = nxt + 1
    return None


def quote_spans(text: str, lexicon: QuoteLexicon) -> list[tuple[int, int]]:
    """(start, end) of every top-level quotation, marks included, in text order."""
    spans: list[tuple[int, int]] = []
    i = 0
    marks = lexicon.opening_marks
    while (found := marks.search(text, i)) is not None:  # the next opening mark
        i = found.start()
        if not _can_open(text, i):
            i += 1
            continue
        end = _find_close(text, i, lexicon.openers[text[i]])
        if end is None or end - i < 3:
            i += 1
            continue
        spans.append((i, end))
        i = end
    return spans

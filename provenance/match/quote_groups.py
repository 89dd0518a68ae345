"""Quotations across articles: the same words in several articles, who printed them first,
and who changed them.

    quotations -> units (the whole quotation and each of its sentences) -> MinHash of their
               content words (as for claims: an altered quotation keeps most of its words but
               few of its word trigrams)
               -> LSH candidates -> rapidfuzz alignment -> groups -> word-level differences

A truncated quotation (a part of a longer one) shares few shingles with the whole, so each
sentence of a quotation is signed too; any unit pair that LSH proposes makes its two
quotations candidates. ``align.align_texts`` locates the shorter quotation inside the longer
and scores it; at ``QuoteConfig.match_min_score`` or more they are one quotation (connected
components). Quotations shorter than ``QuoteConfig.match_min_words`` are listed alone.

Each group's ``text`` is the longest version printed by the article that had it first (when
that is ``unknown``: the version printed most often, then the longest). Every occurrence is
compared word by word (case and punctuation folded) with its closest version: the group's
text when the two align (``match_min_score``), else the occurrence it aligns with best (a
group is a connected component: two members may be linked only through a third). Against
that version:
- ``truncated``: the occurrence covers less than ``QuoteConfig.truncated_max_share`` of its
  words;
- ``altered``: words differ inside the stretch the occurrence covers (words missing only at
  its ends are truncation, not alteration); each difference is a ``WordChange``;
- ``speaker_mismatch``: the two name speakers who are not the same person (names match when
  one's words contain the other's last word: "Zakharova" / "Maria Zakharova").
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import TYPE_CHECKING

from provenance.config import Config, QuoteConfig
from provenance.fingerprint import normalize
from provenance.match.align import align_texts
from provenance.match.origin import first_appearance
from provenance.model import (
    Article,
    ArticleResult,
    Quote,
    QuoteGroup,
    QuoteOccurrence,
    WordChange,
)

if TYPE_CHECKING:
    from provenance.match.candidates import SignatureRows
    from provenance.match.quote_corpus import GroupSink, Quotations
    from provenance.run.local import Executor

_WORD = re.compile(r"\w+(?:[’'\-]\w+)*", re.UNICODE)
_SENTENCE = re.compile(r"(?<=[.!?…])\s+")

ALTERED = "altered"
TRUNCATED = "truncated"
SPEAKER_MISMATCH = "speaker_mismatch"


@dataclass(frozen=True)
class Located:
    """A quotation of an article (the article without its text: ``Article.without_text``)."""

    article: Article
    quote: Quote
    lead: int  # white space between the opening mark and the first word (``_lead``)


@dataclass(frozen=True)
class Comparison:
    """How an occurrence's words relate to a reference version."""

    score: float  # align_texts score, 0-100
    covered: float  # share of the reference's words the occurrence covers
    changes: tuple[WordChange, ...]


def _words(text: str) -> list[tuple[str, int, int]]:
    """(folded word, start, end) of every word of ``text``."""
    return [(normalize(m.group()), m.start(), m.end()) for m in _WORD.finditer(text)]


def word_count(text: str) -> int:
    return len(_WORD.findall(text))


def compare(reference: str, other: str, offset: int = 0) -> Comparison:
    """Word-level comparison of ``other`` with ``reference``; change spans are offsets of
    ``other`` plus ``offset`` (the position of ``other`` in its article)."""
    ref, occ = _words(reference), _words(other)
    found = align_texts(reference, other, edits=False)
    score = found.score if found is not None else 0.0
    total = len(ref)
    if found is not None and len(reference) > len(other):
        # only the stretch of the longer version that the shorter one aligns with
        ref = [w for w in ref if w[2] > found.a_start and w[1] < found.a_end]
    ops = SequenceMatcher(None, [w for w, _, _ in ref], [w for w, _, _ in occ], autojunk=False)
    codes = ops.get_opcodes()
    while codes and codes[0][0] != "equal":
        codes.pop(0)
    while codes and codes[-1][0] != "equal":
        codes.pop()
    changes: list[WordChange] = []
    covered = 0
    if codes:
        covered = codes[-1][2] - codes[0][1]
    for tag, i1, i2, j1, j2 in codes:
        if tag == "equal":
            continue
        removed = " ".join(reference[s:e] for _, s, e in ref[i1:i2])
        added = " ".join(other[s:e] for _, s, e in occ[j1:j2])
        if j1 < j2:
            start, end = offset + occ[j1][1], offset + occ[j2 - 1][2]
        else:
            start = end = offset + (occ[j1][1] if j1 < len(occ) else len(other))
        changes.append(WordChange(removed, added, start, end))
    return Comparison(round(score, 2), covered / max(1, total), tuple(changes))


def _last(name: str) -> str:
    parts = normalize(name).replace("’s", "").split()
    return parts[-1] if parts else ""


def same_speaker(a: str | None, b: str | None) -> bool:
    """Whether two speaker names can be one person (an unknown speaker matches anyone)."""
    if a is None or b is None:
        return True
    wa, wb = set(normalize(a).split()), set(normalize(b).split())
    return _last(a) in wb or _last(b) in wa


def _unit_texts(text: str, config: QuoteConfig) -> list[str]:
    """The units of a quotation signed for LSH: the whole and each sentence long enough (none
    when the quotation is too short to match)."""
    if word_count(text) < config.match_min_words:
        return []
    parts = [p for p in _SENTENCE.split(text) if word_count(p) >= config.match_min_words]
    return list(dict.fromkeys([text, *parts]))


def _units(items: Sequence[Located], config: QuoteConfig) -> tuple[list[str], list[int]]:
    texts: list[str] = []
    owner: list[int] = []
    for n, item in enumerate(items):
        units = _unit_texts(item.quote.text, config)
        texts.extend(units)
        owner.extend([n] * len(units))
    return texts, owner


def linked(a: Quote, b: Quote, config: QuoteConfig) -> float | None:
    """The alignment score of two quotations when they are one, else ``None``."""
    if min(word_count(a.text), word_count(b.text)) < config.match_min_words:
        return None
    return aligned(a.text, b.text, config)


def aligned(a: str, b: str, config: QuoteConfig) -> float | None:
    """``linked`` of two quotation texts known to be long enough (both have units)."""
    found = align_texts(a, b, edits=False)
    if found is None or found.score < config.match_min_score:
        return None
    return found.score


def _best_speaker(names: Sequence[str]) -> str | None:
    if not names:
        return None
    counts = Counter(_last(n) for n in names)
    top = max(counts.values())
    lead = next(n for n in names if counts[_last(n)] == top)
    return max((n for n in names if _last(n) == _last(lead)), key=lambda n: (len(n), n))


def group(members: Sequence[Located], config: QuoteConfig, gid: str) -> QuoteGroup:
    """One group from its quotations (in article-id, then text order)."""
    origin = (
        first_appearance([m.article for m in members])
        if len(members) > 1
        else (members[0].article.id)
    )
    from_first = [m for m in members if m.article.id == origin]
    if from_first:
        reference = max(from_first, key=lambda m: word_count(m.quote.text))
    else:  # no first: the version printed most often, then the longest, then the earliest
        votes = Counter(" ".join(w for w, _, _ in _words(m.quote.text)) for m in members)
        reference = min(
            members,
            key=lambda m: (
                -votes[" ".join(w for w, _, _ in _words(m.quote.text))],
                -word_count(m.quote.text),
                m.article.published is None,
                m.article.published or "",
                m.article.id,
            ),
        )
    flags: set[str] = set()
    occurrences: list[QuoteOccurrence] = []
    for m in members:
        q = m.quote
        partner = _partner(m, members, reference, config)
        cmp = compare(partner.quote.text, q.text, q.start + 1 + m.lead)
        truncated = cmp.covered < config.truncated_max_share
        flags |= {ALTERED} if cmp.changes else set()
        flags |= {TRUNCATED} if truncated else set()
        if not same_speaker(q.speaker, partner.quote.speaker):
            flags.add(SPEAKER_MISMATCH)
        occurrences.append(
            QuoteOccurrence(
                m.article.id,
                m.article.outlet,
                q.start,
                q.end,
                q.speaker,
                q.speaker_start,
                q.speaker_end,
                cmp.score if m is not reference else 100.0,
                m.article.published,
                q.resolved,
                truncated,
                cmp.changes,
            )
        )
    speakers = [q.speaker for q in (m.quote for m in members) if q.speaker is not None]
    return QuoteGroup(
        gid,
        reference.quote.text,
        reference.quote.speaker or _best_speaker(speakers),
        origin,
        tuple(sorted(flags)),
        tuple(occurrences),
    )


# At most this many other occurrences are aligned to find an occurrence's closest version.
_MAX_PARTNERS = 20


def _partner(
    m: Located, members: Sequence[Located], reference: Located, config: QuoteConfig
) -> Located:
    """The version an occurrence is compared with: the group's reference when the two align,
    else the occurrence it aligns with best (groups are connected components, so a member
    may be linked to the reference only through others)."""
    if m is reference:
        return m
    best: tuple[float, Located] | None = None
    # the first members but ``m`` and the reference: no pass over a large group's members
    # for each of them
    first = members[: _MAX_PARTNERS + 2]
    others = [x for x in first if x is not m and x is not reference][:_MAX_PARTNERS]
    for x in [reference, *others]:
        found = align_texts(x.quote.text, m.quote.text, edits=False)
        score = found.score if found is not None else 0.0
        if x is reference and score >= config.match_min_score:
            return x
        if best is None or score > best[0]:
            best = (score, x)
    return best[1] if best is not None else reference


def _lead(text: str, q: Quote) -> int:
    """White space between the opening mark and the quotation's first word."""
    inner = text[q.start + 1 : q.end - 1]
    return len(inner) - len(inner.lstrip())


def find_quote_groups(
    results: Sequence[ArticleResult],
    config: Config,
    *,
    rows_to: Quotations | None = None,
    signatures_to: SignatureRows | None = None,
    groups_to: GroupSink = tuple,
    executor: Executor | None = None,
) -> Sequence[QuoteGroup]:
    """Every quotation of ``results`` in a group (alone when no other article prints it),
    groups in order of their first occurrence (article id, offset). ``results`` (in id
    order, or a list) is read through once: the quotations go to ``rows_to``, the
    signatures of their units to ``signatures_to`` (default for both: memory), read back
    when aligned and grouped, and the groups to ``groups_to`` as they are made (default:
    a tuple); ``executor`` aligns the candidate pairs and makes the groups (default: this
    process); see ``quote_corpus``."""
    # the corpus-wide steps, imported here: the comparisons above are all that a
    # ``provenance check`` needs of this module
    from provenance.match import quote_corpus as corpus

    rows = rows_to if rows_to is not None else corpus.MemoryQuotations()
    read = corpus.read(results, config, rows, signatures_to)
    roots = corpus.roots(read, rows, config, executor)
    return groups_to(corpus.groups(read, roots, rows, config, executor))

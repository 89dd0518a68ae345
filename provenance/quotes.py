"""Direct quotations of one article: their spans, speakers and cues.

    quotation marks -> spans -> attribution (after, before, continuation) -> resolution

Rules (the word lists are ``data/quotes/<language>.toml``; thresholds in ``QuoteConfig``):

- Quotation spans come from ``quote_lexicon.quote_spans`` (marks, nesting, paragraphs).
- The speaker comes, in this order, from the text right after the quotation ("..., said X",
  "..., X said"; only after a quotation that ends in a comma, a question or exclamation mark
  or is followed by a comma), from its sentence before it ("X said: ...", "said X: ...",
  "X ..., stating that ..."; a quotation that opens a sentence after one ending in a colon
  takes that sentence), or from the previous quotation when only a short stretch (its own
  attribution) separates them ("“...,” said X. “...”": a broken quotation). Where the
  lexicon says ``sentence_after`` (English), a short sentence after a quotation that closes
  its own sentence attributes it ("“... .” X told AFP."). German reported speech (a
  Konjunktiv I verb in the main clause, no cue) takes the speaker mention of the sentence
  before ("Stoiber begründete ... Damit seien „...“").
- A speaker given as a pronoun or a role ("he", "the spokeswoman") is resolved to the
  nearest earlier full name (two or more capitalised words) and marked ``resolved``; a
  single surname takes an earlier full name ending in it ("Zakharova" -> "Maria Zakharova").
- Which quotation-marked spans are quotations (not titles, names, scare quotes) is decided
  in ``quote_filters``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from provenance.config import QuoteConfig
from provenance.model import Quote
from provenance.quote_filters import keep, reported, titled
from provenance.quote_lexicon import QuoteLexicon as QuoteLexicon
from provenance.quote_lexicon import QuoteLexicons as QuoteLexicons
from provenance.quote_lexicon import quote_spans
from provenance.quote_phrases import (
    TITLES,
    TOKEN,
    WORD,
    Mention,
    Words,
    appositive,
    best_name,
    clause_follows,
    head_ok,
    np_after,
    np_before,
    paragraph_bounds,
    referent_of,
    sentence_start,
    subject,
    word_core,
)

_CLAUSE_STOP = re.compile(r"[,;:\n()\[\]–—]|\s-\s")
_POST_WINDOW = 240  # characters after a quotation searched for its attribution
_CONTINUATION_GAP = 240  # most characters between two parts of a broken quotation
# “... .” X said on Monday. : most words before the cue, and after it, of a sentence that
# attributes the quotation before it; more finds longer descriptions ("X, the polling guru
# who founded ..., tweeted") at the risk of taking a new statement about X for its source.
_SENTENCE_AFTER_WORDS = 12


# --- attribution -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Attribution:
    mention: Mention
    cue: Mention | None


def _after(text: str, q_end: int, limit: int, lex: QuoteLexicon) -> _Attribution | None:
    inner = text[: q_end - 1].rstrip("\"'’”»")  # a nested quotation may close it: ,’”
    inner_end = inner[-1:]
    lead = re.match(r"[ \t]*([,.;:–—-]?)[ \t]*", text[q_end:limit])
    if lead is None:
        return None
    pos = q_end + lead.end()
    comma = lead.group(1) == "," or inner_end in ",?!…—-"
    if not comma:
        nxt = text[pos : pos + 1]
        if lex.sentence_after and inner_end == "." and lead.group(1) == "" and nxt.isupper():
            return _sentence_after(text, pos, limit, lex)
        if not (nxt.islower() and lead.group(1) in ("", ",")):
            return None
    stop = _CLAUSE_STOP.search(text, pos, limit)
    sentence_end = next(
        (
            m
            for m in re.finditer(r"[.!?](?=\s|$)", text[pos:limit])
            if not _after_title(text, pos + m.start())
        ),
        None,
    )
    cue = lex.cues.match(text, pos, limit)
    verb = _VERB.match(text, pos, limit) if lex.verb_first and comma else None
    if cue is None and verb is not None and word_core(verb.group(1)) not in lex.determiners:
        cue = verb  # German "„...“, erinnerte sich Trotnow": the verb comes first
    if cue is not None:
        m = np_after(text, cue.end(), limit, lex)
        if m is None and lex.verb_first:  # "so urteilte Romney", "mit diesen Worten meldete er"
            skip = _VERB.match(text, cue.end() + 1, limit)
            m = np_after(text, skip.end(), limit, lex) if skip else None
        if m is not None:
            return _Attribution(appositive(text, m, limit, lex), _mention(text, cue))
        return None
    clause_end = min(
        stop.start() if stop else limit,
        pos + sentence_end.end() if sentence_end else limit,
    )
    for cue in lex.cues.finditer(text, pos, clause_end):
        return _post_subject(text, pos, cue.start(), _mention(text, cue), lex)
    for tok in TOKEN.finditer(text, pos, clause_end):  # “...,” Trump barked
        word = tok.group().rstrip(",.;:")
        if word.islower() and word.endswith(lex.verb_suffixes) and len(word) > 4:
            return _post_subject(
                text, pos, tok.start(), Mention(tok.start(), tok.start() + len(word), word), lex
            )
    if lex.sentence_after:  # “...,” Ramos, 58, told AFP: a speaker with an aside, then the cue
        return _sentence_after(text, pos, limit, lex)
    return None


def _sentence_after(text: str, pos: int, limit: int, lex: QuoteLexicon) -> _Attribution | None:
    """“... .” Nate Silver, the polling guru, tweeted on Wednesday. A short sentence after
    a quotation that closes its own sentence attributes it when it is only a speaker, a cue
    and a short adjunct (no "that" clause: "X said that ..." reports something else)."""
    end = next(
        (
            pos + m.start()
            for m in re.finditer(r"[.!?](?=\s|$)", text[pos:limit])
            if not _after_title(text, pos + m.start())
        ),
        None,
    )
    if end is None:
        return None
    cue = lex.cues.search(text, pos, end)
    if cue is None or len(text[pos : cue.start()].split()) > _SENTENCE_AFTER_WORDS:
        return None
    tail = text[cue.end() : end].split()
    if len(tail) > _SENTENCE_AFTER_WORDS or any(word_core(w) == "that" for w in tail):
        return None
    m = np_after(text, pos, cue.start(), lex)
    if m is None or m.start != pos:
        return None
    return _Attribution(m, _mention(text, cue))


def _post_subject(
    text: str, pos: int, cue_start: int, cue: Mention, lex: QuoteLexicon
) -> _Attribution | None:
    """“...,” <speaker> <cue>: whatever short phrase stands between the quotation and the
    cue, if it opens with a name, a determiner or a pronoun."""
    words = text[pos:cue_start].split()
    if not words or len(words) > 6:
        return None
    first = words[0]
    if not (head_ok(first, lex) or word_core(first) in lex.determiners):
        return None
    end = cue_start
    while end > pos and text[end - 1].isspace():
        end -= 1
    return _Attribution(Mention(pos, end, text[pos:end]), cue)


def _next_word(text: str, pos: int) -> int:
    while pos < len(text) and text[pos].isspace():
        pos += 1
    return pos


def _after_title(text: str, dot: int) -> bool:
    """Whether the period at ``dot`` closes a title or an initial ("Gov.", "J.")."""
    word = text[max(0, dot - 12) : dot].split()[-1:]
    bare = word_core(word[0]) if word else ""
    return len(bare) <= 1 or bare in TITLES


def _mention(text: str, m: re.Match[str]) -> Mention:
    return Mention(m.start(), m.end(), text[m.start() : m.end()])


def _before(
    text: str,
    start: int,
    q_start: int,
    lex: QuoteLexicon,
    uncued: bool,
    skip: Sequence[tuple[int, int]] = (),
) -> _Attribution | None:
    cues = [
        c
        for c in lex.cues.finditer(text, start, q_start)
        if c.group().casefold() not in lex.after_only
        and not any(a <= c.start() < b for a, b in skip)
    ]
    if not cues:
        if lex.subject_particles:
            return _particle_subject(text, start, q_start, lex)
        # no cue: the sentence's subject said it ("Rubio bemoaned ... “literally hate”")
        m = subject(text, start, q_start, lex) if uncued else None
        return _Attribution(m, None) if m is not None else None
    cue = cues[-1]
    word = cue.group().casefold()
    after = None if word in lex.object_cues else np_after(text, cue.end(), q_start, lex)
    if after is None and len(cues) > 1:
        # "zitierte Papandreou mit den Worten:": a cue with no speaker after it defers to
        # an earlier cue of its clause that names its source after it
        earlier = cues[-2]
        found = np_after(text, earlier.end(), cue.start(), lex)
        if (
            earlier.group().casefold() in lex.source_after
            and found is not None
            and not _CLAUSE_STOP.search(text, earlier.end(), cue.start())
        ):
            cue, word, after = earlier, earlier.group().casefold(), found
    inverted = lex.verb_first and after is not None and after.start == _next_word(text, cue.end())
    if after is not None and (
        word in lex.source_after or inverted or clause_follows(text, after, q_start)
    ):
        # "said X:", "according to X, ...", German "teilte dessen Stellvertreter ... mit:"
        return _Attribution(appositive(text, after, q_start, lex), _mention(text, cue))
    late = lex.verb_final and len(text[start : cue.start()].split()) > 3
    opener = subject(text, start, cue.start(), lex)
    if late and opener is not None:
        # German: a cue late in its clause ends it ("Stoiber hatte die Rolle ... betont:"),
        # and the phrase before it is an object; the subject opens the clause
        return _Attribution(opener, _mention(text, cue))
    if word not in lex.source_after:
        m = np_before(text, start, cue.start(), lex)
        if m is not None:
            return _Attribution(m, _mention(text, cue))
    if opener is not None:
        return _Attribution(opener, _mention(text, cue))
    if after is not None:
        return _Attribution(appositive(text, after, q_start, lex), _mention(text, cue))
    return None


def _particle_subject(text: str, start: int, end: int, lex: QuoteLexicon) -> _Attribution | None:
    """Korean: the last phrase before the quotation ending in a topic or subject particle."""
    found = None
    for tok in TOKEN.finditer(text, start, end):
        word = tok.group().rstrip(",")
        for p in lex.subject_particles:
            if word.endswith(p) and len(word) > len(p):
                found = Mention(tok.start(), tok.start() + len(word) - len(p), word[: -len(p)])
                break
    return _Attribution(found, None) if found else None


_VERB = re.compile(r"\s*([a-zäöüß]+(?:\s+(?:sich|es))?)(?=\s)")


def _reporter(
    text: str,
    p_start: int,
    s_start: int,
    found: Sequence[Quote],
    lex: QuoteLexicon,
    config: QuoteConfig,
) -> _Attribution | None:
    """Reported speech goes on from the sentence before, in the same paragraph: its
    quotation's speaker, or else whoever that sentence names as speaking (its subject)."""
    if s_start <= p_start:
        return None
    prev_start = sentence_start(text, s_start - 1, p_start)
    for q in reversed(found):
        if prev_start <= q.start < s_start and q.speaker is not None and q.speaker_start >= 0:
            mention = Mention(q.speaker_start, q.speaker_end, q.mention or q.speaker)
            cue = Mention(q.cue_start, q.cue_end, q.cue) if q.cue else None
            return _Attribution(mention, cue)
    end = s_start
    while end > prev_start and not text[end - 1].isalnum():
        end -= 1
    if end <= prev_start:
        return None
    return _before(text, prev_start, end, lex, config.subject_without_cue)


def extract(text: str, lexicon: QuoteLexicon, config: QuoteConfig) -> tuple[Quote, ...]:
    """The direct quotations of ``text`` with their speakers."""
    spans = quote_spans(text, lexicon)
    words = Words(text, lexicon, spans)  # read only as far as a name search asks
    found: list[Quote] = []
    prev_end = 0
    prev: Quote | None = None
    for n, (q_start, q_end) in enumerate(spans):
        p_start, _ = paragraph_bounds(text, q_start)
        _, p_end = paragraph_bounds(text, max(q_start, q_end - 1))
        next_start = spans[n + 1][0] if n + 1 < len(spans) else len(text)
        limit = min(p_end, next_start, q_end + _POST_WINDOW)
        attribution = _after(text, q_end, limit, lexicon)
        floor = max(p_start, prev_end)
        s_start = sentence_start(text, q_start, floor)
        if attribution is None and text[s_start:q_start].strip():
            attribution = _before(text, s_start, q_start, lexicon, config.subject_without_cue)
        if attribution is None and s_start == floor > p_start:
            # the sentence holds an earlier quotation: "Cruz says his “friend” Rubio ran “...”"
            s_full = sentence_start(text, q_start, p_start)
            attribution = _before(text, s_full, q_start, lexicon, config.subject_without_cue, spans)
        elif attribution is None and s_start == p_start and p_start > 0:
            # A quotation that opens its paragraph after a line ending in a colon
            prev_line_start, prev_line_end = paragraph_bounds(text, max(0, p_start - 2))
            line = text[prev_line_start:prev_line_end].rstrip()
            if line.endswith(":") and prev_line_start >= prev_end:
                sent = sentence_start(text, prev_line_start + len(line), prev_line_start)
                attribution = _before(
                    text, sent, prev_line_start + len(line), lexicon, config.subject_without_cue
                )
        elif attribution is None and text[s_start:q_start].strip() == "" and s_start > floor:
            pre = text[floor:s_start].rstrip()
            if pre.endswith(":"):
                sent = sentence_start(text, floor + len(pre) - 1, floor)
                attribution = _before(
                    text, sent, floor + len(pre), lexicon, config.subject_without_cue
                )
        if (attribution is None or attribution.cue is None) and reported(
            text, s_start, q_start, q_end, lexicon
        ):
            attribution = _reporter(text, p_start, s_start, found, lexicon, config) or attribution
        quote = _make(text, q_start, q_end, attribution, lexicon, words)
        if quote.speaker is None and prev is not None and prev.speaker is not None:
            gap = text[prev.end : q_start]
            if len(gap) <= _CONTINUATION_GAP and (
                not gap.strip() or prev.speaker_start >= prev.end or len(WORD.findall(gap)) <= 3
            ):
                quote = Quote(
                    q_start,
                    q_end,
                    quote.text,
                    prev.speaker,
                    prev.speaker_start,
                    prev.speaker_end,
                    prev.mention,
                    "continuation",
                    prev.cue,
                    prev.cue_start,
                    prev.cue_end,
                )
        if keep(quote, lexicon, config, titled(text, q_start, lexicon)):
            found.append(quote)
            prev = quote
        prev_end = q_end
    return tuple(found)


def _make(
    text: str,
    q_start: int,
    q_end: int,
    attribution: _Attribution | None,
    lex: QuoteLexicon,
    text_words: Words,
) -> Quote:
    inner = text[q_start + 1 : q_end - 1].strip()
    if attribution is None:
        return Quote(q_start, q_end, inner, None, -1, -1, None, None, None, -1, -1)
    m, cue = attribution.mention, attribution.cue
    words = [word_core(w) for w in m.text.split()]
    name = best_name(m.text, lex)
    resolved: str | None = None
    pronoun = len(words) == 1 and words[0] in lex.pronouns
    role_only = name is None and any(w in lex.roles for w in words)
    if pronoun or (role_only and not any(w in lex.institutions for w in words)):
        referent = referent_of(text_words, m.start)
        if referent:
            name, resolved = referent, "pronoun" if words[0] in lex.pronouns else "role"
    elif name is not None and len(name.split()) == 1:
        earlier = text_words.names_before(m.start)
        full = next((n for _, n, _p in earlier if n.endswith(" " + name)), None)
        if full is not None:
            name, resolved = full, "surname"
    if name is None:
        name = m.text
    return Quote(
        q_start,
        q_end,
        inner,
        name,
        m.start,
        m.end,
        m.text,
        resolved,
        cue.text if cue else None,
        cue.start if cue else -1,
        cue.end if cue else -1,
    )

"""Speaker phrases around a quotation: the noun phrase before or after a cue, the name a
mention gives, and the earlier names a pronoun or a role can refer to (used by ``quotes``)."""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass

from provenance.quote_lexicon import QuoteLexicon

TOKEN = re.compile(r"\S+")
WORD = re.compile(r"\w+")  # a word of a quotation or a phrase, any script
STOPS = ".!?…"  # the marks that end a sentence
# A sentence end: a stop, closing marks, space, then a capital or an opening mark
SENTENCE_END = re.compile(rf"[{re.escape(STOPS)}][\"”’»)]*\s+(?=[\"“„«‘(]?[^\W\d_](?<![a-zà-ÿß]))")
_NP_MAX_TOKENS = 14
POSSESSIVE = ("’s", "'s", "’", "'")
TITLES = frozenset(
    {
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "lt",
        "gen",
        "col",
        "sen",
        "rep",
        "gov",
        "st",
        "ret",
        "u.s",
        "no",
    }
)


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    text: str


def word_core(token: str) -> str:
    return token.strip(".,;:!?()[]\"'“”‘’«»„").casefold()


_NUMBER_HYPHEN = re.compile(r"^\d+-")


def is_cap(token: str) -> bool:
    """Capitalised, also after a number and a hyphen (German "der 58-Jährige"). The number
    is looked for only after a digit (``str.isdecimal``: ``re``'s ``\\d``): a name's
    speaker search tries every word before the quotation."""
    core = token.lstrip("(\"'“‘«„")
    if core[:1].isdecimal():
        core = _NUMBER_HYPHEN.sub("", core)
    return bool(core) and core[0].isupper()


def head_ok(token: str, lex: QuoteLexicon) -> bool:
    """Whether ``token`` can be part of a speaker phrase."""
    bare = word_core(token)
    if not bare:
        return False
    if bare in lex.roles or bare in lex.institutions or bare in lex.pronouns:
        return True
    if token.endswith(".") and bare in TITLES:
        return True
    return is_cap(token) and bare not in lex.not_names


def ends_clause(token: str, lex: QuoteLexicon) -> bool:
    """A token ending in , ; : or in a sentence period (not a title or an initial)."""
    if token[-1:] in ",;:":
        return True
    if token.endswith("."):
        bare = word_core(token)
        return not (bare in lex.not_names or len(bare) <= 1 or "." in bare)
    return False


def np_before(text: str, start: int, end: int, lex: QuoteLexicon) -> Mention | None:
    """The speaker phrase that ends right before ``end`` ("... Zakharova| emphasized")."""
    tokens = list(TOKEN.finditer(text, start, end))
    taken: list[re.Match[str]] = []
    pending: list[re.Match[str]] = []  # lowercase words kept only if a determiner opens them
    skipped = 0
    for tok in reversed(tokens):
        word = tok.group()
        bare = word_core(word)
        if not taken and bare in lex.adverbs and skipped < 2 and word[-1:] not in ",;:":
            skipped += 1  # "Lewandowski also| said"
            continue
        if ends_clause(word, lex) or word[-1:] in '“”"»«„':
            break
        if not taken and bare in lex.pronouns:
            taken.append(tok)
            break
        if bare in lex.determiners and taken:
            taken += [*pending, tok]
            break
        if head_ok(word, lex) and bare not in lex.pronouns:
            taken += [*pending, tok]
            pending = []
        elif taken and (
            bare in lex.joiners or (word.islower() and len(pending) < 2 and bare.isalpha())
        ):
            pending.append(tok)
        else:
            break
        if len(taken) >= _NP_MAX_TOKENS:
            break
    while taken and word_core(taken[-1].group()) in lex.joiners:
        taken.pop()
    if not taken:
        return None
    first, last = taken[-1], taken[0]
    s, e = first.start(), last.end()
    while e > s and not (text[e - 1].isalnum() or text[e - 1] in ".)"):
        e -= 1
    return Mention(s, e, text[s:e])


def np_after(text: str, start: int, end: int, lex: QuoteLexicon) -> Mention | None:
    """The speaker phrase that starts at ``start`` ("said| Lt. Gen. James Cartwright, ...").

    Names, titles, roles and joiners are taken; after a determiner up to three lowercase
    words too ("the gambling tycoon"). A phrase that does not end at a clause end loses its
    lowercase tail (the words after the last name or role: a verb, an object)."""
    taken: list[re.Match[str]] = []
    lower = 0
    closed = False
    for tok in TOKEN.finditer(text, start, end):
        word = tok.group()
        bare = word_core(word)
        if word[:1] in '“"„«»‘' or not bare:
            break
        after_joiner = not taken or word_core(taken[-1].group()) in lex.joiners
        head = head_ok(word, lex) and not (taken and bare in lex.pronouns)
        aside = bool(taken) and word.startswith("(") and word.endswith(")")  # "Gen. (ret.)"
        if (
            head
            or aside
            or (bare in lex.determiners and after_joiner)
            or (bare in lex.joiners and taken)
        ):
            taken.append(tok)
        elif (
            word.islower()
            and lower < 3
            and any(word_core(t.group()) in lex.determiners for t in taken)
        ):
            taken.append(tok)
            lower += 1
        else:
            break
        if ends_clause(word, lex) or len(taken) >= _NP_MAX_TOKENS:
            closed = ends_clause(word, lex)
            break
        if bare in lex.pronouns and len(taken) == 1 and bare not in lex.determiners:
            closed = True  # "her" may open a phrase ("her senior policy adviser"): not closed
            break
    if not closed:
        while taken and not head_ok(taken[-1].group(), lex):
            taken.pop()
    while taken and word_core(taken[-1].group()) in lex.joiners:
        taken.pop()
    described = closed and bool(taken) and word_core(taken[0].group()) in lex.determiners
    if not taken or not (described or any(head_ok(t.group(), lex) for t in taken)):
        return None  # a determiner and lowercase words count at a clause end: "the 46-year-old."
    s, e = taken[0].start(), taken[-1].end()
    while e > s and not (
        text[e - 1].isalnum() or text[e - 1] == ")" or _title_end(text, s, e, lex)
    ):
        e -= 1
    return Mention(s, e, text[s:e])


def clause_follows(text: str, m: Mention, limit: int) -> bool:
    """Whether a clause end (or nothing) follows the mention before ``limit``."""
    rest = text[m.end : limit].lstrip(" .")
    return rest[:1] != "" and rest[0] in ",:;"


def _title_end(text: str, s: int, e: int, lex: QuoteLexicon) -> bool:
    last = text[s:e].split()[-1] if text[s:e].split() else ""
    return last.endswith(".") and word_core(last) in lex.not_names


def appositive(text: str, m: Mention, limit: int, lex: QuoteLexicon) -> Mention:
    """ "der Vorsitzende des Verbandes, Elmar Gesse": a role phrase followed by a name."""
    if best_name(m.text, lex) is not None:
        return m
    found = re.match(
        r",\s*((?:[^\W\d_][\w'’\-.]*\s+){0,3}[^\W\d_][\w'’\-]*)(?=[,.;]|\s*$)", text[m.end : limit]
    )
    if found and all(is_cap(w) for w in found.group(1).split()):
        end = m.end + found.end(1)
        return Mention(m.start, end, text[m.start : end])
    return m


def best_name(mention: str, lex: QuoteLexicon) -> str | None:
    """The name a mention gives: the whole mention when it is only names and joiners
    ("South Korea and Japan"), else the last run of capitalised words that are neither
    titles nor roles ("National Security Council spokesperson Adrienne Watson" ->
    "Adrienne Watson")."""
    tokens = mention.split()
    while tokens and word_core(tokens[0]) in lex.determiners:
        tokens.pop(0)
    runs: list[list[str]] = [[]]
    plain = True
    for token in tokens:
        bare = word_core(token)
        if is_cap(token) and bare and bare not in lex.not_names and bare not in lex.roles:
            runs[-1].append(token.strip(".,;:()\"'“”‘’«»„"))
            continue
        plain = plain and bare in lex.joiners
        if runs[-1]:
            runs.append([])
    named = [r for r in runs if r]
    if plain and len(named) > 1:
        return " ".join(t.strip(".,;:()\"'“”‘’«»„") for t in tokens)
    return " ".join(named[-1]) if named else None


class Words:
    """The words of a text (``TOKEN``) with what the speaker search asks of each (its bare
    form, whether it may be part of a name), found once for all the quotations of a text
    and as far as the searches reach: ``names_before`` of many ends reads them, where each
    search once tokenized the text from its start again. ``skip``: the quotations' spans,
    whose words are no names."""

    def __init__(self, text: str, lex: QuoteLexicon, skip: Sequence[tuple[int, int]] = ()):
        self.text, self.lex = text, lex
        self.skip = _merged(skip)
        self._found = TOKEN.finditer(text)
        self._done = False
        self._at = 0  # the first merged span not wholly before the last word
        self.tokens: list[tuple[int, str]] = []  # (start, word)
        self.ends: list[int] = []
        self.facts: list[tuple[str, bool]] = []
        self._runs, self._read = _Runs(lex), 0  # the names of the first ``_read`` words

    def _reach(self, end: int) -> None:
        """Words found up to the first that starts at or after ``end`` (or the last)."""
        skip, at = self.skip, self._at
        while not self._done and (not self.tokens or self.tokens[-1][0] < end):
            tok = next(self._found, None)
            if tok is None:
                self._done = True
                break
            start, word = tok.start(), tok.group()
            while at < len(skip) and skip[at][1] <= start:
                at += 1
            self.tokens.append((start, word))
            self.ends.append(tok.end())
            self.facts.append(self._fact(word, at < len(skip) and skip[at][0] <= start))
        self._at = at

    def _fact(self, word: str, inside: bool) -> tuple[str, bool]:
        """(bare form, whether the word may be part of a name)."""
        bare, lex = word_core(word), self.lex
        ok = not inside and is_cap(word) and bare not in lex.not_names
        return bare, ok and bare not in lex.roles and bare not in lex.institutions

    def _inside(self, start: int) -> bool:
        return any(a <= start < b for a, b in self.skip)

    def names_before(self, end: int) -> list[tuple[int, str, bool]]:
        """Names (runs of capitalised words that are not titles or roles) before ``end``
        and outside the quotations, nearest first, each with whether a role or a title
        precedes it ("Foreign Minister Choi": a person). The words of ``text[:end]``: those
        that end by ``end``, and the one ``end`` cuts, cut. The runs of the words read so
        far are kept: the next search reads on from them (a search of an earlier end reads
        from the start again)."""
        self._reach(end)
        whole = bisect.bisect_right(self.ends, end)
        if whole < self._read:
            self._runs, self._read = _Runs(self.lex), 0
        for k in range(self._read, whole):
            self._runs.step(*self.tokens[k], *self.facts[k])
        self._read = whole
        runs = self._runs.copy()
        if whole < len(self.tokens) and self.tokens[whole][0] < end:
            start = self.tokens[whole][0]
            cut = self.text[start:end]
            runs.step(start, cut, *self._fact(cut, self._inside(start)))
        runs.close()
        return runs.out[::-1]


class _Runs:
    """Names as words are read (``Words.names_before``): those found, the run of capitalised
    words being read, the bare word before that run and the last word read."""

    def __init__(self, lex: QuoteLexicon) -> None:
        self.lex = lex
        self.out: list[tuple[int, str, bool]] = []
        self.run: list[tuple[int, str]] = []
        self.prev = self.last = ""

    def copy(self) -> _Runs:
        other = _Runs(self.lex)
        other.out, other.run = list(self.out), list(self.run)
        other.prev, other.last = self.prev, self.last
        return other

    def step(self, start: int, word: str, bare: str, ok: bool) -> None:
        before, self.last = self.last, bare
        if ok:
            if not self.run:
                self.prev = before
            self.run.append((start, word))
            if word[-1:] not in ",;:.":
                return
        self.close()

    def close(self) -> None:
        """The run being read ends: a name, with whether a role or a title precedes it."""
        if self.run:
            person = self.prev in self.lex.roles or self.prev in TITLES
            name = " ".join(strip_marks(word) for _, word in self.run)
            self.out.append((self.run[0][0], name, person))
        self.run = []


def _merged(spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """The union of half-open spans as disjoint spans in order (empty ones dropped)."""
    out: list[tuple[int, int]] = []
    for a, b in sorted(s for s in spans if s[0] < s[1]):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def referent_of(words: Words, end: int) -> str | None:
    """What a pronoun or a role refers to: the nearest earlier name that follows a role or
    a title, or else the nearest earlier name of two or more words."""
    names = [n for n in words.names_before(end) if not n[1].endswith(POSSESSIVE)]
    person = next((n for _, n, p in names if p), None)
    return person or next((n for _, n, _p in names if len(n.split()) >= 2), None)


def strip_marks(token: str) -> str:
    return token.strip(".,;:()\"'“”‘’«»„")


def subject(text: str, start: int, end: int, lex: QuoteLexicon) -> Mention | None:
    """The phrase that opens a clause: its subject in news prose. Leading adverbs and
    conjunctions ("But", "Meanwhile") are skipped, and so is an opening phrase closed by a
    comma ("On Monday, Trump groused ...") when the clause does not open with a name."""
    for tok in TOKEN.finditer(text, start, end):
        if word_core(tok.group()) not in lex.adverbs:
            start = tok.start()
            break
    m = opening(text, start, end, lex)
    if m is None:
        comma = text.find(",", start, min(end, start + 80))
        if comma > 0:
            m = opening(text, comma + 1, end, lex)
    return m


def opening(text: str, start: int, end: int, lex: QuoteLexicon) -> Mention | None:
    m = np_after(text, start, end, lex)
    if m is None:
        return None
    tokens = m.text.split()
    kept: list[str] = []
    headed = False  # a name or a role after the last determiner: no more adjectives
    for token in tokens:
        bare = word_core(token)
        if bare in lex.determiners:
            headed = False
        elif head_ok(token, lex):
            headed = True
        described = bool(kept) and not headed and token.islower()
        # lowercase words after a determiner: "Der libanesische Minister ...", "the former ..."
        if not (head_ok(token, lex) or bare in lex.determiners or bare in lex.joiners or described):
            break
        kept.append(token)
        if ends_clause(token, lex):
            break
    while kept and (
        word_core(kept[-1]) in lex.joiners | lex.determiners or not head_ok(kept[-1], lex)
    ):
        kept.pop()
    if not kept or all(word_core(t) in lex.determiners for t in kept):
        return None
    phrase = " ".join(kept)
    at = text.find(phrase, m.start, m.end + 1)
    if at < 0:
        return None
    e = at + len(phrase)
    while e > at and not (text[e - 1].isalnum() or text[e - 1] == ")"):
        e -= 1
    return Mention(at, e, text[at:e])


def sentence_start(text: str, pos: int, floor: int) -> int:
    """Start of the sentence holding ``pos`` (no earlier than ``floor``)."""
    best = floor
    for m in SENTENCE_END.finditer(text, floor, min(len(text), pos + 2)):
        if m.end() > pos:
            break
        before = text[floor : m.start()].split()
        word = word_core(before[-1]) if before else ""
        if len(word) <= 1 or word in TITLES:
            continue
        best = m.end()
    return best


def paragraph_bounds(text: str, pos: int) -> tuple[int, int]:
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    return start, len(text) if end < 0 else end

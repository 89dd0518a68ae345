"""Literals a regular expression cannot match without: a cheap pre-check for costly rules.

``required_literals(source)`` reads the parsed pattern and returns a set of strings of which
every match contains at least one (``None`` when it cannot tell). Searching for them first
is a necessary condition only: a text without any of them cannot match, a text with one is
still matched by the rule itself, so a pre-check never changes what a rule finds. The
caption-split rules (``(?P<before>.{10,}?)`` followed by a photo credit) cost ~100 times
more per line than the other rules, because the engine tries the credit at every position.
"""

from __future__ import annotations

import re
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

Requirement = frozenset[str]


def _best(options: list[Requirement]) -> Requirement | None:
    """Of several requirements that all hold, the most selective: longest shortest literal,
    then fewest alternatives, then the later one (credit text sits at the end)."""
    if not options:
        return None
    ranked = sorted(
        enumerate(options), key=lambda e: (min(map(len, e[1])), -len(e[1]), e[0]), reverse=True
    )
    return ranked[0][1]


def _sequence(items: Any) -> Requirement | None:
    options: list[Requirement] = []
    run: list[str] = []
    for op, arg in items:
        if op is sre.LITERAL:
            run.append(chr(arg))
            continue
        if run:
            options.append(frozenset({"".join(run)}))
            run = []
        found = _item(op, arg)
        if found is not None:
            options.append(found)
    if run:
        options.append(frozenset({"".join(run)}))
    return _best(options)


def _item(op: Any, arg: Any) -> Requirement | None:
    if op is sre.SUBPATTERN:
        return _sequence(arg[-1])
    if op is sre.BRANCH:
        found: set[str] = set()
        for branch in arg[1]:
            part = _sequence(branch)
            if part is None:
                return None
            found |= part
        return frozenset(found)
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
        low, _, item = arg
        return _sequence(item) if low >= 1 else None
    if op is sre.ATOMIC_GROUP:
        return _sequence(arg)
    return None


def required_literals(source: str, flags: int = 0) -> Requirement | None:
    """Strings one of which every match of ``source`` contains, or None."""
    found = _sequence(sre_parse.parse(source, flags))
    if found is None or "" in found:
        return None
    return found


def opens_with_any(source: str, flags: int = 0) -> bool:
    """Whether every match of ``source`` opens with a run of any characters (``.{0,160}``,
    ``(?P<before>.{10,}?)``, ``.*``, inside groups too): a full match then tries the rest of
    the pattern after every length of the run."""
    items = list(sre_parse.parse(source, flags))
    while items:
        op, arg = items[0]
        if op is sre.SUBPATTERN:
            items = list(arg[-1])
        elif op is sre.ATOMIC_GROUP:
            items = list(arg)
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
            run = list(arg[2])
            return len(run) == 1 and run[0][0] is sre.ANY
        else:
            return False
    return False


def _exotic() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Non-ASCII lower-case letters that case-insensitive matching takes as equal to another
    letter although ``str.lower`` keeps them apart ("ſ" and "s", "ς" and "σ"); and those of
    them equal so to an ASCII letter ("ſ", "ı"), which an ASCII text can match."""
    from re._casefix import _EXTRA_CASES  # type: ignore[import-not-found]

    codes = {*_EXTRA_CASES, *(c for extra in _EXTRA_CASES.values() for c in extra)}
    chars = sorted(chr(c) for c in codes if c > 127)
    to_ascii = sorted(chr(c) for c, extra in _EXTRA_CASES.items() if c > 127 and min(extra) < 128)

    def one_of(letters: list[str]) -> re.Pattern[str]:
        return re.compile("[" + "".join(re.escape(c) for c in letters) + "]")

    return one_of(chars), one_of(to_ascii)


_EXOTIC, _TO_ASCII = _exotic()


class Folded:
    """A text and its lower-case form, made once for the ``Hint``s of many rules tried on
    it. ``exact``: substring tests on ``low`` say what case-insensitive matching says, which
    holds unless the text has letters that lower-case to two characters or fold to another
    letter (``_EXOTIC``); an ASCII text (``str.isascii`` reads a flag) has none."""

    __slots__ = ("exact", "low", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.low = text.lower()
        self.exact = text.isascii() or (
            len(self.low) == len(text) and _EXOTIC.search(self.low) is None
        )


class Hint:
    """A pre-check: ``may_match(text)`` is False only for texts that contain none of the
    required literals of any rule. Case-insensitive matching compares simple lower-case
    forms, so a substring test on ``str.lower`` forms says the same, except for the few
    letters that lower-case to two characters or fold to another letter (``_EXOTIC``):
    texts with those go through one pattern of all the literals, and so do all texts when a
    literal has a letter that folds to an ASCII one (``_TO_ASCII``: "ſ" matches the "s" of
    an ASCII text, which the text's own check cannot see)."""

    def __init__(self, literals: set[str], flags: int) -> None:
        ordered = sorted(literals, key=lambda s: (-len(s), s))
        self.pattern = re.compile("|".join(re.escape(s) for s in ordered), flags)
        self.folded = bool(flags & re.IGNORECASE)
        lowered = [s.lower() if self.folded else s for s in ordered]
        self.plain = all(len(a) == len(b) for a, b in zip(lowered, ordered, strict=True)) and (
            not self.folded or not any(_TO_ASCII.search(s) for s in lowered)
        )
        self.literals = tuple(dict.fromkeys(lowered))

    def may_match(self, text: str | Folded) -> bool:
        """Whether ``text`` holds one of the literals (a ``Folded`` text: its lower-case
        form is not made again)."""
        if not self.folded:
            plain = text.text if isinstance(text, Folded) else text
            return any(s in plain for s in self.literals)
        folded = text if isinstance(text, Folded) else Folded(text)
        if not self.plain or not folded.exact:
            return self.pattern.search(folded.text) is not None
        low = folded.low
        return any(s in low for s in self.literals)


def hint(sources: list[str], flags: int) -> Hint | None:
    """The pre-check of a set of rules (None unless each has required literals)."""
    literals: set[str] = set()
    for source in sources:
        found = required_literals(source, flags)
        if found is None:
            return None
        literals |= found
    return Hint(literals, flags) if literals else None

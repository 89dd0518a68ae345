"""The agency lexicon: ``data/agencies.toml`` compiled (agencies, aliases in any script,
credit patterns with the aliases spliced in, citation cues). Loaded once per run and handed
to ``attribution``; credit patterns compile on first use.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from types import MappingProxyType

from provenance.model import CreditKind
from provenance.regex_hint import Hint, hint

HANGUL = re.compile(r"[\uac00-\ud7af]")
WORD = re.compile(r"\w+")
_COMPACT = re.compile(r"[^\w.]+")
_GROUP = "agencies"  # the named groups of a credit pattern's {agencies}


def _alias_shape(alias: str) -> tuple[bool, bool]:
    """(case-insensitive, must not be followed by a word character): aliases up to four
    characters are matched in their case ("AP", not "ap"), Hangul-final ones may be followed
    by a particle ("뉴시스는")."""
    return len(alias) > 4, not HANGUL.search(alias[-1])


def _alternation(aliases: Sequence[str]) -> str:
    r"""One regex for any of ``aliases``, longest first, each preceded by no word character.

    Consecutive aliases of one shape share their flag group and tail, and all share the
    lookbehind: the same matches in the same order as one ``(?<!\w)(?i:alias)(?!\w)`` per
    alias, in a pattern about a third as long (rules embedding it compile that much faster)."""
    ordered = sorted(set(aliases), key=lambda a: (-len(a), a))
    runs: list[tuple[tuple[bool, bool], list[str]]] = []
    for alias in ordered:
        shape = _alias_shape(alias)
        if not runs or runs[-1][0] != shape:
            runs.append((shape, []))
        runs[-1][1].append(re.escape(alias))
    parts = []
    for (insensitive, bounded), bodies in runs:
        body = "|".join(bodies)
        body = f"(?i:{body})" if insensitive else f"(?:{body})"
        parts.append(body + (r"(?!\w)" if bounded else ""))
    return r"(?<!\w)(?:" + "|".join(parts) + ")"


@dataclass(frozen=True)
class CreditRule:
    id: str
    kind: CreditKind
    where: str  # start | end | line
    covers: str  # forward | backward | paragraph | auto
    agency: str | None  # implied agency
    source: str  # the pattern, aliases spliced in; compiled on first use (see ``pattern``)
    requires: re.Pattern[str] | None  # cheap pre-check on the same window
    # the literals one of which every match of ``requires`` holds, tried before it: a
    # case-insensitive alternation such as ``photo|foto|bild`` costs the regex engine
    # tens of microseconds on a 400-character window, a substring test on its lower-case
    # form about one (None: ``requires`` needs no literal, or there is no ``requires``)
    hint: Hint | None

    def agencies(self, match: re.Match[str]) -> str | None:
        """The text of the first {agencies} of the pattern that took part in ``match``."""
        found = match.groupdict()
        return next((v for k, v in found.items() if v and k.startswith(_GROUP)), None)

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        """Compiled when a window first passes ``requires``: the alias alternations make
        each rule cost tens of milliseconds to compile, and most rules are never needed
        for one article (this keeps a one-article ``provenance check`` fast)."""
        return re.compile(self.source, re.IGNORECASE)


@dataclass(frozen=True)
class AgencyLexicon:
    """Compiled ``data/agencies.toml`` (load once per run)."""

    canonical: Mapping[str, str]  # casefolded alias -> canonical agency name
    outlets: Mapping[str, str]  # outlet or host label -> canonical agency name
    mention: re.Pattern[str]  # aliases allowed in running text
    mention_heads: frozenset[str]  # casefolded first word of each of those aliases
    hangul_heads: tuple[str, ...]  # those heads in Hangul (matched as word prefixes)
    any_alias: re.Pattern[str]  # every alias, credit-only ones included
    credits: tuple[CreditRule, ...]
    cue_before: re.Pattern[str]
    cue_after: re.Pattern[str]
    cue_windows: tuple[int, int, int]  # before_window, after_window, after_max_words
    edge_window: int

    @classmethod
    def load(cls) -> AgencyLexicon:
        raw = resources.files("provenance").joinpath("data/agencies.toml").read_text("utf-8")
        data = tomllib.loads(raw)
        canonical: dict[str, str] = {}
        outlets: dict[str, str] = {}
        mention: list[str] = []
        every: list[str] = []
        for agency in data["agency"]:
            name = str(agency["name"])
            for alias in [*agency.get("aliases", []), *agency.get("credit_only", [])]:
                canonical.setdefault(alias.casefold(), name)
                every.append(alias)
            mention.extend(agency.get("aliases", []))
            for outlet in agency.get("outlets", []):
                outlets.setdefault(outlet.casefold(), name)
        alias_group = _alternation(every)
        agencies = rf"{alias_group}(?:\s*[/,-]\s*{alias_group})*"
        rules = []
        for rule in data["credit"]:
            # each {agencies} its own named group, "agencies", "agencies_2", ...: a pattern's
            # forms are alternatives ("Photo: X/AP" or "AP photo / X"), and a name may not
            # repeat in a pattern
            first, *rest = str(rule["pattern"]).split("{agencies}")
            source = first + "".join(
                f"(?P<{_GROUP}{f'_{k}' if k > 1 else ''}>{agencies}){part}"
                for k, part in enumerate(rest, 1)
            )
            requires = str(rule.get("requires") or "")
            rules.append(
                CreditRule(
                    id=str(rule["id"]),
                    kind=CreditKind(rule["kind"]),
                    where=str(rule["where"]),
                    covers=str(rule["covers"]),
                    agency=rule.get("agency"),
                    source=source + r"\s*\Z" if rule["where"] == "end" else source,
                    requires=re.compile(requires, re.IGNORECASE) if requires else None,
                    hint=hint([requires], re.IGNORECASE) if requires else None,
                )
            )
        cues = data["citation"]
        heads = frozenset(WORD.findall(a)[0].casefold() for a in mention if a)
        return cls(
            canonical=MappingProxyType(canonical),
            outlets=MappingProxyType(outlets),
            mention=re.compile(_alternation(mention)),
            mention_heads=heads,
            hangul_heads=tuple(sorted(h for h in heads if HANGUL.match(h))),
            any_alias=re.compile(alias_group),
            credits=tuple(rules),
            cue_before=re.compile("|".join(cues["before"]), re.IGNORECASE),
            cue_after=re.compile("|".join(cues["after"]), re.IGNORECASE),
            cue_windows=(
                int(cues["before_window"]),
                int(cues["after_window"]),
                int(cues["after_max_words"]),
            ),
            edge_window=int(data["edge_window"]),
        )

    def agency_of_outlet(self, outlet: str | None) -> str | None:
        """The agency an outlet or host is ("hosted.ap.org", "Reuters.com"), if listed under
        ``outlets`` in the data file."""
        name = (outlet or "").strip().casefold().removeprefix("www.")
        if not name:
            return None
        for label in (name, _COMPACT.sub("", name), *name.split(".")):
            if label in self.outlets:
                return self.outlets[label]
        return None

    def agency_of_wire(self, outlet: str | None) -> str | None:
        """The agency of a wire article by its outlet: a listed outlet or host
        ("reuters.com"), or an outlet named by one of the agency's aliases ("Reuters")."""
        return self.agency_of_outlet(outlet) or self.canonical.get((outlet or "").casefold())

    def names_in(self, text: str) -> list[str]:
        """Canonical agencies named in ``text``, in order, without repeats."""
        found = (self.canonical.get(m.group().casefold()) for m in self.any_alias.finditer(text))
        return list(dict.fromkeys(n for n in found if n))

"""The boilerplate lexicon: ``data/boilerplate/<lang>.toml`` and ``features.toml`` compiled
into rule sets (one combined pattern per kind as a fast filter, each rule compiled on first
use), stop words per language and per-script feature thresholds. Loaded once per run and
handed to ``boilerplate.detect``.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from types import MappingProxyType

from provenance.model import BoilerplateReason
from provenance.regex_hint import Hint, hint, opens_with_any

R = BoilerplateReason
FLAGS = re.IGNORECASE | re.UNICODE
_NAMED_GROUP = re.compile(r"\(\?P<\w+>")


@dataclass(frozen=True)
class Rule:
    id: str  # "<lang>.<reason>.<kind>.<n>", e.g. "en.read_also.line.1"
    reason: BoilerplateReason
    source: str

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        """Compiled on first use: a line is first tried against its ``RuleSet``'s combined
        pattern, so most rules are never needed in one run (a one-article check)."""
        return re.compile(self.source, FLAGS)


@dataclass(frozen=True)
class _Part:
    """Some rules of a set (each with its place in the set), one combined pattern of them
    as a fast filter, and the literals each of their matches needs (``regex_hint``), if
    they all have some: a cheaper filter still, searched first."""

    rules: tuple[tuple[int, Rule], ...]
    any: re.Pattern[str]
    hint: Hint | None

    @classmethod
    def of(cls, rules: Sequence[tuple[int, Rule]], prefilter: bool) -> _Part:
        combined = "|".join(f"(?:{r.source})" for _, r in rules)
        combined = _NAMED_GROUP.sub("(?:", combined)  # names may repeat across rules
        found = hint([r.source for _, r in rules], FLAGS) if prefilter else None
        return cls(tuple(rules), re.compile(combined, FLAGS), found)


@dataclass(frozen=True)
class RuleSet:
    """Rules of one kind, the first that matches a whole line wins (in file order). Most
    lines match none, so the rules are tried behind filters, in two parts: the rules that
    open with a run of any characters (``.{0,160}cookie settings``, ``(?P<before>.{10,}?)``:
    the engine tries the rest after every length of the run: tens of times the cost of a rule
    that opens with its words), behind a search for the literals they need; the others
    behind their one combined pattern alone (a search for many rules' short literals
    costs more than the pattern it would spare)."""

    rules: tuple[Rule, ...]
    parts: tuple[_Part, ...]

    @classmethod
    def of(cls, rules: Sequence[Rule]) -> RuleSet:
        numbered = list(enumerate(rules))
        runs = [opens_with_any(r.source, FLAGS) for r in rules]
        parts = (
            _Part.of([n for n, run in zip(numbered, runs, strict=True) if run is costly], costly)
            for costly in (False, True)
            if costly in runs
        )
        return cls(tuple(rules), tuple(parts))

    def first(self, text: str) -> tuple[Rule, re.Match[str]] | None:
        found: tuple[int, Rule, re.Match[str]] | None = None
        for part in self.parts:
            if part.hint is not None and not part.hint.may_match(text):
                continue
            if not part.any.fullmatch(text):
                continue
            for k, rule in part.rules:
                if found is not None and k > found[0]:
                    break  # an earlier rule of another part matched
                match = rule.pattern.fullmatch(text)
                if match:
                    found = (k, rule, match)
                    break
        return None if found is None else (found[1], found[2])


@dataclass(frozen=True)
class ScriptThresholds:
    length_low: int
    length_high: int
    stop_low: float
    stop_high: float


@dataclass(frozen=True)
class BoilerplateLexicon:
    """The compiled boilerplate data files (load once per run)."""

    line: RuleSet
    sentence: RuleSet
    terminator: RuleSet
    split: RuleSet
    stopwords: Mapping[str, frozenset[str]]  # language -> lower-cased stop words
    scripts: Mapping[str, ScriptThresholds]
    heading_max_words: int
    min_language_density: float

    @classmethod
    def load(cls) -> BoilerplateLexicon:
        folder = resources.files("provenance").joinpath("data/boilerplate")
        kinds: dict[str, list[Rule]] = {"line": [], "sentence": [], "terminator": [], "split": []}
        stopwords: dict[str, frozenset[str]] = {}
        scripts: dict[str, ScriptThresholds] = {}
        text: dict[str, float] = {}
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):
            if not entry.name.endswith(".toml"):
                continue
            data = tomllib.loads(entry.read_text("utf-8"))
            if entry.name == "features.toml":
                text = data["text"]
                for name, values in data["script"].items():
                    scripts[name] = ScriptThresholds(**values)
                continue
            lang = str(data["language"])
            stopwords[lang] = frozenset(str(data.get("stopwords", "")).lower().split())
            for reason in R:
                for kind, patterns in data.get(reason.value, {}).items():
                    for n, pattern in enumerate(patterns, start=1):
                        rule_id = f"{lang}.{reason.value}.{kind}.{n}"
                        kinds[kind].append(Rule(rule_id, reason, str(pattern)))
        return cls(
            line=RuleSet.of(kinds["line"]),
            sentence=RuleSet.of(kinds["sentence"]),
            terminator=RuleSet.of(kinds["terminator"]),
            split=RuleSet.of(kinds["split"]),
            stopwords=MappingProxyType(stopwords),
            scripts=MappingProxyType(scripts),
            heading_max_words=int(text["heading_max_words"]),
            min_language_density=float(text["min_language_density"]),
        )

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
from provenance.regex_hint import Hint, hint

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
class RuleSet:
    """Rules of one kind, with one combined pattern as a fast filter (most lines match none)."""

    rules: tuple[Rule, ...]
    any: re.Pattern[str] | None
    hint: Hint | None = None  # literals a match needs (regex_hint): a cheaper first filter

    @classmethod
    def of(cls, rules: Sequence[Rule], *, prefilter: bool = False) -> RuleSet:
        """``prefilter``: search the rules' required literals before the combined pattern;
        it pays for rules that try a match at every position (the caption splits: ~100x
        the cost of a line rule), not for many rules with short literals."""
        combined = "|".join(f"(?:{r.source})" for r in rules)
        combined = _NAMED_GROUP.sub("(?:", combined)  # names may repeat across rules
        found = hint([r.source for r in rules], FLAGS) if prefilter and rules else None
        return cls(tuple(rules), re.compile(combined, FLAGS) if rules else None, found)

    def first(self, text: str) -> tuple[Rule, re.Match[str]] | None:
        if self.hint is not None and not self.hint.may_match(text):
            return None
        if self.any is None or not self.any.fullmatch(text):
            return None
        for rule in self.rules:
            match = rule.pattern.fullmatch(text)
            if match:
                return rule, match
        return None


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
            split=RuleSet.of(kinds["split"], prefilter=True),
            stopwords=MappingProxyType(stopwords),
            scripts=MappingProxyType(scripts),
            heading_max_words=int(text["heading_max_words"]),
            min_language_density=float(text["min_language_density"]),
        )

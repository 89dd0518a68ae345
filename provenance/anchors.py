"""Story anchors: the names and numbers a sentence is about, in one form across spellings.

An anchor is
- a **number** of at least two digits, separators dropped ("1,000", "1.000" and "1000" are
  "1000"; "2024" stays "2024");
- a **name**: a run of capitalised words of a spaced script (Latin, Cyrillic, Greek); a
  function word of any lexicon language does not start a run ("The", "Die"; all-capital "UN"
  does), and titles (``not_names``: "President", "Minister") are left out of it. The run
  gives its joined form ("Kim Jong-un" and "Kim Jong Un" are both "kimjongun") and each
  word of it ("kim", "jongun" / "jong",
  "un"). A capitalised word that opens the sentence counts only as part of a longer run
  ("Meanwhile, ..." is not a name; "North Korea said ..." is).
Forms are folded: NFKD without accents, case-folded, Cyrillic transliterated to Latin
(so "Путин" is "putin"), dots, hyphens and apostrophes inside a word removed ("U.N." is
"un"). ``data/anchors.toml`` maps variant spellings and expansions to one form ("united
nations" -> "un", "yoon suk yeol" -> "yoonsukyeol"). Scripts without capitals (Korean,
Chinese, Japanese, Arabic) give numbers only.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources

from provenance.model import FrozenMap

# a number (group 1) or a word (group 2)
_TOKEN = re.compile(r"(\d+(?:[.,]\d+)*)|([^\W\d_][\w.'’\-]*)", re.UNICODE)
_DIGITS = re.compile(r"\d")
_INNER = re.compile(r"[.'’\-]")
# Cyrillic -> Latin (a plain BGN-like table; "_" drops the hard and soft signs)
_CYR_LATIN = "a b v g d e e zh z i y k l m n o p r s t u f kh ts ch sh shch _ y _ e yu ya i yi ye g"
_CYR = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґ", _CYR_LATIN.split(" "), strict=True))


def fold(word: str) -> str:
    """One form of a word across accents, case, transliteration and inner punctuation."""
    text = unicodedata.normalize("NFKD", word.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = "".join(_CYR.get(ch, ch).replace("_", "") for ch in text)
    return _INNER.sub("", text)


@dataclass(frozen=True)
class AnchorLexicon:
    """Function words that are never names, and aliases of anchor forms."""

    function_words: frozenset[str]  # dropped where they open a run ("The", "Die", "Le")
    not_names: frozenset[str]  # dropped anywhere in a run (titles: "President")
    aliases: Mapping[str, str]  # a FrozenMap: read-only, and it pickles (to worker processes)

    @classmethod
    def load(cls, function_words: Iterable[str] = ()) -> AnchorLexicon:
        raw = resources.files("provenance").joinpath("data/anchors.toml").read_text("utf-8")
        data = tomllib.loads(raw)
        aliases: dict[str, str] = {}
        for canonical, variants in data["aliases"].items():
            for v in [canonical, *variants]:
                aliases[_joined(v)] = _joined(canonical)
        words = frozenset(fold(w) for w in function_words)
        titles = frozenset(fold(w) for w in data["not_names"])
        return cls(words, titles, FrozenMap(aliases))

    def canonical(self, form: str) -> str:
        return self.aliases.get(form, form)


def _joined(phrase: str) -> str:
    return "".join(fold(w) for w in phrase.split())


def _capitalised(token: str) -> bool:
    return token[0].isupper() and token[0].isalpha()


# Folded words an ``AnchorFinder`` keeps (a corpus's names recur; the cache is emptied when
# full, so that its memory does not grow with the corpus).
FOLD_CACHE = 65_536


class AnchorFinder:
    """``anchors`` of many sentences with one lexicon: each distinct word is folded once
    (up to ``FOLD_CACHE`` words are remembered)."""

    def __init__(self, lexicon: AnchorLexicon) -> None:
        self.lexicon = lexicon
        self._folded: dict[str, str] = {}

    def _fold(self, word: str) -> str:
        found = self._folded.get(word)
        if found is None:
            if len(self._folded) >= FOLD_CACHE:
                self._folded.clear()
            found = self._folded[word] = fold(word)
        return found

    def __call__(self, text: str) -> frozenset[str]:
        """The anchor forms of one sentence (see the module docstring)."""
        lexicon = self.lexicon
        out: set[str] = set()
        run: list[str] = []
        run_at = -1  # index of the run's first token
        previous_end = 0

        def close() -> None:
            words = [w for w in run if w and w not in lexicon.not_names]
            if run_at == 0 and len(words) < 2:
                words = []
            if words:
                out.add(lexicon.canonical("".join(words)))
                if len(words) > 1:
                    out.update(lexicon.canonical(w) for w in words if len(w) > 1)
            run.clear()

        for i, m in enumerate(_TOKEN.finditer(text)):
            token = m.group().rstrip(".'’-")
            if run and text[previous_end : m.start()].strip():  # punctuation: a run ends
                close()
            previous_end = m.start() + len(token)
            if m.lastindex == 1:  # a number
                if run:
                    close()
                digits = "".join(_DIGITS.findall(token))
                if len(digits) >= 2:
                    out.add(digits)
            elif _capitalised(token) and not _DIGITS.search(token):
                word = self._fold(token)
                if not run and word in lexicon.function_words and not token.isupper():
                    continue  # "The" before a name does not start it ("UN" may)
                if not run:
                    run_at = i
                run.append(word)
            elif run:
                close()
        if run:
            close()
        return frozenset(out)


def anchors(text: str, lexicon: AnchorLexicon) -> frozenset[str]:
    """The anchor forms of one sentence (see the module docstring)."""
    return AnchorFinder(lexicon)(text)

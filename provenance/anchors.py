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
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from importlib import resources

from provenance.model import FrozenMap

# Letters that open a word (``[^\W\d_]``) and are not upper case: ASCII and Latin-1 lower
# case, Greek and Cyrillic lower case, kana, CJK ideographs, Hangul syllables (a test checks
# every one). A word that opens with one is no name and only ends a run of names, as
# punctuation between two words does: such words are read as part of the gap before the
# next token (most words of a sentence), not one at a time.
_UNCASED_OPENERS = (
    "a-z\u00df-\u00f6\u00f8-\u00ff\u03ac-\u03ce\u0430-\u045f"
    "\u3041-\u3096\u30a1-\u30fa\u4e00-\u9fff\uac00-\ud7a3"
)
# the characters before a token (group 1: none can start one, and the words that open with
# one of those letters), then a number (group 2) or a word (group 3); the text's last gap
# matches with neither (possessive: no backtracking)
_GAP_TOKEN = re.compile(
    rf"((?:[\W_]++|[{_UNCASED_OPENERS}][\w.'’\-]*+)*+)"
    r"(?:(\d+(?:[.,]\d+)*)|([^\W\d_][\w.'’\-]*)|\Z)",
    re.UNICODE,
)
_LETTER = re.compile(r"[^\W\d_]")  # a word in a gap: the gap before the first token
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


# Folded words an ``AnchorFinder`` keeps (a corpus's names recur; the cache is emptied when
# full, so that its memory does not grow with the corpus).
FOLD_CACHE = 65_536


class AnchorFinder:
    """``anchors`` of many sentences with one lexicon: each distinct capitalised word is
    folded once (up to ``FOLD_CACHE`` of them are remembered)."""

    def __init__(self, lexicon: AnchorLexicon) -> None:
        self.lexicon = lexicon
        # a capitalised token -> its folded form, or None when it has a digit (no name)
        self._folded: dict[str, str | None] = {}

    def _fold(self, token: str) -> str | None:
        if len(self._folded) >= FOLD_CACHE:
            self._folded.clear()
        found = self._folded[token] = None if _DIGITS.search(token) else fold(token)
        return found

    def __call__(self, text: str) -> frozenset[str]:
        """The anchor forms of one sentence (see the module docstring)."""
        canonical = self.lexicon.canonical
        not_names = self.lexicon.not_names
        function_words = self.lexicon.function_words
        folded = self._folded
        out: set[str] = set()
        run: list[str] = []
        run_first = False  # the run began at the sentence's first token
        first = True
        cut = False  # the previous token ended in stripped punctuation ("U.S." -> "U.S")
        for gap, number, word in _GAP_TOKEN.findall(text):
            if not (number or word):  # the text's last gap, after its last token
                continue
            # whether this is the sentence's first token (no word in the gap before it)
            opening = first and not (gap and _LETTER.search(gap))
            first = False
            if run and (cut or gap.strip()):  # punctuation between the two: a run ends
                _close(run, run_first, not_names, canonical, out)
            if number:
                cut = False
                if run:
                    _close(run, run_first, not_names, canonical, out)
                digits = number.replace(".", "").replace(",", "")
                if len(digits) >= 2:
                    out.add(digits)
                continue
            token = word.rstrip(".'’-")
            cut = len(token) < len(word)
            head = token[0]
            if head.isupper() and head.isalpha():
                try:
                    name = folded[token]
                except KeyError:
                    name = self._fold(token)
                if name is not None:  # no digit in it
                    if not run and name in function_words and not token.isupper():
                        continue  # "The" before a name does not start it ("UN" may)
                    if not run:
                        run_first = opening
                    run.append(name)
                    continue
            if run:
                _close(run, run_first, not_names, canonical, out)
        if run:
            _close(run, run_first, not_names, canonical, out)
        return frozenset(out)


def _close(
    run: list[str],
    run_first: bool,
    not_names: frozenset[str],
    canonical: Callable[[str], str],
    out: set[str],
) -> None:
    """A run of capitalised words ended: its joined form and, when it has several words,
    each word of two letters or more (titles left out; alone at the sentence's start it
    is no name)."""
    words = [w for w in run if w and w not in not_names]
    run.clear()
    if run_first and len(words) < 2:
        return
    if words:
        out.add(canonical("".join(words)))
        if len(words) > 1:
            out.update(canonical(w) for w in words if len(w) > 1)


def anchors(text: str, lexicon: AnchorLexicon) -> frozenset[str]:
    """The anchor forms of one sentence (see the module docstring)."""
    return AnchorFinder(lexicon)(text)

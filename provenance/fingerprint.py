"""Shingles, and MinHash signatures of single passages (datasketch LeanMinHash).

The pipeline signs whole batches with ``provenance.match.signatures`` (a numpy matrix,
bit-identical to datasketch); ``Signer`` and ``Signature`` here are datasketch objects, the
reference that tests and benchmarks compare with (datasketch is imported on first use).

datasketch 2 changed its default permutation scheme (``affine32``); hash values carry no
trace of the scheme that made them. So every signature set carries its ``FingerprintParams``
(scheme, seed, num_perm, shingle sizes, datasketch major version), and comparing two
signatures made with different parameters raises ``FingerprintMismatch`` instead of
returning a meaningless similarity.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any

import numpy as np

from provenance import _datasketch
from provenance.config import FingerprintConfig
from provenance.errors import FingerprintMismatch
from provenance.match.candidates import Banding
from provenance.match.candidates import lsh_bands as lsh_bands

if TYPE_CHECKING:
    from datasketch import LeanMinHash

# The datasketch major version whose permutation schemes the signatures reproduce
# (``match.signatures``; a test checks that the installed datasketch is this one).
DATASKETCH_MAJOR = 2

_WORD = re.compile(r"\w+", re.UNICODE)


def _is_spaceless_char(ch: str) -> bool:
    """Hangul, CJK ideographs and kana: scripts where word shingles work poorly."""
    code = ord(ch)
    return (
        0xAC00 <= code <= 0xD7A3  # Hangul syllables
        or 0x1100 <= code <= 0x11FF  # Hangul jamo
        or 0x3040 <= code <= 0x30FF  # Hiragana, Katakana
        or 0x4E00 <= code <= 0x9FFF  # CJK unified ideographs
        or 0x3400 <= code <= 0x4DBF  # CJK extension A
    )


_SPACELESS = re.compile("[\uac00-\ud7a3\u1100-\u11ff\u3040-\u30ff\u4e00-\u9fff\u3400-\u4dbf]")


# Texts with at least this share of Hangul/CJK/kana letters get character shingles.
SPACELESS_MIN_SHARE = 0.3


def spaceless_share(text: str) -> float:
    """Share of letters in ``text`` that belong to Hangul, CJK or kana."""
    if text.isascii():
        return 0.0
    letters = sum(map(str.isalpha, text))
    if not letters:
        return 0.0
    return len(_SPACELESS.findall(text)) / letters


@dataclass(frozen=True)
class FingerprintParams:
    """Everything that must agree for two signatures to be comparable."""

    scheme: str
    num_perm: int
    seed: int
    word_shingle: int
    char_shingle: int
    datasketch_major: int

    @classmethod
    def from_config(cls, config: FingerprintConfig) -> FingerprintParams:
        return cls(
            config.scheme,
            config.num_perm,
            config.seed,
            config.word_shingle,
            config.char_shingle,
            DATASKETCH_MAJOR,
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def require_same(self, other: FingerprintParams, what: str = "signatures") -> None:
        if self != other:
            diff = ", ".join(
                f"{k}: {v!r} != {other.to_dict()[k]!r}"
                for k, v in self.to_dict().items()
                if other.to_dict()[k] != v
            )
            raise FingerprintMismatch(f"{what} were made with other MinHash parameters ({diff})")


def normalize(text: str) -> str:
    """Case-folded NFKC text: the form shingles are taken from."""
    return unicodedata.normalize("NFKC", text).casefold()


def words(text: str) -> list[str]:
    return _WORD.findall(normalize(text))


def shingles(text: str, params: FingerprintParams) -> set[bytes]:
    """Word n-grams for spaced scripts, character n-grams (spaces removed) otherwise.

    A text shorter than one shingle yields its whole normalised form as a single shingle,
    so that short passages still get a signature.
    """
    if spaceless_share(text) >= SPACELESS_MIN_SHARE:
        chars = "".join(c for c in normalize(text) if c.isalnum())
        n = params.char_shingle
        grams = {chars[i : i + n] for i in range(len(chars) - n + 1)} or (
            {chars} if chars else set()
        )
    else:
        grams = word_grams(words(text), params.word_shingle)
    return {g.encode("utf-8") for g in grams}


def word_grams(tokens: list[str], n: int) -> set[str]:
    """The runs of ``n`` consecutive ``tokens``, or all of them as one when fewer."""
    grams = {" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}
    if not grams and tokens:
        grams = {" ".join(tokens)}
    return grams


@dataclass(frozen=True)
class Signature:
    """A LeanMinHash together with the parameters that made it."""

    params: FingerprintParams
    minhash: LeanMinHash

    def jaccard(self, other: Signature) -> float:
        self.params.require_same(other.params)
        return float(self.minhash.jaccard(other.minhash))

    @property
    def hashvalues(self) -> np.ndarray[Any, Any]:
        values: np.ndarray[Any, Any] = self.minhash.hashvalues
        return values


class Signer:
    """Makes signatures with one fixed set of permutations (generated once, reused)."""

    def __init__(self, params: FingerprintParams) -> None:
        _datasketch.load()  # without scipy.integrate, see _datasketch.py
        from datasketch import MinHash

        self.params = params
        self._template = MinHash(num_perm=params.num_perm, seed=params.seed, scheme=params.scheme)

    def sign_shingles(self, grams: Iterable[bytes]) -> Signature:
        from datasketch import LeanMinHash, MinHash

        mh = MinHash(
            num_perm=self.params.num_perm,
            seed=self.params.seed,
            permutations=self._template.permutations,
            scheme=self.params.scheme,
        )
        batch = list(grams)
        if batch:
            mh.update_batch(batch)
        return Signature(self.params, LeanMinHash(mh))

    def sign(self, text: str) -> Signature:
        return self.sign_shingles(shingles(text, self.params))

    def sign_many(self, texts: Sequence[str]) -> list[Signature]:
        return self.sign_many_shingles([shingles(t, self.params) for t in texts])

    def sign_many_shingles(self, batches: Sequence[Iterable[bytes]]) -> list[Signature]:
        """Signatures of many shingle sets at once (``MinHash.bulk``: one shared setup)."""
        from datasketch import LeanMinHash, MinHash

        minhashes = MinHash.bulk(
            [list(b) for b in batches],
            num_perm=self.params.num_perm,
            seed=self.params.seed,
            permutations=self._template.permutations,
            scheme=self.params.scheme,
        )
        return [Signature(self.params, LeanMinHash(mh)) for mh in minhashes]

    def union(self, signatures: Sequence[Signature]) -> Signature:
        """The signature of the union of the signed sets: the element-wise minimum (exact
        for MinHash made with the same permutations; used for whole articles)."""
        from datasketch import LeanMinHash

        if not signatures:
            return self.sign_shingles(())
        for sig in signatures:
            self.params.require_same(sig.params)
        values = np.min(np.stack([sig.hashvalues for sig in signatures]), axis=0)
        lean = LeanMinHash(seed=self.params.seed, hashvalues=values, scheme=self.params.scheme)
        return Signature(self.params, lean)


def band_keys(signature: Signature, bands: int, rows: int) -> list[int]:
    """One signed 64-bit key per band (``match.candidates.Banding.keys`` of one row)."""
    return Banding(bands, rows).keys(np.asarray(signature.hashvalues).reshape(1, -1))[0]


def load_stopwords() -> frozenset[str]:
    """The words left out of the claim index (``data/stopwords.txt``)."""
    raw = resources.files("provenance").joinpath("data/stopwords.txt").read_text("utf-8")
    return frozenset(
        w.strip().lower() for w in raw.splitlines() if w.strip() and not w.startswith("#")
    )


def claim_shingles(
    text: str, params: FingerprintParams, stopwords: frozenset[str], n: int = 1
) -> set[bytes]:
    """What the claim index signs: the content words of ``text`` (its words without
    ``stopwords``; all words if none is left) in runs of ``n`` (the whole run if shorter),
    or character shingles for spaceless scripts. The report's claim LSH takes ``n`` from
    ``FingerprintConfig.claim_word_shingle``; quotation units are signed by single words."""
    if spaceless_share(text) >= SPACELESS_MIN_SHARE:
        return shingles(text, params)
    tokens = words(text)
    content = [t for t in tokens if t not in stopwords] or tokens
    return {g.encode("utf-8") for g in word_grams(content, n)}

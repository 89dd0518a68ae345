"""Shingles and MinHash signatures (datasketch LeanMinHash) of passages and articles.

datasketch 2 changed its default permutation scheme (``affine32``); hash values carry no
trace of the scheme that made them. So every signature set carries its ``FingerprintParams``
(scheme, seed, num_perm, shingle sizes, datasketch major version), and comparing two
signatures made with different parameters raises ``FingerprintMismatch`` instead of
returning a meaningless similarity.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from importlib.metadata import version
from typing import Any

import numpy as np
from datasketch import LeanMinHash, MinHash

from provenance.config import FingerprintConfig
from provenance.errors import FingerprintMismatch

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
        major = int(version("datasketch").split(".")[0])
        return cls(
            config.scheme,
            config.num_perm,
            config.seed,
            config.word_shingle,
            config.char_shingle,
            major,
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
        tokens = words(text)
        n = params.word_shingle
        grams = {" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}
        if not grams and tokens:
            grams = {" ".join(tokens)}
    return {g.encode("utf-8") for g in grams}


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
        self.params = params
        self._template = MinHash(num_perm=params.num_perm, seed=params.seed, scheme=params.scheme)

    def sign_shingles(self, grams: Iterable[bytes]) -> Signature:
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
        if not signatures:
            return self.sign_shingles(())
        for sig in signatures:
            self.params.require_same(sig.params)
        values = np.min(np.stack([sig.hashvalues for sig in signatures]), axis=0)
        lean = LeanMinHash(seed=self.params.seed, hashvalues=values, scheme=self.params.scheme)
        return Signature(self.params, lean)


def lsh_bands(num_perm: int, threshold: float) -> tuple[int, int]:
    """(bands, rows) with bands * rows <= num_perm whose S-curve midpoint is nearest
    ``threshold``; ties go to more bands (higher recall)."""
    best: tuple[float, int, int] | None = None
    for rows in range(1, num_perm + 1):
        bands = num_perm // rows
        if bands < 1:
            break
        midpoint = (1.0 / bands) ** (1.0 / rows)
        key = (abs(midpoint - threshold), -bands, rows)
        if best is None or key < best:
            best = key
    if best is None:
        raise ValueError("num_perm must be positive")
    return -best[1], best[2]


def band_keys(signature: Signature, bands: int, rows: int) -> list[int]:
    """One signed 64-bit key per band (fits an SQLite INTEGER), band number mixed in."""
    values = np.asarray(signature.hashvalues)
    keys: list[int] = []
    for band in range(bands):
        chunk = values[band * rows : (band + 1) * rows].astype("<u8").tobytes()
        digest = hashlib.blake2b(chunk, digest_size=8, person=band.to_bytes(2, "little") * 8)
        keys.append(int.from_bytes(digest.digest(), "little", signed=True))
    return keys

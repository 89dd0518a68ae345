"""Shingles, and MinHash signatures of single passages (datasketch LeanMinHash).

The pipeline signs whole batches with ``provenance.match.signatures`` (a numpy matrix,
bit-identical to datasketch); ``Signer`` and ``Signature`` here are datasketch objects, the
reference that tests and benchmarks compare with (datasketch is imported on first use).
``PlainSigner`` signs a handful of sets in plain Python, the same values as the matrix, and
``band_keys_of`` cuts one signature into the index's band keys: a one-article ``provenance
check`` does without numpy (imported here only where a datasketch signature is handled).

datasketch 2 changed its default permutation scheme (``affine32``); hash values carry no
trace of the scheme that made them. So every signature set carries its ``FingerprintParams``
(scheme, seed, num_perm, shingle sizes, datasketch major version), and comparing two
signatures made with different parameters raises ``FingerprintMismatch`` instead of
returning a meaningless similarity.
"""

from __future__ import annotations

import hashlib
import random
import re
import struct
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any

from provenance import _datasketch
from provenance.config import FingerprintConfig
from provenance.errors import FingerprintMismatch

if TYPE_CHECKING:
    import numpy as np
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
        import numpy as np
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
    return band_keys_of(signature.hashvalues.tolist(), bands, rows)


def band_keys_of(values: Sequence[int], bands: int, rows: int) -> list[int]:
    """One signed 64-bit key per band of one signature (fits an SQLite INTEGER), the band
    number mixed in: BLAKE2b of the band's ``rows`` values as little-endian 64-bit
    integers. ``match.candidates.Banding.keys`` is this, row by row of a matrix."""
    out: list[int] = []
    pack = struct.Struct(f"<{rows}Q").pack
    for band in range(bands):
        person = band.to_bytes(2, "little") * 8
        chunk = pack(*values[band * rows : (band + 1) * rows])
        digest = hashlib.blake2b(chunk, digest_size=8, person=person).digest()
        out.append(int.from_bytes(digest, "little", signed=True))
    return out


def lsh_bands(num_perm: int, threshold: float) -> tuple[int, int]:
    """``match.candidates.lsh_bands`` (imported where it is called: it brings numpy)."""
    from provenance.match.candidates import lsh_bands as bands_and_rows

    return bands_and_rows(num_perm, threshold)


# (shift, multiplier, shift, multiplier, shift) of the MurmurHash3 finalizer, by width
FMIX = {
    32: (16, 0x85EBCA6B, 13, 0xC2B2AE35, 16),
    64: (33, 0xFF51AFD7ED558CCD, 33, 0xC4CEB9FE1A85EC53, 33),
}
PLAIN_SCHEMES = {"affine32": 32, "affine64": 64}  # scheme -> width: ``PlainSigner``'s


class RandomState:
    """``numpy.random.RandomState(seed).randint(0, high, count, dtype)`` for ``high`` a power
    of two up to ``2**width`` (``width`` 32 or 64): the same MT19937 words, the same values
    (a test compares them), without importing ``numpy.random`` (~20 ms of a cold check).

    RandomState seeds MT19937 with ``init_genrand(seed)``; ``random.Random`` runs the same
    generator, so it is given that state, and its ``getrandbits(32)`` is one MT19937 word.
    RandomState draws a 64-bit value as two words, the first the upper half, and bounds it
    by masking (``value & (high - 1)``, never rejected when ``high`` is a power of two)."""

    def __init__(self, seed: int) -> None:
        state = [seed]
        for i in range(1, 624):
            prev = state[-1]
            state.append((1812433253 * (prev ^ (prev >> 30)) + i) & 0xFFFFFFFF)
        self._gen = random.Random()
        self._gen.setstate((3, (*state, 624), None))  # 624: the next word regenerates

    def randint(self, high: int, count: int, width: int) -> list[int]:
        bits = self._gen.getrandbits
        if width == 32:
            return [bits(32) & (high - 1) for _ in range(count)]
        return [(bits(32) << 32 | bits(32)) & (high - 1) for _ in range(count)]


def affine_permutations(seed: int, num_perm: int, width: int) -> tuple[list[int], list[int]]:
    """The ``a`` (odd) and ``b`` of datasketch's affine schemes of ``width`` bits, drawn as
    datasketch draws them from ``RandomState(seed)`` (``match.signatures.Permutations``)."""
    draws = RandomState(seed)
    a = [(v * 2 + 1) % (1 << width) for v in draws.randint(1 << (width - 1), num_perm, width)]
    return a, draws.randint(1 << width, num_perm, width)


class PlainSigner:
    """MinHash values of a few shingle sets in plain Python: the values of
    ``match.signatures.sign`` for the affine schemes, bit for bit (a property test compares
    them), without numpy, whose import costs ~100-150 ms where a one-article check signs a
    few hundred shingles (~5 us each here). ``supports``: the schemes and seeds it draws
    (``legacy`` and the seeds numpy refuses go to the matrix signer).

    All permutations of a shingle are computed at once on Python integers holding one
    value per lane of ``2 * width`` bits: ``A * h + B`` (``A``, ``B``: the packed ``a``,
    ``b``) cannot carry from one lane into the next (``a * h + b < 2 ** (2 * width)``), and
    masking each lane to ``width`` bits leaves ``a * h + b`` modulo ``2 ** width``. The
    running minimum is taken lane by lane the same way: ``(acc | G) - x`` with a guard bit
    ``G`` above each value keeps that bit where ``acc >= x``, which selects ``x``."""

    def __init__(self, params: FingerprintParams) -> None:
        if not self.supports(params):
            raise ValueError(f"PlainSigner cannot sign {params.scheme!r}, seed {params.seed}")
        self.width = width = PLAIN_SCHEMES[params.scheme]
        self._lane_bytes = 2 * width // 8
        a, b = affine_permutations(params.seed, params.num_perm, width)
        self._count = len(a)
        self._a, self._b = self._packed(a), self._packed(b)
        self._max = (1 << width) - 1
        self._low = self._packed([self._max] * self._count)  # each lane's value bits
        self._guard = self._packed([1 << width] * self._count)  # the bit above them
        self._words = struct.Struct(f"<{self._count * self._lane_bytes // 8}Q").unpack

    @staticmethod
    def supports(params: FingerprintParams) -> bool:
        return params.scheme in PLAIN_SCHEMES and 0 <= params.seed < 1 << 32

    def _packed(self, values: Sequence[int]) -> int:
        """``values`` as one integer, the first in the lowest lane."""
        size = self._lane_bytes
        return int.from_bytes(b"".join(v.to_bytes(size, "little") for v in values), "little")

    def _hashed(self, grams: Iterable[bytes]) -> list[int]:
        """SHA-1 of each shingle cut to the scheme's width, mixed by the MurmurHash3
        finalizer."""
        size, mask = self.width // 8, self._max
        s1, m1, s2, m2, s3 = FMIX[self.width]
        out = []
        for gram in grams:
            h = int.from_bytes(hashlib.sha1(gram).digest()[:size], "little")
            h ^= h >> s1
            h = h * m1 & mask
            h ^= h >> s2
            h = h * m2 & mask
            out.append(h ^ h >> s3)
        return out

    def sign(self, sets: Iterable[Iterable[bytes]]) -> list[list[int]]:
        """One signature per set: per permutation, the least ``a * h + b`` (modulo
        ``2**width``) over its hashed shingles; an empty set's is ``2**width - 1``
        everywhere (datasketch's empty MinHash)."""
        a, b, low, guard, width = self._a, self._b, self._low, self._guard, self.width
        out = []
        for grams in sets:
            least = None
            for h in self._hashed(grams):
                value = (a * h + b) & low
                if least is None:
                    least = value
                    continue
                # the lanes where least >= value, all ones: there value is the new least
                pick = ((((least | guard) - value) & guard) >> width) * self._max
                least ^= (least ^ value) & pick
            if least is None:
                out.append([self._max] * self._count)
                continue
            # each lane is one little-endian 64-bit word (affine32) or two, the value first
            words = self._words(least.to_bytes(self._count * self._lane_bytes, "little"))
            out.append(list(words) if width == 32 else list(words[::2]))
        return out


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

"""What the index stores about an article: its passages and their LSH band keys.

The persistent index keeps band keys, not signatures: a query counts the bands a stored
passage shares with the query passage, and ``(hits / bands) ** (1 / rows)`` estimates their
Jaccard similarity. The indexed passages are sentence units (``match.units.sentence_units``: the
story text of each paragraph, boilerplate cut off, in runs of whole sentences of at least
``MIN_PASSAGE_CHARS``), so that a copied sentence inside an original paragraph is found;
a copied paragraph is the union of its sentences. Format 1 indexed whole paragraphs with 16
bands each; sentence units are ~2.5 times as many, so the default ``index.bands`` went from
16 to 8 (see ``StoreConfig``) to keep the file within ~2 KB per article beyond its text.

Beside them, each direct quotation of at least ``QuoteConfig.match_min_words`` words is a
*quotation unit* (format 3), signed as the report's quote groups sign quotations: its content
words (``fingerprint.claim_shingles``). ``check`` asks with the new article's quotations: a quote
printed with another speaker, or with two words changed, shares too few word trigrams with
its stored sentence for that sentence's band keys (half of the sentence can be the
attribution), but nearly all of its content words with the stored quotation. Quotation units
take the sequence numbers from ``QUOTE_SEQ`` on, and their keys are XORed with
``QUOTE_SALT``, so a sentence query never meets a quotation unit but by chance.
Keys are the 64-bit keys of ``match.candidates.Banding.keys`` (the report's banding code,
``fingerprint.band_keys_of``) cut to their upper 32 bits, which halves the key column; the
rare chance collision only adds a candidate that rapidfuzz then rejects.

The first ``PLAIN_SHINGLES`` shingles a ``Fingerprinter`` signs are signed in plain Python
(``fingerprint.PlainSigner``), the rest with the numpy matrix (``match.signatures``): the
same values bit for bit, so a one-article ``provenance check`` never imports numpy.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from provenance.config import Config
from provenance.errors import ConfigError
from provenance.fingerprint import (
    FingerprintParams,
    PlainSigner,
    band_keys_of,
    claim_shingles,
    load_stopwords,
    shingles,
)
from provenance.match.quote_groups import word_count
from provenance.match.units import sentence_units
from provenance.model import Article, ArticleResult, SegmentKind

if TYPE_CHECKING:
    from provenance.match.signatures import BatchSigner

# Bump when the tables or the meaning of a column change; old files are then refused (with
# the command to rebuild them when the tables are the same: ``REBUILDABLE_FORMATS``).
# 2: sentence units instead of paragraphs. 3: quotation units beside them.
FORMAT_VERSION = 3
REBUILDABLE_FORMATS = frozenset({"1", "2"})
# A band row points at ``article_pk << REF_BITS | passage_seq``. Sentence units take the
# sequence numbers below QUOTE_SEQ (longer articles index their first 3072), quotation units
# QUOTE_SEQ to 4094 (at most 1023 per article).
REF_BITS = 12
QUOTE_SEQ = 3072
MAX_PASSAGES = QUOTE_SEQ
MAX_QUOTES = (1 << REF_BITS) - 1 - QUOTE_SEQ
KEY_BITS = 32
QUOTE_SALT = 0x5A17C0DE  # XORed with the (32-bit) keys of quotation units
# Shingles a Fingerprinter signs in plain Python before it imports numpy for the rest: at
# ~5 us a shingle (128 permutations), about the ~100 ms that importing numpy costs, so a
# check of a few articles (a few hundred shingles each) never imports it and a large build
# pays at most that much more. Speed only: both signers give the same values.
PLAIN_SHINGLES = 20_000


def content_hash(text: str) -> bytes:
    """16-byte BLAKE2b of the text: re-adding an article with the same hash is a no-op."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


@dataclass(frozen=True)
class IndexedPassage:
    start: int
    end: int
    keys: tuple[int, ...]


@dataclass(frozen=True)
class Entry:
    """One article ready to be stored or queried (computed outside any transaction)."""

    article: Article
    content_hash: bytes
    passages: tuple[IndexedPassage, ...]  # sentence units
    quotes: tuple[IndexedPassage, ...] = ()  # quotation units

    def numbered(self) -> list[tuple[int, IndexedPassage]]:
        """(sequence number, unit) of every stored unit, sentence units first."""
        return [
            *enumerate(self.passages),
            *((QUOTE_SEQ + n, q) for n, q in enumerate(self.quotes)),
        ]


class Fingerprinter:
    """Turns analysed articles into entries, with the parameters the index file records."""

    def __init__(self, config: Config) -> None:
        self.params = FingerprintParams.from_config(config.fingerprint)
        self.bands = config.index.bands
        self.rows = config.index.rows
        if self.bands * self.rows > self.params.num_perm:
            raise ConfigError(
                f"index.bands * index.rows ({self.bands} * {self.rows}) exceeds "
                f"fingerprint.num_perm ({self.params.num_perm})"
            )
        self._plain = PlainSigner(self.params) if PlainSigner.supports(self.params) else None
        self._plain_left = PLAIN_SHINGLES if self._plain is not None else 0
        # the matrix signer, made when the plain one has used its shingles (``legacy``:
        # at once, which also refuses an unknown scheme here as before)
        self._matrix: BatchSigner | None = None if self._plain is not None else self._signer()
        self.quote_min_words = config.quotes.match_min_words
        self._stopwords = load_stopwords()

    def _signer(self) -> BatchSigner:
        from provenance.match.signatures import BatchSigner

        return BatchSigner(self.params)

    def _band_keys(self, sets: Sequence[set[bytes]]) -> list[list[int]]:
        """The 64-bit band keys of each shingle set (``fingerprint.band_keys_of``)."""
        size = sum(map(len, sets))
        if self._plain is not None and size <= self._plain_left:
            self._plain_left -= size
            signed = self._plain.sign(sets)
        else:
            self._plain_left = 0  # from here on the matrix: numpy is imported now
            if self._matrix is None:
                self._matrix = self._signer()
            signed = self._matrix.sign_shingles(sets).tolist()
        return [band_keys_of(values, self.bands, self.rows) for values in signed]

    def meta(self) -> dict[str, str]:
        """Everything that must agree between the file and this run, as text."""
        values: dict[str, object] = {
            "format_version": FORMAT_VERSION,
            **self.params.to_dict(),
            "bands": self.bands,
            "rows": self.rows,
            "key_bits": KEY_BITS,
            "passage_kind": SegmentKind.SENTENCE.value,
            "quote_min_words": self.quote_min_words,
        }
        return {k: str(v) for k, v in values.items()}

    def keys(self, text: str) -> tuple[int, ...]:
        return self._cut(self._band_keys([shingles(text, self.params)])[0])

    def quote_keys(self, text: str) -> tuple[int, ...]:
        """The keys of a quotation unit (see the module docstring)."""
        found = claim_shingles(text, self.params, self._stopwords)
        keys = self._band_keys([found])[0]
        return tuple(k ^ QUOTE_SALT for k in self._cut(keys))

    @staticmethod
    def _cut(keys: Sequence[int]) -> tuple[int, ...]:
        return tuple(k >> (64 - KEY_BITS) for k in keys)

    def entry(self, result: ArticleResult, *, with_boilerplate: bool = False) -> Entry:
        """The article's sentence units without boilerplate (what is stored), or with it
        (``with_boilerplate``: a duplicate query that a boilerplate false positive cannot
        empty)."""
        return self._entry(result, with_boilerplate, {}, None)

    def entry_pair(self, result: ArticleResult) -> tuple[Entry, Entry]:
        """``entry(result)`` and ``entry(result, with_boilerplate=True)`` (what ``check``
        stores and what it queries with), each distinct unit text and quotation signed
        once: most units are in both."""
        known: dict[str, tuple[int, ...]] = {}
        stored = self._entry(result, False, known, None)
        return stored, self._entry(result, True, known, stored.quotes)

    def _entry(
        self,
        result: ArticleResult,
        with_boilerplate: bool,
        known: dict[str, tuple[int, ...]],
        quotes: tuple[IndexedPassage, ...] | None,
    ) -> Entry:
        """``entry``, with the keys of the unit texts in ``known`` taken from there (the
        others added to it) and the quotation units ``quotes`` when already made (they do
        not depend on the boilerplate)."""
        source = replace(result, boilerplate=()) if with_boilerplate else result
        passages = sentence_units(source)[:MAX_PASSAGES]
        fresh = list(dict.fromkeys(p.text for p in passages if p.text not in known))
        signed = self._band_keys([shingles(text, self.params) for text in fresh])
        known.update((text, self._cut(k)) for text, k in zip(fresh, signed, strict=True))
        indexed = tuple(IndexedPassage(p.start, p.end, known[p.text]) for p in passages)
        if quotes is None:
            quoted = [q for q in result.quotes if word_count(q.text) >= self.quote_min_words]
            quotes = tuple(
                IndexedPassage(q.start, q.end, self.quote_keys(q.text)) for q in quoted[:MAX_QUOTES]
            )
        return Entry(result.article, content_hash(result.article.text), indexed, quotes)

    def entries(self, results: Sequence[ArticleResult]) -> list[Entry]:
        return [self.entry(r) for r in results]

    def estimate(self, hits: int) -> float:
        """Jaccard estimate from the number of shared bands (the inverse of the S-curve)."""
        return round(float(min(1.0, hits / self.bands) ** (1.0 / self.rows)), 4)

"""The claim units of a corpus, grouped by distinct text: what the claim stage keeps.

A claim unit is a sentence of the non-boilerplate text; a sentence longer than
``AlignConfig.claim_max_chars`` is cut into clauses at ``;`` or ``,`` (each clause at least
``FingerprintConfig.min_passage_chars`` long). Identical units are one distinct text.

Only numbers stay in memory: per unit, numpy columns (article, start, end, distinct text);
per distinct text, CSR columns of its anchors (numbers into ``anchor_names``, the table of
distinct anchors, with their rarity weights ``idf``) and of its outlets (numbers into
``outlet_names``). The texts themselves, their claim keys and their MinHash signatures go
where the caller says (the work store: read back by number when scoring or grouping needs
them) as they are found; by default they are kept in memory, behind the same interface.
The distinct texts are told apart by a 128-bit hash of each unit (two passes over the
results), and described (claim key, anchors, signature) a block at a time by an executor's
workers or in this process.
"""

from __future__ import annotations

import math
import re
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

import numpy as np
import numpy.typing as npt

from provenance.anchors import AnchorFinder, AnchorLexicon
from provenance.config import Config
from provenance.fingerprint import FingerprintParams, claim_shingles, load_stopwords, normalize
from provenance.match.anchor_table import AnchorTable
from provenance.match.articles import Ids, Strings
from provenance.match.candidates import SignatureRows, Signatures
from provenance.match.claim_columns import (
    ArticleOutlets,
    ArticleTexts,
    Sets,
    StoredArticleRecords,
    article_record,
    number_distinct,
    text_digest,
)
from provenance.match.codes import Picked, index_type, spread, unique
from provenance.match.signatures import BatchSigner
from provenance.match.units import KeptSteps, MemoryTexts, Texts, in_id_order, kept_column
from provenance.model import ArticleResult, outlet_key

if TYPE_CHECKING:  # run.local imports resources, which imports this module
    from provenance.resources import Resources
    from provenance.run.local import Executor

# The unit columns that only the claim groups read (each unit's article and offsets, the
# units by text), kept under this name in the work store as soon as they are made, when the
# corpus is given one (at 1,000,000 articles, 7.8 million units: ~155 MB, no longer held
# while the texts are described, the claims corpus's peak).
PARKED = "claim-units"
# The texts' anchor numbers (``anchor_ids``: ~6 a text, 4 bytes each; read by the claim
# links' scoring, the semantic pairs and the groups, a text or a block at a time), written
# under this name as the texts are described, ``ANCHOR_BLOCK`` numbers at a time (at
# 1,000,000 articles 44 million numbers: 178 MB that the corpus held whole).
ANCHORS = "claim-anchors"
ANCHOR_IDS = "anchor_ids"
ANCHOR_BLOCK = 1 << 20  # 4 MB of numbers a write (a few dozen writes at 1M articles)
# Units whose article and offsets are read at a time (from the parked columns) to cut the
# distinct texts out of their articles.
FIRSTS_BLOCK = 1 << 16
Codes = npt.NDArray[np.int64]
Numbers = npt.NDArray[np.integer[Any]]
UNIT_COLUMNS = ("article", "start", "end", "by_text", "bounds")
UNIT_KEYS = UNIT_COLUMNS[:3]  # a unit's article and offsets


class Units(NamedTuple):
    """Units of some distinct texts (``ClaimCorpus.units_of``), as aligned columns."""

    which: Codes  # the index of the text (among those asked for) each unit is of
    position: Codes  # the unit's number (units are numbered in id order, then start)
    article: Numbers  # its article's number (in id order)
    start: Numbers  # its offsets in its article's text
    end: Numbers


# Distinct texts described (claim key, anchors, signature) by one executor task: the context
# (the anchor lexicon, the shingler) travels with each chunk of tasks, the texts and what
# they give back with each task.
DESCRIBE_BLOCK = 256
# Blocks sent to a worker at once (``Executor.map``'s ``chunk``): a pool holds two chunks a
# worker in flight with what they give back (a block's signatures, keys and anchors: some
# 300 KB). The pool's default (64 items, made for articles) held ~80,000 texts' worth; a
# few blocks a chunk keep the round trips (about a millisecond each) rare beside the work.
DESCRIBE_CHUNK = 4

_CUT = re.compile(r"[;,]\s+")
_WORD = re.compile(r"\w+", re.UNICODE)

Column = np.ndarray[Any, Any]


@dataclass(frozen=True)
class Unit:
    article_id: str
    start: int
    end: int
    text: str


def claim_key(text: str) -> str:
    """The form ``claim_score`` compares: normalised words, sorted, joined by spaces."""
    return " ".join(sorted(_WORD.findall(normalize(text))))


def clauses(text: str, start: int, max_chars: int, min_chars: int) -> list[tuple[int, int]]:
    """(start, end) offsets of the clauses of one sentence starting at ``start``."""
    if len(text) <= max_chars:
        return [(start, start + len(text))]
    out: list[tuple[int, int]] = []
    begin = 0
    for m in _CUT.finditer(text):
        cut = m.start() + 1
        if cut - begin >= min_chars and len(text) - m.end() >= min_chars:
            out.append((start + begin, start + cut))
            begin = m.end()
    out.append((start + begin, start + len(text)))
    return out


def units_of(result: ArticleResult, config: Config) -> list[Unit]:
    """The claim units of one article, in text order."""
    text = result.article.text
    minimum = config.fingerprint.min_passage_chars
    out: list[Unit] = []
    for s in result.segmentation.sentences:
        if s.end - s.start < minimum:
            continue
        if any(b.start < s.end and s.start < b.end for b in result.boilerplate):
            continue
        for a, b in clauses(s.text, s.start, config.align.claim_max_chars, minimum):
            out.append(Unit(result.article.id, a, b, text[a:b]))
    return out


@dataclass(frozen=True)
class ClaimText:
    """A distinct unit text with what every link to it needs (``ClaimCorpus.text``: made
    when asked, never kept)."""

    text: str
    key: str  # claim_key
    anchors: frozenset[str]
    outlets: frozenset[str]


@dataclass(frozen=True)
class Describer:
    """What describing a distinct text takes: the anchor lexicon and the claim shingler
    (``claim_shingles`` with the run's parameters)."""

    lexicon: AnchorLexicon
    params: FingerprintParams
    shingler: Callable[[str], Iterable[bytes]]

    @classmethod
    def of(cls, config: Config, lexicon: AnchorLexicon) -> Describer:
        params = FingerprintParams.from_config(config.fingerprint)
        n = config.fingerprint.claim_word_shingle
        shingler = partial(claim_shingles, params=params, stopwords=load_stopwords(), n=n)
        return cls(lexicon, params, shingler)


# Per text of a block: its claim key and its anchors (sorted); and the block's signatures.
Described = tuple[list[str], list[list[str]], Column]


def describe(
    texts: Sequence[str], describer: Describer, find: AnchorFinder | None = None
) -> Described:
    """The ``claim_key``, the anchors (with ``find``, a finder of the describer's lexicon,
    or a new one) and the MinHash signature of each text."""
    if find is None:
        find = AnchorFinder(describer.lexicon)
    keys = [claim_key(t) for t in texts]
    anchors = [sorted(find(t)) for t in texts]
    signed = BatchSigner(describer.params).sign_shingles(describer.shingler(t) for t in texts)
    return keys, anchors, signed


def describe_task(texts: list[str], describer: Describer, resources: Resources | None) -> Described:
    """``describe`` as an executor's task (``run.local.Task``): with the process's anchor
    finder (it remembers the words it folded across blocks) when its lexicon is the
    describer's, else (or without resources) a new one."""
    finder = None if resources is None else resources.anchor_finder
    if finder is not None and finder.lexicon != describer.lexicon:
        finder = None
    return describe(texts, describer, finder)


class StoredSignatures(SignatureRows, Protocol):
    def close(self) -> None: ...


class Blobs(Protocol):
    """Byte strings numbered in the order they are added, read back by number (the claim
    groups, pickled: in memory, or ``run.stored.StoredBlobs``)."""

    def __len__(self) -> int: ...

    def extend(self, values: Sequence[bytes]) -> None: ...

    def many(self, seqs: Sequence[int]) -> list[bytes]: ...


class StoredKeys(Texts, Protocol):
    def close(self) -> None: ...


class WorkFolder(Protocol):
    """Where the claim stage's texts, keys, signatures and groups go
    (``run.workstore.WorkStore``)."""

    def texts(self, name: str) -> Texts: ...

    def matrix(self, name: str, width: int) -> StoredSignatures: ...

    def blobs(self, name: str, *, fresh: bool = True) -> Blobs: ...

    def strings(self, name: str) -> StoredKeys: ...


def anchor_weights(df: Column, texts: int, config: Config) -> Column:
    """Per anchor, its rarity weight from the number of texts that carry it (``df``, at
    least 1 each): see ``claims``' module docstring. ``math.log``, as the weights always
    were, once per count below "common" (a table of them: at most a twentieth of the
    texts), not per anchor (millions at 1M articles), read by count: no sorted copy of the
    counts (``numpy.unique`` held four arrays the anchors' length)."""
    cc = config.claims
    common = max(cc.anchor_common_share * texts, cc.anchor_common_min)
    # the counts from here on are common: they weigh nothing. No anchor is in more than all
    # the texts, so the table stops there however high anchor_common_min is set
    above = min(math.ceil(common), texts + 1)
    table = [0.0] + [max(0.0, math.log(common / c)) for c in range(1, above)] + [0.0]
    counts = np.minimum(np.asarray(df), above)  # of df's type (int32 from the corpus)
    weights: Column = np.asarray(table, dtype=np.float64).take(counts)
    return weights


class ClaimCorpus:
    """The claim units of ``results`` (read through twice, in id order; a lazy sequence is
    read back twice); ``executor`` describes the distinct texts (their claim keys, anchors
    and signatures; default: in this process). The texts, keys and signatures go to
    ``folder`` (the work store) when given, else they stay in memory."""

    def __init__(
        self,
        results: Sequence[ArticleResult],
        config: Config,
        lex: AnchorLexicon,
        executor: Executor | None = None,
        folder: WorkFolder | None = None,
        kept: KeptSteps | None = None,
    ):
        # in id order; ``unit_article`` points into it (one UTF-8 buffer, not a str each)
        ids = Strings()
        self.ids = Ids(ids)
        records: Texts = MemoryTexts() if folder is None else folder.texts("claim-articles")
        pending: list[str] = []
        ordered = in_id_order(results)
        owner, starts, ends, article_outlet = (array("i") for _ in range(4))
        outlet_codes: dict[str, int] = {}
        digests = bytearray()
        for n, r in enumerate(ordered):
            article = r.article
            ids.append(article.id)
            article_outlet.append(outlet_codes.setdefault(outlet_key(article), len(outlet_codes)))
            pending.append(article_record(article))
            if len(pending) >= DESCRIBE_BLOCK:
                records.extend(pending)
                pending.clear()
            for u in units_of(r, config):
                owner.append(n)
                starts.append(u.start)
                ends.append(u.end)
                digests += text_digest(u.text)
        records.extend(pending)
        # the articles without their text, read back by id (``Article.without_text``)
        self.articles = StoredArticleRecords(self.ids, records)
        # int32 columns (4 bytes a unit each: texts, units and offsets are below 2**31)
        unit_article = np.asarray(owner, dtype=np.int32)
        self.article_outlet = np.asarray(article_outlet, dtype=np.int32)
        self.unit_text, firsts = number_distinct(digests)
        del digests
        self._size = size = len(firsts)
        by_text = np.argsort(self.unit_text, kind="stable").astype(np.int32)
        bounds = np.searchsorted(self.unit_text[by_text], np.arange(size + 1))
        self._units: Mapping[str, Picked] | None = {
            "article": unit_article,
            "start": np.asarray(starts, dtype=np.int32),
            "end": np.asarray(ends, dtype=np.int32),
            "by_text": by_text,
            "bounds": bounds.astype(np.int32),
        }
        self._parked: KeptSteps | None = None
        del owner, starts, ends, article_outlet, by_text, bounds
        if kept is not None:  # out of memory before the texts are described
            kept.keep_arrays(PARKED, self._units)
            self._parked = kept
            self._units = None
        self.outlet_names = list(outlet_codes)
        # the distinct (text, outlet) pairs, by text then outlet: each text's outlets
        width = max(len(self.outlet_names), 1)
        pairs = unique(self.unit_text.astype(np.int64) * width + self.article_outlet[unit_article])
        pair_text, pair_outlet = np.divmod(pairs, width)
        self.outlet_cuts = np.searchsorted(pair_text, np.arange(size + 1))
        self.outlet_cuts = self.outlet_cuts.astype(index_type(len(pair_outlet)))
        self.outlet_ids = pair_outlet.astype(np.int32)
        del pairs, pair_text, pair_outlet
        # per distinct text, its only outlet's number, or -1 when it is in several
        counts = np.diff(self.outlet_cuts)
        only = self.outlet_ids[self.outlet_cuts[:-1]]
        self.text_outlet = np.where(counts == 1, only, -1).astype(np.int32)
        self.text_outlets: Sequence[frozenset[str]]
        self.text_outlets = Sets(self.outlet_names, self.outlet_cuts, self.outlet_ids, True)
        cuts = np.searchsorted(unit_article, np.arange(len(self.ids) + 1))
        self.article_texts = ArticleTexts(self.ids, cuts, self.unit_text)
        self.article_outlets = ArticleOutlets(self.ids, self.article_outlet, self.outlet_names)
        del unit_article
        self._describe(ordered, firsts, config, lex, executor, folder, kept)

    def _describe(
        self,
        ordered: Sequence[ArticleResult],
        firsts: Column,
        config: Config,
        lex: AnchorLexicon,
        executor: Executor | None,
        folder: WorkFolder | None,
        kept: KeptSteps | None,
    ) -> None:
        """The distinct texts (in the order they are numbered) written to ``texts`` and
        described a block at a time: keys to ``keys``, anchors to CSR columns (their
        numbers to ``kept`` as they come, when given), signatures to ``signatures``."""
        describer = Describer.of(config, lex)
        self.texts: Texts = MemoryTexts() if folder is None else folder.texts("claim-texts")
        # the keys in a file of their own: scoring reads many scattered ones, a block of
        # proposed links at a time
        self._keys: StoredKeys | None = None if folder is None else folder.strings("claim-keys")
        self.keys: Texts = MemoryTexts() if self._keys is None else self._keys
        empty = BatchSigner(describer.params).sign_shingles([])
        stored = None  # a file of uint32 rows holds the signatures of the 32-bit schemes
        if folder is not None and empty.dtype == np.uint32:
            stored = folder.matrix("claim-signatures", empty.shape[1])
        self._stored = stored
        table = AnchorTable()
        blocks: list[Column] = []

        def texts() -> Iterator[list[str]]:
            """The first occurrence of each distinct text, a block at a time, in order."""
            batch: list[str] = []
            units = self._unit_columns()
            articles = iter(ordered)
            at, text = -1, ""
            for lo in range(0, len(firsts), FIRSTS_BLOCK):
                chosen = firsts[lo : lo + FIRSTS_BLOCK]
                owner, starts, ends = (units[key].take(chosen).tolist() for key in UNIT_KEYS)
                for k, start, end in zip(owner, starts, ends, strict=True):
                    while at < k:  # the articles in id order, each read once
                        text, at = next(articles).article.text, at + 1
                    batch.append(text[start:end])
                    if len(batch) >= DESCRIBE_BLOCK:
                        self.texts.extend(batch)
                        yield batch
                        batch = []
            if batch:
                self.texts.extend(batch)
                yield batch

        described: Iterable[Described]
        if executor is None:
            described = (describe(t, describer) for t in texts())
        else:
            described = executor.map(describe_task, texts(), describer, chunk=DESCRIBE_CHUNK)

        def numbered(table: AnchorTable) -> Iterator[dict[str, Column]]:
            """The texts' anchor numbers for ``kept``, ``ANCHOR_BLOCK`` or more at a time
            as described, then the rest (without ``kept``, they all stay in the table)."""
            for keys, anchors, signed in described:
                self.keys.extend(keys)
                for found in anchors:
                    table.add(found)
                if stored is None:
                    blocks.append(signed)
                else:
                    stored.extend(signed)
                if kept is not None and table.held >= ANCHOR_BLOCK:
                    yield {ANCHOR_IDS: table.take()}
            if kept is not None:
                table.number()
                yield {ANCHOR_IDS: table.take()}

        if kept is None:
            for _ in numbered(table):  # nothing is yielded: the numbers stay in the table
                pass
        else:
            kept.keep_blocks(ANCHORS, {ANCHOR_IDS: np.int32}, numbered(table))
        # the ids: all of them in memory, or none (all taken and kept)
        self.anchor_names, self.anchor_cuts, ids = table.columns()
        self.anchor_ids: Picked = ids if kept is None else kept_column(kept, ANCHORS, ANCHOR_IDS)
        del table
        if self._parked is not None:  # read from the work store again when the groups need them
            self._units = None
        self.anchor_sets: Sequence[frozenset[str]]
        self.anchor_sets = Sets(self.anchor_names, self.anchor_cuts, self.anchor_ids, False)
        self.signatures: Signatures
        if stored is not None:
            self.signatures = stored
        elif blocks:
            self.signatures = np.vstack(blocks)
        else:
            self.signatures = empty
        # per anchor, the texts that carry it (bincount would copy the int32 ids as int64;
        # int32: fewer than 2**31 texts), from the numbers a slice at a time when kept
        df = np.zeros(len(self.anchor_names), dtype=np.int32)
        for lo in range(0, len(self.anchor_ids), ANCHOR_BLOCK):
            np.add.at(df, self.anchor_ids[lo : lo + ANCHOR_BLOCK], 1)
        self.idf = anchor_weights(df, len(self), config)  # per anchor, by number

    def __len__(self) -> int:
        """The number of distinct texts."""
        return self._size

    def _unit_columns(self) -> Mapping[str, Picked]:
        if self._units is None:
            if self._parked is None:  # pragma: no cover - parked, or made in memory
                raise RuntimeError("the claim corpus has no unit columns")
            # a RuntimeError naming them when they are gone
            self._units = {key: kept_column(self._parked, PARKED, key) for key in UNIT_COLUMNS}
        return self._units

    def units_of(self, texts: Numbers) -> Units:
        """The units of distinct ``texts``, text after text (each one's in unit order),
        with their article, start and end: read at once (a few reads of the work store's
        file when parked)."""
        units = self._unit_columns()
        texts = np.asarray(texts, dtype=np.int64)
        bounds = units["bounds"].take(np.r_[texts, texts + 1]).astype(np.int64)
        at, which = spread(bounds[: len(texts)], bounds[len(texts) :])
        position = units["by_text"].take(at).astype(np.int64)
        article, start, end = (units[key].take(position) for key in UNIT_KEYS)
        return Units(which, position, article, start, end)

    @property
    def unit_article(self) -> Column:
        """Per unit, its article's number (in id order);
        the whole column, read from the work store's file when parked."""
        return self._unit_columns()["article"][:]

    @property
    def unit_start(self) -> Column:
        """Per unit, its start in its article's text;
        the whole column, read from the work store's file when parked."""
        return self._unit_columns()["start"][:]

    @property
    def unit_end(self) -> Column:
        """Per unit, its end in its article's text;
        the whole column, read from the work store's file when parked."""
        return self._unit_columns()["end"][:]

    def text(self, k: int) -> ClaimText:
        """Distinct text ``k`` with its key, anchors and outlets (read back, made anew)."""
        (text,), (key,) = self.texts.many([k]), self.keys.many([k])
        return ClaimText(text, key, self.anchor_sets[k], self.text_outlets[k])

    def units_of_text(self, k: int) -> Codes:
        """The units of distinct text ``k`` (positions, in unit order)."""
        return self.units_of(np.asarray([k])).position

    def close(self) -> None:
        """Let go of the signatures' file (when in the work store): LSH has read them."""
        if self._stored is not None:
            self._stored.close()
            self._stored = None

    def close_keys(self) -> None:
        """Let go of the claim keys' file (when in the work store): the links are scored."""
        if self._keys is not None:
            self._keys.close()
            self._keys = None

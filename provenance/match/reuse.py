"""Cross-outlet reuse: which passages of an article appear in another outlet's article.

    passages -> distinct texts -> MinHash matrix -> band-key candidates -> rapidfuzz alignment
             -> wire / shared candidate spans (for classify), matches, near-duplicates

Identical passages are signed and aligned once (a sentence repeated in a thousand articles
is one distinct text with a thousand occurrences). Each distinct text is linked to itself
(score 100) and to the distinct texts it aligns with. An occurrence in article A then takes
as sources, per link, the best-ranked occurrences in articles of *other* outlets (wire
articles first, then earliest ``published``, then id), at most ``AlignConfig.max_sources``:
- if one of them is a wire article (``source_kind: wire``) and A is not, the span is
  ``wire`` (evidence ``alignment``, agency = the wire article's outlet, sources = the wire
  spans);
- otherwise it is ``shared``, with ``first``: the wire article when exactly one wire article
  has the text, else the article with the earliest ``published`` among all articles that
  have it, or ``"unknown"`` when a date is missing or the earliest date is tied.
Same-outlet repeats are never sources (boilerplate reports them as ``outlet_repeat``).
A sentence span inside a paragraph span with the same label and sources is dropped, so a
copied paragraph is one span with one grade.
"""

from __future__ import annotations

from array import array
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

import numpy as np

from provenance.anchors import AnchorLexicon
from provenance.config import Config
from provenance.fingerprint import FingerprintParams, shingles
from provenance.match.articles import ArticleTable
from provenance.match.candidates import SignatureRows, Signatures
from provenance.match.claim_columns import number_distinct, text_digest
from provenance.match.claim_corpus import WorkFolder
from provenance.match.claims import find_claims
from provenance.match.duplicates import find_duplicates
from provenance.match.links import find_links
from provenance.match.reuse_spans import Ranking, spans_for
from provenance.match.signatures import Matrix
from provenance.match.units import (
    Checkpoints,
    MemoryTexts,
    RowStore,
    SpanSink,
    Texts,
    in_id_order,
    passages_of,
)
from provenance.model import (
    Article,
    ArticleResult,
    ClaimGroup,
    Duplicate,
    Match,
    Span,
)
from provenance.run.heap import give_back
from provenance.run.kernels import Kernels, Local, SignedBatches

if TYPE_CHECKING:  # run.local imports resources, which imports the claims
    from provenance.run.local import Executor


@dataclass(frozen=True)
class Reuse:
    """What the reuse stage hands to classify and to the report."""

    # per article, in id order: its wire/shared candidate spans (a tuple, or rows of the
    # work store read back one at a time)
    spans: Sequence[tuple[Span, ...]]
    matches: Sequence[Match]  # in report order (``reuse_spans.MatchTable``: numpy columns)
    duplicates: Mapping[str, tuple[Duplicate, ...]]
    clusters: tuple[tuple[str, ...], ...]
    claims: Sequence[ClaimGroup]  # in report order (``claim_groups.ClaimTable``)


@dataclass(frozen=True)
class Corpus:
    """Passages of a corpus grouped by distinct text, with their signatures: numpy arrays
    and the articles' metadata; the texts themselves are in ``texts`` (memory or the work
    store), read back when alignment needs them."""

    articles: ArticleTable  # the articles' metadata as columns, in id order
    ids: Sequence[str]  # article ids in order (``articles.ids``); passages point into it
    passage_article: Matrix  # per passage (in article, then text order): its article
    passage_start: Matrix  # per passage: its start in its article
    passage_text: Matrix  # per passage: its distinct text
    lengths: Matrix  # per distinct text: its length
    by_text: Matrix  # passages grouped by distinct text, in passage order
    bounds: Matrix  # distinct text u's passages: by_text[bounds[u] : bounds[u + 1]]
    texts: Texts  # distinct passage texts, numbered in order of first occurrence
    signatures: Signatures  # one row per distinct text (in memory, or ``signatures_to``)

    @classmethod
    def build(
        cls,
        results: Sequence[ArticleResult],
        config: Config,
        kernels: Kernels,
        texts: Texts,
        signatures_to: SignatureRows | None = None,
    ) -> Corpus:
        """Two passes over ``results`` (in id order; a lazy sequence is read back twice): the
        passages and a 128-bit hash of each text, then the first occurrence of each distinct
        text, written to ``texts`` and signed a chunk at a time, the signatures kept in
        memory or written to ``signatures_to`` (the work folder) as they are made."""
        minimum = config.fingerprint.min_passage_chars
        articles = ArticleTable()
        # per passage: its article, start and end (int32, 4 bytes each: a record's size
        # keeps offsets below 2**31), and the 128-bit hash of its text
        owner, starts, ends = array("i"), array("i"), array("i")
        digests = bytearray()
        for k, r in enumerate(results):
            articles.add(r.article)
            for p in passages_of(r, minimum):
                owner.append(k)
                starts.append(p.start)
                ends.append(p.end)
                digests += text_digest(p.text)
        passage_text, firsts = number_distinct(digests)
        del digests  # what the signing pass holds: the columns, not their making
        start_of, end_of, owner_of = (_column(x) for x in (starts, ends, owner))
        del starts, ends, owner
        params = FingerprintParams.from_config(config.fingerprint)
        shingler = partial(shingles, params=params)
        signed = SignedBatches(kernels, params, shingler, signatures_to, texts.extend)
        at = 0
        for k, r in enumerate(results):
            while at < len(firsts) and owner_of[firsts[at]] == k:
                i = firsts[at]
                signed.add([r.article.text[start_of[i] : end_of[i]]])
                at += 1
            if at == len(firsts):
                break
        lengths = (end_of - start_of)[firsts]
        signatures = signed.done()
        return cls.of(
            articles.close(), owner_of, start_of, passage_text, lengths, texts, signatures
        )

    @classmethod
    def of(
        cls,
        articles: ArticleTable | Mapping[str, Article],
        passage_article: Matrix,
        passage_start: Matrix,
        passage_text: Matrix,
        lengths: Matrix,
        texts: Texts,
        signatures: Signatures,
    ) -> Corpus:
        """The corpus of numbered passages (``articles`` in id order, a table or text-less
        articles by id; the passages in article, then text order)."""
        if not isinstance(articles, ArticleTable):
            articles = ArticleTable.of(articles.values())
        # int32 (4 bytes a passage): fewer than 2**31 passages
        by_text = np.argsort(passage_text, kind="stable").astype(np.int32)
        bounds = np.searchsorted(passage_text[by_text], np.arange(len(lengths) + 1))
        bounds = bounds.astype(np.int32)
        return cls(
            articles,
            articles.ids,
            passage_article,
            passage_start,
            passage_text,
            lengths,
            by_text,
            bounds,
            texts,
            signatures,
        )

    def occurrences(self, text: int) -> list[int]:
        """The passages of distinct text ``text``, in passage order."""
        return self.by_text[self.bounds[text] : self.bounds[text + 1]].tolist()  # type: ignore[no-any-return]

    def article_of(self, passage: int) -> Article:
        """The article of a passage, without its text (id, outlet, date and kind)."""
        return self.articles.article(int(self.passage_article[passage]))

    def start_of(self, passage: int) -> int:
        return int(self.passage_start[passage])


def _column(values: array[int]) -> Matrix:
    """An ``array`` of int32 as a numpy column of its own (the array can go)."""
    return np.frombuffer(values, dtype=np.int32).copy() if values else np.zeros(0, np.int32)


SIDE = "reuse-side"  # the matches, near-duplicates and clusters, kept before the claims
MATCHES = "reuse-matches"  # the match table's columns (``MatchTable.kept``), which SIDE names


def find_reuse(
    results: Sequence[ArticleResult],
    config: Config,
    anchor_lexicon: AnchorLexicon | None = None,
    kernels: Kernels | None = None,
    texts: Texts | None = None,
    vectors_to: RowStore | None = None,
    spans_to: SpanSink = tuple,
    signatures_to: SignatureRows | None = None,
    executor: Executor | None = None,
    article_signatures_to: SignatureRows | None = None,
    claims_to: WorkFolder | None = None,
    checkpoints: Checkpoints | None = None,
) -> Reuse:
    """Wire and shared candidate spans, matches and near-duplicates of a corpus; ``kernels``
    sign, propose candidates and align (default: in this process). ``results`` may be a
    lazy sequence in id order (the work store's): it is read through, never held; the
    distinct passage texts go to ``texts``, their signatures to ``signatures_to``, the
    articles' (near-duplicates) to ``article_signatures_to``, the claims' sentence
    vectors to ``vectors_to`` (default for the four: memory) and each
    article's spans to ``spans_to`` as they are made (default: a tuple); ``executor`` runs
    the claims' per-text work and scores their proposed links (default: this process);
    the claims' distinct texts, keys and signatures go to ``claims_to`` (the work store;
    default: memory). With ``checkpoints`` (the work store, with ``spans_to`` its rows),
    the reuse side's results are kept once made, before the claims, and a resumed run that
    finds them goes straight to the claims."""
    kernels = kernels or Local()
    ordered = in_id_order(results)
    side = checkpoints.reduced(SIDE) if checkpoints is not None else None
    if isinstance(side, Reuse):  # a resumed run: the spans are the rows stored already
        spans: Sequence[tuple[Span, ...]] = spans_to(())
        matches, duplicates, clusters = side.matches, side.duplicates, side.clusters
    else:
        texts = texts if texts is not None else MemoryTexts()
        corpus = Corpus.build(ordered, config, kernels, texts, signatures_to)
        links = find_links(corpus, config, kernels)
        spans, matches = spans_for(corpus, config, links, Ranking(corpus), spans_to)
        links.close()  # its file, when the links went to the work folder
        del links
        if checkpoints is not None:  # read from the work store from now on
            matches = matches.kept(checkpoints, MATCHES)
        # the articles with passages (in id order) and where each one's rows start
        cuts = np.searchsorted(corpus.passage_article, np.arange(len(corpus.ids) + 1))
        has = np.flatnonzero(np.diff(cuts) > 0)
        ids = corpus.articles.ids
        duplicates, clusters = find_duplicates(
            ids.picked(has),
            corpus.passage_text,
            np.r_[cuts[has], cuts[-1]],  # [0] when no article has a passage
            corpus.signatures,
            lambda a: ordered[ids.bisect_left(a)].article.text,  # read when LSH proposes it
            config,
            kernels,
            article_signatures_to,
        )
        del corpus, ids, cuts, has  # the claim stage runs without the passages' tables
        give_back()  # and without the free pages they left in the C heap
        if checkpoints is not None:  # the spans went to ``spans_to`` as they were made
            checkpoints.keep(SIDE, Reuse((), matches, duplicates, clusters, ()))
    return Reuse(
        spans=spans,
        matches=matches,
        duplicates=duplicates,
        clusters=clusters,
        claims=find_claims(
            ordered,
            config,
            anchor_lexicon,
            kernels,
            executor,
            vectors_to=vectors_to,
            folder=claims_to,
            checkpoints=checkpoints,
        ),
    )

"""Claims repeated across outlets, in the same words, in other words or in another language.

Units: a claim unit is a sentence of the non-boilerplate text; a sentence longer than
``AlignConfig.claim_max_chars`` is cut into clauses at ``;`` or ``,`` (each clause at least
``FingerprintConfig.min_passage_chars`` long). Identical units are one distinct text.

Links between distinct texts of different outlets come from two candidate sources, never
from all pairs:

1. lexical: MinHash LSH over content words (``claim_shingles``: a paraphrase shares words
   but few word trigrams) proposes pairs; rapidfuzz's sorted-word ratio
   (``claim_score``) scores them;
2. semantic (when ``ClaimsConfig.model`` is not "none"): the units are embedded
   (``semantic.py``); candidate *article* pairs come from random-hyperplane LSH over each
   article's mean vector and from MinHash LSH over each article's anchor set, at most
   ``article_pairs`` per article; inside a candidate article pair the sentences are ranked
   against each other, and only mutually best pairs are kept (a claim is restated once per
   article; the second-best sentence of the other article is a neighbour on the same topic).

``confidence`` decides each link from its lexical score, cosine, whether it is mutually
best, and the rarity weight of the anchors the two texts share (``anchors.py``: names and
numbers in one form across spellings; weight = sum of log(share * units / units with the
anchor) over shared anchors found in fewer than ``anchor_common_share`` of the units (and
fewer than ``anchor_common_min``): a corpus's topic names, on every other sentence, weigh
nothing).

Groups do not drift: a group is a star around one centre text. The text with links into the
most other outlets (strong links first) becomes a centre and takes every not yet grouped text
it links to directly; then the next. Each occurrence therefore matches the group's claim
text itself, never only a neighbour of a neighbour. A group is reported when it spans two
outlets; it is ``strong`` when its centre's strong links reach another outlet.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from provenance.anchors import AnchorLexicon
from provenance.config import Config
from provenance.fingerprint import claim_shingles as claim_shingles
from provenance.fingerprint import load_stopwords as load_stopwords
from provenance.match.claim_columns import TextSequence
from provenance.match.claim_corpus import ClaimCorpus as _Corpus
from provenance.match.claim_corpus import Unit as Unit
from provenance.match.claim_corpus import WorkFolder, claim_key
from provenance.match.claim_corpus import clauses as clauses
from provenance.match.claim_corpus import units_of as units_of
from provenance.match.claim_groups import ClaimTable, claim_table
from provenance.match.claim_groups import language_of as language_of
from provenance.match.claim_links import CHECKPOINTS as CHECKPOINTS
from provenance.match.claim_links import Scoring as Scoring
from provenance.match.claim_links import _links, claim_score_keys
from provenance.match.claim_links import confidence as confidence
from provenance.match.claim_links import score_task as score_task
from provenance.match.units import Checkpoints, Rows, RowStore
from provenance.model import (
    ArticleResult,
)
from provenance.run.heap import give_back
from provenance.run.kernels import Kernels, Local, embed_whole

if TYPE_CHECKING:  # run.local imports resources, which imports this module
    from provenance.run.local import Executor


def claim_score(a: str, b: str) -> float:
    """Do two sentences state the same claim? Word order changes freely in a paraphrase, so
    the normalised words are sorted before comparing (``fuzz.token_sort_ratio``, 0-100); the
    threshold is calibrated on MSRP (see benchmarks/bench_reuse.py). ``claim_key``
    precomputes one side for many comparisons."""
    return claim_score_keys(claim_key(a), claim_key(b))


def find_claims(
    results: Sequence[ArticleResult],
    config: Config,
    anchor_lexicon: AnchorLexicon | None = None,
    kernels: Kernels | None = None,
    executor: Executor | None = None,
    *,
    vectors_to: RowStore | None = None,
    describe_by: Executor | None = None,
    folder: WorkFolder | None = None,
    checkpoints: Checkpoints | None = None,
) -> ClaimTable:
    """Claim groups across ``results``: strong groups first, each kind in the order of its
    first occurrence; ``kernels`` propose the lexical candidates and embed, ``executor``
    scores the proposed links, ``describe_by`` finds each distinct text's claim key,
    anchors and signature (default: ``executor``; default for all: in this process). The
    sentence vectors go to ``vectors_to`` (the work folder) when given, else they stay in
    memory; the distinct texts, their claim keys and signatures, and the groups, to
    ``folder`` (the work store) when given, else they stay in memory. With
    ``checkpoints`` (the work store), the steps' results are kept as they are made, and a
    resumed run takes up those it finds (``claim_links.CHECKPOINTS``); with ``folder``
    too, the groups made are kept (``TABLE``), and a run that finds them reads them back."""
    if checkpoints is not None and folder is not None:  # a resumed run: made already?
        made = checkpoints.reduced(TABLE)
        if isinstance(made, ClaimTable):
            return made.attached(folder)
    lexicon = anchor_lexicon or AnchorLexicon.load(load_stopwords())
    # with ``checkpoints``, what only the later steps read waits in the work store
    corpus = _Corpus(results, config, lexicon, describe_by or executor, folder, checkpoints)
    give_back()  # the free pages the corpus's making left (the articles read back twice)
    kernels = kernels or Local()
    vectors: Rows | None = None
    if config.claims.model != "none" and len(corpus):
        if vectors_to is None:  # read back a block at a time
            vectors = embed_whole(kernels, TextSequence(corpus.texts), config.claims.model)
        else:  # written a run at a time as they are made, read back a few rows at a time;
            # a resumed run's store holds the first ones already, and each run appended
            # began a micro-batch of the model, so the rest encoded apart are the same bits;
            # rows after the texts' are the articles' mean vectors that the semantic pairs
            # appended (``claim_pairs._means``), made again from the texts'
            vectors_to.cut(len(corpus.texts))
            rest = TextSequence(corpus.texts, start=len(vectors_to))
            if len(rest):
                kernels.embed_into(rest, config.claims.model, vectors_to)
            vectors = vectors_to
    links = _links(corpus, config, vectors, kernels, executor, checkpoints)
    table = claim_table(corpus, links, folder)
    if checkpoints is not None and folder is not None:  # its groups are the store's rows
        checkpoints.keep(TABLE, table)
    return table


# The claim groups made, kept (their rows in the work store) for a resumed run, which then
# neither describes the texts again nor makes the groups (13 and 5 minutes at a million
# articles); the pipeline forgets it once the stage's results are stored.
TABLE = "claim-table"

"""Executors: where the stages run. They schedule the work and never contain its logic.

- ``local.LocalExecutor``: everything in this process (the default; needs nothing else).
- ``dask.DaskExecutor``: the same stages on a Dask cluster (the ``dask`` extra), with the
  same report, byte for byte.

An executor runs the per-article stages (``pipeline.segment_article``,
``pipeline.annotate_article`` with the outlet-repeat reduction between them,
``pipeline.classify_article``) and the heavy kernels of the matching stage (signing,
band-key candidates, alignment of candidate pairs); ``reuse`` and ``claims`` decide what the
kernels' results mean.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from provenance.align import Alignment
    from provenance.config import Config
    from provenance.fingerprint import FingerprintParams, Signature
    from provenance.index import Candidate
    from provenance.model import Article, ArticleResult
    from provenance.pipeline import Progress
    from provenance.reuse import Reuse

# what a signer signs: the shingles of one text (a picklable function for remote executors)
Shingler = Callable[[str], Iterable[bytes]]


class Executor(Protocol):
    def analyze_each(
        self, articles: Sequence[Article], config: Config, progress: Progress
    ) -> tuple[ArticleResult, ...]:
        """Per-article stages and the outlet-repeat reduction, in article-id order."""
        ...

    def sign(
        self, texts: Sequence[str], params: FingerprintParams, shingler: Shingler
    ) -> list[Signature]:
        """The MinHash signature of each text's shingles, in order."""
        ...

    def candidates(
        self,
        signatures: Sequence[Signature],
        threshold: float,
        max_candidates: int,
        bands_per_pass: int,
    ) -> list[Candidate]:
        """What ``index.lsh_candidates`` returns for the same arguments."""
        ...

    def align(
        self, texts: Sequence[str], candidates: Sequence[Candidate]
    ) -> list[Alignment | None]:
        """``align.align_texts`` of each candidate pair of ``texts``, in order."""
        ...

    def classify(
        self, results: Sequence[ArticleResult], found: Reuse, progress: Progress
    ) -> tuple[ArticleResult, ...]:
        """``pipeline.classify_article`` of each result with its reuse spans and duplicates."""
        ...

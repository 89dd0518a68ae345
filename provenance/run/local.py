"""The local executor: every stage in this process, one article after another."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from provenance import boilerplate
from provenance.align import Alignment, align_texts
from provenance.config import Config
from provenance.fingerprint import FingerprintParams, Signature, Signer
from provenance.index import Candidate, lsh_candidates
from provenance.model import Article, ArticleResult
from provenance.pipeline import (
    Progress,
    Resources,
    annotate_article,
    classify_article,
    segment_article,
)
from provenance.reuse import Reuse
from provenance.run import Shingler


@dataclass(frozen=True)
class LocalExecutor:
    """``resources``: the data files, loaded on first use when not given."""

    resources: Resources | None = None

    def analyze_each(
        self, articles: Sequence[Article], config: Config, progress: Progress
    ) -> tuple[ArticleResult, ...]:
        resources = self.resources or Resources.load()
        ordered = sorted(articles, key=lambda a: a.id)
        total = len(ordered)
        results: list[ArticleResult] = []
        for done, article in enumerate(ordered, start=1):
            results.append(segment_article(article, resources))
            progress("segment", done, total)
        repeats = boilerplate.outlet_repeats(results, config.boilerplate)
        for done, result in enumerate(results, start=1):
            results[done - 1] = annotate_article(result, repeats, config, resources)
            progress("boilerplate", done, total)
        return tuple(results)

    def sign(
        self, texts: Sequence[str], params: FingerprintParams, shingler: Shingler
    ) -> list[Signature]:
        return Signer(params).sign_many_shingles([shingler(t) for t in texts])

    def candidates(
        self,
        signatures: Sequence[Signature],
        threshold: float,
        max_candidates: int,
        bands_per_pass: int,
    ) -> list[Candidate]:
        return lsh_candidates(signatures, threshold, max_candidates, bands_per_pass)

    def align(
        self, texts: Sequence[str], candidates: Sequence[Candidate]
    ) -> list[Alignment | None]:
        return [align_texts(texts[c.a], texts[c.b]) for c in candidates]

    def classify(
        self, results: Sequence[ArticleResult], found: Reuse, progress: Progress
    ) -> tuple[ArticleResult, ...]:
        final: list[ArticleResult] = []
        total = len(results)
        for done, result in enumerate(results, start=1):
            key = result.article.id
            spans, dups = found.spans.get(key, ()), found.duplicates.get(key, ())
            final.append(classify_article(result, spans, dups))
            progress("classify", done, total)
        return tuple(final)

"""The bundled corpus loads and reports end to end."""

from __future__ import annotations

from provenance import classify, pipeline
from provenance.model import Article


def test_corpus_has_the_five_seeds(corpus_articles: dict[str, Article]) -> None:
    assert sorted(corpus_articles) == ["000", "001", "002", "003", "004"]
    assert corpus_articles["003"].outlet == "BNN Breaking"
    assert corpus_articles["000"].outlet is None


def test_every_article_is_partitioned(corpus_articles: dict[str, Article]) -> None:
    result = pipeline.analyze(list(corpus_articles.values()))
    for r in result.articles:
        classify.check_partition(r.article.text, r.spans)

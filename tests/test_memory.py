"""What the report spills to its work folder instead of memory reads back the same."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from provenance import pipeline
from provenance.anchors import AnchorLexicon
from provenance.config import Config
from provenance.fingerprint import FingerprintParams, shingles
from provenance.match.claim_corpus import ClaimCorpus, units_of
from provenance.match.claims import find_claims, load_stopwords
from provenance.model import Article, outlet_key
from provenance.run.kernels import Local, sign_in_chunks
from provenance.run.workstore import StoredRows, WorkStore, WorkStoreError


def _matrix(rows: int, width: int = 8) -> np.ndarray:
    return np.random.default_rng(rows).standard_normal((rows, width)).astype(np.float32)


def test_stored_rows_read_back_what_was_appended_in_blocks(tmp_path: Path) -> None:
    matrix = _matrix(23)
    rows = StoredRows(tmp_path / "v.f32", 8)
    for lo, hi in ((0, 5), (5, 6), (6, 23)):  # appended a block at a time
        rows.extend(matrix[lo:hi])
    assert len(rows) == 23
    assert rows.shape == (23, 8)
    for k in (0, 5, 22, -1):
        assert np.array_equal(rows[k], matrix[k])
    picked = [3, 4, 5, 0, 22, 21, 7, 7]  # runs, order and repeats as asked
    assert np.array_equal(rows[picked], matrix[picked])
    assert np.array_equal(rows[np.array([2, 1])], matrix[[2, 1]])
    assert float(rows[3] @ rows[9]) == float(matrix[3] @ matrix[9])
    assert rows[[]].shape == (0, 8)
    with pytest.raises(IndexError):
        rows[23]
    with pytest.raises(IndexError):
        rows[[1, -24]]
    rows.close()
    assert not (tmp_path / "v.f32").exists()  # nothing left behind in the work folder


def test_a_work_stores_rows_live_in_its_folder_until_closed(tmp_path: Path) -> None:
    store = WorkStore(tmp_path, "key", resume=False)
    rows = store.rows("vectors", 8)
    rows.extend(_matrix(4))
    assert (tmp_path / "vectors.f32").stat().st_size == 4 * 8 * 4  # float32, no header
    assert np.array_equal(rows[[0, 1, 2, 3]], _matrix(4))
    rows.close()
    assert not (tmp_path / "vectors.f32").exists()
    store.close()


def test_stored_rows_in_a_missing_folder_is_a_work_store_error(tmp_path: Path) -> None:
    with pytest.raises(WorkStoreError, match="nowhere"):
        StoredRows(tmp_path / "nowhere" / "v.f32", 8)


def test_stored_rows_never_write_through_a_link(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_text("keep me", encoding="utf-8")
    (tmp_path / "work").mkdir()
    (tmp_path / "work" / "v.f32").symlink_to(elsewhere)
    with pytest.raises(WorkStoreError, match=r"v\.f32"):
        StoredRows(tmp_path / "work" / "v.f32", 8)
    assert elsewhere.read_text(encoding="utf-8") == "keep me"


def test_signing_in_chunks_gives_the_matrix_of_one_batch(
    corpus_articles: dict[str, Article],
) -> None:
    texts = [p for a in corpus_articles.values() for p in a.text.split("\n") if p.strip()]
    params = FingerprintParams.from_config(Config().fingerprint)

    def shingler(text: str) -> set[bytes]:
        return shingles(text, params)

    whole = Local().sign(texts, params, shingler)
    assert len(texts) > 7
    for chunk in (1, 7, len(texts), 10 * len(texts)):
        assert np.array_equal(sign_in_chunks(Local(), texts, params, shingler, chunk), whole)
    assert sign_in_chunks(Local(), [], params, shingler).shape == (0, params.num_perm)


def test_the_claim_corpus_keeps_every_unit_of_every_article(
    corpus_articles: dict[str, Article],
) -> None:
    results = pipeline.analyze_each(list(corpus_articles.values()))
    config = Config()
    corpus = ClaimCorpus(results, config, AnchorLexicon.load(load_stopwords()))
    units = {r.article.id: units_of(r, config) for r in results}
    full = {r.article.id: r.article for r in results}
    texts = [t.text for t in corpus.texts]
    assert len(set(texts)) == len(texts)  # one per distinct text
    assert list(corpus.article_texts) == [a for a in sorted(units) if units[a]]
    for article_id, expected in units.items():
        if not expected:
            assert article_id not in corpus.article_texts
            continue
        got = corpus.article_texts[article_id]
        assert [texts[k] for k in got] == [u.text for u in expected]
    for k, text in enumerate(corpus.texts):  # each text's units print it, in its outlets
        at = corpus.units_of_text(k).tolist()
        assert at
        assert at == sorted(at)
        owners = [corpus.articles[corpus.ids[corpus.unit_article[i]]] for i in at]
        assert text.outlets == {outlet_key(a) for a in owners}
        for i in at:
            owner = full[corpus.ids[corpus.unit_article[i]]]
            assert owner.text[corpus.unit_start[i] : corpus.unit_end[i]] == text.text
    outlet_sets = [t.outlets for t in corpus.texts]
    assert len({id(s) for s in outlet_sets}) == len(set(outlet_sets))  # shared, not copied


def test_claims_with_vectors_on_disk_are_the_claims_with_vectors_in_memory(
    corpus_articles: dict[str, Article], tmp_path: Path
) -> None:
    results = pipeline.analyze_each(list(corpus_articles.values()))
    config = Config()
    in_memory = find_claims(results, config)
    rows = StoredRows(tmp_path / "claim-vectors.f32", 512)
    on_disk = find_claims(results, config, vectors_to=rows)
    assert len(rows) > 0  # the vectors went to the file
    rows.close()
    assert on_disk == in_memory
    links = [o.link for g in in_memory for o in g.occurrences if o.link is not None]
    assert any(link.semantic is not None for link in links)  # the vectors were used

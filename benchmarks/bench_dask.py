"""The report on the local engine beside the Dask engine with 1 and 2 workers.

    python benchmarks/bench_dask.py EVAL_DIR --sizes 10000 [--jobs 1 2] [--workers 1 2]
        [--stages] [--json]

For each size: a synthetic corpus (``synth.py``, seed 0) in a temporary folder; the local
engine's report with each ``--jobs`` count (``provenance report --jobs N``, in a child
process: its wall time, CPU seconds, peak RSS of the process alone and with its pool; the
issue's speed goal is against ``--jobs 1``, the single-process engine); then for each
worker count a fresh ``dask scheduler`` and that many ``dask worker`` processes (one
thread each) on 127.0.0.1 and the same report from this process as the client: wall time,
CPU seconds and peak RSS of each worker and of the client (sampled every 0.2 s), the peaks
also per stage (the samples between two of the executor's marks), the client's RSS at each
mark, the bytes each stage moved per article (``DaskExecutor.stats``), and whether the JSON
equals the first local run's byte for byte (the local runs are compared with each other
too). The Dask run is the one ``provenance report --engine dask`` makes (the claims task
runs beside the other stages, classification and writing before its end); with
``--stages`` it is measured stage by stage instead (each stage waits for the one before:
seconds, peaks and bytes per stage; slower, and its pickled-size counts cost CPU).
Local and Dask runs alternate (``--jobs`` and ``--workers`` in the order given: local,
Dask, local, Dask...), so that each pair runs at a similar load. The machine's
load average is recorded beside every run. Either list may be given empty (``--jobs``
alone, ``--workers`` alone) to run one engine, for instance two single-core runs at once,
one per core, in two invocations: the corpus is the same (seed 0) and every run records its
report's SHA-256, so the invocations' reports can be compared.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synth

ROOT = Path(__file__).resolve().parents[1]
DASK = str(Path(sys.executable).with_name("dask"))
FILE_ARTICLES = 10_000  # articles per JSONL file (ingest caps one file's size)


class Peak:
    """Samples the RSS of some processes (with their children, or alone) in a thread;
    keeps each one's maximum, and every sample (for the peaks between two instants)."""

    def __init__(self, pids: dict[str, int], alone: tuple[str, ...] = ("client",)) -> None:
        self.pids = pids
        self.alone = alone
        self.peak = dict.fromkeys(pids, 0)
        self.cpu = dict.fromkeys(pids, 0.0)  # CPU seconds at the last sample
        self.samples: list[tuple[float, str, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for name, pid in self.pids.items():
                try:  # a dask worker is a nanny process and the worker it spawned
                    proc = psutil.Process(pid)
                    # the client alone: the scheduler and the workers are its children here
                    family = [proc] if name in self.alone else [proc, *proc.children(True)]
                    rss = sum(p.memory_info().rss for p in family)
                    cpu = sum(sum(p.cpu_times()[:2]) for p in family)
                except psutil.Error:
                    continue
                self.cpu[name] = max(self.cpu[name], cpu)
                self.peak[name] = max(self.peak[name], rss)
                self.samples.append((time.perf_counter(), name, rss))
            time.sleep(0.2)

    def between(self, start: float, ends: dict[str, float]) -> dict[str, dict[str, float]]:
        """Per stage (``ends``: the instant each ended, in order, the first starting at
        ``start``), each process's peak RSS (GB) sampled within it."""
        out: dict[str, dict[str, float]] = {}
        for stage, end in ends.items():
            found: dict[str, int] = {}
            for t, name, rss in self.samples:
                if start <= t <= end:
                    found[name] = max(found.get(name, 0), rss)
            out[stage] = {k: round(v / 1e9, 3) for k, v in found.items()}
            start = end
        return out

    def __enter__(self) -> Peak:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _write_corpus(eval_dir: Path, n: int, folder: Path) -> None:
    sentences = synth.load_sentences(eval_dir)
    handle = None
    for i, record in enumerate(synth.iter_corpus(sentences, n, seed=0)):
        if i % FILE_ARTICLES == 0:
            if handle:
                handle.close()
            handle = (folder / f"part-{i // FILE_ARTICLES:04d}.jsonl").open("w", encoding="utf-8")
        handle.write(json.dumps(record, ensure_ascii=False) + "\n")  # type: ignore[union-attr]
    if handle:
        handle.close()


def _local(corpus: Path, out: Path, jobs: int) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "provenance", "report", str(corpus), "-f", "json", "-o", str(out)]
    load = _load()
    start = time.perf_counter()
    proc = subprocess.Popen(
        [*cmd, "--jobs", str(jobs)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT
    )
    with Peak({"local": proc.pid, "parent": proc.pid}, alone=("parent",)) as peak:
        # the child's rusage counts the pool processes it waited for too
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"local report failed with exit code {proc.returncode}")
    return {
        "jobs": jobs,
        "report_sha256": hashlib.sha256(out.read_bytes()).hexdigest(),
        "seconds": round(seconds, 1),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1),
        "peak_rss_gb": round(peak.peak["local"] / 1e9, 3),
        "parent_peak_rss_gb": round(peak.peak["parent"] / 1e9, 3),
        "load": load,
        "load_after": _load(),
    }


def _dask(
    corpus: Path, out: Path, workers: int, expected: bytes, shared: bool, stages: bool
) -> dict[str, Any]:
    from provenance import cli_common
    from provenance.config import Config
    from provenance.render.stream import write_json
    from provenance.run import dask_flow, dask_inputs
    from provenance.run.dask import DaskExecutor
    from provenance.run.dask_connect import connect

    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    procs = [
        subprocess.Popen(
            [DASK, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    ]
    try:
        for i in range(workers):
            args = ["worker", address, "--name", f"w{i}", "--nthreads", "1", "--no-dashboard"]
            procs.append(
                subprocess.Popen(
                    [DASK, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
                )
            )
        client = connect(address, timeout=60)
        client.wait_for_workers(workers, timeout=120)
        load = _load()
        start = time.perf_counter()
        pids = {f"worker {i}": p.pid for i, p in enumerate(procs[1:])}
        with Peak({**pids, "client": os.getpid()}) as peak:
            config = Config()
            executor = DaskExecutor(client, measure=stages)
            since = executor._since
            if shared:
                inputs = dask_inputs.shared_inputs(executor, [str(corpus)], config.ingest)
            else:
                inputs = dask_inputs.sent_inputs(executor, cli_common.load([str(corpus)], config))
            n = inputs.total
            run = dask_flow.analyze_streamed(executor, inputs, config)
            with out.open("w", encoding="utf-8") as handle:
                write_json(handle, run.corpus, run.outlets, run.for_json, config)
        seconds = time.perf_counter() - start
        client.close()
        report = out.read_bytes()
    finally:
        for proc in reversed(procs):
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGTERM)
                proc.wait(timeout=30)
    return {
        "workers": workers,
        "run": "measured stage by stage" if stages else "as provenance report runs it",
        "inputs": "shared path" if shared else "sent by the client",
        "seconds": round(seconds, 1),
        "load": load,
        "load_after": _load(),
        "identical_to_local": report == expected if expected else None,
        "report_sha256": hashlib.sha256(report).hexdigest(),
        "peak_rss_gb": {k: round(v / 1e9, 3) for k, v in peak.peak.items()},
        # user + system CPU of each worker (nanny and worker process) and of the client
        # process, at the last sample (up to 0.2 s before the end; the client's includes
        # the sampler's own thread)
        "cpu_seconds": {k: round(v, 1) for k, v in peak.cpu.items()},
        "bytes_per_article": {k: round(v / n, 1) for k, v in executor.stats.stages.items()},
        "stage_seconds": executor.stats.seconds,
        "stage_peak_rss_gb": peak.between(since, executor.stats.ends),
        "client_rss_gb_at_stage_end": {
            k: round(v / 1e9, 3) for k, v in executor.stats.client_rss.items()
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("eval_dir", type=Path)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000])
    parser.add_argument(
        "--jobs", type=int, nargs="*", default=[1, 2], help="local engine runs (--jobs N)"
    )
    parser.add_argument("--workers", type=int, nargs="*", default=[1, 2])
    parser.add_argument(
        "--inputs-shared", action="store_true", help="workers read the corpus files themselves"
    )
    parser.add_argument(
        "--stages",
        action="store_true",
        help="measure the Dask runs stage by stage (no overlap: slower than the report's run)",
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    rows = []
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            corpus = Path(tmp) / "corpus"
            corpus.mkdir()
            _write_corpus(args.eval_dir, size, corpus)
            row: dict[str, Any] = {"articles": size, "local": [], "dask": []}
            expected = b""
            # local and Dask runs alternate (the first local run first: the bytes to
            # match), so that each pair runs at a similar load
            for jobs, workers in itertools.zip_longest(args.jobs, args.workers):
                if jobs is not None:
                    local = _local(corpus, Path(tmp) / "local.json", jobs)
                    found_bytes = (Path(tmp) / "local.json").read_bytes()
                    local["identical_to_first_local"] = not expected or found_bytes == expected
                    expected = expected or found_bytes
                    row["local"].append(local)
                    print(json.dumps({"articles": size, "local": local}), file=sys.stderr)
                if workers is not None:
                    found = _dask(
                        corpus,
                        Path(tmp) / "dask.json",
                        workers,
                        expected,
                        args.inputs_shared,
                        args.stages,
                    )
                    row["dask"].append(found)
                    print(json.dumps(found), file=sys.stderr)
            for found in row["dask"]:
                found["speedup_vs_local"] = {  # empty when --jobs was given no counts
                    f"jobs {x['jobs']}": round(x["seconds"] / found["seconds"], 2)
                    for x in row["local"]
                }
            rows.append(row)
    if args.json:
        print(json.dumps({"machine": {"cpus": os.cpu_count()}, "runs": rows}, indent=2))
    else:
        for row in rows:
            print(f"{row['articles']:,} articles:")
            for x in row["local"]:
                print(
                    f"  local --jobs {x['jobs']}: {x['seconds']} s ({x['cpu_seconds']} s CPU, "
                    f"load {x['load']}), peak {x['peak_rss_gb']} GB"
                )
            for d in row["dask"]:
                print(
                    f"  dask x{d['workers']}: {d['seconds']} s, {d['speedup_vs_local']} "
                    f"(load {d['load']}), identical {d['identical_to_local']}, "
                    f"peak {d['peak_rss_gb']}, bytes/article {d['bytes_per_article']}"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

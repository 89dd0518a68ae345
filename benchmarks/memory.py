"""Where the report's memory goes: resident memory of the parent process per stage.

    python benchmarks/memory.py [EVAL_DIR] [--sizes 1000 3000 10000] [--seed 0] [--jobs 2]
        [--tracemalloc N] [--claims-model none] [--json]

For each size N, a synthetic corpus of N articles (benchmarks/synth.py) is written to a
JSONL file in a temporary folder, then reported as ``provenance report FILE --format json
--out FILE`` does it (the same library calls: ingest, work store, executor,
``pipeline.analyze_streamed``, ``render.stream.write_json``), in a process of its own. At the
end of each stage (ingest, segment, boilerplate, the steps of the matching stage, classify
and write) it records the process's resident memory (``VmRSS``) and its peak since the
previous mark (``VmHWM``, reset at each mark through ``/proc/self/clear_refs``), and, with
``--tracemalloc N``, the N source lines whose live Python allocations grew most during the
stage, and the N lines that allocated most of what is live at its end (tracemalloc slows
the run several times and adds its own memory: use it on small sizes). ``kb_per_article``
is the resident memory at the mark over N: what grows with the corpus. Each stage's CPU
seconds and minor page faults are this process's (a fault per 4 KB page mapped in afresh:
glibc maps a big array on its own and unmaps it when freed, so a loop that makes and drops
such arrays pays for their pages each time). With ``--json``,
each size's run is also printed on stderr as one line when it ends. Linux only
(``/proc``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import os
import resource
import signal
import sys
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import replace
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
DEFAULT_EVAL = HERE.parent.parent / "shared" / "eval"


def status() -> dict[str, int]:
    """VmRSS and VmHWM of this process, and what the resident memory is (RssAnon: the
    heap and anonymous maps; RssFile and RssShmem: pages of mapped files), in kB."""
    out: dict[str, int] = {}
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile", "RssShmem"):
                out[key] = int(value.split()[0])
    return out


def _reset_peak() -> None:
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as handle:
            handle.write("5")
    except OSError:  # pragma: no cover - not permitted: peaks then accumulate
        pass


class PeakWhere:
    """Where this process's main thread was when its resident memory was highest: a thread
    reads ``VmRSS`` every ``every`` seconds and, at each new high, keeps the main thread's
    stack (its innermost ``depth`` frames of ``provenance``). Cheap beside tracemalloc
    (which slows a run several times), and it sees numpy's buffers, which tracemalloc
    counts only in part; a sample can miss a peak shorter than ``every``."""

    def __init__(self, every: float = 0.02, depth: int = 6) -> None:
        self.high_kb = 0
        self.file_kb = 0  # of it then, pages of mapped files
        self.stack: list[str] = []
        self._every = every
        self._depth = depth
        self._main = threading.main_thread().ident
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._stop.wait(self._every):
            now = status()
            held = now["VmRSS"]
            if held <= self.high_kb:
                continue
            self.high_kb = held
            self.file_kb = now.get("RssFile", 0) + now.get("RssShmem", 0)
            frame = sys._current_frames().get(self._main or 0)
            stack: list[str] = []
            while frame is not None and len(stack) < self._depth:
                name = frame.f_code.co_filename
                if "provenance" in Path(name).parts:
                    stack.append(f"{Path(name).name}:{frame.f_lineno} {frame.f_code.co_name}")
                frame = frame.f_back
            self.stack = stack

    def stop(self) -> dict[str, Any]:
        """The highest resident memory seen (MB), how much of it was pages of mapped files,
        and the stack then, innermost first."""
        self._stop.set()
        self._thread.join()
        return {
            "high_mb": round(self.high_kb / 1024, 1),
            "file_mb": round(self.file_kb / 1024, 1),
            "stack": self.stack,
        }


def disk_io() -> dict[str, int]:
    """This process's bytes read from and written to the disk so far (``/proc/self/io``;
    empty where there is none)."""
    try:
        lines = Path("/proc/self/io").read_text().splitlines()
    except OSError:
        return {}
    fields = dict(line.split(": ", 1) for line in lines if ": " in line)
    return {k: int(fields[f"{k}_bytes"]) for k in ("read", "write") if f"{k}_bytes" in fields}


def _delta_mb(before: dict[str, int], after: dict[str, int], key: str) -> float | None:
    if key not in before or key not in after:
        return None
    return round((after[key] - before[key]) / 2**20, 1)


def folder_bytes(folder: Path) -> int:
    """The bytes of the files in ``folder`` (the store, its journal, the files beside it;
    a file removed while they are listed counting as none)."""
    total = 0
    for entry in folder.iterdir():
        try:
            total += entry.stat().st_size if entry.is_file() else 0
        except FileNotFoundError:
            continue
    return total


class Marks:
    """Resident memory (and tracemalloc growth) at the end of each stage."""

    def __init__(self, n: int, top: int) -> None:
        self.n = n
        self.top = top
        self.rows: list[dict[str, Any]] = []
        self.folder: Path | None = None  # the work folder, whose files each mark adds up
        self._io = disk_io()  # the disk this process read and wrote, at the last mark
        self._usage = resource.getrusage(resource.RUSAGE_SELF)  # its CPU and faults, then
        self._snapshot = tracemalloc.take_snapshot() if top else None
        self._time = time.perf_counter()
        _reset_peak()

    def mark(self, stage: str) -> None:
        held = status()
        now = time.perf_counter()
        row: dict[str, Any] = {
            "stage": stage,
            "seconds": round(now - self._time, 2),
            "rss_mb": round(held["VmRSS"] / 1024, 1),
            # of it, pages of mapped files (read from the work store's files): the kernel
            # may drop them; the rest is the heap
            "file_mb": round((held.get("RssFile", 0) + held.get("RssShmem", 0)) / 1024, 1),
            "peak_mb": round(held["VmHWM"] / 1024, 1),
            "kb_per_article": round(held["VmRSS"] / self.n, 2),
        }
        if self.folder is not None:  # what the work folder holds on disk then
            row["folder_mb"] = round(folder_bytes(self.folder) / 2**20, 1)
        io = disk_io()  # what the stage had the disk read and write (this process's)
        for key in ("read", "write"):
            row[f"disk_{key}_mb"] = _delta_mb(self._io, io, key)
        self._io = io
        # the stage's CPU seconds in this process, and its minor page faults: pages mapped
        # in afresh (a page of a new array, or of a file in the page cache)
        usage = resource.getrusage(resource.RUSAGE_SELF)
        cpu = usage.ru_utime + usage.ru_stime - self._usage.ru_utime - self._usage.ru_stime
        row["cpu_seconds"] = round(cpu, 2)
        row["minor_faults"] = usage.ru_minflt - self._usage.ru_minflt
        self._usage = usage
        if self._snapshot is not None:
            snapshot = tracemalloc.take_snapshot()
            current, peak = tracemalloc.get_traced_memory()
            row["traced_mb"] = round(current / 2**20, 1)
            row["traced_peak_mb"] = round(peak / 2**20, 1)
            tracemalloc.reset_peak()
            diff = snapshot.compare_to(self._snapshot, "lineno")
            row["growers"] = [
                {
                    "where": f"{Path(d.traceback[0].filename).name}:{d.traceback[0].lineno}",
                    "kb_per_article": round(d.size_diff / 1024 / self.n, 2),
                    "blocks": d.count_diff,
                }
                for d in diff[: self.top]
            ]
            # what is live then, by the line that allocated it (not only what the stage added)
            row["live"] = [
                {
                    "where": f"{Path(t.traceback[0].filename).name}:{t.traceback[0].lineno}",
                    "kb_per_article": round(t.size / 1024 / self.n, 2),
                    "blocks": t.count,
                }
                for t in snapshot.statistics("lineno")[: self.top]
            ]
            self._snapshot = snapshot
        self.rows.append(row)
        _reset_peak()
        self._time = time.perf_counter()


def _cpu_of(pid: int) -> float:
    """User + system CPU seconds of a live process (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Heartbeat:
    """What a report kept in a work folder has done so far, written whole to ``FILE`` there
    every ``EVERY`` seconds: the seconds, the CPU of this process and of its live workers,
    the peak so far and the stages ended. A run killed part-way leaves it, so that the
    attempt that resumes it (``speed.py --resume``) can count the killed one's time."""

    FILE = "attempt.json"
    EVERY = 15.0  # seconds between writes: what a killed attempt's time may miss

    def __init__(self, folder: Path, marks: Marks, cpu: float) -> None:
        self._path = folder / self.FILE
        self._marks = marks
        self._cpu = cpu
        self._started = time.perf_counter()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, daemon=True)
        self._thread.start()

    def _beat(self) -> None:
        while not self._stop.wait(self.EVERY):
            self.write()

    def write(self) -> None:
        own = resource.getrusage(resource.RUSAGE_SELF)
        workers = sum(_cpu_of(child.pid or 0) for child in multiprocessing.active_children())
        rows = list(self._marks.rows)
        peak = max([r["peak_mb"] for r in rows] + [status()["VmHWM"] / 1024])
        state = {
            "seconds": round(time.perf_counter() - self._started, 1),
            "cpu_seconds": round(own.ru_utime + own.ru_stime - self._cpu, 1),
            "cpu_seconds_workers": round(workers, 1),
            "peak_rss_mb": round(peak),
            "stages": rows,
        }
        partial = self._path.with_name(self.FILE + ".partial")
        partial.write_text(json.dumps(state), encoding="utf-8")
        os.replace(partial, self._path)

    def stop(self) -> None:
        """The attempt ended: no more writes, and no file left."""
        self._stop.set()
        self._thread.join()
        self._path.unlink(missing_ok=True)


def _wrap(owner: Any, name: str, marks: Marks, label: str) -> None:
    """Mark when ``owner.name`` returns (a stage of the matching step)."""
    inner: Callable[..., Any] = getattr(owner, name)

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        out = inner(*args, **kwargs)
        marks.mark(label)
        return out

    setattr(owner, name, wrapped)


def run_report(
    path: Path,
    n: int,
    jobs: int | None,
    top: int,
    model: str | None,
    work: Path | None = None,
    resume: bool = False,
) -> dict[str, Any]:
    """One report of ``path`` as the CLI runs it, with marks (in a process of its own): its
    work store and report in a temporary folder, or kept in ``work`` (``--work-dir``), which
    ``resume`` continues (``--resume``)."""
    from provenance import cli_common, pipeline
    from provenance.config import Config
    from provenance.match import claim_corpus, claim_links, claims, quote_groups, reuse
    from provenance.render import stream
    from provenance.run import kernels, local, workstore

    if top:
        tracemalloc.start()
    marks = Marks(n, top)
    config = Config()
    if model is not None:
        config = replace(config, claims=replace(config.claims, model=model))
    build = reuse.Corpus.__dict__["build"].__func__  # the classmethod's function
    setattr(reuse.Corpus, "build", classmethod(_marked_build(build, marks)))  # noqa: B010 (typed as a method)
    _wrap(reuse, "find_links", marks, "match: links (alignment)")
    _wrap(reuse, "spans_for", marks, "match: candidate spans")
    _wrap(reuse, "find_duplicates", marks, "match: duplicates")
    _wrap(claim_corpus.ClaimCorpus, "__init__", marks, "match: claims: corpus")
    embedder = local.PoolKernels if jobs != 1 else kernels.Local
    _wrap(embedder, "embed_into", marks, "match: claims: embed")
    _wrap(claim_links, "_lexical_candidates", marks, "match: claims: lexical")
    _wrap(claim_links, "semantic_pairs", marks, "match: claims: semantic pairs")
    _wrap(claims, "_links", marks, "match: claims: links")
    _wrap(claims, "claim_table", marks, "match: claims: stars and groups")
    _wrap(reuse, "find_claims", marks, "match: claims: groups")
    _wrap(quote_groups, "find_quote_groups", marks, "match: quote groups")
    done: set[str] = set()

    def progress(stage: str, count: int, total: int) -> None:
        if count == total and stage not in done and stage != "match":
            done.add(stage)
            marks.mark(stage)

    cpu = resource.getrusage(resource.RUSAGE_SELF)
    io = disk_io()
    started = time.perf_counter()
    beat: Heartbeat | None = None
    with contextlib.ExitStack() as stack:
        if work is None:
            work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="memory-")))
        else:
            beat = Heartbeat(work, marks, cpu.ru_utime + cpu.ru_stime)
        # as the local engine does: read one at a time into the work store, numbered there
        store = workstore.WorkStore(work, resume=resume)
        marks.folder = work
        stack.callback(store.close)
        articles = store.ingest(cli_common.stream([str(path)], config, seen=store.seen()), config)
        marks.mark("ingest")
        runner = local.executor(jobs, items=len(articles))
        stack.callback(runner.close)
        run = pipeline.analyze_streamed(
            articles, config, progress=progress, executor=runner, store=store
        )
        with (work / "report.json").open("w", encoding="utf-8") as handle:
            stream.write_json(handle, run.corpus, run.outlets, run.for_json, config)
        marks.mark("write")
        report_bytes = (work / "report.json").stat().st_size
        store_bytes = store.size()
        if beat is not None:
            beat.stop()
    own, workers = (resource.getrusage(r) for r in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    peak = max(row["peak_mb"] for row in marks.rows) * 1024
    return {
        "articles": n,
        "seconds": round(time.perf_counter() - started, 1),
        "cpu_seconds": round(own.ru_utime + own.ru_stime - cpu.ru_utime - cpu.ru_stime, 1),
        "cpu_seconds_workers": round(workers.ru_utime + workers.ru_stime, 1),
        # the marks reset the peak (``ru_maxrss`` too): the largest of the stages' peaks
        "peak_rss_mb": round(peak / 1024),
        "peak_rss_mb_workers": workers.ru_maxrss // 1024,
        "peak_kb_per_article": round(peak / n, 1),
        "report_bytes": report_bytes,
        "work_store_bytes_per_article": round(store_bytes / n),
        # what this process (not its workers) had the disk read and write (Linux: None
        # elsewhere): a run whose store outgrows the page cache reads it from the disk
        **{f"disk_{k}_mb": _delta_mb(io, disk_io(), k) for k in ("read", "write")},
        # the work folder's files at the end of the stage that left the most on disk
        "work_folder_peak_mb": max((row.get("folder_mb", 0.0) for row in marks.rows), default=0.0),
        "stages": marks.rows,
    }


def _marked_build(build: Callable[..., Any], marks: Marks) -> Callable[..., Any]:
    def wrapped(cls: Any, *args: Any, **kwargs: Any) -> Any:
        out = build(cls, *args, **kwargs)
        marks.mark("match: passages + signatures")
        return out

    return wrapped


def stop_on_sigterm() -> None:
    """A SIGTERM raises ``SystemExit`` (in the main thread), so that ``with`` blocks run
    their exits as on Ctrl-C: a report's temporary work folder is removed. Python's default
    ends the process at once and left the folder (gigabytes for a big corpus)."""
    signal.signal(signal.SIGTERM, _exit_on_signal)


def _exit_on_signal(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def _call(send: Connection, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
    stop_on_sigterm()
    try:
        send.send((True, fn(*args)))
    except Exception as exc:  # raised again in the parent
        send.send((False, exc))


def alone(fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)`` in a spawned process of its own (its peak RSS its own; not a pool's
    daemonic worker, so that it may start the report's pool in turn). When this process
    is stopped (SIGTERM with ``stop_on_sigterm``, Ctrl-C) while it runs, the process is
    stopped too and waited for: its temporary folders go with it."""
    spawn = multiprocessing.get_context("spawn")
    receive, send = spawn.Pipe(duplex=False)
    process = spawn.Process(target=_call, args=(send, fn, args))
    process.start()
    send.close()
    try:
        ok, value = receive.recv()
    except EOFError:
        process.join()
        raise RuntimeError(
            f"{fn.__name__} ended without a result (exit {process.exitcode})"
        ) from None
    except BaseException:
        process.terminate()
        process.join()
        raise
    process.join()
    if not ok:
        raise value
    result: T = value
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("eval_dir", nargs="?", type=Path, default=DEFAULT_EVAL)
    parser.add_argument("--sizes", nargs="+", type=int, default=[1000, 3000])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=None, help="worker processes")
    parser.add_argument("--tracemalloc", type=int, default=0, metavar="N", help="top N lines")
    parser.add_argument("--claims-model", default=None, help='claims.model ("none": no vectors)')
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    if not args.eval_dir.is_dir():
        print(f"error: {args.eval_dir}: no such folder", file=sys.stderr)
        return 2
    from synth import corpora

    stop_on_sigterm()
    runs: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="memory-corpus-") as tmp:
        for n, path in corpora(args.eval_dir, args.sizes, args.seed, Path(tmp)):
            load_before = [round(x, 2) for x in os.getloadavg()]
            run = alone(run_report, path, n, args.jobs, args.tracemalloc, args.claims_model)
            run["load_average"] = [load_before, [round(x, 2) for x in os.getloadavg()]]
            runs.append(run)
            if not args.json:
                _print(run)
            else:  # each size as it ends, on stderr: a run stopped later keeps the earlier
                print(json.dumps(run), file=sys.stderr, flush=True)
    if args.json:
        print(json.dumps({"seed": args.seed, "jobs": args.jobs, "runs": runs}, indent=2))
    return 0


def _print(run: dict[str, Any]) -> None:
    print(
        f"== {run['articles']} articles: {run['seconds']} s, cpu {run['cpu_seconds']} s + "
        f"{run['cpu_seconds_workers']} s workers, peak RSS {run['peak_rss_mb']} MB "
        f"({run['peak_kb_per_article']} KB/article) + {run['peak_rss_mb_workers']} MB worker, "
        f"load {run['load_average'][0]} -> {run['load_average'][1]}"
    )
    traced = "traced_mb" in run["stages"][0] if run["stages"] else False
    extra = f" {'traced':>7} {'tpeak':>7}" if traced else ""
    print(
        f"  {'stage':<36} {'s':>7} {'cpu s':>7} {'faults':>9} {'RSS MB':>8} {'file MB':>8} "
        f"{'peak MB':>8} {'KB/art':>8}{extra}"
    )
    for row in run["stages"]:
        extra = f" {row['traced_mb']:>7} {row['traced_peak_mb']:>7}" if traced else ""
        print(
            f"  {row['stage']:<36} {row['seconds']:>7} {row.get('cpu_seconds', '')!s:>7} "
            f"{row.get('minor_faults', '')!s:>9} {row['rss_mb']:>8} "
            f"{row.get('file_mb', '')!s:>8} {row['peak_mb']:>8} {row['kb_per_article']:>8}{extra}"
        )
        for g in row.get("growers", ()):
            print(f"      {g['kb_per_article']:>8} KB/art {g['blocks']:>9} blocks  {g['where']}")
    sys.stdout.flush()


if __name__ == "__main__":
    raise SystemExit(main())

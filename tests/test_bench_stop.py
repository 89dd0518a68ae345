"""A benchmark stopped by SIGTERM leaves no temporary work folder behind
(``benchmarks/memory.py``: ``stop_on_sigterm``, ``alone``): the report runs in a process of
its own, which is stopped with the benchmark and removes its folder as it goes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "corpus").glob("*.json"))


def _corpus(path: Path, copies: int) -> int:
    """The seed articles ``copies`` times over, each copy with its own id."""
    seeds = [json.loads(p.read_text("utf-8")) for p in SEEDS]
    with path.open("w", encoding="utf-8") as out:
        for k in range(copies):
            for seed in seeds:
                out.write(json.dumps({**seed, "id": f"{seed['id']}-{k}"}) + "\n")
    return copies * len(seeds)


def _folders(tmp: Path) -> list[Path]:
    return sorted(tmp.glob("memory-*"))


def test_a_report_stopped_by_sigterm_removes_its_work_folder(tmp_path: Path) -> None:
    n = _corpus(tmp_path / "corpus.jsonl", 400)
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    script = (
        "import sys; from pathlib import Path; "
        f"sys.path.insert(0, {str(ROOT / 'benchmarks')!r}); import memory; "
        "memory.stop_on_sigterm(); "
        f"memory.alone(memory.run_report, Path({str(tmp_path / 'corpus.jsonl')!r}), {n}, 1, 0, "
        "'none')"
    )
    env = {**os.environ, "TMPDIR": str(tmp)}
    run = subprocess.Popen([sys.executable, "-c", script], env=env, stderr=subprocess.PIPE)
    try:
        # the report's process made its work folder and began to store articles in it
        while run.poll() is None and not any(
            f.is_dir() and any(f.iterdir()) for f in _folders(tmp)
        ):
            time.sleep(0.05)
        assert run.poll() is None, "the report ended before it could be stopped"
        run.send_signal(signal.SIGTERM)
        _, err = run.communicate(timeout=300)
    finally:
        run.kill()
    assert run.returncode == 128 + signal.SIGTERM, err.decode()
    assert _folders(tmp) == []  # the work folder went with the report

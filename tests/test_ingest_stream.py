"""Streamed input: JSONL is read record by record, the size limit applies to each record, and
memory stays bounded by the largest record, not by the file."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest
from typer.testing import CliRunner

from provenance import ingest
from provenance.cli import app
from provenance.config import IngestConfig
from provenance.errors import InputErrors

MIB = 1 << 20
WORDS = "The council met on Tuesday and voted on the harbour plan. "


def _line(i: int, chars: int) -> bytes:
    text = (WORDS * (chars // len(WORDS) + 1))[:chars]
    return json.dumps({"id": f"a{i:05d}", "text": text}).encode() + b"\n"


def _errors(paths: list[str], **kwargs: object) -> list[str]:
    with pytest.raises(InputErrors) as caught:
        ingest.load(paths, **kwargs)  # type: ignore[arg-type]
    return [e.one_line() for e in caught.value.errors]


def _peak_while_iterating(path: Path, config: IngestConfig) -> tuple[int, int]:
    """(articles read, peak bytes allocated) while iterating, keeping no article."""
    tracemalloc.start()
    try:
        read = sum(1 for _ in ingest.stream([str(path)], config))
        return read, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_jsonl_file_over_the_old_file_limit_is_read_in_bounded_memory(tmp_path: Path) -> None:
    """A 70 MB JSONL file (over the 64 MiB that used to refuse the whole file) is read with
    the default limit, one record at a time: the peak is a few records, not the file."""
    path = tmp_path / "big.jsonl"
    records = 350
    with path.open("wb") as handle:
        for i in range(records):
            handle.write(_line(i, 200_000))
    size = path.stat().st_size
    assert size > IngestConfig().max_record_bytes  # the old limit applied to the whole file
    read, peak = _peak_while_iterating(path, IngestConfig())
    assert read == records
    assert peak < size / 20  # a 200 KB record decoded and parsed, a few times over at most
    small = tmp_path / "small.jsonl"
    small.write_bytes(_line(0, 10))
    assert CliRunner().invoke(app, ["validate", str(small)]).exit_code == 0  # imports done
    tracemalloc.start()
    try:  # `validate` counts the articles as they stream by, holding none of them
        result = CliRunner().invoke(app, ["validate", str(path)])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (result.exit_code, result.stdout) == (0, f"{records} articles valid\n")
    assert peak < size / 20


def test_a_huge_record_is_refused_by_file_and_line_without_being_read_whole(
    tmp_path: Path,
) -> None:
    path = tmp_path / "one.jsonl"
    with path.open("wb") as handle:
        handle.write(_line(1, 100))
        handle.write(_line(2, 40 * MIB))  # one line of 40 MiB and more
        handle.write(b'{"id": "a3"}\n')  # still checked after the huge one
        handle.write(_line(4, 100))
    config = IngestConfig(max_record_bytes=MIB)
    tracemalloc.start()
    try:
        lines = _errors([str(path)], config=config)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    size = len(_line(2, 40 * MIB)) - 1
    assert lines == [
        f"{path}: line 2: record is {size} bytes, over the limit of {MIB} bytes per record "
        "(raise ingest.max_record_bytes to read it)",
        f"{path}: line 3: $.text: required field is missing",
    ]
    assert peak < 8 * MIB  # the limit's worth of bytes at most, never the 40 MiB line


def test_the_limit_applies_to_each_record_not_to_the_file(tmp_path: Path) -> None:
    line = _line(1, 60)
    limit = len(line) - 1  # a record exactly at the limit (its line end not counted) fits
    path = tmp_path / "c.jsonl"
    path.write_bytes(b"".join(_line(i, 60) for i in range(5)))
    config = IngestConfig(max_record_bytes=limit)
    assert len(ingest.load([str(path)], config)) == 5  # the file is 5 times the limit
    path.write_bytes(_line(0, 60) + _line(1, 61) + b"\n\n")
    assert _errors([str(path)], config=config) == [
        f"{path}: line 2: record is {limit + 1} bytes, over the limit of {limit} bytes "
        "per record (raise ingest.max_record_bytes to read it)"
    ]
    # standard input that is JSONL is streamed too; one that is one JSON document is one record
    stdin = b"".join(_line(i, 60) for i in range(3))
    assert len(ingest.load(["-"], config, stdin=io.BytesIO(stdin))) == 3
    assert _errors(["-"], config=config, stdin=stdin.replace(b"}\n{", b"},\n{")) == [
        f"<stdin>: input is over the limit of {limit} bytes per record "
        "(raise ingest.max_record_bytes to read it)"
    ]


def test_undecodable_bytes_name_the_line_and_end_the_file(tmp_path: Path) -> None:
    good = _line(1, 20)
    path = tmp_path / "d.jsonl"
    path.write_bytes(good + b'{"id": "x", "text": "caf\xe9"}\n' + b"\x00\x01\n" * 50)
    assert _errors([str(path)]) == [
        f"{path}: line 2: invalid UTF-8 at byte {len(good) + 24} (0xe9); convert the file to UTF-8"
    ]


def test_iteration_yields_in_input_order_and_stops_at_the_first_problem(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_bytes(_line(3, 20) + _line(1, 20))
    (tmp_path / "b.jsonl").write_bytes(_line(2, 20) + b"{oops\n" + _line(0, 20))
    seen: list[str] = []
    with pytest.raises(InputErrors) as caught:
        seen.extend(a.id for a in ingest.stream([str(tmp_path)]))
    assert seen == ["a00003", "a00001", "a00002"]  # files in sorted order, lines in order
    (error,) = caught.value.errors
    assert error.one_line().startswith(f"{tmp_path / 'b.jsonl'}: line 2 column 2: malformed")


def test_an_oversize_record_leaves_out_unwritten_and_exits_2(tmp_path: Path) -> None:
    (tmp_path / "provenance.toml").write_text("[ingest]\nmax_record_bytes = 200\n")
    path = tmp_path / "in.jsonl"
    path.write_bytes(_line(1, 100) + _line(2, 300))
    out = tmp_path / "report.json"
    run = subprocess.run(
        [sys.executable, "-m", "provenance", "report", str(path), "-f", "json", "-o", str(out)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 2
    assert run.stderr.splitlines() == [
        f"error: {path}: line 2: record is {len(_line(2, 300)) - 1} bytes, over the limit of "
        "200 bytes per record (raise ingest.max_record_bytes to read it)"
    ]
    assert not out.exists()

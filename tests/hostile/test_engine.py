"""The --engine dask options as a hostile user gives them: an address that is no address,
a timeout that is no number of seconds. Each is one line and exit 2, before any connection
(these failed with "internal error" lines, and a malformed address also left a traceback
from dask's half-built client on stderr)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from tests.hostile.conftest import CORPUS, subprocess_cli

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("distributed") is None, reason="needs the dask extra"
)


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("garbage", "missing port number"),
        ("tcp://", "missing port number"),
        ("tcp://127.0.0.1:abc", "invalid literal"),
        ("tcp://[::1", "invalid address"),
        ("foo://127.0.0.1:1", "unknown address scheme 'foo'"),
    ],
)
def test_a_malformed_scheduler_address(tmp_path: Path, address: str, reason: str) -> None:
    out = tmp_path / "r.json"
    run = subprocess_cli(
        [
            "report",
            str(CORPUS),
            "-f",
            "json",
            "-o",
            str(out),
            "--engine",
            "dask",
            "--scheduler",
            address,
        ],
        cwd=tmp_path,
    )
    line = run.one_error_line()
    assert line.startswith(f"error: {address}: not a Dask scheduler address ("), line
    assert reason in line
    assert not out.exists()


@pytest.mark.parametrize("value", ["inf", "1e400", "nan", "86401"])
def test_a_connect_timeout_that_is_no_number_of_seconds(tmp_path: Path, value: str) -> None:
    run = subprocess_cli(
        [
            "report",
            str(CORPUS),
            "--engine",
            "dask",
            "--scheduler",
            "tcp://127.0.0.1:1",
            "--connect-timeout",
            value,
        ],
        cwd=tmp_path,
    )
    assert run.code == 2, run.stderr
    assert "--connect-timeout" in run.stderr
    assert "internal error" not in run.stderr
    assert "Traceback" not in run.stderr

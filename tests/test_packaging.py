"""The wheel: built from this tree, installed without dev extras into a fresh venv, it runs.

This is the "installs without dev extras" smoke test and the proof that the schema loader
works in a regular (non-editable) install, where the schemas come from inside the wheel.
It needs PyPI for the runtime dependencies and takes about a minute.
"""

from __future__ import annotations

import json
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from provenance import schemas

ROOT = Path(__file__).resolve().parent.parent
CORPUS_FILE = sorted((ROOT / "corpus").glob("*.json"))[0]


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False, timeout=600)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bin/ folder of a fresh venv with the wheel of this tree installed."""
    tmp = tmp_path_factory.mktemp("wheel")
    built = _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp), str(ROOT)],
        cwd=tmp,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = tmp.glob("news_provenance-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "provenance/_schemas/article.schema.json" in names
    assert "provenance/data/abbreviations.txt" in names
    assert not any(n.startswith(("tests/", "corpus/")) for n in names)

    venv.create(tmp / "venv", with_pip=True)
    bin_dir = tmp / "venv" / "bin"
    install = _run(
        [
            str(bin_dir / "python"),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            str(wheel),
        ],
        cwd=tmp,
    )
    assert install.returncode == 0, install.stderr
    return bin_dir


def test_command_runs(installed: Path, tmp_path: Path) -> None:
    for args in (
        [str(installed / "provenance"), "--help"],
        [str(installed / "python"), "-m", "provenance", "--help"],
    ):
        run = _run(args, cwd=tmp_path)
        assert run.returncode == 0, run.stderr
        for command in ("report", "validate", "schema"):
            assert command in run.stdout


def test_no_dev_extras_were_installed(installed: Path, tmp_path: Path) -> None:
    run = _run([str(installed / "python"), "-m", "pip", "show", "pytest"], cwd=tmp_path)
    assert run.returncode != 0  # the smoke test really ran without the dev extra


def test_schemas_come_from_the_wheel(installed: Path, tmp_path: Path) -> None:
    probe = "from provenance import schemas; print(schemas.schema_dir())"
    run = _run([str(installed / "python"), "-c", probe], cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    where = Path(run.stdout.strip())
    assert where.name == "_schemas"
    assert where.is_relative_to(installed.parent)
    shown = _run([str(installed / "provenance"), "schema", "article"], cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout == schemas.text("article")
    unknown = _run([str(installed / "provenance"), "schema", "nope"], cwd=tmp_path)
    assert unknown.returncode == 2
    assert unknown.stderr.startswith("error: no schema named 'nope'")


def test_validate_and_report_in_the_installed_package(installed: Path, tmp_path: Path) -> None:
    run = _run([str(installed / "provenance"), "validate", str(CORPUS_FILE)], cwd=tmp_path)
    assert (run.returncode, run.stdout) == (0, "1 article valid\n"), run.stderr
    bad = tmp_path / "bad.json"
    bad.write_text('{"id": "a", "text": "x", "published": "2024-13-45", "url": "not a uri"}')
    run = _run([str(installed / "provenance"), "validate", "bad.json"], cwd=tmp_path)
    assert run.returncode == 2
    assert [line.split(": ")[:3] for line in run.stderr.splitlines()] == [
        ["error", "bad.json", "$.published"],
        ["error", "bad.json", "$.url"],
    ]
    report = _run(
        [str(installed / "provenance"), "report", str(ROOT / "corpus"), "--format", "json"],
        cwd=tmp_path,
    )
    assert report.returncode == 0, report.stderr
    data = json.loads(report.stdout)
    assert schemas.is_valid("report", data)
    assert len(data["articles"]) == 5

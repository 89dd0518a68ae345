"""Issue 11, failure 1: ``--out`` replaced whatever was at the path."""

from __future__ import annotations

import os
import socket
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.hostile.conftest import CORPUS, cli, needs_root

SMALL = "A short story about a harbour that reopened after the storm, told in one line."


@pytest.fixture
def article(tmp_path: Path) -> Path:
    path = tmp_path / "a.txt"
    path.write_text(SMALL, encoding="utf-8")
    return path


@pytest.fixture
def umask() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


@pytest.fixture
def null_device(tmp_path: Path) -> Path:
    """A private node of the null device (character device 1:3). The test never names the
    system's /dev/null: run against a writer with the bug, it would replace that file for
    every process on the machine."""
    needs_root()
    path = tmp_path / "null"
    os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    return path


def test_a_device_is_refused_and_stays_a_device(article: Path, null_device: Path) -> None:
    """As root, the temp-file-and-rename turned /dev/null into a regular 0600 file."""
    before = null_device.stat()
    run = cli("report", str(article), "--out", str(null_device))
    assert run.one_error_line() == (
        f"error: {null_device}: is a character device; --out writes regular files only"
    )
    after = null_device.stat()
    assert stat.S_ISCHR(after.st_mode)
    assert (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)


def test_a_fifo_is_refused(article: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    run = cli("report", str(article), "--out", str(fifo))
    assert run.one_error_line().endswith("is a FIFO; --out writes regular files only")
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


def test_a_socket_is_refused(article: Path, tmp_path: Path) -> None:
    path = tmp_path / "sock"
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(path))
        run = cli("report", str(article), "--out", str(path))
    finally:
        server.close()
    assert run.one_error_line().endswith("is a socket; --out writes regular files only")
    assert stat.S_ISSOCK(path.lstat().st_mode)


def test_a_symlink_is_written_through(article: Path, tmp_path: Path) -> None:
    """The link was replaced by a regular file; now its target is written, the link stays."""
    target = tmp_path / "real.md"
    target.write_text("old", encoding="utf-8")
    link = tmp_path / "link.md"
    link.symlink_to(target.name)
    run = cli("report", str(article), "--format", "md", "--out", str(link))
    assert run.code == 0, run.stderr
    assert link.is_symlink()
    assert os.readlink(link) == target.name
    assert target.read_text(encoding="utf-8").startswith("# Provenance report")


def test_a_symlink_to_a_device_is_refused(article: Path, tmp_path: Path, null_device: Path) -> None:
    link = tmp_path / "null.md"
    link.symlink_to(null_device)
    run = cli("report", str(article), "--out", str(link))
    assert "is a character device" in run.one_error_line()
    assert link.is_symlink()
    assert stat.S_ISCHR(null_device.stat().st_mode)


def test_an_input_of_the_run_is_refused(article: Path, tmp_path: Path) -> None:
    """The report overwrote an input file of the same run."""
    run = cli("report", str(article), "--out", str(article))
    assert run.one_error_line() == (
        f"error: {article}: is an input of this run ({article}); choose another file"
    )
    assert article.read_text(encoding="utf-8") == SMALL


def test_an_input_inside_a_folder_or_by_another_name_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(SMALL, encoding="utf-8")
    (folder / "a.json").write_text('{"outlet": "Harbour News"}', encoding="utf-8")
    other_name = tmp_path / "hard.json"
    os.link(folder / "a.json", other_name)  # the sidecar, under another name
    run = cli("report", str(folder), "--out", str(other_name))
    assert "is an input of this run" in run.one_error_line()
    assert other_name.read_text(encoding="utf-8") == '{"outlet": "Harbour News"}'


def test_the_config_file_is_an_input(article: Path, tmp_path: Path) -> None:
    config = tmp_path / "provenance.toml"
    config.write_text("[check]\nnear_duplicate = 'warn'\n", encoding="utf-8")
    run = cli("report", str(article), "--config", str(config), "--out", str(config))
    assert "is an input of this run" in run.one_error_line()
    assert config.read_text(encoding="utf-8").startswith("[check]")


def test_a_replaced_file_keeps_its_mode(article: Path, tmp_path: Path) -> None:
    """Every written file was 0600."""
    out = tmp_path / "report.txt"
    out.write_text("old", encoding="utf-8")
    out.chmod(0o640)
    assert cli("report", str(article), "--out", str(out)).code == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o640
    assert out.read_text(encoding="utf-8") != "old"


@pytest.mark.usefixtures("umask")
@pytest.mark.parametrize(("mask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_a_new_file_honours_the_umask(article: Path, tmp_path: Path, mask: int, mode: int) -> None:
    os.umask(mask)
    out = tmp_path / "new" / "report.json"
    assert cli("report", str(article), "--format", "json", "--out", str(out)).code == 0
    assert stat.S_IMODE(out.stat().st_mode) == mode


def test_a_folder_is_refused_before_any_work(tmp_path: Path) -> None:
    run = cli("report", str(CORPUS), "--out", str(tmp_path))
    assert run.one_error_line().endswith("is a folder; --out writes regular files only")
    assert sorted(p.name for p in tmp_path.iterdir()) == []

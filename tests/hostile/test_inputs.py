"""Issue 11, failures 6 and 7: inputs that stopped the run or were skipped in silence."""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.hostile.conftest import cli, needs_nobody, subprocess_cli

STORY = "The river rose overnight and the old bridge was closed to traffic until noon."


@pytest.mark.skipif(importlib.util.find_spec("trafilatura") is None, reason="needs the html extra")
@pytest.mark.parametrize(
    "charset", ["hex", "rot13", "base64", "zlib", "uu", "idna", "undefined", "bz2", "punycode"]
)
def test_a_page_declaring_a_codec_that_is_no_charset(tmp_path: Path, charset: str) -> None:
    """`<meta charset="hex">` (rot13, base64, zlib, uu, idna, undefined) stopped the run:
    the page is now read as one without a declaration (UTF-8, else windows-1252)."""
    page = tmp_path / "page.html"
    page.write_text(
        f'<html><head><meta charset="{charset}"><title>Bridge</title></head>'
        f"<body><article><p>{STORY} Café owners said they lost a morning.</p></article>"
        "</body></html>",
        encoding="utf-8",
    )
    run = cli("validate", str(page))
    assert run.code == 0, run.stderr
    assert run.stdout == "1 article valid\n"


def test_closed_stdin(tmp_path: Path) -> None:
    """`provenance validate - <&-` gave a traceback."""
    run = subprocess_cli(["validate", "-"], cwd=tmp_path, shell_stdin="<&-")
    assert run.one_error_line() == "error: <stdin>: standard input is closed"


@pytest.fixture
def shared_tree() -> Iterator[Path]:
    """A folder the unprivileged user can reach (pytest's tmp_path is root's alone)."""
    folder = Path(os.environ.get("TMPDIR", "/tmp")) / f"i11-tree-{os.getpid()}"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        for sub in folder.rglob("*"):
            if sub.is_dir():
                sub.chmod(0o755)
        shutil.rmtree(folder)


def test_an_unreadable_subfolder_is_an_error(shared_tree: Path) -> None:
    """An unreadable subfolder was skipped: "2 articles valid", `index add` indexed 2 of 3."""
    needs_nobody()
    for name in ("a", "b"):
        (shared_tree / f"{name}.txt").write_text(f"{STORY} ({name})", encoding="utf-8")
    locked = shared_tree / "locked"
    locked.mkdir()
    (locked / "c.txt").write_text(f"{STORY} (c)", encoding="utf-8")
    locked.chmod(0o700)  # root's: nobody cannot list it
    run = subprocess_cli(["validate", str(shared_tree)], cwd=shared_tree, as_nobody=True)
    assert run.one_error_line() == f"error: {locked}: cannot list folder: Permission denied"
    index = shared_tree / "i.sqlite"
    run = subprocess_cli(
        ["index", "add", str(shared_tree), "--index", str(index)], cwd=Path("/"), as_nobody=True
    )
    assert run.one_error_line() == f"error: {locked}: cannot list folder: Permission denied"
    assert not index.exists()


def test_an_unreadable_folder_named_directly(shared_tree: Path) -> None:
    """It said "no article files" instead of "permission denied"."""
    needs_nobody()
    locked = shared_tree / "locked"
    locked.mkdir()
    (locked / "c.txt").write_text(STORY, encoding="utf-8")
    locked.chmod(0o700)
    run = subprocess_cli(["validate", str(locked)], cwd=shared_tree, as_nobody=True)
    assert run.one_error_line() == f"error: {locked}: cannot list folder: Permission denied"


def test_an_unreadable_file_names_the_cause(shared_tree: Path) -> None:
    needs_nobody()
    secret = shared_tree / "secret.txt"
    secret.write_text(STORY, encoding="utf-8")
    secret.chmod(0o600)
    run = subprocess_cli(["validate", str(secret)], cwd=shared_tree, as_nobody=True)
    assert run.one_error_line() == f"error: {secret}: cannot read: Permission denied"

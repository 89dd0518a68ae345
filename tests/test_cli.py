"""The command line: help of every command, exit codes, output formats, atomic --out."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from provenance import cli_report, schemas
from provenance.cli import app
from provenance.render.text import LABEL_ORDER

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
BAD_RECORD = '{"id": "a", "text": "x", "published": "2024-13-45"}'


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(scope="module")
def corpus_json() -> str:
    """``report corpus/ --format json``, run once for the tests that compare with it."""
    result = CliRunner().invoke(app, ["report", str(CORPUS), "--format", "json"])
    assert result.exit_code == 0, result.output
    return result.stdout


def _commands(group: object, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command path of the app, subcommands included ("index", "add")."""
    found: list[tuple[str, ...]] = []
    for name, command in sorted(getattr(group, "commands", {}).items()):
        found.append((*prefix, name))
        found.extend(_commands(command, (*prefix, name)))
    return found


COMMANDS = _commands(typer.main.get_command(app))


def test_the_foundation_commands_exist() -> None:
    assert {("report",), ("validate",), ("schema",)} <= set(COMMANDS)


@pytest.mark.parametrize("command", [(), *COMMANDS], ids=lambda c: " ".join(c) or "provenance")
def test_help_of_every_command(runner: CliRunner, command: tuple[str, ...]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.stdout


HELP_SEPARATOR = "\f--- help of: "
# Prints the --help of every command given as argv (one per argument, words split on
# spaces), in one process whose terminal is what COLUMNS says, as a shell would run it.
PRINT_HELPS = f"""
import sys
from provenance.cli import app
for command in sys.argv[1:]:
    print({HELP_SEPARATOR!r} + command)
    try:
        app([*command.split(), "--help"], prog_name="provenance", standalone_mode=False)
    except SystemExit:
        pass
"""


@pytest.fixture(scope="module")
def helps_at_80_columns() -> dict[tuple[str, ...], str]:
    # a real process in an 80-column terminal: the test runner's own help width differs
    run = subprocess.run(
        [sys.executable, "-c", PRINT_HELPS, *(" ".join(c) for c in [(), *COMMANDS])],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "COLUMNS": "80", "PYTHONPATH": str(ROOT)},
    )
    assert run.returncode == 0, run.stderr
    sections = run.stdout.split(HELP_SEPARATOR)[1:]
    return {tuple(s.split("\n", 1)[0].split()): s.split("\n", 1)[1] for s in sections}


@pytest.mark.parametrize("command", [(), *COMMANDS], ids=lambda c: " ".join(c) or "provenance")
def test_help_reads_well_at_80_columns(
    helps_at_80_columns: dict[tuple[str, ...], str], command: tuple[str, ...]
) -> None:
    help_text = helps_at_80_columns[command]
    assert help_text.startswith("Usage: provenance")
    lines = help_text.splitlines()
    assert max(len(line) for line in lines) <= 80
    for line in lines:
        # nothing cut off: click ends a truncated command summary with "...", rich with "…"
        assert "…" not in line
        assert not line.rstrip().endswith("...") or "Usage:" in line, line
        assert not line.rstrip().endswith("-"), line  # no word or option broken at the margin
    # option values are named for what to give (FILE, KIND=LEVEL), not as Python types
    assert not any(f"--{name} <" in help_text for name in ("index", "config", "policy", "out"))
    options = [line for line in lines if line.lstrip().startswith("-")]
    for python_type in ("<str>", "<int", "<float", "<path>", "<list["):
        assert not any(python_type in line for line in options), (python_type, help_text)
    # arguments too: "PATHS..." (one or more), "NAME", never "PATHS <list[str]>" or "{NAME}"
    if "Arguments:" in lines:
        rows = lines[lines.index("Arguments:") + 1 :]
        rows = rows[: rows.index("")] if "" in rows else rows
        assert rows, help_text
        for row in rows:
            assert "<" not in row, row
            assert "{" not in row, row
        assert "{" not in lines[0], lines[0]
        takes_paths = "PATHS" in lines[0]
        assert takes_paths == lines[0].endswith(" PATHS..."), lines[0]
        assert takes_paths == any(row.startswith("  PATHS...  ") for row in rows), rows


def test_version(runner: CliRunner) -> None:
    from importlib.metadata import version

    result = runner.invoke(app, ["--version"])
    assert (result.exit_code, result.stdout) == (
        0,
        f"news-provenance {version('news-provenance')}\n",
    )


def test_python_dash_m_runs(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "provenance", "--help"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert run.returncode == 0, run.stderr
    assert "validate" in run.stdout


# --- validate ---------------------------------------------------------------------------


def test_validate_ok_and_invalid(runner: CliRunner, tmp_path: Path) -> None:
    ok = runner.invoke(app, ["validate", str(CORPUS)])
    assert (ok.exit_code, ok.stdout) == (0, "5 articles valid\n")
    bad = tmp_path / "bad.json"
    bad.write_text(BAD_RECORD, encoding="utf-8")
    result = runner.invoke(app, ["validate", str(CORPUS), str(bad)])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"error: {bad}: $.published: ")
    assert result.stderr.count("\n") == 1


def test_usage_errors_exit_2(runner: CliRunner) -> None:
    assert runner.invoke(app, ["validate"]).exit_code == 2  # no PATHS
    assert runner.invoke(app, ["report", str(CORPUS), "--format", "pdf"]).exit_code == 2


# --- schema -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["article", "report"])
def test_schema_prints_the_schema(runner: CliRunner, name: str) -> None:
    result = runner.invoke(app, ["schema", name])
    assert result.exit_code == 0
    assert result.stdout == (ROOT / "schemas" / f"{name}.schema.json").read_text(encoding="utf-8")
    assert json.loads(result.stdout)["$schema"].endswith("2020-12/schema")


def test_schema_unknown_name(runner: CliRunner) -> None:
    result = runner.invoke(app, ["schema", "nope"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("error: no schema named 'nope'; known: article")
    assert result.stderr.count("\n") == 1


# --- report -----------------------------------------------------------------------------


def test_report_text(runner: CliRunner) -> None:
    result = runner.invoke(app, ["report", str(CORPUS)])
    assert result.exit_code == 0, result.output
    for prefix in ("000_", "001_", "002_", "003_", "004_"):
        assert prefix in result.stdout
    assert "BNN Breaking" in result.stdout


def test_report_json_is_valid_and_deterministic(runner: CliRunner, corpus_json: str) -> None:
    data = json.loads(corpus_json)
    assert [schemas.describe(e) for e in schemas.errors("report", data)] == []
    assert len(data["articles"]) == 5
    for article in data["articles"]:
        assert sum(article["composition"].values()) == pytest.approx(1.0, abs=1e-3)
    files = sorted((str(p) for p in CORPUS.glob("*.json")), reverse=True)
    again = runner.invoke(app, ["report", *files, "--format", "json"])
    assert again.stdout == corpus_json  # same bytes whatever the input order


def test_report_markdown(runner: CliRunner) -> None:
    result = runner.invoke(app, ["report", str(CORPUS), "--format", "md"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("# ")
    assert "| article |" in result.stdout


def test_report_from_stdin(runner: CliRunner) -> None:
    result = runner.invoke(
        app, ["report", "-", "--format", "json"], input="One short story. It ends here.\n"
    )
    assert result.exit_code == 0, result.output
    (article,) = json.loads(result.stdout)["articles"]
    assert (article["id"], article["length"]) == ("stdin", 31)


def test_report_out_is_written_atomically(
    runner: CliRunner, tmp_path: Path, corpus_json: str
) -> None:
    out = tmp_path / "reports" / "corpus.json"
    result = runner.invoke(app, ["report", str(CORPUS), "--format", "json", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    # one summary line, not the text report: what was reported and where it went
    comp = json.loads(corpus_json)["summary"]["composition"]
    shares = ", ".join(f"{k} {comp[k] * 100:.1f}%" for k in LABEL_ORDER)
    assert result.stderr == f"wrote {out}: 5 articles, {shares}\n"
    assert sorted(p.name for p in out.parent.iterdir()) == ["corpus.json"]  # no temp file left
    assert out.read_text(encoding="utf-8") == corpus_json
    # a second run replaces the file in place
    small = tmp_path / "small.txt"
    small.write_text("A short story.", encoding="utf-8")
    assert runner.invoke(app, ["report", str(small), "-f", "json", "-o", str(out)]).exit_code == 0
    assert json.loads(out.read_text(encoding="utf-8"))["articles"][0]["id"] == "small"
    assert sorted(p.name for p in out.parent.iterdir()) == ["corpus.json"]


def test_report_out_not_created_on_bad_input(runner: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "in" / "bad.json"
    bad.parent.mkdir()
    bad.write_text(BAD_RECORD, encoding="utf-8")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    result = runner.invoke(app, ["report", str(bad), "--out", str(out_dir / "r.txt")])
    assert result.exit_code == 2
    assert list(out_dir.iterdir()) == []
    assert result.stderr.count("\n") == 1


def test_report_out_unwritable_is_one_line(runner: CliRunner, tmp_path: Path) -> None:
    small = tmp_path / "small.txt"
    small.write_text("A short story.", encoding="utf-8")
    result = runner.invoke(app, ["report", str(small), "--out", str(tmp_path)])  # a folder
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"error: {tmp_path}: is a folder; --out writes regular files only"
    ]
    assert [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_write_atomically_keeps_the_old_file_when_it_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "r.txt"
    target.write_text("old", encoding="utf-8")

    def broken_replace(src: str, dst: Path) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="No space"):
        cli_report.write_atomically(target, "new")
    assert target.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.txt"]


def test_an_unexpected_crash_never_prints_the_article_text(tmp_path: Path) -> None:
    # A bug (simulated: the pipeline raises) gives one line naming the exception type and
    # where it was raised, no traceback and no message, so the article's text (in the locals
    # of every stage, and possibly in a message) does not leak.
    secret = "Embargoed sentence that must not leak."
    (tmp_path / "a.txt").write_text(secret, encoding="utf-8")
    crash = (
        "import sys\n"
        "from provenance import cli, pipeline\n"
        "def boom(articles, *args, **kwargs):\n"
        "    text = articles[0].text\n"
        "    raise RuntimeError('simulated bug')\n"
        "pipeline.analyze = pipeline.analyze_streamed = boom\n"
        "sys.argv = ['provenance', 'report', 'a.txt']\n"
        "cli.main()\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", crash],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"},
    )
    assert run.returncode == 2
    assert run.stderr.splitlines() == [
        "error: internal error (RuntimeError at <string>:5); please report it"
    ]
    assert secret not in run.stderr + run.stdout


# --- index stats ------------------------------------------------------------------------


def test_index_stats_text_is_aligned_and_json_is_valid(runner: CliRunner, tmp_path: Path) -> None:
    index = str(tmp_path / "i.sqlite")
    assert runner.invoke(app, ["index", "add", str(CORPUS), "--index", index]).exit_code == 0
    text = runner.invoke(app, ["index", "stats", "--index", index, "--verify"])
    assert text.exit_code == 0, text.output
    lines = text.stdout.splitlines()
    figures = lines[: lines.index("parameters")]
    # every figure's value starts in the same column, after its label
    column = figures[0].index(index)
    labels = [line[:column].rstrip() for line in figures]
    assert labels == [
        "index", "articles", "outlets", "passages", "band rows", "published", "file size",
        "text size", "consistency",
    ]  # fmt: skip
    assert all(line[column - 1] == " " and line[column] != " " for line in figures)
    assert figures[1].split() == ["articles", "5", "(outlet", "5)"]
    assert "consistency    ok" in figures
    assert "{" not in text.stdout  # no Python dicts
    params = lines[lines.index("parameters") + 1 :]
    assert all(line.startswith("  ") for line in params)
    assert any(line.split() == ["bands", "8"] for line in params)
    as_json = runner.invoke(app, ["index", "stats", "--index", index, "--format", "json"])
    data = json.loads(as_json.stdout)
    assert [schemas.describe(e) for e in schemas.errors("stats", data)] == []
    assert (data["articles"], data["by_source_kind"], data["index"]) == (5, {"outlet": 5}, index)
    assert "problems" not in data  # only with --verify
    assert not schemas.is_valid("stats", {**data, "articles": "5"})
    schema = runner.invoke(app, ["schema", "stats"])
    assert schema.stdout == (ROOT / "schemas" / "stats.schema.json").read_text(encoding="utf-8")


def test_counts_are_pluralised(runner: CliRunner, tmp_path: Path) -> None:
    one = tmp_path / "one.txt"
    one.write_text("A short story about a harbour. It ends here.", encoding="utf-8")
    assert runner.invoke(app, ["validate", str(one)]).stdout == "1 article valid\n"
    report = runner.invoke(app, ["report", str(one)]).stdout.splitlines()[0]
    assert report.endswith(
        ": 1 article, 44 characters, 0 cross-article matches, 0 claim groups, 0 duplicate clusters"
    )

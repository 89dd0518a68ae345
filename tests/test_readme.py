"""The README's examples are real: every `provenance ...` command line in its code blocks
parses against the actual CLI (commands, options, choices), names input files that exist in
this repository, and every install line installs from the clone (the package is not on PyPI).

`.ci/run` runs the README's first code block as written; these tests keep the rest honest.
"""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path
from typing import Any

import pytest
import typer

from provenance.cli import app

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
FENCE = re.compile(r"^```(\w*)[ \t]*\n(.*?)^```", re.M | re.S)
SEPARATORS = {"&&", "||", ";", "|"}
# Files the README names that belong to the user's repository, not to this one.
USER_FILES = {".pre-commit-config.yaml"}


def code_blocks(text: str) -> list[tuple[str, str]]:
    """(language, body) of each fenced block, in order."""
    return [(m.group(1), m.group(2)) for m in FENCE.finditer(text)]


def _words(line: str) -> list[str]:
    lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|")
    lexer.whitespace_split = True
    lexer.commenters = "#"
    return list(lexer)


def shell_commands(text: str) -> list[list[str]]:
    """The simple commands of the README's shell lines: bash blocks, YAML `run:` scripts and
    pre-commit `entry:` lines, split at &&, ||, ; and |."""
    lines: list[str] = []
    for language, body in code_blocks(text):
        for line in body.splitlines():
            stripped = line.strip()
            if language == "bash":
                lines.append(stripped)
            elif language == "yaml":
                entry = re.match(r"(?:- )?(?:entry|run):\s*(.*)", stripped)
                if entry:
                    lines.append(entry.group(1))
                elif not re.match(r"(?:- )?[\w-]+:", stripped):  # a line of a run: | script
                    lines.append(stripped)
    commands: list[list[str]] = []
    for line in lines:
        current: list[str] = []
        for word in _words(line):
            if word in SEPARATORS:
                commands.append(current)
                current = []
            else:
                current.append(word)
        commands.append(current)
    return [c for c in commands if c]


def _readme_commands(program: str) -> list[list[str]]:
    return [c for c in shell_commands(README.read_text(encoding="utf-8")) if c[0] == program]


def _pre_commit_entries() -> set[str]:
    text = README.read_text(encoding="utf-8")
    return {m.group(1).strip() for m in re.finditer(r"entry:\s*(.*)", text)}


def problems_of(words: list[str], *, files_appended: bool = False) -> list[str]:
    """Why ``provenance ...`` (as words) would not run as the README means it: an unknown
    command or option, a bad choice, a missing argument, an input path that is not there."""
    command: Any = typer.main.get_command(app)
    rest = words[1:]
    if rest and rest[0] in ("--version", "--help"):
        return [] if rest == [rest[0]] else [f"{rest[0]} takes no other arguments"]
    names = ["provenance"]
    while hasattr(command, "commands") and rest and not rest[0].startswith("-"):
        sub = command.commands.get(rest[0])
        if sub is None:
            return [f"no command {' '.join([*names, rest[0]])!r}"]
        names.append(rest.pop(0))
        command = sub
    if files_appended:  # pre-commit appends the staged file names to the entry
        rest = [*rest, "corpus/"]
    try:
        ctx = command.make_context(" ".join(names), list(rest))
    except typer.TyperException as exc:  # click's usage errors, as typer vendors click
        formatted = getattr(exc, "format_message", None)
        message = formatted() if callable(formatted) else str(exc)
        return [f"{' '.join(words)}: {message}"]
    found: list[str] = []
    for name, value in ctx.params.items():
        if name != "paths":  # the input files; --out, --index and --config may be new
            continue
        found += [
            f"{' '.join(words)}: {path} does not exist in the repository"
            for path in value
            if isinstance(path, str) and path != "-" and not (ROOT / path).exists()
        ]
    return found


def test_the_readme_has_provenance_examples() -> None:
    commands = _readme_commands("provenance")
    assert len(commands) >= 10
    assert {c[1] for c in commands} >= {"report", "check", "index"}


@pytest.mark.parametrize(
    "words", _readme_commands("provenance"), ids=lambda words: " ".join(words)[:60]
)
def test_every_provenance_example_parses_and_names_real_files(words: list[str]) -> None:
    entry = " ".join(words) in _pre_commit_entries()
    assert problems_of(words, files_appended=entry) == []


def test_the_example_checker_catches_what_it_should() -> None:
    """The checker above is not vacuous: each broken example is caught."""
    assert problems_of(["provenance", "report", "corpus/"]) == []
    assert problems_of(["provenance", "--version"]) == []
    assert problems_of(["provenance", "reprot", "corpus/"]) == ["no command 'provenance reprot'"]
    (unknown,) = problems_of(["provenance", "check", "corpus/", "--format", "gitlab"])
    assert "gitlab" in unknown
    (option,) = problems_of(["provenance", "index", "stats", "--json"])
    assert "--json" in option
    (missing,) = problems_of(["provenance", "report", "saved-pages/"])
    assert "saved-pages/ does not exist" in missing
    (no_paths,) = problems_of(["provenance", "check", "--index", "x.sqlite"])
    assert "PATHS" in no_paths
    # an output file need not exist; the pre-commit entry gets its files from pre-commit
    assert problems_of(["provenance", "report", "corpus/", "--out", "new/r.html"]) == []
    entry = ["provenance", "check", "--index", ".provenance/index.sqlite"]
    assert problems_of(entry, files_appended=True) == []


def _extras() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return set(project["optional-dependencies"])


def install_problems(words: list[str]) -> list[str]:
    """Why a ``pip install ...`` line would not install this project from a clone."""
    if "install" not in words:
        return []
    targets = [w for w in words[words.index("install") + 1 :] if not w.startswith("-")]
    found = []
    for target in targets or ["(nothing)"]:
        local = re.fullmatch(r"\.(?:\[([\w,-]+)\])?", target)
        if local is None:
            found.append(f"{' '.join(words)}: {target} is not this clone (not on PyPI)")
        elif local.group(1):
            found += [
                f"{' '.join(words)}: no extra {extra!r}"
                for extra in local.group(1).split(",")
                if extra not in _extras()
            ]
    return found


def test_every_install_line_installs_from_the_clone() -> None:
    installs = [
        c[c.index("pip") :]
        for c in shell_commands(README.read_text(encoding="utf-8"))
        if "pip" in c and "install" in c
    ]
    assert len(installs) >= 4  # first block (2), the html extra, the CI step
    assert [p for c in installs for p in install_problems(c)] == []
    assert all("--upgrade" not in c and "-U" not in c for c in installs)
    assert install_problems(["pip", "install", "news-provenance[html]"]) != []
    assert install_problems(["pip", "install", ".[nope]"]) != []
    assert install_problems(["pip", "install", "-e", ".[dev]"]) == []


def test_readme_names_no_missing_repository_file() -> None:
    """Paths in backticks under a top-level folder of the repository (`schemas/x.json`,
    `tests/browser`) and dotfiles of the repository (`.pre-commit-hooks.yaml`) exist."""
    text = README.read_text(encoding="utf-8")
    top = {p.name for p in ROOT.iterdir()} - {".venv", ".git"}
    named = set(re.findall(r"`([\w.-]+(?:/[\w.*-]+)+/?)`", text))
    named |= {n for n in re.findall(r"`(\.[\w.-]+)`", text) if n.endswith((".yaml", ".yml"))}
    checked = sorted(n for n in named - USER_FILES if n.split("/")[0] in top or n[0] == ".")
    assert "schemas/report.schema.json" in checked
    assert [n for n in checked if not (ROOT / n).exists() and not n.startswith(".provenance")] == []


def test_ci_runs_the_first_readme_block_without_upgrading_pip() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "README.md" in ci
    assert "--upgrade" not in ci
    language, first = code_blocks(README.read_text(encoding="utf-8"))[0]
    assert language == "bash"
    assert "python3 -m venv .venv" in first
    assert "python -m pytest" in first

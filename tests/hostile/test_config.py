"""Issue 11, failures 4 and 6 (config): NaN switched checks off; keys that crashed later."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from provenance import schemas
from tests.hostile.conftest import CORPUS, cli, subprocess_cli


def _no_constants(name: str) -> float:
    raise AssertionError(f"{name} in JSON output")


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "+nan"])
def test_non_finite_thresholds_in_the_config_are_refused(
    tmp_path: Path, copies: Path, corpus_index: Path, value: str
) -> None:
    """`duplicate_min_similarity = nan` passed validation and an exact duplicate passed."""
    config = tmp_path / "provenance.toml"
    config.write_text(f"[check]\nduplicate_min_similarity = {value}\n", encoding="utf-8")
    run = cli("check", str(copies), "--index", str(corpus_index), "--config", str(config))
    assert run.one_error_line().startswith(
        f"error: {config}: check.duplicate_min_similarity: must be a finite number"
    )


def test_nan_in_pyproject_names_the_whole_key(tmp_path: Path) -> None:
    config = tmp_path / "pyproject.toml"
    config.write_text("[tool.provenance.align]\nmatch_min_score = nan\n", encoding="utf-8")
    run = cli("validate", str(CORPUS), "--config", str(config))
    assert run.one_error_line() == (
        f"error: {config}: tool.provenance.align.match_min_score: must be a finite number, got nan"
    )


@pytest.mark.parametrize("value", ["nan", "inf"])
def test_non_finite_options_are_refused(copies: Path, corpus_index: Path, value: str) -> None:
    for option in ("--min-similarity", "--max-wire-share"):
        run = cli("check", str(copies), "--index", str(corpus_index), option, value)
        assert "must be a finite number" in run.one_error_line()


def test_the_report_json_never_holds_nan(tmp_path: Path) -> None:
    config = tmp_path / "provenance.toml"
    config.write_text("[align]\nduplicate_min_similarity = nan\n", encoding="utf-8")
    run = cli("report", str(CORPUS), "--format", "json", "--config", str(config))
    assert "must be a finite number" in run.one_error_line()
    ok = cli("report", str(CORPUS), "--format", "json")
    assert ok.code == 0
    json.loads(ok.stdout, parse_constant=_no_constants)


@pytest.mark.parametrize(
    ("table", "key", "value", "message"),
    [
        ("ingest", "max_record_bytes", "9223372036854775807", "is greater than the maximum of"),
        ("fingerprint", "seed", "9223372036854775807", "is greater than the maximum of"),
        ("fingerprint", "scheme", '"nonexistent"', 'must be one of "affine32"'),
        ("index", "lock_timeout_s", "1e308", "is greater than the maximum of"),
        ("check", "unattributed_wire_max_share", "1.5", "is greater than the maximum of 1"),
        # more than every article: 1e308 overflowed the rate's product to inf (ceil failed)
        ("boilerplate", "template_articles_per_1000", "1e308", "is greater than the maximum of"),
    ],
)
def test_out_of_range_values_are_refused_at_load(
    tmp_path: Path, table: str, key: str, value: str, message: str
) -> None:
    """`max_record_bytes = 9223372036854775807` crashed the run; `scheme = "nonexistent"`
    passed validation and crashed later."""
    config = tmp_path / "provenance.toml"
    config.write_text(f"[{table}]\n{key} = {value}\n", encoding="utf-8")
    run = cli("validate", str(CORPUS), "--config", str(config))
    line = run.one_error_line()
    assert line.startswith(f"error: {config}: {table}.{key}: ")
    assert message in line


def test_the_largest_allowed_max_record_bytes_reads_files(tmp_path: Path) -> None:
    config = tmp_path / "provenance.toml"
    config.write_text("[ingest]\nmax_record_bytes = 17179869184\n", encoding="utf-8")
    run = cli("validate", str(CORPUS), "--config", str(config))
    assert run.code == 0, run.stderr
    assert run.stdout == "5 articles valid\n"
    assert cli("validate", "-", "--config", str(config), stdin="Some text.").code == 0


def _unbounded_keys() -> list[tuple[str, str, str]]:
    """(table, key, a huge value) of every number in the config schema with no maximum."""
    schema = schemas.load("config")
    return [
        (table, key, "4611686018427387904" if spec["type"] == "integer" else "1e300")
        for table, section in schema["properties"].items()
        for key, spec in section.get("properties", {}).items()
        if spec.get("type") in ("integer", "number")
        and "maximum" not in spec
        and "exclusiveMaximum" not in spec
    ]


@pytest.mark.parametrize(("table", "key", "value"), _unbounded_keys())
def test_huge_values_of_unbounded_keys_run_in_bounded_memory(
    tmp_path: Path, table: str, key: str, value: str
) -> None:
    """A hypothesis draw of `claims.anchor_common_min = 2**62` grew a report of one article
    past 23 GB (a weight table as long as the minimum); `article_pairs` that high failed to
    allocate two n x article_pairs arrays. Each key the schema leaves open above, set to
    2**62 (a whole number) or 1e300, reports the seed corpus within 1.5 GB of address space."""
    config = tmp_path / "provenance.toml"
    config.write_text(f"[{table}]\n{key} = {value}\n", encoding="utf-8")
    args = ["report", str(CORPUS), "--format", "json", "--config", str(config)]
    run = subprocess_cli(args, cwd=tmp_path, address_space=1_500_000_000)
    assert run.code == 0, run.stderr
    assert json.loads(run.stdout)["summary"]["articles"] == 5


def test_article_pairs_past_the_partners_there_are_keep_them_all(tmp_path: Path) -> None:
    """Five articles have at most four partners each: keeping 2**62 of them is keeping 4."""
    reports = []
    for value in ("4", "4611686018427387904"):
        config = tmp_path / f"{value}.toml"
        config.write_text(f"[claims]\narticle_pairs = {value}\n", encoding="utf-8")
        run = cli("report", str(CORPUS), "--format", "json", "--config", str(config))
        assert run.code == 0, run.stderr
        report = json.loads(run.stdout)
        assert report.pop("config")["claims"]["article_pairs"] == int(value)
        reports.append(report)
    assert reports[0] == reports[1]


@pytest.mark.parametrize("tool", ["[tool]\nprovenance = 5\n", "[tool]\nprovenance = [1]\n"])
def test_tool_provenance_that_is_not_a_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tool: str
) -> None:
    """`[tool] provenance = 5` in pyproject.toml gave a traceback."""
    (tmp_path / "pyproject.toml").write_text(tool, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    run = cli("validate", str(CORPUS))
    assert run.one_error_line() == "error: pyproject.toml: tool.provenance: expected a table"


@pytest.mark.parametrize("name", ["/dev/zero", "fifo"])
def test_a_config_that_is_not_a_regular_file(tmp_path: Path, name: str) -> None:
    path = Path(name) if name.startswith("/") else tmp_path / name
    if not path.is_absolute() or not path.exists():
        os.mkfifo(path)
    run = cli("validate", str(CORPUS), "--config", str(path))
    assert run.one_error_line() == f"error: {path}: not a regular file"


@pytest.mark.parametrize("section", ["check = 5", 'check = "fail"', "check = [1]"])
def test_a_check_section_that_is_not_a_table(
    tmp_path: Path, copies: Path, corpus_index: Path, section: str
) -> None:
    """`check = 5` was replaced by the command line's (empty) overrides of the check section,
    so `provenance check` ran with the default policy instead of refusing the file."""
    config = tmp_path / "provenance.toml"
    config.write_text(f"{section}\n", encoding="utf-8")
    for extra in ([], ["--min-similarity", "90"]):
        run = cli(
            "check", str(copies), "--index", str(corpus_index), "--config", str(config), *extra
        )
        assert run.one_error_line().startswith(f"error: {config}: check: expected object, got ")

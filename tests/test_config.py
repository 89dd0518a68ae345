"""The config file: schema coverage, validation that names the key, files found by the CLI."""

from __future__ import annotations

import json
from dataclasses import asdict, fields
from enum import Enum
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from provenance import schemas
from provenance.cli import app
from provenance.config import Config, Policy
from provenance.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def test_schema_lists_every_config_key_and_no_other() -> None:
    schema = schemas.load("config")
    assert set(schema["properties"]) == {f.name for f in fields(Config)}
    for section in fields(Config):
        keys = set(schema["properties"][section.name]["properties"])
        assert keys == set(asdict(getattr(Config(), section.name))), section.name


def test_the_defaults_are_valid() -> None:
    data = _plain(asdict(Config()))
    assert [schemas.describe(e) for e in schemas.errors("config", data)] == []
    assert Config.from_mapping(data, "defaults") == Config()


def test_values_are_typed() -> None:
    config = Config.from_mapping(
        {
            "check": {"near_duplicate": "warn", "leftover_reasons": ["promo"]},
            "index": {"bands": 8, "lock_timeout_s": 5},
        },
        "provenance.toml",
    )
    assert config.check.near_duplicate is Policy.WARN
    assert config.check.leftover_reasons == ("promo",)
    assert config.index.bands == 8
    assert isinstance(config.index.lock_timeout_s, float)


@pytest.mark.parametrize(
    ("data", "source", "named"),
    [
        ({"check": {"near_dupe": "warn"}}, "provenance.toml", "near_dupe"),
        ({"check": {"near_duplicate": "maybe"}}, "provenance.toml", "check.near_duplicate"),
        ({"index": {"bands": 0}}, "pyproject.toml", "tool.provenance.index.bands"),
        ({"chekc": {}}, "provenance.toml", "chekc"),
        ({"check": {"leftover_reasons": ["ads"]}}, "provenance.toml", "leftover_reasons"),
    ],
)
def test_errors_name_the_key(data: dict[str, Any], source: str, named: str) -> None:
    with pytest.raises(ConfigError, match=named) as info:
        Config.from_mapping(data, source)
    assert str(info.value).startswith(source)


def _duplicate_file(tmp_path: Path) -> str:
    record = json.loads((ROOT / "corpus" / "001_6245d0d8a8e8e0ee.json").read_text("utf-8"))
    path = tmp_path / "dup.json"
    path.write_text(json.dumps({**record, "id": "dup-1"}), encoding="utf-8")
    return str(path)


def test_cli_reads_pyproject_then_provenance_toml(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    index = str(tmp_path / "i.sqlite")
    assert (
        runner.invoke(app, ["index", "add", str(ROOT / "corpus"), "--index", index]).exit_code == 0
    )
    dup = _duplicate_file(tmp_path)
    assert runner.invoke(app, ["check", dup, "--index", index]).exit_code == 1
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.provenance.check]\nnear_duplicate = "warn"\n'
        'unattributed_wire = "warn"\n',
        encoding="utf-8",
    )
    assert runner.invoke(app, ["check", dup, "--index", index]).exit_code == 0
    # the command line wins over the file
    strict = ["--policy", "near_duplicate=fail"]
    assert runner.invoke(app, ["check", dup, "--index", index, *strict]).exit_code == 1
    # provenance.toml wins over pyproject.toml
    (tmp_path / "provenance.toml").write_text('[check]\nnear_duplicate = "fial"\n', "utf-8")
    bad = runner.invoke(app, ["check", dup, "--index", index])
    assert bad.exit_code == 2
    assert "provenance.toml: check.near_duplicate" in bad.output


def test_cli_index_path_from_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PROVENANCE_INDEX", raising=False)
    (tmp_path / "provenance.toml").write_text('[index]\npath = "data/idx.sqlite"\n', "utf-8")
    added = runner.invoke(app, ["index", "add", str(ROOT / "corpus" / "000_3f8e6b0e94d37dc3.json")])
    assert added.exit_code == 0, added.output
    assert (tmp_path / "data" / "idx.sqlite").is_file()


def test_the_defaults_are_pinned(update_golden: bool) -> None:
    """Every default threshold, in one file (tests/golden/config.defaults.json): changing a
    default is a decision to review here, once, not in every golden report. The tests of
    each stage say what the main thresholds do; regenerate with --update-golden."""
    path = ROOT / "tests" / "golden" / "config.defaults.json"
    now = json.dumps(_plain(Config().to_dict()), indent=2, sort_keys=True) + "\n"
    if update_golden:
        path.write_text(now, encoding="utf-8", newline="\n")
        return
    expected = json.loads(path.read_text(encoding="utf-8"))
    changed = {
        f"{section}.{key}": (value, _plain(Config().to_dict())[section].get(key))
        for section, values in expected.items()
        for key, value in values.items()
        if _plain(Config().to_dict())[section].get(key) != value
    }
    assert changed == {}, f"defaults changed (pinned, now): {changed}"
    assert json.loads(now) == expected

"""A cold command imports only what it needs: no datasketch (and so no asyncio, no scipy)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.test_cli_imports import cold_command

CORPUS = Path(__file__).resolve().parent.parent / "corpus"

_PROBE = """
import json, sys
import provenance, provenance.cli, provenance.check, provenance.store
from provenance.match import candidates, signatures
print(json.dumps(sorted(m for m in ("datasketch", "asyncio", "scipy", "importlib.metadata")
                        if m in sys.modules)))
"""


def test_the_cli_and_the_matching_code_do_not_import_datasketch() -> None:
    out = subprocess.run(
        [sys.executable, "-c", _PROBE], check=True, capture_output=True, text=True
    ).stdout
    loaded = json.loads(out)
    assert "datasketch" not in loaded
    assert "asyncio" not in loaded
    assert "scipy" not in loaded


def test_version_is_still_available() -> None:
    import provenance

    assert provenance.__version__


_HEAVY = ("pydantic", "jsonschema", "datasketch", "asyncio", "importlib.metadata", "rich")


def _check_in_a_fresh_process(tmp_path: Path, *args: str) -> tuple[dict[str, Any], str]:
    index = tmp_path / "index.sqlite"
    if not index.exists():
        subprocess.run(
            [
                sys.executable,
                "-m",
                "provenance",
                "index",
                "add",
                str(CORPUS / "000_3f8e6b0e94d37dc3.json"),
                "--index",
                str(index),
            ],
            check=True,
            capture_output=True,
        )
    probe, out = cold_command("check", *args, "--index", str(index))
    loaded = sorted(m for m in _HEAVY if m in probe["modules"])
    return {"code": probe["code"], "loaded": loaded}, out


def test_a_cold_check_imports_no_pydantic_jsonschema_datasketch_or_asyncio(
    tmp_path: Path,
) -> None:
    """The whole `provenance check` (options converted, config and articles validated, the
    index read, the articles analysed and checked) without the heavy imports."""
    new = CORPUS / "003_ccb038054484d1e6.json"
    result, out = _check_in_a_fresh_process(tmp_path, str(new), "--format", "json")
    assert result == {"code": 0, "loaded": []}
    verdict = json.loads(out)
    assert verdict["summary"]["indexed"] == 1
    (article,) = verdict["articles"]
    assert article["id"] == "003_ccb038054484d1e6"
    # the article really was analysed: its "Read Also" line is found as leftover boilerplate
    assert "leftover_boilerplate" in {f["kind"] for f in article["findings"]}
    # options with values of each kind (a choice, numbers, a repeated KIND=LEVEL, a path)
    config = tmp_path / "provenance.toml"
    config.write_text('[check]\nmax_candidates = 5\nleftover_reasons = ["read_also"]\n')
    result, out = _check_in_a_fresh_process(
        tmp_path,
        str(new),
        "--policy",
        "leftover_boilerplate=warn",
        "--min-similarity",
        "85",
        "--max-wire-share",
        "0.25",
        "--config",
        str(config),
    )
    assert result == {"code": 0, "loaded": []}


def test_a_bad_option_still_gets_typers_own_message(tmp_path: Path) -> None:
    """A value the plain conversion does not take goes to typer's (which imports pydantic)."""
    new = CORPUS / "003_ccb038054484d1e6.json"
    result, _ = _check_in_a_fresh_process(tmp_path, str(new), "--min-similarity", "abc")
    assert result["code"] == 2
    assert "pydantic" in result["loaded"]


def test_quotations_of_one_language_compile_only_that_languages_cue_pattern() -> None:
    from provenance.config import QuoteConfig
    from provenance.quotes import QuoteLexicons, extract

    lexicons = QuoteLexicons.load()
    assert {"en", "de", "ko"} <= set(lexicons.languages)
    text = '"We will not back down," the minister said on Tuesday.'
    found = extract(text, lexicons.for_language("en"), QuoteConfig())
    assert [(text[q.start : q.end], q.speaker) for q in found] == [
        ('"We will not back down,"', "the minister")
    ]
    compiled = {k for k, lex in lexicons.languages.items() if "cues" in vars(lex)}
    assert compiled == {"en"}
    assert "cues" not in vars(lexicons.merged)

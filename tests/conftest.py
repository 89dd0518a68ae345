"""Shared fixtures: the seed corpus as ingested articles."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import settings

from provenance import ingest
from provenance.model import Article

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"

# No property test has a time limit (hypothesis's default is 200 ms an example): tests never
# assert wall-clock times, and on a loaded machine a 0.1 ms example took 393 ms (a failure).
settings.register_profile("no-deadline", deadline=None)
settings.load_profile("no-deadline")


@pytest.fixture(scope="session")
def corpus_articles() -> dict[str, Article]:
    """The five seed articles of ``corpus/``, keyed by the numeric prefix ("000" .. "004")."""
    return {a.id[:3]: a for a in ingest.load([str(CORPUS)])}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite the golden reports under tests/golden/ instead of comparing with them",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    """True when pytest runs with --update-golden (review the diff before committing)."""
    return bool(request.config.getoption("--update-golden"))

"""Shared fixtures: the seed corpus as ingested articles."""

from __future__ import annotations

from pathlib import Path

import pytest

from provenance import ingest
from provenance.model import Article

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"


@pytest.fixture(scope="session")
def corpus_articles() -> dict[str, Article]:
    """The five seed articles of ``corpus/``, keyed by the numeric prefix ("000" .. "004")."""
    return {a.id[:3]: a for a in ingest.load([str(CORPUS)])}

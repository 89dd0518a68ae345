"""The report of corpus/ compared byte for byte with tests/golden/.

When the output changes on purpose (a new detector, a recalibrated threshold), rerun with
``pytest tests/test_golden.py --update-golden``, review ``git diff tests/golden`` line by
line, and commit the new golden files with the change that caused them.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from provenance import ingest, pipeline
from provenance.config import Config
from provenance.render import data as render_data
from provenance.render import markdown as render_markdown
from provenance.render import text as render_text

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"


@pytest.fixture(scope="module")
def rendered() -> dict[str, str]:
    articles = ingest.load([str(ROOT / "corpus")])
    config = Config()
    data = render_data.report_dict(pipeline.analyze(articles, config), config)
    texts = {a.id: a.text for a in articles}
    return {
        "corpus.report.json": render_data.to_json(data),
        "corpus.report.txt": render_text.render(data, texts),
        "corpus.report.md": render_markdown.render(data, texts),
    }


@pytest.mark.parametrize("name", ["corpus.report.json", "corpus.report.txt", "corpus.report.md"])
def test_report_of_the_corpus_matches_the_golden_file(
    rendered: dict[str, str], update_golden: bool, name: str
) -> None:
    path = GOLDEN / name
    if update_golden:
        path.write_text(rendered[name], encoding="utf-8", newline="\n")
        return
    expected = path.read_text(encoding="utf-8") if path.exists() else ""
    if rendered[name] != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True),
                rendered[name].splitlines(keepends=True),
                f"tests/golden/{name}",
                "now",
                n=1,
            )
        )
        lines = diff.splitlines()
        shown = "\n".join(lines[:80]) + ("\n..." if len(lines) > 80 else "")
        pytest.fail(
            f"the report of corpus/ changed ({name}). Review the diff below; if the change "
            f"is intended, rerun `pytest tests/test_golden.py --update-golden` and commit "
            f"tests/golden/ with the change that caused it.\n{shown}",
            pytrace=False,
        )

"""The reports of two corpora compared byte for byte with tests/golden/.

- ``corpus``: the five seed articles of ``corpus/`` (boilerplate, credits, cited sources).
- ``reuse``: the hand-written articles of ``tests/reuse_corpus/`` (wire copy by credit and by
  alignment, shared passages, a near-duplicate cluster, claim groups; see its README.md).

The golden JSON leaves out the report's ``config`` block: a changed default is pinned once,
by ``tests/test_config.py``, not in every golden file. When the output changes on purpose
(a new detector, a recalibrated threshold, a rebuilt matching stage), rerun with
``python -m pytest tests/test_golden.py --update-golden``, review ``git diff tests/golden``
line by line, and commit the new golden files with the change that caused them.
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
CORPORA = {"corpus": ROOT / "corpus", "reuse": ROOT / "tests" / "reuse_corpus"}
FORMATS = ("report.json", "report.txt", "report.md")


def render(folder: Path) -> dict[str, str]:
    """The three renderings of ``folder``'s report, the JSON without its config block."""
    articles = ingest.load([str(folder)])
    config = Config()
    data = render_data.report_dict(pipeline.analyze(articles, config), config)
    texts = {a.id: a.text for a in articles}
    pinned = {k: v for k, v in data.items() if k != "config"}
    return {
        "report.json": render_data.to_json(pinned),
        "report.txt": render_text.render(data, texts),
        "report.md": render_markdown.render(data, texts),
    }


@pytest.fixture(scope="module")
def rendered() -> dict[str, dict[str, str]]:
    return {name: render(folder) for name, folder in CORPORA.items()}


@pytest.mark.parametrize("corpus", sorted(CORPORA))
@pytest.mark.parametrize("fmt", FORMATS)
def test_report_matches_the_golden_file(
    rendered: dict[str, dict[str, str]], update_golden: bool, corpus: str, fmt: str
) -> None:
    name = f"{corpus}.{fmt}"
    now = rendered[corpus][fmt]
    path = GOLDEN / name
    if update_golden:
        path.write_text(now, encoding="utf-8", newline="\n")
        return
    expected = path.read_text(encoding="utf-8") if path.exists() else ""
    if now != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True),
                now.splitlines(keepends=True),
                f"tests/golden/{name}",
                "now",
                n=1,
            )
        )
        lines = diff.splitlines()
        shown = "\n".join(lines[:80]) + ("\n..." if len(lines) > 80 else "")
        pytest.fail(
            f"the report of {CORPORA[corpus].relative_to(ROOT)}/ changed ({name}). Review the "
            "diff below; if the change is intended, rerun `python -m pytest "
            "tests/test_golden.py --update-golden` and commit tests/golden/ with the change "
            f"that caused it.\n{shown}",
            pytrace=False,
        )


def test_the_reuse_corpus_has_every_kind_of_reuse(rendered: dict[str, dict[str, str]]) -> None:
    """What the reuse corpus is for (README.md there), stated without the golden file, so a
    regenerated golden file that lost one of them fails here."""
    import json

    data = json.loads(rendered["reuse"]["report.json"])
    spans = {a["id"]: a["spans"] for a in data["articles"]}
    evidence = {(s["label"], s.get("evidence")) for a in spans.values() for s in a}
    assert ("wire", "credit") in evidence
    assert ("wire", "alignment") in evidence
    shared_quote = [s for s in spans["river-post-1"] if s["label"] == "shared"]
    assert [s["first"] for s in shared_quote] == ["coast-daily-1"]
    assert data["clusters"] == [["delft-courier-1", "hague-herald-1", "leiden-ledger-1"]]
    cost = [g for g in data["claims"] if "40 million euros" in g["text"]]
    assert [sorted(o["article_id"] for o in g["occurrences"]) for g in cost] == [
        ["coast-daily-1", "river-post-1"]
    ]
    assert "config" not in data

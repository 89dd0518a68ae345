"""The HTML report in a real, headless Chromium driven over the DevTools protocol.

Checks that the page renders what it should, that no console error, exception or CSP
violation occurs, that nothing is fetched beyond the file itself, that hostile article text
stays text, and that hover, focus and the keyboard show and hide the evidence. Screenshots go
to ``artifacts/`` (git-ignored) for CI to keep. Without ``/usr/bin/chromium`` the tests skip,
except under ``PROVENANCE_BROWSER=required``, where they fail: ``.ci/run`` installs Chromium
and then runs them so.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from provenance.cli import app
from provenance.config import Config
from provenance.model import Article
from provenance.render import data as render_data
from provenance.render import html as render_html
from tests.browser.cdp import CHROMIUM, Page, open_page
from tests.test_render_html import HOSTILE_TEXT, build_fixture

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts"
# .ci/run sets PROVENANCE_BROWSER=required for its own browser run, after installing Chromium;
# the README's test command, which CI runs first on a machine that may not have it yet, skips.
REQUIRED_VARIABLE = "PROVENANCE_BROWSER"


@pytest.fixture(scope="module")
def chromium() -> Path:
    if CHROMIUM.is_file():
        return CHROMIUM
    if os.environ.get(REQUIRED_VARIABLE) == "required":
        pytest.fail(
            f"{CHROMIUM} is missing and {REQUIRED_VARIABLE}=required; .ci/run installs it "
            "(apt-get install chromium)"
        )
    pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)")


@pytest.fixture
def browser(chromium: Path, tmp_path: Path) -> Iterator[Page]:
    profile = tmp_path / "profile"
    profile.mkdir()
    with open_page(profile, chromium) as page:
        yield page


def _load(page: Page, path: Path) -> str:
    url = path.resolve().as_uri()
    page.events.clear()
    page.call("Page.navigate", url=url)
    page.wait_for("Page.loadEventFired")
    return url


def _errors(page: Page) -> list[str]:
    found = [
        f"console.{e['params']['type']}: {e['params'].get('args')}"
        for e in page.named("Runtime.consoleAPICalled")
        if e["params"]["type"] in ("error", "assert", "warning")
    ]
    found += [
        f"exception: {e['params']['exceptionDetails']}"
        for e in page.named("Runtime.exceptionThrown")
    ]
    found += [
        f"log {e['params']['entry']['level']}: {e['params']['entry']['text']}"
        for e in page.named("Log.entryAdded")
        if e["params"]["entry"]["level"] in ("error", "warning")
    ]
    return found


def _fetched(page: Page, url: str) -> list[str]:
    requests = [e["params"]["request"]["url"] for e in page.named("Network.requestWillBeSent")]
    assert url in requests  # the network domain did record the page itself
    return [r for r in requests if r != url]


def _clean(page: Page, url: str) -> None:
    assert _errors(page) == []
    assert _fetched(page, url) == []
    assert page.named("Page.javascriptDialogOpening") == []


def _report(page: Page) -> Any:
    return page.evaluate("JSON.parse(document.getElementById('report-data').textContent)")


def test_corpus_report_renders_in_chromium(browser: Page, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    run = CliRunner().invoke(
        app, ["report", str(ROOT / "corpus"), "--format", "html", "--out", str(out)]
    )
    assert run.exit_code == 0, run.output
    url = _load(browser, out)
    report = _report(browser)
    ids = browser.evaluate(
        "[...document.querySelectorAll('article.doc .meta .id')].map(e => e.textContent)"
    )
    assert ids == [a["id"] for a in report["articles"]]
    assert len(ids) == 5
    assert [i[:3] for i in ids] == ["000", "001", "002", "003", "004"]
    legend = browser.evaluate(
        "(() => { const r = document.getElementById('legend').getBoundingClientRect();"
        " return [r.width > 0 && r.height > 0,"
        " document.querySelectorAll('#legend .swatch').length]; })()"
    )
    assert legend == [True, 4]
    marked = sum(1 for a in report["articles"] for s in a["spans"] if s["label"] != "original")
    assert browser.evaluate("document.querySelectorAll('.text .sp').length") == marked
    # Seed 001 ends its Newsis copy with the credit line "[서울=뉴시스]": a highlighted wire span
    # whose evidence card names the agency and the credit.
    wire = browser.evaluate(
        "(() => { const art = [...document.querySelectorAll('article.doc')].find("
        "a => a.querySelector('.meta .id').textContent.startsWith('001_'));"
        " const span = art.querySelector('.text .sp.wire'); if (!span) { return null; }"
        " return [getComputedStyle(span).backgroundColor,"
        " document.getElementById(span.dataset.ev).textContent]; })()"
    )
    assert wire is not None
    background, evidence = wire
    assert background != "rgba(0, 0, 0, 0)"
    assert "Newsis" in evidence
    assert "[서울=뉴시스]" in evidence
    browser.screenshot(ARTIFACTS / "report-corpus.png", full_page=True)
    _clean(browser, url)


def _fixture_page(articles: dict[str, Article], tmp_path: Path) -> Path:
    result, texts = build_fixture(articles)
    path = tmp_path / "fixture.html"
    path.write_text(
        render_html.render(render_data.report_dict(result, Config()), texts), encoding="utf-8"
    )
    return path


def _key(page: Page, key: str, code: str, vk: int) -> None:
    for kind in ("keyDown", "keyUp"):
        page.call("Input.dispatchKeyEvent", type=kind, key=key, code=code, windowsVirtualKeyCode=vk)


TIP = (
    "(() => { const t = document.getElementById('tip'); return t.hidden ? null : t.textContent })()"
)


def test_wire_span_evidence_with_keyboard_and_mouse(
    browser: Page, corpus_articles: dict[str, Article], tmp_path: Path
) -> None:
    url = _load(browser, _fixture_page(corpus_articles, tmp_path))
    wire = "document.querySelector('article.doc:nth-of-type(1) .sp.wire')"
    assert "[서울=뉴시스]" in browser.evaluate(f"{wire}.textContent")
    colours = browser.evaluate(
        "['boilerplate', 'wire', 'shared'].map(l => getComputedStyle("
        "document.querySelector('.sp.' + l)).backgroundColor)"
    )
    assert len(set(colours)) == 3
    assert "rgba(0, 0, 0, 0)" not in colours
    # Keyboard: Tab from the byline before it focuses the wire span (visibly) and shows the
    # card; Escape hides it; Enter pins it.
    browser.evaluate(
        f"{wire}.scrollIntoView({{block: 'center', behavior: 'instant'}});"
        " document.querySelector('article.doc:nth-of-type(1) .sp.boilerplate').focus()"
    )
    _key(browser, "Tab", "Tab", 9)
    assert browser.evaluate(f"document.activeElement === {wire}") is True
    assert browser.evaluate(f"getComputedStyle({wire}).boxShadow").startswith("rgb(124, 58, 237)")
    tip = browser.evaluate(TIP)
    assert "Newsis" in tip
    assert "explicit credit" in tip
    _key(browser, "Escape", "Escape", 27)
    assert browser.evaluate(TIP) is None
    _key(browser, "Enter", "Enter", 13)
    assert "[서울=뉴시스]" in browser.evaluate(TIP)
    browser.screenshot(ARTIFACTS / "report-wire-evidence.png")
    _key(browser, "Escape", "Escape", 27)
    # Mouse: hovering the shared span shows who had it first.
    box = browser.evaluate(
        "(() => { const e = document.querySelector('article.doc:nth-of-type(1) .sp.shared');"
        " e.scrollIntoView({block: 'center', behavior: 'instant'});"
        " const r = e.getClientRects()[0]; return [r.left + 5, r.top + r.height / 2]; })()"
    )
    browser.call("Input.dispatchMouseEvent", type="mouseMoved", x=box[0], y=box[1])
    tip = browser.evaluate(TIP)
    assert "had it first" in tip
    assert "score 88.5" in tip
    browser.screenshot(ARTIFACTS / "report-shared-evidence.png")
    _clean(browser, url)


def test_hostile_article_stays_text(
    browser: Page, corpus_articles: dict[str, Article], tmp_path: Path
) -> None:
    url = _load(browser, _fixture_page(corpus_articles, tmp_path))
    state = json.loads(
        browser.evaluate(
            "JSON.stringify({title: document.title,"
            " scripts: document.scripts.length,"
            " images: document.images.length,"
            " styles: document.querySelectorAll('style').length,"
            " body: getComputedStyle(document.body).display,"
            " text: document.querySelectorAll('.text')[2].textContent,"
            " h3: document.querySelectorAll('article.doc h3')[2].textContent})"
        )
    )
    assert state == {
        "title": "Provenance report · 3 articles",
        "scripts": 2,
        "images": 0,
        "styles": 1,
        "body": "block",
        "text": HOSTILE_TEXT,
        "h3": "</title><script>alert('title')</script>",
    }
    _clean(browser, url)


def test_print_media_shows_everything(
    browser: Page, corpus_articles: dict[str, Article], tmp_path: Path
) -> None:
    url = _load(browser, _fixture_page(corpus_articles, tmp_path))
    browser.call("Emulation.setEmulatedMedia", media="print")
    printed = browser.evaluate(
        "[getComputedStyle(document.querySelector('header.top')).display,"
        " getComputedStyle(document.querySelector('.text')).maxHeight]"
    )
    assert printed == ["none", "none"]
    browser.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    assert browser.evaluate("[...document.querySelectorAll('details')].every(d => d.open)")
    _clean(browser, url)

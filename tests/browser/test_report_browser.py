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
import time
from collections.abc import Callable, Iterator
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


def _eventually(read: Callable[[], Any], tries: int = 100) -> Any:
    """``read()`` once it gives something other than None (tries every 50 ms; a bounded
    wait for the page to react, never a timing assertion)."""
    value = read()
    for _ in range(tries):
        if value is not None:
            return value
        time.sleep(0.05)
        value = read()
    return value


# The point a user would put the pointer on: the centre of the element's widest line box,
# once the element is scrolled to the middle and the page has stopped moving (a smooth scroll
# started by an earlier focus may still be running), and only if that point hits the element
# itself. None until then.
POINTER_TARGET = """
(el) => {
  el.scrollIntoView({block: 'center', behavior: 'instant'});
  const r = Array.from(el.getClientRects()).reduce((a, b) => (b.width > a.width ? b : a));
  const x = r.left + r.width / 2, y = r.top + r.height / 2;
  const key = [x, y, window.scrollY].join(' ');
  const steady = el.dataset.pointerKey === key;
  el.dataset.pointerKey = key;
  const hit = document.elementFromPoint(x, y);
  return steady && hit !== null && el.contains(hit) ? [x, y] : null;
}
"""


def _pointer_target(page: Page, element: str) -> list[float]:
    """Where to move the pointer to reach ``element`` (a JS expression); a bounded wait."""
    point = _eventually(lambda: page.evaluate(f"({POINTER_TARGET})({element})"))
    assert point is not None, f"{element} never came to rest under a point that hits it"
    return list(point)


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


def _corpus_report(tmp_path: Path) -> Path:
    """``provenance report corpus/ --format html --out FILE``, as a user makes it."""
    out = tmp_path / "report.html"
    run = CliRunner().invoke(
        app, ["report", str(ROOT / "corpus"), "--format", "html", "--out", str(out)]
    )
    assert run.exit_code == 0, run.output
    return out


def test_corpus_report_renders_in_chromium(browser: Page, tmp_path: Path) -> None:
    url = _load(browser, _corpus_report(tmp_path))
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
    box = _pointer_target(
        browser, "document.querySelector('article.doc:nth-of-type(1) .sp.shared')"
    )
    # from outside the text first, so the move onto the span is an entry, then wait for the
    # card (a loaded machine may paint it a frame or more after the event)
    browser.call("Input.dispatchMouseEvent", type="mouseMoved", x=2, y=2)
    browser.call("Input.dispatchMouseEvent", type="mouseMoved", x=box[0], y=box[1])
    tip = _eventually(lambda: browser.evaluate(TIP))
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
    collapsed = "document.querySelectorAll('.text.collapsed').length"
    assert browser.evaluate(collapsed) > 0  # the long fixture article starts collapsed
    browser.call("Emulation.setEmulatedMedia", media="print")
    printed = browser.evaluate(
        "[getComputedStyle(document.querySelector('header.top')).display,"
        " ...[...document.querySelectorAll('.text')].map(t => getComputedStyle(t).maxHeight),"
        " ...[...document.querySelectorAll('button.more')].map(b => getComputedStyle(b).display)]"
    )
    assert set(printed) == {"none"}  # collapsed texts print whole, without their buttons
    browser.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    assert browser.evaluate("[...document.querySelectorAll('details')].every(d => d.open)")
    assert browser.evaluate(collapsed) == 0
    _clean(browser, url)


# The last non-blank line of each article's text, as a DOM Range; "visible" when, scrolled to
# the middle of the viewport, its first line box lies inside the text block (nothing clips it)
# and the point at its centre hits the text itself (no collapsed box, button or overlay on it).
LAST_PARAGRAPH_VISIBLE = """
(art) => {
  const text = art.querySelector('.text');
  const full = text.textContent;
  const lines = full.split('\\n').filter(l => l.trim());
  const last = lines[lines.length - 1];
  const start = full.lastIndexOf(last), end = start + last.length;
  const walker = document.createTreeWalker(text, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  let pos = 0, node, started = false;
  while ((node = walker.nextNode())) {
    const len = node.textContent.length;
    if (!started && start < pos + len) { range.setStart(node, start - pos); started = true; }
    if (end <= pos + len) { range.setEnd(node, end - pos); break; }
    pos += len;
  }
  const first = () => range.getClientRects()[0];
  window.scrollBy({top: first().top - window.innerHeight / 2, behavior: 'instant'});
  const r = first(), box = text.getBoundingClientRect();
  const inside = r.width > 0 && r.top >= box.top - 1 && r.bottom <= box.bottom + 1;
  const hit = document.elementFromPoint(r.left + Math.min(r.width, 40) / 2, (r.top + r.bottom) / 2);
  return inside && hit !== null && text.contains(hit);
}
"""

ARTICLE_STATES = f"""
[...document.querySelectorAll('article.doc')].map(art => {{
  const more = art.querySelector('button.more');
  return {{
    id: art.querySelector('.meta .id').textContent,
    heading: art.querySelector('h3').textContent,
    collapsed: art.querySelector('.text').classList.contains('collapsed'),
    button: more.hidden ? null : more.textContent,
    expanded: more.getAttribute('aria-expanded'),
    lastVisible: ({LAST_PARAGRAPH_VISIBLE})(art),
  }};
}})
"""


def _paragraphs(text: str) -> int:
    return sum(1 for line in text.splitlines() if line.strip())


def test_every_seed_article_can_be_read_to_its_last_paragraph(
    browser: Page, tmp_path: Path
) -> None:
    url = _load(browser, _corpus_report(tmp_path))
    texts = {p.stem: json.loads(p.read_text("utf-8")) for p in (ROOT / "corpus").glob("*.json")}
    before = browser.evaluate(ARTICLE_STATES)
    assert sorted(s["id"] for s in before) == sorted(texts)
    collapsed = [s for s in before if s["collapsed"]]
    # The long seeds start collapsed (001 has 9,954 characters), the short ones do not (003
    # has 2,784); a collapsed text hides its end, and says how to see it all.
    assert "001_6245d0d8a8e8e0ee" in {s["id"] for s in collapsed}
    assert "003_ccb038054484d1e6" not in {s["id"] for s in collapsed}
    for s in before:
        n = _paragraphs(texts[s["id"]]["text"])
        if s["collapsed"]:
            assert (s["lastVisible"], s["expanded"]) == (False, "false")
            assert s["button"] == f"Show all {n} paragraphs"
        else:
            assert (s["lastVisible"], s["button"]) == (True, None)
    # Untitled articles are headed by their id and the word "untitled", not a cut sentence.
    for s in before:
        title = texts[s["id"]].get("title")
        assert s["heading"] == (title or f"{s['id']} (untitled)")
    first = collapsed[0]["id"]
    button = (
        "[...document.querySelectorAll('article.doc')].find(a => a.querySelector('.meta .id')"
        f".textContent === '{first}').querySelector('button.more')"
    )
    browser.evaluate(f"{button}.scrollIntoView({{block: 'center', behavior: 'instant'}})")
    browser.screenshot(ARTIFACTS / "report-collapsed.png")
    # The keyboard opens the first collapsed text (Tab reaches the button, Enter presses it);
    # the mouse opens the others.
    browser.evaluate(
        f"{button}.closest('article').querySelector('.meta').setAttribute('tabindex', '-1');"
        f" {button}.closest('article').querySelector('.meta').focus()"
    )
    for _ in range(40):
        if browser.evaluate(f"document.activeElement === {button}"):
            break
        _key(browser, "Tab", "Tab", 9)
    assert browser.evaluate(f"document.activeElement === {button}") is True
    _key(browser, "Enter", "Enter", 13)
    for s in collapsed[1:]:
        box = _pointer_target(
            browser,
            "[...document.querySelectorAll('article.doc')].find(a =>"
            f" a.querySelector('.meta .id').textContent === '{s['id']}')"
            ".querySelector('button.more')",
        )
        browser.call("Input.dispatchMouseEvent", type="mouseMoved", x=box[0], y=box[1])
        for kind in ("mousePressed", "mouseReleased"):
            browser.call(
                "Input.dispatchMouseEvent",
                type=kind,
                x=box[0],
                y=box[1],
                button="left",
                clickCount=1,
            )
    # the pointer rests on the sticky header, so that no hover card covers what is measured
    browser.call("Input.dispatchMouseEvent", type="mouseMoved", x=2, y=2)
    after = browser.evaluate(ARTICLE_STATES)
    assert [s["id"] for s in after if not s["lastVisible"]] == [], [
        (s["id"], s["collapsed"], s["expanded"]) for s in after
    ]
    assert [s["id"] for s in after if s["collapsed"]] == []
    assert {s["expanded"] for s in after if s["id"] in {c["id"] for c in collapsed}} == {"true"}
    browser.screenshot(ARTIFACTS / "report-expanded.png", full_page=True)
    _clean(browser, url)


def test_each_cue_means_one_thing(browser: Page, tmp_path: Path) -> None:
    url = _load(browser, _corpus_report(tmp_path))
    looks = browser.evaluate(
        "Object.fromEntries(['.text .sp.boilerplate', '.text .sp.wire', '.text mark.credit',"
        " '.text mark.cite', '#legend .cue.boilerplate', '#legend .cue.wire',"
        " '#legend .cue.shared', '#legend mark.credit', '#legend mark.cite'].map(q => {"
        " const e = document.querySelector(q); if (!e) { return [q, null]; }"
        " const s = getComputedStyle(e);"
        " return [q, [s.borderBottomStyle, s.textDecorationLine, s.fontWeight,"
        " s.boxShadow === 'none' ? 'none' : 'box', s.backgroundColor]]; }))"
    )
    assert None not in looks.values(), looks
    # the article text and the legend show each cue the same way
    for cue in ("boilerplate", "wire"):
        assert looks[f".text .sp.{cue}"] == looks[f"#legend .cue.{cue}"]
    for mark in ("credit", "cite"):
        assert looks[f".text mark.{mark}"][:4] == looks[f"#legend mark.{mark}"][:4]
    # and no two cues look alike: boilerplate dotted, wire solid, shared dashed, credit bold,
    # cite boxed (the dotted underline used to mean both boilerplate and "cites an agency")
    cues = [looks[q][:4] for q in looks if q.startswith("#legend")]
    assert len(set(map(tuple, cues))) == len(cues)
    assert looks["#legend mark.cite"][0] != "dotted"
    assert looks["#legend mark.cite"][1] == "none"
    legend = browser.evaluate("document.getElementById('legend').textContent")
    assert "Bold text is a wire credit line" in legend
    assert "Boxed text cites an agency" in legend
    browser.evaluate(
        "document.getElementById('legend').scrollIntoView({block: 'start', behavior: 'instant'})"
    )
    browser.screenshot(ARTIFACTS / "report-legend.png")
    _clean(browser, url)

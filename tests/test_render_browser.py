"""The rendered site in a real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright).

Opened from disk (file://): no console errors, no request leaves the output folder, the
filter box filters, every internal link resolves, hostile data does nothing. Screenshots
of the catalogue, a service page and the handbook go to test-artifacts/screenshots/, and
with PMOCTL_UPDATE_DOCS=1 to docs/images/ (shown in the README).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import pytest

from conftest import REPO_ROOT
from pmoctl.render.site import render_site
from test_render import _write_hostile

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = REPO_ROOT / "test-artifacts" / "screenshots"
README_IMAGES = REPO_ROOT / "docs" / "images"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is not installed at /usr/bin/chromium (.ci/run installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=ARGS
        )
        yield launched
        launched.close()


class Visit:
    """A page with every console error, page error, dialog and request recorded."""

    def __init__(self, browser: Any, site: Path, width: int = 1280, height: int = 900) -> None:
        self.site = site.resolve()
        self.context = browser.new_context(
            viewport={"width": width, "height": height}, java_script_enabled=True
        )
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", self._dialog)
        self.page.route("**/*", self._route)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def _route(self, route: Any) -> None:
        url = route.request.url
        self.requests.append(url)
        if self.inside(url):
            route.continue_()
        else:
            route.abort()

    def inside(self, url: str) -> bool:
        parsed = urlparse(url)
        if parsed.scheme != "file":
            return False
        return Path(unquote(parsed.path)).resolve().is_relative_to(self.site)

    def open(self, rel: str) -> Any:
        self.page.goto((self.site / rel).as_uri())
        self.page.wait_for_load_state("load")
        return self.page

    def close(self) -> None:
        self.context.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site") / "site"
    render_site(REPO_ROOT / "examples" / "catalogue", out, with_history=False)
    return out


@pytest.mark.slow
def test_every_page_loads_clean_and_stays_inside_the_folder(browser: Any, site: Path) -> None:
    visit = Visit(browser, site)
    try:
        pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))
        broken: list[str] = []
        for rel in pages:
            page = visit.open(rel)
            assert page.locator("main h1").count() == 1, rel
            assert page.locator("header nav[aria-label]").count() == 1, rel
            # the stylesheet applied (a file:// load that failed would leave the default white)
            assert (
                page.evaluate("getComputedStyle(document.body).backgroundColor")
                != "rgba(0, 0, 0, 0)"
            ), rel
            hrefs = page.eval_on_selector_all(
                "a[href]",
                "els => els.map(e => new URL(e.getAttribute('href'), document.baseURI).href)",
            )
            for href in hrefs:
                parsed = urlparse(href)
                if parsed.scheme in ("http", "https", "mailto"):
                    continue
                target = Path(unquote(parsed.path))
                if not target.is_file() or not visit.inside(href):
                    broken.append(f"{rel} -> {href}")
                elif parsed.fragment and target.suffix == ".html":
                    ids = target.read_text(encoding="utf-8")
                    if f'id="{parsed.fragment}"' not in ids:
                        broken.append(f"{rel} -> {href} (no such anchor)")
        assert not broken, broken[:10]
        assert not visit.errors, visit.errors[:5]
        outside = [url for url in visit.requests if not visit.inside(url)]
        assert not outside, outside[:5]
        assert any(url.endswith("static/style.css") for url in visit.requests)
    finally:
        visit.close()


def test_the_filter_box_filters_the_catalogue(browser: Any, site: Path) -> None:
    visit = Visit(browser, site)
    try:
        page = visit.open("index.html")
        cards = page.locator(".card[data-search]")
        total = cards.count()
        assert total > 3
        box = page.get_by_label("Find a service")
        box.fill("gate-reviews")
        visible = page.locator(".card[data-search]:visible")
        assert visible.count() == 1
        assert "Stage gate reviews" in visible.first.inner_text()
        assert "1 of" in page.locator("#filter-status").inner_text()
        box.fill("no service is called this")
        assert page.locator("[data-search]:visible").count() == 0
        assert page.locator("#no-match").is_visible()
        box.fill("")
        assert page.locator(".card[data-search]:visible").count() == total
        assert not visit.errors, visit.errors
    finally:
        visit.close()


def test_print_stylesheet_hides_the_chrome(browser: Any, site: Path) -> None:
    visit = Visit(browser, site)
    try:
        page = visit.open("index.html")
        page.emulate_media(media="print")
        assert not page.locator("header.site-header").is_visible()
        assert not page.locator("#filter-form").is_visible()
        assert page.locator("main h1").is_visible()
    finally:
        visit.close()


#: every label drawn in a diagram box: its text (without the tooltip) and whether it is
#: cut ("…") or drawn outside its box
_CUT_LABELS = """() => {
  const bad = [];
  for (const group of document.querySelectorAll('svg.diagram g.node, svg.diagram g.sipoc-col')) {
    const box = group.querySelector('rect').getBBox();
    for (const text of group.querySelectorAll('text:not(.heading)')) {
      const drawn = text.getBBox();
      const shown = Array.from(text.childNodes)
        .filter(node => node.nodeName !== 'title').map(node => node.textContent).join(' ');
      if (shown.includes('…') || drawn.x < box.x || drawn.y < box.y
          || drawn.x + drawn.width > box.x + box.width
          || drawn.y + drawn.height > box.y + box.height) {
        bad.push(shown);
      }
    }
  }
  return bad;
}"""


def test_diagram_labels_are_whole_and_inside_their_boxes(browser: Any, site: Path) -> None:
    visit = Visit(browser, site)
    try:
        pages = ["map.html", *sorted(f"services/{p.name}" for p in (site / "services").iterdir())]
        cut = {rel: visit.open(rel).evaluate(_CUT_LABELS) for rel in pages}
        assert not {rel: labels for rel, labels in cut.items() if labels}
        # the example's service map fits a laptop's window: no column hidden behind a scroll
        wrap = visit.open("map.html").locator(".diagram-wrap").first
        assert wrap.evaluate("e => e.scrollWidth <= e.clientWidth")
    finally:
        visit.close()


#: every date the page shows as a value (a text of its own, not inside a sentence) that
#: the browser broke over two lines
_BROKEN_DATES = r"""() => {
  const broken = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (const match of node.textContent.matchAll(/^\s*\d{4}-\d{2}-\d{2}(?=\s|$)/g)) {
      const range = document.createRange();
      const start = match.index + match[0].search(/\d/);
      range.setStart(node, start);
      range.setEnd(node, start + 10);
      if (range.getClientRects().length > 1) broken.push(match[0]);
    }
  }
  return broken;
}"""


@pytest.mark.parametrize("width", [1280, 760])
def test_dates_stay_on_one_line(browser: Any, site: Path, width: int) -> None:
    visit = Visit(browser, site, width=width)
    try:
        pages = sorted(f"services/{p.name}" for p in (site / "services").iterdir())
        broken = {rel: visit.open(rel).evaluate(_BROKEN_DATES) for rel in pages}
        assert not {rel: dates for rel, dates in broken.items() if dates}
    finally:
        visit.close()


def test_screenshots(browser: Any, site: Path) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    visit = Visit(browser, site, height=1000)
    try:
        for name, rel in (
            ("catalogue", "index.html"),
            ("service", "services/gate-reviews.html"),
            ("handbook", "handbook.html"),
        ):
            page = visit.open(rel)
            shot = SCREENSHOTS / f"{name}.png"
            page.screenshot(path=str(shot), full_page=False)
            assert shot.stat().st_size > 20_000
            if os.environ.get("PMOCTL_UPDATE_DOCS"):  # the README's images, on request only
                shutil.copyfile(shot, README_IMAGES / f"{name}.png")
        # the diagrams alone, to look at their labels (not in the README)
        for name, rel, selector in (
            ("map-diagram", "map.html", "svg.diagram >> nth=0"),
            ("sipoc-diagram", "services/gate-reviews.html", "svg.diagram[aria-labelledby^=sipoc]"),
        ):
            visit.open(rel).locator(selector).first.screenshot(
                path=str(SCREENSHOTS / f"{name}.png")
            )
        assert not visit.errors, visit.errors
    finally:
        visit.close()


def test_hostile_service_does_nothing_in_the_browser(
    browser: Any, example_catalogue: Path, tmp_path: Path
) -> None:
    _write_hostile(example_catalogue)
    out = tmp_path / "hostile"
    render_site(example_catalogue, out, allow_invalid=True, with_history=False)
    visit = Visit(browser, out)
    try:
        for rel in ("services/hostile-service.html", "index.html", "map.html"):
            page = visit.open(rel)
            page.wait_for_timeout(100)
            assert page.evaluate("document.querySelectorAll('script:not([src])').length") == 0
        page = visit.open("services/hostile-service.html")
        assert "<script>alert('name')</script>" in page.locator("h1").inner_text()
        assert not visit.dialogs, visit.dialogs
        assert not visit.errors, visit.errors
        assert all(visit.inside(url) for url in visit.requests)
    finally:
        visit.close()

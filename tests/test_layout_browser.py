"""Layout in Chromium: the phone header and its menu, one-row navigation at 1280 px, spacing, tables, and print."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterator

import pytest

from conftest import REPO
from cquinlib.commands.cli import main
from test_search_browser import serve

SCHEME = "schemes/2016-17/midlands-and-east/northgate-acute/"  # five goals, nine indicators, milestones


@pytest.fixture(scope="module")
def site_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The bundled library built and served on loopback."""
    out = tmp_path_factory.mktemp("layout") / "site"
    assert main(["build", "--schemes", str(REPO / "schemes"), "--content", str(REPO / "content"),
                 "--out", str(out)]) == 0
    yield from serve(out)


def open_page(browser: Any, url: str, width: int, script: bool = True) -> Any:
    """A new tab at this width (JavaScript on or off) showing url."""
    context = browser.new_context(viewport={"width": width, "height": 800}, java_script_enabled=script)
    tab = context.new_page()
    tab.goto(url)
    return tab


def test_phone_header_is_short_and_its_menu_works_without_javascript(browser: Any, site_url: str) -> None:
    """At 320 px the header is one short row; following Menu shows every link, with JavaScript off."""
    tab = open_page(browser, site_url + SCHEME, 320, script=False)
    assert tab.locator(".site-header").bounding_box()["height"] < 70
    assert not tab.get_by_role("link", name="Regions", exact=True).is_visible()
    tab.get_by_role("link", name="Menu").click()
    links = tab.locator("#site-nav .nav a")
    assert links.count() >= 8 and all(links.nth(i).is_visible() for i in range(links.count()))
    assert tab.get_by_role("link", name="Close menu").is_visible()
    tab.context.close()


def test_desktop_navigation_is_one_row_and_the_panel_is_padded(browser: Any, site_url: str) -> None:
    """At 1280 px every navigation link is on one row; main has top and bottom padding; search has room below."""
    tab = open_page(browser, site_url, 1280)
    tops = tab.eval_on_selector_all("#site-nav .nav a", "links => links.map(a => a.getBoundingClientRect().top)")
    assert len(tops) >= 8 and len(set(tops)) == 1
    assert not tab.get_by_role("link", name="Menu").is_visible()
    padding = tab.eval_on_selector("main", "m => [getComputedStyle(m).paddingTop, getComputedStyle(m).paddingBottom]")
    assert all(float(p.rstrip("px")) >= 16 for p in padding)
    gap = tab.evaluate("""() => { const f = document.querySelector('main .search-form');
        return f.nextElementSibling.getBoundingClientRect().top - f.getBoundingClientRect().bottom; }""")
    assert gap >= 16
    tab.context.close()


def test_phone_scheme_table_shows_every_column_labelled(browser: Any, site_url: str) -> None:
    """At 320 px each goal row of a scheme shows its weight and value, labelled, inside the screen."""
    tab = open_page(browser, site_url + SCHEME, 320)
    cells = tab.locator("table.goal-summary tbody td[data-label]")
    assert cells.count() >= 20
    for i in range(cells.count()):
        box = cells.nth(i).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 320
    label = tab.eval_on_selector("table.goal-summary td[data-label='Weight']",
                                 "td => getComputedStyle(td, '::before').content")
    assert label == '"Weight: "'
    tab.context.close()


def test_five_goal_scheme_prints_on_few_a4_pages(browser: Any, site_url: str) -> None:
    """Printed to A4 PDF, the five-goal scheme takes at most four pages, heads with its address, hides the menu."""
    tab = open_page(browser, site_url + SCHEME, 1280)
    pdf = tab.pdf(format="A4")
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
    assert 1 <= pages <= 4
    tab.emulate_media(media="print")
    assert tab.locator(".print-address").inner_text().endswith(SCHEME)
    assert not tab.locator(".site-header").is_visible() and not tab.locator(".breadcrumbs").is_visible()
    heading_rule = tab.eval_on_selector("h3", "h => getComputedStyle(h).breakAfter")
    row_rule = tab.eval_on_selector("table tr", "r => getComputedStyle(r).breakInside")
    assert (heading_rule, row_rule) == ("avoid", "avoid")
    tab.context.close()

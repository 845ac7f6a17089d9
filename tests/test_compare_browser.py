"""The side-by-side comparison page in Chromium (issue 13): built from the open data, two to four schemes, and
saying what it needs without JavaScript."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest

from comparisons_library import write_comparison_library
from helpers import build
from test_search_browser import serve


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The comparison library built and served."""
    root = tmp_path_factory.mktemp("compare-browser")
    write_comparison_library(root)
    assert build(root) == 0
    yield from serve(root / "site")


def test_two_schemes_side_by_side(browser: Any, base: str) -> None:
    """?schemes=A,B shows both schemes' cards with their values and goals; an unknown id is named."""
    tab = browser.new_page(viewport={"width": 1280, "height": 900})
    tab.goto(base + "compare/?schemes=2019-20/london/alpha,2019-20/midlands/beta,2019-20/london/nothing")
    tab.wait_for_selector(".compare-card")
    cards = tab.locator(".compare-card")
    assert cards.count() == 2
    assert cards.nth(0).locator("h2").inner_text() == "Alpha scheme 2019/20"
    assert "£125,000" in cards.nth(0).inner_text() and "80%" in cards.nth(0).inner_text()
    assert cards.nth(1).locator("h2").inner_text() == "Beta scheme 2019/20"
    assert "Not in the library: 2019-20/london/nothing." in tab.locator("#compare-status").inner_text()
    tab.select_option("#compare-pick-0", "2020-21/london/alpha")
    tab.select_option("#compare-pick-1", "2019-20/london/alpha")
    tab.select_option("#compare-pick-2", "")
    tab.click("button[type=submit]")
    tab.wait_for_function("document.querySelector('.compare-card h2').textContent.startsWith('Alpha Renamed')")
    assert "schemes=2020-21/london/alpha,2019-20/london/alpha" in tab.url
    assert tab.locator(".compare-card").count() == 2
    tab.set_viewport_size({"width": 320, "height": 900})
    assert tab.evaluate("document.documentElement.scrollWidth") <= 320
    tab.close()


def test_without_javascript_the_page_says_what_it_needs(browser: Any, base: str) -> None:
    """With JavaScript off the page says it needs it and links the same figures elsewhere."""
    context = browser.new_context(java_script_enabled=False)
    tab = context.new_page()
    tab.goto(base + "compare/?schemes=2019-20/london/alpha,2019-20/midlands/beta")
    text = tab.locator("main").inner_text()
    assert "This page needs JavaScript" in text and tab.locator("main a[href$='indicators.csv']").count() == 1
    context.close()


def test_comparison_tables_sort_as_an_enhancement(browser: Any, base: str) -> None:
    """A national goal's comparison sorts by value, low to high then high to low, with aria-sort on the heading;
    at 320 px the hidden headings' buttons leave the keyboard's path."""
    tab = browser.new_page(viewport={"width": 1280, "height": 900})
    tab.goto(base + "national-goals/2019-20/flu/")
    values = "els => els.map(e => e.textContent.trim())"
    cells = "table.compare tbody td[data-label=Value]"
    assert tab.eval_on_selector_all(cells, values) == ["£50,000", "£25,000"]  # as built: by scheme
    tab.click("table.compare thead button:text('Value')")
    assert tab.eval_on_selector_all(cells, values) == ["£25,000", "£50,000"]
    assert tab.get_attribute("table.compare thead th:has(button:text('Value'))", "aria-sort") == "ascending"
    tab.click("table.compare thead button:text('Value')")
    assert tab.eval_on_selector_all(cells, values) == ["£50,000", "£25,000"]
    tab.set_viewport_size({"width": 320, "height": 900})
    tab.wait_for_function("document.querySelector('button.sort').getAttribute('tabindex') === '-1'")
    tab.close()

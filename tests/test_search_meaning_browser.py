"""The search page on a library written to test search, in Chromium: the same answers as the command line for a
corpus of queries, results that show why they matched, facets for real and illustrative schemes and for the
framework, keyboard focus kept on facets and moved by "Show more", and the way on without JavaScript."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterator

import pytest

from search_meaning_library import built_meaning_library
from test_search_browser import page, result_links, serve, type_query, wait_for  # noqa: F401 - page is a fixture
from test_search_engines_browser import cli_answer, site_answer

expect: Any = pytest.importorskip("playwright.sync_api").expect

CORPUS = [
    "learning disabilities", "risk assessments", "injuries", "vaccinations", "dementia OR delirium",
    "smoking NOT alcohol", "smoking -alcohol", "NOT alcohol smoking", '"fluid balance"', '"balance fluid"',
    '"thameside sepsis"', "thameside sepsis", "year:2010-11", "year:2010/11 pressure", 'region:"east of england"',
    "type:ambulance", "topic:sepsis", "illustrative:true", "framework:other", "-framework:cquin", "flu", "flui",
    "fluid", "flu jab", "influenza", "smoking", "tobacco", "blood clots", "pressure sores", "septic", "A&E",
    "emergency department", "MH", "LD", "111", "CQUIN01", "sepsiss screening", "dementai", "London sepsis",
    "east of england", "scheme", "scheme OR care", "national:national", "domain:safety", "hospitals london",
    "community", "mental health", "acute kidney", '"kidney injury"', "vte", "flu\u00a0jab", "  sepsis  ",
    "dementia\tOR\tdelirium", "deliveries", "-alcohol", "flu OR", "OR", '"unclosed phrase', 'region:"east of', "year:",
]


@pytest.fixture(scope="module")
def lib(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The meaning library, built."""
    return built_meaning_library(tmp_path_factory, "meaning-browser")


@pytest.fixture(scope="module")
def site_url(lib: Path) -> Iterator[str]:
    """The built site, served."""
    yield from serve(lib / "site")


@pytest.fixture(scope="module")
def engine_page(browser: Any, site_url: str) -> Iterator[Any]:
    """The search page open once, to call its engine."""
    context = browser.new_context()
    tab = context.new_page()
    tab.goto(site_url + "search/")
    tab.wait_for_function("window.cquinSearch !== undefined")
    yield tab
    context.close()


def cli(lib: Path, query: str) -> tuple[list[int], str]:
    """cli_answer for this library."""
    return cli_answer(lib, query, lib / "schemes")


def test_the_corpus_has_every_kind() -> None:
    """At least 40 queries."""
    assert len(CORPUS) >= 40


@pytest.mark.parametrize("query", CORPUS)
def test_site_and_command_line_agree(engine_page: Any, lib: Path, query: str) -> None:
    """The same ten schemes in the same order, and the same correction, from both engines."""
    assert site_answer(engine_page, query) == cli(lib, query)


def test_most_of_the_corpus_finds_something(engine_page: Any) -> None:
    """The agreement above is not agreement on nothing."""
    empty = [q for q in CORPUS if not site_answer(engine_page, q)[0]]
    assert empty == ['"thameside sepsis"', "OR", '"unclosed phrase', 'region:"east of', "year:"]


def test_every_result_shows_why_it_matched(page: Any, site_url: str) -> None:  # noqa: F811
    """A goal with the matched words marked, or where the scheme matched when no goal's name holds them."""
    page.goto(site_url + "search/?q=sepsis")
    wait_for(page, r"^2 schemes match ‘sepsis’")
    for item in page.locator("#search-list li").all():
        assert item.locator(".result-goal mark").all_inner_texts() in (["sepsis"], ["Sepsis"])
    page.goto(site_url + "search/?q=thameside")
    wait_for(page, r"^1 scheme matches ‘thameside’")
    expect(page.locator(".result-where")).to_have_text("Matched in the title and the provider.")
    expect(page.locator("#search-list h2 mark")).to_have_text("Thameside")
    page.goto(site_url + "search/?q=injuries")
    wait_for(page, "1 scheme matches")
    expect(page.locator(".result-goal mark")).to_have_text("injury")
    page.goto(site_url + "search/?q=thromboembolism")  # only in the name of the goal's topic
    wait_for(page, "1 scheme matches")
    expect(page.locator(".result-goal")).to_have_text("Goal 1: VTE risk assessment (topic: Venous thromboembolism (VTE))")
    expect(page.locator(".result-goal mark")).to_have_text("thromboembolism")


def test_facets_for_real_or_illustrative_and_framework(page: Any, site_url: str) -> None:  # noqa: F811
    """Facets count schemes, as they say, and include real or illustrative and the framework."""
    page.goto(site_url + "search/?q=east+of+england")
    wait_for(page, "schemes match")
    expect(page.locator("#facet-illustrative")).to_be_visible()
    assert page.locator("#facet-illustrative option").all_inner_texts() == [
        "Real and illustrative (5 schemes)", "Illustrative example (1 scheme)", "Real scheme (4 schemes)"]
    assert page.locator("#facet-framework option").all_inner_texts() == [
        "All frameworks (5 schemes)", "Another framework (1 scheme)", "CQUIN (4 schemes)"]
    page.get_by_label("Real or illustrative").select_option("true")
    wait_for(page, r"^1 scheme matches ‘east of england’ with the chosen filters")
    assert result_links(page) == ["/schemes/2019-20/east-of-england/fenland/"]


def test_focus_stays_on_a_facet_changed_with_the_keyboard(page: Any, site_url: str) -> None:  # noqa: F811
    """Arrow keys change a facet; the results follow and focus stays on that select."""
    page.goto(site_url + "search/?q=scheme")
    wait_for(page, r"^17 schemes match")
    page.locator("#facet-type").focus()
    page.keyboard.press("ArrowDown")
    wait_for(page, "with the chosen filters")
    assert page.evaluate("document.activeElement.id") == "facet-type"
    page.keyboard.press("ArrowDown")
    wait_for(page, "with the chosen filters")
    assert page.evaluate("document.activeElement.id") == "facet-type"


def test_show_more_moves_focus_to_the_first_new_result(page: Any, site_url: str) -> None:  # noqa: F811
    """'Show more results' with the keyboard adds the next ones and focuses the first of them."""
    page.goto(site_url + "search/?q=scheme")
    wait_for(page, r"^17 schemes match")
    assert page.locator("#search-list li").count() == 10
    page.locator("#search-more").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#search-list li")).to_have_count(17)
    eleventh = page.locator("#search-list li").nth(10).locator("h2 a")
    expect(eleventh).to_be_focused()
    wait_for(page, r"^Showing 17 of 17 schemes")
    expect(page.locator("#search-more")).to_be_hidden()


def test_without_javascript_search_leads_to_the_index(browser: Any, site_url: str) -> None:
    """With JavaScript off the search page says so and links the A to Z index; its form goes there too."""
    context = browser.new_context(java_script_enabled=False)
    tab = context.new_page()
    tab.goto(site_url + "search/")
    note = tab.locator("main .notice")
    expect(note).to_contain_text("Full-text search needs JavaScript")
    expect(note.get_by_role("link", name="A to Z index")).to_have_attribute("href", "/a-z/")
    tab.get_by_role("searchbox", name="Search words").fill("sepsis")
    tab.get_by_role("button", name="Search").click()
    expect(tab.locator("h1")).to_have_text("Goals and topics A to Z")
    assert re.search(r"/a-z/\?q=sepsis$", tab.url)
    expect(tab.get_by_role("link", name="Sepsis", exact=True)).to_have_attribute("href", "/goals/sepsis/")
    expect(tab.get_by_role("link", name="septic")).to_have_attribute("href", "/goals/sepsis/")
    expect(tab.get_by_role("link", name="Timely treatment of sepsis")).to_be_visible()
    tab.goto(site_url)
    tab.get_by_role("search").get_by_role("searchbox").fill("sepsis")
    tab.get_by_role("search").get_by_role("button").click()
    expect(tab.locator("main .notice").get_by_role("link", name="A to Z index")).to_be_visible()
    context.close()


def test_filters_start_folded_on_a_phone(browser: Any, site_url: str) -> None:
    """At 320 px the filters are folded under 'Filters' (results come first); a filter in the URL opens them."""
    context = browser.new_context(viewport={"width": 320, "height": 700})
    tab = context.new_page()
    tab.goto(site_url + "search/?q=sepsis")
    wait_for(tab, "2 schemes match")
    expect(tab.locator("#search-filters")).to_be_visible()
    expect(tab.locator("#facet-type")).to_be_hidden()
    tab.locator("#search-filters summary").click()
    expect(tab.locator("#facet-type")).to_be_visible()
    tab.goto(site_url + "search/?q=sepsis&type=acute")
    wait_for(tab, "1 scheme matches")
    expect(tab.locator("#facet-type")).to_be_visible()
    context.close()

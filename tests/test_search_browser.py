"""The /search/ page in real headless Chromium: typing, prefixes, facets, the URL, corrections, keyboard, safety."""

from __future__ import annotations

import functools
import json
import re
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator

import pytest

from conftest import SCHEME, write_content, write_library
from cquinlib.commands.cli import main
from helpers import build
from search_library import built_search_library

expect: Any = pytest.importorskip("playwright.sync_api").expect


class SiteHandler(SimpleHTTPRequestHandler):
    """Serves a built site under a path prefix, quietly; any failed request shows as a console error."""

    prefix = "/"

    def do_GET(self) -> None:  # noqa: N802 - the http.server name
        """Serve a file from under the prefix."""
        if not self.path.startswith(self.prefix):
            self.send_error(404)
            return
        self.path = "/" + self.path[len(self.prefix):]
        super().do_GET()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the http.server signature
        """Keep test output clean."""


def serve(site: Path, prefix: str = "/") -> Iterator[str]:
    """Serve a folder on 127.0.0.1 on a free port from a thread; yield its base URL."""
    handler = type("Handler", (SiteHandler,), {"prefix": prefix})
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{prefix}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def lib(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The search library, built."""
    return built_search_library(tmp_path_factory, "browser-search")


@pytest.fixture(scope="module")
def site_url(lib: Path) -> Iterator[str]:
    """The built site, served."""
    yield from serve(lib / "site")


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:  # noqa: F811 - browser is conftest's session fixture
    """A fresh page that fails the test on any console error, uncaught exception or dialog."""
    context = browser.new_context()
    tab = context.new_page()
    problems: list[str] = []
    tab.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    tab.on("pageerror", lambda error: problems.append(str(error)))
    tab.on("dialog", lambda dialog: (problems.append("dialog: " + dialog.message), dialog.dismiss()))
    tab.set_default_timeout(10_000)
    yield tab
    context.close()
    assert problems == []


def type_query(page: Any, text: str) -> None:
    """Type into the search box key by key, as a person would."""
    box = page.get_by_role("searchbox", name="Search words")
    box.click()
    box.press_sequentially(text, delay=15)


def result_links(page: Any) -> list[str]:
    """The scheme links of the results shown, in order."""
    return [a.get_attribute("href") for a in page.locator("#search-list li h2 a").all()]


def wait_for(page: Any, status: str) -> None:
    """Wait until the status line says something matching a pattern."""
    expect(page.locator("#search-status")).to_have_text(re.compile(status))


def cli_ids(lib: Path, query: str) -> list[str]:
    """What the search verb ranks for a query."""
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["search", query, "--schemes", str(lib / "schemes"), "--cache", str(lib / ".cache"),
                     "--json"]) == 0
    return [row["id"] for row in json.loads(out.getvalue())]


def test_typing_shows_results_ranked_as_the_command_line(page: Any, site_url: str, lib: Path) -> None:
    """Results appear as you type, in the order the search verb gives, with the goal highlighted."""
    page.goto(site_url + "search/")
    wait_for(page, "Type words to search")
    type_query(page, "flu vaccination ")
    wait_for(page, r"^3 schemes match ‘flu vaccination’")
    assert result_links(page) == [f"/schemes/{i}/" for i in cli_ids(lib, "flu vaccination")]
    first = page.locator("#search-list li").first
    expect(first.locator(".result-goal")).to_have_text("Goal 1: Staff flu vaccination")
    assert first.locator(".result-goal mark").all_inner_texts() == ["flu", "vaccination"]
    expect(first.locator(".result-meta")).to_contain_text("2019/20 · Midlands · Community")


def test_prefix_of_the_last_word(page: Any, site_url: str) -> None:
    """An unfinished last word is completed: 'pumpkinlat' finds 'pumpkinlattice'."""
    page.goto(site_url + "search/")
    type_query(page, "pumpkinlat")
    wait_for(page, r"^1 scheme matches ‘pumpkinlat’")
    assert result_links(page) == ["/schemes/2019-20/east-of-england/pumpkin/"]
    assert page.locator("#search-list mark").all_inner_texts() == ["Pumpkinlattice"]
    assert "q=pumpkinlat" in page.url


def test_a_word_of_a_topic_name_finds_the_topics_schemes(page: Any, site_url: str, lib: Path) -> None:
    """Topic names are matched when a query runs: 'prevention' (a word of "Falls prevention") finds the scheme
    whose only falls goal never says it, ranked as the command line ranks it."""
    page.goto(site_url + "search/")
    type_query(page, "prevention ")
    wait_for(page, r"^3 schemes match ‘prevention’")
    expected = cli_ids(lib, "prevention")
    assert "2010-11/east-of-england/meadow" in expected
    assert result_links(page) == [f"/schemes/{i}/" for i in expected]


def options(page: Any, facet: str) -> list[str]:
    """The options of one facet's list, as shown."""
    return page.locator(f"#facet-{facet} option").all_inner_texts()


def test_facets_count_and_filter(page: Any, site_url: str) -> None:
    """Facets count the matches per year, region, provider type, topic and domain, and filter them."""
    page.goto(site_url + "search/")
    type_query(page, "flu")
    wait_for(page, r"^3 schemes match ‘flu’")
    expect(page.locator("#facet-type")).to_be_visible()
    assert options(page, "year") == ["All years (3 schemes)", "2019/20 (3 schemes)"]
    assert options(page, "type") == ["All provider types (3 schemes)", "Acute (2 schemes)", "Community (1 scheme)"]
    assert options(page, "domain") == ["All quality domains (3 schemes)", "Clinical effectiveness (1 scheme)",
                                       "Safety (3 schemes)"]
    assert "Flu vaccination (2 schemes)" in options(page, "topic")
    assert [page.get_by_label(name).count() for name in ("Financial year", "Region", "Provider type", "Topic",
                                                         "Quality domain")] == [1, 1, 1, 1, 1]
    page.get_by_label("Provider type").select_option("community")
    wait_for(page, r"^1 scheme matches ‘flu’ with the chosen filters")
    assert result_links(page) == ["/schemes/2019-20/midlands/riverside/"]
    assert "type=community" in page.url
    assert options(page, "type") == ["All provider types (3 schemes)", "Acute (2 schemes)", "Community (1 scheme)"]
    assert options(page, "region") == ["All regions (1 scheme)", "Midlands (1 scheme)"]


def test_url_round_trip(page: Any, site_url: str) -> None:
    """A URL with a query and filters restores the box, the filters and the same results."""
    page.goto(site_url + "search/")
    type_query(page, "flu")
    wait_for(page, "3 schemes match")
    page.get_by_label("Provider type").select_option("acute")
    wait_for(page, "2 schemes match")
    page.get_by_label("Quality domain").select_option("safety")
    wait_for(page, "2 schemes match")
    typed, url = result_links(page), page.url
    assert re.search(r"\?q=flu&type=acute&domain=safety$", url)
    page.goto(site_url + "search/?q=flu&year=2019-20&type=acute&domain=safety")
    wait_for(page, r"^2 schemes match ‘flu’ with the chosen filters")
    expect(page.get_by_role("searchbox", name="Search words")).to_have_value("flu")
    expect(page.locator("#facet-type")).to_have_value("acute")
    expect(page.locator("#facet-year")).to_have_value("2019-20")
    expect(page.locator("#facet-domain")).to_have_value("safety")
    assert result_links(page) == typed
    assert page.url.endswith("?q=flu&year=2019-20&type=acute&domain=safety")


def test_filters_alone_list_schemes(page: Any, site_url: str) -> None:
    """With no words, filters list every scheme that has them, newest first."""
    page.goto(site_url + "search/?topic=falls")
    wait_for(page, r"^3 schemes match the chosen filters")
    assert result_links(page)[0] == "/schemes/2019-20/london/northgate/"


def test_a_typo_shows_results_for_the_close_word(page: Any, site_url: str, lib: Path) -> None:
    """A misspelled word searches the close word that exists, says so, and links to the words as typed."""
    page.goto(site_url + "search/")
    type_query(page, "vacination ")
    wait_for(page, r"^3 schemes match ‘vaccination’")
    suggestion = page.locator("#search-suggest")
    expect(suggestion).to_have_text("Showing results for vaccination. Search instead for vacination.")
    assert result_links(page) == [f"/schemes/{i}/" for i in cli_ids(lib, "vacination")]
    suggestion.get_by_role("link", name="vacination").click()
    wait_for(page, r"^No scheme matches ‘vacination’\.$")
    assert "typed=1" in page.url
    expect(suggestion).to_be_hidden()
    page.get_by_role("searchbox", name="Search words").fill("qqqzzzxx")
    wait_for(page, r"^No scheme matches ‘qqqzzzxx’\.$")
    expect(suggestion).to_be_hidden()


def test_keyboard_reaches_the_labelled_box(page: Any, site_url: str) -> None:
    """Tab reaches the labelled search box; typing there searches; the status line is the one live region."""
    page.goto(site_url + "search/")
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "search-q":
            break
    assert page.evaluate("document.activeElement.id") == "search-q"
    page.keyboard.type("falls", delay=15)
    wait_for(page, r"^3 schemes match ‘falls’")
    assert page.locator("#search-status").get_attribute("role") == "status"
    assert page.locator("[aria-live]").count() == 0
    assert page.locator("#search-status").is_visible()


def test_contributed_text_stays_text(page: Any, site_url: str) -> None:
    """Markup in a title or goal name shows as text: no element is made from it, no script runs."""
    page.goto(site_url + "search/?q=hostile")
    wait_for(page, "1 scheme matches")
    item = page.locator("#search-list li").first
    expect(item.locator("h2")).to_have_text("<img src=x onerror=alert(1)> Hostile scheme 2019/20")
    assert page.locator("#search-list img, #search-list script").count() == 0
    page.goto(site_url + "search/?q=flu")
    wait_for(page, "3 schemes match")
    expect(page.locator(".result-goal", has_text="<script>")).to_have_text(
        "Goal 1: Flu <script>alert(1)</script> vaccination")


@pytest.fixture(scope="module")
def sub_path_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A small site built for /cquin/ and served there."""
    root = tmp_path_factory.mktemp("sub-path")
    write_library(root)
    write_content(root)
    assert build(root, "--base-url", "/cquin/") == 0
    yield from serve(root / "site", "/cquin/")


def test_works_under_a_sub_path(page: Any, sub_path_url: str) -> None:
    """Under --base-url /cquin/ the page reads /cquin/search/ and links results under /cquin/."""
    page.goto(sub_path_url + "search/")
    type_query(page, "falls")
    wait_for(page, r"^1 scheme matches ‘falls’")
    assert result_links(page) == ["/cquin/schemes/2010-11/london/example/"]
    page.locator("#search-list a").first.click()
    expect(page.locator("h1")).to_have_text("Example acute scheme 2010/11")


def test_fields_typed_in_the_box(page: Any, site_url: str) -> None:
    """year:, region:, type:, topic: and domain: typed in the box filter as the lists do."""
    page.goto(site_url + "search/")
    type_query(page, "year:2010-11 falls")
    wait_for(page, r"^2 schemes match ‘year:2010-11 falls’\.")
    assert sorted(result_links(page)) == ["/schemes/2010-11/east-of-england/meadow/", "/schemes/2010-11/london/example/"]


def test_a_library_with_nothing_listed(page: Any, tmp_path: Path) -> None:
    """With only a draft in the library the search page still works: it says nothing matches, without errors."""
    write_library(tmp_path, {"2010-11/london/example": SCHEME.replace("submitted: 2010-06-14", "status: draft")})
    write_content(tmp_path)
    assert build(tmp_path) == 0
    for url in serve(tmp_path / "site"):
        page.goto(url + "search/")
        type_query(page, "falls")
        wait_for(page, "^No scheme matches ‘falls’")
        page.wait_for_load_state("networkidle")  # every file it asked for has come before the server stops

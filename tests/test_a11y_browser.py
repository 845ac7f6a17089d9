"""Every page kind of the bundled site in Chromium at 1280 and 320 px: axe-core finds no WCAG 2.2 A/AA fault."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

import pytest

from conftest import REPO
from cquinlib.commands.cli import main
from test_search_browser import serve

AXE = REPO / "tests" / "vendor" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
WIDTHS = [1280, 320]
# One page of every kind the site has; the scheme has goals, indicators and milestones, the topic a goals table.
PAGES = [
    "", "years/", "years/2019-20/", "regions/", "regions/london/", "types/", "types/acute/", "providers/",
    "providers/humber-teaching-nhs-foundation-trust/", "goals/", "goals/flu-vaccination/", "national-goals/",
    "schemes/2023-24/north-east-and-yorkshire/humber-teaching/",
    "schemes/2010-11/east-of-england-sha/fenmouth-acute/",  # a value chart, calculators, totals, milestones in £
    "search/?q=flu",
    "schemes/2017-18/london/south-west-london-and-st-georges/",  # a real scheme with outcomes per goal and indicator
    "guidance/template-fields/",
    "submit/", "about/", "faq/", "404.html", "whats-new/",
    # Issue 13: a national goal's comparison, the open data page, and two schemes side by side.
    "national-goals/2019-20/staff-flu/", "data/", "real/", "a-z/",
    "compare/?schemes=2019-20/midlands/aldermoor-mental-health,2019-20/north-west/merrowdale-acute",
]


@pytest.fixture(scope="module")
def bundled_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The bundled library built under --strict and served on loopback."""
    out = tmp_path_factory.mktemp("a11y") / "site"
    assert main(["build", "--strict", "--schemes", str(REPO / "schemes"), "--content", str(REPO / "content"),
                 "--out", str(out)]) == 0
    yield from serve(out)


@pytest.fixture(scope="module")
def pages(browser: Any) -> Iterator[dict[int, Any]]:
    """One tab per width, reused across pages to keep the run short."""
    contexts = {width: browser.new_context(viewport={"width": width, "height": 900}) for width in WIDTHS}
    yield {width: context.new_page() for width, context in contexts.items()}
    for context in contexts.values():
        context.close()


def axe_violations(tab: Any) -> list[str]:
    """Run the vendored axe-core on the open page; one line per violated rule with the first offending node."""
    tab.add_script_tag(path=str(AXE))
    # resultTypes: axe still runs every rule on every node, but keeps details only of violations, which the
    # test reads; its documentation gives this for large pages (a topic page holds thousands of cells).
    result = tab.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
                          " resultTypes: ['violations']})", WCAG_TAGS)
    return [f"{v['id']}: {v['help']} at {v['nodes'][0]['target']} ({len(v['nodes'])} node(s))"
            for v in result["violations"]]


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("path", PAGES)
def test_every_page_kind_passes_axe_and_fits(bundled_url: str, pages: dict[int, Any], width: int, path: str) -> None:
    """Zero axe violations at WCAG 2.2 A and AA, and no page wider than the window, at this width (one test per
    page and width, so that parallel runs share them out)."""
    tab = pages[width]
    tab.goto(bundled_url + path)
    tab.wait_for_load_state("load")
    found = axe_violations(tab)
    sizes = tab.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    if sizes[0] > sizes[1]:
        found.append(f"page is {sizes[0]} px wide in a {sizes[1]} px window")
    assert found == [], json.dumps({path or "/": found}, indent=1)


def test_axe_is_pinned_with_its_licence() -> None:
    """The vendored axe-core names its version and ships with its licence (MPL-2.0)."""
    assert "axe v4.10.3" in AXE.read_text(encoding="utf-8")[:200]
    assert "Mozilla Public License" in (AXE.parent / "LICENSE").read_text(encoding="utf-8")

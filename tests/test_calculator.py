"""The payment calculator and the money in a scheme's tables: the rule in words with a worked example made at
build time, the 'Achieved (%)' form answered in Chromium as the user types, milestone payments in pounds, and a
totals row under every table of weights."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest
from bs4 import BeautifulSoup, Tag

from charts_library import PRICED_URL, UNPRICED_URL, built_charts_library
from cquinlib.library.model import Indicator, Milestone, PaymentScale
from cquinlib.library.payments import (earned, earned_share, milestone_payments, milestone_total, percent_text,
                                       worked_example)
from helpers import page
from test_search_browser import serve


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The chart library, built."""
    return built_charts_library(tmp_path_factory.mktemp("calculator"))


def rows(table: Tag, part: str = "tbody") -> list[list[str]]:
    """A table part's rows as the text of their cells."""
    section = table.find(part)
    assert isinstance(section, Tag), part
    return [[c.get_text(" ", strip=True) for c in tr.find_all(["th", "td"])] for tr in section.find_all("tr")]


def by_caption(soup: BeautifulSoup, start: str) -> Tag:
    """The table whose caption starts so."""
    found = [t for t in soup.find_all("table") if t.caption and t.caption.get_text(strip=True).startswith(start)]
    assert len(found) == 1, start
    return found[0]


def test_the_scale_pays_nothing_below_min_all_at_max_and_linear_between() -> None:
    """The rule itself, at its edges, and the worked example halfway up the scale."""
    scale = PaymentScale(60, 80)
    assert [earned_share(scale, a) for a in (0, 59.9, 60, 70, 75, 80, 85, 100)] == [0, 0, 0, 0.5, 0.75, 1, 1, 1]
    assert earned(scale, 70, 800_000).pounds == 400_000
    assert earned(scale, 70, None).pounds is None
    assert worked_example(scale, 800_000) == (70, 0.5, 400_000)
    assert earned_share(PaymentScale(50, 50), 49.99) == 0 and earned_share(PaymentScale(50, 50), 50) == 1
    assert [percent_text(s) for s in (0, 0.5, 1, 1 / 3, 0.00125)] == ["0", "50", "100", "33.3", "0.1"]


def test_without_javascript_the_rule_and_a_worked_example_are_text(site: Path) -> None:
    """The indicator's value in pounds, the rule and a worked example in words; the form waits, hidden, for the
    script, which the page loads from a file (no inline script)."""
    soup = page(site, PRICED_URL)
    box = soup.find("div", class_="calculator")
    text = box.get_text(" ", strip=True)
    assert "Nothing below 60% achievement; the whole of the indicator's value (£800,000) at 80% or more" in text
    assert "each point above 60% earning 5% of the value" in text
    assert box.find("p", class_="worked-example").get_text(" ", strip=True) == (
        "For example, 70% achieved earns 50% of the indicator's value: £400,000.")
    form = box.find("form")
    assert form.has_attr("hidden") and form.find("label").get_text(strip=True) == "Achieved (%)"
    assert form.find("label")["for"] == form.find("input")["id"]
    scripts = soup.find_all("script")
    assert [s.get("src") for s in scripts] == ["/static/calculator.js"] and not scripts[0].string
    assert (site / "static" / "calculator.js").is_file()
    assert page(site, "/years/").find("script", src="/static/calculator.js") is None


def test_an_indicator_without_a_value_in_pounds_says_so(site: Path) -> None:
    """No contract value: the share only, said plainly, and a one-threshold scale read as one threshold."""
    box = page(site, UNPRICED_URL).find("div", class_="calculator")
    text = box.get_text(" ", strip=True)
    assert "gives no value in pounds for this indicator" in text and "£" not in text
    assert "Nothing below 50% achievement; the whole of the indicator's value at 50% or more." in text
    assert "For example, 50% achieved earns 100% of the indicator's value." in text


def test_goal_and_indicator_tables_have_totals(site: Path) -> None:
    """The goals table and a goal's table of indicators add up their weights and values, saying how many rows
    gave no weight to add."""
    soup = page(site, PRICED_URL)
    goals = by_caption(soup, "Goals of this scheme")
    assert rows(goals, "tfoot") == [["Total (of the goals with a weight; 1 without)", "100%", "£2,000,000"]]
    indicators = by_caption(soup, "Indicators of goal 1")
    assert rows(indicators) == [["1.1. Adult inpatients risk-assessed for VTE", "40%", "£800,000"],
                                ["1.2. Patients given VTE prophylaxis", "20%", "£400,000"]]
    assert rows(indicators, "tfoot") == [["Total", "60%", "£1,200,000"]]


def test_milestones_show_their_payment_in_pounds(site: Path) -> None:
    """Each milestone's % of the indicator's value and its pounds, with their total."""
    milestones = by_caption(page(site, PRICED_URL), "In-year milestones for indicator 1.2")
    assert rows(milestones) == [["Q2", "50%", "25%", "£100,000"], ["Q4", "70%", "75%", "£300,000"]]
    assert rows(milestones, "tfoot") == [["Total", "100%", "£400,000"]]
    box = milestones.find_next_sibling("div", class_="milestone-calculator")
    assert box.has_attr("hidden")  # without JavaScript the table is the answer; the box waits for the script
    assert [label.get_text() for label in box.find_all("label")] == ["Q2: 50% (25%, £100,000)",
                                                                     "Q4: 70% (75%, £300,000)"]


def test_milestones_without_a_payment_are_not_numbered_for_the_calculator() -> None:
    """The calculator's boxes are numbered among the milestones that pay, so one without a payment between two
    leaves no gap; the count of boxes is the total's rows less those without a payment."""
    indicator = Indicator("1.1", "Falls", milestones=(Milestone("Q1", "50%", 20.0), Milestone("Q2", "60%"),
                                                      Milestone("Q4", "70%", 80.0)))
    paid = milestone_payments(indicator, 1000.0)
    assert [(p.milestone.period, p.number, p.pounds) for p in paid] == [("Q1", 1, 200.0), ("Q2", None, None),
                                                                         ("Q4", 2, 800.0)]
    total = milestone_total(paid)
    assert (total.weight, total.value, total.rows - total.without_weight) == (100.0, 1000.0, 2)


@pytest.fixture(scope="module")
def site_url(site: Path) -> Iterator[str]:
    """The built library, served."""
    yield from serve(site)


def answer(tab: Any, field: str, typed: str) -> str:
    """Type into an Achieved (%) field; the answer the page then shows."""
    tab.fill(f"[id='{field}']", typed)
    return str(tab.locator(f"[id='{field}'] ~ output").inner_text())


@pytest.mark.parametrize("width", [1280, 320])
def test_the_calculator_answers_as_the_user_types(browser: Any, site_url: str, width: int) -> None:
    """On a 60 to 80 scale for an £800,000 indicator: 70% earns half, £400,000; 50% nothing; 85% all of it;
    milestones ticked as met add up their payments; the page fits a 320 px screen."""
    tab = browser.new_page(viewport={"width": width, "height": 900})
    try:
        tab.goto(site_url + PRICED_URL.lstrip("/"))
        assert tab.get_by_label("Achieved (%)").is_visible()
        assert answer(tab, "achieved-1.1", "70") == "70% achieved earns 50% of the indicator's value: £400,000."
        assert answer(tab, "achieved-1.1", "50") == "50% achieved earns 0% of the indicator's value: £0."
        assert answer(tab, "achieved-1.1", "85") == "85% achieved earns 100% of the indicator's value: £800,000."
        assert answer(tab, "achieved-1.1", "65.5") == "65.5% achieved earns 27.5% of the indicator's value: £220,000."
        assert answer(tab, "achieved-1.1", "") == "Enter a percentage from 0 to 100."
        tab.press("[id='achieved-1.1']", "Enter")  # submitting stays on the page
        assert tab.url.endswith(PRICED_URL)
        sizes = tab.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert sizes[0] <= sizes[1]
        met = tab.locator(".milestone-form")
        assert met.locator("output").inner_text() == "0 of 2 milestones met earn 0% of the indicator's value: £0."
        tab.get_by_label("Q2: 50% (25%, £100,000)").check()
        assert met.locator("output").inner_text() == (
            "1 of 2 milestones met earns 25% of the indicator's value: £100,000.")
        tab.get_by_label("Q4: 70% (75%, £300,000)").check()
        assert met.locator("output").inner_text() == (
            "2 of 2 milestones met earn 100% of the indicator's value: £400,000.")
        tab.goto(site_url + UNPRICED_URL.lstrip("/"))
        assert answer(tab, "achieved-1.1", "49") == "49% achieved earns 0% of the indicator's value."
    finally:
        tab.close()

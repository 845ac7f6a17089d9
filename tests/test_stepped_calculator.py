"""A stepped payment scale everywhere a scale is used: the worked example and the Achieved (%) calculator on the
scheme page (by the same rule, library.scales), the comparison table and indicators.csv."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any, Iterator

import pytest

from conftest import write_content, write_library
from cquinlib.library.payments import earned_share, worked_example
from cquinlib.library.scales import PaymentStep, SteppedScale
from helpers import build, page
from test_search_browser import serve

STEPPED = """\
title: Stepped acute scheme 2010/11
provider: {name: Stepped Hospitals NHS Trust, type: acute}
commissioners: [NHS Example]
submitted: 2010-06-14
contract_value: 10000000
cquin_percent: 2.5
goals:
  - number: "1"
    name: Staff flu vaccination
    weight: 40
    topics: [flu]
    indicators:
      - number: "1.1"
        name: Front-line staff vaccinated
        weight: 40
        target: {period: "Q4 2010/11", value: "70%"}
        payment_scale:
          steps:
            - {above: 50, pay: 25}
            - {from: 60, pay: 50}
            - {from: 65, pay: 75}
            - {from: 70, pay: 100}
  - number: "2"
    name: Safer discharge
    weight: 60
"""
URL = "/schemes/2010-11/london/stepped/"
SCALE = SteppedScale((PaymentStep(50, 25, False), PaymentStep(60, 50), PaymentStep(65, 75), PaymentStep(70, 100)))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The one-scheme library, built under --strict."""
    root = tmp_path_factory.mktemp("stepped")
    write_library(root, {"2010-11/london/stepped": STEPPED})
    write_content(root)
    assert build(root, "--strict") == 0
    return root / "site"


def test_a_stepped_scale_pays_the_share_of_the_highest_step_reached() -> None:
    assert [earned_share(SCALE, x) for x in (0, 50, 50.5, 59.9, 60, 64, 65, 69.9, 70, 100)] == [
        0, 0, 0.25, 0.25, 0.5, 0.5, 0.75, 0.75, 1, 1]
    example = worked_example(SCALE, 100_000)  # just into the middle step: from 65%, three quarters
    assert (example.achieved, example.share, example.pounds) == (65, 0.75, 75_000)


def test_the_page_shows_the_steps_and_a_worked_example_without_javascript(site: Path) -> None:
    soup = page(site, URL)
    steps = soup.select_one("table.payment-steps")
    assert [[c.get_text(" ", strip=True) for c in tr.find_all("td")] for tr in steps.select("tbody tr")] == [
        ["Up to 50%", "Nothing"], ["Above 50%, below 60%", "25%"], ["From 60%, below 65%", "50%"],
        ["From 65%, below 70%", "75%"], ["From 70%", "100%"]]
    box = soup.select_one(".calculator")
    # £10m at 2.5% is £250,000; the indicator's 40% of it is £100,000.
    assert "For example, 65% achieved earns 75% of the indicator's value: £75,000." in box.get_text(" ", strip=True)
    form = box.select_one("form.calculator-form")
    assert form.has_attr("hidden") and form["data-steps"] == "50:25:0 60:50:1 65:75:1 70:100:1"
    assert float(form["data-value"]) == 100_000


def test_comparisons_and_the_indicator_table_give_the_steps(site: Path) -> None:
    text = (site / "downloads" / "indicators.csv").read_text(encoding="utf-8")
    row = next(r for r in csv.DictReader(io.StringIO(text)) if r["indicator_number"] == "1.1")
    assert row["scale_steps"] == "above 50%: 25%; from 60%: 50%; from 65%: 75%; from 70%: 100%"
    assert row["scale_min_percent"] == row["scale_max_percent"] == ""
    cells = [td.get_text(" ", strip=True) for td in page(site, "/goals/flu/").select("td[data-label='Payment scale']")]
    assert cells == ["steps: above 50%: 25%; from 60%: 50%; from 65%: 75%; from 70%: 100%"]


@pytest.fixture(scope="module")
def site_url(site: Path) -> Iterator[str]:
    """The built library, served."""
    yield from serve(site)


def test_the_calculator_answers_a_stepped_scale_as_the_user_types(browser: Any, site_url: str) -> None:
    tab = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        tab.goto(site_url + URL.lstrip("/"))
        field = tab.get_by_label("Achieved (%)")
        output = tab.locator("form.calculator-form output")
        for typed, shown in [("50", "50% achieved earns 0% of the indicator's value: £0."),
                             ("55", "55% achieved earns 25% of the indicator's value: £25,000."),
                             ("60", "60% achieved earns 50% of the indicator's value: £50,000."),
                             ("72", "72% achieved earns 100% of the indicator's value: £100,000.")]:
            field.fill(typed)
            assert output.inner_text() == shown, typed
    finally:
        tab.close()

"""Charts drawn at build time: each is inline SVG with no script, named by its <title> and described by its <desc>,
with a text description and the table of its numbers beside it, and those numbers are the library's."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import jinja2
import pytest
from bs4 import BeautifulSoup, Tag

from charts_library import PRICED_URL, UNPRICED_URL, built_charts_library
from cquinlib.build.options import default_templates_dir
from cquinlib.library.model import Goal, Scheme
from cquinlib.site.charts import Datum, TargetRow, bar_chart, scheme_value_chart, targets_by_year_chart
from helpers import build, page


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The chart library, built."""
    return built_charts_library(tmp_path_factory.mktemp("charts"))


def chart(soup: BeautifulSoup, chart_id: str) -> tuple[Tag, list[list[str]]]:
    """The chart's SVG, checked for its title, desc and text description, and its table's rows as text."""
    block = soup.find("section", attrs={"aria-labelledby": f"{chart_id}-heading"})
    assert isinstance(block, Tag), chart_id
    svg = block.find("svg")
    assert isinstance(svg, Tag)
    title, desc = svg.find("title"), svg.find("desc")
    assert svg["role"] == "img" and svg["aria-labelledby"] == title["id"] and svg["aria-describedby"] == desc["id"]
    heading = block.find(id=f"{chart_id}-heading").get_text(strip=True)
    assert title.get_text(strip=True) == heading
    assert desc.get_text(strip=True) == block.find("p", class_="chart-description").get_text(strip=True) != ""
    assert svg.find("script") is None and not [a for tag in svg.find_all(True) for a in tag.attrs
                                               if a.startswith("on")]
    table = block.find("table")
    assert table.caption.get_text(strip=True) == f"{heading}: the figures"
    rows = [[cell.get_text(" ", strip=True) for cell in tr.find_all(["th", "td"])] for tr in table.tbody.find_all("tr")]
    return svg, rows


def test_years_chart_schemes_and_total_value_by_year(site: Path) -> None:
    """/years/ charts the listed schemes and their total value by year, newest first; a year whose schemes give no
    value says so, and the bars follow the figures."""
    soup = page(site, "/years/")
    svg, rows = chart(soup, "chart-schemes-by-year")
    assert rows == [["2019/20", "1"], ["2010/11", "1"]]
    svg, rows = chart(soup, "chart-value-by-year")
    assert rows == [["2019/20", "not known", "0 of 1 schemes give a value"], ["2010/11", "£2,000,000", ""]]
    assert len(svg.find_all("rect")) == 1  # no bar for the year with no value


def test_regions_chart_schemes_by_region(site: Path) -> None:
    """/regions/ charts the regions that have schemes, with their counts."""
    _, rows = chart(page(site, "/regions/"), "chart-schemes-by-region")
    assert rows == [["East of England", "1"], ["London", "1"]]


def test_goals_charts_by_domain_and_topic(site: Path) -> None:
    """/goals/ charts goals by quality domain (a goal with none reads 'Not given') and by topic name."""
    soup = page(site, "/goals/")
    _, rows = chart(soup, "chart-goals-by-domain")
    assert sorted(rows) == [["Clinical effectiveness", "1"], ["Not given", "2"], ["Safety", "2"]]
    _, rows = chart(soup, "chart-goals-by-topic")
    assert sorted(rows) == [["Falls prevention", "1"], ["Flu vaccination", "1"], ["Venous thromboembolism (VTE)", "1"]]


def test_scheme_chart_splits_the_value_by_goal(site: Path) -> None:
    """A scheme page charts its value by goal in pounds; a goal's name is text in the SVG, never markup."""
    svg, rows = chart(page(site, PRICED_URL), "chart-value-by-goal")
    assert rows == [["1. Reduce avoidable harm from VTE <script>alert(1)</script>", "£1,200,000"],
                    ["2. Fewer falls", "£800,000"], ["3. Local audit", "weight not given"]]
    widths = [float(r["width"]) for r in svg.find_all("rect")]
    assert len(widths) == 2 and widths[0] == pytest.approx(widths[1] * 1.5)  # no bar without a weight
    assert "<script>" not in (site / PRICED_URL.strip("/") / "index.html").read_text(encoding="utf-8")


def test_a_scheme_without_a_value_charts_its_weights(site: Path) -> None:
    """Without a contract value the chart shows the goals' weights (% of the scheme), not invented pounds."""
    svg, rows = chart(page(site, UNPRICED_URL), "chart-value-by-goal")
    assert svg.find("title").get_text() == "The scheme's weights by goal"
    assert rows == [["1. Staff flu vaccination", "60%"], ["2. Safer discharge", "40%"]]


def test_targets_by_year_chart_is_drawn_from_its_rows() -> None:
    """The typed targets-by-year chart the comparison pages call: one range per year placed on a 0 to 100% scale,
    its median between its ends, and the partial writes a title, desc and table of the same rows."""
    rows = [TargetRow("2018/19", 60, 75, 80, 4), TargetRow("2019/20", 80, 80, 90, 3)]
    drawn = targets_by_year_chart("chart-targets", "Flu targets by year", rows)
    assert drawn is not None and [r.row for r in drawn.ranges] == rows
    assert [t.text for t in drawn.ticks] == ["0%", "25%", "50%", "75%", "100%"]
    first = drawn.ranges[0]
    assert first.low_x < first.median_x < first.high_x
    assert drawn.ranges[1].median_x == drawn.ranges[1].low_x
    assert targets_by_year_chart("x", "Nothing", []) is None
    money = targets_by_year_chart("y", "Thresholds in pounds", [TargetRow("2019/20", 120, 300, 450, 3)], unit="")
    assert money is not None and money.ticks[-1].text == "500"
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(default_templates_dir())), autoescape=True,
                             undefined=jinja2.StrictUndefined)
    env.filters["number"] = lambda value: f"{value:g}"
    html = env.from_string('{% from "_charts.html" import range_chart %}{{ range_chart(c) }}').render(c=drawn)
    soup = BeautifulSoup(f"<main>{html}</main>", "html.parser")
    _, table = chart(soup, "chart-targets")
    assert table == [["2018/19", "4", "60%", "75%", "80%"], ["2019/20", "3", "80%", "80%", "90%"]]


def test_bar_chart_describes_its_largest_figure_and_skips_unknowns() -> None:
    """The description names the largest bar (or says all are alike); unknown figures draw no bar; with no
    figure known there is no chart."""
    drawn = bar_chart("c", "T", [Datum("A", 2, "2"), Datum("B", 4, "4"), Datum("C", None, "not known")], "Year", "N")
    assert drawn is not None and "the largest is B, at 4" in drawn.description
    assert [b.length for b in drawn.bars] == [120, 240, 0]
    same = bar_chart("c", "T", [Datum("A", 1, "1"), Datum("B", 1, "1")], "Year", "N")
    assert same is not None and "all are alike, at 1" in same.description
    assert bar_chart("c", "T", [Datum("A", None, "?")], "Year", "N") is None


def test_a_contract_value_edit_redraws_the_years_chart_as_a_clean_build_does(tmp_path: Path) -> None:
    """The years page's totals come from each scheme's card: an edited contract value redraws it, and the
    incremental build equals a clean one."""
    site = built_charts_library(tmp_path / "lib")
    source = tmp_path / "lib/schemes/2010-11/london/priced.yaml"
    source.write_text(source.read_text(encoding="utf-8").replace("100000000", "50000000"), encoding="utf-8")
    assert build(tmp_path / "lib") == 0
    _, rows = chart(page(site, "/years/"), "chart-value-by-year")
    assert rows[1] == ["2010/11", "£1,000,000", ""]
    shutil.copytree(tmp_path / "lib/schemes", tmp_path / "clean/schemes")
    shutil.copytree(tmp_path / "lib/content", tmp_path / "clean/content")
    assert build(tmp_path / "clean") == 0
    for url in ("/years/", PRICED_URL):
        assert (site / url.strip("/") / "index.html").read_bytes() == (
            tmp_path / "clean/site" / url.strip("/") / "index.html").read_bytes()


def test_a_scheme_with_one_goal_or_no_weights_has_no_value_chart() -> None:
    """One goal is the whole of its scheme, and goals without weights have nothing to split: no chart."""
    def scheme(*goals: Goal) -> Scheme:
        """A priced scheme with these goals."""
        return Scheme("2010-11", "london", "s", Path("s.yaml"), "S", "P", "acute", contract_value=1e8,
                      cquin_percent=2, goals=goals)

    assert scheme_value_chart(scheme(Goal("1", "Only", weight=100))) is None
    assert scheme_value_chart(scheme(Goal("1", "A"), Goal("2", "B"))) is None
    drawn = scheme_value_chart(scheme(Goal("1", "A", weight=75), Goal("2", "B")))
    assert drawn is not None and [b.datum.text for b in drawn.bars] == ["£1,500,000", "weight not given"]


def test_the_longest_figure_fits_beside_the_longest_bar() -> None:
    """A trillion pounds still fits in the chart's width beside its bar: the bars give way to the figure."""
    text = "£1,000,000,000,000"
    drawn = bar_chart("c", "T", [Datum("A", 1e12, text), Datum("B", 5e11, "£500,000,000,000")], "Year", "Value")
    assert drawn is not None
    assert drawn.bars[0].text_x + 9 * len(text) <= drawn.width
    assert drawn.bars[1].length == pytest.approx(drawn.bars[0].length / 2)


def contrast(one: str, two: str) -> float:
    """The WCAG contrast ratio of two #rrggbb colours."""
    def luminance(colour: str) -> float:
        """Relative luminance."""
        channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * r + 0.7152 * g + 0.0722 * b
    high, low = sorted((luminance(one), luminance(two)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_chart_colours_contrast_with_the_page_and_every_bar_is_labelled(site: Path) -> None:
    """Bars, ranges and text are drawn in colours of at least 3:1 against the white page (WCAG 1.4.11), and every
    bar carries its label and figure in words, so no colour carries meaning alone."""
    css = (default_templates_dir() / "static" / "style.css").read_text(encoding="utf-8")
    colours = dict(re.findall(r"--([a-z-]+): (#[0-9a-f]{6});", css))
    drawn = {name for rule in re.findall(r"\.chart-(?:bar|median|range|end|axis)[^{]*\{([^}]*)\}", css)
             for name in re.findall(r"(?:fill|stroke): var\(--([a-z-]+)\)", rule)}
    assert drawn == {"dark-blue", "text"}
    assert all(contrast(colours[name], colours["white"]) >= 3 for name in drawn)
    assert contrast(colours["text"], colours["white"]) >= 4.5
    svg, rows = chart(page(site, PRICED_URL), "chart-value-by-goal")
    labels = [t.get_text() for t in svg.find_all("text", class_="chart-label")]
    figures = [t.get_text() for t in svg.find_all("text", class_="chart-figure")]
    assert figures == [r[1] for r in rows] and len(labels) == len(rows)

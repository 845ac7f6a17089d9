"""The comparison pages and the open data, built from a small library with known figures (issue 13): each table
and each download against the library's numbers, no draft or contact in any of them, and incremental builds equal
to clean ones after an edit to a compared scheme."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest

from comparisons_library import PRIVATE, write_comparison_library
from cquinlib.build.options import BuildOptions, default_templates_dir
from cquinlib.build.pipeline import build_site
from cquinlib.library.downloads import INDICATOR_COLUMNS, SCHEME_COLUMNS
from helpers import broken_links, build, page, snapshot


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The comparison library, built."""
    root = tmp_path_factory.mktemp("compare")
    write_comparison_library(root)
    assert build(root) == 0
    return root / "site"


def cells(row) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """A table row's cells by their label (the first cell as 'first')."""
    found = {}
    for index, cell in enumerate(row.find_all("td")):
        found[cell.get("data-label") or ("first" if index == 0 else str(index))] = " ".join(cell.get_text(" ").split())
    return found


def test_topic_page_is_one_comparison_with_spellings_grouped(site: Path) -> None:
    """/goals/flu/ has one comparison table: one goal (both spellings) with its three published indicators,
    newest year first, each with its baseline, target, scale, weight, value in pounds and national or local."""
    soup = page(site, "/goals/flu/")
    tables = soup.select("table.compare")
    assert len(tables) == 1
    heads = [" ".join(th.get_text(" ").split()) for th in tables[0].select("th[scope=rowgroup]")]
    assert heads == ["Staff flu vaccination (also written: “STAFF flu vaccination.”)"]
    rows = [cells(tr) for tr in tables[0].select("tbody tr") if tr.find("td")]
    assert [r["Year"] for r in rows] == ["2020/21", "2019/20", "2019/20"]
    alpha = next(r for r in rows if r["first"].startswith("Alpha scheme"))
    assert (alpha["Provider type"], alpha["Baseline"], alpha["Target"], alpha["Payment scale"], alpha["Weight"],
            alpha["Value"]) == ("Acute", "60% (2018/19)", "80% (Q4 2019/20)", "60% to 80%", "40%", "£50,000")
    assert alpha["National or local"].startswith("National") and "Quality domain: Safety" in alpha["National or local"]
    beta = next(r for r in rows if r["first"].startswith("Beta scheme"))
    assert (beta["Baseline"], beta["Value"], beta["National or local"]) == (
        "not given", "£25,000", "National Quality domain: not given")
    renamed = next(r for r in rows if r["first"].startswith("Alpha Renamed"))
    assert renamed["Value"] == "£50,000" and renamed["National or local"].startswith("Local")
    text = soup.get_text()
    assert "Withdrawn old scheme" not in text and "Draft" not in text


def test_topic_page_summarises_its_targets(site: Path) -> None:
    """The targets summary: 3 percentage targets, 70% to 90%, median 80%, and each year's figures."""
    soup = page(site, "/goals/flu/")
    chart = soup.select_one("section.chart-block[aria-labelledby='targets-chart-heading']")
    svg = chart.select_one("svg.chart")
    assert svg.title.get_text() == "Percentage targets under Staff flu vaccination, by year" == chart.h3.get_text()
    assert "3 targets in all" in svg.desc.get_text()
    assert len(svg.select("line.chart-range")) == 2  # one line from lowest to highest for each year
    table = chart.select_one("table.chart-table")
    lines = [[" ".join(c.get_text(" ").split()) for c in tr.find_all(["th", "td"])] for tr in table.select("tbody tr")]
    assert lines == [["2019/20", "2", "80%", "85%", "90%"], ["2020/21", "1", "70%", "70%", "70%"]]
    assert "3 targets under this topic are percentages, from 70% to 90% (median 80%)" in " ".join(soup.get_text().split())


def test_national_goal_page_compares_every_adopting_scheme(site: Path) -> None:
    """/national-goals/2019-20/flu/ gives the goal's description, settings and target, and Alpha's and Beta's
    indicators with what they set."""
    soup = page(site, "/national-goals/2019-20/flu/")
    assert soup.h1.get_text() == "Staff flu vaccinations"
    facts = {dt.get_text(): dt.find_next_sibling("dd").get_text(" ", strip=True) for dt in soup.select("dl.facts dt")}
    assert facts["Applies to"] == "Acute, Community" and facts["National target"] == "80%"
    assert "Front-line staff vaccinated against flu." in soup.get_text()
    chart = soup.select_one("section.chart-block[aria-labelledby='targets-chart-heading'] table.chart-table")
    assert [th.get_text() for th in chart.select("tbody th")] == ["2019/20"]  # the goal's own year, its range
    rows = [cells(tr) for tr in soup.select("table.compare tbody tr")]
    assert [r["first"].split(" Goal")[0] for r in rows] == ["Alpha scheme 2019/20", "Beta scheme 2019/20"]
    assert [(r["Region"], r["Target"], r["Payment scale"], r["Weight"], r["Value"]) for r in rows] == [
        ("London", "80% (Q4 2019/20)", "60% to 80%", "40%", "£50,000"),
        ("Midlands", "90% (Q4)", "none", "100%", "£25,000")]
    falls = page(site, "/national-goals/2019-20/falls/")
    assert "a 2-year goal" in falls.select_one("p.lede").get_text()


def test_national_goals_page_has_contents_by_year(site: Path) -> None:
    """/national-goals/ opens with a contents list whose links jump to each year, and links each goal's page."""
    soup = page(site, "/national-goals/")
    contents = soup.find("nav", attrs={"aria-label": "Years"})
    assert [a["href"] for a in contents.find_all("a")] == ["#2020-21", "#2019-20"]
    assert soup.find(id="2019-20") and soup.find(id="2020-21")
    links = [a["href"] for a in soup.select("section.national-goal h3 a")]
    assert links == ["/national-goals/2019-20/flu/", "/national-goals/2019-20/falls/"]
    assert broken_links(site) == []


def test_goals_index_lists_topics_by_name_with_counts(site: Path) -> None:
    """/goals/ has an index of topics by name (not slug) with their counts; a missing domain reads 'not given'."""
    soup = page(site, "/goals/")
    rows = [[" ".join(c.get_text(" ").split()) for c in tr.find_all(["th", "td"])]
            for tr in soup.select("table.topic-index tbody tr")]
    assert rows == [["Falls prevention", "1", "1"], ["Staff flu vaccination", "1", "3"]]
    assert "Quality domain not given" in [h.get_text() for h in soup.select("h3")]


def parsed_csv(site: Path, name: str) -> list[dict[str, str]]:
    """A download parsed back, checking its header is the declared columns in order."""
    text = (site / "downloads" / name).read_text(encoding="utf-8")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    columns = SCHEME_COLUMNS if name == "schemes.csv" else INDICATOR_COLUMNS
    assert reader.fieldnames == [c.name for c in columns]
    return list(reader)


def test_downloads_parse_back_with_their_counts_and_figures(site: Path) -> None:
    """schemes.csv: the three published schemes; indicators.csv: their four rows with the table's figures;
    schemes.json: those and the withdrawn one, whole, status shown."""
    schemes = parsed_csv(site, "schemes.csv")
    assert [s["scheme_id"] for s in schemes] == ["2019-20/london/alpha", "2019-20/midlands/beta",
                                                 "2020-21/london/alpha"]
    assert (schemes[0]["value_pounds"], schemes[0]["cquin_percent"], schemes[0]["national_goals"],
            schemes[0]["indicators"]) == ("125000", "1.25", "flu falls", "1")
    rows = parsed_csv(site, "indicators.csv")
    assert len(rows) == 4
    alpha = rows[0]
    assert (alpha["weight_percent"], alpha["value_pounds"], alpha["target"], alpha["scale_min_percent"],
            alpha["scale_max_percent"], alpha["milestones"]) == ("40", "50000", "80%", "60", "80", "Q2: 50% (25%)")
    assert rows[1]["indicator_number"] == "" and rows[1]["duration_years"] == "2" and rows[1]["value_pounds"] == "75000"
    assert schemes[0]["scheme_url"] == "https://library.example.org/schemes/2019-20/london/alpha/"
    data = json.loads((site / "downloads" / "schemes.json").read_text(encoding="utf-8"))
    assert [(s["id"], s["status"]) for s in data["schemes"]] == [
        ("2019-20/london/alpha", "published"), ("2019-20/london/gone", "withdrawn"),
        ("2019-20/midlands/beta", "published"), ("2020-21/london/alpha", "published")]
    alpha_json = data["schemes"][0]
    assert alpha_json["goals"][0]["indicators"][0]["target"] == {"period": "Q4 2019/20", "value": "80%"}
    assert alpha_json["value"] == 125000 and alpha_json["submitted"] == "2019-05-01"
    assert "contact" not in alpha_json and "src_path" not in alpha_json


def test_no_draft_or_contact_reaches_any_page_or_download(site: Path) -> None:
    """Not a contact's name or address, nor a draft's title or indicator, in any file of the site."""
    for path in site.rglob("*"):
        if path.is_file() and path.suffix in {".html", ".csv", ".json", ".xml", ".js"}:
            text = path.read_text(encoding="utf-8")
            assert [p for p in PRIVATE if p in text] == [], path


def test_data_page_documents_every_column_in_order(site: Path) -> None:
    """/data/ links each download and lists every column of each CSV in order, with its description."""
    soup = page(site, "/data/")
    assert {a["href"] for a in soup.select("a[download]")} == {
        "/downloads/schemes.csv", "/downloads/indicators.csv", "/downloads/schemes.json"}
    tables = soup.select("table.columns")
    for table, columns in zip(tables, (SCHEME_COLUMNS, INDICATOR_COLUMNS)):
        documented = [(tr.th.get_text(), tr.td.get_text()) for tr in table.select("tbody tr")]
        assert documented == [(c.name, c.description) for c in columns]
    assert "3 entries, each one published scheme" in " ".join(soup.get_text().split())


def test_downloads_are_deterministic(tmp_path: Path) -> None:
    """Two clean builds of the same library write the same bytes for every download."""
    made = []
    for name in ("one", "two"):
        root = tmp_path / name
        write_comparison_library(root)
        assert build(root) == 0
        made.append({n: (root / "site" / "downloads" / n).read_bytes()
                     for n in ("schemes.csv", "indicators.csv", "schemes.json")})
    assert made[0] == made[1]


def test_incremental_equals_clean_after_editing_a_compared_scheme(tmp_path: Path) -> None:
    """Beta's target edited: the incremental build equals a clean one, and the topic, national goal and
    downloads show the new figure."""
    write_comparison_library(tmp_path)
    shutil.copytree(default_templates_dir(), tmp_path / "templates")

    def options(out: str, cache: str) -> BuildOptions:
        """Options for this library into out with cache."""
        return BuildOptions(tmp_path / "schemes", tmp_path / "content", tmp_path / out, tmp_path / "templates",
                            cache_dir=tmp_path / cache)

    build_site(options("site", ".cache"))
    beta = tmp_path / "schemes" / "2019-20" / "midlands" / "beta.yaml"
    beta.write_text(beta.read_text(encoding="utf-8").replace('value: "90%"', 'value: "95%"'), encoding="utf-8")
    build_site(options("site", ".cache"))
    build_site(options("clean", ".clean-cache"))
    files = {k: v[0] for k, v in snapshot(tmp_path / "site").items() if not k.startswith(".")}
    assert files == {k: v[0] for k, v in snapshot(tmp_path / "clean").items() if not k.startswith(".")}
    assert "95% (Q4)" in page(tmp_path / "site", "/national-goals/2019-20/flu/").get_text()
    assert "95%" in (tmp_path / "site" / "downloads" / "indicators.csv").read_text(encoding="utf-8")

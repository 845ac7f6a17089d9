"""Goal and national goal durations, and provider identity by code (issue 13): the format rules and the pages."""

from __future__ import annotations

import json
from pathlib import Path

from comparisons_library import ALPHA, ALPHA_NEXT, BETA, write_comparison_library
from conftest import SCHEME, YEAR_2010, LibraryMaker
from cquinlib.core.diagnostics import Severity
from cquinlib.format.jsonschema import scheme_json_schema
from helpers import broken_links, build, page
from test_rules import assert_at, check, check_scheme, edit, one, scheme_path, where


def test_a_duration_is_a_whole_number_of_years(make_library: LibraryMaker) -> None:
    """'two' and 0 are errors at the value, naming the field; 2 is valid."""
    for bad, expect in (("two", "a whole number"), ("0", "at least 1")):
        text = edit(SCHEME, "    name: Fewer falls\n", f"    name: Fewer falls\n    duration: {bad}\n")
        lib, _, diagnostics = check_scheme(make_library, text)
        assert_at(one(diagnostics), scheme_path(lib), where(text, f"duration: {bad}") [0:1] + (where(text, f"duration: {bad}")[1] + len("duration: "),),
                  "goals[1].duration", expect)
    text = edit(SCHEME, "    name: Fewer falls\n", "    name: Fewer falls\n    duration: 2\n")
    _, library, diagnostics = check_scheme(make_library, text)
    assert diagnostics == () and library.schemes[0].goals[1].duration == 2


def test_a_national_goal_duration_is_validated_and_read(make_library: LibraryMaker) -> None:
    """A national goal's duration: 'long' is an error in _year.yaml at its line; 2 is read into the model."""
    year = edit(YEAR_2010, "    settings: [acute]\n", "    settings: [acute]\n    duration: long\n")
    lib, _, diagnostics = check(make_library, years={"2010-11": year})
    assert_at(one(diagnostics), lib / "2010-11" / "_year.yaml", where(year, "long"),
              "national_goals[0].duration", "a whole number")
    year = edit(YEAR_2010, "    settings: [acute]\n", "    settings: [acute]\n    duration: 2\n")
    _, library, diagnostics = check(make_library, years={"2010-11": year})
    assert diagnostics == () and library.years[0].national_goals[0].duration == 2


def test_a_goal_duration_that_differs_from_its_national_goal_is_a_warning(make_library: LibraryMaker) -> None:
    """The conftest scheme's VTE goal adopts the national VTE goal (one year): duration 3 is a warning there."""
    text = edit(SCHEME, "    national: vte\n", "    national: vte\n    duration: 3\n")
    lib, _, diagnostics = check_scheme(make_library, text)
    warning = one(diagnostics, Severity.WARNING)
    line, column = where(text, "duration: 3")
    assert_at(warning, scheme_path(lib), (line, column + len("duration: ")), "goals[0].duration",
              "differs from national goal 'vte'", "1 year")


def test_the_json_schema_publishes_duration() -> None:
    """The published JSON Schema allows duration on a goal, as a whole number of at least 1."""
    text = json.dumps(scheme_json_schema())
    assert '"duration"' in text and '"integer"' in text


def test_a_multi_year_goal_is_labelled_and_links_the_next_year(tmp_path: Path) -> None:
    """Alpha's falls goal runs 2 years (its national goal's duration) and links to Alpha Renamed, the same
    provider by code, of 2020/21; Beta, with no following year, has no such link."""
    write_comparison_library(tmp_path)
    assert build(tmp_path) == 0
    soup = page(tmp_path / "site", "/schemes/2019-20/london/alpha/")
    falls = soup.find(id="goal-2").find_parent("section")
    dd = falls.find("dt", string="Duration").find_next_sibling("dd")
    assert dd.find(class_="label").get_text() == "2-year goal"
    assert [a["href"] for a in dd.find_all("a")] == ["/schemes/2020-21/london/alpha/"]
    flu = soup.find(id="goal-1").find_parent("section")
    assert flu.find("dt", string="Duration") is None  # one year, not written: nothing claimed
    later = page(tmp_path / "site", "/schemes/2020-21/london/alpha/")
    label = later.find(id="goal-1").find_parent("section").find("dt", string="Duration").find_next_sibling("dd")
    assert label.get_text(" ", strip=True) == "2-year goal"  # no 2021/22 scheme to link


def test_one_code_is_one_provider_with_its_name_history(tmp_path: Path) -> None:
    """Alpha Trust (2019/20) and Alpha Renamed Trust (2020/21) share code RA1: one provider page, named by the
    newer name, listing both names with their years; each scheme links it and the other year."""
    write_comparison_library(tmp_path)
    assert build(tmp_path) == 0
    site = tmp_path / "site"
    listing = [a["href"] for a in page(site, "/providers/").select("main a") if "/providers/" in a["href"]]
    assert "/providers/alpha-renamed-trust/" in listing and "/providers/alpha-trust/" not in listing
    provider = page(site, "/providers/alpha-renamed-trust/")
    assert provider.h1.get_text() == "Alpha Renamed Trust"
    names = [" ".join(li.get_text(" ").split()) for li in provider.find(id="names").find_next("ul").find_all("li")]
    assert names == ["Alpha Trust (2019/20)", "Alpha Renamed Trust (2020/21)"]
    first = page(site, "/schemes/2019-20/london/alpha/")
    facts = {dt.get_text(): dt.find_next_sibling("dd") for dt in first.select("dl.facts")[0].find_all("dt")}
    assert facts["Provider"].a["href"] == "/providers/alpha-renamed-trust/"
    assert facts["Next year"].a["href"] == "/schemes/2020-21/london/alpha/" and "Previous year" not in facts
    second = page(site, "/schemes/2020-21/london/alpha/")
    facts = {dt.get_text(): dt.find_next_sibling("dd") for dt in second.select("dl.facts")[0].find_all("dt")}
    assert facts["Previous year"].a["href"] == "/schemes/2019-20/london/alpha/" and "Next year" not in facts
    assert broken_links(site) == []


def test_without_a_code_the_name_decides(tmp_path: Path) -> None:
    """The same two schemes without codes are two providers, each with its own page and no name history; Beta
    and a later Beta of the same name (no code) are one provider, linked year to year."""
    later_beta = BETA.replace("Beta scheme 2019/20", "Beta scheme 2020/21").replace("    national: flu\n", "")
    write_comparison_library(tmp_path, {"2019-20/london/alpha": ALPHA.replace(", code: RA1", ""),
                                        "2020-21/london/alpha": ALPHA_NEXT.replace(", code: RA1", ""),
                                        "2019-20/midlands/beta": BETA, "2020-21/midlands/beta": later_beta})
    assert build(tmp_path) == 0
    site = tmp_path / "site"
    for slug in ("alpha-trust", "alpha-renamed-trust"):
        assert page(site, f"/providers/{slug}/").find(id="names") is None
    first = page(site, "/schemes/2019-20/london/alpha/")
    assert "Next year" not in [dt.get_text() for dt in first.select("dl.facts dt")]
    beta = page(site, "/schemes/2019-20/midlands/beta/")
    facts = {dt.get_text(): dt.find_next_sibling("dd") for dt in beta.select("dl.facts")[0].find_all("dt")}
    assert facts["Next year"].a["href"] == "/schemes/2020-21/midlands/beta/"
    assert facts["Provider"].a["href"] == "/providers/beta-trust/"


def test_a_coded_provider_never_takes_the_page_of_a_namesake_without_a_code(tmp_path: Path) -> None:
    """A scheme named Beta Trust with a code, beside Beta Trust without one: two providers, two pages."""
    coded = BETA.replace("{name: Beta Trust, type: community}", "{name: Beta Trust, type: community, code: RB9}")
    write_comparison_library(tmp_path, {"2019-20/midlands/beta": BETA,
                                        "2020-21/midlands/beta": coded.replace("    national: flu\n", "")})
    assert build(tmp_path) == 0
    site = tmp_path / "site"
    assert page(site, "/providers/beta-trust/").h1.get_text() == "Beta Trust"
    assert page(site, "/providers/beta-trust-rb9/").h1.get_text() == "Beta Trust"
    assert broken_links(site) == []


def test_comparisons_label_multi_year_goals_and_a_missing_domain_reads_not_given(tmp_path: Path) -> None:
    """The falls topic's comparison labels Alpha's 2-year goal; Alpha's goal table gives its falls goal's missing
    quality domain as 'not given', not a blank cell."""
    write_comparison_library(tmp_path)
    assert build(tmp_path) == 0
    falls = page(tmp_path / "site", "/goals/falls/")
    assert [s.get_text() for s in falls.select("table.compare td .label")] == ["2-year goal"]
    scheme = page(tmp_path / "site", "/schemes/2019-20/london/alpha/")
    domains = [td.get_text(strip=True) for td in scheme.select("table.goal-summary td[data-label='Quality domain']")]
    assert domains == ["Safety", "not given"]

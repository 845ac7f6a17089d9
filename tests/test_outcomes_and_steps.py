"""Stepped payment scales, outcomes and 'Not recorded' contract values and regions: the format's rules (with file,
line, column and field), the model's values and the share a scale pays, and how the pages show them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import REGIONS, SCHEME, YEAR_2010, YEAR_2019, LibraryMaker, write_content, write_library
from cquinlib.format.jsonschema import scheme_json_schema
from cquinlib.library.model import Library, Outcome, PaymentScale, PaymentStep, SteppedScale, share_paid
from cquinlib.library.validate import load_library
from helpers import build, page
from test_rules import EXAMPLE, assert_at, edit, errors, one, scheme_path, where

# The 2017/18 staff flu bands: nothing up to 50%, 25% above 50, 50% from 60, 75% from 65, all from 70.
STEPS = """\
        payment_scale:
          steps:
            - {above: 50, pay: 25}
            - {from: 60, pay: 50}
            - {from: 65, pay: 75}
            - {from: 70, pay: 100}
"""
MILESTONE = "        milestones:\n          - {period: Q2, value: \"80%\", payment: 25}\n"
STEPPED = edit(SCHEME, MILESTONE, MILESTONE + STEPS)
OUTCOMES = """\
        outcome:
          - {period: Q1, result: achieved}
          - {period: Q4, result: partly-achieved, earned: 150000, note: Two of three parts met}
"""
WITH_OUTCOMES = edit(STEPPED, STEPS, STEPS + OUTCOMES)
WITH_OUTCOMES = edit(WITH_OUTCOMES, "    topics: [falls]\n",
                     "    topics: [falls]\n    outcome: {result: not-achieved, withheld: 56000}\n")
WITH_OUTCOMES = edit(WITH_OUTCOMES, "contact:\n",
                     "outcome: {period: April to December, available: 1080000, earned: 633000}\ncontact:\n")


def _check(make_library: LibraryMaker, text: str, scheme_id: str = EXAMPLE,
           **kwargs: object) -> tuple[Path, Library, tuple]:
    """A library of one scheme, loaded and validated."""
    lib = make_library({scheme_id: text}, **kwargs)
    library, diagnostics = load_library(lib)
    return lib, library, diagnostics


def test_a_stepped_scale_and_outcomes_are_valid_and_become_typed_values(make_library: LibraryMaker) -> None:
    _, library, diagnostics = _check(make_library, WITH_OUTCOMES)
    assert diagnostics == ()
    scheme = library.schemes[0]
    indicator = scheme.goals[0].indicators[0]
    assert indicator.payment_scale == SteppedScale((PaymentStep(50, 25, False), PaymentStep(60, 50),
                                                    PaymentStep(65, 75), PaymentStep(70, 100)))
    assert indicator.outcomes == (Outcome("Q1", "achieved"),
                                  Outcome("Q4", "partly-achieved", earned=150000, note="Two of three parts met"))
    assert scheme.goals[1].outcomes == (Outcome(result="not-achieved", withheld=56000),)
    assert scheme.outcomes == (Outcome("April to December", available=1080000, earned=633000),)


@pytest.mark.parametrize(("achievement", "share"), [(0, 0), (50, 0), (50.1, 25), (59.9, 25), (60, 50), (64, 50),
                                                    (65, 75), (69.9, 75), (70, 100), (100, 100)])
def test_a_stepped_scale_pays_the_share_of_the_highest_step_reached(achievement: float, share: float) -> None:
    scale = SteppedScale((PaymentStep(50, 25, False), PaymentStep(60, 50), PaymentStep(65, 75),
                          PaymentStep(70, 100)))
    assert share_paid(scale, achievement) == share


@pytest.mark.parametrize(("achievement", "share"), [(59, 0), (60, 0), (70, 50), (80, 100), (95, 100)])
def test_a_sliding_scale_pays_a_share_rising_in_a_line_between_min_and_max(achievement: float, share: float) -> None:
    assert share_paid(PaymentScale(60, 80), achievement) == share


def test_a_sliding_scale_is_still_valid_and_unchanged(make_library: LibraryMaker) -> None:
    text = edit(SCHEME, MILESTONE, MILESTONE + "        payment_scale: {min: 60, max: 80}\n")
    _, library, diagnostics = _check(make_library, text)
    assert diagnostics == ()
    assert library.schemes[0].goals[0].indicators[0].payment_scale == PaymentScale(60, 80)


@pytest.mark.parametrize(("old", "new", "field", "needle", "message"), [
    ("{from: 65, pay: 75}", "{from: 55, pay: 75}", "goals[0].indicators[0].payment_scale.steps[2].from",
     "55, pay: 75", "does not rise above the step before, 60"),
    ("{from: 65, pay: 75}", "{from: 65, pay: 40}", "goals[0].indicators[0].payment_scale.steps[2].pay",
     "40}", "pay 40% is less than the step before, 50%"),
    ("{from: 65, pay: 75}", "{pay: 75}", "goals[0].indicators[0].payment_scale.steps[2]",
     "{pay: 75}", "exactly one of them"),
    ("{from: 65, pay: 75}", "{from: 65, pay: 175}", "goals[0].indicators[0].payment_scale.steps[2].pay",
     "175", "100"),
    ("{from: 65, pay: 75}", "{from: 65, pay: 75, upto: 70}", "goals[0].indicators[0].payment_scale.steps[2]",
     "upto", "upto"),
])
def test_a_stepped_scale_out_of_order_or_malformed_is_an_error_at_its_step(
        make_library: LibraryMaker, old: str, new: str, field: str, needle: str, message: str) -> None:
    text = edit(STEPPED, old, new)
    lib, _, diagnostics = _check(make_library, text)
    found = errors(diagnostics)[0]  # a share over 100 also pays more than the step after it, a second error
    assert found.field.startswith(field), found.format()
    assert message in found.message, found.format()
    assert found.src_path == scheme_path(lib)
    assert found.line == where(text, needle)[0], found.format()


def test_a_payment_scale_mixing_the_two_forms_is_an_error(make_library: LibraryMaker) -> None:
    text = edit(STEPPED, "          steps:\n", "          min: 60\n          steps:\n")
    _, _, diagnostics = _check(make_library, text)
    found = errors(diagnostics)
    assert found and all(d.field.startswith("goals[0].indicators[0].payment_scale.") for d in found)
    assert any("unknown key 'steps'" in d.message for d in found), [d.format() for d in found]


def test_an_outcome_with_an_unknown_result_is_an_error_naming_the_choices(make_library: LibraryMaker) -> None:
    text = edit(WITH_OUTCOMES, "result: partly-achieved", "result: partly")
    lib, _, diagnostics = _check(make_library, text)
    assert_at(one(errors(diagnostics)), scheme_path(lib), where(text, "partly, earned"),
              "goals[0].indicators[0].outcome[1].result", "achieved", "not-achieved")


def test_an_outcome_that_says_nothing_is_an_error(make_library: LibraryMaker) -> None:
    text = edit(WITH_OUTCOMES, "{result: not-achieved, withheld: 56000}", "{period: Q4}")
    lib, _, diagnostics = _check(make_library, text)
    found = one(errors(diagnostics))
    assert found.field == "goals[1].outcome" and "gives a result" in found.message, found.format()
    assert found.line == where(text, "{period: Q4}")[0]


def test_a_negative_sum_earned_is_an_error(make_library: LibraryMaker) -> None:
    text = edit(WITH_OUTCOMES, "earned: 633000", "earned: -5")
    lib, _, diagnostics = _check(make_library, text)
    assert_at(one(errors(diagnostics)), scheme_path(lib), where(text, "-5"), "outcome.earned")


def test_a_real_scheme_may_say_its_contract_value_is_not_recorded(make_library: LibraryMaker) -> None:
    text = edit(SCHEME, "contract_value: 100000000", "contract_value: Not recorded")
    _, library, diagnostics = _check(make_library, text)
    assert diagnostics == ()
    scheme = library.schemes[0]
    assert scheme.contract_value is None and scheme.contract_value_not_recorded and scheme.value is None


def test_an_illustrative_scheme_may_not_say_not_recorded_for_its_contract_value(make_library: LibraryMaker) -> None:
    text = edit(SCHEME, "contract_value: 100000000", "illustrative: true\ncontract_value: Not recorded")
    lib, _, diagnostics = _check(make_library, text)
    assert_at(one(errors(diagnostics)), scheme_path(lib), where(text, "Not recorded"), "contract_value",
              "illustrative scheme invents its contract value")


def test_other_text_as_a_contract_value_is_an_error(make_library: LibraryMaker) -> None:
    text = edit(SCHEME, "contract_value: 100000000", "contract_value: unknown")
    lib, _, diagnostics = _check(make_library, text)
    assert_at(one(errors(diagnostics)), scheme_path(lib), where(text, "unknown"), "contract_value")


def test_the_not_recorded_region_holds_real_schemes_only(make_library: LibraryMaker) -> None:
    regions = REGIONS + "not-recorded:\n  name: Region not recorded\n"
    _, library, diagnostics = _check(make_library, SCHEME, "2010-11/not-recorded/example", regions=regions)
    assert diagnostics == () and library.schemes[0].region == "not-recorded"
    text = "illustrative: true\n" + SCHEME
    lib, _, diagnostics = _check(make_library, text, "2010-11/not-recorded/example", regions=regions)
    found = one(errors(diagnostics))
    assert found.field == "region" and "invents its region" in found.message, found.format()


NATIONAL_STEPS = """\
    payment: Paid in steps by uptake
    note: Two sources give different thresholds
    source: https://example.org/flu
    payment_scale:
      steps:
        - {above: 50, pay: 25}
        - {from: 60, pay: 50}
        - {from: 70, pay: 100}
"""


def test_a_national_goal_may_carry_payment_steps_a_note_and_a_source(make_library: LibraryMaker) -> None:
    year = YEAR_2019 + NATIONAL_STEPS
    _, library, diagnostics = _check(make_library, edit(SCHEME, "    national: vte\n", ""),
                                     "2019-20/london/example", years={"2019-20": year})
    assert diagnostics == ()
    goal = library.years[0].national_goals[0]
    assert goal.payment_scale == SteppedScale((PaymentStep(50, 25, False), PaymentStep(60, 50),
                                               PaymentStep(70, 100)))
    assert (goal.payment, goal.note, goal.source) == ("Paid in steps by uptake", "Two sources give different "
                                                      "thresholds", "https://example.org/flu")


def test_a_national_goals_steps_out_of_order_are_an_error_in_the_year_file(make_library: LibraryMaker) -> None:
    year = YEAR_2019 + edit(NATIONAL_STEPS, "{from: 70, pay: 100}", "{from: 55, pay: 100}")
    lib, _, diagnostics = _check(make_library, edit(SCHEME, "    national: vte\n", ""),
                                 "2019-20/london/example", years={"2019-20": year})
    found = one(errors(diagnostics))
    assert found.src_path == lib / "2019-20" / "_year.yaml"
    assert found.field == "national_goals[0].payment_scale.steps[2].from", found.format()
    assert found.line == where(year, "55, pay")[0]


def test_the_json_schema_has_both_scale_forms_and_the_outcome() -> None:
    schema = scheme_json_schema()
    indicator = schema["properties"]["goals"]["items"]["properties"]["indicators"]["items"]["properties"]
    forms = indicator["payment_scale"]["anyOf"]
    assert {"min", "max"} == set(forms[0]["properties"]) and "steps" in forms[1]["properties"]
    assert forms[1]["properties"]["steps"]["items"]["required"] == ["pay"]
    entry = indicator["outcome"]["anyOf"][0]["properties"]
    assert entry["result"]["enum"] == ["achieved", "partly-achieved", "not-achieved"]
    assert "Not recorded" in json.dumps(schema["properties"]["contract_value"])


# --------------------------------------------------------------------------- pages


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A built library with a stepped scale and outcomes in a scheme, a real scheme with no contract value, and a
    national goal paid in steps."""
    root = tmp_path_factory.mktemp("steps")
    unrecorded = edit(edit(SCHEME, "contract_value: 100000000", "contract_value: Not recorded"),
                      "title: Example acute scheme 2010/11", "title: Unrecorded value scheme")
    write_library(root, {EXAMPLE: WITH_OUTCOMES, "2010-11/london/unrecorded": unrecorded},
                  years={"2010-11": YEAR_2010, "2019-20": YEAR_2019 + NATIONAL_STEPS})
    write_content(root)
    assert build(root, "--strict") == 0
    return root / "site"


def _rows(table) -> list[list[str]]:  # type: ignore[no-untyped-def]
    """A table's body rows as lists of cell texts."""
    return [[" ".join(td.get_text(" ").split()) for td in tr.find_all(["td", "th"])]
            for tr in table.find("tbody").find_all("tr")]


def test_the_scheme_page_shows_the_steps_as_a_table(site: Path) -> None:
    soup = page(site, "/schemes/2010-11/london/example/")
    table = soup.select_one("table.payment-steps")
    assert table.find("caption").get_text(strip=True) == "Payment steps for indicator 1.1"
    assert _rows(table) == [["Up to 50%", "Nothing"], ["Above 50%, below 60%", "25%"],
                            ["From 60%, below 65%", "50%"], ["From 65%, below 70%", "75%"], ["From 70%", "100%"]]
    assert [th.get_text(strip=True) for th in table.select("thead th")] == ["Achievement", "Share of the value paid"]


def test_the_scheme_page_shows_each_outcome(site: Path) -> None:
    soup = page(site, "/schemes/2010-11/london/example/")
    tables = {t.find("caption").get_text(strip=True): _rows(t) for t in soup.select("table.outcomes")}
    # Only the columns some entry fills are shown.
    assert tables["What the scheme earned, as its source states it"] == [["April to December", "£1,080,000", "£633,000"]]
    assert tables["Outcome of indicator 1.1"] == [["Q1", "Achieved", "", ""],
                                                  ["Q4", "Partly achieved", "£150,000", "Two of three parts met"]]
    assert tables["Outcome of goal 2"] == [["Period not given", "Not achieved", "£56,000"]]
    heads = [[th.get_text(strip=True) for th in t.select("thead th")] for t in soup.select("table.outcomes")]
    assert ["Period", "Result", "Earned", "Note"] in heads and ["Period", "Available", "Earned"] in heads
    assert soup.find("h2", id="outcome")


def test_a_contract_value_not_recorded_says_so(site: Path) -> None:
    soup = page(site, "/schemes/2010-11/london/unrecorded/")
    facts = {dt.get_text(strip=True): dt.find_next_sibling("dd").get_text(" ", strip=True)
             for dt in soup.select("main dl.facts dt")}
    assert facts["Contract value"] == "Not recorded"
    assert "Scheme value" not in facts
    assert not soup.select("table.outcomes")


def test_the_national_goals_page_shows_a_goals_steps_note_and_source(site: Path) -> None:
    soup = page(site, "/national-goals/")
    section = soup.select_one("section.national-goal:has(table.payment-steps)")
    assert section is not None
    assert _rows(section.select_one("table.payment-steps"))[-1] == ["From 70%", "100%"]
    text = " ".join(section.get_text(" ").split())
    assert "Paid in steps by uptake" in text and "Two sources give different thresholds" in text
    assert section.find("a", href="https://example.org/flu")


def test_a_stated_cquin_value_is_the_scheme_value_when_no_contract_value_gives_one(
        make_library: LibraryMaker) -> None:
    text = edit(SCHEME, "contract_value: 100000000", "cquin_value: 3400000")
    _, library, diagnostics = _check(make_library, text)
    assert diagnostics == ()
    scheme = library.schemes[0]
    assert scheme.value == 3400000 and scheme.share_value(40) == 1360000
    both = edit(SCHEME, "contract_value: 100000000", "contract_value: 100000000\ncquin_value: 3400000")
    _, library, _ = _check(make_library, both)
    assert library.schemes[0].value == 1500000  # worked out from the contract and the year's 1.5%


def test_the_bundled_years_give_the_staff_flu_thresholds_and_scales_of_the_facts() -> None:
    """Staff flu vaccination, 2017/18 to 2024/25, as the year files record it: steps in 2017/18 and 2018/19, a
    sliding scale in 2019/20, thresholds in 2023/24 and 2024/25 (the national goals a comparison reads)."""
    from conftest import REPO

    library, diagnostics = load_library(REPO / "schemes")
    assert not [d for d in diagnostics if d.severity.name == "ERROR"]
    years = {y.slug: y for y in library.years}
    assert all(any("flu-vaccination" in g.topics for g in years[slug].national_goals)
               for slug in ("2016-17", "2017-18", "2018-19", "2019-20", "2023-24", "2024-25"))
    flu = {slug: years[slug].national_goal(goal_id) for slug, goal_id in (
        ("2017-18", "staff-flu"), ("2018-19", "staff-flu"), ("2019-20", "staff-flu"), ("2023-24", "cquin01"),
        ("2024-25", "staff-flu"))}
    shares = {slug: [share_paid(flu[slug].payment_scale, x) for x in (50, 55, 62, 68, 72, 76)]
              for slug in ("2017-18", "2018-19")}
    assert shares == {"2017-18": [0, 25, 50, 75, 100, 100], "2018-19": [0, 25, 50, 75, 75, 100]}
    assert flu["2019-20"].payment_scale == PaymentScale(60, 80) and share_paid(flu["2019-20"].payment_scale, 70) == 50
    assert flu["2023-24"].target == "80%" and flu["2024-25"].target == "75%"
    assert flu["2024-25"].note  # one trust's list, in a year whose national pause was proposed

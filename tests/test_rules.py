"""One test per rule of the scheme format (docs: /work/shared/scheme-format.md, "Rules").

Each test starts from conftest's valid SCHEME, changes one thing, and checks the diagnostic:
its file, line and column (computed from the text independently of the validator), field path
and the key part of its message.
"""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path

import pytest

from conftest import SCHEME, YEAR_2010, YEAR_2019, LibraryMaker
from cquinlib.core.diagnostics import Diagnostic, Severity
from cquinlib.library.model import Library
from cquinlib.library.validate import load_library

EXAMPLE = "2010-11/london/example"
EMAIL = "private.person@example.nhs.uk"


# --------------------------------------------------------------------------- helpers


def edit(text: str, old: str, new: str) -> str:
    """Replace old by new, insisting that old occurs exactly once (so the edit cannot silently miss)."""
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


def where(text: str, needle: str, occurrence: int = 1) -> tuple[int, int]:
    """1-based line and column of the start of the n-th occurrence of needle in text."""
    start = -1
    for _ in range(occurrence):
        start = text.index(needle, start + 1)
    line = text.count("\n", 0, start) + 1
    column = start - (text.rfind("\n", 0, start) + 1) + 1
    return line, column


def check(make_library: LibraryMaker, schemes: dict[str, str] | None = None,
          **kwargs: object) -> tuple[Path, Library, tuple[Diagnostic, ...]]:
    """Write a library, load and validate it; return its schemes folder, model and diagnostics."""
    lib = make_library(schemes, **kwargs)
    library, diagnostics = load_library(lib)
    return lib, library, diagnostics


def check_scheme(make_library: LibraryMaker, text: str,
                 scheme_id: str = EXAMPLE, **kwargs: object) -> tuple[Path, Library, tuple[Diagnostic, ...]]:
    """A library holding just one scheme."""
    return check(make_library, {scheme_id: text}, **kwargs)


def errors(diagnostics: tuple[Diagnostic, ...]) -> list[Diagnostic]:
    """Only the errors."""
    return [d for d in diagnostics if d.severity is Severity.ERROR]


def warnings(diagnostics: tuple[Diagnostic, ...]) -> list[Diagnostic]:
    """Only the warnings."""
    return [d for d in diagnostics if d.severity is Severity.WARNING]


def one(diagnostics: tuple[Diagnostic, ...] | list[Diagnostic], severity: Severity = Severity.ERROR) -> Diagnostic:
    """The single diagnostic of a severity; fail listing everything otherwise."""
    found = [d for d in diagnostics if d.severity is severity]
    assert len(found) == 1, "\n".join(d.format() for d in diagnostics)
    return found[0]


def assert_at(diagnostic: Diagnostic, path: Path, position: tuple[int, int], field: str, *parts: str) -> None:
    """The diagnostic names this file, line, column and field, and its message holds every part."""
    assert diagnostic.src_path == path, diagnostic.format()
    assert (diagnostic.line, diagnostic.column) == position, diagnostic.format()
    assert diagnostic.field == field, diagnostic.format()
    for part in parts:
        assert part in diagnostic.message, diagnostic.format()


def scheme_path(lib: Path, scheme_id: str = EXAMPLE, suffix: str = ".yaml") -> Path:
    """Where a scheme file lives in a library."""
    return lib / f"{scheme_id}{suffix}"


# The example scheme without its national goal: 2019-20 does not define 'vte'.
SCHEME_NO_NATIONAL = edit(SCHEME, "    national: vte\n", "")


# --------------------------------------------------------------------------- a valid library


def test_valid_library_has_no_diagnostics_and_one_scheme(make_library: LibraryMaker) -> None:
    lib, library, diagnostics = check(make_library)
    assert diagnostics == ()
    assert [s.id for s in library.schemes] == [EXAMPLE]
    assert {y.slug for y in library.years} == {"2010-11", "2019-20"}
    assert {r.slug for r in library.regions} == {"london", "east-of-england", "south-central", "midlands"}
    assert {t.slug for t in library.topics} == {"vte", "falls", "flu"}


def test_valid_scheme_converts_to_model(make_library: LibraryMaker) -> None:
    lib, library, diagnostics = check(make_library)
    scheme = library.schemes[0]
    assert scheme.src_path == scheme_path(lib)
    assert scheme.url == "/schemes/2010-11/london/example/"
    assert scheme.title == "Example acute scheme 2010/11"
    assert (scheme.provider_name, scheme.provider_type, scheme.provider_code) == (
        "Example Hospitals NHS Foundation Trust", "acute", "RX1")
    assert [(c.name, c.code) for c in scheme.commissioners] == [("NHS Example", ""), ("NHS Other", "5P2")]
    assert scheme.status == "published" and scheme.framework == "cquin" and scheme.illustrative is False
    assert str(scheme.submitted) == "2010-06-14"
    assert [g.number for g in scheme.goals] == ["1", "2"]
    indicator = scheme.goals[0].indicators[0]
    assert indicator.number == "1.1"
    assert (indicator.target.period, indicator.target.value) == ("Q4 2010/11", "90%")
    assert [(m.period, m.value, m.payment) for m in indicator.milestones] == [("Q2", "80%", 25.0)]


def test_scheme_value_uses_the_years_percent_when_the_scheme_gives_none(make_library: LibraryMaker) -> None:
    _, library, _ = check(make_library)
    scheme = library.schemes[0]
    assert scheme.cquin_percent is None and scheme.year_percent == 1.5
    assert scheme.value == pytest.approx(100_000_000 * 1.5 / 100)
    # goal value = scheme value * weight / 100
    assert [scheme.share_value(g.effective_weight) for g in scheme.goals] == [
        pytest.approx(1_500_000 * 60 / 100), pytest.approx(1_500_000 * 40 / 100)]


def test_scheme_value_uses_its_own_percent_first(make_library: LibraryMaker) -> None:
    text = edit(SCHEME, "contract_value: 100000000\n", "contract_value: 100000000\ncquin_percent: 2.5\n")
    _, library, diagnostics = check_scheme(make_library, text)
    assert diagnostics == ()
    scheme = library.schemes[0]
    assert scheme.value == pytest.approx(2_500_000)
    assert scheme.share_value(scheme.goals[1].effective_weight) == pytest.approx(1_000_000)


def test_scheme_value_is_unknown_without_contract_value(make_library: LibraryMaker) -> None:
    text = edit(SCHEME, "contract_value: 100000000\n", "")
    _, library, diagnostics = check_scheme(make_library, text)
    assert diagnostics == ()
    assert library.schemes[0].value is None
    assert library.schemes[0].share_value(60) is None


def test_goal_weight_defaults_to_the_sum_of_its_indicators(make_library: LibraryMaker) -> None:
    text = edit(SCHEME, "\n    weight: 60\n", "\n")
    text = edit(text, "        weight: 60\n", "        weight: 35\n"
                                             "      - number: \"1.2\"\n"
                                             "        name: Second indicator\n"
                                             "        weight: 25\n")
    _, library, diagnostics = check_scheme(make_library, text)
    assert diagnostics == ()
    goal = library.schemes[0].goals[0]
    assert goal.weight is None
    assert goal.effective_weight == pytest.approx(60)
    assert library.schemes[0].share_value(goal.effective_weight) == pytest.approx(900_000)


def test_title_is_derived_from_provider_and_year_when_absent(make_library: LibraryMaker) -> None:
    text = edit(SCHEME, "title: Example acute scheme 2010/11\n", "")
    _, library, diagnostics = check_scheme(make_library, text)
    assert diagnostics == ()
    assert library.schemes[0].title == "Example Hospitals NHS Foundation Trust CQUIN scheme 2010/11"


def test_derived_title_of_a_scheme_outside_cquin(make_library: LibraryMaker) -> None:
    text = edit(SCHEME, "title: Example acute scheme 2010/11\n", "framework: other\n")
    _, library, diagnostics = check_scheme(make_library, text)
    assert diagnostics == ()
    assert library.schemes[0].title == "Example Hospitals NHS Foundation Trust quality incentive scheme 2010/11"


def test_year_label_defaults_from_folder_name(make_library: LibraryMaker) -> None:
    _, library, _ = check(make_library)
    labels = {y.slug: y.label for y in library.years}
    assert labels == {"2010-11": "2010/11", "2019-20": "2019/20"}


def test_contact_is_not_in_the_model(make_library: LibraryMaker) -> None:
    _, library, diagnostics = check(make_library)
    assert diagnostics == ()
    scheme = library.schemes[0]
    assert EMAIL in SCHEME  # the source does hold it
    for shown in (repr(dataclasses.asdict(scheme)), repr(scheme), repr(library)):
        assert EMAIL not in shown
        assert "Private Person" not in shown
    assert not any("contact" in f.name for f in dataclasses.fields(scheme))


def test_draft_is_kept_in_model_but_never_built(make_library: LibraryMaker) -> None:
    draft = edit(SCHEME, "submitted: 2010-06-14\n", "status: draft\n")  # a draft needs no submitted date
    _, library, diagnostics = check(make_library, {EXAMPLE: SCHEME, "2010-11/london/draft": draft})
    assert diagnostics == ()
    assert {s.id: s.status for s in library.schemes} == {EXAMPLE: "published", "2010-11/london/draft": "draft"}
    assert [s.id for s in library.built_schemes] == [EXAMPLE]
    assert [s.id for s in library.listed_schemes] == [EXAMPLE]


def test_withdrawn_is_built_but_not_listed(make_library: LibraryMaker) -> None:
    withdrawn = edit(SCHEME, "submitted: 2010-06-14\n", "submitted: 2010-06-14\nstatus: withdrawn\n")
    _, library, diagnostics = check(make_library, {EXAMPLE: SCHEME, "2010-11/london/gone": withdrawn})
    assert diagnostics == ()
    assert sorted(s.id for s in library.built_schemes) == ["2010-11/london/example", "2010-11/london/gone"]
    assert [s.id for s in library.listed_schemes] == [EXAMPLE]


def test_files_starting_with_underscore_or_dot_are_never_schemes(make_library: LibraryMaker) -> None:
    broken = "this: [is not valid"
    _, library, diagnostics = check(make_library, {EXAMPLE: SCHEME, "2010-11/london/_notes": broken,
                                                   "2010-11/london/.hidden": broken,
                                                   "2010-11/_drafts/x": broken})
    assert diagnostics == ()
    assert [s.id for s in library.schemes] == [EXAMPLE]


def test_year_folder_rolling_over_a_century_is_valid(make_library: LibraryMaker) -> None:
    _, library, diagnostics = check(make_library, {"2099-00/london/example": SCHEME_NO_NATIONAL},
                                    years={"2099-00": "cquin_percent: 2\n"})
    assert diagnostics == ()
    assert [s.id for s in library.schemes] == ["2099-00/london/example"]


# --------------------------------------------------------------------------- files that cannot be read


def test_not_valid_yaml(make_library: LibraryMaker) -> None:
    text = edit(SCHEME, "  type: acute\n", "  type: acute: trust\n")
    lib, library, diagnostics = check_scheme(make_library, text)
    line, column = where(text, ": trust")
    assert_at(one(diagnostics), scheme_path(lib), (line, column), "", "not valid YAML")
    assert library.schemes == ()


def test_not_utf8(make_library: LibraryMaker) -> None:
    lib = make_library()
    raw = SCHEME.encode("utf-8").replace(b"NHS Example", b"NHS \xe9xample")  # Latin-1 'é'
    scheme_path(lib).write_bytes(raw)
    library, diagnostics = load_library(lib)
    line, column = where(SCHEME, "NHS Example")  # the bad byte replaces 'E' of the commissioner
    assert SCHEME.splitlines()[line - 1] == "  - NHS Example"
    assert_at(one(diagnostics), scheme_path(lib), (line, column + 4), "", "not valid UTF-8")
    assert library.schemes == ()


@pytest.mark.parametrize("text, got", [
    ("- provider\n- goals\n", "a list"),
    ("just some text\n", "text"),
    ("", "nothing"),
    ("~\n", "nothing"),
])
def test_top_level_not_a_mapping(make_library: LibraryMaker, text: str, got: str) -> None:
    lib, library, diagnostics = check_scheme(make_library, text)
    assert_at(one(diagnostics), scheme_path(lib), (1, 1), "", "expected a mapping", f"got {got}")
    assert library.schemes == ()


def test_duplicate_key_in_a_mapping(make_library: LibraryMaker) -> None:
    text = edit(SCHEME, "  code: RX1\n", "  code: RX1\n  name: Another Trust\n")
    lib, library, diagnostics = check_scheme(make_library, text)
    assert_at(one(diagnostics), scheme_path(lib), where(text, "name: Another"), "provider.name",
              "'name' appears twice")
    assert library.schemes == ()


def test_duplicate_top_level_key(make_library: LibraryMaker) -> None:
    text = SCHEME + "summary: again\n"
    lib, _, diagnostics = check_scheme(make_library, text)
    assert_at(one(diagnostics), scheme_path(lib), where(text, "summary: again"), "summary", "appears twice")


def test_alias_bomb_is_refused(make_library: LibraryMaker) -> None:
    # billion laughs: 9 levels of 9-fold aliases expand to 9**9 (387 million) values
    levels = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for n in range(1, 10):
        levels.append(f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 9) + "]")
    text = "summary:\n" + "".join(f"  {line}\n" for line in levels)
    text = SCHEME.replace("summary: |\n  A *worked* example.\n", "") + text.replace("summary:", "bomb:")
    lib, library, diagnostics = check_scheme(make_library, text)
    diagnostic = one(diagnostics)
    assert diagnostic.src_path == scheme_path(lib)
    assert "aliases expand to too many values" in diagnostic.message
    assert library.schemes == ()


def test_self_referring_alias_is_refused(make_library: LibraryMaker) -> None:
    text = SCHEME + "loop: &loop [*loop]\n"
    lib, _, diagnostics = check_scheme(make_library, text)
    assert "aliases expand" in one(diagnostics).message


def test_small_aliases_are_fine(make_library: LibraryMaker) -> None:
    text = edit(SCHEME, "    topics: [vte]\n", "    topics: &t [vte]\n")
    text = edit(text, "    topics: [falls]\n", "    topics: *t\n")
    _, library, diagnostics = check_scheme(make_library, text)
    assert diagnostics == ()
    assert library.schemes[0].goals[1].topics == ("vte",)


def test_impossible_date_is_an_error_at_its_place(make_library: LibraryMaker) -> None:
    text = edit(SCHEME, "submitted: 2010-06-14", "submitted: 2010-02-30")
    lib, library, diagnostics = check_scheme(make_library, text)
    assert_at(one(diagnostics), scheme_path(lib), where(text, "2010-02-30"), "", "'2010-02-30'", "date")
    assert library.schemes == ()


def test_value_its_explicit_tag_cannot_hold_is_an_error(make_library: LibraryMaker) -> None:
    text = edit(SCHEME, "    weight: 40\n", "    weight: !!int forty\n")
    lib, _, diagnostics = check_scheme(make_library, text)
    assert_at(one(diagnostics), scheme_path(lib), where(text, "!!int"), "", "'forty'")


# --------------------------------------------------------------------------- unknown keys


@pytest.mark.parametrize("old, new, field, suggestion", [
    ("summary: |", "sumary: |", "sumary", "summary"),
    ("  code: RX1\n", "  cod: RX1\n", "provider.cod", "code"),
    ("    weight: 40\n", "    wieght: 40\n", "goals[1].wieght", "weight"),
    ("        weight: 60\n", "        weight: 60\n        numerater: admissions\n",
     "goals[0].indicators[0].numerater", "numerator"),
    ("payment: 25}", "paymnet: 25}", "goals[0].indicators[0].milestones[0].paymnet", "payment"),
])
def test_unknown_key_suggests_nearest(make_library: LibraryMaker, old: str, new: str, field: str,
                                      suggestion: str) -> None:
    text = edit(SCHEME, old, new)
    key = field.rsplit(".", 1)[-1]
    lib, library, diagnostics = check_scheme(make_library, text)
    assert_at(one(diagnostics), scheme_path(lib), where(text, key), field,
              f"unknown key '{key}'", f"did you mean '{suggestion}'?")
    assert library.schemes == ()


def test_unknown_key_far_from_any_suggests_nothing(make_library: LibraryMaker) -> None:
    text = SCHEME + "zzzzzz: 1\n"
    _, _, diagnostics = check_scheme(make_library, text)
    diagnostic = one(diagnostics)
    assert diagnostic.field == "zzzzzz"
    assert "unknown key 'zzzzzz'" in diagnostic.message and "did you mean" not in diagnostic.message


# --------------------------------------------------------------------------- missing required fields


@pytest.mark.parametrize("old, new, field, parent", [
    ("  name: Example Hospitals NHS Foundation Trust\n", "", "provider.name", "  type: acute"),
    ("  type: acute\n", "", "provider.type", "  name: Example Hospitals"),
    ('  - number: "2"\n    name: Fewer falls\n', "  - name: Fewer falls\n", "goals[1].number", "name: Fewer"),
    ("    name: Fewer falls\n", "", "goals[1].name", 'number: "2"'),
    ('      - number: "1.1"\n        name: Adult', "      - name: Adult", "goals[0].indicators[0].number",
     "name: Adult"),
    ("        name: Adult inpatients risk-assessed for VTE\n", "", "goals[0].indicators[0].name",
     'number: "1.1"'),
])
def test_missing_required_field(make_library: LibraryMaker, old: str, new: str, field: str, parent: str) -> None:
    text = edit(SCHEME, old, new)
    key = field.rsplit(".", 1)[-1]
    lib, library, diagnostics = check_scheme(make_library, text)
    # reported where the mapping that lacks it starts
    line, column = where(text, parent.strip())
    assert_at(one(diagnostics), scheme_path(lib), (line, column), field, f"missing required field '{key}'")
    assert library.schemes == ()


def test_missing_provider(make_library: LibraryMaker) -> None:
    text = edit(SCHEME, "provider:\n  name: Example Hospitals NHS Foundation Trust\n  type: acute\n  code: RX1\n", "")
    lib, _, diagnostics = check_scheme(make_library, text)
    assert_at(one(diagnostics), scheme_path(lib), (1, 1), "provider", "missing required field 'provider'")


def test_missing_commissioners(make_library: LibraryMaker) -> None:
    text = edit(SCHEME, "commissioners:\n  - NHS Example\n  - {name: NHS Other, code: 5P2}\n", "")
    lib, _, diagnostics = check_scheme(make_library, text)
    assert_at(one(diagnostics), scheme_path(lib), (1, 1), "commissioners", "missing required field 'commissioners'")


def test_missing_goals(make_library: LibraryMaker) -> None:
    text = SCHEME[:SCHEME.index("goals:")] + SCHEME[SCHEME.index("contact:"):]
    lib, _, diagnostics = check_scheme(make_library, text)
    assert_at(one(diagnostics), scheme_path(lib), (1, 1), "goals", "missing required field 'goals'")


@pytest.mark.parametrize("old, new, field", [
    ("commissioners:\n  - NHS Example\n  - {name: NHS Other, code: 5P2}\n", "commissioners: []\n", "commissioners"),
])
def test_empty_commissioners(make_library: LibraryMaker, old: str, new: str, field: str) -> None:
    text = edit(SCHEME, old, new)
    lib, _, diagnostics = check_scheme(make_library, text)
    assert_at(one(diagnostics), scheme_path(lib), where(text, "[]"), field, "at least 1")


def test_empty_goals(make_library: LibraryMaker) -> None:
    text = SCHEME[:SCHEME.index("goals:")] + "goals: []\n" + SCHEME[SCHEME.index("contact:"):]
    lib, _, diagnostics = check_scheme(make_library, text)
    assert_at(one(diagnostics), scheme_path(lib), where(text, "[]"), "goals", "at least 1")


def test_commissioner_mapping_needs_a_name(make_library: LibraryMaker) -> None:
    text = edit(SCHEME, "{name: NHS Other, code: 5P2}", "{code: 5P2}")
    lib, _, diagnostics = check_scheme(make_library, text)
    assert_at(one(diagnostics), scheme_path(lib), where(text, "{code"), "commissioners[1].name",
              "missing required field 'name'")


def test_required_field_present_but_empty(make_library: LibraryMaker) -> None:
    text = edit(SCHEME, "    name: Fewer falls\n", "    name:\n")
    lib, _, diagnostics = check_scheme(make_library, text)
    diagnostic = one(diagnostics)
    assert diagnostic.src_path == scheme_path(lib)
    assert diagnostic.field == "goals[1].name"
    assert diagnostic.line == where(text, "    name:\n")[0]
    assert "'name' is required but empty" in diagnostic.message


# --------------------------------------------------------------------------- wrong types


@pytest.mark.parametrize("old, new, value, field, expected", [
    ("    weight: 40\n", '    weight: "abc"\n', '"abc"', "goals[1].weight", "expected a number, got text"),
    ("submitted: 2010-06-14", 'submitted: "June 2010"', '"June 2010"', "submitted",
     "expected a date as YYYY-MM-DD, got text"),
    ("contract_value: 100000000", 'contract_value: 100000000\nillustrative: "yes"', '"yes"', "illustrative",
     "expected true or false, got text"),
    ("commissioners:\n  - NHS Example\n  - {name: NHS Other, code: 5P2}\n", "commissioners: NHS Example\n",
     "NHS Example", "commissioners", "expected a list, got text"),
    ("provider:\n  name: Example Hospitals NHS Foundation Trust\n  type: acute\n  code: RX1\n",
     "provider: Example Hospitals\n", "Example Hospitals", "provider", "expected a mapping"),
    ("contract_value: 100000000", "contract_value: true", "true", "contract_value",
     "expected a number, got true/false"),
    ("    topics: [falls]\n", "    topics: falls\n", "falls\ncontact", "goals[1].topics", "expected a list"),
    ("        weight: 60\n", "        weight: 60\n        reporting_date: soon\n", "soon", 
     "goals[0].indicators[0].reporting_date", "expected a date"),
    ("submitted: 2010-06-14", "submitted: 2010-06-14 09:30:00", "2010-06-14 09:30:00", "submitted",
     "expected a date as YYYY-MM-DD"),
])
def test_wrong_type(make_library: LibraryMaker, old: str, new: str, value: str, field: str, expected: str) -> None:
    text = edit(SCHEME, old, new)
    lib, library, diagnostics = check_scheme(make_library, text)
    assert_at(one(diagnostics), scheme_path(lib), where(text, value), field, expected)
    assert library.schemes == ()


def test_unquoted_decimal_number_asks_for_quotes(make_library: LibraryMaker) -> None:
    text = edit(SCHEME, '      - number: "1.1"', "      - number: 1.1")
    lib, _, diagnostics = check_scheme(make_library, text)
    assert_at(one(diagnostics), scheme_path(lib), where(text, "1.1\n"), "goals[0].indicators[0].number",
              'write the number in quotes, e.g. "1.1"')


def test_unquoted_yes_is_not_a_boolean(make_library: LibraryMaker) -> None:
    # YAML 1.1 would read a bare yes as true; the library reads YAML as 1.2 does, so it is text, and the message
    # says what to write
    text = edit(SCHEME, "contract_value: 100000000", "contract_value: 100000000\nillustrative: yes")
    _, library, diagnostics = check_scheme(make_library, text)
    assert "expected true or false, got text 'yes'" in one(diagnostics).message
    assert "write true" in one(diagnostics).message


# --------------------------------------------------------------------------- values outside their list


def test_domain_outside_its_list_suggests_nearest(make_library: LibraryMaker, tmp_path: Path) -> None:
    text = edit(SCHEME, "    domain: patient-experience\n", "    domain: saftey\n")
    lib, library, diagnostics = check_scheme(make_library, text)
    diagnostic = one(diagnostics)
    line, column = where(text, "saftey")
    assert_at(diagnostic, scheme_path(lib), (line, column), "goals[1].domain",
              "'saftey' is not one of safety, effectiveness, patient-experience, innovation",
              "(did you mean 'safety'?)")
    # the format the contract shows
    assert diagnostic.format(tmp_path) == (
        f"schemes/2010-11/london/example.yaml:{line}:{column}: goals[1].domain: 'saftey' is not one of "
        "safety, effectiveness, patient-experience, innovation (did you mean 'safety'?)")
    assert library.schemes == ()


@pytest.mark.parametrize("old, new, value, field, listing, suggestion", [
    ("  type: acute\n", "  type: acutee\n", "acutee", "provider.type",
     "acute, mental-health, community, ambulance, specialised, learning-disability, primary-care, other", "acute"),
    ("contract_value: 100000000", "contract_value: 100000000\nstatus: publishd", "publishd", "status",
     "published, draft, withdrawn", "published"),
    ("contract_value: 100000000", "contract_value: 100000000\nframework: cqiun", "cqiun", "framework",
     "cquin, other", "cquin"),
])
def test_value_outside_its_list(make_library: LibraryMaker, old: str, new: str, value: str, field: str,
                                listing: str, suggestion: str) -> None:
    text = edit(SCHEME, old, new)
    lib, _, diagnostics = check_scheme(make_library, text)
    assert_at(one(diagnostics), scheme_path(lib), where(text, value), field,
              f"'{value}' is not one of {listing}", f"did you mean '{suggestion}'?")


def test_national_goal_setting_outside_its_list(make_library: LibraryMaker) -> None:
    year = edit(YEAR_2010, "settings: [acute]", "settings: [acute, hospice]")
    lib, _, diagnostics = check(make_library, years={"2010-11": year, "2019-20": YEAR_2019})
    assert_at(one(diagnostics), lib / "2010-11" / "_year.yaml", where(year, "hospice"),
              "national_goals[0].settings[1]", "'hospice' is not one of")


# --------------------------------------------------------------------------- year and region folders


@pytest.mark.parametrize("folder", ["2010-12", "2010-2011", "10-11", "2010_11", "2011-10"])
def test_year_folder_not_yyyy_yy_consecutive(make_library: LibraryMaker, folder: str) -> None:
    lib, library, diagnostics = check(make_library, {EXAMPLE: SCHEME, f"{folder}/london/other": SCHEME},
                                      years={"2010-11": YEAR_2010, folder: YEAR_2010})
    assert_at(one(diagnostics), lib / folder, (1, 1), "year", f"'{folder}'", "YYYY-YY",
              "consecutive")
    assert [s.id for s in library.schemes] == [EXAMPLE]


def test_year_folder_without_year_file(make_library: LibraryMaker) -> None:
    lib, library, diagnostics = check(make_library, {EXAMPLE: SCHEME, "2011-12/london/other": SCHEME_NO_NATIONAL},
                                      years={"2010-11": YEAR_2010})
    assert_at(one(diagnostics), lib / "2011-12", (1, 1), "year", "'2011-12' has no _year.yaml")
    assert [s.id for s in library.schemes] == [EXAMPLE]


def test_region_folder_not_in_regions_file(make_library: LibraryMaker) -> None:
    lib, library, diagnostics = check_scheme(make_library, SCHEME, "2010-11/londn/example")
    assert_at(one(diagnostics), scheme_path(lib, "2010-11/londn/example"), (1, 1), "region",
              "'londn' is not a region in _regions.yaml", "did you mean 'london'?")
    assert library.schemes == ()


def test_region_folder_that_is_not_a_slug(make_library: LibraryMaker) -> None:
    lib, library, diagnostics = check_scheme(make_library, SCHEME, "2010-11/London/example")
    assert_at(one(diagnostics), lib / "2010-11" / "London", (1, 1), "region", "'London' is not a slug")
    assert library.schemes == ()


@pytest.mark.parametrize("scheme_id, year, bound", [
    ("2019-20/south-central/example", "2019-20", "2012-13"),
    ("2010-11/midlands/example", "2010-11", "2019-20"),
])
def test_region_outside_its_years(make_library: LibraryMaker, scheme_id: str, year: str, bound: str) -> None:
    lib, library, diagnostics = check_scheme(make_library, SCHEME_NO_NATIONAL, scheme_id)
    assert_at(one(diagnostics), scheme_path(lib, scheme_id), (1, 1), "region", f"not in {year}", bound)
    assert library.schemes == ()


@pytest.mark.parametrize("scheme_id, year, year_text", [
    ("2012-13/south-central/example", "2012-13", "cquin_percent: 1.5\n"),  # its last year
    ("2019-20/midlands/example", "2019-20", YEAR_2019),                    # its first year
])
def test_region_inside_its_years(make_library: LibraryMaker, scheme_id: str, year: str, year_text: str) -> None:
    _, library, diagnostics = check_scheme(make_library, SCHEME_NO_NATIONAL, scheme_id, years={year: year_text})
    assert diagnostics == ()
    assert [s.id for s in library.schemes] == [scheme_id]


def test_scheme_file_outside_a_region_folder(make_library: LibraryMaker) -> None:
    lib = make_library()
    (lib / "2010-11" / "stray.yaml").write_text(SCHEME, encoding="utf-8")
    (lib / "stray.yml").write_text(SCHEME, encoding="utf-8")
    _, diagnostics = load_library(lib)
    assert [(d.src_path, d.field) for d in diagnostics] == [
        (lib / "2010-11" / "stray.yaml", "path"), (lib / "stray.yml", "path")]
    assert "region folder" in diagnostics[0].message


def test_missing_regions_file(make_library: LibraryMaker) -> None:
    lib = make_library()
    (lib / "_regions.yaml").unlink()
    library, diagnostics = load_library(lib)
    assert_at(one(diagnostics), lib / "_regions.yaml", (1, 1), "", "_regions.yaml is missing")


@pytest.mark.parametrize("regions", ["", "# no regions yet\n"])
def test_empty_regions_file_is_an_error(make_library: LibraryMaker, regions: str) -> None:
    # otherwise every region folder would pass unchecked
    lib, library, diagnostics = check(make_library, regions=regions)
    assert_at(one(diagnostics), lib / "_regions.yaml", (1, 1), "", "expected a mapping")


def test_region_from_after_until(make_library: LibraryMaker) -> None:
    regions = "london:\n  name: London\nodd:\n  name: Odd\n  from: 2015-16\n  until: 2012-13\n"
    lib, _, diagnostics = check(make_library, regions=regions)
    assert_at(one(diagnostics), lib / "_regions.yaml", where(regions, "2015-16"), "odd.from",
              "from 2015-16 is after until 2012-13")


def test_region_year_not_a_financial_year(make_library: LibraryMaker) -> None:
    regions = "london:\n  name: London\nodd:\n  name: Odd\n  until: 2012-14\n"
    lib, _, diagnostics = check(make_library, regions=regions)
    assert_at(one(diagnostics), lib / "_regions.yaml", where(regions, "2012-14"), "odd.until",
              "'2012-14' is not a financial year")


# --------------------------------------------------------------------------- topics and national goals


def test_unknown_topic_suggests_nearest(make_library: LibraryMaker) -> None:
    text = edit(SCHEME, "    topics: [falls]\n", "    topics: [vte, fals]\n")
    lib, library, diagnostics = check_scheme(make_library, text)
    assert_at(one(diagnostics), scheme_path(lib), where(text, "fals]"), "goals[1].topics[1]",
              "unknown topic 'fals'", "did you mean 'falls'?", "_topics.yaml")
    assert library.schemes == ()


def test_unknown_topic_in_year_file(make_library: LibraryMaker) -> None:
    year = edit(YEAR_2010, "topics: [vte]", "topics: [vtee]")
    lib, _, diagnostics = check(make_library, years={"2010-11": year, "2019-20": YEAR_2019})
    assert_at(one(diagnostics), lib / "2010-11" / "_year.yaml", where(year, "vtee"),
              "national_goals[0].topics[0]", "unknown topic 'vtee'")


def test_national_id_the_year_does_not_define(make_library: LibraryMaker) -> None:
    text = edit(SCHEME, "    national: vte\n", "    national: vtee\n")
    lib, library, diagnostics = check_scheme(make_library, text)
    assert_at(one(diagnostics), scheme_path(lib), where(text, "vtee"), "goals[0].national",
              "'vtee' is not a national goal of 2010-11", "did you mean 'vte'?")
    assert library.schemes == ()


def test_national_id_of_another_year(make_library: LibraryMaker) -> None:
    # 'vte' is a 2010-11 national goal; 2019-20 defines only 'flu'
    lib, _, diagnostics = check_scheme(make_library, SCHEME, "2019-20/london/example")
    assert_at(one(diagnostics), scheme_path(lib, "2019-20/london/example"), where(SCHEME, "vte\n"),
              "goals[0].national", "'vte' is not a national goal of 2019-20", "flu")


def test_duplicate_national_goal_id_in_year(make_library: LibraryMaker) -> None:
    year = YEAR_2010 + "  - id: vte\n    name: Again\n"
    lib, _, diagnostics = check(make_library, years={"2010-11": year, "2019-20": YEAR_2019})
    assert_at(one(diagnostics), lib / "2010-11" / "_year.yaml", where(year, "vte", 3),
              "national_goals[2].id", "'vte' is used twice")


# --------------------------------------------------------------------------- duplicate numbers


def test_duplicate_goal_numbers(make_library: LibraryMaker) -> None:
    text = edit(SCHEME, '  - number: "2"', '  - number: "1"')
    lib, library, diagnostics = check_scheme(make_library, text)
    assert_at(one(diagnostics), scheme_path(lib), where(text, '"1"', 2), "goals[1].number",
              "goal number '1' is used twice", "goals[0].number")
    assert library.schemes == ()


def test_duplicate_goal_numbers_written_as_number_and_text(make_library: LibraryMaker) -> None:
    text = edit(SCHEME, '  - number: "2"', "  - number: 1")
    _, _, diagnostics = check_scheme(make_library, text)
    assert one(diagnostics).field == "goals[1].number"


def test_duplicate_indicator_numbers_within_a_goal(make_library: LibraryMaker) -> None:
    text = edit(SCHEME, "        weight: 60\n", "        weight: 30\n"
                                               '      - number: "1.1"\n'
                                               "        name: Again\n"
                                               "        weight: 30\n")
    lib, _, diagnostics = check_scheme(make_library, text)
    assert_at(one(diagnostics), scheme_path(lib), where(text, '"1.1"', 2), "goals[0].indicators[1].number",
              "indicator number '1.1' is used twice", "goals[0].indicators[0].number")


def test_duplicate_indicator_numbers_across_goals(make_library: LibraryMaker) -> None:
    text = edit(SCHEME, "    topics: [falls]\n", "    topics: [falls]\n"
                                                "    indicators:\n"
                                                '      - number: "1.1"\n'
                                                "        name: Falls per 1000 bed days\n")
    lib, library, diagnostics = check_scheme(make_library, text)
    assert_at(one(diagnostics), scheme_path(lib), where(text, '"1.1"', 2), "goals[1].indicators[0].number",
              "indicator number '1.1' is used twice", "goals[0].indicators[0].number")
    assert library.schemes == ()


def test_goal_and_indicator_may_share_a_number(make_library: LibraryMaker) -> None:
    text = edit(SCHEME, '      - number: "1.1"', '      - number: "1"')
    _, library, diagnostics = check_scheme(make_library, text)
    assert diagnostics == ()
    assert library.schemes[0].goals[0].indicators[0].number == "1"


# --------------------------------------------------------------------------- numbers out of range


@pytest.mark.parametrize("old, new, value, field, message", [
    ("contract_value: 100000000", "contract_value: -5", "-5", "contract_value", "-5 is negative"),
    ("    weight: 40\n", "    weight: -40\n", "-40", "goals[1].weight", "-40 is negative"),
    ("        weight: 60\n", "        weight: -1\n", "-1\n", "goals[0].indicators[0].weight", "negative"),
    ("contract_value: 100000000", "contract_value: 100000000\ncquin_percent: 150", "150", "cquin_percent",
     "150 is over 100"),
    ("    weight: 40\n", "    weight: 100.5\n", "100.5", "goals[1].weight", "100.5 is over 100"),
    ("        weight: 60\n", "        weight: 160\n", "160", "goals[0].indicators[0].weight", "over 100"),
    ("payment: 25}", "payment: -25}", "-25", "goals[0].indicators[0].milestones[0].payment", "negative"),
    ("        weight: 60\n", "        weight: 60\n        payment_scale: {min: 60, max: 180}\n", "180",
     "goals[0].indicators[0].payment_scale.max", "180 is over 100"),
])
def test_number_out_of_range(make_library: LibraryMaker, old: str, new: str, value: str, field: str,
                             message: str) -> None:
    text = edit(SCHEME, old, new)
    lib, library, diagnostics = check_scheme(make_library, text)
    assert_at(one(errors(diagnostics)), scheme_path(lib), where(text, value), field, message)
    assert library.schemes == ()


@pytest.mark.parametrize("old, new, value, field, message", [
    ("    weight: 40\n", "    weight: .nan\n", ".nan", "goals[1].weight", "nan is not a usable number"),
    ("contract_value: 100000000", "contract_value: .inf", ".inf", "contract_value", "inf is not a usable number"),
    ("contract_value: 100000000", "contract_value: 1" + "0" * 400, "1000", "contract_value",
     "the number is too large"),
])
def test_number_that_is_not_finite(make_library: LibraryMaker, old: str, new: str, value: str, field: str,
                                   message: str) -> None:
    text = edit(SCHEME, old, new)
    lib, library, diagnostics = check_scheme(make_library, text)
    assert_at(one(errors(diagnostics)), scheme_path(lib), where(text, value), field, message)
    assert library.schemes == ()


def test_year_percent_too_large_for_a_float(make_library: LibraryMaker) -> None:
    year = edit(YEAR_2010, "cquin_percent: 1.5", "cquin_percent: 1" + "0" * 400)
    lib, _, diagnostics = check(make_library, years={"2010-11": year, "2019-20": YEAR_2019})
    assert_at(one(diagnostics), lib / "2010-11" / "_year.yaml", where(year, "1000"), "cquin_percent",
              "too large")


def test_milestone_payment_over_100(make_library: LibraryMaker) -> None:
    text = edit(SCHEME, "payment: 25}", "payment: 120}")
    lib, _, diagnostics = check_scheme(make_library, text)
    assert_at(one(errors(diagnostics)), scheme_path(lib), where(text, "120"),
              "goals[0].indicators[0].milestones[0].payment", "120 is over 100")


def test_year_percent_over_100(make_library: LibraryMaker) -> None:
    year = edit(YEAR_2010, "cquin_percent: 1.5", "cquin_percent: 150")
    lib, _, diagnostics = check(make_library, years={"2010-11": year, "2019-20": YEAR_2019})
    assert_at(one(diagnostics), lib / "2010-11" / "_year.yaml", where(year, "150"), "cquin_percent",
              "150 is over 100")


def test_payment_scale_min_above_max(make_library: LibraryMaker) -> None:
    text = edit(SCHEME, "        weight: 60\n", "        weight: 60\n        payment_scale: {min: 80, max: 60}\n")
    lib, library, diagnostics = check_scheme(make_library, text)
    assert_at(one(diagnostics), scheme_path(lib), where(text, "80,"), "goals[0].indicators[0].payment_scale.min",
              "min 80 is more than max 60")
    assert library.schemes == ()


def test_payment_scale_valid_in_model(make_library: LibraryMaker) -> None:
    text = edit(SCHEME, "        weight: 60\n", "        weight: 60\n        payment_scale: {min: 60, max: 80}\n")
    _, library, diagnostics = check_scheme(make_library, text)
    assert diagnostics == ()
    scale = library.schemes[0].goals[0].indicators[0].payment_scale
    assert (scale.min, scale.max) == (60.0, 80.0)


def test_payment_scale_needs_min_and_max(make_library: LibraryMaker) -> None:
    text = edit(SCHEME, "        weight: 60\n", "        weight: 60\n        payment_scale: {min: 60}\n")
    lib, _, diagnostics = check_scheme(make_library, text)
    assert_at(one(diagnostics), scheme_path(lib), where(text, "{min"), "goals[0].indicators[0].payment_scale.max",
              "missing required field 'max'")


# --------------------------------------------------------------------------- attachments


def quoted(name: str) -> str:
    """A YAML single-quoted scalar: no escapes, quotes doubled."""
    return "'" + name.replace("'", "''") + "'"


def with_attachment(name: str) -> str:
    """The example scheme listing one attachment."""
    return SCHEME + f"attachments:\n  - {{file: {quoted(name)}, title: The document}}\n"


def test_attachment_present_is_in_model(make_library: LibraryMaker) -> None:
    lib = make_library({EXAMPLE: with_attachment("docs/full-scheme.pdf")})
    folder = lib / "2010-11" / "london" / "example" / "docs"
    folder.mkdir(parents=True)
    (folder / "full-scheme.pdf").write_bytes(b"%PDF-1.4 twelve")
    library, diagnostics = load_library(lib)
    assert diagnostics == ()
    attachment = library.schemes[0].attachments[0]
    assert (attachment.file, attachment.title, attachment.size) == ("docs/full-scheme.pdf", "The document", 15)
    assert library.schemes[0].attachment_url(attachment) == "/schemes/2010-11/london/example/docs/full-scheme.pdf"


def test_attachment_missing(make_library: LibraryMaker) -> None:
    text = with_attachment("full-scheme.pdf")
    lib, library, diagnostics = check_scheme(make_library, text)
    assert_at(one(diagnostics), scheme_path(lib), where(text, "'full-scheme.pdf'"), "attachments[0].file",
              "attachment 'full-scheme.pdf' not found", "example/")
    assert library.schemes == ()


def test_attachment_beside_the_scheme_file_rather_than_in_its_folder(make_library: LibraryMaker) -> None:
    lib = make_library({EXAMPLE: with_attachment("full-scheme.pdf")})
    (lib / "2010-11" / "london" / "full-scheme.pdf").write_bytes(b"x")
    _, diagnostics = load_library(lib)
    assert "not found" in one(diagnostics).message


@pytest.mark.parametrize("name", ["../x.pdf", "../../../../secret.txt", "/etc/passwd", "docs/../../x.pdf",
                                  "./x.pdf", "docs//x.pdf", "C:\\x.pdf"])
def test_attachment_path_escaping_the_folder(make_library: LibraryMaker, tmp_path: Path, name: str) -> None:
    lib = make_library({EXAMPLE: with_attachment(name)})
    folder = lib / "2010-11" / "london" / "example"
    (folder / "docs").mkdir(parents=True)
    (folder / "x.pdf").write_bytes(b"x")                      # exists, so only the path itself is wrong
    (lib / "2010-11" / "london" / "x.pdf").write_bytes(b"x")  # what ../x.pdf would reach
    (tmp_path / "secret.txt").write_bytes(b"x")
    library, diagnostics = load_library(lib)
    text = with_attachment(name)
    assert_at(one(diagnostics), scheme_path(lib), where(text, quoted(name)), "attachments[0].file",
              f"'{name}'", "example/")
    assert library.schemes == ()


def test_attachment_symlink_pointing_outside(make_library: LibraryMaker, tmp_path: Path) -> None:
    lib = make_library({EXAMPLE: with_attachment("link.pdf")})
    folder = lib / "2010-11" / "london" / "example"
    folder.mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_text("private", encoding="utf-8")
    os.symlink(secret, folder / "link.pdf")
    library, diagnostics = load_library(lib)
    assert_at(one(diagnostics), scheme_path(lib), where(with_attachment("link.pdf"), "'link.pdf'"),
              "attachments[0].file", "'link.pdf' lies outside")
    assert library.schemes == ()


def test_attachment_under_a_symlinked_folder_pointing_outside(make_library: LibraryMaker, tmp_path: Path) -> None:
    lib = make_library({EXAMPLE: with_attachment("docs/a.pdf")})
    folder = lib / "2010-11" / "london" / "example"
    folder.mkdir()
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "a.pdf").write_bytes(b"x")
    os.symlink(outside, folder / "docs")
    _, diagnostics = load_library(lib)
    assert "lies outside" in one(diagnostics).message


def test_attachment_listed_twice(make_library: LibraryMaker) -> None:
    text = with_attachment("a.pdf") + "  - {file: 'a.pdf'}\n"
    lib = make_library({EXAMPLE: text})
    folder = lib / "2010-11" / "london" / "example"
    folder.mkdir()
    (folder / "a.pdf").write_bytes(b"%PDF-1.4\n")
    _, diagnostics = load_library(lib)
    assert_at(one(diagnostics), scheme_path(lib), where(text, "'a.pdf'", 2), "attachments[1].file",
              "listed twice")


# --------------------------------------------------------------------------- file names and pages


def test_two_files_producing_the_same_page(make_library: LibraryMaker) -> None:
    lib = make_library()
    scheme_path(lib, suffix=".yml").write_text(SCHEME, encoding="utf-8")
    library, diagnostics = load_library(lib)
    assert_at(one(diagnostics), scheme_path(lib, suffix=".yml"), (1, 1), "slug", "example.yml", "example.yaml",
              "same page")
    assert [s.id for s in library.schemes] == [EXAMPLE]


@pytest.mark.parametrize("name, suggestion", [
    ("Bad Name", "bad-name"),
    ("double--hyphen", "double-hyphen"),
    ("trailing-", "trailing"),
    ("under_score", "under-score"),
    ("Example", "example"),
])
def test_file_name_that_is_not_a_slug(make_library: LibraryMaker, name: str, suggestion: str) -> None:
    scheme_id = f"2010-11/london/{name}"
    lib, library, diagnostics = check_scheme(make_library, SCHEME, scheme_id)
    assert_at(one(diagnostics), scheme_path(lib, scheme_id), (1, 1), "slug", f"'{name}.yaml'",
              f"'{suggestion}.yaml'")
    assert library.schemes == ()


# --------------------------------------------------------------------------- warnings


def only_warning(diagnostics: tuple[Diagnostic, ...]) -> Diagnostic:
    """The single diagnostic, which must be a warning."""
    assert len(diagnostics) == 1, "\n".join(d.format() for d in diagnostics)
    assert diagnostics[0].severity is Severity.WARNING, diagnostics[0].format()
    return diagnostics[0]


def test_goal_weights_not_adding_to_100(make_library: LibraryMaker, tmp_path: Path) -> None:
    text = edit(SCHEME, "    weight: 40\n", "    weight: 30\n")
    lib, library, diagnostics = check_scheme(make_library, text)
    warning = only_warning(diagnostics)
    line, column = where(text, '- number: "1"')
    assert_at(warning, scheme_path(lib), (line, column), "goals", "goal weights add up to 90, not 100")
    assert warning.format(tmp_path) == (f"schemes/2010-11/london/example.yaml:{line}:{column}: warning: goals: "
                                        "goal weights add up to 90, not 100")
    # a warning does not keep the scheme out
    assert [s.id for s in library.schemes] == [EXAMPLE]


@pytest.mark.parametrize("weight, warned", [("39.6", False), ("40.4", False), ("40.5", False),
                                            ("39.4", True), ("40.6", True)])
def test_goal_weights_within_half_a_point_are_fine(make_library: LibraryMaker, weight: str, warned: bool) -> None:
    text = edit(SCHEME, "    weight: 40\n", f"    weight: {weight}\n")
    _, _, diagnostics = check_scheme(make_library, text)
    assert errors(diagnostics) == []
    assert [("goal weights add up to" in d.message) for d in warnings(diagnostics)] == ([True] if warned else [])


def test_indicator_weights_not_adding_to_100(make_library: LibraryMaker) -> None:
    # every goal is divided into indicators, goals without weights of their own: indicators 60 + 30
    text = edit(SCHEME, "\n    weight: 60\n", "\n")
    text = edit(text, "    weight: 40\n    topics: [falls]\n", "    topics: [falls]\n"
                                                               "    indicators:\n"
                                                               '      - number: "2.1"\n'
                                                               "        name: Falls per 1000 bed days\n"
                                                               "        weight: 30\n")
    lib, library, diagnostics = check_scheme(make_library, text)
    assert errors(diagnostics) == []
    messages = {d.message for d in warnings(diagnostics)}
    assert "indicator weights add up to 90, not 100" in messages
    found = next(d for d in diagnostics if d.message.startswith("indicator weights"))
    assert_at(found, scheme_path(lib), where(text, '- number: "1"'), "goals", "indicator weights")
    assert [s.id for s in library.schemes] == [EXAMPLE]


def test_indicator_weights_are_checked_apart_from_goal_weights(make_library: LibraryMaker) -> None:
    # goals add to 100 and each goal is within 0.5 of its indicators, yet the indicators add to 99
    text = edit(SCHEME, "\n    weight: 60\n", "\n    weight: 60.4\n")
    text = edit(text, "        weight: 60\n", "        weight: 60\n")  # unchanged: 60 vs goal 60.4
    text = edit(text, "    weight: 40\n    topics: [falls]\n", "    weight: 39.6\n    topics: [falls]\n"
                                                               "    indicators:\n"
                                                               '      - number: "2.1"\n'
                                                               "        name: Falls per 1000 bed days\n"
                                                               "        weight: 39.2\n")
    _, _, diagnostics = check_scheme(make_library, text)
    assert [d.message for d in diagnostics] == ["indicator weights add up to 99.2, not 100"]
    assert diagnostics[0].severity is Severity.WARNING


def test_goal_weight_differs_from_its_indicators(make_library: LibraryMaker) -> None:
    text = edit(SCHEME, "        weight: 60\n", "        weight: 50\n")
    lib, _, diagnostics = check_scheme(make_library, text)
    # goal 2 has no indicators, so the indicator total is not checked: only this warning
    assert_at(only_warning(diagnostics), scheme_path(lib), where(text, "60"), "goals[0].weight",
              "goal weight 60 differs from the sum of its indicators' weights, 50")


def test_published_scheme_without_submitted(make_library: LibraryMaker) -> None:
    text = edit(SCHEME, "submitted: 2010-06-14\n", "")
    lib, library, diagnostics = check_scheme(make_library, text)
    assert_at(only_warning(diagnostics), scheme_path(lib), (1, 1), "submitted", "published", "submitted date")
    assert [s.id for s in library.schemes] == [EXAMPLE]


def test_explicitly_published_scheme_without_submitted(make_library: LibraryMaker) -> None:
    text = edit(SCHEME, "submitted: 2010-06-14\n", "status: published\n")
    _, _, diagnostics = check_scheme(make_library, text)
    assert only_warning(diagnostics).field == "submitted"


@pytest.mark.parametrize("status", ["draft", "withdrawn"])
def test_unpublished_scheme_without_submitted_is_fine(make_library: LibraryMaker, status: str) -> None:
    text = edit(SCHEME, "submitted: 2010-06-14\n", f"status: {status}\n")
    _, library, diagnostics = check_scheme(make_library, text)
    assert diagnostics == ()
    assert library.schemes[0].status == status


@pytest.mark.parametrize("second, total", [("50", "110"), ("40.5", "100.5")])
def test_milestone_payments_over_100(make_library: LibraryMaker, second: str, total: str) -> None:
    text = edit(SCHEME, "          - {period: Q2, value: \"80%\", payment: 25}\n",
                "          - {period: Q2, value: \"80%\", payment: 60}\n"
                f"          - {{period: Q4, value: \"90%\", payment: {second}}}\n")
    lib, library, diagnostics = check_scheme(make_library, text)
    assert_at(only_warning(diagnostics), scheme_path(lib), where(text, "- {period: Q2"),
              "goals[0].indicators[0].milestones", f"milestone payments add up to {total}%, more than 100%")
    assert [s.id for s in library.schemes] == [EXAMPLE]


def test_milestone_payments_of_exactly_100_are_fine(make_library: LibraryMaker) -> None:
    text = edit(SCHEME, "          - {period: Q2, value: \"80%\", payment: 25}\n",
                "          - {period: Q2, value: \"80%\", payment: 40}\n"
                "          - {period: Q4, value: \"90%\", payment: 60}\n")
    _, _, diagnostics = check_scheme(make_library, text)
    assert diagnostics == ()


# --------------------------------------------------------------------------- the whole library at once


def test_every_error_in_the_library_is_reported(make_library: LibraryMaker) -> None:
    first = edit(SCHEME, "    domain: patient-experience\n", "    domain: saftey\n")
    first = edit(first, "summary: |", "sumary: |")
    second = edit(SCHEME, "  type: acute\n", "  type: hospital\n")
    lib, library, diagnostics = check(make_library, {"2010-11/london/aaa": first, "2010-11/london/bbb": second,
                                                     EXAMPLE: SCHEME})
    found = [(d.src_path.name, d.field) for d in diagnostics]
    assert found == [("aaa.yaml", "sumary"), ("aaa.yaml", "goals[1].domain"), ("bbb.yaml", "provider.type")]
    assert all(d.severity is Severity.ERROR for d in diagnostics)
    # the valid scheme is still in the model; the broken ones are not
    assert [s.id for s in library.schemes] == [EXAMPLE]


def test_errors_across_file_kinds_are_all_reported(make_library: LibraryMaker) -> None:
    year = edit(YEAR_2010, "cquin_percent: 1.5", "cquin_percent: -1")
    topics = "vte:\n  name: VTE\nfalls: {}\nflu:\n  name: Flu\n"
    bad_yaml = "title: [oops\n"
    lib, _, diagnostics = check(make_library, {EXAMPLE: SCHEME, "2010-11/london/broken": bad_yaml},
                                years={"2010-11": year, "2019-20": YEAR_2019}, topics=topics)
    assert sorted((d.src_path.relative_to(lib).as_posix(), d.field) for d in diagnostics) == [
        ("2010-11/_year.yaml", "cquin_percent"),
        ("2010-11/london/broken.yaml", ""),
        ("_topics.yaml", "falls.name"),
    ]


def test_diagnostics_are_sorted_by_file_then_line(make_library: LibraryMaker) -> None:
    # problems written in reverse order of position within each file, files created in reverse order
    late_then_early = edit(SCHEME, "    domain: patient-experience\n", "    domain: saftey\n")
    late_then_early = edit(late_then_early, "  type: acute\n", "  type: hospital\n")
    late_then_early = edit(late_then_early, "submitted: 2010-06-14", 'submitted: "soon"')
    _, _, diagnostics = check(make_library, {"2010-11/london/zzz": late_then_early,
                                             "2010-11/london/aaa": late_then_early,
                                             "2010-11/east-of-england/mmm": late_then_early})
    keys = [(str(d.src_path), d.line, d.column) for d in diagnostics]
    assert keys == sorted(keys)
    assert [d.src_path.name for d in diagnostics] == ["mmm.yaml"] * 3 + ["aaa.yaml"] * 3 + ["zzz.yaml"] * 3
    assert [d.field for d in diagnostics[:3]] == ["provider.type", "submitted", "goals[1].domain"]
    lines = [d.line for d in diagnostics[:3]]
    assert lines == sorted(lines) and len(set(lines)) == 3


def test_errors_and_warnings_together(make_library: LibraryMaker) -> None:
    text = edit(SCHEME, "submitted: 2010-06-14\n", "")
    text = edit(text, "    domain: patient-experience\n", "    domain: saftey\n")
    _, library, diagnostics = check_scheme(make_library, text)
    assert [(d.field, d.severity) for d in diagnostics] == [("submitted", Severity.WARNING),
                                                            ("goals[1].domain", Severity.ERROR)]
    assert library.schemes == ()


def test_missing_schemes_folder(tmp_path: Path) -> None:
    library, diagnostics = load_library(tmp_path / "nowhere")
    assert_at(one(diagnostics), tmp_path / "nowhere", (1, 1), "", "schemes folder not found")
    assert library.schemes == ()


def test_diagnostic_format_names_path_line_column_field() -> None:
    error = Diagnostic(Path("/lib/x.yaml"), 14, 7, "goals[1].domain", "bad")
    warning = Diagnostic(Path("/lib/x.yaml"), 3, 1, "goals", "odd", Severity.WARNING)
    assert error.format(Path("/lib")) == "x.yaml:14:7: goals[1].domain: bad"
    assert warning.format(Path("/lib")) == "x.yaml:3:1: warning: goals: odd"
    assert re.fullmatch(r"/lib/x\.yaml:14:7: goals\[1\]\.domain: bad", error.format(Path("/elsewhere")))


def test_empty_regions_file_still_checks_regions(make_library) -> None:  # type: ignore[no-untyped-def]
    """A _regions.yaml of {} defines no regions, so every scheme's region folder is unknown."""
    lib = make_library(regions="{}\n")
    _, diagnostics = load_library(lib)
    assert any(d.field == "region" and "is not a region in _regions.yaml" in d.message for d in diagnostics)


def test_upper_case_suffix_is_reported(make_library) -> None:  # type: ignore[no-untyped-def]
    """x.YAML is not silently skipped: the contributor is told to rename it."""
    lib = make_library({"2010-11/london/example": SCHEME})
    (lib / "2010-11" / "london" / "example.yaml").rename(lib / "2010-11" / "london" / "other.YAML")
    _, diagnostics = load_library(lib)
    assert [d.message for d in diagnostics] == ["'other.YAML' must end in lower-case '.yaml' to be read as a scheme"]

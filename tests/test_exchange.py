"""The standard template in and out: export, import (xlsx, csv, an email carrying either), lossless for every
bundled scheme, a template filled in a spreadsheet program's way, problems named by their cells, the resemblance
warning, never overwriting, and templates published byte for byte the same."""

from __future__ import annotations

import datetime as dt
import re
import io
import json
import shutil
from email.message import EmailMessage
from pathlib import Path

import pytest
import yaml
from openpyxl import Workbook, load_workbook

from conftest import REPO, write_content, write_library
from helpers import build
from cquinlib.commands.cli import main
from cquinlib.exchange.csvform import read_csv, write_csv
from cquinlib.exchange.email import attached_template
from cquinlib.exchange.goalrows import from_grids
from cquinlib.exchange.publish import template_files
from cquinlib.exchange.scaffold import imported_yaml
from cquinlib.exchange.cells import column_letter
from cquinlib.exchange.template import LEVELS, SKIPPED, columns, details, to_tables
from cquinlib.exchange.xlsx import read_workbook, write_workbook
from cquinlib.format.spec import GOAL, INDICATOR, OUTCOME_ENTRY, SCHEME, STEPPED_SCALE, SLIDING_SCALE, Mapping
from cquinlib.format.yamlio import parse_yaml_text, read_yaml
from cquinlib.library.load import scan_library
from cquinlib.library.validate import validate_library

BUNDLED = REPO / "schemes"


def _email(name: str, data: bytes, *more: tuple[str, bytes]) -> bytes:
    """A saved message with the files attached, as a mail program saves it."""
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "a@example.org", "box@example.org", "Our scheme"
    message.set_content("Our scheme is attached.")
    for filename, payload in ((name, data),) + more:
        message.add_attachment(payload, maintype="application", subtype="octet-stream", filename=filename)
    return message.as_bytes()


def _bundled() -> list[tuple[Path, dict]]:
    """Every bundled scheme file and its data."""
    found = []
    for path in sorted(BUNDLED.glob("*/*/*.yaml")):
        data, problems = read_yaml(path)
        assert not problems
        found.append((path, data))
    return found


def test_export_then_import_gives_back_every_bundled_scheme_in_xlsx_csv_and_eml() -> None:
    validated = validate_library(scan_library(BUNDLED))
    percents = {y.slug: y.cquin_percent for y in validated.years}
    schemes = _bundled()
    assert len(schemes) == len(validated.cards) >= 50
    for path, data in schemes:
        year, region, slug = path.parts[-3], path.parts[-2], path.stem
        tables = to_tables(data, {"year": year, "region": region, "slug": slug}, percents[year])
        book = write_workbook(tables, {"Years": list(percents)}, ["Instructions"])
        form = write_csv(tables)
        mailed = attached_template(_email(f"{slug}.xlsx", book))
        for grids in (read_workbook(book), read_csv(form, slug), read_workbook(mailed.data)):
            imported = from_grids(*grids)
            assert imported.problems == [] and imported.warnings == [], path
            assert imported.placement == {"year": year, "region": region, "slug": slug}
            want = {k: v for k, v in data.items() if k != "status"}
            assert imported.data == want, path
            text = imported_yaml({**imported.data, "status": "draft"}, "x.xlsx")
            assert parse_yaml_text(text)[0] == {**want, "status": "draft"}, path


@pytest.mark.parametrize("form", ["xlsx", "csv", "eml"])
def test_the_commands_round_trip_a_bundled_scheme(tmp_path: Path, form: str, capsys: pytest.CaptureFixture) -> None:
    library = tmp_path / "schemes"
    shutil.copytree(BUNDLED, library)
    scheme = "2019-20/north-west/merrowdale-acute"  # attachments, milestones, a payment scale, a contact
    original = library / f"{scheme}.yaml"
    exported = tmp_path / f"merrowdale.{'csv' if form == 'csv' else 'xlsx'}"
    form_args = ["--format", exported.suffix[1:], "-o", str(exported), "--schemes", str(library)]
    assert main(["export", scheme, *form_args]) == 0
    before = yaml.safe_load(original.read_text(encoding="utf-8"))
    original.unlink()
    source = exported
    if form == "eml":
        source = tmp_path / "submission.eml"
        source.write_bytes(_email(exported.name, exported.read_bytes()))
    assert main(["import", str(source), "--schemes", str(library)]) == 0, capsys.readouterr().err
    written = original.read_text(encoding="utf-8")
    after = yaml.safe_load(written)
    assert after.pop("status") == "draft"
    before.pop("status", None)
    assert after == before
    assert written.startswith("# yaml-language-server: $schema=")
    assert "# Who provides the service" in written
    assert main(["check", "--schemes", str(library)]) == 0


def test_export_yaml_copies_the_file_and_refuses_what_is_not_a_scheme(tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture) -> None:
    library = write_library(tmp_path)
    out = tmp_path / "x.yaml"
    assert main(["export", "2010-11/london/example", "--format", "yaml", "-o", str(out),
                 "--schemes", str(library)]) == 0
    assert out.read_bytes() == (library / "2010-11/london/example.yaml").read_bytes()
    assert main(["export", "2010-11/london/nothing", "-o", str(out), "--schemes", str(library)]) == 1
    assert "not a valid scheme" in capsys.readouterr().err
    assert main(["export", "nothing", "--schemes", str(library)]) == 2


def _hand_filled(path: Path, weight: object = 0.6, domain: str = "Safety") -> Path:
    """A template filled in the way a spreadsheet program keeps it: numbers typed as numbers, percentages as
    fractions shown with %, dates as dates, blank rows between goals, the goal number repeated on its rows."""
    book = Workbook()
    details = book.active
    details.title = "Scheme"
    rows = [("Field", "Value"), ("Year", "2019-20"), ("Region:", "london"), (),
            ("Provider name *", "Fenmouth NHS Trust"),
            ("Provider type", "Acute"), ("Provider code", 123), ("Commissioner", "NHS Fenmouth CCG", "ZZ9"),
            ("Commissioner", "NHS Marshland CCG"), ("Submitted", dt.datetime(2019, 5, 14)),
            ("Contract value (£)", 120000000), ("CQUIN percentage (%)", 0.0125), ("Illustrative", True)]
    for row in rows:
        details.append(list(row))
    details["B12"].number_format = "0.00%"
    goals = book.create_sheet("Goals")
    goals.append([c.header for c in columns()])
    index = {c.header: n for n, c in enumerate(columns())}

    def row(**cells: object) -> None:
        """Append a row with cells by header."""
        values = [None] * len(columns())
        for header, value in cells.items():
            values[index[header]] = value
        goals.append(values)

    row(**{"Goal number": 1, "Goal name": "Fewer falls", "Goal weighting (% of CQUIN scheme)": weight,
           "Quality domain": domain, "Indicator number": 1.1, "Indicator name": "Falls risk assessed",
           "Indicator weighting (% of CQUIN scheme)": 0.6, "Baseline value": 0.76,
           "Final indicator reporting date": dt.datetime(2020, 4, 30), "Milestone period": "Q2",
           "Milestone payment (% of indicator value)": 0.25, "Topics": "falls"})
    row(**{"Goal number": 1, "Milestone period": "Q4", "Milestone payment (% of indicator value)": 0.75})
    row()
    row()
    row(**{"Goal number": 2, "Goal name": "Staff flu vaccination", "Goal weighting (% of CQUIN scheme)": 0.4,
           "National goal": "flu", "Indicator number": "2.1", "Indicator name": "Staff vaccinated",
           "Indicator weighting (% of CQUIN scheme)": 40, "Payment scale: nothing below (%)": 60,
           "Payment scale: all at (%)": 80})
    for cell in ("D2", "I2", "S2", "Y2", "Y3", "D6"):
        goals[cell].number_format = "0%"
    buffer = io.BytesIO()
    book.save(buffer)
    path.write_bytes(buffer.getvalue())
    return path


def test_a_template_filled_in_a_spreadsheet_program_imports(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    library = write_library(tmp_path)
    filled = _hand_filled(tmp_path / "fenmouth.xlsx")
    assert main(["import", str(filled), "--schemes", str(library)]) == 0, capsys.readouterr().err
    data = yaml.safe_load((library / "2019-20/london/fenmouth-nhs-trust.yaml").read_text(encoding="utf-8"))
    assert data["provider"] == {"name": "Fenmouth NHS Trust", "type": "acute", "code": "123"}
    assert data["commissioners"] == [{"name": "NHS Fenmouth CCG", "code": "ZZ9"}, "NHS Marshland CCG"]
    assert data["submitted"] == dt.date(2019, 5, 14) and data["cquin_percent"] == 1.25
    assert data["illustrative"] is True and data["status"] == "draft"
    first, second = data["goals"]
    assert (first["number"], first["weight"], first["domain"], first["topics"]) == ("1", 60, "safety", ["falls"])
    indicator = first["indicators"][0]
    assert indicator["number"] == "1.1" and indicator["weight"] == 60
    assert indicator["baseline"] == {"value": "76%"} and indicator["reporting_date"] == dt.date(2020, 4, 30)
    assert indicator["milestones"] == [{"period": "Q2", "payment": 25}, {"period": "Q4", "payment": 75}]
    assert second["number"] == "2" and second["national"] == "flu" and second["weight"] == 40
    assert second["indicators"][0]["payment_scale"] == {"min": 60, "max": 80}
    assert main(["check", "--schemes", str(library)]) == 0


def test_problems_are_named_by_their_cells_and_nothing_is_written(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture) -> None:
    library = write_library(tmp_path)
    filled = _hand_filled(tmp_path / "fenmouth.xlsx", weight="twenty")
    assert main(["import", str(filled), "--schemes", str(library)]) == 1
    err = capsys.readouterr().err
    assert "Goals!D2: goal weighting: expected a number, got 'twenty'" in err
    assert "goals[0].weight" not in err  # the cell's own problem says it; the weights' sum is not guessed at
    assert not (library / "2019-20/london").exists()
    filled = _hand_filled(tmp_path / "fenmouth.xlsx", weight="twenty", domain="saftey")
    assert main(["import", str(filled), "--schemes", str(library)]) == 1
    err = capsys.readouterr().err  # every problem in one run: the unreadable cell and what validation finds
    assert "Goals!D2: goal weighting: expected a number" in err and "Goals!F2: goals[0].domain: 'saftey'" in err
    filled = _hand_filled(tmp_path / "fenmouth.xlsx", domain="saftey")
    assert main(["import", str(filled), "--schemes", str(library), "--format", "json"]) == 1
    problems = json.loads(capsys.readouterr().out)
    domain = next(p for p in problems if p["field"] == "goals[0].domain")
    assert domain["cell"] == "Goals!F2" and "saftey" in domain["message"] and domain["severity"] == "error"
    assert set(domain) == {"file", "line", "column", "field", "severity", "message", "cell"}
    assert not (library / "2019-20/london").exists()


def test_import_never_overwrites_and_warns_of_a_resubmission(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    library = write_library(tmp_path)
    filled = _hand_filled(tmp_path / "fenmouth.xlsx")
    assert main(["import", str(filled), "--schemes", str(library)]) == 0
    target = library / "2019-20/london/fenmouth-nhs-trust.yaml"
    before = target.read_bytes()
    capsys.readouterr()
    assert main(["import", str(filled), "--schemes", str(library)]) == 1
    assert "never overwritten" in capsys.readouterr().err and target.read_bytes() == before
    assert main(["import", str(filled), "--schemes", str(library), "--slug", "fenmouth-again"]) == 0
    err = capsys.readouterr().err
    assert "closely resembles an existing scheme: 2019-20/london/fenmouth-nhs-trust has the same provider" in err
    csv_form = tmp_path / "other.csv"
    text = write_csv(to_tables({"provider": {"name": "Someone Else", "type": "acute"}, "commissioners": ["X"],
                                "goals": [{"number": "1", "name": "Fewer falls"},
                                          {"number": "2", "name": "Staff flu vaccination"}]},
                               {"year": "2019-20", "region": "london", "slug": "someone"}, None))
    csv_form.write_bytes(text)
    assert main(["import", str(csv_form), "--schemes", str(library)]) == 0
    assert "has nearly the same goals" in capsys.readouterr().err


def test_an_email_needs_exactly_one_template(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    library = write_library(tmp_path)
    message = tmp_path / "m.eml"
    message.write_bytes(_email("scheme.pdf", b"%PDF-1.4"))
    assert main(["import", str(message), "--schemes", str(library)]) == 1
    assert "no .xlsx, .csv or .yaml attachment (it has scheme.pdf)" in capsys.readouterr().err
    message.write_bytes(_email("a.csv", b"x", ("b.xlsx", b"y")))
    assert main(["import", str(message), "--schemes", str(library)]) == 1
    assert "2 templates attached" in capsys.readouterr().err
    other = tmp_path / "notes.txt"
    other.write_text("hello", encoding="utf-8")
    assert main(["import", str(other), "--schemes", str(library)]) == 1


def test_a_year_that_is_not_open_is_refused_naming_the_open_years(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture) -> None:
    library = write_library(tmp_path)
    filled = _hand_filled(tmp_path / "fenmouth.xlsx")
    assert main(["import", str(filled), "--schemes", str(library), "--year", "2024-25"]) == 1
    assert "2024-25 is not open in the library (the open years are 2010-11, 2019-20)" in capsys.readouterr().err


def test_csv_text_that_looks_like_a_formula_is_guarded_and_reads_back() -> None:
    data = {"provider": {"name": "=HYPERLINK(\"x\")", "type": "acute"}, "commissioners": ["+44 NHS", "'=odd"],
            "goals": [{"number": "1", "name": "@risk", "description": "- a list\n- of two\n"}]}
    form = write_csv(to_tables(data, {}, None))
    assert b"\"'=HYPERLINK" in form and b",'+44 NHS" in form
    assert from_grids(*read_csv(form, "x")).data == data


def test_the_published_templates_are_the_same_bytes_every_build(tmp_path: Path) -> None:
    library = validate_library(scan_library(BUNDLED))
    first = template_files(library.regions, library.years, library.topics, "box@example.org")
    second = template_files(library.regions, library.years, library.topics, "box@example.org")
    assert [f.data for f in first] == [f.data for f in second]
    write_library(tmp_path / "a")
    write_content(tmp_path / "a")
    shutil.copytree(tmp_path / "a", tmp_path / "b")
    assert build(tmp_path / "a") == 0 and build(tmp_path / "b") == 0
    for name in ("cquin-scheme-template.xlsx", "cquin-scheme-template.csv"):
        first_build, second_build = (tmp_path / f"{side}/site/downloads" / name for side in "ab")
        assert first_build.read_bytes() == second_build.read_bytes()
    book = load_workbook(tmp_path / "a/site/downloads/cquin-scheme-template.xlsx")
    assert book.sheetnames == ["Scheme", "Goals", "Instructions", "Lists"]
    assert [c.value for c in book["Goals"][1]][:4] == ["Goal number", "Goal name", "Goal description",
                                                       "Goal weighting (% of CQUIN scheme)"]
    rules = {str(r.sqref): r.formula1 for sheet in ("Scheme", "Goals")
             for r in book[sheet].data_validations.dataValidation}
    assert "Lists!$A$2:$A$3" in rules.values()  # the open years
    lists = book["Lists"]
    assert [c.value for c in lists["A"] if c.value][1:] == ["2010-11", "2019-20"]
    assert "box@example.org" in " ".join(str(c.value) for c in book["Instructions"]["A"])


def test_a_build_that_changes_no_list_keeps_the_templates_without_making_them(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import cquinlib.exchange.publish as publish

    write_library(tmp_path)
    write_content(tmp_path)
    assert build(tmp_path) == 0
    made = (tmp_path / "site/downloads/cquin-scheme-template.xlsx").read_bytes()
    scheme = tmp_path / "schemes/2010-11/london/example.yaml"
    scheme.write_text(scheme.read_text(encoding="utf-8").replace("A *worked* example.", "Edited."), encoding="utf-8")

    def refuse(*args: object) -> bytes:
        """The workbook must not be made again."""
        raise AssertionError("the template was made again")

    monkeypatch.setattr(publish, "write_workbook", refuse)
    assert build(tmp_path) == 0
    assert (tmp_path / "site/downloads/cquin-scheme-template.xlsx").read_bytes() == made
    monkeypatch.undo()
    (tmp_path / "schemes/2011-12").mkdir()
    (tmp_path / "schemes/2011-12/_year.yaml").write_text("cquin_percent: 1.5\n", encoding="utf-8")
    assert build(tmp_path) == 0
    book = load_workbook(tmp_path / "site/downloads/cquin-scheme-template.xlsx")
    assert [c.value for c in book["Lists"]["A"] if c.value][1:] == ["2010-11", "2011-12", "2019-20"]


@pytest.mark.slow  # LibreOffice takes many seconds to start
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed: apt-get install "
                                                            "libreoffice-calc-nogui to check a real program's saving")
def test_a_workbook_saved_again_by_a_spreadsheet_program_imports_the_same(tmp_path: Path) -> None:
    import subprocess

    validated = validate_library(scan_library(BUNDLED))
    percents = {y.slug: y.cquin_percent for y in validated.years}
    chosen = [(p, d) for p, d in _bundled() if d.get("contact") or any(
        i.get("milestones") for g in d["goals"] for i in g.get("indicators") or [])][:4]
    assert chosen
    (tmp_path / "in").mkdir()
    for n, (path, data) in enumerate(chosen):
        tables = to_tables(data, {"year": path.parts[-3], "region": path.parts[-2], "slug": path.stem},
                           percents[path.parts[-3]])
        (tmp_path / "in" / f"s{n}.xlsx").write_bytes(write_workbook(tables, {"Years": list(percents)}, ["x"]))
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/profile", "--convert-to",
                    "xlsx", "--outdir", str(tmp_path / "out"), *sorted(str(p) for p in (tmp_path / "in").iterdir())],
                   check=True, capture_output=True, timeout=300)
    for n, (path, data) in enumerate(chosen):
        imported = from_grids(*read_workbook((tmp_path / "out" / f"s{n}.xlsx").read_bytes()))
        assert imported.problems == [] and imported.data == {k: v for k, v in data.items() if k != "status"}, path


def test_the_yaml_template_imports_from_a_file_or_an_email(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    library = write_library(tmp_path)
    template = (REPO / "content/files/scheme-template.yaml").read_text(encoding="utf-8")
    filled = template.replace('name: ""', 'name: "Fenmouth NHS Trust"', 1).replace('type: ""', "type: acute")
    filled = filled.replace('  - ""', "  - NHS Fenmouth CCG").replace('name: ""', 'name: "Fewer falls"')
    message = tmp_path / "m.eml"
    message.write_bytes(_email("fenmouth.yaml", filled.encode("utf-8")))
    assert main(["import", str(message), "--schemes", str(library)]) == 1
    assert "year '' is not usable: give it in the template or with --year" in capsys.readouterr().err
    place = ["--year", "2019-20", "--region", "london", "--schemes", str(library)]
    assert main(["import", str(message), *place]) == 0, capsys.readouterr().err
    data = yaml.safe_load((library / "2019-20/london/fenmouth-nhs-trust.yaml").read_text(encoding="utf-8"))
    assert data["status"] == "draft" and data["goals"] == [{"number": "1", "name": "Fewer falls"}]
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(filled.replace("type: acute", "type: acutee"), encoding="utf-8")
    assert main(["import", str(wrong), *place, "--slug", "wrong"]) == 1
    err = capsys.readouterr().err
    assert re.search(r"wrong\.yaml:\d+:\d+: provider\.type: 'acutee' is not one of", err), err


def test_an_email_s_listed_attachments_are_saved_beside_the_scheme(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture) -> None:
    library = write_library(tmp_path)
    data = {"provider": {"name": "Fenmouth NHS Trust", "type": "acute"}, "commissioners": ["NHS Fenmouth CCG"],
            "goals": [{"number": "1", "name": "Fewer falls"}],
            "attachments": [{"file": "full-scheme.pdf", "title": "Full scheme"}]}
    book = write_workbook(to_tables(data, {"year": "2019-20", "region": "london", "slug": "fenmouth"}, None), {},
                          [])
    pdf = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
    message = tmp_path / "m.eml"
    message.write_bytes(_email("fenmouth.xlsx", book, ("full-scheme.pdf", pdf), ("logo.png", b"\x89PNG")))
    assert main(["import", str(message), "--schemes", str(library)]) == 0, capsys.readouterr().err
    out = capsys.readouterr()
    assert "logo.png is attached to the message but not listed in the template: not saved" in out.err
    assert (library / "2019-20/london/fenmouth/full-scheme.pdf").read_bytes() == pdf
    assert not (library / "2019-20/london/fenmouth/logo.png").exists()
    assert main(["check", "--schemes", str(library)]) == 0
    disguised = tmp_path / "d.eml"
    disguised.write_bytes(_email("fenmouth.xlsx", book, ("full-scheme.pdf", b"<html><script>x</script></html>")))
    assert main(["import", str(disguised), "--schemes", str(library), "--slug", "fenmouth-two"]) == 1
    assert "Scheme!B26: attachments[0]" in capsys.readouterr().err
    assert not (library / "2019-20/london/fenmouth-two").exists()
    assert not (library / "2019-20/london/fenmouth-two.yaml").exists()


# The format's later fields, each in a scheme of its own and all together: a contract value not recorded, a stated
# CQUIN value, an added date, outcomes (one entry or several) on the scheme, a goal and an indicator, a stepped
# payment scale, a goal's duration.
_GOAL = {"number": "1", "name": "Fewer falls"}
_INDICATOR = {"number": "1.1", "name": "Falls risk assessed"}
_OUTCOMES = [{"period": "Q2", "result": "partly-achieved", "available": 12000, "earned": 6000, "withheld": 6000},
             {"period": "Q4", "result": "not-achieved", "note": "Data late; withheld in full"},
             {"result": "achieved", "earned": 1234.5}]
NEW_FIELDS = {
    "contract value not recorded": {"contract_value": "Not recorded"},
    "cquin value": {"cquin_value": 2000000, "contract_value": "Not recorded"},
    "added": {"added": dt.date(2026, 11, 24)},
    "scheme outcome, one entry": {"outcome": {"result": "achieved", "earned": 633000, "note": "£1.08m budgeted"}},
    "scheme outcomes": {"outcome": _OUTCOMES},
    "goal outcome, one entry": {"goals": [{**_GOAL, "outcome": {"period": "Q4", "note": "Reported as behind"}}]},
    "goal outcomes, more than its rows": {"goals": [{**_GOAL, "outcome": _OUTCOMES,
                                                     "indicators": [_INDICATOR]}, {"number": "2", "name": "Flu"}]},
    "indicator outcome, one entry": {"goals": [{**_GOAL, "indicators": [{**_INDICATOR,
                                                                          "outcome": {"result": "achieved"}}]}]},
    "indicator outcomes beside milestones": {"goals": [{**_GOAL, "outcome": _OUTCOMES[:2], "indicators": [
        {**_INDICATOR, "outcome": _OUTCOMES[:2], "milestones": [{"period": "Q1", "payment": 10},
                                                                  {"period": "Q2", "payment": 20},
                                                                  {"period": "Q3", "payment": 70}]},
        {"number": "1.2", "name": "Falls reviewed", "outcome": _OUTCOMES}]}]},
    "stepped payment scale": {"goals": [{**_GOAL, "indicators": [
        {**_INDICATOR, "payment_scale": {"steps": [{"from": 60, "pay": 50}, {"above": 72.5, "pay": 100}]}},
        {"number": "1.2", "name": "Falls reviewed", "payment_scale": {"min": 60, "max": 80}}]}]},
    "goal duration": {"goals": [{**_GOAL, "duration": 2}, {"number": "2", "name": "Flu", "duration": 10}]},
}
_BASE = {"provider": {"name": "Fenmouth NHS Trust", "type": "acute"}, "commissioners": ["NHS Fenmouth CCG"],
         "goals": [_GOAL]}
NEW_FIELDS["all of them"] = {k: v for case in NEW_FIELDS.values() for k, v in case.items()
                             if k != "goals"} | {"goals": [g for case in NEW_FIELDS.values()
                                                           for g in case.get("goals", [])]}
NEW_FIELDS["all of them"]["goals"] = [
    {**g, "number": str(n + 1)} | ({"indicators": [{**i, "number": f"{n + 1}.{k + 1}"}
                                                   for k, i in enumerate(g["indicators"])]} if "indicators" in g else {})
    for n, g in enumerate(NEW_FIELDS["all of them"]["goals"])]


def _read_back(data: dict, form: str) -> dict:
    """A scheme through the template in one form and back, with no problem or warning on the way."""
    tables = to_tables(data, {"year": "2019-20", "region": "london", "slug": "fenmouth"}, 1.25)
    if form == "csv":
        grids = read_csv(write_csv(tables), "fenmouth")
    else:
        grids = read_workbook(write_workbook(tables, {"Outcome results": ["achieved"]}, ["Instructions"]))
    imported = from_grids(*grids)
    assert imported.problems == [] and imported.warnings == []
    return imported.data


@pytest.mark.parametrize("form", ["xlsx", "csv"])
@pytest.mark.parametrize("case", list(NEW_FIELDS))
def test_each_later_field_of_the_format_round_trips(case: str, form: str) -> None:
    data = {**_BASE, **NEW_FIELDS[case]}
    assert _read_back(data, form) == data
    text = imported_yaml({**data, "status": "draft"}, "x.xlsx")
    assert parse_yaml_text(text)[0] == {**data, "status": "draft"}


def test_every_field_of_the_format_has_a_place_in_the_template() -> None:
    placed = {d.path for d in details()}
    for field in SCHEME.fields:
        if field.name == "outcome":
            assert {("outcome", f.name) for f in OUTCOME_ENTRY.fields} <= placed
        elif field.name not in SKIPPED | {"provider", "contact"}:
            assert (field.name,) in placed, field.name
    assert {("provider", k) for k in ("name", "type", "code")} <= placed
    assert {("contact", k) for k in ("name", "email", "phone")} <= placed
    by_level = {level: {c.path for c in columns() if c.level == level} for level in LEVELS}
    scale = {("payment_scale", f.name) for shape in (SLIDING_SCALE, STEPPED_SCALE) for f in shape.fields}
    for level, shape in (("goal", GOAL), ("indicator", INDICATOR)):
        for field in shape.fields:
            if field.name == "payment_scale":
                assert scale <= by_level[level]
            elif field.name == "baseline" or field.name == "target":
                assert {(field.name, "period"), (field.name, "value")} <= by_level[level]
            elif field.name == "outcome":
                assert {(f.name,) for f in OUTCOME_ENTRY.fields} == by_level[f"{level} outcome"]
            elif field.name not in ("indicators", "milestones"):
                assert (field.name,) in by_level[level], field.name
    milestone = LEVELS["milestone"]
    assert isinstance(milestone, Mapping) and {(f.name,) for f in milestone.fields} == by_level["milestone"]


def test_a_contributor_s_ways_of_writing_the_later_fields_are_read() -> None:
    data = {**_BASE, "goals": [{**_GOAL, "indicators": [_INDICATOR]}]}
    tables = to_tables(data, {}, None)
    index = {c.header: n for n, c in enumerate(columns())}
    tables.goals[1][index["Payment scale: steps (achievement %: % paid)"]] = "From 60%: 50%;\nabove 70 : 100"
    tables.goals[1][index["Indicator outcome result"]] = "Partly achieved"
    tables.goals[1][index["Goal duration (years)"]] = "2"
    row = next(r for r in tables.details if r[0] == "Contract value (£)")
    row[1] = "not recorded"
    imported = from_grids(*read_workbook(write_workbook(tables, {}, [])))
    assert imported.problems == []
    assert imported.data["contract_value"] == "Not recorded"
    goal = imported.data["goals"][0]
    assert goal["duration"] == 2
    assert goal["indicators"][0]["payment_scale"] == {"steps": [{"from": 60, "pay": 50}, {"above": 70, "pay": 100}]}
    assert goal["indicators"][0]["outcome"] == {"result": "partly-achieved"}


def _letter(header: str) -> str:
    """The goals sheet's column letter for a header."""
    return column_letter(next(n for n, c in enumerate(columns()) if c.header == header))


def test_bad_later_fields_are_named_by_their_cells(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    library = write_library(tmp_path)
    data = {**_BASE, "goals": [{**_GOAL, "indicators": [_INDICATOR]}]}
    tables = to_tables(data, {"year": "2019-20", "region": "london", "slug": "fenmouth"}, None)
    index = {c.header: n for n, c in enumerate(columns())}
    tables.goals[1][index["Payment scale: steps (achievement %: % paid)"]] = "from 60: 50; from seventy: 100"
    tables.goals[1][index["Goal outcome result"]] = "won"
    rows = {r[0]: r for r in tables.details}
    rows["Contract value (£)"][1] = "unknown"
    rows["Outcome result"][1] = "nearly"
    contract = next(n for n, r in enumerate(tables.details) if r[0] == "Contract value (£)") + 1
    result = next(n for n, r in enumerate(tables.details) if r[0] == "Outcome result") + 1
    filled = tmp_path / "fenmouth.xlsx"
    filled.write_bytes(write_workbook(tables, {}, []))
    assert main(["import", str(filled), "--schemes", str(library)]) == 1
    err = capsys.readouterr().err
    steps = _letter("Payment scale: steps (achievement %: % paid)")
    assert (f"Goals!{steps}2: payment scale steps: expected steps written 'from 60: 50; from 70: 100' (from or above "
            "an achievement %: the % paid), got 'from seventy: 100'") in err
    assert f"Goals!{_letter('Goal outcome result')}2: goals[0].outcome.result: 'won'" in err
    assert f"Scheme!B{contract}: contract value (£): expected a number or 'Not recorded', got 'unknown'" in err
    assert f"Scheme!B{result}: outcome.result: 'nearly'" in err
    assert not (library / "2019-20/london").exists()


def test_the_later_fields_import_and_pass_check(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    library = write_library(tmp_path)
    data = {**_BASE, **NEW_FIELDS["all of them"], "submitted": dt.date(2026, 11, 20)}
    filled = tmp_path / "fenmouth.xlsx"
    filled.write_bytes(write_workbook(to_tables(data, {"year": "2019-20", "region": "london", "slug": "fenmouth"},
                                                None), {}, []))
    assert main(["import", str(filled), "--schemes", str(library)]) == 0, capsys.readouterr().err
    written = yaml.safe_load((library / "2019-20/london/fenmouth.yaml").read_text(encoding="utf-8"))
    assert written.pop("status") == "draft" and written == data
    assert main(["check", "--schemes", str(library)]) == 0, capsys.readouterr()

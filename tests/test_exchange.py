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
from cquinlib.exchange.template import columns, to_tables
from cquinlib.exchange.xlsx import read_workbook, write_workbook
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
    assert "Scheme!B18: attachments[0]" in capsys.readouterr().err
    assert not (library / "2019-20/london/fenmouth-two").exists()
    assert not (library / "2019-20/london/fenmouth-two.yaml").exists()

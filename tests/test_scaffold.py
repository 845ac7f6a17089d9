"""Scaffolds and checks for editors: `new` writes a skeleton that passes check as written and never overwrites,
the published YAML template comes from the same generator and passes once its required fields are filled,
`new-year` carries the previous year forward, check names the open years and speaks JSON, and the pre-commit hook."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from conftest import REPO, write_library
from cquinlib.commands.cli import main
from cquinlib.exchange.scaffold import scheme_skeleton


def test_new_writes_a_commented_skeleton_that_passes_check(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    library = write_library(tmp_path)
    args = ["new", "--year", "2019-20", "--region", "london", "--slug", "fenmouth-acute", "--schemes", str(library),
            "--content", str(tmp_path / "none")]
    assert main(args + ["--provider", "Fenmouth NHS Trust", "--type", "acute"]) == 0
    target = library / "2019-20/london/fenmouth-acute.yaml"
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=/scheme-format.schema.json\n")
    assert "# code: RXX" in text and "# indicators:" in text and '""' not in text
    data = yaml.safe_load(text)
    assert data["provider"] == {"name": "Fenmouth NHS Trust", "type": "acute"} and data["status"] == "draft"
    assert main(["check", "--schemes", str(library), "--strict"]) == 0
    capsys.readouterr()
    assert main(args) == 1
    assert "already exists and is never overwritten" in capsys.readouterr().err
    assert target.read_text(encoding="utf-8") == text
    assert main(["new", "--year", "2019-20", "--region", "london", "--slug", "bare", "--schemes", str(library)]) == 0
    assert main(["check", "--schemes", str(library), "--strict"]) == 0


def test_new_refuses_a_year_that_is_not_open_and_an_unknown_region(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture) -> None:
    library = write_library(tmp_path)
    assert main(["new", "--year", "2024-25", "--region", "london", "--slug", "x", "--schemes", str(library)]) == 1
    assert "the open years are 2010-11, 2019-20" in capsys.readouterr().err
    assert main(["new", "--year", "2019-20", "--region", "mars", "--slug", "x", "--schemes", str(library)]) == 1
    assert "not a region" in capsys.readouterr().err
    assert main(["new", "--year", "2019-20", "--schemes", str(library)]) == 2


def test_new_names_the_library_schema_at_the_site_address(tmp_path: Path) -> None:
    text = scheme_skeleton("2019-20", "https://library.example.org/cquin/")
    schema = "https://library.example.org/cquin/schema/library.schema.json"
    assert text.startswith(f"# yaml-language-server: $schema={schema}\n")


def test_the_yaml_template_is_the_generator_s_and_passes_once_filled(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture) -> None:
    published = REPO / "content/files/scheme-template.yaml"
    assert main(["new", "--template", "--content", str(REPO / "content")]) == 0
    assert capsys.readouterr().out == published.read_text(encoding="utf-8"), \
        "regenerate it: python build.py new --template > content/files/scheme-template.yaml"
    template = published.read_text(encoding="utf-8")
    library = write_library(tmp_path, schemes={})
    target = library / "2019-20/london/filled.yaml"
    target.parent.mkdir(parents=True)
    target.write_text(template, encoding="utf-8")
    assert main(["check", "--schemes", str(library)]) == 1  # the required fields are still empty
    filled = template.replace('name: ""', 'name: "Fenmouth NHS Trust"', 1).replace('type: ""', "type: acute")
    filled = filled.replace('  - ""', "  - NHS Fenmouth CCG").replace('name: ""', 'name: "Fewer falls"')
    target.write_text(filled, encoding="utf-8")
    assert main(["check", "--schemes", str(library)]) == 0


def test_every_optional_field_of_the_skeleton_uncommented_still_passes(tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture) -> None:
    library = write_library(tmp_path, schemes={})
    text = scheme_skeleton("2019-20", provider="Fenmouth NHS Trust", provider_type="acute")
    lines, in_block = [], False
    for line in text.splitlines():
        key = re.match(r"^(\s*)# ([a-z_]+:(?: .*)?)$", line)
        more = re.match(r"^(\s*)# ((?:  |- ).*)$", line)
        if key and _reads(key.group(2)):
            line, in_block = key.group(1) + key.group(2), True
        elif more and in_block:
            line = more.group(1) + more.group(2)
        else:
            in_block = False
        lines.append(line)
    # "Not recorded" commissioners belong to real schemes only, so the example stays real.
    uncommented = "\n".join(lines).replace("file: full-scheme.pdf", "file: missing.pdf").replace(
        "illustrative: true", "illustrative: false") + "\n"
    data = yaml.safe_load(uncommented)
    assert data["goals"][0]["indicators"][0]["payment_scale"] == {"min": 60, "max": 80}
    assert data["contact"]["email"] == "you@example.org"
    target = library / "2019-20/london/full.yaml"
    target.parent.mkdir(parents=True)
    target.write_text(uncommented.replace("national: vte", "national: flu").replace("[falls]", "[flu]"),
                      encoding="utf-8")
    assert main(["check", "--schemes", str(library), "--format", "json"]) == 1
    problems = json.loads(capsys.readouterr().out)
    assert [p["field"] for p in problems if p["severity"] == "error"] == ["attachments[0].file"], problems


def _reads(line: str) -> bool:
    """Whether a commented line is a key and its value (not a help comment that happens to start with a word
    and a colon)."""
    try:
        return isinstance(yaml.safe_load(line), dict)
    except yaml.YAMLError:
        return False


def test_new_year_carries_the_previous_year_forward(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    library = write_library(tmp_path)
    assert main(["new-year", "2020-21", "--schemes", str(library)]) == 0
    text = (library / "2020-21/_year.yaml").read_text(encoding="utf-8")
    assert "2019-20's" in text and text.count("# ") >= 3
    data = yaml.safe_load(text)
    assert data["cquin_percent"] == 1.25 and data["national_goals"][0]["id"] == "flu"
    assert main(["check", "--schemes", str(library)]) == 0
    capsys.readouterr()
    assert main(["new-year", "2020-21", "--schemes", str(library)]) == 1
    assert "never overwritten" in capsys.readouterr().err
    assert main(["new-year", "2001-02", "--schemes", str(library)]) == 0
    assert yaml.safe_load((library / "2001-02/_year.yaml").read_text(encoding="utf-8")) is None
    assert main(["new-year", "2020-22", "--schemes", str(library)]) == 2
    assert main(["check", "--schemes", str(library)]) == 0


def test_check_names_the_open_years_and_speaks_json(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    library = write_library(tmp_path)
    (library / "2024-25/london").mkdir(parents=True)
    (library / "2010-11/london/example.yaml").write_text(
        (library / "2010-11/london/example.yaml").read_text(encoding="utf-8").replace("domain: safety",
                                                                                      "domain: saftey"),
        encoding="utf-8")
    assert main(["check", "--schemes", str(library), "--format", "json"]) == 1
    problems = json.loads(capsys.readouterr().out)
    assert all(set(p) == {"file", "line", "column", "field", "severity", "message"} for p in problems)
    year = next(p for p in problems if p["field"] == "year")
    assert "the open years are 2010-11, 2019-20; open this one with python build.py new-year 2024-25" in year["message"]
    domain = next(p for p in problems if p["field"] == "goals[0].domain")
    assert domain["file"].endswith("2010-11/london/example.yaml") and domain["line"] > 1 and domain["column"] > 1
    assert domain["severity"] == "error"
    (library / "2024-25/london").rmdir()
    (library / "2024-25").rmdir()
    (library / "2010-11/london/example.yaml").write_text(
        (library / "2010-11/london/example.yaml").read_text(encoding="utf-8").replace("saftey", "safety"),
        encoding="utf-8")
    assert main(["check", "--schemes", str(library), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_the_pre_commit_hook_runs_cquin_check() -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hooks[0]["id"] == "cquin-check" and hooks[0]["entry"] == "cquin check"
    assert hooks[0]["language"] == "python" and hooks[0]["pass_filenames"] is False
    assert ".pre-commit-hooks.yaml" in (REPO / "README.md").read_text(encoding="utf-8")

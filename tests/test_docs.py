"""The documentation matches the code: every format key is documented, the README's commands are real."""

from __future__ import annotations

import re
import tomllib

from conftest import REPO
from cquinlib.commands.cli import make_parser
from cquinlib.format.spec import GOAL, INDICATOR, SCHEME, YEAR_FILE, Mapping


def all_keys(shape: Mapping) -> set[str]:
    """Every key of a mapping shape."""
    return {field.name for field in shape.fields}


def test_format_page_documents_every_key() -> None:
    """content/guidance/format.md names every key a scheme, goal, indicator and year file may have."""
    text = (REPO / "content" / "guidance" / "format.md").read_text(encoding="utf-8")
    missing = sorted(k for shape in (SCHEME, GOAL, INDICATOR, YEAR_FILE) for k in all_keys(shape)
                     if not re.search(rf"\b{k}\b", text))
    assert missing == []


def test_readme_starts_with_install_and_test_commands() -> None:
    """The README's first code block is the two commands CI runs: install-and-build, then the tests."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```sh\n(.*?)```", readme, re.S)
    assert block
    lines = block.group(1).strip().splitlines()
    assert len(lines) == 2
    assert "pip install -e \".[test]\"" in lines[0] and lines[0].endswith("python build.py")
    assert lines[1] == "python -m pytest"
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "python -m pytest" in ci and "pip install" in ci and "-e \".[test]\"" in ci


def test_readme_says_how_the_tests_run_as_pyproject_does() -> None:
    """The README says the tests run on every core and that slow fault tests are marked: pyproject.toml does so,
    pytest-xdist is among the test extras, and the slow marker is declared."""
    readme = " ".join((REPO / "README.md").read_text(encoding="utf-8").split())
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    options = project["tool"]["pytest"]["ini_options"]
    assert "`-n auto` in `pyproject.toml`" in readme and "-n auto" in options["addopts"]
    assert any(extra.startswith("pytest-xdist") for extra in project["project"]["optional-dependencies"]["test"])
    assert "marked `slow`" in readme and any(marker.startswith("slow:") for marker in options["markers"])

def test_readme_lists_every_verb() -> None:
    """Each verb of the command line is documented in the README's table."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    parser = make_parser()
    verbs = next(a for a in parser._actions if a.dest == "verb").choices  # type: ignore[union-attr]
    assert verbs
    for verb in verbs:
        assert f"| `{verb}`" in readme, verb


def test_readme_draws_every_subpackage_and_module() -> None:
    """The README's layout drawing names every subpackage and, on that subpackage's lines, each of its modules."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    drawing = re.search(r"## Code\n.*?```text\n(.*?)```", readme, re.S)
    assert drawing
    blocks: dict[str, str] = {}
    current = ""
    for line in drawing.group(1).splitlines():
        found = re.search(r"\b([a-z]+)/\s", line)
        if found:
            current = found.group(1)
        blocks[current] = blocks.get(current, "") + line + "\n"
    package = REPO / "cquinlib"
    subpackages = sorted(p.name for p in package.iterdir() if (p / "__init__.py").is_file())
    assert sorted(k for k in blocks if k) == subpackages
    missing = [f"{sub}/{m.stem}" for sub in subpackages for m in sorted((package / sub).glob("*.py"))
               if m.stem != "__init__" and not re.search(rf"\b{m.stem}\b", blocks[sub])]
    assert missing == []

"""`python build.py check`: exit codes, the diagnostic line format, --strict, the summary, and no writes."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, SCHEME, LibraryMaker
from cquinlib.commands.cli import main

LINE = re.compile(r"^(?P<path>[^:\n]+):(?P<line>[0-9]+):(?P<column>[0-9]+): (?P<warning>warning: )?"
                  r"(?P<field>[A-Za-z0-9_.\[\]-]+): (?P<message>.+)$")
SUMMARY = re.compile(r"^(?P<errors>[0-9]+) errors?, (?P<warnings>[0-9]+) warnings? in (?P<files>[0-9]+) files?")
EXAMPLE_PATH = "schemes/2010-11/london/example.yaml"


def run_check(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run build.py as a contributor would, from cwd, with `--schemes schemes` unless args say otherwise."""
    words = list(args) if args and args[0] != "--strict" else ["check", "--schemes", "schemes", *args]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([sys.executable, str(REPO / "build.py"), *words], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=60)


def snapshot(root: Path) -> dict[str, tuple[str, int, str]]:
    """Every file and folder under root with its kind, modification time and content hash."""
    found: dict[str, tuple[str, int, str]] = {}
    for path in sorted(root.rglob("*")):
        stat = path.lstat()
        if path.is_symlink():
            found[path.relative_to(root).as_posix()] = ("link", stat.st_mtime_ns, os.readlink(path))
        elif path.is_dir():
            found[path.relative_to(root).as_posix()] = ("dir", stat.st_mtime_ns, "")
        else:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            found[path.relative_to(root).as_posix()] = ("file", stat.st_mtime_ns, digest)
    return found


BAD_DOMAIN = SCHEME.replace("    domain: patient-experience\n", "    domain: saftey\n")
LIGHT_GOAL = SCHEME.replace("    weight: 40\n", "    weight: 30\n")  # goal weights add up to 90: a warning
assert BAD_DOMAIN != SCHEME and LIGHT_GOAL != SCHEME


def test_valid_library_exits_0(make_library: LibraryMaker, tmp_path: Path) -> None:
    make_library()
    result = run_check(tmp_path, "check", "--schemes", "schemes")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.strip() == "checked 1 valid scheme(s) in 2 year(s): no problems"


def test_errors_exit_1_with_one_line_each_and_a_summary(make_library: LibraryMaker, tmp_path: Path) -> None:
    make_library({"2010-11/london/example": BAD_DOMAIN})
    result = run_check(tmp_path, "check", "--schemes", "schemes")
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 2, result.stderr
    match = LINE.match(lines[0])
    assert match, lines[0]
    line_no = BAD_DOMAIN.splitlines().index("    domain: saftey") + 1
    assert match.group("path") == EXAMPLE_PATH
    assert (int(match.group("line")), int(match.group("column"))) == (line_no, len("    domain: ") + 1)
    assert match.group("warning") is None
    assert match.group("field") == "goals[1].domain"
    assert match.group("message").startswith("'saftey' is not one of safety, effectiveness")
    assert lines[1] == "1 error, 0 warnings in 1 file"
    assert result.stdout == ""


def test_every_error_reported_and_counted(make_library: LibraryMaker, tmp_path: Path) -> None:
    two_problems = BAD_DOMAIN.replace("summary: |", "sumary: |")
    make_library({"2010-11/london/aaa": two_problems, "2010-11/london/bbb": SCHEME.replace("type: acute", "type: x")})
    result = run_check(tmp_path, "check", "--schemes", "schemes")
    assert result.returncode == 1
    *lines, last = result.stderr.splitlines()
    matches = [LINE.match(line) for line in lines]
    assert all(matches), result.stderr
    assert [(m.group("path").rsplit("/", 1)[-1], m.group("field")) for m in matches if m] == [
        ("aaa.yaml", "sumary"), ("aaa.yaml", "goals[1].domain"), ("bbb.yaml", "provider.type")]
    assert SUMMARY.match(last) and last == "3 errors, 0 warnings in 2 files"


def test_warning_alone_exits_0_and_is_reported(make_library: LibraryMaker, tmp_path: Path) -> None:
    make_library({"2010-11/london/example": LIGHT_GOAL})
    result = run_check(tmp_path, "check", "--schemes", "schemes")
    assert result.returncode == 0, result.stderr
    (line,) = result.stderr.splitlines()
    match = LINE.match(line)
    assert match and match.group("warning") == "warning: ", line
    assert (match.group("path"), match.group("field")) == (EXAMPLE_PATH, "goals")
    assert match.group("message") == "goal weights add up to 90, not 100"
    assert result.stdout.strip() == "checked 1 valid scheme(s) in 2 year(s): 0 errors, 1 warning in 1 file"


def test_strict_turns_a_warning_into_exit_1(make_library: LibraryMaker, tmp_path: Path) -> None:
    make_library({"2010-11/london/example": LIGHT_GOAL})
    result = run_check(tmp_path, "--strict")
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert LINE.match(lines[0]) and ": warning: goals: " in lines[0]
    assert lines[-1] == "0 errors, 1 warning in 1 file"


def test_strict_on_a_valid_library_exits_0(make_library: LibraryMaker, tmp_path: Path) -> None:
    make_library()
    result = run_check(tmp_path, "--strict")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


@pytest.mark.parametrize("words", [
    ["chekc"],                                       # unknown verb
    ["check", "--bogus"],                            # unknown option
    ["check", "--schemes"],                          # option without its value
    ["check", "--schemes", "schemes", "extra"],      # stray argument
    ["check", "--out", "site"],                      # a build option check does not take
])
def test_usage_errors_exit_2(make_library: LibraryMaker, tmp_path: Path, words: list[str]) -> None:
    make_library()
    before = snapshot(tmp_path)
    result = run_check(tmp_path, *words)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "usage:" in result.stderr
    assert snapshot(tmp_path) == before


def test_missing_schemes_folder_exits_1(tmp_path: Path) -> None:
    result = run_check(tmp_path, "check", "--schemes", "nowhere")
    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == "nowhere:1:1: schemes folder not found"
    assert result.stderr.splitlines()[-1] == "1 error, 0 warnings in 1 file"


@pytest.mark.parametrize("scheme", [SCHEME, BAD_DOMAIN, LIGHT_GOAL])
def test_check_writes_nothing(make_library: LibraryMaker, tmp_path: Path, scheme: str) -> None:
    lib = make_library({"2010-11/london/example": scheme})
    folder = lib / "2010-11" / "london" / "example"
    folder.mkdir()
    (folder / "a.pdf").write_bytes(b"%PDF")
    before = snapshot(tmp_path)
    assert "schemes/_regions.yaml" in before and "schemes/2010-11/london/example/a.pdf" in before
    result = run_check(tmp_path, "check", "--schemes", "schemes")
    assert result.returncode in (0, 1)
    assert snapshot(tmp_path) == before
    assert not (tmp_path / "site").exists()


def test_paths_outside_the_working_directory_are_shown_whole(make_library: LibraryMaker, tmp_path: Path) -> None:
    lib = make_library({"2010-11/london/example": BAD_DOMAIN})
    result = run_check(REPO, "check", "--schemes", str(lib))
    assert result.returncode == 1
    match = LINE.match(result.stderr.splitlines()[0])
    assert match and Path(match.group("path")) == (lib / "2010-11" / "london" / "example.yaml").resolve()


def test_main_in_process(make_library: LibraryMaker, capsys: pytest.CaptureFixture[str]) -> None:
    lib = make_library({"2010-11/london/example": BAD_DOMAIN})
    assert main(["check", "--schemes", str(lib)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert LINE.match(lines[0]) and "goals[1].domain: 'saftey'" in lines[0]
    assert lines[-1] == "1 error, 0 warnings in 1 file"


def test_main_in_process_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["chekc"])
    assert exit_info.value.code == 2
    assert "usage:" in capsys.readouterr().err

"""The installed package is whole: `pip install .` (not only -e) carries every module and template, and the
installed generator builds a site."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from conftest import REPO, write_content, write_library

PACKAGE = REPO / "cquinlib"


def test_wheel_carries_every_module_and_template(tmp_path: Path) -> None:
    """Every .py file of every subpackage, and every file under cquinlib/templates/, is in the wheel: a new
    subpackage or asset cannot silently fall out of it. The wheel, installed alone, builds a library."""
    source = tmp_path / "source"  # setuptools builds in the tree it is given: keep the checkout clean
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, source / name)
    shutil.copytree(PACKAGE, source / "cquinlib", ignore=shutil.ignore_patterns("__pycache__"))
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(source)],
                            capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    wheel = next(tmp_path.glob("cquinlib-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = {p.relative_to(REPO).as_posix() for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts}
    templates = {p.relative_to(REPO).as_posix() for p in (PACKAGE / "templates").rglob("*") if p.is_file()}
    assert len(modules) > 30 and "cquinlib/search/index.py" in modules and "cquinlib/commands/cli.py" in modules
    assert templates and "cquinlib/templates/static/search.js" in templates
    assert modules - names == set() and templates - names == set()
    # Unpacked on its own (no checkout on the path), the package builds a site with its own templates.
    installed = tmp_path / "installed"
    zipfile.ZipFile(wheel).extractall(installed)
    write_library(tmp_path / "lib")
    write_content(tmp_path / "lib")
    lib = tmp_path / "lib"
    run = subprocess.run([sys.executable, "-c", "from cquinlib.commands.cli import main; raise SystemExit(main())",
                          "build", "--schemes", str(lib / "schemes"), "--content", str(lib / "content"),
                          "--out", str(lib / "site"), "--cache", str(lib / ".cache")],
                         capture_output=True, text=True, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(installed)})
    assert run.returncode == 0, run.stderr
    assert (lib / "site" / "index.html").is_file() and (lib / "site" / "static" / "search.js").is_file()

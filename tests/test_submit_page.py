"""The how-to-submit page: the mailbox from site.yaml, the templates the site publishes and the open years, all
generated, around the Markdown that walks a contributor and an editor through both routes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import REPO, YEAR_2019, write_content, write_library
from cquinlib.build.options import BuildOptions, default_templates_dir
from cquinlib.build.pipeline import build_site
from cquinlib.commands.cli import main
from helpers import build, page, snapshot

SUBMIT = "---\ntitle: How to submit a scheme\nnav: 3\n---\nSend it to the mailbox above.\n"


def glance(site: Path) -> dict[str, str]:
    """The at-a-glance box of the submit page, term to text."""
    box = page(site, "/submit/").select_one("section[aria-labelledby=at-a-glance]")
    return {dt.get_text(strip=True): dt.find_next_sibling("dd").get_text(" ", strip=True) for dt in box.select("dt")}


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A small library whose content has a submit page."""
    write_library(tmp_path)
    write_content(tmp_path, {"submit.md": SUBMIT})
    return tmp_path


def test_the_open_years_are_those_with_a_year_file_newest_first(root: Path) -> None:
    """Every year with a _year.yaml is listed, newest first, linked to its page; opening a year lists it."""
    assert build(root) == 0
    box = page(root / "site", "/submit/").select_one("section[aria-labelledby=at-a-glance]")
    years = [(a.get_text(), a["href"]) for a in box.select("dd a[href^='/years/']")]
    assert years == [("2019/20", "/years/2019-20/"), ("2010/11", "/years/2010-11/")]
    (root / "schemes/2024-25").mkdir()
    (root / "schemes/2024-25/_year.yaml").write_text(YEAR_2019, encoding="utf-8")
    assert build(root) == 0
    assert glance(root / "site")["Years open for schemes"].startswith("2024/25")


def test_the_mailbox_is_site_yamls_submit_email_else_its_contact_email(root: Path) -> None:
    """The contact address serves when no submit_email is given; submit_email wins when it is; either is a mailto
    link."""
    assert build(root) == 0
    assert glance(root / "site")["Library mailbox"] == "box@example.org"
    settings = root / "content/site.yaml"
    settings.write_text(settings.read_text() + "submit_email: schemes@example.org\n", encoding="utf-8")
    assert build(root) == 0
    link = page(root / "site", "/submit/").select_one("section a[href^='mailto:']")
    assert (link["href"], link.get_text()) == ("mailto:schemes@example.org", "schemes@example.org")


@pytest.mark.parametrize("address", ["not an address", "a@b.org?subject=x", "<a@b.org>", "a@b"])
def test_a_submit_email_that_is_not_an_address_is_an_error_at_its_line(root: Path, address: str,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """submit_email becomes a mailto: link, so it must be one plain address: anything else stops the build at
    its line, and nothing is written."""
    settings = root / "content/site.yaml"
    settings.write_text(settings.read_text() + f"submit_email: '{address}'\n", encoding="utf-8")
    assert build(root) == 1
    err = capsys.readouterr().err
    assert "site.yaml:5:" in err and "submit_email:" in err and "is not an email address" in err
    assert not (root / "site").exists()


def test_only_the_templates_the_site_publishes_are_offered(root: Path) -> None:
    """A template is linked only where the site publishes it, so the page never links a missing file: the build
    makes the spreadsheet and CSV templates, and the YAML template is offered once content/files holds it."""
    def offered() -> list[tuple[str, str]]:
        """The templates the submit page links, each checked to be in the built site."""
        links = page(root / "site", "/submit/").select("section a[href^='/downloads/'], section a[href$='.yaml']")
        for a in links:
            assert (root / "site" / a["href"].lstrip("/")).is_file(), a["href"]
        return [(a.get_text(), a["href"]) for a in links]
    assert build(root) == 0
    assert offered() == [("Spreadsheet template (Excel)", "/downloads/cquin-scheme-template.xlsx"),
                         ("Spreadsheet template (CSV)", "/downloads/cquin-scheme-template.csv")]
    files = root / "content/files"
    files.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "content/files/scheme-template.yaml", files / "scheme-template.yaml")
    assert build(root) == 0
    assert offered()[-1] == ("YAML template", "/scheme-template.yaml")


def test_opening_a_year_rebuilds_the_submit_page_as_a_clean_build_would(root: Path) -> None:
    """The submit page declares the years it lists: after a new year, the incremental build equals a clean one."""
    def options(out: str, cache: str) -> BuildOptions:
        """Build options under root."""
        return BuildOptions(root / "schemes", root / "content", root / out, default_templates_dir(),
                            cache_dir=root / cache)
    build_site(options("site", ".cache"))
    (root / "schemes/2024-25").mkdir()
    (root / "schemes/2024-25/_year.yaml").write_text(YEAR_2019, encoding="utf-8")
    build_site(options("site", ".cache"))
    build_site(options("clean", "clean-cache"))
    files = {k: v[0] for k, v in snapshot(root / "site").items() if not k.startswith(".")}
    assert files == {k: v[0] for k, v in snapshot(root / "clean").items() if not k.startswith(".")}
    assert b"2024/25" in files["submit/index.html"]


def test_the_bundled_submit_page_walks_both_routes_and_the_editors_steps(tmp_path: Path) -> None:
    """The bundled page names the library's mailbox from site.yaml, its YAML template, every open year of the
    bundled library, both routes, the pre-commit hook, and what an editor does: import, review, publish."""
    out = tmp_path / "site"
    assert main(["build", "--schemes", str(REPO / "schemes"), "--content", str(REPO / "content"), "--out", str(out),
                 "--cache", str(tmp_path / "cache")]) == 0
    facts = glance(out)
    assert facts["Library mailbox"] == "cquin.library@example.org"
    assert "YAML template" in facts["Templates to fill in"]
    open_years = sorted((p.parent.name for p in (REPO / "schemes").glob("*/_year.yaml")), reverse=True)
    shown = [a["href"] for a in page(out, "/submit/").select("section dd a[href^='/years/']")]
    assert shown == [f"/years/{slug}/" for slug in open_years]
    text = page(out, "/submit/").select_one("main").get_text(" ", strip=True)
    for words in ("Route 1: fill in a template and email it", "Route 2: commit the file yourself",
                  ".pre-commit-hooks.yaml", "pre-commit install", "python build.py import FILE", "status: draft",
                  "status: published", "python build.py check --strict", "never published"):
        assert words in text, words
    assert "cquin.library@example.org" not in (REPO / "content/submit.md").read_text(encoding="utf-8")

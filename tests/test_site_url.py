"""site.yaml's `url:` (the published address) gives the sitemap, robots.txt and printed pages absolute addresses."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import write_content, write_library
from cquinlib.commands.cli import main
from helpers import build, page


def with_url(root: Path, url: str) -> None:
    """Write a small library whose site.yaml names the published address."""
    write_library(root)
    content = write_content(root)
    settings = content / "site.yaml"
    kept = [line for line in settings.read_text(encoding="utf-8").splitlines(keepends=True) if not line.startswith("url:")]
    settings.write_text("".join(kept) + f"url: {url}\n", encoding="utf-8")


def test_url_makes_sitemap_robots_and_print_address_absolute(tmp_path: Path) -> None:
    """With url: and a sub-path, every address is the published one, sub-path included, once."""
    with_url(tmp_path, "https://cquin.example.org/library/")
    assert build(tmp_path, "--base-url", "/library/") == 0
    site = tmp_path / "site"
    sitemap = (site / "sitemap.xml").read_text(encoding="utf-8")
    assert "<loc>https://cquin.example.org/library/schemes/2010-11/london/example/</loc>" in sitemap
    assert "Sitemap: https://cquin.example.org/library/sitemap.xml" in (site / "robots.txt").read_text()
    address = page(site, "/schemes/2010-11/london/example/").select_one(".print-address").get_text()
    assert address.endswith(": https://cquin.example.org/library/schemes/2010-11/london/example/")


def test_a_relative_url_is_an_error_at_its_line(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """url: must be absolute: a path is refused with the line and what to write."""
    with_url(tmp_path, "/cquin/")
    assert main(["build", "--schemes", str(tmp_path / "schemes"), "--content", str(tmp_path / "content"),
                 "--out", str(tmp_path / "site")]) == 1
    err = capsys.readouterr().err
    assert "site.yaml:4:" in err and "url: '/cquin/' is not an absolute address" in err


def test_404_page_has_the_search_box(tmp_path: Path) -> None:
    """The page-not-found page offers a labelled search box that submits to /search/."""
    write_library(tmp_path)
    write_content(tmp_path)
    assert build(tmp_path) == 0
    form = page(tmp_path / "site", "/404.html").select_one("form[role=search]")
    assert form["action"] == "/search/" and form.select_one("input[name=q]")["id"] == form.label["for"]


def test_without_the_published_address_no_sitemap_is_written_and_the_build_says_so(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The sitemap protocol takes absolute addresses: with no url: in site.yaml (and no --base-url naming a host)
    the build writes no sitemap, robots.txt and the footer do not point at one, and one notice says why."""
    write_library(tmp_path)
    write_content(tmp_path)
    site_yaml = tmp_path / "content/site.yaml"
    site_yaml.write_text("".join(line for line in site_yaml.read_text().splitlines(keepends=True)
                                 if not line.startswith("url:")), encoding="utf-8")
    assert build(tmp_path) == 0
    err = capsys.readouterr().err
    assert err.count("gives no url:") == 1 and "no sitemap.xml was written" in err
    site = tmp_path / "site"
    assert not (site / "sitemap.xml").exists()
    assert "Sitemap" not in (site / "robots.txt").read_text()
    assert "sitemap.xml" not in (site / "index.html").read_text()
    assert build(tmp_path, "--base-url", "https://example.org/cquin/") == 0
    assert "<loc>https://example.org/cquin/" in (site / "sitemap.xml").read_text()

"""Hostile input cannot run script; private contacts never leave the sources; failed builds change nothing."""

from __future__ import annotations

from pathlib import Path

from bs4 import BeautifulSoup

from conftest import SCHEME, TOPICS, write_content, write_library
from helpers import build, failed_build_with_template, page, snapshot

HOSTILE = [
    "<script>alert('x')</script>",
    "<img src=x onerror=\"alert('x')\">",
    "[click](javascript:alert('x'))",
    "<a href=\"javascript:alert('x')\">link</a>",
    "<iframe src=\"https://evil.example/\"></iframe>",
    "<svg onload=\"alert('x')\"></svg>",
    "<div onmouseover=\"alert('x')\">hover</div>",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<style>body{display:none}</style>",
    "<object data=\"x.swf\"></object>",
]


def hostile_scheme() -> str:
    """A scheme whose Markdown and plain-text fields are all attacks."""
    attack = " ".join(HOSTILE).replace('"', '\\"')
    short = " ".join(HOSTILE[:4]).replace('"', '\\"')  # names may be at most 200 characters
    return (SCHEME.replace("title: Example acute scheme 2010/11", f'title: "{short}"')
            .replace("  A *worked* example.", "  " + attack)
            .replace("        name: Adult inpatients risk-assessed for VTE",
                     f'        name: "{short}"\n        description: "{attack}"\n        numerator: "{attack}"')
            .replace("    name: Fewer falls", f'    name: "{short}"\n    description: "{attack}"'))


CHART_TAGS = {"title", "desc", "text", "rect", "line"}
CHART_ATTRIBUTES = {"class", "role", "viewbox", "viewBox", "aria-labelledby", "aria-describedby", "id", "x", "y",
                    "width", "height", "x1", "y1", "x2", "y2", "transform"}


def assert_no_script(site: Path) -> None:
    """No page of the site carries script, event handlers, javascript: or data: links, or active tags."""
    for html in site.rglob("*.html"):
        soup = BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser")
        for own in soup.find_all("script", src=("/static/stem.js", "/static/search.js", "/static/calculator.js", "/static/compare.js", "/static/sort.js",
                                                 "/static/filter.js")):
            if not own.contents:  # the site's own scripts, from its own static folder, are allowed
                own.decompose()
        for chart in soup.find_all("svg", class_="chart"):  # the site's own charts: shapes and text, nothing else
            assert {t.name for t in chart.find_all(True)} <= CHART_TAGS, (html, chart)
            assert {a for t in [chart, *chart.find_all(True)] for a in t.attrs} <= CHART_ATTRIBUTES, (html, chart)
            chart.decompose()
        assert not soup.find_all(["script", "iframe", "object", "embed", "style", "svg"]), html
        for tag in soup.find_all(True):
            for name, value in tag.attrs.items():
                assert not name.lower().startswith("on"), (html, tag)
                if name in ("href", "src"):
                    assert not str(value).strip().lower().startswith(("javascript:", "data:")), (html, tag)


def test_hostile_markdown_and_text_cannot_run_script(tmp_path: Path) -> None:
    """Attacks in Markdown fields are stripped; in plain-text fields they show as text."""
    topics = TOPICS + 'evil:\n  name: "<script>alert(1)</script>"\n  description: "<img src=x onerror=alert(1)>"\n'
    write_library(tmp_path, {"2010-11/london/example": hostile_scheme()}, topics=topics)
    write_content(tmp_path, {"about.md": "---\ntitle: About\n---\n" + "\n\n".join(HOSTILE) + "\n"})
    assert build(tmp_path) == 0
    site = tmp_path / "site"
    assert_no_script(site)
    soup = page(site, "/schemes/2010-11/london/example/")
    assert "<script>alert('x')</script>" in soup.h1.get_text()


def test_contact_details_never_published(tmp_path: Path) -> None:
    """The private contact's name and email appear in no output file."""
    write_library(tmp_path)
    write_content(tmp_path)
    assert build(tmp_path) == 0
    for path in (tmp_path / "site").rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert b"private.person" not in data and b"Private Person" not in data, path


def test_failed_build_leaves_previous_output_byte_identical(tmp_path: Path) -> None:
    """A library with an error changes nothing in the existing site, not even modification times."""
    lib = write_library(tmp_path)
    write_content(tmp_path)
    assert build(tmp_path) == 0
    before = snapshot(tmp_path / "site")
    (lib / "2010-11" / "london" / "example.yaml").write_text(SCHEME.replace("domain: safety", "domain: saftey"))
    (lib / "2010-11" / "london" / "new.yaml").write_text(SCHEME)
    assert build(tmp_path) == 1
    assert snapshot(tmp_path / "site") == before


def test_template_error_leaves_output_untouched_and_names_template(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """A template typo fails loudly (StrictUndefined), names the template and line, and writes nothing."""
    write_library(tmp_path)
    write_content(tmp_path)
    assert build(tmp_path) == 0
    before = snapshot(tmp_path / "site")
    failure = failed_build_with_template(tmp_path, "scheme.html", "{{ scheme.title }}</h1>", "{{ scheme.titel }}</h1>")
    message = failure.diagnostics[0].format()
    assert "scheme.html" in message and "titel" in message
    assert snapshot(tmp_path / "site") == before


def test_successful_build_removes_pages_of_gone_schemes(tmp_path: Path) -> None:
    """Deleting a scheme removes its page and its empty folders; other files keep their bytes."""
    lib = write_library(tmp_path, {"2010-11/london/example": SCHEME, "2010-11/london/second": SCHEME})
    write_content(tmp_path)
    assert build(tmp_path) == 0
    site = tmp_path / "site"
    assert (site / "schemes/2010-11/london/second/index.html").is_file()
    (lib / "2010-11" / "london" / "second.yaml").unlink()
    assert build(tmp_path) == 0
    assert not (site / "schemes/2010-11/london/second").exists()
    assert (site / "schemes/2010-11/london/example/index.html").is_file()
    assert not list(site.glob(".cquin-staging*"))


def test_files_outside_the_output_are_never_written(tmp_path: Path) -> None:
    """Building writes only inside --out: the sources are unchanged afterwards."""
    write_library(tmp_path)
    write_content(tmp_path)
    sources = {name: snapshot(tmp_path / name) for name in ("schemes", "content")}
    assert build(tmp_path) == 0
    assert {name: snapshot(tmp_path / name) for name in ("schemes", "content")} == sources
    # The site's hidden next copy (site.commit) sits beside it: the one other folder a build writes.
    assert sorted(p.name for p in tmp_path.iterdir()) == [".cache", ".site.cquin-next", "content", "schemes", "site"]


def test_attachments_published_with_size(tmp_path: Path) -> None:
    """An attachment is copied beside its scheme's page and listed with its size."""
    scheme = SCHEME + "attachments:\n  - {file: template.csv, title: Indicator template}\n"
    lib = write_library(tmp_path, {"2010-11/london/example": scheme})
    folder = lib / "2010-11" / "london" / "example"
    folder.mkdir()
    (folder / "template.csv").write_text("a,b\n1,2\n")
    write_content(tmp_path)
    assert build(tmp_path) == 0
    site = tmp_path / "site"
    assert (site / "schemes/2010-11/london/example/template.csv").read_text() == "a,b\n1,2\n"
    item = page(site, "/schemes/2010-11/london/example/").select_one(".attachments li")
    assert item.a["href"] == "/schemes/2010-11/london/example/template.csv"
    assert "CSV, 8 Bytes" in item.get_text()


def test_content_page_clashing_with_generated_page_is_an_error(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """content/years.md would overwrite /years/: two sources for one page is an error naming the file."""
    write_library(tmp_path)
    write_content(tmp_path, {"years.md": "---\ntitle: Years\n---\nx\n"})
    assert build(tmp_path) == 1
    err = capsys.readouterr().err
    assert "years.md:1:1: url: /years/ is also produced by" in err
    assert not (tmp_path / "site").exists()

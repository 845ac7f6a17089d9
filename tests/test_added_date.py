"""The format's optional `added` date: when the library published a scheme, in place of a submitted date no one
gave for schemes the editors compiled themselves."""

from __future__ import annotations

from pathlib import Path

import yaml

from conftest import REPO, SCHEME, LibraryMaker, write_content, write_library
from cquinlib.core.diagnostics import Severity
from cquinlib.library.validate import load_library
from helpers import build, page

REAL = ("2012-13/south-east-coast-sha/medway-acute", "2018-19/midlands-and-east/cambridgeshire-community-services",
        "2019-20/east-of-england/cambridgeshire-community-services-luton",
        "2023-24/north-east-and-yorkshire/humber-teaching")


def diagnostics_of(make_library: LibraryMaker, text: str) -> list[str]:
    """Every diagnostic of a library holding this one scheme, as severity, line, column, field and message."""
    _, diagnostics = load_library(make_library({"2010-11/london/example": text}))
    return [f"{d.severity.name} {d.line}:{d.column} {d.field}: {d.message}" for d in diagnostics]


def test_an_added_date_stands_in_for_submitted(make_library: LibraryMaker) -> None:
    """A published scheme that gives added but no submitted date raises no warning; one with neither is warned
    about, and the warning names both dates."""
    assert diagnostics_of(make_library, SCHEME.replace("submitted: 2010-06-14\n", "added: 2026-11-24\n")) == []
    found = diagnostics_of(make_library, SCHEME.replace("submitted: 2010-06-14\n", ""))
    assert len(found) == 1 and found[0].startswith("WARNING 1:1 submitted:")
    assert "submitted date" in found[0] and "added" in found[0]


def test_an_added_date_that_is_not_a_date_is_an_error_at_its_line(make_library: LibraryMaker) -> None:
    """added is a date like the others: text is refused where it is written."""
    text = SCHEME.replace("submitted: 2010-06-14\n", "submitted: 2010-06-14\nadded: last week\n")
    line = text.splitlines().index("added: last week") + 1
    found = [d for d in diagnostics_of(make_library, text) if d.startswith("ERROR")]
    assert len(found) == 1 and found[0].startswith(f"ERROR {line}:8 added:"), found


def test_the_scheme_page_and_sitemap_give_the_added_date(tmp_path: Path) -> None:
    """The scheme's page says when the library added it, and the sitemap dates the page from its news."""
    write_library(tmp_path, {"2010-11/london/example": SCHEME.replace("submitted: 2010-06-14\n",
                                                                      "submitted: 2010-06-14\nadded: 2026-11-24\n")})
    write_content(tmp_path)
    assert build(tmp_path) == 0
    facts = page(tmp_path / "site", "/schemes/2010-11/london/example/").select_one("dl")
    term = next(dt for dt in facts.select("dt") if dt.get_text() == "Added to the library")
    assert term.find_next_sibling("dd").time["datetime"] == "2026-11-24"
    sitemap = (tmp_path / "site/sitemap.xml").read_text(encoding="utf-8")
    assert ("<loc>https://library.example.org/schemes/2010-11/london/example/</loc><lastmod>2026-11-24</lastmod>"
            in sitemap)


def test_the_real_bundled_schemes_give_the_librarys_date_not_an_invented_submitted_one() -> None:
    """The four real schemes were compiled by the library from public pages: they give the day the library added
    them, and no submitted date, since no one submitted them; and the bundled library stays free of warnings."""
    for scheme_id in REAL:
        data = yaml.safe_load((REPO / "schemes" / f"{scheme_id}.yaml").read_text(encoding="utf-8"))
        assert data["illustrative"] is False and "submitted" not in data and "added" in data, scheme_id
    _, diagnostics = load_library(REPO / "schemes")
    assert [d.format() for d in diagnostics if d.severity in (Severity.WARNING, Severity.ERROR)] == []

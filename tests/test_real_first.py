"""Real schemes come before worked examples wherever a listing would otherwise rank them alike."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import SCHEME, write_content, write_library
from helpers import build, page


def _scheme(title: str, illustrative: bool) -> str:
    """The conftest scheme with its own title, real or illustrative, submitted on the same day as the others."""
    text = SCHEME.replace("title: Example acute scheme 2010/11", f"title: {title}")
    return text.replace("submitted: 2010-06-14", f"submitted: 2010-06-14\nillustrative: {str(illustrative).lower()}")


def test_real_schemes_are_listed_first_on_the_year_page_the_home_page_and_a_topic(tmp_path: Path) -> None:
    # An illustrative scheme whose title and slug sort first, and a real one: otherwise alike.
    write_library(tmp_path, {"2010-11/london/aaa-example": _scheme("Aardvark example", True),
                             "2010-11/london/zzz-real": _scheme("Zebra real scheme", False)})
    write_content(tmp_path)
    assert build(tmp_path, "--strict") == 0
    site = tmp_path / "site"

    def order(url: str, selector: str) -> list[str]:
        """The scheme links of a part of a page, in order."""
        return [a["href"].split("#")[0] for a in page(site, url).select(selector)
                if re.search(r"/schemes/2010-11/", a["href"])]

    real, example = "/schemes/2010-11/london/zzz-real/", "/schemes/2010-11/london/aaa-example/"
    assert order("/years/2010-11/", "main table.schemes a[href]")[:2] == [real, example]
    assert order("/", "main ul.scheme-list a[href]")[:2] == [real, example]
    topic = order("/goals/vte/", "main table a[href]")
    assert topic.index(real) < topic.index(example)

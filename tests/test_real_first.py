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


def test_search_ranks_a_real_scheme_before_an_equal_worked_example_in_both_engines(tmp_path: Path, browser: object) -> None:
    """Two schemes alike but for their (equally long) titles and the illustrative flag: the command line and the
    search page both put the real one first, for a word query and for a field-only query, whichever slot order
    their ids hash to."""
    import contextlib
    import io
    import json

    from cquinlib.commands.cli import main
    from test_search_browser import serve
    # The real scheme's id sorts first and its slot (a hash of the id) comes between the others', so neither the
    # id order nor the slot order alone would put it first.
    write_library(tmp_path, {"2010-11/london/aaa-real": _scheme("Aardvark real", False),
                             "2010-11/london/zzz-example": _scheme("Zebra example", True),
                             "2010-11/london/mmm-example": _scheme("Marmot example", True)})
    write_content(tmp_path)
    assert build(tmp_path) == 0
    for query in ("falls", "year:2010-11"):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            assert main(["search", "--schemes", str(tmp_path / "schemes"), "--cache", str(tmp_path / ".cache"),
                         "--json", "--", query]) == 0
        ranked = [row["id"] for row in json.loads(out.getvalue())]
        assert len(ranked) == 3 and ranked[0] == "2010-11/london/aaa-real", (query, ranked)
    for url in serve(tmp_path / "site"):
        tab = browser.new_page()  # type: ignore[attr-defined]
        try:
            for query in ("falls", "year:2010-11"):
                tab.goto(url + "search/?q=" + query.replace(":", "%3A"))
                tab.wait_for_selector("#search-results li")
                first = tab.locator("#search-results li").first.inner_text()
                assert first.startswith("Aardvark real"), (query, first)
        finally:
            tab.close()

"""Every listing can be narrowed to real schemes: a link to the page of real schemes without JavaScript, and with it
a switch that hides the worked examples' rows, remembered in the address."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest

from conftest import SCHEME, write_content, write_library
from helpers import build, page
from test_search_browser import serve


def _scheme(title: str, illustrative: bool) -> str:
    """The conftest scheme under its own title, real or a worked example."""
    text = SCHEME.replace("title: Example acute scheme 2010/11", f"title: {title}")
    return text.replace("submitted: 2010-06-14", f"submitted: 2010-06-14\nillustrative: {str(illustrative).lower()}")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two real schemes and one worked example in London 2010/11, and a year with only a worked example."""
    root = tmp_path_factory.mktemp("real-only")
    write_library(root, {"2010-11/london/real-one": _scheme("Real one", False),
                         "2010-11/london/real-two": _scheme("Real two", False),
                         "2010-11/london/example": _scheme("Worked example", True)})
    write_content(root)
    assert build(root, "--strict") == 0
    return root / "site"


def test_the_real_page_lists_only_real_schemes_and_listings_link_to_it(site: Path) -> None:
    real = page(site, "/real/")
    assert [a.get_text() for a in real.select("table.schemes tbody td:first-child > a")] == ["Real one", "Real two"]
    assert "2 real schemes" in real.find("main").get_text()
    for url in ("/years/2010-11/", "/regions/london/", "/types/acute/"):
        soup = page(site, url)
        switch = soup.select_one("p.real-filter")
        assert switch.a["href"] == "/real/", url
        assert "2 of the 3 schemes here are real" in switch.get_text(), url
        marked = [tr.find("a").get_text() for tr in soup.select("tr[data-illustrative]")]
        assert marked == ["Worked example"], url
    home = page(site, "/")
    assert home.find(id="holdings").find("a", href="/real/").get_text() == "2 real schemes"


def test_a_listing_of_one_kind_offers_no_switch(tmp_path: Path) -> None:
    write_library(tmp_path, {"2010-11/london/real-one": _scheme("Real one", False)})
    write_content(tmp_path)
    assert build(tmp_path) == 0
    assert page(tmp_path / "site", "/years/2010-11/").select_one("p.real-filter") is None


@pytest.fixture(scope="module")
def site_url(site: Path) -> Iterator[str]:
    """The built library, served."""
    yield from serve(site)


def test_the_switch_hides_worked_examples_and_keeps_the_choice_in_the_address(browser: Any, site_url: str) -> None:
    tab = browser.new_page(viewport={"width": 320, "height": 800})
    try:
        tab.goto(site_url + "years/2010-11/")
        switch = tab.get_by_label("Real schemes only")
        assert not switch.is_checked() and tab.get_by_role("link", name="Worked example").is_visible()
        switch.check()
        assert not tab.get_by_role("link", name="Worked example").is_visible()
        assert tab.get_by_role("link", name="Real two").is_visible()
        assert tab.url.endswith("/years/2010-11/?real=1")
        assert tab.get_by_role("status").inner_text() == "Worked examples are hidden."
        tab.reload()
        assert tab.get_by_label("Real schemes only").is_checked()
        assert not tab.get_by_role("link", name="Worked example").is_visible()
        tab.get_by_label("Real schemes only").uncheck()
        assert tab.get_by_role("link", name="Worked example").is_visible()
        assert tab.url.endswith("/years/2010-11/")
    finally:
        tab.close()


def test_the_staff_flu_topic_shows_the_national_thresholds_of_every_year_from_the_year_files(tmp_path: Path) -> None:
    """The bundled library's flu topic lists each national goal under it, 2016/17 to 2024/25, with the target and
    payment steps or scale its year file gives."""
    import yaml

    from cquinlib.commands.cli import main
    repo = Path(__file__).resolve().parent.parent
    assert main(["build", "--schemes", str(repo / "schemes"), "--content", str(repo / "content"),
                 "--out", str(tmp_path / "site"), "--cache", str(tmp_path / ".cache")]) == 0
    expected = []
    for year_file in sorted((repo / "schemes").glob("*/_year.yaml")):
        data = yaml.safe_load(year_file.read_text(encoding="utf-8"))
        for goal in data.get("national_goals") or []:
            if "flu-vaccination" in (goal.get("topics") or []):
                expected.append((data["label"], goal["name"], goal.get("target") or "not given", goal.get("payment_scale")))
    assert {label for label, *_ in expected} >= {"2016/17", "2017/18", "2018/19", "2019/20", "2023/24", "2024/25"}
    rows = [[c.get_text(" ", strip=True) for c in tr.find_all(["th", "td"])]
            for tr in page(tmp_path / "site", "/goals/flu-vaccination/").select("table.national-settings tbody tr")]
    assert [(r[0], r[1], r[2]) for r in rows] == [(label, name, target) for label, name, target, _ in expected]
    for row, (_, _, _, scale) in zip(rows, expected):
        if scale and "steps" in scale:
            words = "; ".join(f"{'from' if 'from' in s else 'above'} {s.get('from', s.get('above')):g}%: {s['pay']:g}%"
                              for s in scale["steps"])
            assert row[3].startswith("steps: " + words), row
        elif scale:
            assert row[3].startswith(f"{scale['min']:g}% to {scale['max']:g}%"), row


def test_a_national_goal_page_gives_its_payment_rule_note_and_source(tmp_path: Path) -> None:
    """A national goal's own page shows what its year file says of payment: the steps, the note, the source."""
    import yaml

    from cquinlib.commands.cli import main
    repo = Path(__file__).resolve().parent.parent
    assert main(["build", "--schemes", str(repo / "schemes"), "--content", str(repo / "content"),
                 "--out", str(tmp_path / "site"), "--cache", str(tmp_path / ".cache")]) == 0
    year = yaml.safe_load((repo / "schemes/2017-18/_year.yaml").read_text(encoding="utf-8"))
    goal = next(g for g in year["national_goals"] if g["id"] == "staff-flu")
    soup = page(tmp_path / "site", "/national-goals/2017-18/staff-flu/")
    shares = [td.get_text(strip=True) for td in soup.select("table.payment-steps td.num")]
    assert shares == ["Nothing"] + [f"{s['pay']:g}%" for s in goal["payment_scale"]["steps"]]
    facts = {dt.get_text(): dt.find_next_sibling("dd") for dt in soup.select("dl.facts dt")}
    assert facts["Source"].a["href"] == goal["source"]
    if goal.get("note"):
        assert facts["Note"].get_text() == goal["note"]

"""Distinct names stay distinct: provider pages, fragment ids and the links to them, on every page of a site."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from conftest import REPO, SCHEME, write_content, write_library
from cquinlib.commands.cli import main
from cquinlib.library.urls import fragment, name_slug
from helpers import broken_links, build, page


def duplicate_ids(site: Path) -> dict[str, list[str]]:
    """Per page (relative path), the ids that appear on it more than once."""
    found = {}
    for html in sorted(site.rglob("*.html")):
        counts = Counter(tag["id"] for tag in BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser")
                         .find_all(id=True))
        twice = sorted(i for i, n in counts.items() if n > 1)
        if twice:
            found[html.relative_to(site).as_posix()] = twice
    return found


def scheme(provider: str, goals: list[tuple[str, str, list[str]]]) -> str:
    """A scheme's YAML from a provider name and (goal number, goal name, indicator numbers) triples."""
    lines = ["title: A scheme", "provider:", f"  name: {json.dumps(provider, ensure_ascii=False)}", "  type: acute",
             "commissioners: [NHS Example]", "submitted: 2010-06-14", "summary: A summary.", "goals:"]
    for number, name, indicators in goals:
        lines += [f'  - number: "{number}"', f'    name: "{name}"', "    domain: safety", "    topics: [falls]"]
        if indicators:
            lines.append("    indicators:")
            lines += [f'      - {{number: "{i}", name: "Indicator {i}"}}' for i in indicators]
    return "\n".join(lines) + "\n"


HOSTILE = {
    # Goal and indicator numbers that one slug would merge: A/a, 1.1/1-1/1 1.
    "2010-11/london/numbers": scheme("Numbers Trust", [("A", "Alpha", ["1.1", "1-1", "1 1"]),
                                                       ("a", "Lower alpha", ["A.1"]), ("1.1", "Dotted", []),
                                                       ("1-1", "Hyphenated", [])]),
    # Providers whose names transliterate alike, or not at all, and two spellings of one provider.
    "2010-11/london/japan": scheme("日本 Trust", [("1", "日本の目標", [])]),
    "2010-11/london/china": scheme("中国 Trust", [("1", "中国の目標", [])]),
    "2010-11/london/cafe-accent": scheme("Café Trust", [("1", "Don't fall", [])]),
    "2010-11/london/cafe-plain": scheme("Cafe Trust", [("1", "Dont fall", [])]),
    "2010-11/london/mary-straight": scheme("St Mary's Trust", [("1", "Fewer falls", [])]),
    "2010-11/london/mary-curly": scheme("St Mary’s Trust", [("1", "Fewer falls", [])]),
}


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A library of names built to collide, built."""
    root = tmp_path_factory.mktemp("ids")
    write_content(root)
    write_library(root, {"2010-11/london/example": SCHEME, **HOSTILE})
    assert build(root) == 0
    return root / "site"


def test_every_page_of_the_bundled_site_has_unique_ids(tmp_path: Path) -> None:
    """A crawl of every page of the bundled site finds no id twice on a page."""
    out = tmp_path / "site"
    assert main(["build", "--schemes", str(REPO / "schemes"), "--content", str(REPO / "content"),
                 "--out", str(out), "--cache", str(tmp_path / "cache")]) == 0
    assert len(list(out.rglob("*.html"))) > 100
    assert duplicate_ids(out) == {}


def test_names_built_to_collide_give_unique_ids_and_links_that_land(hostile_site: Path) -> None:
    """Goal numbers A and a, 1.1 and 1-1, and goal names alike but for an accent or a script give distinct ids,
    and every fragment link (the scheme's contents, the topic pages' links to goals) lands on its own heading."""
    assert duplicate_ids(hostile_site) == {}
    assert broken_links(hostile_site) == []
    numbers = page(hostile_site, "/schemes/2010-11/london/numbers/")
    headings = {h["id"]: h.get_text(" ", strip=True) for h in numbers.select("h3[id], h4[id]")}
    assert headings["goal-A"] == "Goal A: Alpha" and headings["goal-a"] == "Goal a: Lower alpha"
    assert headings["goal-1.1"] == "Goal 1.1: Dotted" and headings["goal-1-1"] == "Goal 1-1: Hyphenated"
    assert {"indicator-1.1", "indicator-1-1", "indicator-1_20_1"} <= set(headings)
    falls = page(hostile_site, "/goals/falls/")
    anchors = [h["id"] for h in falls.select("table.compare th[id]")]
    assert len(anchors) == len(set(anchors)) and len(anchors) >= 8  # each spelling its own entry


def test_provider_names_in_other_scripts_get_their_own_pages(hostile_site: Path) -> None:
    """'日本 Trust' and '中国 Trust' (and 'Café Trust' and 'Cafe Trust') each get a page of their own, readable
    where the script allows; "St Mary's" and "St Mary’s" are one provider with one page."""
    listing = page(hostile_site, "/providers/")
    links = {a.get_text(strip=True): a["href"] for a in listing.select("main a") if "/providers/" in a["href"]}
    for name in ("日本 Trust", "中国 Trust", "Café Trust", "Cafe Trust"):
        assert name in links, name
        provider = page(hostile_site, links[name])
        assert provider.find("h1").get_text(strip=True) == name
    assert len({links[n] for n in ("日本 Trust", "中国 Trust", "Café Trust", "Cafe Trust")}) == 4
    assert links["日本 Trust"].startswith("/providers/riben-trust-")
    assert links["Cafe Trust"] == "/providers/cafe-trust/"
    marys = [n for n in links if n.startswith("St Mary")]
    assert len(marys) == 1
    assert len(page(hostile_site, links[marys[0]]).select("main h2")) == 2  # both schemes on the one page


@pytest.mark.parametrize("a, b", [("日本 Trust", "中国 Trust"), ("Café", "Cafe"), ("Ölwerk", "Olwerk"),
                                  ("Trust ①", "Trust 1x")])
def test_name_slugs_never_merge_different_names(a: str, b: str) -> None:
    """Different names never share a slug; the same name spelt with other punctuation or case does."""
    assert name_slug(a) != name_slug(b)
    assert name_slug("St Mary's NHS Trust") == name_slug("st mary’s nhs  trust") == "st-marys-nhs-trust"


def test_a_long_name_in_another_script_gives_a_short_slug() -> None:
    """200 characters of CJK transliterate to about 1,000: the slug is cut, and stays distinct by its digest."""
    a, b = "日本" * 100, "日本" * 99 + "中国"
    assert len(name_slug(a)) <= 90 and name_slug(a) != name_slug(b)


def test_fragments_are_distinct_for_distinct_values() -> None:
    """fragment() keeps plain numbers readable and never gives two values one id."""
    values = ["1", "1.1", "1-1", "1 1", "1_1", "A", "a", "1_20_1", "é", "e", ""]
    assert len({fragment(v) for v in values}) == len(values)
    assert fragment("1.1") == "1.1" and fragment("A") == "A" and fragment("1 1") == "1_20_1"

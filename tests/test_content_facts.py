"""The bundled content is true and sourced: the fact-check table cites real lines, no unconfirmed item is stated,
illustrative schemes name only invented organisations, and every real scheme links to its source's entry."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from conftest import SCHEME, LibraryMaker, write_content
from helpers import build, page
from cquinlib.commands.cli import main

REPO = Path(__file__).resolve().parent.parent
FACTS = Path("/work/shared/cquin-facts.md")
FACT_CHECK = REPO / "docs" / "fact-check.md"
ROW = re.compile(r"^\| (\d+) \| `([^`]+)` \| (.+?) \| (\d+) \| `(.+)` \|$")
# Phrases that stated an unconfirmed item, or oversimplified CQUIN, before the fact check; none may come back.
REMOVED = ("composite of five", "responsiveness to inpatients", "stayed at 2.5", "straight line", "straight-line",
           "for the goals it achieves", "every provider of", "organisations share the schemes",
           "shared by the organisations that agreed them", "thresholds shown are the national ones")
# Real organisations an illustrative scheme must not name (the real schemes may, as their own provider).
REAL_ORGANISATIONS = ("NHS England", "London Specialised Commissioning Group",
                      "South Central Specialised Commissioning Group", "NHS Luton", "NHS Bedfordshire", "5P2",
                      "Cambridgeshire", "Humber", "Medway", "Luton", "Colchester", "Rotherham", "Nottingham",
                      "Royal Free", "Cumbria", "Avon", "Wiltshire", "Alder Hey", "St George", "Barnet", "Liverpool")


def _rows() -> list[tuple[int, str, str, int, str]]:
    """The fact-check table's rows: number, file, claim, facts line, quoted words."""
    rows = []
    for line in FACT_CHECK.read_text(encoding="utf-8").splitlines():
        match = ROW.match(line)
        if match:
            number, where, claim, cited, quote = match.groups()
            rows.append((int(number), where, claim, int(cited), quote.replace("\\|", "|")))
    return rows


def _schemes() -> list[tuple[Path, dict]]:
    """Every bundled scheme file with its data."""
    return [(p, yaml.safe_load(p.read_text(encoding="utf-8")))
            for p in sorted((REPO / "schemes").glob("*/*/*.yaml"))]


def _bundled_facts_text() -> dict[Path, str]:
    """The text that states facts: content pages, year files, regions, real schemes and the home and footer text."""
    paths = list((REPO / "content").rglob("*.md")) + list((REPO / "content").rglob("*.yaml"))
    paths += list((REPO / "schemes").glob("*/_year.yaml")) + [REPO / "schemes" / "_regions.yaml"]
    paths += [p for p, data in _schemes() if data.get("illustrative") is not True]
    paths += [REPO / "cquinlib" / "templates" / name for name in ("home.html", "base.html")]
    return {p: p.read_text(encoding="utf-8") for p in paths}


def test_every_fact_check_row_cites_a_facts_line_that_holds_its_words() -> None:
    facts = FACTS.read_text(encoding="utf-8").splitlines()
    rows = _rows()
    assert len(rows) > 100
    assert [r[0] for r in rows] == list(range(1, len(rows) + 1))
    for number, where, claim, cited, quote in rows:
        assert 1 <= cited <= len(facts), (number, cited)
        assert quote.lower() in facts[cited - 1].lower(), (number, cited, quote)
        # An unconfirmed line supports only a claim that the item is not confirmed.
        assert "[U]" not in quote or "not confirmed" in claim.lower(), (number, claim)
        assert (REPO / where).is_file(), (number, where)


def test_fact_check_covers_the_year_files_regions_and_real_schemes() -> None:
    cited = {where for _, where, _, _, _ in _rows()}
    years = {f"schemes/{p.parent.name}/_year.yaml" for p in (REPO / "schemes").glob("*/_year.yaml")}
    real = {str(p.relative_to(REPO)) for p, data in _schemes() if data.get("illustrative") is not True}
    assert len(real) >= 15
    assert years | real | {"schemes/_regions.yaml"} <= cited


def test_no_bundled_sentence_states_a_removed_or_unconfirmed_item() -> None:
    for path, text in _bundled_facts_text().items():
        flat = " ".join(text.split()).lower()
        for phrase in REMOVED:
            assert phrase not in flat, (path, phrase)


def test_one_point_two_five_percent_keeps_its_qualifier_for_2022_23_and_2023_24() -> None:
    for path, text in _bundled_facts_text().items():
        for paragraph in re.split(r"\n\s*\n|\n(?=\|)", text):
            flat = " ".join(paragraph.split())
            if "1.25%" not in flat:
                continue
            if "2022/23" in flat or path.parent.name == "2022-23":
                assert "fixed payment element" in flat, (path, flat)
            if "2023/24" in flat or path.parent.name == "2023-24":
                assert "£10m or more" in flat, (path, flat)


def test_illustrative_schemes_name_only_invented_organisations() -> None:
    examples = [(p, data) for p, data in _schemes() if data.get("illustrative") is True]
    assert len(examples) >= 40
    for path, data in examples:
        names = [data["provider"]["name"]] + [c["name"] if isinstance(c, dict) else c for c in data["commissioners"]]
        for name in names:
            for real in REAL_ORGANISATIONS:
                assert real.lower() not in name.lower(), (path, name)
    guidance = (REPO / "content" / "guidance" / "format.md").read_text(encoding="utf-8")
    template = (REPO / "content" / "files" / "scheme-template.yaml").read_text(encoding="utf-8")
    for real in ("NHS Bedfordshire", "5P2", "NHS Luton", "luton-community"):
        assert real not in guidance and real not in template, real


def test_real_schemes_give_their_sources_address_and_link_its_entry() -> None:
    """A real scheme's source is an address the facts file gives; a commissioner it names is in the fact check,
    and otherwise it says 'Not recorded'."""
    facts = FACTS.read_text(encoding="utf-8")
    checked = {(where, claim) for _, where, claim, _, _ in _rows()}
    for path, data in _schemes():
        if data.get("illustrative") is True:
            continue
        assert re.match(r"^https?://", data["source"]) and data["source"] in facts, path
        where = str(path.relative_to(REPO))
        if data["commissioners"] != ["Not recorded"]:
            claims = " ".join(claim for file, claim in checked if file == where)
            for commissioner in data["commissioners"]:
                assert f"commissioner {commissioner}" in claims, (path, commissioner)
        anchor = re.search(r"/sources/#(section-[a-z0-9-]+)", data["summary"])
        assert anchor, path


@pytest.fixture(scope="module")
def bundled_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled library and content built under --strict."""
    out = tmp_path_factory.mktemp("facts")
    assert main(["build", "--strict", "--schemes", str(REPO / "schemes"), "--content", str(REPO / "content"),
                 "--out", str(out / "site"), "--cache", str(out / ".cache")]) == 0
    return out / "site"


def test_each_real_scheme_page_links_to_an_entry_on_the_sources_page(bundled_site: Path) -> None:
    anchors = {h["id"] for h in page(bundled_site, "/sources/").select("main [id]")}
    real = [p for p, data in _schemes() if data.get("illustrative") is not True]
    for path in real:
        url = f"/schemes/{path.parent.parent.name}/{path.parent.name}/{path.stem}/"
        soup = page(bundled_site, url)
        links = [a["href"] for a in soup.select("main a[href]") if a["href"].startswith("/sources/#")]
        assert links, url
        assert all(link.split("#", 1)[1] in anchors for link in links), (url, links)
        facts = {dt.get_text(strip=True): dt.find_next_sibling("dd").get_text(" ", strip=True)
                 for dt in soup.select("main dt")}
        assert facts[next(k for k in facts if k.startswith("Commissioner"))], url
        source = soup.select_one("main dt:-soup-contains('Source') + dd a[href]")
        assert source is not None and source["href"].startswith("http"), url
        assert page(bundled_site, "/sources/").find("a", href=source["href"]), (url, source["href"])
        for link in links:  # the entry it points at gives the source's address
            entry = page(bundled_site, "/sources/").find(id=link.split("#", 1)[1])
            assert entry.find_next("a", href=re.compile(r"^https?://")), (url, link)


def test_home_page_and_footer_say_what_the_library_holds(bundled_site: Path) -> None:
    listed = [data for _, data in _schemes() if data.get("status", "published") == "published"]
    illustrative = sum(1 for data in listed if data.get("illustrative") is True)
    real = len(listed) - illustrative
    assert real and illustrative  # the bundled library has both, so the figures below mean something
    holdings = " ".join(page(bundled_site, "/").find(id="holdings").get_text(" ").split())
    assert f"This library holds {real} real schemes , compiled by the library from public sources" in holdings
    assert f"and {illustrative} illustrative schemes : worked examples written for the library" in holdings
    for url in ("/", "/about/", "/sources/", "/schemes/2012-13/south-east-coast-sha/medway-acute/"):
        footer = page(bundled_site, url).find("footer")
        text = " ".join(footer.get_text(" ").split())
        assert "This library holds real schemes, compiled by the library from public sources, and schemes marked " \
               "illustrative : worked examples with invented organisations" in text, url
        hrefs = {a.get_text(strip=True): a["href"] for a in footer.find_all("a")}
        assert hrefs["How many of each"] == "/#holdings" and hrefs["The sources"] == "/sources/", url


def test_without_a_sources_page_nothing_links_to_one(tmp_path: Path) -> None:
    from conftest import write_library
    write_library(tmp_path, {"2010-11/london/example": SCHEME})
    assert not (write_content(tmp_path) / "sources.md").exists()
    assert build(tmp_path) == 0
    out = tmp_path / "site"
    for url in ("/", "/about/"):
        soup = page(out, url)
        assert not soup.select('a[href^="/sources/"]'), url
        assert "How many of each" in soup.find("footer").get_text(), url


def _check(lib: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """Run `check` on a library folder; its exit code and everything it printed."""
    code = main(["check", "--schemes", str(lib)])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_a_real_scheme_may_record_its_commissioner_as_not_recorded(make_library: LibraryMaker,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    alone = SCHEME.replace("  - NHS Example\n  - {name: NHS Other, code: 5P2}\n", "  - Not recorded\n")
    assert alone != SCHEME
    code, out = _check(make_library({"2010-11/london/example": alone}), capsys)
    assert code == 0, out


def test_not_recorded_stands_alone_and_never_in_an_illustrative_scheme(tmp_path: Path,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    from conftest import write_library
    mixed = SCHEME.replace("  - NHS Example\n", "  - Not recorded\n")
    code, out = _check(write_library(tmp_path / "a", {"2010-11/london/example": mixed}), capsys)
    assert code != 0 and "'Not recorded' must be the only commissioner" in out, out
    example = SCHEME.replace("  - NHS Example\n  - {name: NHS Other, code: 5P2}\n", "  - Not recorded\n")
    example = re.sub(r"(?m)^illustrative: .*$", "illustrative: true", example)
    if "illustrative: true" not in example:
        example = example.replace("commissioners:\n", "illustrative: true\ncommissioners:\n", 1)
    code, out = _check(write_library(tmp_path / "b", {"2010-11/london/example": example}), capsys)
    assert code != 0 and "an illustrative scheme invents its commissioners" in out, out
    write_content(tmp_path / "a")
    assert build(tmp_path / "a") != 0


def test_the_one_point_two_five_percent_figure_is_qualified_wherever_it_is_shown(tmp_path: Path) -> None:
    """The 2022/23 and 2023/24 figure of 1.25% shows what it is of (or which contracts it applies to) on the
    years list, the year page and the page of a scheme that takes the year's figure."""
    from bs4 import BeautifulSoup

    from cquinlib.commands.cli import main

    out = tmp_path / "site"
    assert main(["build", "--schemes", str(REPO / "schemes"), "--content", str(REPO / "content"), "--out", str(out),
                 "--cache", str(tmp_path / "cache")]) == 0

    def text(rel: str) -> str:
        """A page's visible text, spaces collapsed."""
        soup = BeautifulSoup((out / rel).read_text(encoding="utf-8"), "html.parser")
        return " ".join(soup.get_text(" ").split())

    assert "1.25% of the fixed payment element" in text("years/2022-23/index.html")
    assert "1.25% for contracts of £10m or more" in text("years/2023-24/index.html")
    listing = text("years/index.html")
    assert "1.25% of the fixed payment element" in listing and "1.25% for contracts of £10m or more" in listing
    schemes = sorted((out / "schemes/2023-24").glob("*/*/index.html"))
    shown = [text(str(p.relative_to(out))) for p in schemes]
    assert any("1.25% (the year's figure, for contracts of £10m or more)" in t for t in shown)
    assert not any(re.search(r"1\.25% \(the year's figure\)", t) for t in shown)
    providers = [text(str(p.relative_to(out))) for p in sorted((out / "providers").glob("*/index.html"))]
    assert any("commissioner not recorded" in t for t in providers)  # the real schemes' providers
    assert not any("commissioned by Not recorded" in t for t in providers)


def test_each_year_page_and_guidance_page_links_to_the_sources_it_rests_on(bundled_site: Path) -> None:
    """Every year page, the FAQ and the guidance pages that state facts about CQUIN link to the sources page
    (a section of it, where one section holds their sources), and every link there resolves."""
    anchors = {h["id"] for h in page(bundled_site, "/sources/").select("main [id]")}
    years = sorted(p.parent.name for p in (REPO / "schemes").glob("*/_year.yaml"))
    assert len(years) >= 15
    for url in [f"/years/{y}/" for y in years] + ["/faq/", "/guidance/template-fields/", "/guidance/good-scheme/"]:
        links = [a["href"] for a in page(bundled_site, url).select("main a[href^='/sources/']")]
        assert links, url
        for link in links:
            assert "#" not in link or link.split("#", 1)[1] in anchors, (url, link)

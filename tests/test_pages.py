"""Build small libraries and read every kind of page back as parsed HTML."""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from conftest import SCHEME, write_content, write_library
from cquinlib.library import catalog as catalog_module
from helpers import broken_links, build, page

COMMUNITY = """\
provider:
  name: Riverside Community Health NHS Trust
  type: community
commissioners: [NHS Riverside CCG]
submitted: 2019-05-01
illustrative: true
goals:
  - number: "1"
    name: Staff flu vaccination
    national: flu
    domain: safety
    topics: [flu]
    indicators:
      - number: "1.1"
        name: Frontline staff vaccinated
        payment_scale: {min: 60, max: 80}
"""


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A built site from a library with an acute 2010/11 scheme, a 2019/20 community one, a withdrawn and a draft."""
    withdrawn = SCHEME.replace("Example acute scheme 2010/11", "Old withdrawn scheme").replace(
        "submitted: 2010-06-14", "submitted: 2010-06-14\nstatus: withdrawn").replace(
        "Example Hospitals NHS Foundation Trust", "Gone Hospitals NHS Trust")
    draft = SCHEME.replace("Example acute scheme 2010/11", "Unfinished draft scheme").replace(
        "submitted: 2010-06-14", "status: draft")
    write_library(tmp_path, {"2010-11/london/example": SCHEME, "2019-20/midlands/riverside": COMMUNITY,
                             "2010-11/london/withdrawn": withdrawn, "2010-11/south-central/draft": draft})
    write_content(tmp_path, {"about.md": "---\ntitle: About the library\nnav: 1\n---\n# Why\n\nSee [the FAQ](/faq/).\n",
                             "faq.md": "---\ntitle: Questions\nnav: 2\n---\n## What is CQUIN?\n\nAn incentive.\n",
                             "guidance/index.md": "---\ntitle: Guidance\n---\nRead [format](/guidance/format/).\n",
                             "guidance/format.md": "---\ntitle: Format\n---\nThe format.\n"})
    assert build(tmp_path) == 0
    return tmp_path / "site"


def texts(soup: BeautifulSoup, selector: str) -> list[str]:
    """The stripped text of every element matching a CSS selector."""
    return [" ".join(el.get_text(" ").split()) for el in soup.select(selector)]


def test_home_counts_newest_and_ways_in(site: Path) -> None:
    """The home page counts listed schemes only and links every way into the library."""
    soup = page(site, "/")
    assert soup.h1.get_text() == "Test library"
    counts = texts(soup, ".counts li")
    assert "2 schemes" in counts and "2 financial years" in counts and "2 providers" in counts
    newest = texts(soup, ".scheme-list li")
    assert newest[0].startswith("Riverside Community Health NHS Trust CQUIN scheme 2019/20")
    assert not any("withdrawn" in n.lower() or "draft" in n.lower() for n in newest)
    links = {a["href"] for a in soup.select("main a")}
    assert {"/years/", "/regions/", "/types/", "/goals/", "/national-goals/", "/providers/"} <= links


def test_page_shell_is_accessible(site: Path) -> None:
    """Every page has a skip link to main, landmarks, one h1, headings in order and headed tables."""
    for html in sorted(site.rglob("index.html")):
        soup = BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser")
        assert soup.select_one("a.skip-link")["href"] == "#main-content"
        assert soup.find("main", id="main-content") and soup.find("header") and soup.find("footer")
        assert len(soup.find_all("h1")) == 1, html
        levels = [int(h.name[1]) for h in soup.find_all(["h1", "h2", "h3", "h4", "h5", "h6"])]
        assert all(b <= a + 1 for a, b in zip(levels, levels[1:])), (html, levels)
        for table in soup.find_all("table"):
            assert table.find("th") and table.find("caption"), html


def test_year_page(site: Path) -> None:
    """A year shows its percentage, national goals and schemes grouped by region."""
    soup = page(site, "/years/2010-11/")
    assert soup.h1.get_text() == "CQUIN in 2010/11"
    assert "1.5%" in soup.select_one("dl.facts").get_text()
    assert texts(soup, ".national-goals li")[0].startswith("VTE risk assessment")
    assert texts(soup, "h3") == ["London"]
    assert texts(soup, "table.schemes tbody td a")[0] == "Example acute scheme 2010/11"
    assert "Old withdrawn scheme" not in soup.get_text()
    assert "Unfinished draft scheme" not in soup.get_text()
    index = page(site, "/years/")
    assert [r.th.get_text() for r in index.select("table:not(.chart-table) tbody tr")] == ["2019/20", "2010/11"]


def test_region_and_type_pages(site: Path) -> None:
    """Regions list their schemes by year; provider types likewise; every type has a page."""
    region = page(site, "/regions/midlands/")
    assert region.h1.get_text() == "Midlands"
    assert texts(region, "h2") == ["2019/20"]
    regions = page(site, "/regions/")
    assert "2019/20 to now" in regions.get_text()
    community = page(site, "/types/community/")
    assert "Riverside Community Health NHS Trust CQUIN scheme 2019/20" in texts(community, "table a")
    for kind in ("acute", "mental-health", "community", "ambulance", "specialised", "learning-disability",
                 "primary-care", "other"):
        assert (site / "types" / kind / "index.html").is_file()


def test_scheme_page_shows_every_field(site: Path) -> None:
    """A scheme page shows provider, commissioners, money, goals with values, and every indicator field."""
    soup = page(site, "/schemes/2010-11/london/example/")
    facts = dict(zip(texts(soup, "article > dl.facts dt"), texts(soup, "article > dl.facts dd")))
    assert facts["Provider"] == "Example Hospitals NHS Foundation Trust (RX1)"
    assert facts["Commissioners"] == "NHS Example, NHS Other (5P2)"
    assert facts["Contract value"] == "£100,000,000"
    assert facts["CQUIN percentage"] == "1.5% (the year's figure)"
    assert facts["Scheme value"] == "£1,500,000"
    assert facts["Submitted"] == "14 June 2010"
    rows = [texts(r, "td") for r in soup.select("table.goal-summary tbody tr")]
    assert rows[0] == ["1. Reduce avoidable harm from VTE", "Safety", "VTE risk assessment", "60%", "£900,000"]
    assert rows[1] == ["2. Fewer falls", "Patient experience", "Local", "40%", "£600,000"]
    indicator = soup.find(id="indicator-1.1").find_parent("section")
    details = dict(zip(texts(indicator, "dt"), texts(indicator, "dd")))
    assert details["Baseline"] == "76% (Q4 2009/10)"
    assert details["Final indicator value (payment threshold)"] == "90% (Q4 2010/11)"
    assert texts(indicator, "table.milestones tbody td") == ["Q2", "80%", "25%", "£225,000"]
    assert soup.select_one(".summary, article").find("em").get_text() == "worked"


def test_payment_scale_and_illustrative_label(site: Path) -> None:
    """Illustrative schemes say so; a payment scale is spelled out."""
    soup = page(site, "/schemes/2019-20/midlands/riverside/")
    assert "Illustrative" in soup.select_one(".notice-illustrative").get_text()
    assert "No payment below 60% achievement; the full value at 80% or more" in soup.get_text()


def test_withdrawn_keeps_page_but_leaves_listings(site: Path) -> None:
    """Withdrawn: page marked and not indexed; absent from every listing and the sitemap."""
    soup = page(site, "/schemes/2010-11/london/withdrawn/")
    assert "Withdrawn" in soup.select_one(".notice-withdrawn").get_text()
    assert soup.find("meta", attrs={"name": "robots"})["content"] == "noindex"
    for html in site.rglob("*.html"):
        if "withdrawn" not in html.parts:
            assert "Old withdrawn scheme" not in html.read_text(encoding="utf-8"), html
    assert "withdrawn" not in (site / "sitemap.xml").read_text()
    assert not (site / "providers" / "gone-hospitals-nhs-trust").exists()


def test_drafts_are_never_built(site: Path) -> None:
    """A draft has no page and appears nowhere."""
    assert not (site / "schemes" / "2010-11" / "south-central").exists()
    assert not any("Unfinished draft" in p.read_text(encoding="utf-8") for p in site.rglob("*.html"))


def test_provider_page_splits_national_and_local(site: Path) -> None:
    """A provider page lists its schemes with national and local goals apart."""
    soup = page(site, "/providers/example-hospitals-nhs-foundation-trust/")
    section = soup.select_one("section.provider-scheme")
    headings = texts(section, "h3")
    assert headings == ["National goals", "Local goals"]
    national, local = section.find_all("ul")
    assert "Reduce avoidable harm from VTE" in national.get_text()
    assert "Fewer falls" in local.get_text()
    rows = {th.a.get_text(): th.get_text(" ", strip=True) for th in page(site, "/providers/").select("tbody th")}
    assert "Riverside Community Health NHS Trust" in rows
    # a provider whose every scheme is a worked example says so, on the index and on its own page
    assert rows["Riverside Community Health NHS Trust"].endswith("Illustrative")
    assert not rows["Example Hospitals NHS Foundation Trust"].endswith("Illustrative")
    riverside = page(site, "/providers/riverside-community-health-nhs-trust/")
    assert riverside.select_one(".notice-illustrative") is not None
    assert soup.select_one(".notice-illustrative") is None


def test_goals_by_topic_and_domain(site: Path) -> None:
    """The goal list groups by topic and domain and links to the schemes using each goal."""
    soup = page(site, "/goals/")
    assert "Falls prevention" in texts(soup, "h3")
    assert "Safety" in texts(soup, "h3") and "Patient experience" in texts(soup, "h3")
    topic = page(site, "/goals/vte/")
    assert topic.h1.get_text() == "Venous thromboembolism (VTE)"
    assert topic.find("em").get_text() == "blood clots"
    links = [a["href"] for a in topic.select("table a")]
    assert "/schemes/2010-11/london/example/#goal-1" in links


def test_national_goals_with_adopters(site: Path) -> None:
    """National goals by year name the schemes that adopted them."""
    soup = page(site, "/national-goals/")
    vte = soup.find(id="2010-11-vte").find_parent("section")
    assert "Example acute scheme 2010/11" in vte.get_text()
    flu = soup.find(id="2019-20-flu").find_parent("section")
    assert "Target" in flu.get_text() and "80%" in flu.get_text()


def test_content_pages_and_nav(site: Path) -> None:
    """Markdown pages render under their URLs, with headings below the page title, and nav in order."""
    about = page(site, "/about/")
    assert about.h1.get_text() == "About the library"
    assert about.find("h2").get_text() == "Why"
    assert texts(page(site, "/faq/"), "article h2") == ["What is CQUIN?"]
    assert page(site, "/guidance/").h1.get_text() == "Guidance"
    assert page(site, "/guidance/format/").h1.get_text() == "Format"
    nav = [a.get_text() for a in about.select("nav[aria-label=Main] a")]
    assert nav[-2:] == ["About the library", "Questions"]


def test_sitemap_robots_404(site: Path) -> None:
    """The sitemap lists listed pages; robots.txt points to it; a 404 page exists."""
    sitemap = (site / "sitemap.xml").read_text()
    assert "<loc>https://library.example.org/schemes/2010-11/london/example/</loc>" in sitemap
    assert "<loc>https://library.example.org/about/</loc>" in sitemap
    assert "Sitemap: https://library.example.org/sitemap.xml" in (site / "robots.txt").read_text()
    assert page(site, "/404.html").h1.get_text() == "Page not found"


def test_every_internal_link_resolves(site: Path) -> None:
    """No link in the built site points at a missing page or anchor."""
    assert broken_links(site) == []


def test_every_url_ends_in_slash(site: Path) -> None:
    """Pages live at .../index.html so their URLs end in '/'."""
    pages = [p for p in site.rglob("*.html") if p.name != "404.html"]
    assert pages and all(p.name == "index.html" for p in pages)


def test_sub_path_base_url(tmp_path: Path) -> None:
    """--base-url /cquin/ roots every link, including Markdown links, under the sub-path."""
    write_library(tmp_path)
    write_content(tmp_path, {"about.md": "---\ntitle: About\nnav: 1\n---\nSee [years](/years/).\n"})
    assert build(tmp_path, "--base-url", "https://example.org/cquin/") == 0
    site = tmp_path / "site"
    assert broken_links(site, "/cquin/") == []
    about = page(site, "/about/")
    assert about.select_one("article a")["href"] == "/cquin/years/"
    assert "<loc>https://example.org/cquin/schemes/2010-11/london/example/</loc>" in (site / "sitemap.xml").read_text()


def test_output_is_deterministic(tmp_path: Path) -> None:
    """The same library builds to the same bytes in two fresh folders."""
    write_library(tmp_path)
    write_content(tmp_path)
    args = ["--schemes", str(tmp_path / "schemes"), "--content", str(tmp_path / "content"),
            "--cache", str(tmp_path / "cache")]
    from cquinlib.commands.cli import main
    assert main(["build", *args, "--out", str(tmp_path / "a")]) == 0
    assert main(["build", *args, "--out", str(tmp_path / "b")]) == 0
    # .cquin-manifest.json is the build's bookkeeping (file times for incremental builds), not site content.
    files_a = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("[!.]*") if p.is_file())
    files_b = sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("[!.]*") if p.is_file())
    assert files_a and (tmp_path / "a" / ".cquin-manifest.json").is_file()
    assert files_a == files_b
    assert all((tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes() for f in files_a)


def test_long_topics_run_over_pages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A topic with more goal uses than a page holds continues on /goals/TOPIC/2/, with a pager on each page,
    the goal list linking to the page where each goal starts, and every page in the sitemap."""
    monkeypatch.setattr(catalog_module, "TOPIC_PAGE_ROWS", 1)
    two = SCHEME.replace("Example acute scheme 2010/11", "Second acute scheme 2010/11")
    write_library(tmp_path, {"2010-11/london/example": SCHEME, "2010-11/london/second": two})
    write_content(tmp_path)
    assert build(tmp_path) == 0
    site = tmp_path / "site"
    first, second = page(site, "/goals/vte/"), page(site, "/goals/vte/2/")
    for soup, current in ((first, "1"), (second, "2")):
        pager = soup.find("nav", attrs={"aria-label": "Pages"})
        assert [a["href"] for a in pager.find_all("a")] == ["/goals/vte/", "/goals/vte/2/"]
        assert pager.find("a", attrs={"aria-current": "page"}).get_text() == current
    assert [a["href"] for a in first.select("td:first-child a")] == ["/schemes/2010-11/london/second/#goal-1"]
    assert [a["href"] for a in second.select("td:first-child a")] == ["/schemes/2010-11/london/example/#goal-1"]
    started = first.find("th", id=True)  # each goal heads its rows of the one comparison table
    assert second.find("th", scope="rowgroup").get_text(" ", strip=True) == f"{started.get_text()} (continued)"
    assert not second.find("th", id=True) and "page 2 of 2" in second.title.get_text()
    goals = [a["href"] for a in page(site, "/goals/").select("a") if a["href"].startswith("/goals/vte/")]
    assert f"/goals/vte/#{started['id']}" in goals
    assert "/goals/vte/2/</loc>" in (site / "sitemap.xml").read_text()
    assert broken_links(site) == []


def test_goal_spellings_merge_into_one_entry(tmp_path: Path) -> None:
    """Goals named alike but for case and punctuation are one entry on a topic's page, named by the spelling most
    schemes use, listing every scheme newest first (by year, then id, descending)."""
    variant = COMMUNITY.replace("name: Staff flu vaccination", "name: STAFF Flu vaccination.")
    write_library(tmp_path, {"2019-20/midlands/riverside": COMMUNITY, "2019-20/london/riverside": COMMUNITY,
                             "2019-20/london/zed": variant, "2010-11/london/example": SCHEME})
    write_content(tmp_path)
    assert build(tmp_path) == 0
    topic = page(tmp_path / "site", "/goals/flu/")
    assert [t.split(" (also written")[0] for t in texts(topic, "th[scope=rowgroup]")] == ["Staff flu vaccination"]
    assert [a["href"] for a in topic.select("td:first-child a")] == [
        "/schemes/2019-20/midlands/riverside/#goal-1", "/schemes/2019-20/london/zed/#goal-1",
        "/schemes/2019-20/london/riverside/#goal-1"]

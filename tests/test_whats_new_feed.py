"""What's new, the home page's newest schemes and the Atom feed: one order, from the data alone, read back by a real
feed parser."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from conftest import SCHEME, write_content, write_library
from cquinlib.build.options import BuildOptions, default_templates_dir
from cquinlib.build.pipeline import build_site
from helpers import build, page, snapshot

feedparser = pytest.importorskip("feedparser", reason="feedparser is not installed: pip install -e '.[test]'")

ADDRESS = "https://library.example.org/"


def scheme(title: str, dates: str, provider: str = "Example Hospitals NHS Foundation Trust") -> str:
    """The test scheme under another title and provider, with these date lines in place of its submitted date."""
    return (SCHEME.replace("Example acute scheme 2010/11", title).replace("Example Hospitals NHS Foundation Trust",
                                                                          provider)
            .replace("submitted: 2010-06-14\n", dates))


# Titles and dates chosen so that each rule of the order shows: an old submitted date with a new added one, an update
# later than the arrival, an update earlier than it (not news), a scheme with no date, and hidden ones.
SCHEMES = {
    "2010-11/london/compiled": scheme("Compiled from public pages", "added: 2026-11-24\n"),
    "2010-11/london/revised": scheme("Revised scheme", "submitted: 2019-05-01\nupdated: 2026-12-01\n"),
    "2010-11/london/old": scheme("Old scheme", "submitted: 2010-06-14\n"),
    "2010-11/london/late": scheme("Late arrival", "submitted: 2010-01-01\nadded: 2026-11-20\n"),
    "2010-11/london/stale-update": scheme("Stale update", "added: 2026-11-21\nupdated: 2026-01-01\n"),
    "2010-11/london/undated": scheme("Undated scheme", ""),
    "2010-11/london/hostile": scheme('<script>alert("x")</script> & Co', "added: 2026-11-22\n",
                                     provider='Trust <b>"bold"</b> & Sons'),
    "2010-11/london/draft": scheme("Draft scheme", "added: 2026-12-05\nstatus: draft\n"),
    "2010-11/london/gone": scheme("Withdrawn scheme", "added: 2026-12-04\nstatus: withdrawn\n"),
}
ORDER = ["Revised scheme", "Compiled from public pages", '<script>alert("x")</script> & Co', "Stale update",
         "Late arrival", "Old scheme"]


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """The dated library, with content naming the published address, built once."""
    write_library(tmp_path, SCHEMES)
    write_content(tmp_path)
    assert build(tmp_path) == 0
    return tmp_path


def test_whats_new_lists_added_and_updated_schemes_newest_first_by_month(root: Path) -> None:
    """Each listed scheme that gives a date appears once, at the later of updated and added (else submitted),
    under its month; drafts, withdrawn schemes and undated ones do not, and the page says how many give no date."""
    soup = page(root / "site", "/whats-new/")
    assert [h.get_text() for h in soup.select("main h2")] == ["December 2026", "November 2026", "June 2010"]
    items = soup.select("main .scheme-list li")
    assert [li.a.get_text() for li in items] == ORDER
    words = {li.a.get_text(): li.select_one(".muted").get_text(" ", strip=True) for li in items}
    assert words["Revised scheme"].startswith("Updated 1 December 2026")
    assert words["Stale update"].startswith("Added 21 November 2026")  # an update older than its arrival is no news
    assert words["Late arrival"].startswith("Added 20 November 2026")  # an old submitted date does not hide it
    assert words["Old scheme"].startswith("Added 14 June 2010")
    assert soup.select_one("main time")["datetime"] == "2026-12-01"
    assert "1 scheme gives no date" in soup.get_text()
    assert soup.select_one('main a[href="/feed.xml"]') is not None


def test_the_home_page_lists_the_newest_in_the_same_order(root: Path) -> None:
    """The home page's newest schemes are what's new's order, the undated scheme at its year's start."""
    items = page(root / "site", "/").select("#newest-heading + ul li")
    assert [li.a.get_text() for li in items] == ORDER + ["Undated scheme"]
    assert "updated 1 December 2026" in items[0].get_text()
    assert page(root / "site", "/").select_one('a[href="/whats-new/"]') is not None


def test_the_feed_is_atom_that_a_feed_parser_reads_with_dates_and_absolute_links(root: Path) -> None:
    """feedparser reads the feed without complaint: Atom 1.0, absolute links from site.yaml's url, one entry per
    dated published scheme in the same order, each dated from the data (published = its arrival)."""
    feed = feedparser.parse((root / "site/feed.xml").read_bytes())
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert feed.feed.title == "Test library: new and updated schemes"
    assert feed.feed.id == ADDRESS + "feed.xml"
    assert {(link.rel, link.href) for link in feed.feed.links} == {("self", ADDRESS + "feed.xml"),
                                                                   ("alternate", ADDRESS + "whats-new/")}
    assert feed.feed.updated_parsed[:3] == (2026, 12, 1)
    assert [e.title for e in feed.entries] == ORDER
    revised = feed.entries[0]
    assert revised.link == ADDRESS + "schemes/2010-11/london/revised/" and revised.id == revised.link
    assert revised.updated_parsed[:6] == (2026, 12, 1, 0, 0, 0)
    assert revised.published_parsed[:3] == (2019, 5, 1)
    assert revised.summary.startswith("Updated: Example Hospitals NHS Foundation Trust, 2010/11, London")
    assert feed.entries[1].updated == feed.entries[1].published == "2026-11-24T00:00:00Z"
    for entry in feed.entries:
        assert entry.link.startswith(ADDRESS) and (root / "site" / entry.link[len(ADDRESS):] / "index.html").is_file()


def test_the_feed_escapes_contributed_text(root: Path) -> None:
    """A title or provider holding markup stays text: escaped in the XML, and read back exactly as written."""
    raw = (root / "site/feed.xml").read_text(encoding="utf-8")
    assert "<script" not in raw and "<b>" not in raw
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Co" in raw
    entry = feedparser.parse(raw).entries[2]
    assert entry.title == '<script>alert("x")</script> & Co'
    assert entry.title_detail.type == "text/plain"
    assert 'Trust <b>"bold"</b> & Sons' in entry.summary
    assert "private.person" not in raw and "Private Person" not in raw  # the contact block never reaches a feed


def test_every_page_links_the_feed_from_its_head(root: Path) -> None:
    """With a feed, every HTML page's head names it, by the site-relative address."""
    pages = sorted((root / "site").rglob("*.html"))
    assert len(pages) > 20
    for html in pages:
        head = page(root / "site", "/" + html.relative_to(root / "site").as_posix()).head
        links = head.select('link[rel=alternate][type="application/atom+xml"]')
        assert [link["href"] for link in links] == ["/feed.xml"], html


def test_the_feed_holds_the_newest_fifty(tmp_path: Path) -> None:
    """Of 55 dated schemes the feed keeps the newest 50, newest first; what's new lists all 55."""
    start = dt.date(2026, 1, 1)
    schemes = {f"2010-11/london/s{i:02d}": scheme(f"Scheme {i:02d}", f"added: {start + dt.timedelta(days=i)}\n")
               for i in range(55)}
    write_library(tmp_path, schemes)
    write_content(tmp_path)
    assert build(tmp_path) == 0
    feed = feedparser.parse((tmp_path / "site/feed.xml").read_bytes())
    assert [e.title for e in feed.entries] == [f"Scheme {i:02d}" for i in range(54, 4, -1)]
    assert len(page(tmp_path / "site", "/whats-new/").select("main .scheme-list li")) == 55


def test_without_an_address_there_is_no_feed_and_one_note(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Atom needs absolute addresses: without site.yaml's url (or a --base-url naming a host) no feed is written,
    no page links one, and the one note that says no sitemap was written says so; what's new is still built. A
    --base-url naming a host gives the feed its addresses."""
    settings = root / "content/site.yaml"
    settings.write_text(settings.read_text().replace(f"url: {ADDRESS}\n", ""), encoding="utf-8")
    assert build(root) == 0
    err = capsys.readouterr().err
    assert err.count("note:") == 1 and "no sitemap.xml was written, nor the Atom feed (feed.xml)" in err
    site = root / "site"
    assert not (site / "feed.xml").exists() and (site / "whats-new/index.html").is_file()
    assert page(site, "/").select('link[type="application/atom+xml"]') == []
    assert "feed.xml" not in (site / "whats-new/index.html").read_text()
    assert build(root, "--base-url", "https://example.org/cquin/") == 0
    feed = feedparser.parse((site / "feed.xml").read_bytes())
    assert feed.entries[0].link == "https://example.org/cquin/schemes/2010-11/london/revised/"
    assert page(site, "/").select_one('link[type="application/atom+xml"]')["href"] == "/cquin/feed.xml"


def test_builds_of_the_same_library_write_the_same_feed(root: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Nothing in the feed or what's new comes from the clock: a later build elsewhere writes the same bytes."""
    other = tmp_path_factory.mktemp("again")
    shutil.copytree(root / "schemes", other / "schemes")
    shutil.copytree(root / "content", other / "content")
    assert build(other) == 0
    for rel in ("feed.xml", "whats-new/index.html", "index.html"):
        assert (root / "site" / rel).read_bytes() == (other / "site" / rel).read_bytes()


def _options(root: Path, out: str, cache: str) -> BuildOptions:
    """Build options with the library's own copy of the templates."""
    return BuildOptions(root / "schemes", root / "content", root / out, default_templates_dir(),
                        cache_dir=root / cache)


EDITS = {
    "a scheme updated": ("2010-11/london/old.yaml", "submitted: 2010-06-14\n",
                         "submitted: 2010-06-14\nupdated: 2026-12-09\n"),
    "an added date given": ("2010-11/london/undated.yaml", "contract_value:", "added: 2026-10-01\ncontract_value:"),
    "a scheme withdrawn": ("2010-11/london/revised.yaml", "updated: 2026-12-01\n",
                           "updated: 2026-12-01\nstatus: withdrawn\n"),
}


@pytest.mark.parametrize("change", sorted(EDITS))
def test_an_incremental_build_after_a_date_edit_equals_a_clean_one(tmp_path: Path, change: str) -> None:
    """What's new, the home page and the feed declare what they read: after an edit of a date, a build that
    re-renders only what changed writes what a clean build writes."""
    write_library(tmp_path, SCHEMES)
    write_content(tmp_path)
    build_site(_options(tmp_path, "site", ".cache"))
    rel, old, new = EDITS[change]
    path = tmp_path / "schemes" / rel
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    result = build_site(_options(tmp_path, "site", ".cache"))
    assert result.rendered < result.pages
    build_site(_options(tmp_path, "clean", "clean-cache"))
    files = {k: v[0] for k, v in snapshot(tmp_path / "site").items() if not k.startswith(".")}
    assert files == {k: v[0] for k, v in snapshot(tmp_path / "clean").items() if not k.startswith(".")}
    assert files["feed.xml"] != b""


def test_the_feed_has_what_rfc_4287_requires(root: Path) -> None:
    """Read as plain XML in the Atom namespace: the feed has one id, title, updated and author; each entry one
    id, title and updated and an alternate link, every date an RFC 3339 UTC time, and no entry id twice."""
    import re
    import xml.etree.ElementTree as ET

    atom = "{http://www.w3.org/2005/Atom}"
    feed = ET.parse(root / "site/feed.xml").getroot()
    assert feed.tag == atom + "feed"
    for name in ("id", "title", "updated", "author"):
        assert len(feed.findall(atom + name)) == 1, name
    stamp = re.compile(r"^\d{4}-\d{2}-\d{2}T00:00:00Z$")
    ids = []
    for entry in feed.findall(atom + "entry"):
        for name in ("id", "title", "updated"):
            assert len(entry.findall(atom + name)) == 1, name
        assert [link.get("rel") for link in entry.findall(atom + "link")] == ["alternate"]
        assert all(stamp.match(e.text or "") for e in entry if e.tag in (atom + "updated", atom + "published"))
        ids.append(entry.findtext(atom + "id"))
    assert len(ids) == len(set(ids)) == len(ORDER)

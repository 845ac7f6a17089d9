"""Incremental builds: after every kind of change the output equals a clean build, and untouched files keep
their modification time."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from typing import Any, Callable

import pytest

from conftest import SCHEME, write_content, write_library
from cquinlib.search import related
from cquinlib.build.options import BuildOptions, default_templates_dir
from cquinlib.build.pipeline import build_site
from cquinlib.site.write import MANIFEST, STAGING, OutputFile, read_manifest, write_site
from helpers import snapshot

SECOND = SCHEME.replace("Example acute scheme 2010/11", "Second scheme").replace(
    "Example Hospitals NHS Foundation Trust", "Second Hospitals NHS Trust")


def options(root: Path, out: str = "site", cache: str = ".cache") -> BuildOptions:
    """Build options for a library under root, with its own templates copy."""
    return BuildOptions(root / "schemes", root / "content", root / out, root / "templates", cache_dir=root / cache)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A library of two schemes, content and a private copy of the templates, built once."""
    write_library(tmp_path, {"2010-11/london/example": SCHEME, "2010-11/london/second": SECOND})
    write_content(tmp_path)
    shutil.copytree(default_templates_dir(), tmp_path / "templates")
    build_site(options(tmp_path))
    return tmp_path


def site_files(site: Path) -> dict[str, bytes]:
    """Every file of a built site but the build's own bookkeeping."""
    return {k: v[0] for k, v in snapshot(site).items() if not k.startswith(".")}


def edit(path: Path, old: str, new: str) -> None:
    """Replace text in a file, failing if the text is not there."""
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def move_scheme(root: Path) -> None:
    """Move the second scheme from London to the East of England."""
    (root / "schemes/2010-11/east-of-england").mkdir()
    (root / "schemes/2010-11/london/second.yaml").rename(root / "schemes/2010-11/east-of-england/second.yaml")


CHANGES: dict[str, Callable[[Path], None]] = {
    "scheme edited": lambda r: edit(r / "schemes/2010-11/london/second.yaml", "Second scheme", "Second, renamed"),
    "scheme added": lambda r: (r / "schemes/2010-11/london/third.yaml").write_text(
        SECOND.replace("Second", "Third"), encoding="utf-8"),
    "scheme deleted": lambda r: (r / "schemes/2010-11/london/second.yaml").unlink(),
    "scheme moved to another region": lambda r: move_scheme(r),
    "content page edited": lambda r: edit(r / "content/about.md", "# Hello", "# Hello again"),
    "template edited": lambda r: edit(r / "templates/scheme.html", "<h2 id=\"goals\">Goals</h2>",
                                      "<h2 id=\"goals\">Goals of the scheme</h2>"),
    "year file edited": lambda r: edit(r / "schemes/2010-11/_year.yaml", "cquin_percent: 1.5", "cquin_percent: 2"),
    "topic renamed": lambda r: edit(r / "schemes/_topics.yaml", "name: Venous thromboembolism (VTE)",
                                    "name: Blood clots (VTE)"),
    "topic described": lambda r: edit(r / "schemes/_topics.yaml", "*blood clots*", "*blood clots* in hospital"),
    "region renamed": lambda r: edit(r / "schemes/_regions.yaml", "name: London", "name: Greater London"),
    "national goal renamed": lambda r: edit(r / "schemes/2010-11/_year.yaml", "name: VTE risk assessment",
                                            "name: Risk assessment for VTE"),
    "site settings edited": lambda r: edit(r / "content/site.yaml", "Test library", "Renamed library"),
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_incremental_build_equals_clean_build(root: Path, change: str) -> None:
    """Apply one change, build incrementally, and compare with a clean build of the same sources."""
    before = snapshot(root / "site")
    CHANGES[change](root)
    result = build_site(options(root))
    after = snapshot(root / "site")
    build_site(options(root, out="clean", cache="clean-cache"))
    assert site_files(root / "site") == site_files(root / "clean")
    untouched = [k for k in after if k in before and after[k][0] == before[k][0] and not k.startswith(".")]
    assert untouched
    assert all(after[k][1] == before[k][1] for k in untouched)
    assert result.rendered < result.pages or change in ("template edited", "site settings edited",
                                                        "year file edited")


def test_one_scheme_edit_renders_only_what_shows_it(root: Path) -> None:
    """Editing one scheme re-renders its page and listings, not the other scheme's page."""
    # Not the title: the other scheme's page lists this one under similar schemes, by title.
    edit(root / "schemes/2010-11/london/second.yaml", "A *worked* example.", "A *worked* example, edited.")
    before = snapshot(root / "site")
    result = build_site(options(root))
    after = snapshot(root / "site")
    assert after["schemes/2010-11/london/example/index.html"] == before["schemes/2010-11/london/example/index.html"]
    assert after["schemes/2010-11/london/second/index.html"] != before["schemes/2010-11/london/second/index.html"]
    assert 0 < result.rendered < result.pages


def test_a_new_title_leaves_the_sitemap_alone(root: Path) -> None:
    """The sitemap is keyed by its own entries (URLs and dates), the providers page by what it shows of each
    provider: a title edit rewrites neither (nor reorders the sitemap), while the scheme's own page changes."""
    edit(root / "schemes/2010-11/london/second.yaml", "title: ", "title: Aardvark first ")
    before = snapshot(root / "site")
    build_site(options(root))
    after = snapshot(root / "site")
    assert after["sitemap.xml"] == before["sitemap.xml"]
    assert after["providers/index.html"] == before["providers/index.html"]
    assert after["schemes/2010-11/london/second/index.html"] != before["schemes/2010-11/london/second/index.html"]


def test_nothing_changed_renders_nothing(root: Path) -> None:
    """A build with no source changed writes nothing and leaves every file as it was."""
    before = snapshot(root / "site")
    result = build_site(options(root))
    assert result.rendered == 0 and result.report.written == 0
    assert snapshot(root / "site") == before


def test_a_file_saved_unchanged_renders_nothing(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Saving a scheme without changing it validates it again, and that renders no page and no related list:
    every key is made from what the scheme says, never from how its objects happen to be shared in memory."""
    before = snapshot(root / "site")
    scheme = next((root / "schemes").rglob("example.yaml"))
    scheme.write_text(scheme.read_text())
    # The search stage runs in a forked process: a call is marked by a file, which this process can see.
    made = root / "related-made"
    real = related.related_schemes
    monkeypatch.setattr(related, "related_schemes", lambda *a, **k: made.touch() or real(*a, **k))
    result = build_site(options(root))
    assert result.rendered == 0 and result.report.written == 0 and not made.exists()
    after = snapshot(root / "site")
    assert {k: v for k, v in after.items() if k != MANIFEST} == {k: v for k, v in before.items() if k != MANIFEST}
    edit(scheme, "name: Fewer falls", "name: Fewer falls on wards")  # what related lists are made from
    build_site(options(root))
    assert made.exists(), "the related lists were not made again after a goal was renamed"


def test_output_edited_by_hand_is_restored(root: Path) -> None:
    """A built file changed or deleted by hand is rebuilt on the next build, even with no source change."""
    page = root / "site" / "years" / "2010-11" / "index.html"
    original = page.read_bytes()
    page.write_text("vandalised")
    (root / "site" / "about" / "index.html").unlink()
    build_site(options(root))
    assert page.read_bytes() == original
    assert (root / "site" / "about" / "index.html").is_file()


def test_deleting_the_cache_is_safe(root: Path) -> None:
    """Without its cache a build still produces the same site, and rewrites nothing whose bytes are equal."""
    before = snapshot(root / "site")
    shutil.rmtree(root / ".cache")
    edit(root / "schemes/2010-11/_year.yaml", "Two national goals", "Two national goals for acute trusts")
    build_site(options(root))
    after = snapshot(root / "site")
    assert after["schemes/2010-11/london/example/index.html"] == before["schemes/2010-11/london/example/index.html"]
    assert after["years/2010-11/index.html"][0] != before["years/2010-11/index.html"][0]


def test_a_cache_from_another_version_is_started_afresh(root: Path) -> None:
    """A cache file whose tables another version made (other columns) is replaced, and the build is the same."""
    before = snapshot(root / "site")
    shutil.rmtree(root / ".cache")
    (root / ".cache").mkdir()
    db = sqlite3.connect(root / ".cache" / "build.sqlite")
    db.executescript("CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT); INSERT INTO meta VALUES ('code', '1x');"
                     "CREATE TABLE schemes (path TEXT PRIMARY KEY, card BLOB); CREATE TABLE files (path TEXT);")
    db.close()
    build_site(options(root))
    assert snapshot(root / "site") == before
    build_site(options(root))  # and the cache it wrote is read back
    assert snapshot(root / "site") == before


def test_year_file_edit_changes_schemes_of_that_year(root: Path) -> None:
    """The year's percentage feeds its schemes' values, so their pages change."""
    edit(root / "schemes/2010-11/_year.yaml", "cquin_percent: 1.5", "cquin_percent: 2")
    build_site(options(root))
    assert "£2,000,000" in (root / "site/schemes/2010-11/london/example/index.html").read_text()


def test_second_output_folder_with_the_same_cache_gets_every_file(root: Path) -> None:
    """Files an earlier build kept from its own site (search export included) are made anew for another folder."""
    build_site(options(root, out="second"))
    assert site_files(root / "second") == site_files(root / "site")
    assert any(name.startswith("search/p/") for name in site_files(root / "second"))


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_remembered_cache_entries_equal_a_clean_build(root: Path, change: str) -> None:
    """Builds in one process that remember the cache's schemes between them (as the dev server does) give the
    same site as a clean build after each kind of change, and after the cache folder is deleted under them."""
    remembered: dict[str, Any] = {}
    edit(root / "schemes/2010-11/london/example.yaml", "Example acute scheme", "Example acute scheme, first")
    build_site(options(root), remembered)
    assert len(remembered) > 2  # both schemes, and the cache file's generation
    CHANGES[change](root)
    build_site(options(root), remembered)
    build_site(options(root, out="clean", cache="clean-cache"))
    assert site_files(root / "site") == site_files(root / "clean")
    shutil.rmtree(root / ".cache")
    edit(root / "schemes/2010-11/london/example.yaml", "Example acute scheme", "Example acute scheme, again")
    build_site(options(root), remembered)
    shutil.rmtree(root / "clean")
    build_site(options(root, out="clean", cache="clean-cache"))
    assert site_files(root / "site") == site_files(root / "clean")


def test_the_write_stage_moves_new_folders_whole_and_merges_into_old_ones(tmp_path: Path) -> None:
    """Staged files sit in their folders: a folder the site lacks arrives whole, a folder it has is merged
    into (its other files untouched), changed files replace old ones, and no staging is left behind."""
    out = tmp_path / "site"
    write_site(out, [OutputFile("/a/", b"A"), OutputFile("/b/c/", b"C")], {}, "one")
    first = snapshot(out)
    report = write_site(out, [OutputFile("/a/", b"A"), OutputFile("/b/c/", b"C2"), OutputFile("/b/d/", b"D"),
                              OutputFile("/e/f/g.txt", b"G")], {}, "two")
    after = snapshot(out)
    assert after["a/index.html"] == first["a/index.html"]
    assert {rel: data for rel, (data, _) in after.items()} == {
        "a/index.html": b"A", "b/c/index.html": b"C2", "b/d/index.html": b"D", "e/f/g.txt": b"G",
        MANIFEST: after[MANIFEST][0]}
    assert (report.written, report.unchanged) == (3, 1)
    assert not (out / STAGING).exists()
    manifest = read_manifest(out)
    for rel in ("b/c/index.html", "b/d/index.html", "e/f/g.txt"):
        st = (out / rel).stat()
        assert (manifest.files[rel].size, manifest.files[rel].mtime_ns) == (st.st_size, st.st_mtime_ns)


@pytest.mark.parametrize("large", [True, False])
def test_an_edit_of_large_pages_renders_on_every_core(root: Path, monkeypatch: pytest.MonkeyPatch,
                                                      large: bool) -> None:
    """The few pages an edit re-renders go to forked workers when they came to PARALLEL_BYTES last time (here
    lowered to a byte, or raised past any page), and the site is the same as a clean build's either way."""
    from cquinlib.build import stages
    from cquinlib.core.parallel import iter_parallel

    asked: list[int] = []

    def recording(*args: Any, min_items: int, **kwargs: Any) -> Any:
        """iter_parallel, noting how many pages it was told make forking worth it."""
        asked.append(min_items)
        return iter_parallel(*args, min_items=min_items, **kwargs)

    monkeypatch.setattr(stages, "iter_parallel", recording)
    monkeypatch.setattr(stages, "PARALLEL_BYTES", 1 if large else 10**12)
    CHANGES["scheme edited"](root)
    result = build_site(options(root))
    assert 0 < result.rendered < result.pages
    assert asked == [1 if large else stages.PARALLEL_PAGES]
    build_site(options(root, out="clean", cache="clean-cache"))
    assert site_files(root / "site") == site_files(root / "clean")

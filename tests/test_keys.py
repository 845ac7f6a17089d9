"""Keys and caches: a page reads only what it declares, caches are keyed on the code that filled them, and a
change rewrites the files that show it and no others."""

from __future__ import annotations

import gzip
import itertools
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from conftest import REPO, SCHEME, write_content, write_library
from cquinlib.search.state import doc_slots
from helpers import build, failed_build_with_template, snapshot
from search_library import write_search_library

PACKAGE = REPO / "cquinlib"


def changed_files(before: dict[str, tuple[bytes, int]], after: dict[str, tuple[bytes, int]]) -> set[str]:
    """Output files written anew or removed between two snapshots (the build's own bookkeeping aside)."""
    names = {k for k in before.keys() | after.keys() if not k.startswith(".")}
    return {k for k in names if before.get(k) != after.get(k)}


def related_list(html: bytes) -> list[str]:
    """The links of a scheme page's similar schemes."""
    section = BeautifulSoup(html.decode("utf-8"), "html.parser").select("ul.related a")
    return [a["href"] for a in section]


def inflate(data: bytes) -> object:
    """A search file's JSON, inflated when it is gzip."""
    return json.loads(gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data)


def test_renaming_a_topic_rewrites_only_what_shows_it(tmp_path: Path) -> None:
    """A new topic name rewrites the pages that show the topic (its pages, the goals index, the schemes that use
    it) and no other: similar schemes are judged on topic slugs, not names, so no related list moves; no
    listing, year, region, provider or card pack is touched."""
    write_search_library(tmp_path)
    assert build(tmp_path) == 0
    before = snapshot(tmp_path / "site")
    topics = tmp_path / "schemes/_topics.yaml"
    topics.write_text(topics.read_text().replace("name: Falls prevention", "name: Falls and fractures"))
    assert build(tmp_path) == 0
    after = snapshot(tmp_path / "site")
    changed = changed_files(before, after)
    pages = {k for k in changed if k.endswith(".html")}
    assert {"goals/falls/index.html", "goals/index.html"} <= pages
    for name in pages:
        assert b"Falls and fractures" in after[name][0], name
        if name.startswith("schemes/"):
            assert related_list(after[name][0]) == related_list(before[name][0]), name
    for name in ("index.html", "years/index.html", "regions/index.html", "providers/index.html",
                 "years/2019-20/index.html", "regions/london/index.html", "goals/flu/index.html", "sitemap.xml"):
        assert name in after and name not in changed, name
    assert not any(k.startswith("search/d/") for k in changed)
    # No document holds a topic's name (search.labels): no postings file moves, and the new name finds the
    # topic's schemes at once, on the command line and in the label table the search page reads.
    assert not any(k.startswith("search/p/") for k in changed)
    assert any("schemes/" in k for k in pages)
    filed = search_ids(tmp_path, "topic:falls")
    assert len(filed) == 3 and sorted(search_ids(tmp_path, "fractures")) == sorted(filed)
    assert inflate(after["search/m.gz"][0])["lab"]["topic"]["fractur"] == ["falls"]


def search_ids(root: Path, query: str) -> list[str]:
    """The ids the search verb ranks for a query."""
    out = subprocess.run([sys.executable, str(REPO / "build.py"), "search", query, "--json", "--schemes",
                          str(root / "schemes"), "--cache", str(root / ".cache")],
                         capture_output=True, text=True, check=True).stdout
    return [row["id"] for row in json.loads(out)]


def test_adding_or_deleting_a_scheme_rewrites_only_the_search_files_that_hold_it(tmp_path: Path) -> None:
    """A scheme added changes one card pack, and only postings files holding its slot; deleted, the same."""
    write_search_library(tmp_path)
    assert build(tmp_path) == 0
    before = snapshot(tmp_path / "site")
    added = tmp_path / "schemes/2019-20/london/added.yaml"
    added.write_text(SCHEME.replace("Example acute scheme 2010/11", "Added scheme 2019/20")
                     .replace("national: vte", "").replace("submitted: 2010-06-14", "submitted: 2019-06-14"))
    assert build(tmp_path) == 0
    after = snapshot(tmp_path / "site")
    listed = sorted(p.relative_to(tmp_path / "schemes").with_suffix("").as_posix()
                    for p in (tmp_path / "schemes").rglob("*.yaml")
                    if not p.name.startswith("_") and _listed(tmp_path, p))
    new_slot = inflate(after["search/f.gz"][0])["d"][listed.index("2019-20/london/added")]  # type: ignore[index]
    search_changed = {k for k in changed_files(before, after) if k.startswith("search/")}
    packs = {k for k in search_changed if k.startswith("search/d/")}
    assert len(packs) == 1, packs
    assert str(new_slot % inflate(after["search/m.gz"][0])["pack"]) in inflate(after[packs.pop()][0])
    for name in (k for k in search_changed if k.startswith("search/p/") and k in after):
        assert new_slot in _slots_in(after[name][0]), name
    added.unlink()
    assert build(tmp_path) == 0
    gone = snapshot(tmp_path / "site")
    for name in (k for k in changed_files(after, gone) if k.startswith("search/p/") and k in after):
        assert new_slot in _slots_in(after[name][0]), name
    assert {k: v[0] for k, v in gone.items() if k.startswith("search/d/")} == {
        k: v[0] for k, v in before.items() if k.startswith("search/d/")}


def _listed(root: Path, path: Path) -> bool:
    """Whether a scheme file of the search library is listed (published) rather than a draft or withdrawn."""
    text = path.read_text()
    return "status: draft" not in text and "status: withdrawn" not in text


def _slots_in(data: bytes) -> set[int]:
    """Every document slot a postings file names."""
    found = set()
    for rows in inflate(data).values():  # type: ignore[union-attr]
        for row in rows:
            found.update(itertools.accumulate(row[1]))
    return found


def test_slots_depend_on_the_set_of_ids_alone() -> None:
    """A document's slot comes from its id: the same set gives the same slots in any order, and adding or
    removing an id moves almost no other (only within the rare run of taken slots it lands in)."""
    ids = [f"20{n % 15 + 10}-{n % 15 + 11}/region-{n % 7}/scheme-{n}" for n in range(900)]
    slots = dict(zip(ids, doc_slots(ids)))
    assert len(set(slots.values())) == len(ids)
    assert dict(zip(reversed(ids), doc_slots(list(reversed(ids))))) == slots
    grown = dict(zip(ids + ["2015-16/london/new"], doc_slots(ids + ["2015-16/london/new"])))
    assert sum(grown[i] != slots[i] for i in ids) <= 2
    shrunk = dict(zip(ids[1:], doc_slots(ids[1:])))
    assert sum(shrunk[i] != slots[i] for i in ids[1:]) <= 2


def test_a_template_cannot_read_what_its_page_did_not_declare(tmp_path: Path) -> None:
    """A template that reaches for something its page did not declare fails the build, naming the template and
    the name, and writes nothing."""
    write_library(tmp_path)
    write_content(tmp_path)
    failure = failed_build_with_template(tmp_path, "home.html", "{{ counts.schemes }}", "{{ catalog.listed | length }}")
    (problem,) = failure.diagnostics
    assert problem.src_path.name == "home.html" and "'catalog' is undefined" in problem.message
    assert not [p for p in (tmp_path / "site").rglob("*") if p.is_file()]
    # A declared name that a page kind does not declare fails alike: the year page has no 'counts'.
    failure = failed_build_with_template(tmp_path, "year.html", "{{ schemes | length }}", "{{ counts.schemes }}")
    assert [d.src_path.name for d in failure.diagnostics] == ["year.html"]
    assert "'counts' is undefined" in failure.diagnostics[0].message


def run_copy(code: Path, root: Path, out: str, cache: str) -> subprocess.CompletedProcess[str]:
    """Build root's library with the generator whose package is under code/, in a fresh process."""
    script = ("import sys, cquinlib; assert cquinlib.__file__.startswith(sys.argv[1]), cquinlib.__file__; "
              "from cquinlib.commands.cli import main; raise SystemExit(main(sys.argv[2:]))")
    return subprocess.run([sys.executable, "-c", script, str(code), "build", "--schemes", str(root / "schemes"),
                           "--content", str(root / "content"), "--out", str(root / out), "--cache", str(root / cache)],
                          capture_output=True, text=True, cwd=root, env={**os.environ, "PYTHONPATH": str(code)})


def test_a_change_to_the_analysers_code_rebuilds_what_it_made(tmp_path: Path) -> None:
    """With a copy of the generator, build; raise the analyser's minimum word length in the copy's code and
    build again into the same site and cache: the site equals a clean build by the changed code, every cache
    saying so on one line, and the change shows (two-letter words leave the search vocabulary)."""
    code = tmp_path / "code"
    shutil.copytree(PACKAGE, code / "cquinlib", ignore=shutil.ignore_patterns("__pycache__"))
    root = tmp_path / "lib"
    write_search_library(root)
    first = run_copy(code, root, "site", ".cache")
    assert first.returncode == 0, first.stderr
    before = snapshot(root / "site")
    analysis = code / "cquinlib/search/analysis.py"
    assert analysis.read_text().count("MIN_WORD = 2\n") == 1
    analysis.write_text(analysis.read_text().replace("MIN_WORD = 2\n", "MIN_WORD = 3\n"))
    again = run_copy(code, root, "site", ".cache")
    assert again.returncode == 0, again.stderr
    notes = [line for line in again.stderr.splitlines() if line.startswith("note: ")]
    assert any("search statistics" in line and "other code" in line for line in notes), again.stderr
    assert "Traceback" not in again.stderr
    clean = run_copy(code, root, "clean", "clean-cache")
    assert clean.returncode == 0, clean.stderr
    after, fresh = snapshot(root / "site"), snapshot(root / "clean")
    files = {k: v[0] for k, v in after.items() if not k.startswith(".")}
    assert files == {k: v[0] for k, v in fresh.items() if not k.startswith(".")}
    assert inflate(files["search/m.gz"])["min"] == 3 and inflate(before["search/m.gz"][0])["min"] == 2
    assert changed_files(before, after) and not changed_files(before, after) >= {
        k for k in after if not k.startswith(".")}


@pytest.mark.parametrize("damage", ["other layout", "not a database", "search files of other code",
                                    "damaged search files"])
def test_an_old_or_damaged_cache_is_dropped_with_a_notice(tmp_path: Path, damage: str,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    """A cache that an older version (another layout of the code) wrote, or a damaged one, is started afresh
    with a one-line notice, never a traceback, and the site is as a clean build makes it."""
    write_search_library(tmp_path)
    assert build(tmp_path) == 0
    before = {k: v[0] for k, v in snapshot(tmp_path / "site").items() if not k.startswith(".")}
    cache = tmp_path / ".cache"
    index = next(p for p in (cache / "search").iterdir() if p.is_dir())
    if damage == "other layout":
        db = sqlite3.connect(cache / "build.sqlite")
        db.execute("UPDATE meta SET value = 'code of cquinlib 0.0, one flat folder' WHERE name = 'code'")
        db.commit()
        db.close()
    elif damage == "not a database":
        (cache / "build.sqlite").write_bytes(b"this is not a database" * 100)
    elif damage == "search files of other code":
        db = sqlite3.connect(index / "export-docs.sqlite")
        db.execute("UPDATE meta SET value = 'code of cquinlib 0.0' WHERE name = 'code'")
        db.commit()
        db.close()
    else:
        for name in ("export-docs.sqlite", "export-state.pickle"):
            (index / name).write_bytes(b"\0" * 64)
    shutil.rmtree(tmp_path / "site")
    capsys.readouterr()
    assert build(tmp_path) == 0
    err = capsys.readouterr().err
    notes = [line for line in err.splitlines() if line.startswith("note: ")]
    assert len(notes) == 1 and ("other code" in notes[0] or "damaged" in notes[0]), err
    assert {k: v[0] for k, v in snapshot(tmp_path / "site").items() if not k.startswith(".")} == before


def test_the_whoosh_index_an_older_build_left_is_removed(tmp_path: Path) -> None:
    """Builds once wrote a whoosh index into each library's search folder; the build writes none now, and deletes
    the one an older version left there (its segments, table of contents and records), keeping its own files."""
    write_search_library(tmp_path)
    assert build(tmp_path) == 0
    folder = next(p for p in (tmp_path / ".cache" / "search").iterdir() if p.is_dir())
    own = sorted(p.name for p in folder.iterdir())
    assert not [name for name in own if name.startswith(("MAIN_", "_MAIN_")) or name in ("VERSION", "HELD")]
    for name in ("MAIN_0abc.seg", "_MAIN_3.toc", "MAIN_WRITELOCK", "VERSION", "HELD"):
        (folder / name).write_bytes(b"left by an older build")
    edit = tmp_path / "schemes" / "2019-20" / "midlands" / "riverside.yaml"
    edit.write_text(edit.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert build(tmp_path) == 0
    assert sorted(p.name for p in folder.iterdir()) == own

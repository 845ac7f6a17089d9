"""The switch from the old site to the new: the output stays a real folder, the new site is made in a hidden copy
beside it and exchanged in one step, unchanged files are hard links rather than copies, a manifest naming paths
outside the output deletes nothing, links inside the output are never followed, and where the output cannot be
exchanged it is switched in place with a journal that the next build finishes."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import SCHEME, write_content, write_library
from helpers import build, outside, snapshot

from cquinlib.build.options import BuildOptions
from cquinlib.build.pipeline import build_site
from cquinlib.core.diagnostics import BuildFailed
from cquinlib.site import commit, tree
from cquinlib.site.manifest import MANIFEST, STAGING, is_safe_relative

SECOND = SCHEME.replace("Example acute scheme 2010/11", "Second scheme").replace(
    "Example Hospitals NHS Foundation Trust", "Second Hospitals NHS Trust")


def options(root: Path, out: str = "site", cache: str = ".cache") -> BuildOptions:
    """Build options for the library under root."""
    return BuildOptions(root / "schemes", root / "content", root / out, cache_dir=root / cache)


def files_of(site: Path) -> dict[str, bytes]:
    """Every file of a built site with its bytes (the manifest too: it names what the site holds)."""
    return {rel: data for rel, (data, _) in snapshot(site).items() if rel != MANIFEST}


def clean_site(root: Path, name: str = "clean") -> dict[str, bytes]:
    """The files a clean build of root's library makes, with a cache of its own."""
    shutil.rmtree(root / name, ignore_errors=True)
    build_site(options(root, out=name, cache=f".{name}-cache"))
    return files_of(root / name)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A library of two schemes and its content, built once into root/site, its hidden copy made at once (as the
    dev server has it made)."""
    write_library(tmp_path, {"2010-11/london/example": SCHEME, "2010-11/london/second": SECOND})
    write_content(tmp_path)
    build_site(replace(options(tmp_path), copy_new_output=True))
    return tmp_path


def test_the_hidden_copy_is_made_by_the_second_build_unless_asked_for_at_once(tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """A first build makes no hidden copy (a deploy's build is never followed by another); the next build makes it,
    linking every file it does not write, and exchanges it with the output; the dev server's option makes it at
    once, sharing every file with the output by link."""
    write_library(tmp_path, {"2010-11/london/example": SCHEME, "2010-11/london/second": SECOND})
    write_content(tmp_path)
    build_site(options(tmp_path))
    work = tmp_path / ".site.cquin-next"
    assert sorted(p.name for p in work.iterdir()) == ["lock"]
    links: list[str] = []
    real_link = tree.Tree.link
    monkeypatch.setattr(tree.Tree, "link", lambda self, rel, source: links.append(rel) or real_link(self, rel, source))
    edit_second(tmp_path, "Second, edited")
    result = build_site(options(tmp_path))
    assert len(links) + result.report.written == len(files_of(tmp_path / "site"))
    assert sorted(p.name for p in work.iterdir()) == ["lock", "tree"]
    assert files_of(tmp_path / "site") == clean_site(tmp_path)
    fresh = tmp_path / "other"
    build_site(replace(options(tmp_path), out_dir=fresh, copy_new_output=True))
    copy = tmp_path / ".other.cquin-next" / "tree"
    about = "about/index.html"
    assert os.stat(fresh / about).st_ino == os.stat(copy / about).st_ino
    assert files_of(copy) == files_of(fresh)


def edit_second(root: Path, title: str) -> None:
    """Give the second scheme a new title."""
    path = root / "schemes/2010-11/london/second.yaml"
    path.write_text(SECOND.replace("Second scheme", title), encoding="utf-8")


@pytest.mark.parametrize("rel", ["a/b.html", "index.html", ".well-known/security.txt"])
def test_plain_relative_paths_are_safe(rel: str) -> None:
    """What the build writes: relative paths of plain names."""
    assert is_safe_relative(rel)


@pytest.mark.parametrize("rel", ["", "/etc/passwd", "../elsewhere/file", "a/../../b", "a/./b", "a//b", "a/",
                                 "a\\..\\b", "a\0b", "a\nb", ".", "..", MANIFEST, f"{STAGING}/x", f"{MANIFEST}.tmp",
                                 "C:\\x", 7, None])
def test_paths_that_could_leave_the_output_are_refused(rel: object) -> None:
    """Absolute paths, '..', backslashes, NUL and control characters, empty parts, anything that normalises to
    another path, and the build's own bookkeeping names are never paths the build writes or deletes."""
    assert not is_safe_relative(rel)


@pytest.mark.parametrize("planted", ["../elsewhere/file", "ABSOLUTE", "a/../../elsewhere/file", "..\\elsewhere\\file"])
def test_a_manifest_naming_paths_outside_deletes_nothing(root: Path, planted: str,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    """A manifest entry outside the output sets the whole manifest aside: the files outside survive, the build
    says so in one notice, and the output is rewritten to exactly what a clean build makes."""
    victim = root / "elsewhere" / "file"
    victim.parent.mkdir()
    victim.write_text("keep me")
    name = str(victim) if planted == "ABSOLUTE" else planted
    manifest_path = root / "site" / MANIFEST
    data = json.loads(manifest_path.read_text())
    data["files"][name] = ["0" * 32, "", 7, 0]
    data["fingerprint"] = "changed"
    manifest_path.write_text(json.dumps(data))
    before = outside(root)
    capsys.readouterr()
    assert build(root) == 0
    err = capsys.readouterr().err
    assert victim.read_text() == "keep me"
    assert outside(root) == before
    assert files_of(root / "site") == clean_site(root)
    notes = [line for line in err.splitlines() if line.startswith("note: ")]
    assert any(MANIFEST in line for line in notes), err


def test_the_output_stays_a_real_folder_and_unchanged_files_are_shared_by_link(root: Path) -> None:
    """After an edit the output is a real folder (deployable with cp -r, rsync or tar); the hidden copy beside it
    shares every unchanged file by hard link (no copy of the site), and differs only where the edit changed."""
    edit_second(root, "Second, edited")
    assert build_site(options(root)).notices == ()  # exchanged in one step: nothing to say
    site, hidden = root / "site", root / ".site.cquin-next" / "tree"
    assert site.is_dir() and not site.is_symlink()
    assert files_of(site) == clean_site(root)
    about = "about/index.html"
    assert os.stat(site / about).st_ino == os.stat(hidden / about).st_ino
    assert (hidden / "schemes/2010-11/london/second/index.html").read_bytes() != \
        (site / "schemes/2010-11/london/second/index.html").read_bytes()
    assert sorted(p.name for p in (root / ".site.cquin-next").iterdir()) == ["lock", "tree"]


def test_an_edit_writes_and_links_only_what_changed(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each build's cost follows what changed: an edit writes the files it changes and links into the hidden
    copy only what changed since the copy was last live, never the whole site."""
    edit_second(root, "Second, first edit")
    build_site(options(root))
    calls: list[str] = []
    real_link, real_write = tree.Tree.link, tree.Tree.write
    monkeypatch.setattr(tree.Tree, "link", lambda self, rel, source: calls.append(rel) or real_link(self, rel, source))
    monkeypatch.setattr(tree.Tree, "write", lambda self, rel, data: calls.append(rel) or real_write(self, rel, data))
    edit_second(root, "Second, second edit")
    result = build_site(options(root))
    total = len(files_of(root / "site"))
    assert 0 < result.report.written < total // 2
    assert 0 < len(calls) <= 2 * result.report.written + 2, calls
    assert files_of(root / "site") == clean_site(root)


def test_without_an_exchange_the_switch_is_three_renames(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where the system cannot exchange two folders, renames switch them, with a notice; nothing is left over."""
    monkeypatch.setattr(commit, "exchange", lambda a, b: False)
    edit_second(root, "Second, renamed")
    result = build_site(options(root))
    assert any("cannot exchange two folders" in n for n in result.notices)
    assert files_of(root / "site") == clean_site(root)
    assert sorted(p.name for p in (root / ".site.cquin-next").iterdir()) == ["lock", "tree"]


def test_a_kill_between_the_renames_is_finished_by_the_next_build(root: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Stopped after the live site was renamed aside and before the new one took its name (no exchange on this
    system): the output is absent, never mixed, and the next build puts the complete new site in place first."""
    monkeypatch.setattr(commit, "exchange", lambda a, b: False)
    real_rename = os.rename

    def stopped(src: object, dst: object, *args: object, **kwargs: object) -> None:
        """Stop the build at the rename that would put the new site in place."""
        if Path(str(dst)) == root / "site":
            raise KeyboardInterrupt
        real_rename(src, dst, *args, **kwargs)  # type: ignore[arg-type]
    monkeypatch.setattr(os, "rename", stopped)
    edit_second(root, "Second, switched")
    with pytest.raises(KeyboardInterrupt):
        build_site(options(root))
    monkeypatch.setattr(os, "rename", real_rename)
    work = root / ".site.cquin-next"
    assert not os.path.lexists(root / "site") and (work / "prev").is_dir()
    result = build_site(options(root))
    assert any("interrupted build" in n for n in result.notices)
    assert files_of(root / "site") == clean_site(root)
    assert not os.path.lexists(work / "prev")


def test_a_dirty_hidden_copy_is_made_again(root: Path) -> None:
    """A hidden copy left dirty (a build killed while changing it), holding a stray page, never publishes it."""
    work = root / ".site.cquin-next"
    stray = work / "tree" / "schemes" / "2010-11" / "london" / "stray" / "index.html"
    stray.parent.mkdir(parents=True)
    stray.write_text("<p>orphan</p>")
    (work / "dirty").touch()
    edit_second(root, "Second, after a kill")
    build_site(options(root))
    assert files_of(root / "site") == clean_site(root)
    assert not (work / "dirty").exists()


def test_links_inside_the_output_are_never_followed(root: Path) -> None:
    """A folder of the output replaced by a link to a folder elsewhere: nothing in that folder is deleted or
    written, and the site is rebuilt as it should be."""
    elsewhere = root / "elsewhere"
    (elsewhere / "second").mkdir(parents=True)
    (elsewhere / "second" / "index.html").write_text("not the site's")
    (elsewhere / "example").mkdir()
    (elsewhere / "example" / "index.html").write_text("not the site's either")
    london = root / "site" / "schemes" / "2010-11" / "london"
    shutil.rmtree(london)
    london.symlink_to(elsewhere, target_is_directory=True)
    before = snapshot(elsewhere)
    (root / "schemes/2010-11/london/second.yaml").unlink()
    # Three builds: the linked folder is live, then in the hidden copy (brought up to date), then live again.
    for n in range(3):
        (root / "content/about.md").write_text(f"---\ntitle: About\nnav: 1\n---\n# Hello {n}\n")
        assert build(root) == 0
        assert snapshot(elsewhere) == before
    assert not (root / "site/schemes/2010-11/london").is_symlink()
    assert not (root / ".site.cquin-next/tree/schemes/2010-11/london").is_symlink()
    assert files_of(root / "site") == clean_site(root)


def test_files_the_build_did_not_write_are_kept_and_switched_in_place(root: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """A file put at the top of the output by hand (a CNAME) is never hidden or deleted: the build replaces
    its own files in place around it and says why in one notice."""
    (root / "site" / "CNAME").write_text("example.org\n")
    edit_second(root, "Second, with a CNAME")
    capsys.readouterr()
    assert build(root) == 0
    err = capsys.readouterr().err
    assert (root / "site" / "CNAME").read_text() == "example.org\n"
    assert {k: v for k, v in files_of(root / "site").items() if k != "CNAME"} == clean_site(root)
    assert [line for line in err.splitlines() if line.startswith("note: ")] == [
        line for line in err.splitlines() if "CNAME" in line and "content/files" in line]
    assert not (root / "site" / STAGING).exists()


def test_an_output_given_as_a_link_is_written_in_place(tmp_path: Path) -> None:
    """An output that is a symbolic link stays one: its target is written in place, nothing is made beside the
    target, and the next builds keep it so."""
    write_library(tmp_path, {"2010-11/london/example": SCHEME, "2010-11/london/second": SECOND})
    write_content(tmp_path)
    (tmp_path / "real").mkdir()
    (tmp_path / "site").symlink_to(tmp_path / "real", target_is_directory=True)
    result = build_site(options(tmp_path))
    assert any("symbolic link" in n for n in result.notices)
    edit_second(tmp_path, "Second, through a link")
    build_site(options(tmp_path))
    assert (tmp_path / "site").is_symlink()
    assert files_of(tmp_path / "real") == clean_site(tmp_path)
    assert not (tmp_path / ".real.cquin-next").exists()
    assert os.listdir(tmp_path / ".site.cquin-next") == ["lock"]  # the lock beside the link, no copy of the site


def test_an_in_place_switch_killed_part_way_is_finished_by_the_next_build(root: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """In place, a build stopped after some files were moved and before the manifest leaves a journal: the
    next build finishes the switch first, so no page is orphaned and the site equals a clean build."""
    (root / "site" / "CNAME").write_text("example.org\n")
    (root / "schemes/2010-11/london/third.yaml").write_text(SECOND.replace("Second", "Third"), encoding="utf-8")
    real = tree.Tree.replace_file

    def killed(self: tree.Tree, rel: str, data: bytes) -> None:
        """Stop the build where the live manifest would be written."""
        if rel == MANIFEST and self.root == root / "site":
            raise KeyboardInterrupt
        real(self, rel, data)
    monkeypatch.setattr(tree.Tree, "replace_file", killed)
    with pytest.raises(KeyboardInterrupt):
        build_site(options(root))
    assert (root / "site" / STAGING / commit.JOURNAL).is_file()
    assert (root / "site/schemes/2010-11/london/third/index.html").is_file()  # moved, not yet in the manifest
    monkeypatch.setattr(tree.Tree, "replace_file", real)
    result = build_site(options(root))
    assert any("interrupted build" in n for n in result.notices)
    assert {k: v for k, v in files_of(root / "site").items() if k != "CNAME"} == clean_site(root)
    assert not (root / "site" / STAGING).exists()


def test_a_build_that_fails_part_way_repairs_only_what_it_touched(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A build failing after it wrote part of the hidden copy leaves the copy clean, with what it touched marked
    unknown: the next build puts right those files, not the whole copy."""
    real_write = tree.Tree.write
    count = [0]

    def failing(self: tree.Tree, rel: str, data: bytes) -> os.stat_result:
        """Fail the third write."""
        count[0] += 1
        if count[0] == 3:
            raise OSError(28, "No space left on device", str(self.root / rel))
        return real_write(self, rel, data)
    monkeypatch.setattr(tree.Tree, "write", failing)
    edit_second(root, "Second, failing")
    before = snapshot(root / "site")
    with pytest.raises(BuildFailed):
        build_site(options(root))
    assert snapshot(root / "site") == before
    assert not (root / ".site.cquin-next" / "dirty").exists()
    monkeypatch.setattr(tree.Tree, "write", real_write)
    links: list[str] = []
    real_link = tree.Tree.link
    monkeypatch.setattr(tree.Tree, "link", lambda self, rel, source: links.append(rel) or real_link(self, rel, source))
    build_site(options(root))
    assert len(links) < len(files_of(root / "site")) // 2  # the copy was put right, not made again
    assert files_of(root / "site") == clean_site(root)


def test_attachments_are_digested_and_copied_in_blocks(tmp_path: Path) -> None:
    """A large attachment is never read whole: digesting and copying it hold a block or two in memory."""
    import hashlib
    import tracemalloc

    big = tmp_path / "big.bin"
    block = os.urandom(1 << 20)
    with open(big, "wb") as f:
        for _ in range(48):
            f.write(block)
    expected = hashlib.blake2b(digest_size=16)
    for _ in range(48):
        expected.update(block)
    (tmp_path / "copy").mkdir()
    del block
    tracemalloc.start()
    try:
        with tree.Tree(tmp_path / "copy", own=True) as copy, open(big, "rb") as src:
            digest, st = copy.copy("a/big.bin", src)
        streamed = tree.digest_stream(big)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert digest == streamed == expected.hexdigest() and st.st_size == 48 << 20
    assert peak < 4 << 20, peak
    assert (tmp_path / "copy/a/big.bin").stat().st_size == 48 << 20


def test_a_mount_point_is_switched_in_place_with_a_notice(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An output that is a mount point cannot be exchanged: its files are replaced in place, with a notice, and
    the site equals a clean build's."""
    site = str(root / "site")
    real = os.path.ismount
    monkeypatch.setattr(os.path, "ismount", lambda path: str(path) == site or real(path))
    edit_second(root, "Second, on a mount")
    result = build_site(options(root))
    assert [n for n in result.notices if "mount point" in n], result.notices
    assert files_of(root / "site") == clean_site(root)
    assert not (root / "site" / STAGING).exists()

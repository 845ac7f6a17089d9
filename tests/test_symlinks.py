"""Nothing outside the library: every path a build reads resolves inside the schemes or the content folder.

A link (git carries symlinks) that leaves its folder, loops or dangles, and a folder or pipe named like a scheme
file, is an error naming the path, and what lies past such a link is never read: a secret's text appears in no
message, no cache and no page. Links that stay inside are followed.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from conftest import SCHEME, write_content, write_library
from helpers import build, snapshot

EXAMPLE = "2010-11/london/example"
SECRET = "TOP-SECRET-hunter2"
# What a secrets file might hold, written so that a scheme check reading it would quote it in its errors.
SECRET_YAML = f"title: {SECRET}\nprovider: {{name: {SECRET}, type: {SECRET}}}\n{SECRET}: {SECRET}\n"


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder beside the library holding secrets, as /etc would."""
    folder = tmp_path / "outside"
    (folder / "region").mkdir(parents=True)
    (folder / "shadow.txt").write_text(f"root:{SECRET}:19000:0:99999:7:::\n", encoding="utf-8")
    (folder / "secret.yaml").write_text(SECRET_YAML, encoding="utf-8")
    (folder / "region" / "leak.yaml").write_text(SECRET_YAML, encoding="utf-8")
    (folder / "_year.yaml").write_text(f"label: {SECRET}\ncquin_percent: {SECRET}\n", encoding="utf-8")
    (folder / "page.md").write_text(f"---\ntitle: {SECRET}\nnav: {SECRET}\n---\n{SECRET}\n", encoding="utf-8")
    return folder


def built(root: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    """Build root's library; the exit code and everything printed."""
    code = build(root, *extra)
    out = capsys.readouterr()
    return code, out.out + out.err


def assert_no_secret(root: Path, printed: str) -> None:
    """The secret's text is in nothing the build printed or wrote."""
    assert SECRET not in printed
    for folder in ("site", ".cache"):
        for path in (root / folder).rglob("*") if (root / folder).exists() else ():
            if path.is_file() and not path.is_symlink():
                assert SECRET.encode() not in path.read_bytes(), path


def assert_refused(root: Path, capsys: pytest.CaptureFixture[str], link: Path, *parts: str) -> str:
    """The build fails with an error naming `link`, the secret is nowhere, and no site is written."""
    code, printed = built(root, capsys)
    assert code == 1, printed
    lines = [line for line in printed.splitlines() if line.startswith(f"{link}:1:1: ")]
    assert lines, printed
    for part in parts:
        assert any(part in line for line in lines), printed
    assert_no_secret(root, printed)
    assert not (root / "site").exists()
    return printed


def library(root: Path, scheme: str = SCHEME) -> Path:
    """A valid one-scheme library and its content folder."""
    lib = write_library(root, {EXAMPLE: scheme})
    write_content(root)
    return lib


OUT_OF_SCHEMES = "is a link to a place outside the schemes folder"


# --------------------------------------------------------------------------- links out of the schemes folder


def test_a_scheme_file_linked_outside(tmp_path: Path, outside: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lib = library(tmp_path)
    link = lib / "2010-11" / "london" / "leak.yaml"
    os.symlink(outside / "secret.yaml", link)
    assert_refused(tmp_path, capsys, link, OUT_OF_SCHEMES)


def test_a_region_folder_linked_outside(tmp_path: Path, outside: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lib = library(tmp_path)
    link = lib / "2010-11" / "east-of-england"
    os.symlink(outside / "region", link)
    assert_refused(tmp_path, capsys, link, OUT_OF_SCHEMES)


def test_a_year_folder_linked_outside(tmp_path: Path, outside: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lib = library(tmp_path)
    link = lib / "2012-13"
    os.symlink(outside, link)
    assert_refused(tmp_path, capsys, link, OUT_OF_SCHEMES)


@pytest.mark.parametrize("name", ["_regions.yaml", "_topics.yaml", "2010-11/_year.yaml"])
def test_a_shared_file_linked_outside(tmp_path: Path, outside: Path, capsys: pytest.CaptureFixture[str],
                                      name: str) -> None:
    lib = library(tmp_path)
    link = lib / name
    link.unlink()
    os.symlink(outside / ("_year.yaml" if "year" in name else "secret.yaml"), link)
    assert_refused(tmp_path, capsys, link, OUT_OF_SCHEMES)


def test_an_attachment_folder_linked_to_etc(tmp_path: Path, outside: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The /etc/shadow case: the scheme's folder is a link out, and lists a file found there."""
    lib = library(tmp_path, SCHEME + "attachments:\n  - {file: shadow.txt, title: Passwords}\n")
    link = lib / EXAMPLE
    os.symlink(outside, link)
    printed = assert_refused(tmp_path, capsys, link, OUT_OF_SCHEMES)
    assert "attachments[0].file: attachment 'shadow.txt' cannot be used" in printed


def test_an_attachment_file_linked_outside(tmp_path: Path, outside: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lib = library(tmp_path, SCHEME + "attachments:\n  - {file: notes.txt, title: Notes}\n")
    (lib / EXAMPLE).mkdir()
    os.symlink(outside / "shadow.txt", lib / EXAMPLE / "notes.txt")
    code, printed = built(tmp_path, capsys)
    assert code == 1
    assert f"{lib / EXAMPLE}.yaml:" in printed and "'notes.txt' lies outside the scheme's folder example/" in printed
    assert_no_secret(tmp_path, printed)


def test_a_failed_build_leaves_the_previous_site(tmp_path: Path, outside: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    lib = library(tmp_path)
    assert built(tmp_path, capsys)[0] == 0
    before = snapshot(tmp_path / "site")
    os.symlink(outside / "secret.yaml", lib / "2010-11" / "london" / "leak.yaml")
    code, printed = built(tmp_path, capsys)
    assert code == 1 and OUT_OF_SCHEMES in printed
    assert snapshot(tmp_path / "site") == before
    assert_no_secret(tmp_path, printed)


# --------------------------------------------------------------------------- loops, broken links, odd entries


def test_a_loop_of_scheme_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lib = library(tmp_path)
    region = lib / "2010-11" / "london"
    os.symlink(region / "b.yaml", region / "a.yaml")
    os.symlink(region / "a.yaml", region / "b.yaml")
    printed = assert_refused(tmp_path, capsys, region / "a.yaml", "leads back to itself (a loop)")
    assert f"{region / 'b.yaml'}:1:1: path: is a link that leads back to itself" in printed


def test_a_folder_linked_to_itself(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lib = library(tmp_path)
    link = lib / "2010-11" / "midlands"
    os.symlink(link, link)
    assert_refused(tmp_path, capsys, link, "a loop")


def test_an_attachment_folder_in_a_loop(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lib = library(tmp_path, SCHEME + "attachments:\n  - {file: a.pdf}\n")
    os.symlink(lib / EXAMPLE, lib / EXAMPLE)
    printed = assert_refused(tmp_path, capsys, lib / EXAMPLE, "a loop")
    assert "attachment 'a.pdf' cannot be used" in printed


def test_a_broken_link(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lib = library(tmp_path)
    link = lib / "2010-11" / "london" / "gone.yaml"
    os.symlink(tmp_path / "nowhere.yaml", link)
    assert_refused(tmp_path, capsys, link, "is a broken link")


def test_a_folder_named_like_a_scheme_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lib = library(tmp_path)
    folder = lib / "2010-11" / "london" / "other.yaml"
    folder.mkdir()
    (folder / "x.pdf").write_bytes(b"%PDF-1.4\n")
    assert_refused(tmp_path, capsys, folder, "'other.yaml' is a folder, not a scheme file", "('other/')")


def test_a_named_pipe_named_like_a_scheme_file_is_an_error_not_a_hang(tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    lib = library(tmp_path)
    pipe = lib / "2010-11" / "london" / "pipe.yaml"
    os.mkfifo(pipe)
    result: list[tuple[int, str]] = []
    worker = threading.Thread(target=lambda: result.append(built(tmp_path, capsys)), daemon=True)
    worker.start()
    worker.join(30)
    if worker.is_alive():  # unblock the reader so that the test run can end, then fail
        with open(pipe, "wb"):
            pass
        worker.join(5)
        pytest.fail("the build blocked reading a named pipe")
    code, printed = result[0]
    assert code == 1 and f"{pipe}:1:1: path: 'pipe.yaml' is not a regular file" in printed


# --------------------------------------------------------------------------- links that stay inside are followed


def test_links_inside_the_library_are_followed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lib = library(tmp_path, SCHEME + "attachments:\n  - {file: plan.pdf, title: Plan}\n")
    shared = lib / "_shared" / "docs"  # '_' folders are never scanned as years: a place for shared files
    shared.mkdir(parents=True)
    (shared / "plan.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    os.symlink(shared, lib / EXAMPLE)
    os.symlink(lib / f"{EXAMPLE}.yaml", lib / "2010-11" / "london" / "alias.yaml")  # a second scheme, same text
    os.symlink(lib / EXAMPLE, lib / "2010-11" / "london" / "alias")  # and its folder: a link to a link
    code, printed = built(tmp_path, capsys)
    assert code == 0, printed
    site = tmp_path / "site" / "schemes" / "2010-11" / "london"
    for slug in ("example", "alias"):
        assert (site / slug / "plan.pdf").read_bytes() == b"%PDF-1.4\n%%EOF\n"
        assert (site / slug / "index.html").is_file()


# --------------------------------------------------------------------------- the content folder


def test_a_content_page_linked_outside(tmp_path: Path, outside: Path, capsys: pytest.CaptureFixture[str]) -> None:
    library(tmp_path)
    link = tmp_path / "content" / "leak.md"
    os.symlink(outside / "page.md", link)
    assert_refused(tmp_path, capsys, link, "is a link to a place outside the content folder")


def test_site_yaml_linked_outside(tmp_path: Path, outside: Path, capsys: pytest.CaptureFixture[str]) -> None:
    library(tmp_path)
    link = tmp_path / "content" / "site.yaml"
    link.unlink()
    os.symlink(outside / "secret.yaml", link)
    assert_refused(tmp_path, capsys, link, "outside the content folder")


def test_a_content_folder_linked_outside(tmp_path: Path, outside: Path, capsys: pytest.CaptureFixture[str]) -> None:
    library(tmp_path)
    link = tmp_path / "content" / "guidance"
    os.symlink(outside, link)
    assert_refused(tmp_path, capsys, link, "outside the content folder")


@pytest.mark.parametrize("target", ["shadow.txt", "."])
def test_a_published_file_or_folder_linked_outside(tmp_path: Path, outside: Path,
                                                   capsys: pytest.CaptureFixture[str], target: str) -> None:
    library(tmp_path)
    files = tmp_path / "content" / "files"
    files.mkdir()
    link = files / "leak"
    os.symlink((outside / target).resolve(), link)
    assert_refused(tmp_path, capsys, link, "is a link to a place outside content/files/")


def test_content_files_loop_and_broken_link(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    library(tmp_path)
    files = tmp_path / "content" / "files"
    (files / "sub").mkdir(parents=True)
    os.symlink(files, files / "sub" / "up")
    os.symlink(files / "missing.txt", files / "gone.txt")
    printed = assert_refused(tmp_path, capsys, files / "sub" / "up", "already published (a loop)")
    assert f"{files / 'gone.txt'}:1:1: path: is a broken link" in printed


def test_content_links_inside_are_followed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    library(tmp_path)
    files = tmp_path / "content" / "files"
    (files / "docs").mkdir(parents=True)
    (files / "docs" / "real.txt").write_text("hello\n", encoding="utf-8")
    os.symlink(files / "docs" / "real.txt", files / "alias.txt")
    os.symlink(files / "docs", files / "mirror")
    code, printed = built(tmp_path, capsys)
    assert code == 0, printed
    site = tmp_path / "site"
    assert (site / "alias.txt").read_text() == "hello\n" and (site / "mirror" / "real.txt").read_text() == "hello\n"

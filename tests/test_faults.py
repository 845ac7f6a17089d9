"""Faults during a build: disk full, a read-only file system, permission errors, files that cannot be replaced,
sources or attachments gone or changed while the build runs, a cache that is a file or holds garbage, two builds
at once, and a build killed at any moment. After each, the output is exactly the old site or exactly the new
one, nothing outside the output (and its one hidden sibling) changed, and the message is one line naming the file.
"""

from __future__ import annotations

import errno
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from conftest import REPO, SCHEME, write_content, write_library
from helpers import build, outside, snapshot

from cquinlib.build.options import BuildOptions
from cquinlib.build.pipeline import build_site
from cquinlib.core.diagnostics import BuildFailed
from cquinlib.site import commit, tree
from cquinlib.site.commit import lock_file
from cquinlib.site.manifest import MANIFEST

SECOND = SCHEME.replace("Example acute scheme 2010/11", "Second scheme").replace(
    "Example Hospitals NHS Foundation Trust", "Second Hospitals NHS Trust")
ATTACHED = SCHEME + "attachments:\n  - {file: template.csv, title: Indicator template}\n"
GENERATOR = REPO.parent / "shared" / "bench" / "gen_library.py"


def options(root: Path, out: str = "site", cache: str = ".cache", **kwargs: Any) -> BuildOptions:
    """Build options for the library under root."""
    return BuildOptions(root / "schemes", root / "content", root / out, cache_dir=root / cache, **kwargs)


def files_of(site: Path) -> dict[str, bytes]:
    """Every file of a built site with its bytes, but the manifest (its fingerprint names the sources' times)."""
    return {rel: data for rel, (data, _) in snapshot(site).items() if rel != MANIFEST}


def clean_site(root: Path) -> dict[str, bytes]:
    """The files a clean build of root's library makes, into a folder and cache of its own."""
    build_site(options(root, out="clean", cache=".clean-cache"))
    return files_of(root / "clean")


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A library of two schemes (one with an attachment), built, then built again after an edit, so the hidden
    copy is one site behind the live one (as after any edit)."""
    write_library(tmp_path, {"2010-11/london/example": ATTACHED, "2010-11/london/second": SECOND})
    folder = tmp_path / "schemes/2010-11/london/example"
    folder.mkdir()
    (folder / "template.csv").write_text("indicator,target\nVTE,90%\n")
    write_content(tmp_path)
    build_site(options(tmp_path))
    edit_second(tmp_path, "Second, first edit")
    build_site(options(tmp_path))
    return tmp_path


def edit_second(root: Path, title: str) -> None:
    """Give the second scheme a new title."""
    (root / "schemes/2010-11/london/second.yaml").write_text(SECOND.replace("Second scheme", title), encoding="utf-8")


def one_error(err: str) -> str:
    """The one diagnostic line of a failed build's standard error (and no traceback)."""
    lines = [line for line in err.splitlines() if line.strip()]
    assert "Traceback" not in err, err
    assert len(lines) == 2 and "was not changed" in lines[1], err
    return lines[0]


def failing_after(count: int, code: int, real: Callable[..., Any]) -> Callable[..., Any]:
    """A stand-in for a method that raises the OSError `code` on its count-th call."""
    calls = [0]

    def method(self: Any, rel: str, *args: Any) -> Any:
        """Fail at the chosen call, naming the file as the system would."""
        calls[0] += 1
        if calls[0] == count:
            raise OSError(code, os.strerror(code), str(self.root / rel))
        return real(self, rel, *args)
    return method


FAULTS = {
    "first page, disk full": ("write", 1, errno.ENOSPC),
    "first page, read-only": ("write", 1, errno.EROFS),
    "first page, permission": ("write", 1, errno.EACCES),
    "second page, immutable": ("write", 2, errno.EPERM),
    "attachment copy, disk full": ("copy", 1, errno.ENOSPC),
    "hard link, permission": ("link", 1, errno.EACCES),
    "old file removed, immutable": ("remove", 1, errno.EPERM),
    "manifest, disk full": ("replace_file", 1, errno.ENOSPC),
    "switch, read-only": ("exchange", 1, errno.EROFS),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_a_fault_while_writing_leaves_the_old_site_and_names_the_file(root: Path, fault: str,
                                                                     monkeypatch: pytest.MonkeyPatch,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """Disk full, a read-only file system, a permission error or an immutable file at any point of the write:
    one error line naming the file and the reason, the live site exactly as it was (times too), nothing outside
    changed; the next build, with the fault gone, makes exactly what a clean build makes."""
    method, count, code = FAULTS[fault]
    if count > 1:
        edit_second(root, "Second, faulty")  # more pages to write
    if method == "exchange":
        def refuse(a: Path, b: Path) -> bool:
            """The switch itself is refused."""
            raise tree.PathFault(code, os.strerror(code), str(a))
        monkeypatch.setattr(commit, "exchange", refuse)
    else:
        monkeypatch.setattr(tree.Tree, method, failing_after(count, code, getattr(tree.Tree, method)))
    # Pages and an attachment change; what the previous edit changed is linked into the hidden copy.
    (root / "content/about.md").write_text("---\ntitle: About\nnav: 1\n---\n# Hello, faults\n")
    (root / "schemes/2010-11/london/example/template.csv").write_text("indicator,target\nVTE,95%\n")
    if method == "remove":  # a page that goes: the second scheme moves, so its old page is removed
        (root / "schemes/2010-11/east-of-england").mkdir()
        (root / "schemes/2010-11/london/second.yaml").rename(root / "schemes/2010-11/east-of-england/second.yaml")
    before, around = snapshot(root / "site"), outside(root)
    capsys.readouterr()
    assert build(root) == 1
    line = one_error(capsys.readouterr().err)
    assert os.strerror(code) in line and ":1:1: " in line and "/" in line.split(":1:1:")[0], line
    assert snapshot(root / "site") == before
    assert outside(root) == around
    monkeypatch.undo()
    assert build(root) == 0
    assert files_of(root / "site") == clean_site(root)


def test_a_cache_folder_that_is_a_file_is_one_clear_error(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--cache naming a file: one line naming it, the site and the file untouched."""
    shutil.rmtree(root / ".cache")
    (root / ".cache").write_text("not a folder")
    edit_second(root, "Second, no cache")
    before = snapshot(root / "site")
    capsys.readouterr()
    assert build(root) == 1
    line = one_error(capsys.readouterr().err)
    assert ".cache" in line and "file" in line, line
    assert snapshot(root / "site") == before and (root / ".cache").read_text() == "not a folder"


def test_a_cache_that_cannot_be_written_is_one_clear_error(root: Path, monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    """The disk filling up under the cache: one line naming the cache file, the site untouched."""
    from cquinlib.build import cache

    class Full:
        """A connection whose writes fail as SQLite's do on a full disk."""

        def __init__(self, db: sqlite3.Connection) -> None:
            """Wrap a real connection."""
            self.db = db

        def __getattr__(self, name: str) -> Any:
            """Everything else as the real connection does it."""
            return getattr(self.db, name)

        def executemany(self, *args: Any) -> Any:
            """Fail like a full disk."""
            error = sqlite3.OperationalError("database or disk is full")
            error.sqlite_errorcode = 13  # type: ignore[attr-defined]
            raise error
    real_open = cache.BuildCache._open
    monkeypatch.setattr(cache.BuildCache, "_open", lambda self, code, again=True: Full(real_open(self, code)))
    edit_second(root, "Second, full cache")
    before = snapshot(root / "site")
    capsys.readouterr()
    assert build(root) == 1
    line = one_error(capsys.readouterr().err)
    assert "build.sqlite" in line and "disk is full" in line, line
    assert snapshot(root / "site") == before


def test_garbage_rows_in_the_cache_are_dropped_with_one_notice(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Rows of build.sqlite that do not unmarshal (and a row of nonsense) are dropped and their schemes validated
    again, with one notice; the build succeeds and equals a clean one."""
    db = sqlite3.connect(root / ".cache" / "build.sqlite")
    db.execute("UPDATE schemes SET card = X'00ff00ff', diagnostics = X'ffee' WHERE path LIKE '%example.yaml'")
    db.execute("INSERT INTO schemes VALUES (1, 2, 3, 4, 5, 6, 7, 8)")
    db.execute("UPDATE files SET digest = 42")
    db.commit()
    db.close()
    (root / "content/about.md").write_text("---\ntitle: About\nnav: 1\n---\n# Hello again\n")
    capsys.readouterr()
    assert build(root) == 0
    notes = [line for line in capsys.readouterr().err.splitlines() if line.startswith("note: ")]
    assert len(notes) == 1 and "build.sqlite" in notes[0] and "2 row(s)" in notes[0], notes
    assert files_of(root / "site") == clean_site(root)
    capsys.readouterr()
    edit_second(root, "Second, after the garbage")
    assert build(root) == 0  # and the cache it left is read back without a notice
    assert "note: " not in capsys.readouterr().err


def test_a_damaged_model_in_the_cache_validates_its_scheme_again(root: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """A stored model that no longer matches its digest, found when a page needs it: the row is dropped, the
    build runs again with that scheme validated afresh, one notice says so, and the site equals a clean one."""
    db = sqlite3.connect(root / ".cache" / "build.sqlite")
    db.execute("UPDATE schemes SET scheme = X'80049500' WHERE path LIKE '%example.yaml'")
    db.commit()
    db.close()
    site_yaml = root / "content/site.yaml"
    site_yaml.write_text(site_yaml.read_text().replace("Test library", "Renamed library"))  # every page again
    capsys.readouterr()
    assert build(root) == 0
    notes = [line for line in capsys.readouterr().err.splitlines() if line.startswith("note: ")]
    assert len(notes) == 1 and "model(s)" in notes[0], notes
    assert files_of(root / "site") == clean_site(root)


def test_a_damaged_model_the_background_search_needs_is_dropped_here(root: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """The search cache gone and the build cache kept, the search stage (in its own process) reads every model
    to analyse it again; one that no longer matches its digest sends the stage back to the build's process, which
    drops the row with one notice and runs again: the site equals a clean build's."""
    db = sqlite3.connect(root / ".cache" / "build.sqlite")
    db.execute("UPDATE schemes SET scheme = X'80049500' WHERE path LIKE '%example.yaml'")
    db.commit()
    db.close()
    shutil.rmtree(root / ".cache" / "search")
    edit_second(root, "Second, with the search cache gone")
    capsys.readouterr()
    assert build(root) == 0
    notes = [line for line in capsys.readouterr().err.splitlines() if line.startswith("note: ")]
    assert len(notes) == 1 and "model(s)" in notes[0], notes
    assert files_of(root / "site") == clean_site(root)


@pytest.mark.parametrize("damage", ["garbage statistics rows", "truncated export state"])
def test_a_search_cache_that_cannot_be_read_is_started_afresh(root: Path, damage: str,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    """The search cache under the cache folder damaged in ways its own checks miss (rows of statistics that do
    not unmarshal, the saved export state cut short): the build sets it aside with one notice, runs again, and
    the site equals a clean build's."""
    index = next(p for p in (root / ".cache" / "search").iterdir() if p.is_dir())
    if damage == "garbage statistics rows":
        db = sqlite3.connect(index / "export-docs.sqlite")
        db.execute("UPDATE docs SET stats = X'0102ff'")
        db.commit()
        db.close()
    else:
        state = index / "export-state.pickle"
        state.write_bytes(state.read_bytes()[:50])
    edit_second(root, "Second, after the damage")
    capsys.readouterr()
    assert build(root) == 0
    notes = [line for line in capsys.readouterr().err.splitlines() if line.startswith("note: ")]
    assert len(notes) == 1 and "search" in notes[0] and "afresh" in notes[0], notes
    assert files_of(root / "site") == clean_site(root)
    edit_second(root, "Second, once more")
    capsys.readouterr()
    assert build(root) == 0 and "note: " not in capsys.readouterr().err


@pytest.mark.parametrize("change", ["attachment deleted", "attachment changed", "scheme changed", "scheme added"])
def test_a_source_changed_while_the_build_runs_stops_it(root: Path, change: str, monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    """An attachment or scheme deleted, changed or added after validation and before the switch: one line naming
    the file, the site as it was; building again picks the change up."""
    attachment = root / "schemes/2010-11/london/example/template.csv"
    victim = {"attachment deleted": attachment, "attachment changed": attachment,
              "scheme changed": root / "schemes/2010-11/london/example.yaml",
              "scheme added": root / "schemes/2010-11/london/third.yaml"}[change]
    real_begin = commit.begin

    def meddle(out_dir: Path, live: Any) -> commit.Switch:
        """Change the source just as the write stage starts."""
        if change == "attachment deleted":
            victim.unlink()
        elif change == "scheme added":
            victim.write_text(SECOND.replace("Second", "Third"), encoding="utf-8")
        else:
            victim.write_text(victim.read_text() + "\n")
        return real_begin(out_dir, live)
    monkeypatch.setattr(commit, "begin", meddle)
    edit_second(root, "Second, meddled with")
    attachment.write_text("indicator,target\nVTE,99%\n")  # so the attachment is copied in this build
    before, around = snapshot(root / "site"), outside(root)
    capsys.readouterr()
    assert build(root) == 1
    line = one_error(capsys.readouterr().err)
    assert victim.name in line and "while the build ran" in line, line
    assert snapshot(root / "site") == before
    assert {k: v for k, v in outside(root).items() if victim.name not in k} == \
        {k: v for k, v in around.items() if victim.name not in k}
    monkeypatch.undo()
    if change == "attachment deleted":
        victim.write_text("indicator,target\nVTE,99%\n")
    assert build(root) == 0
    assert files_of(root / "site") == clean_site(root)


HOLDER = """\
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
fcntl.lockf(fd, fcntl.LOCK_EX)
print("held", flush=True)
time.sleep(120)
"""


@contextmanager
def held_by_another_build(path: Path) -> Iterator[None]:
    """Hold a build's lock from another process (as another build would) while the block runs."""
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        yield
    finally:
        holder.kill()
        holder.wait()


def test_a_second_build_waits_then_gives_up_with_a_clear_error(root: Path) -> None:
    """While another build holds the output, a build waits, says so once, and after its timeout fails naming the
    lock, the site untouched."""
    said: list[str] = []
    edit_second(root, "Second, waiting")
    before = snapshot(root / "site")
    with held_by_another_build(lock_file(root / "site")):
        started = time.monotonic()
        with pytest.raises(BuildFailed) as failure:
            build_site(options(root, lock_timeout=0.3, notify=said.append))
        assert time.monotonic() - started >= 0.3
    message = failure.value.diagnostics[0].format()
    assert "lock" in message and "stopped waiting" in message, message
    assert len(said) == 1 and "waiting for another build" in said[0]
    assert snapshot(root / "site") == before


def cli(root: Path, out: str = "site", cache: str = ".cache") -> list[str]:
    """The command line of a real build of root's library, as a user runs it."""
    return [sys.executable, str(REPO / "build.py"), "build", "--schemes", str(root / "schemes"),
            "--content", str(root / "content"), "--out", str(root / out), "--cache", str(root / cache)]


def test_two_builds_into_one_output_and_cache_both_end_well(root: Path) -> None:
    """Two real builds started together into one output with one cache: one waits for the other (saying so), both
    succeed, and the site is exactly what a clean build makes."""
    edit_second(root, "Second, raced")
    with held_by_another_build(lock_file(root / "site")):
        runs = [subprocess.Popen(cli(root), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for _ in range(2)]
        first_lines = [run.stderr.readline() for run in runs if run.stderr is not None]  # both are waiting now
    results = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], results
    assert all("waiting for another build" in line for line in first_lines), first_lines
    assert not any("waiting" in err for _, err in results), results  # said once, not again while waiting on
    assert files_of(root / "site") == clean_site(root)


def test_two_builds_sharing_a_cache_never_find_it_locked(root: Path) -> None:
    """Two real builds into two outputs with one cache, started together from a cold cache: both succeed (one
    waits for the cache), with no 'database is locked', and both sites equal a clean build."""
    shutil.rmtree(root / ".cache")
    runs = [subprocess.Popen(cli(root, out=name), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for name in ("site", "other")]
    results = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], results
    assert not any("locked" in err for _, err in results), results
    assert files_of(root / "site") == files_of(root / "other") == clean_site(root)


KILLER = """\
import os, signal, sys
sys.path.insert(0, {repo!r})
from cquinlib.site import commit, tree
from cquinlib.commands.cli import main

point, count = sys.argv[1], int(sys.argv[2])
owner = commit if point == "exchange" else tree.Tree
real = getattr(owner, point)
calls = [0]

def killed(*args, **kwargs):
    calls[0] += 1
    if calls[0] == count and not {after}:
        os.kill(os.getpid(), signal.SIGKILL)
    result = real(*args, **kwargs)
    if calls[0] == count and {after}:
        os.kill(os.getpid(), signal.SIGKILL)
    return result

setattr(owner, point, killed)
sys.exit(main(sys.argv[3:]))
"""


def killer(root: Path, after: bool) -> Path:
    """A script that runs the build as the command line does, SIGKILLing itself at a chosen call."""
    path = root / f"killer-{'after' if after else 'before'}.py"
    path.write_text(KILLER.format(repo=str(REPO), after=after), encoding="utf-8")
    return path


def killed_build(root: Path, script: Path, point: str, count: int) -> None:
    """Run the build under the killer script; it must have been killed."""
    run = subprocess.run([sys.executable, str(script), point, str(count), *cli(root)[2:]], capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == -signal.SIGKILL, (point, count, run.returncode, run.stderr[-2000:])


@pytest.mark.slow
def test_a_new_output_killed_at_any_point_is_absent_or_complete(tmp_path: Path) -> None:
    """The first build of an output, killed while writing, and before and after it puts the site in place: the
    output is absent or complete, and the next build makes exactly the clean site. The second build, which makes
    the hidden copy, killed while linking it: the output is the first site or the second, and the next build
    makes the second exactly."""
    write_library(tmp_path, {"2010-11/london/example": SCHEME, "2010-11/london/second": SECOND})
    write_content(tmp_path)
    reference = clean_site(tmp_path)
    scripts = {after: killer(tmp_path, after) for after in (False, True)}
    site = tmp_path / "site"
    for point, count, after in [("write", 5, False), ("replace_file", 1, False), ("replace_file", 1, True)]:
        for name in ("site", ".site.cquin-next"):
            subprocess.run(["rm", "-rf", str(tmp_path / name)], check=True)
        killed_build(tmp_path, scripts[after], point, count)
        assert not os.path.lexists(site) or files_of(site) == reference, (point, count, after)
        assert build(tmp_path) == 0
        assert files_of(site) == reference
    assert not (tmp_path / ".site.cquin-next" / "tree").exists()  # a first build makes no hidden copy
    shutil.rmtree(tmp_path / "clean")
    edit_second(tmp_path, "Second, edited")
    edited = clean_site(tmp_path)
    killed_build(tmp_path, scripts[False], "link", 3)
    assert files_of(site) in (reference, edited)
    assert build(tmp_path) == 0
    assert files_of(site) == edited


@pytest.mark.slow
def test_a_large_build_killed_at_random_moments_leaves_the_old_or_new_site(tmp_path: Path) -> None:
    """A 500-scheme library: a real `python build.py build` of an edit (a title changed, a scheme added, one
    deleted) is SIGKILLed at chosen calls (writing pages, linking, removing, writing the manifest, just before
    and just after the switch) and at random moments. After each kill the output is exactly the old site or
    exactly the new one (never a mix, no orphan page), nothing outside changed, and the next build makes the new
    site; at the end it equals a clean build of the library."""
    lib = tmp_path / "schemes"
    subprocess.run([sys.executable, str(GENERATOR), str(lib), "--schemes", "500", "--seed", "7"], check=True,
                   capture_output=True)
    content = tmp_path / "content"
    content.mkdir()
    (content / "site.yaml").write_text("title: Synthetic library\ndescription: Made for a test.\n")
    (content / "about.md").write_text("---\ntitle: About\nnav: 1\n---\nA synthetic library.\n")
    schemes = sorted(p for p in lib.rglob("*.yaml") if not p.name.startswith("_"))
    target, extra_source = schemes[0], schemes[1]
    original = target.read_text(encoding="utf-8")
    assert subprocess.run(cli(tmp_path), capture_output=True).returncode == 0
    points = [("write", 1, False), ("link", 1, False), ("remove", 1, False),
              ("replace_file", 1, False), ("exchange", 1, False), ("exchange", 1, True)]
    rng = random.Random(10)
    moments = [rng.uniform(0.05, 1.0) for _ in range(2)]
    scripts = {after: killer(tmp_path, after) for after in (False, True)}
    for step in range(len(points) + len(moments)):
        target.write_text(original.replace('title: "', f'title: "Edit {step} ', 1), encoding="utf-8")
        (extra_source.parent / f"extra-{step}.yaml").write_text(extra_source.read_text(encoding="utf-8"))
        if step:
            (extra_source.parent / f"extra-{step - 1}.yaml").unlink()
        old, around = snapshot(tmp_path / "site"), outside(tmp_path)
        if step < len(points):
            point, count, after = points[step]
            killed_build(tmp_path, scripts[after], point, count)
        else:
            run = subprocess.Popen(cli(tmp_path), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(moments[step - len(points)])
            run.send_signal(signal.SIGKILL)
            run.wait()
        after_kill = snapshot(tmp_path / "site")
        assert outside(tmp_path) == around
        assert subprocess.run(cli(tmp_path), capture_output=True).returncode == 0
        new = snapshot(tmp_path / "site")
        assert after_kill == old or after_kill == new, (step, sorted(set(after_kill) ^ set(old))[:5])
    build_site(BuildOptions(lib, content, tmp_path / "clean", cache_dir=tmp_path / ".clean-cache"))
    assert files_of(tmp_path / "site") == files_of(tmp_path / "clean")

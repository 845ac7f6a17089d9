"""Write stage: the only code that touches the output folder, and it never leaves it half-written."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Iterable, NamedTuple, Optional

from ..library.urls import dest_path

MANIFEST = ".cquin-manifest.json"
STAGING = ".cquin-staging"
MANIFEST_VERSION = 2


@dataclass(frozen=True)
class OutputFile:
    """One file of the built site: rendered bytes, or a source file copied as it is, with its dependency key."""

    url: str
    data: Optional[bytes] = None
    src_path: Optional[Path] = None
    key: str = ""

    @property
    def dest_path(self) -> PurePosixPath:
        """Where the file goes under the output folder."""
        return dest_path(self.url)


class Entry(NamedTuple):
    """What the manifest records of one output file."""

    digest: str
    key: str
    size: int
    mtime_ns: int


@dataclass(frozen=True)
class Manifest:
    """What the last successful build wrote, and from which sources."""

    fingerprint: str = ""
    diagnostics: tuple[tuple[Any, ...], ...] = ()
    files: dict[str, Entry] = field(default_factory=dict)


@dataclass(frozen=True)
class WriteReport:
    """What a write changed."""

    written: int
    unchanged: int
    removed: int


def read_manifest(out_dir: Path) -> Manifest:
    """The manifest of the last build, or an empty one."""
    try:
        data = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
        if data.get("version") != MANIFEST_VERSION:
            return Manifest()
        return Manifest(data["fingerprint"], tuple(tuple(d) for d in data["diagnostics"]),
                        {k: Entry(*v) for k, v in data["files"].items()})
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return Manifest()


def damaged_outputs(out_dir: Path, manifest: Manifest) -> set[str]:
    """Files the manifest records whose size or time changed since: edited or deleted by hand."""
    damaged = set()
    root = f"{out_dir}{os.sep}"  # joined as strings: a large site has tens of thousands of files to check
    for rel, entry in manifest.files.items():
        try:
            st = os.stat(root + rel)
        except OSError:
            damaged.add(rel)
            continue
        if st.st_size != entry.size or st.st_mtime_ns != entry.mtime_ns:
            damaged.add(rel)
    return damaged


def write_site(out_dir: Path, outputs: Iterable[OutputFile], kept: dict[str, Entry], fingerprint: str,
               diagnostics: Iterable[tuple[Any, ...]] = (), previous: Optional[Manifest] = None) -> WriteReport:
    """Stage every changed file, then move them all into place and remove files no longer built.

    `kept` are files the caller knows are current; `previous` is the manifest the caller read (read here when
    not given). If producing the outputs fails part way, the staging
    folder is removed and the site is as it was. Files whose bytes did not change are not touched.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = out_dir / STAGING
    shutil.rmtree(staging, ignore_errors=True)
    old = (previous if previous is not None else read_manifest(out_dir)).files
    new: dict[str, Entry] = dict(kept)
    written = 0
    made: set[Path] = set()
    try:
        staging.mkdir()
        for output in outputs:
            written += _stage(output, out_dir, staging, old, new, made)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _move_into_place(staging, out_dir)
    removed = _remove_stale(out_dir, set(old) - set(new))
    shutil.rmtree(staging, ignore_errors=True)
    _write_manifest(out_dir, Manifest(fingerprint, tuple(diagnostics), new))
    return WriteReport(written=written, unchanged=len(new) - written, removed=removed)


def _stage(output: OutputFile, out_dir: Path, staging: Path, old: dict[str, Entry], new: dict[str, Entry],
           made: set[Path]) -> int:
    """Stage one output at its path under `staging` if its bytes differ from what is on disk, and record it in
    the new manifest either way; 1 if it was staged.

    Staged files sit in the folders they will have, so the folders are made while pages are still being
    rendered, and a folder the site lacks moves into place whole, in one rename (a cold build's commit is a
    handful of renames). The file's size and time are read here: a rename keeps them.
    """
    rel = _safe_relative(output.dest_path).as_posix()
    if rel in new:
        raise ValueError(f"{rel} would be written twice")
    data = output.data if output.data is not None else _read_source(output)
    digest = hashlib.blake2b(data, digest_size=16).hexdigest()
    previous = old.get(rel)
    if previous is not None and previous.digest == digest:
        try:
            st = os.stat(out_dir / rel)
        except OSError:
            st = None
        if st is not None and st.st_size == previous.size and st.st_mtime_ns == previous.mtime_ns:
            new[rel] = Entry(digest, output.key, previous.size, previous.mtime_ns)
            return 0
    target = staging / rel
    _make_dir(target.parent, made)
    target.write_bytes(data)
    st = os.stat(target)
    new[rel] = Entry(digest, output.key, st.st_size, st.st_mtime_ns)
    return 1


def _move_into_place(staged: Path, destination: Path) -> None:
    """Move a staged folder's contents into `destination`: what is not there yet moves whole, folders that are
    there are merged into, and files replace files."""
    with os.scandir(staged) as listing:
        entries = sorted(listing, key=lambda e: e.name)
    for entry in entries:
        target = destination / entry.name
        if entry.is_dir(follow_symlinks=False) and target.is_dir():
            _move_into_place(Path(entry.path), target)
        else:
            os.replace(entry.path, target)


def _make_dir(folder: Path, made: set[Path]) -> None:
    """Create a folder once per write, however many files go in it."""
    if folder not in made:
        folder.mkdir(parents=True, exist_ok=True)
        made.add(folder)


def _safe_relative(rel: PurePosixPath) -> PurePosixPath:
    """Refuse any output path that could land outside the output folder."""
    if rel.is_absolute() or ".." in rel.parts or not rel.parts or rel.parts[0] in (MANIFEST, STAGING):
        raise ValueError(f"refusing to write outside the output folder: {rel}")
    return rel


def _read_source(output: OutputFile) -> bytes:
    """The bytes of a file copied as it is."""
    assert output.src_path is not None, output.url
    return output.src_path.read_bytes()


def _remove_stale(out_dir: Path, stale: set[str]) -> int:
    """Delete files an earlier build wrote that this one did not, and folders left empty."""
    for key in sorted(stale):
        path = out_dir / key
        path.unlink(missing_ok=True)
        parent = path.parent
        while parent != out_dir and parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent
    return len(stale)


def _write_manifest(out_dir: Path, manifest: Manifest) -> None:
    """Record what this build wrote, atomically."""
    tmp = out_dir / (MANIFEST + ".tmp")
    data = {"version": MANIFEST_VERSION, "fingerprint": manifest.fingerprint,
            "diagnostics": [list(d) for d in manifest.diagnostics],
            "files": {k: list(v) for k, v in sorted(manifest.files.items())}}
    tmp.write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")
    os.replace(tmp, out_dir / MANIFEST)

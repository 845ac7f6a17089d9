"""The output's manifest: what the last build wrote, and the check that every path it names stays inside the output.

The manifest is read back by the next build to skip what is current and to remove what is gone, so it is treated
as untrusted input: one entry that is not a safe relative path inside the output, or any damage, and the whole
manifest is set aside (the build then rewrites the output and deletes nothing).
"""

from __future__ import annotations

import json
import os
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from ..library.urls import dest_rel

MANIFEST = ".cquin-manifest.json"
STAGING = ".cquin-staging"  # an in-place commit's staged files and journal, inside the output
MANIFEST_VERSION = 2  # the entries kept their shape since version 2: an upgrade reads the old manifest
# Names at the top of the output that are the build's own bookkeeping, never a published file.
RESERVED = frozenset({MANIFEST, MANIFEST + ".tmp", STAGING})
_UNSAFE_CHARACTER = re.compile(r"[\x00-\x1f\x7f\\]")
_DIGEST = re.compile(r"[0-9a-f]{32}")
T = TypeVar("T")


class Entry(NamedTuple):
    """What the manifest records of one output file."""

    digest: str
    key: str
    size: int
    mtime_ns: int


@dataclass(frozen=True)
class Manifest:
    """What the last successful build wrote, and from which sources; `problem` says why a manifest that was there
    could not be used ('' when it was read, or there was none)."""

    fingerprint: str = ""
    diagnostics: tuple[tuple[Any, ...], ...] = ()
    files: dict[str, Entry] = field(default_factory=dict)
    problem: str = ""


def is_safe_relative(rel: object) -> bool:
    """True for a path the build may write or delete: relative, in normal form, every part a plain name, no
    control character or backslash, and not one of the build's own bookkeeping names at the top."""
    if not isinstance(rel, str) or not rel or _UNSAFE_CHARACTER.search(rel):
        return False
    if rel.startswith("/") or posixpath.normpath(rel) != rel:
        return False
    parts = rel.split("/")
    return all(part not in ("", ".", "..") for part in parts) and parts[0] not in RESERVED


def read_manifest(out_dir: Path) -> Manifest:
    """The manifest of the last build, or an empty one saying why it was set aside (when it was there)."""
    path = out_dir / MANIFEST
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Manifest()
    except (OSError, ValueError) as error:
        return Manifest(problem=f"{path} cannot be read ({error})")
    return parse_manifest(text, path)


def parse_manifest(text: str, path: Path) -> Manifest:
    """A manifest from its JSON text, or an empty one saying what was wrong with it."""
    try:
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("version") != MANIFEST_VERSION:
            return Manifest(problem=f"{path} was written by another version")
        files = {rel: _entry(value) for rel, value in data["files"].items()}
        unsafe = sorted(rel for rel in files if not is_safe_relative(rel))
        if unsafe:
            return Manifest(problem=f"{path} names a path outside the output ({unsafe[0]!r})")
        return Manifest(str(data["fingerprint"]), tuple(tuple(d) for d in data["diagnostics"]), files)
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        return Manifest(problem=f"{path} is damaged ({type(error).__name__})")


def _entry(value: Any) -> Entry:
    """One file's entry, checked field by field (a TypeError or ValueError when it is not one)."""
    digest, key, size, mtime_ns = value
    if not (isinstance(digest, str) and _DIGEST.fullmatch(digest) and isinstance(key, str)
            and type(size) is int and type(mtime_ns) is int and size >= 0):
        raise ValueError("not a manifest entry")
    return Entry(digest, key, size, mtime_ns)


def manifest_text(manifest: Manifest) -> str:
    """The manifest as the JSON the output keeps."""
    return json.dumps({"version": MANIFEST_VERSION, "fingerprint": manifest.fingerprint,
                       "diagnostics": [list(d) for d in manifest.diagnostics],
                       "files": {k: list(v) for k, v in sorted(manifest.files.items())}}, separators=(",", ":"))


def damaged_outputs(out_dir: Path, manifest: Manifest) -> set[str]:
    """Files the manifest records whose size or time changed since (edited, deleted or replaced by a link by
    hand): they are made again."""
    damaged = set()
    root = f"{out_dir}{os.sep}"  # joined as strings: a large site has tens of thousands of files to check
    for rel, entry in manifest.files.items():
        try:
            st = os.stat(root + rel, follow_symlinks=False)
        except OSError:
            damaged.add(rel)
            continue
        if st.st_size != entry.size or st.st_mtime_ns != entry.mtime_ns:
            damaged.add(rel)
    return damaged


def split_current(items: list[tuple[T, str, str]], manifest: Manifest,
                  damaged: set[str]) -> tuple[list[T], dict[str, Entry]]:
    """(item, url, key) triples split into items to make afresh and the manifest entries of files that are
    current: written by the last build with the same key, and untouched since."""
    todo, kept = [], {}
    for item, url, key in items:
        rel = dest_rel(url)
        entry = manifest.files.get(rel)
        if entry is not None and entry.key == key and rel not in damaged:
            kept[rel] = entry
        else:
            todo.append(item)
    return todo, kept

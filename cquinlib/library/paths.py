"""Paths inside a library folder: links are followed only where they stay inside, checked before anything is read.

The schemes folder and the content folder are each a boundary. A link (git carries symlinks) may point anywhere
within its boundary; one that leaves it, loops, or points at nothing is an error naming the link, and nothing is
ever read through it, so no file outside the library can be published or quoted in a message.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, NamedTuple, Optional

from ..core.diagnostics import Diagnostic

FILE, FOLDER, OTHER = "file", "folder", "other"


class Found(NamedTuple):
    """An entry of a library folder: the path as listed, its kind, and where its real path comes from.

    A tuple, and the real path made only when asked for: a scan lists every file of a large library.
    """

    path: Path
    kind: str  # FILE, FOLDER or OTHER (a device, a socket, a named pipe)
    parent_real: Path  # the real path of the folder it is listed in
    link_real: Optional[Path] = None  # where it leads, when it is a link

    @property
    def real(self) -> Path:
        """Its real path, links followed."""
        return self.link_real if self.link_real is not None else self.parent_real / self.path.name

    @classmethod
    def root(cls, folder: Path, real: Path) -> "Found":
        """A folder a walk starts from, given its real path."""
        return cls(folder, FOLDER, real.parent, real)


@dataclass(frozen=True)
class Resolved:
    """A path checked against its boundary: its real path when usable, else why not (and then no real path)."""

    real: Optional[Path]
    problem: str = ""


def real_root(folder: Path) -> Path:
    """A library folder's real path: the boundary its links must stay within."""
    return Path(os.path.realpath(folder))


def is_hidden(name: str) -> bool:
    """Names starting with '_' or '.' are never schemes or pages (the shared files are read by name)."""
    return name.startswith(("_", "."))


def resolve_inside(path: Path, boundary: Path, what: str) -> Resolved:
    """Follow the links of an existing path; usable only when its real path lies within `boundary` (a real path).

    `what` names the boundary in messages ('the schemes folder'). The message never quotes where a link points:
    the link's text is the contributor's, and may hold anything.
    """
    try:
        real = Path(os.path.realpath(path, strict=True))
    except OSError as exc:
        return Resolved(None, _link_problem(exc))
    if real != boundary and not real.is_relative_to(boundary):
        return Resolved(None, f"is a link to a place outside {what}: put the file or folder itself here")
    return Resolved(real)


def check_file(path: Path, boundary: Path, what: str) -> Resolved:
    """A file the library reads by name (site.yaml, _year.yaml): inside the boundary and a regular file.

    A missing file (not a broken link) gives Resolved(None, "") so that the caller can say what it is for.
    """
    if not os.path.lexists(path):
        return Resolved(None)
    resolved = resolve_inside(path, boundary, what)
    if resolved.real is None:
        return resolved
    kind = kind_of(resolved.real)
    if kind != FILE:
        return Resolved(None, "is a folder, not a file" if kind == FOLDER else "is not a regular file")
    return resolved


def kind_of(real: Path) -> str:
    """FILE, FOLDER or OTHER for a path whose links are already followed."""
    try:
        mode = os.stat(real).st_mode
    except OSError:
        return OTHER
    return FILE if stat.S_ISREG(mode) else FOLDER if stat.S_ISDIR(mode) else OTHER


def list_folder(folder: Path, real_folder: Path, boundary: Path, what: str, out: list[Diagnostic],
                hidden: Callable[[str], bool] = is_hidden) -> list[Found]:
    """The entries of a folder sorted by name, hidden names left out, links followed where they stay inside.

    A link that leaves the boundary, loops or dangles is reported in `out` and left out. Only links cost a
    system call: scandir knows every other entry's kind from the directory listing itself, and a region folder
    can hold thousands of schemes.
    """
    try:
        with os.scandir(folder) as listing:
            entries = sorted((e for e in listing if not hidden(e.name)), key=lambda e: e.name)
    except OSError as exc:
        out.append(Diagnostic(folder, 1, 1, "path", f"cannot read this folder: {exc.strerror}"))
        return []
    found = []
    for entry in entries:
        path = folder / entry.name
        if entry.is_symlink():
            resolved = resolve_inside(path, boundary, what)
            if resolved.real is None:
                out.append(Diagnostic(path, 1, 1, "path", resolved.problem))
                continue
            found.append(Found(path, kind_of(resolved.real), real_folder, resolved.real))
            continue
        kind = FOLDER if entry.is_dir() else FILE if entry.is_file() else OTHER
        found.append(Found(path, kind, real_folder))
    return found


def _link_problem(exc: OSError) -> str:
    """What stopped a path's links being followed, in words (never the link's target)."""
    if exc.errno == errno.ELOOP:
        return "is a link that leads back to itself (a loop): replace it with the file or folder itself"
    if exc.errno in (errno.ENOENT, errno.ENOTDIR):
        return "is a broken link: what it points to does not exist"
    if exc.errno == errno.ENAMETOOLONG:
        return "has a name, or leads to one, that is too long for the file system"
    return f"cannot be read: {exc.strerror or exc}"

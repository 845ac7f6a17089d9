"""Write stage: the only code that touches the output folder. The new site is made beside the live one and
switched in whole (site.commit), so a failure or a kill at any moment leaves the previous site as it was.

Every file system fault (disk full, read-only, permission, a source gone while the build ran) is a BuildFailed
whose one diagnostic names the file, never a traceback.
"""

from __future__ import annotations

import errno
import os
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Iterable, Iterator, NamedTuple, Optional

from ..core.diagnostics import BuildFailed, Diagnostic
from ..library.urls import dest_path
from . import commit
from .manifest import (
    MANIFEST,
    STAGING,
    Entry,
    Manifest,
    damaged_outputs,
    is_safe_relative,
    read_manifest,
)
from .tree import PathFault, digest_data, digest_stream

__all__ = ["MANIFEST", "STAGING", "Entry", "Manifest", "OutputFile", "WriteReport", "damaged_outputs",
           "read_manifest", "write_site"]


@dataclass(frozen=True)
class OutputFile:
    """One file of the built site: rendered bytes, a source file copied as it is, or bytes made in blocks as
    they are written (a file too large to hold whole), with its dependency key."""

    url: str
    data: Optional[bytes] = None
    src_path: Optional[Path] = None
    key: str = ""
    blocks: Optional[Callable[[], Iterable[bytes]]] = None

    @property
    def dest_path(self) -> PurePosixPath:
        """Where the file goes under the output folder."""
        return dest_path(self.url)


@dataclass(frozen=True)
class WriteReport:
    """What a write changed, and the notices it has for the user (an in-place switch, a manifest set aside)."""

    written: int
    unchanged: int
    removed: int
    notices: tuple[str, ...] = ()


class _Written(NamedTuple):
    """A file this build wrote into the new site."""

    rel: str
    entry: Entry


def write_site(out_dir: Path, outputs: Iterable[OutputFile], kept: dict[str, Entry], fingerprint: str,
               diagnostics: Iterable[tuple[Any, ...]] = (), previous: Optional[Manifest] = None,
               before_commit: Optional[Callable[[], None]] = None, copy_new: bool = True) -> WriteReport:
    """Write every changed file into the new site, then switch the output to it in one step, its manifest with it.

    `kept` are files the caller knows are current in the live site; `previous` is the manifest the caller read
    (read here when not given); `before_commit` runs once the new site is complete and may raise BuildFailed to
    stop the switch; copy_new, whether a new output's hidden copy is made now (see commit.finish). Files whose
    bytes did not change are not written again. Call with the output's lock held.
    """
    live = previous if previous is not None else read_manifest(out_dir)
    notices = [f"{live.problem}: the output is written afresh, and nothing in it is removed"] if live.problem else []
    new: dict[str, Entry] = dict(kept)
    written: set[str] = set()
    with _faults():
        switch = commit.begin(out_dir, live)
        try:
            folders = _folders_of(new)
            for output in outputs:
                made = _stage(output, switch, live, new, folders)
                if made is not None:
                    new[made.rel] = made.entry
                    written.add(made.rel)
            commit.settle(switch, new, written)
            if before_commit is not None:
                before_commit()
            stale = sorted(set(live.files) - set(new))
            notices += commit.finish(switch, Manifest(fingerprint, tuple(diagnostics), new), stale, copy_new)
        except BaseException:
            commit.abandon(switch)
            raise
    return WriteReport(written=len(written), unchanged=len(new) - len(written), removed=len(stale),
                       notices=tuple(n for n in notices if n))


def _stage(output: OutputFile, switch: commit.Switch, live: Manifest, new: dict[str, Entry],
           folders: set[str]) -> Optional[_Written]:
    """Write one output into the new site unless the live site has its bytes already (then it is recorded in
    `new` as it is); what was written, if anything."""
    rel = _checked(output.dest_path.as_posix(), new, folders)
    previous = live.files.get(rel)
    if output.data is not None:
        digest = digest_data(output.data)
        if previous is not None and _current(switch, rel, previous, digest):
            new[rel] = Entry(digest, output.key, previous.size, previous.mtime_ns)
            return None
        st = switch.tree.write(rel, output.data)
        return _Written(rel, Entry(digest, output.key, st.st_size, st.st_mtime_ns))
    if output.blocks is not None:  # too large to hold whole: digested as it is written, then compared
        digest, st = switch.tree.write_blocks(rel, output.blocks())
        if previous is not None and _current(switch, rel, previous, digest):
            _keep_live(switch, rel)
            new[rel] = Entry(digest, output.key, previous.size, previous.mtime_ns)
            return None
        return _Written(rel, Entry(digest, output.key, st.st_size, st.st_mtime_ns))
    src_path = output.src_path
    assert src_path is not None, output.url
    if previous is not None:
        with _reading(src_path):
            digest = digest_stream(src_path)
        if _current(switch, rel, previous, digest):
            new[rel] = Entry(digest, output.key, previous.size, previous.mtime_ns)
            return None
    with _reading(src_path), open(src_path, "rb") as src:
        copied, st = switch.tree.copy(rel, src)
    if previous is not None and copied != digest:
        raise _source_changed(src_path)
    return _Written(rel, Entry(copied, output.key, st.st_size, st.st_mtime_ns))


def _keep_live(switch: commit.Switch, rel: str) -> None:
    """Put back the live site's file at rel in place of the same bytes just written, so it keeps its time."""
    if switch.mode == commit.IN_PLACE or switch.live is None:
        switch.tree.remove(rel)  # staged beside the live file, which stays where it is
    else:
        switch.tree.link(rel, switch.live)


def _current(switch: commit.Switch, rel: str, previous: Entry, digest: str) -> bool:
    """True when the live site's file has these bytes and was not touched since the last build wrote it."""
    if previous.digest != digest:
        return False
    try:
        st = os.stat(switch.out / rel, follow_symlinks=False)
    except OSError:
        return False
    return st.st_size == previous.size and st.st_mtime_ns == previous.mtime_ns


def _folders_of(files: dict[str, Entry]) -> set[str]:
    """Every folder that holds one of these files, as a relative path."""
    folders: set[str] = set()
    for rel in files:
        parent = rel.rpartition("/")[0]
        while parent and parent not in folders:
            folders.add(parent)
            parent = parent.rpartition("/")[0]
    return folders


def _checked(rel: str, new: dict[str, Entry], folders: set[str]) -> str:
    """An output's path once it is known to stay inside the output and to clash with no other file of the site:
    not written twice, not a file where another needs a folder."""
    if not is_safe_relative(rel):
        raise BuildFailed([Diagnostic(Path(rel or "."), 1, 1, "url", "refusing to write outside the output folder")])
    clash = rel if rel in new or rel in folders else next(
        (p for p in _parents(rel) if p in new), None)
    if clash is not None:
        raise BuildFailed([Diagnostic(Path(rel), 1, 1, "url", f"{rel} clashes with {clash}: two sources make the "
                                                             "same path, as a file and as a folder or twice")])
    for parent in _parents(rel):
        folders.add(parent)
    return rel


def _parents(rel: str) -> Iterator[str]:
    """The folders above a relative path, nearest first."""
    parent = rel.rpartition("/")[0]
    while parent:
        yield parent
        parent = parent.rpartition("/")[0]


@contextmanager
def _faults() -> Iterator[None]:
    """Turn a file system fault while writing the site into one diagnostic naming the file."""
    try:
        yield
    except OSError as error:
        raise BuildFailed([fault_diagnostic(error, "cannot write the site")]) from error


@contextmanager
def _reading(src_path: Path) -> Iterator[None]:
    """Turn a fault reading a source file into a diagnostic naming it (a file gone says so)."""
    try:
        yield
    except PathFault:
        raise
    except FileNotFoundError as error:
        raise _source_changed(src_path, "was deleted while the build ran") from error
    except OSError as error:
        if error.filename is not None and Path(str(error.filename)) != src_path:
            raise
        raise BuildFailed([fault_diagnostic(error, "cannot read it", src_path)]) from error


def _source_changed(src_path: Path, what: str = "was changed while the build ran") -> BuildFailed:
    """The failure for a source that changed under the build: the site is left as it was, and building again
    picks the change up."""
    return BuildFailed([Diagnostic(src_path, 1, 1, "", f"{what}; the site was not changed: build again")])


def fault_diagnostic(error: OSError, doing: str, path: Optional[Path] = None) -> Diagnostic:
    """One diagnostic for a file system fault: the file, what could not be done, and why."""
    where = path if path is not None else Path(str(error.filename)) if error.filename else Path(".")
    reason = error.strerror or type(error).__name__
    if error.errno == errno.EPERM:
        reason += " (the file may be immutable, or belong to another user)"
    return Diagnostic(where, 1, 1, "", f"{doing}: {reason}")

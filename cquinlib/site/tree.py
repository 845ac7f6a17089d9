"""A folder the write stage works in, reached through directory descriptors: no symbolic link inside it is ever
followed, whatever was put there by hand, so a write, a link or a removal can never land outside it.

Files are never modified in place: a file is replaced by unlinking it and creating a new one, or by renaming
over it, so a file shared by hard link with another copy of the site is never altered.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import stat
from collections import OrderedDict
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import BinaryIO, Iterable, Iterator, Optional

BLOCK = 1 << 20  # copies and digests stream in blocks of this many bytes: attachments may be large
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | _CLOEXEC
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | _CLOEXEC
_NOT_A_FOLDER = (errno.ELOOP, errno.ENOTDIR)
# Where a hard link cannot be made (another file system, links not supported or not allowed), a copy is made.
_NO_LINK = {errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS}
_OPEN_FOLDERS = 64  # descriptors kept open per tree: files arrive grouped by folder


class PathFault(OSError):
    """An OSError that names the full path it happened at (descriptor-relative calls name only the last part)."""


def digest_stream(src_path: Path) -> str:
    """The digest of a file's bytes, read in blocks (the manifest's digest)."""
    h = hashlib.blake2b(digest_size=16)
    with open(src_path, "rb") as f:
        for block in iter(lambda: f.read(BLOCK), b""):
            h.update(block)
    return h.hexdigest()


def digest_data(data: bytes) -> str:
    """The digest of bytes in memory, as digest_stream makes it."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


class Tree:
    """A folder under `root`, worked in by relative POSIX paths ('a/b/index.html').

    `own` says the whole folder belongs to the build (a hidden copy of the site, or a staging folder): whatever
    stands where a file or folder must go is cleared. In a folder that is not the build's own (the live output),
    nothing is cleared, and a link or a file where a folder belongs is an error.
    """

    def __init__(self, root: Path, own: bool) -> None:
        """Work under root (which may itself be reached through a link, as an output given as one is)."""
        self.root = root
        self.own = own
        self._folders: OrderedDict[str, int] = OrderedDict()
        # What this tree's methods changed, or began to change: a build that fails part way records these as
        # unknown in the copy's manifest, so the next build puts them right rather than remaking the whole copy.
        self.touched: set[str] = set()
        self.cleared: set[str] = set()

    def __enter__(self) -> Tree:
        """Use as a context manager that closes the descriptors."""
        return self

    def __exit__(self, kind: Optional[type[BaseException]], error: Optional[BaseException],
                 trace: Optional[TracebackType]) -> None:
        """Close every descriptor."""
        self.close()

    def close(self) -> None:
        """Close every descriptor this tree holds."""
        while self._folders:
            os.close(self._folders.popitem()[1])

    @contextmanager
    def naming(self, rel: str) -> Iterator[None]:
        """Re-raise an OSError as a PathFault naming the full path of rel (one already named passes through)."""
        try:
            yield
        except PathFault:
            raise
        except OSError as error:
            raise PathFault(error.errno, error.strerror, str(self.root / rel)) from error

    def folder(self, rel_dir: str, create: bool = False) -> int:
        """A descriptor of a folder of the tree ('' is the root), made when `create` says so."""
        fd = self._folders.get(rel_dir)
        if fd is not None:
            self._folders.move_to_end(rel_dir)
            return fd
        if rel_dir == "":
            fd = os.open(self.root, os.O_RDONLY | os.O_DIRECTORY | _CLOEXEC)
        else:
            parent_rel, _, name = rel_dir.rpartition("/")
            fd = self._open_folder(self.folder(parent_rel, create), name, rel_dir, create)
        self._folders[rel_dir] = fd
        while len(self._folders) > _OPEN_FOLDERS:
            os.close(self._folders.popitem(last=False)[1])
        return fd

    def _open_folder(self, parent: int, name: str, rel_dir: str, create: bool) -> int:
        """Open one folder below an open one, never through a link."""
        try:
            return os.open(name, _DIR_FLAGS, dir_fd=parent)
        except FileNotFoundError:
            if not create:
                raise
        except OSError as error:
            if error.errno not in _NOT_A_FOLDER:
                raise
            if not (create and self.own):
                raise PathFault(errno.ENOTDIR, "a file or a symbolic link stands where a folder belongs (the build "
                                               "follows no link in its output): remove it",
                                str(self.root / rel_dir)) from None
            self._clear(parent, name, rel_dir)
        try:
            os.mkdir(name, dir_fd=parent)
        except FileExistsError:
            pass
        return os.open(name, _DIR_FLAGS, dir_fd=parent)

    def _clear(self, parent: int, name: str, rel: str) -> None:
        """Remove whatever stands at a path of the build's own tree: a file, a link (never followed) or a folder."""
        self.cleared.add(rel)
        self._forget(rel)
        st = os.stat(name, dir_fd=parent, follow_symlinks=False)
        if stat.S_ISDIR(st.st_mode):
            shutil.rmtree(name, dir_fd=parent)  # rmtree by descriptors follows no link inside
        else:
            os.unlink(name, dir_fd=parent)

    def _forget(self, rel: str) -> None:
        """Close the descriptors of a folder about to go, and of every folder under it."""
        for known in [k for k in self._folders if k == rel or k.startswith(rel + "/")]:
            os.close(self._folders.pop(known))

    def _make_room(self, parent: int, name: str, rel: str) -> None:
        """Unlink the file at a path before a new one is made there (never written into: it may be shared)."""
        try:
            os.unlink(name, dir_fd=parent)
        except FileNotFoundError:
            pass
        except OSError as error:
            if not (self.own and error.errno in (errno.EISDIR, errno.EPERM)):
                raise
            st = os.stat(name, dir_fd=parent, follow_symlinks=False)
            if not stat.S_ISDIR(st.st_mode):
                raise
            self._clear(parent, name, rel)

    def write(self, rel: str, data: bytes) -> os.stat_result:
        """Write a new file at rel; its status (size and time) as the manifest records it."""
        with self.naming(rel):
            fd = self._new_file(rel)
            try:
                _write_all(fd, data)
                return os.fstat(fd)
            finally:
                os.close(fd)

    def copy(self, rel: str, src: BinaryIO) -> tuple[str, os.stat_result]:
        """Copy an open source file to rel in blocks, digesting what was copied; the digest and the new file's
        status. An error reading the source is raised as it comes (the caller names the source)."""
        return self.write_blocks(rel, iter(lambda: src.read(BLOCK), b""))

    def write_blocks(self, rel: str, blocks: Iterable[bytes]) -> tuple[str, os.stat_result]:
        """Write a new file at rel from blocks as they come, digesting them; the digest and the file's status.
        An error making a block is raised as it comes."""
        h = hashlib.blake2b(digest_size=16)
        with self.naming(rel):
            fd = self._new_file(rel)
        try:
            for block in blocks:
                h.update(block)
                with self.naming(rel):
                    _write_all(fd, block)
            with self.naming(rel):
                return h.hexdigest(), os.fstat(fd)
        finally:
            os.close(fd)

    def _new_file(self, rel: str) -> int:
        """A descriptor of a new, empty file at rel (whatever was there unlinked first)."""
        self.touched.add(rel)
        parent_rel, _, name = rel.rpartition("/")
        parent = self.folder(parent_rel, create=True)
        self._make_room(parent, name, rel)
        return os.open(name, _NEW_FILE, 0o666, dir_fd=parent)

    def link(self, rel: str, source: Tree) -> os.stat_result:
        """Make rel the same file as rel in another tree (a hard link; a copy keeping its time where links cannot
        be made); the status of the file made. A link or anything but a plain file at the source is an error."""
        parent_rel, _, name = rel.rpartition("/")
        self.touched.add(rel)
        with source.naming(rel):
            src_parent = source.folder(parent_rel)
        with self.naming(rel):
            parent = self.folder(parent_rel, create=True)
            self._make_room(parent, name, rel)
            try:
                os.link(name, name, src_dir_fd=src_parent, dst_dir_fd=parent, follow_symlinks=False)
            except FileNotFoundError:
                raise PathFault(errno.ENOENT, "was removed while the build ran", str(source.root / rel)) from None
            except OSError as error:
                if error.errno not in _NO_LINK:
                    raise
                self._copy_between(src_parent, parent, name)
            st = os.stat(name, dir_fd=parent, follow_symlinks=False)
            if not stat.S_ISREG(st.st_mode):
                os.unlink(name, dir_fd=parent)
                raise PathFault(errno.EINVAL, "is not a plain file (the build publishes no link)",
                                str(source.root / rel))
            return st

    @staticmethod
    def _copy_between(src_parent: int, parent: int, name: str) -> None:
        """Copy one file between two open folders, keeping its modification time and mode."""
        src = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | _CLOEXEC, dir_fd=src_parent)
        try:
            st = os.fstat(src)
            fd = os.open(name, _NEW_FILE, stat.S_IMODE(st.st_mode), dir_fd=parent)
            try:
                with os.fdopen(os.dup(src), "rb") as reader, os.fdopen(os.dup(fd), "wb") as writer:
                    shutil.copyfileobj(reader, writer, BLOCK)
                os.utime(fd, ns=(st.st_atime_ns, st.st_mtime_ns))
            finally:
                os.close(fd)
        finally:
            os.close(src)

    def remove(self, rel: str) -> None:
        """Remove the file at rel, and folders it leaves empty; a file already gone, only reachable through a link,
        or replaced by a folder, is left alone (nothing outside the tree is ever removed)."""
        parent_rel, _, name = rel.rpartition("/")
        self.touched.add(rel)
        with self.naming(rel):
            try:
                parent = self.folder(parent_rel)
            except FileNotFoundError:
                return
            except PathFault as fault:
                if fault.errno in _NOT_A_FOLDER:
                    return
                raise
            try:
                os.unlink(name, dir_fd=parent)
            except FileNotFoundError:
                return
            except OSError as error:
                if error.errno in _NOT_A_FOLDER or self._is_folder(parent, name):
                    return  # a folder of the new site has taken the file's place
                raise
            self.prune(parent_rel)

    @staticmethod
    def _is_folder(parent: int, name: str) -> bool:
        """True when a real folder (not a link) stands at name."""
        try:
            return stat.S_ISDIR(os.stat(name, dir_fd=parent, follow_symlinks=False).st_mode)
        except OSError:
            return False

    def prune(self, rel_dir: str) -> None:
        """Remove a folder and its parents while they are empty (never the root)."""
        while rel_dir:
            parent_rel, _, name = rel_dir.rpartition("/")
            self._forget(rel_dir)
            try:
                os.rmdir(name, dir_fd=self.folder(parent_rel))
            except OSError as error:
                if error.errno in (errno.ENOTEMPTY, errno.EEXIST, errno.ENOENT) or error.errno in _NOT_A_FOLDER:
                    return
                raise
            rel_dir = parent_rel

    def replace_file(self, rel: str, data: bytes) -> None:
        """Write a file whole under a temporary name, then rename it over rel in one step."""
        with self.naming(rel):
            fd = self._new_file(rel + ".tmp")
            try:
                _write_all(fd, data)
            finally:
                os.close(fd)
            parent_rel, _, name = rel.rpartition("/")
            parent = self.folder(parent_rel)
            os.replace(name + ".tmp", name, src_dir_fd=parent, dst_dir_fd=parent)

    def move_into(self, dest: Tree, skip: frozenset[str] = frozenset(), rel_dir: str = "") -> None:
        """Move everything in this tree into the same places in `dest`: a folder dest lacks moves whole (one
        rename), folders it has are merged into, files replace files."""
        with self.naming(rel_dir), os.scandir(self.folder(rel_dir)) as listing:
            entries = sorted((e.name, e.is_dir(follow_symlinks=False)) for e in listing)
        for name, is_dir in entries:
            if not rel_dir and name in skip:
                continue
            rel = f"{rel_dir}/{name}" if rel_dir else name
            with dest.naming(rel):
                self._move_one(dest, skip, rel_dir, name, is_dir)

    def _move_one(self, dest: Tree, skip: frozenset[str], rel_dir: str, name: str, is_dir: bool) -> None:
        """Move one entry of a folder of this tree into dest (see move_into)."""
        rel = f"{rel_dir}/{name}" if rel_dir else name
        target = dest.folder(rel_dir, create=True)
        if is_dir:
            try:
                there: Optional[os.stat_result] = os.stat(name, dir_fd=target, follow_symlinks=False)
            except FileNotFoundError:
                there = None
            if there is not None and stat.S_ISDIR(there.st_mode):
                self.move_into(dest, skip, rel)
                return
            if there is not None:
                raise PathFault(errno.EEXIST, "a file stands where the new site has a folder: remove it",
                                str(dest.root / rel))
            self._forget(rel)
        os.replace(name, name, src_dir_fd=self.folder(rel_dir), dst_dir_fd=target)


def _write_all(fd: int, data: bytes) -> None:
    """Write every byte (os.write may write fewer than it is given)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]

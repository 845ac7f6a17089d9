"""The switch from the old site to the new, so that a reader, or a build killed at any moment, sees the old site
or the new one and never a mix.

Beside the output (`site`) the build keeps one folder of its own, `.site.cquin-next`, on the same file system:
`lock` (what a build holds while it runs), `tree` (a hidden copy of the site, made by the second build of an
output unless the first is told to) and, while the copy is being changed, `dirty`. A build brings `tree` up to
date (new files written there, unchanged ones hard-linked from the live site, nothing ever modified in place),
writes its manifest there, and then exchanges the two folders in one step (Linux renameat2 RENAME_EXCHANGE,
macOS renamex_np RENAME_SWAP): the old site becomes the next build's hidden copy. Where the system cannot
exchange two folders, three renames do it, leaving the output absent for a moment but never mixed. A copy
found dirty (a build was killed while changing it) is thrown away and made again.

Where the output cannot be exchanged (a mount point, a symbolic link, the working folder, a folder whose parent
cannot be written, or one holding files the build did not write at its top), files are staged inside the output
and moved into place with a journal: a build killed part way leaves a mix, which the next build completes before
anything else. Nothing outside the output and its one sibling is ever written or deleted.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import stat
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from .manifest import (
    MANIFEST,
    RESERVED,
    STAGING,
    Entry,
    Manifest,
    is_safe_relative,
    manifest_text,
    parse_manifest,
    read_manifest,
)
from .tree import PathFault, Tree

WORK_SUFFIX = ".cquin-next"
TREE, PREV, DIRTY, WORK_LOCK = "tree", "prev", "dirty", "lock"
JOURNAL = ".cquin-commit.json"  # inside the staging folder of an in-place commit
SWAP, NEW, IN_PLACE = "swap", "new", "in place"
# A file of the hidden copy in an unknown state: it equals no file of any site, so the next build replaces it.
UNKNOWN = Entry("0" * 32, "", 0, 0)
_UNSUPPORTED = {errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP}


def absolute(out_dir: Path) -> Path:
    """The output as an absolute path, '..' resolved but links not followed (a linked output is the link)."""
    return Path(os.path.abspath(out_dir))


def work_dir(out_dir: Path) -> Path:
    """The build's one folder beside the output: its lock, hidden copy and marker."""
    out = absolute(out_dir)
    return out.parent / f".{out.name}{WORK_SUFFIX}"


def in_place_reason(out: Path) -> str:
    """Why the output can only be changed in place ('' when it can be exchanged with a hidden copy)."""
    if not out.name:
        return f"{out} is the root of the file system"
    if out.is_symlink():
        return f"{out} is a symbolic link"
    if out.is_dir() and os.path.ismount(out):
        return f"{out} is a mount point"
    cwd = Path(os.getcwd())
    if cwd == out or out in cwd.parents:
        return f"{out} holds the working folder"
    if not os.access(out.parent, os.W_OK | os.X_OK):
        return f"the folder that holds {out} cannot be written"
    return ""


def lock_file(out_dir: Path) -> Path:
    """The file a build of this output locks, its folder made: in the build's own sibling folder (also where the
    output is switched in place), or the output folder itself where no sibling can be made (it is then never
    renamed); the same for every build of one output."""
    out = absolute(out_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    if not out.name or not os.access(out.parent, os.W_OK | os.X_OK):
        return out
    return _work(out) / WORK_LOCK


def _work(out: Path) -> Path:
    """The sibling folder, made if need be; an error if something else has its name."""
    work = work_dir(out)
    try:
        work.mkdir()
    except FileExistsError:
        if work.is_symlink() or not work.is_dir():
            raise PathFault(errno.EEXIST, "is not a folder the build made: remove it", str(work)) from None
    return work


def recover(out_dir: Path) -> list[str]:
    """Finish or undo what a build killed part way left (call with the lock held, before reading the manifest);
    a notice for each thing done."""
    out = absolute(out_dir)
    notices = []
    work = work_dir(out)
    prev = work / PREV
    if os.path.lexists(prev):  # killed between the renames of a switch without an exchange
        if not os.path.lexists(out) and _is_real_dir(work / TREE) and not os.path.lexists(work / DIRTY):
            os.rename(work / TREE, out)
        if os.path.lexists(work / TREE):
            _discard(prev)
        else:
            os.rename(prev, work / TREE)
        notices.append(f"finished switching {out} to the site an interrupted build had made")
    staging = out / STAGING
    if _is_real_dir(out) and os.path.lexists(staging):
        if _is_real_dir(staging) and os.path.isfile(staging / JOURNAL):
            _apply_journal(out)
            notices.append(f"finished the switch of {out} that an interrupted build had begun")
        else:
            _discard(staging)
    return notices


@dataclass
class Switch:
    """How one build's files reach the output: the folder they are written in, what it holds already (the
    hidden copy's manifest), the live site (for links, or to move files into), and why in place if so."""

    out: Path
    mode: str
    tree: Tree
    held: Manifest
    live: Optional[Tree]
    notice: str = ""

    def close(self) -> None:
        """Let go of the folders' descriptors."""
        self.tree.close()
        if self.live is not None:
            self.live.close()


def begin(out_dir: Path, live: Manifest) -> Switch:
    """Choose how to switch, and make ready the folder new files are written in (marked dirty before any change)."""
    out = absolute(out_dir)
    if os.path.lexists(out) and not out.is_dir():
        raise PathFault(errno.ENOTDIR, "is not a folder: the output must be one", str(out))
    reason = in_place_reason(out)
    if not reason and live.problem and os.path.lexists(out) and os.listdir(out):
        # What the output holds is unknown: it is rewritten where it stands, and nothing in it is hidden or removed.
        reason = f"the manifest of {out} could not be used"
    if not reason and os.path.lexists(out):
        owned = {rel.partition("/")[0] for rel in live.files} | RESERVED
        foreign = sorted(name for name in os.listdir(out) if name not in owned)
        if foreign:
            shown = ", ".join(foreign[:3]) + (", ..." if len(foreign) > 3 else "")
            reason = f"{out} holds files the build did not write ({shown}; put them in content/files/)"
    if reason:
        staging = out / STAGING
        _discard(staging)
        staging.mkdir()
        notice = f"{reason}: its files are replaced one by one, so a reader may see old and new pages together"
        return Switch(out, IN_PLACE, Tree(staging, own=True), Manifest(), Tree(out, own=False), notice)
    work = _work(out)
    held = _held(work)
    (work / DIRTY).touch()
    (work / TREE).mkdir(exist_ok=True)
    mode = SWAP if os.path.lexists(out) else NEW
    return Switch(out, mode, Tree(work / TREE, own=True), held, Tree(out, own=False) if mode == SWAP else None)


def _held(work: Path) -> Manifest:
    """What the hidden copy holds, by its manifest; a copy left dirty, damaged or unknown is thrown away."""
    tree = work / TREE
    if not os.path.lexists(tree):
        return Manifest()
    if not os.path.lexists(work / DIRTY) and _is_real_dir(tree) and os.path.isfile(tree / MANIFEST):
        held = read_manifest(tree)
        if not held.problem:
            return held
    _discard(tree)
    return Manifest()


def settle(switch: Switch, files: dict[str, Entry], written: set[str]) -> None:
    """Make the hidden copy hold exactly `files`: files not written by this build are linked from the live site
    unless the copy has them already, and files the new site does not have are removed."""
    if switch.mode == IN_PLACE:
        return
    for rel in sorted(set(switch.held.files) - set(files)):
        switch.tree.remove(rel)
    for rel, entry in files.items():
        if rel in written:
            continue
        held = switch.held.files.get(rel)
        if held is not None and (held.digest, held.size, held.mtime_ns) == (entry.digest, entry.size, entry.mtime_ns):
            continue
        assert switch.live is not None, rel  # a new output has no file that was not written
        st = switch.tree.link(rel, switch.live)
        if (st.st_size, st.st_mtime_ns) != (entry.size, entry.mtime_ns):
            raise PathFault(errno.ESTALE, "was changed while the build ran", str(switch.out / rel))


def finish(switch: Switch, manifest: Manifest, stale: list[str], copy_new: bool = True) -> list[str]:
    """Switch the output to the new site, its manifest part of the switch; the notices it has to give.

    A new output's hidden copy is made here when copy_new says so; otherwise the next build makes it (settle
    links every file it does not write), so a build that is never followed by another (a deploy's) makes none:
    it is a folder per page and a link per file, a twentieth of a large library's cold build."""
    text = manifest_text(manifest)
    if switch.mode == IN_PLACE:
        switch.tree.replace_file(JOURNAL, json.dumps({"manifest": text, "remove": stale}).encode("utf-8"))
        switch.close()
        _apply_journal(switch.out)
        return [switch.notice]
    switch.tree.replace_file(MANIFEST, text.encode("utf-8"))
    switch.close()
    work = work_dir(switch.out)
    tree = work / TREE
    if switch.mode == NEW:
        os.unlink(work / DIRTY)
        os.rename(tree, switch.out)
        return _mirror(switch.out, manifest, text) if copy_new else []
    os.chmod(tree, stat.S_IMODE(os.stat(switch.out).st_mode))
    os.unlink(work / DIRTY)
    if exchange(switch.out, tree):
        return []
    os.rename(switch.out, work / PREV)
    try:
        os.rename(tree, switch.out)
    except OSError:
        os.rename(work / PREV, switch.out)
        raise
    os.rename(work / PREV, tree)
    return [f"this system cannot exchange two folders in one step: {switch.out} was absent for a moment while "
            "it was switched"]


def abandon(switch: Switch) -> None:
    """A build that failed before its switch: the live site was not touched. A staging folder goes; the hidden
    copy's manifest records every file this build touched as unknown, so the next build puts those right (and
    where even that cannot be written, the copy stays marked dirty, and the next build makes it again)."""
    switch.close()
    if switch.mode == IN_PLACE:
        if not os.path.lexists(switch.out / STAGING / JOURNAL):
            _discard(switch.out / STAGING)
        return
    touched, cleared = switch.tree.touched, switch.tree.cleared
    files = dict(switch.held.files)
    for rel in list(files) if cleared else ():
        if any(rel.startswith(prefix + "/") or rel == prefix for prefix in cleared):
            files[rel] = UNKNOWN
    files.update((rel, UNKNOWN) for rel in touched if is_safe_relative(rel))
    work = work_dir(switch.out)
    try:
        with Tree(work / TREE, own=True) as tree:
            tree.replace_file(MANIFEST, manifest_text(Manifest(files=files)).encode("utf-8"))
        os.unlink(work / DIRTY)
    except OSError:
        pass  # still marked dirty: the next build makes the copy again


def _mirror(out: Path, manifest: Manifest, text: str) -> list[str]:
    """After a build into a new output, make the hidden copy by hard links, so the next build changes only what
    changed; a failure here costs the next build that work, and the site is already in place."""
    work = work_dir(out)
    try:
        (work / DIRTY).touch()
        (work / TREE).mkdir()
        with Tree(work / TREE, own=True) as copy, Tree(out, own=False) as live:
            for rel in manifest.files:
                copy.link(rel, live)
            copy.replace_file(MANIFEST, text.encode("utf-8"))
        os.unlink(work / DIRTY)
    except OSError as error:
        return [f"the hidden copy {work / TREE} could not be made ({error.strerror}): the next build makes it"]
    return []


def _apply_journal(out: Path) -> None:
    """Carry out an in-place commit's journal: remove what went, move the staged files into place, then write the
    manifest and drop the staging folder. Running it again after a kill finishes it."""
    staging = out / STAGING
    try:
        journal = json.loads((staging / JOURNAL).read_text(encoding="utf-8"))
        text, remove = journal["manifest"], journal["remove"]
        trusted = (isinstance(text, str) and isinstance(remove, list) and not parse_manifest(text, out).problem
                   and all(is_safe_relative(rel) for rel in remove))
    except (OSError, ValueError, KeyError, TypeError):
        trusted = False
    if not trusted:
        _discard(staging)  # not the build's own journal: nothing it names is trusted, nothing is removed
        return
    with Tree(out, own=False) as live, Tree(staging, own=True) as staged:
        for rel in remove:
            live.remove(rel)
        staged.move_into(live, skip=frozenset({JOURNAL, JOURNAL + ".tmp"}))
        live.replace_file(MANIFEST, text.encode("utf-8"))
    _discard(staging)


def exchange(a: Path, b: Path) -> bool:
    """Exchange two paths in one step; False where the system or file system cannot."""
    import ctypes  # only when a site is switched: an up-to-date build never needs it

    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return False
    if sys.platform.startswith("linux") and hasattr(libc, "renameat2"):
        at_fdcwd, rename_exchange = -100, 2
        call = libc.renameat2
        call.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
        result = call(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    elif sys.platform == "darwin" and hasattr(libc, "renamex_np"):
        rename_swap = 2
        call = libc.renamex_np
        call.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_uint]
        result = call(os.fsencode(a), os.fsencode(b), rename_swap)
    else:
        return False
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in _UNSUPPORTED:
        return False
    raise PathFault(code, os.strerror(code), str(a))


def _is_real_dir(path: Path) -> bool:
    """A folder, and not a link to one."""
    return path.is_dir() and not path.is_symlink()


def _discard(path: Path) -> None:
    """Remove one of the build's own folders (or whatever stands at its name), never following a link."""
    if _is_real_dir(path):
        shutil.rmtree(path)
    elif os.path.lexists(path):
        os.unlink(path)

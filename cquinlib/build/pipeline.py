"""The build's entry point and its up-to-date check: a build with nothing to do returns here, having loaded
neither Jinja, whoosh nor numpy; anything else runs the stages (build.stages).

A build holds a lock on its output, and one on its cache once past the up-to-date check, for as long as it runs:
a second build of the same output, or with the same cache, waits for the first (saying so once), and gives up
with an error after options.lock_timeout seconds.
"""

from __future__ import annotations

import errno
import fcntl
import gc
import os
import shutil
import sys
import time
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator, Optional

from ..core.diagnostics import BuildFailed, Diagnostic
from ..core.digest import code_digest
from ..site.commit import lock_file, recover
from ..site.write import (
    Manifest,
    WriteReport,
    damaged_outputs,
    fault_diagnostic,
    read_manifest,
)
from .options import (
    BuildOptions,
    BuildResult,
    changed_sources,
    source_fingerprint,
    source_stats,
)

if TYPE_CHECKING:  # the cache (and with it the YAML reader and the validation path) loads only once needed
    from ..library.validate import CachedScheme
    from .cache import BuildCache

__all__ = ["build_site", "hold_lock", "source_fingerprint"]

LOCK_POLL_SECONDS = 0.1
CACHE_LOCK = "build.lock"
# Caches under the cache folder that only speed a build up and hold no validation: set aside when a build fails
# in a way that no error in the library explains.
DERIVED_CACHES = ("search", "templates")


def build_site(options: BuildOptions, remembered: Optional[dict[str, CachedScheme]] = None) -> BuildResult:
    """Validate, then render what changed and write; raise BuildFailed and leave the output as it was on any
    error (a fault of the file system too: one diagnostic naming the file).

    remembered: a dict a long-running caller keeps between builds, so cached schemes are read from the cache
    file once (see BuildCache).
    """
    code = code_digest()
    try:
        lock = lock_file(options.out_dir)
    except OSError as error:
        raise BuildFailed([fault_diagnostic(error, "cannot prepare the output")]) from error
    with hold_lock(lock, f"the output {options.out_dir}", options):
        try:
            notices = recover(options.out_dir)
        except OSError as error:
            raise BuildFailed([fault_diagnostic(error, "cannot finish the switch an interrupted build began")]) \
                from error
        stats = source_stats(options)
        fingerprint = source_fingerprint(options, code, stats)
        manifest = read_manifest(options.out_dir)
        damaged = damaged_outputs(options.out_dir, manifest)
        if manifest.files and manifest.fingerprint == fingerprint and not damaged:
            diagnostics = tuple(Diagnostic.from_plain(d) for d in manifest.diagnostics)
            return BuildResult(diagnostics, -1, len(manifest.files), 0, WriteReport(0, len(manifest.files), 0),
                               tuple(notices))
        checked = replace(options, before_commit=lambda: _unchanged_since(options, stats))
        result = _build_with_cache(checked, code, fingerprint, manifest, damaged, remembered)
    return replace(result, notices=tuple(notices) + result.notices + result.report.notices)


def _build_with_cache(options: BuildOptions, code: str, fingerprint: str, manifest: Manifest, damaged: set[str],
                      remembered: Optional[dict[str, CachedScheme]]) -> BuildResult:
    """The build proper, with the cache locked. A cache that turns out unreadable part way is started afresh,
    with a notice, and the build run again: the build cache when SQLite finds it damaged (or rows of it), the
    search caches and compiled templates when the build fails in a way no library error explains (if it fails
    again without them, that failure is the build's)."""
    from .cache import (  # past the up-to-date check: it loads the validation path
        BuildCache,
        CacheDamaged,
    )
    if options.cache_dir is None:
        return _run(options, code, fingerprint, manifest, damaged, None)
    cache_dir = options.cache_dir
    if cache_dir.exists() and not cache_dir.is_dir():
        raise BuildFailed([Diagnostic(cache_dir, 1, 1, "", "the cache folder is a file: remove it, or give another "
                                                           "folder with --cache")])
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise BuildFailed([fault_diagnostic(error, "cannot make the cache folder")]) from error
    with hold_lock(cache_dir / CACHE_LOCK, f"the cache {cache_dir}", options):
        notices: list[str] = []
        damage_seen, derived_reset = False, False
        while True:
            cache = BuildCache(cache_dir, remembered=remembered)
            try:
                result = _run(options, code, fingerprint, manifest, damaged, cache)
                return replace(result, notices=tuple(notices) + result.notices)
            except CacheDamaged as damage:
                notices += cache.notices
                if damage_seen:
                    raise BuildFailed([Diagnostic(cache.path, 1, 1, "", f"the build cache is damaged again "
                                                                        f"({damage}): delete {cache_dir}")]) from damage
                damage_seen = True
                if damage.whole:
                    notices.append(f"the build cache {cache.path} was damaged ({damage}): starting it afresh")
                    cache.discard()
            except BuildFailed:
                raise
            except Exception as error:  # noqa: BLE001 - tried once more without the derived caches, then raised
                derived = [cache_dir / name for name in DERIVED_CACHES if (cache_dir / name).exists()]
                if derived_reset or not derived:
                    raise
                derived_reset = True
                reason = str(error).splitlines()[0][:160] if str(error) else ""
                notices.append(f"the caches {', '.join(str(d) for d in derived)} could not be read "
                               f"({type(error).__name__}{': ' + reason if reason else ''}): starting them afresh")
                for folder in derived:
                    shutil.rmtree(folder, ignore_errors=True)
            finally:
                cache.close()
            # Another attempt starts from the output as it is now (a failure may have come after the switch).
            manifest = read_manifest(options.out_dir)
            damaged = damaged_outputs(options.out_dir, manifest)


def _run(options: BuildOptions, code: str, fingerprint: str, manifest: Manifest, damaged: set[str],
         cache: Optional[BuildCache]) -> BuildResult:
    """Run the stages with the collector paused; any file system fault they meet becomes one diagnostic."""
    was_collecting = gc.isenabled()
    # A build makes millions of objects that live until it ends, and few cycles: the collector would walk the
    # whole growing heap again and again (a third of an edit's time on a large library). It is paused for the
    # build (forked workers collect their own garbage) and resumes after, so a dev server still frees cycles.
    gc.disable()
    try:
        from .stages import (
            run_stages,  # the heavy stages, only now that something changed
        )
        return run_stages(options, code, fingerprint, manifest, damaged, cache)
    except OSError as error:
        raise BuildFailed([fault_diagnostic(error, "cannot build")]) from error
    finally:
        if was_collecting:
            gc.enable()


def _unchanged_since(options: BuildOptions, stats: dict[str, tuple[int, int]]) -> None:
    """Raise BuildFailed naming a source file added, changed or deleted since the build read the sources."""
    changed = changed_sources(stats, source_stats(options))
    if changed:
        more = f" (and {len(changed) - 1} more)" if len(changed) > 1 else ""
        raise BuildFailed([Diagnostic(Path(changed[0]), 1, 1, "", f"changed while the build ran{more}; the site "
                                                                   "was not changed: build again")])


@contextmanager
def hold_lock(path: Path, what: str, options: BuildOptions) -> Iterator[None]:
    """Hold an exclusive lock on a file while the block runs: wait for another holder, saying so once, and give up
    with BuildFailed after options.lock_timeout seconds. The lock is the kernel's, so a build that is killed lets
    go of it at once. Within one process the lock does not exclude: one process runs one build at a time."""
    notify: Callable[[str], None] = options.notify or _print_note
    folder = path.is_dir()
    try:
        flags = os.O_RDONLY if folder else os.O_RDWR | os.O_CREAT
        fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0), 0o644)
    except OSError as error:
        raise BuildFailed([fault_diagnostic(error, f"cannot lock {what}")]) from error
    try:
        deadline = time.monotonic() + options.lock_timeout
        waited = False
        while not _try_lock(fd, folder):
            if not waited:
                notify(f"waiting for another build to finish with {what}")
                waited = True
            if time.monotonic() >= deadline:
                raise BuildFailed([Diagnostic(path, 1, 1, "", f"another build has held {what} for more than "
                                                              f"{options.lock_timeout:g}s: stopped waiting; let it "
                                                              "finish, or stop it, and build again")])
            time.sleep(LOCK_POLL_SECONDS)
        yield
    finally:
        os.close(fd)  # closing the descriptor lets go of the lock


def _try_lock(fd: int, folder: bool) -> bool:
    """Take the lock without waiting; False when another process holds it.

    A file gets a POSIX record lock, which belongs to this process alone: workers it forked do not hold it, so
    a build killed while its workers linger lets go at once. A folder (only where no lock file can be made) can
    only take flock."""
    try:
        if folder:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        else:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as error:
        if error.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            return False
        raise
    return True


def _print_note(line: str) -> None:
    """Say on standard error, at once, what the build is doing."""
    print(f"note: {line}", file=sys.stderr, flush=True)

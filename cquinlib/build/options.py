"""What a build is asked to do, what it did, and the fingerprint of the sources it reads."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from ..core.diagnostics import Diagnostic
from ..core.digest import PACKAGE_DIR, digest_bytes
from ..site.commit import work_dir
from ..site.write import WriteReport

# How long a build waits for another build of the same output (or with the same cache) before giving up: longer
# than a cold build of a large library takes.
LOCK_TIMEOUT_SECONDS = 600.0


def default_templates_dir() -> Path:
    """The templates that come with the generator, inside the package (in a checkout and installed alike)."""
    return PACKAGE_DIR / "templates"


@dataclass(frozen=True)
class BuildOptions:
    """Where to read from and write to, how strict to be, and how long to wait for another build.

    notify says a one-line note while the build runs (that it waits for another); standard error when None.
    before_commit is set by the pipeline: it runs once the new site is complete, before the switch.
    copy_new_output: the first build of an output makes the hidden copy the next build works in at once (the dev
    server, which builds again on every edit); otherwise the next build makes it, if there is one.
    """

    schemes_dir: Path = Path("schemes")
    content_dir: Path = Path("content")
    out_dir: Path = Path("site")
    templates_dir: Path = field(default_factory=default_templates_dir)
    base_url: Optional[str] = None
    strict: bool = False
    cache_dir: Optional[Path] = Path(".cache")
    progress: bool = False
    lock_timeout: float = LOCK_TIMEOUT_SECONDS
    notify: Optional[Callable[[str], None]] = field(default=None, compare=False, repr=False)
    before_commit: Optional[Callable[[], None]] = field(default=None, compare=False, repr=False)
    copy_new_output: bool = False


@dataclass(frozen=True)
class BuildResult:
    """What a successful build did; notices say which caches were started afresh and how the output was
    switched, when there is something to say."""

    diagnostics: tuple[Diagnostic, ...]
    schemes: int
    pages: int
    rendered: int
    report: WriteReport
    notices: tuple[str, ...] = ()


def source_stats(options: BuildOptions) -> dict[str, tuple[int, int]]:
    """Size and modification time of every source file (schemes, content, templates), by path; the build's own
    output, hidden copy and cache are left out where they sit inside a source folder."""
    skipped = {os.path.abspath(p) for p in (options.out_dir, options.cache_dir, work_dir(options.out_dir)) if p}
    stats: dict[str, tuple[int, int]] = {}
    for folder in (options.schemes_dir, options.content_dir, options.templates_dir):
        for root, dirs, files in os.walk(folder):
            dirs[:] = sorted(d for d in dirs if os.path.abspath(os.path.join(root, d)) not in skipped)
            for name in sorted(files):
                path = os.path.join(root, name)
                try:
                    st = os.stat(path)
                except OSError:
                    continue
                stats[path] = (st.st_size, st.st_mtime_ns)
    return stats


def source_fingerprint(options: BuildOptions, code: str, stats: Optional[dict[str, tuple[int, int]]] = None) -> str:
    """Names, sizes and times of every source file, with the options and the code: equal means nothing changed."""
    parts = [code, repr((options.base_url, options.strict, str(options.templates_dir.resolve())))]
    parts += [str(folder.resolve()) for folder in (options.schemes_dir, options.content_dir, options.templates_dir)]
    for path, (size, mtime_ns) in (source_stats(options) if stats is None else stats).items():
        parts.append(f"{path}:{size}:{mtime_ns}")
    return digest_bytes(*parts)


def changed_sources(before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]]) -> list[str]:
    """Source files added, changed or deleted between two looks, in order."""
    return sorted(path for path in before.keys() | after.keys() if before.get(path) != after.get(path))

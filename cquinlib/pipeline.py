"""The build as a sequence of stages: scan, validate (cached), plan, render what changed, write.

This module is the entry point and the up-to-date check; the stages themselves (rebuild.py) are imported
only when something changed, so a build with nothing to do never loads Jinja, whoosh or numpy.
"""

from __future__ import annotations

import gc
import importlib.util
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from .cache import BuildCache, CachedScheme, digest_bytes
from .diagnostics import Diagnostic, has_errors
from .model import Library
from .write import WriteReport, damaged_outputs, read_manifest

PACKAGE_DIR = Path(__file__).resolve().parent


def default_templates_dir() -> Path:
    """The templates beside the package in a checkout, else the copy installed with it."""
    checkout = PACKAGE_DIR.parent / "templates"
    if (checkout / "base.html").is_file():
        return checkout
    # Installed, templates/ is the data-only package cquinlib.templates (no __init__.py, so ask its spec).
    spec = importlib.util.find_spec("cquinlib.templates")
    locations = list(spec.submodule_search_locations or []) if spec else []
    return Path(locations[0]) if locations else checkout


@dataclass(frozen=True)
class BuildOptions:
    """Where to read from and write to, and how strict to be."""

    schemes_dir: Path = Path("schemes")
    content_dir: Path = Path("content")
    out_dir: Path = Path("site")
    templates_dir: Path = field(default_factory=default_templates_dir)
    base_url: Optional[str] = None
    strict: bool = False
    cache_dir: Optional[Path] = Path(".cache")
    progress: bool = False


@dataclass(frozen=True)
class CheckResult:
    """A validated library, with every diagnostic found on the way."""

    library: Library
    diagnostics: tuple[Diagnostic, ...]

    def failed(self, strict: bool) -> bool:
        """True when the build must not go on."""
        return has_errors(self.diagnostics, strict)


@dataclass(frozen=True)
class BuildResult:
    """What a successful build did."""

    diagnostics: tuple[Diagnostic, ...]
    schemes: int
    pages: int
    rendered: int
    report: WriteReport


def check_sources(options: BuildOptions) -> CheckResult:
    """Read and validate the schemes folder without a cache; write nothing anywhere."""
    from .load import load_library
    from .validate import validate_library
    library, diagnostics = validate_library(load_library(options.schemes_dir))
    return CheckResult(library, diagnostics)


def build_site(options: BuildOptions, remembered: Optional[dict[str, CachedScheme]] = None) -> BuildResult:
    """Validate, then render what changed and write; raise BuildFailed and write nothing on any error.

    remembered: a dict a long-running caller keeps between builds, so cached schemes are read from the cache
    file once (see BuildCache).
    """
    code = code_digest()
    fingerprint = source_fingerprint(options, code)
    manifest = read_manifest(options.out_dir)
    damaged = damaged_outputs(options.out_dir, manifest)
    if manifest.files and manifest.fingerprint == fingerprint and not damaged:
        diagnostics = tuple(Diagnostic.from_plain(d) for d in manifest.diagnostics)
        return BuildResult(diagnostics, -1, len(manifest.files), 0, WriteReport(0, len(manifest.files), 0))
    cache = BuildCache(options.cache_dir, code, remembered) if options.cache_dir else None
    was_collecting = gc.isenabled()
    # A build makes millions of objects that live until it ends, and few cycles: the collector would walk the
    # whole growing heap again and again (a third of an edit's time on a large library). It is paused for the
    # build (forked workers collect their own garbage) and resumes after, so a dev server still frees cycles.
    gc.disable()
    try:
        from .rebuild import rebuild  # the heavy stages, only now that something changed
        return rebuild(options, code, fingerprint, manifest, damaged, cache)
    finally:
        if was_collecting:
            gc.enable()
        if cache is not None:
            cache.close()


def code_digest() -> str:
    """A digest of the generator's own code: a new version invalidates caches and pages."""
    return digest_bytes(*(p.read_bytes() for p in sorted(PACKAGE_DIR.glob("*.py"))))


def source_fingerprint(options: BuildOptions, code: str) -> str:
    """Names, sizes and times of every source file, with the options: equal means nothing changed."""
    parts = [code, repr((options.base_url, options.strict, str(options.templates_dir.resolve())))]
    for folder in (options.schemes_dir, options.content_dir, options.templates_dir):
        parts.append(str(folder.resolve()))
        for root, dirs, files in os.walk(folder):
            dirs.sort()
            for name in sorted(files):
                path = os.path.join(root, name)
                try:
                    st = os.stat(path)
                except OSError:
                    continue
                parts.append(f"{path}:{st.st_size}:{st.st_mtime_ns}")
    return digest_bytes(*parts)

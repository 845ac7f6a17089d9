"""The build's entry point and its up-to-date check: a build with nothing to do returns here, having loaded
neither Jinja, whoosh nor numpy; anything else runs the stages (build.stages)."""

from __future__ import annotations

import gc
import os
from typing import TYPE_CHECKING, Optional

from ..core.diagnostics import Diagnostic
from ..core.digest import code_digest, digest_bytes
from ..site.write import WriteReport, damaged_outputs, read_manifest
from .options import BuildOptions, BuildResult

if TYPE_CHECKING:  # the cache (and with it the YAML reader and the validation path) loads only once needed
    from ..library.validate import CachedScheme


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
    from .cache import BuildCache  # past the up-to-date check: it loads the validation path
    cache = BuildCache(options.cache_dir, remembered=remembered) if options.cache_dir else None
    was_collecting = gc.isenabled()
    # A build makes millions of objects that live until it ends, and few cycles: the collector would walk the
    # whole growing heap again and again (a third of an edit's time on a large library). It is paused for the
    # build (forked workers collect their own garbage) and resumes after, so a dev server still frees cycles.
    gc.disable()
    try:
        from .stages import run_stages  # the heavy stages, only now that something changed
        return run_stages(options, code, fingerprint, manifest, damaged, cache)
    finally:
        if was_collecting:
            gc.enable()
        if cache is not None:
            cache.close()


def source_fingerprint(options: BuildOptions, code: str) -> str:
    """Names, sizes and times of every source file, with the options and the code: equal means nothing changed."""
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

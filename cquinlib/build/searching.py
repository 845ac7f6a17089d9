"""The search stage as a build runs it: to the related lists and the bytes of the search files that changed, in
a process of its own while the build goes on with the catalog and the open data, so that nothing of the export
state crosses back but those bytes.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import NamedTuple, Optional

from ..core.parallel import Background, in_background
from ..library.validate import ModelsNotHeld, ValidatedLibrary
from ..search.stage import build_search, source_of
from ..site.manifest import Entry, Manifest, split_current
from ..site.write import OutputFile
from .cache import BuildCache


class SearchOutputs(NamedTuple):
    """What the site takes from search: related schemes by id, the search files to write (made already), the
    manifest entries of those that are current, every search file's URL, and the stage's notices."""

    related: dict[str, tuple[str, ...]]
    todo: tuple[OutputFile, ...]
    kept: dict[str, Entry]
    urls: tuple[str, ...]
    notices: tuple[str, ...]


def search_outputs(library: ValidatedLibrary, cache_dir: Optional[Path], manifest: Manifest,
                   damaged: set[str]) -> SearchOutputs:
    """Run the search stage and make the files whose key changed (compressing them is most of their cost)."""
    search = build_search(source_of(library), cache_dir / "search" if cache_dir else None)
    todo, kept = split_current([(f, f.url, f.key) for f in search.files], manifest, damaged)
    return SearchOutputs(search.related, tuple(OutputFile(f.url, f.make(), key=f.key) for f in todo), kept,
                         tuple(f.url for f in search.files), search.notices)


def search_in_background(library: ValidatedLibrary, cache: Optional[BuildCache], cache_dir: Optional[Path],
                         manifest: Manifest, damaged: set[str]) -> Background[SearchOutputs]:
    """search_outputs in a forked process, which reads the models it needs (of documents to analyse again)
    through a reader of its own: a SQLite connection is never used on both sides of a fork. When a model cannot
    be read there, wait_for_search runs the stage here instead, where the cache's damage is dealt with."""
    models = cache.reader() if cache is not None else None
    return in_background(search_outputs, replace(library, store=models), cache_dir, manifest, damaged)


def wait_for_search(searching: Background[SearchOutputs], library: ValidatedLibrary, cache_dir: Optional[Path],
                    manifest: Manifest, damaged: set[str]) -> SearchOutputs:
    """The background search stage's outputs, or the stage run here when it could not read a model it needed."""
    try:
        return searching.result()
    except ModelsNotHeld:
        return search_outputs(library, cache_dir, manifest, damaged)

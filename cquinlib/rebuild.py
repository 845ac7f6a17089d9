"""The build once something changed: validate (cached), search, plan, render what changed, write."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Optional, TypeVar

from .cache import BuildCache, digest_bytes
from .catalog import Catalog, catalog_from_cards
from .content import Content, load_content
from .diagnostics import BuildFailed, Diagnostic, has_errors
from .load import scan_library
from .model import dest_rel
from .parallel import iter_parallel
from .pipeline import BuildOptions, BuildResult
from .progress import Progress
from .render import (ALL_LISTED, PageSpec, RenderJob, Renderer, make_environment, plan_site, render_one,
                     static_outputs, url_clashes)
from .search_build import SearchBuild, build_search, source_from_sources
from .search_export import SearchFile
from .sources import Sources, validate_sources
from .write import Entry, Manifest, OutputFile, write_site

T = TypeVar("T")

# Fewer pages than this render in this process: workers forked from a large library's heap copy its pages as
# they touch the catalog, and for the few dozen pages of an edit they were no faster (82 pages after an edit at
# 10,000 schemes: 0.25 s here).
PARALLEL_PAGES = 400


def rebuild(options: BuildOptions, code: str, fingerprint: str, manifest: Manifest, damaged: set[str],
           cache: Optional[BuildCache]) -> BuildResult:
    """The build proper, once the fast path has found that something changed."""
    progress = Progress(enabled=options.progress)
    sources = validate_sources(scan_library(options.schemes_dir), cache, progress)
    content, content_diagnostics = load_content(options.content_dir, options.base_url)
    diagnostics = tuple(sorted(sources.diagnostics + tuple(content_diagnostics)))
    if content is None or has_errors(diagnostics, options.strict):
        raise BuildFailed(diagnostics)
    catalog = catalog_from_cards(sources.regions, sources.topics, sources.years, sources.cards)
    search = build_search(source_from_sources(options.schemes_dir, sources, cache),
                          options.cache_dir / "search" if options.cache_dir else None, background=True)
    validated = Validated(sources, content, diagnostics, catalog, search)
    try:
        result = _render_and_write(options, code, fingerprint, manifest, damaged, cache, validated, progress)
    except BaseException:
        search.finish(True)
        raise
    search.finish(False)
    progress.done()
    return result


@dataclass(frozen=True)
class Validated:
    """A library and its content, validated, with the search stage's results."""

    sources: Sources
    content: Content
    diagnostics: tuple[Diagnostic, ...]
    catalog: Catalog
    search: SearchBuild


def _render_and_write(options: BuildOptions, code: str, fingerprint: str, manifest: Manifest, damaged: set[str],
                      cache: Optional[BuildCache], validated: Validated, progress: Progress) -> BuildResult:
    """Plan the pages, render those whose key changed, and write them with the static and search files."""
    sources, content, diagnostics, catalog, search = (validated.sources, validated.content, validated.diagnostics,
                                                      validated.catalog, validated.search)
    specs = plan_site(catalog, content, search.related)
    search_todo, search_kept = _search_files(search, manifest, damaged)
    statics = static_outputs(catalog, content, options.templates_dir)
    clashes = url_clashes(specs, statics + [OutputFile(f.url) for f in search.files])
    if clashes:
        raise BuildFailed(clashes)
    base = digest_bytes(code, _tree_digest(options.templates_dir), repr(content.site),
                        repr([(p.url, p.title, p.nav) for p in content.pages]), sources.shared_digest)
    todo, kept = _changed_pages(specs, _page_keys(specs, base, sources), manifest, damaged)
    kept.update(search_kept)
    env = make_environment(options.templates_dir, content,
                           options.cache_dir / "templates" if options.cache_dir else None)
    for template in sorted({spec.template for spec, _ in todo}):
        env.get_template(template)  # compiled once here, so forked renderers inherit it rather than each compiling
    renderer = Renderer(env, _blobs_for(todo, sources, cache))
    job = RenderJob(renderer, tuple(spec for spec, _ in todo))
    # Pages stream from the workers into the write stage, which stages them as they come.
    # Rendering takes the other core once the index, written in the background, has let go of it.
    pages = iter_parallel(render_one, job, range(len(todo)), min_items=PARALLEL_PAGES,
                          progress=progress.stage("rendering"), cores_free=lambda: not search.finish.running())
    outputs = chain((OutputFile(spec.url, data, key=key) for (spec, key), data in zip(todo, pages)), statics,
                    (OutputFile(f.url, f.make(), key=f.key) for f in search_todo))
    report = write_site(options.out_dir, outputs, kept, fingerprint, [d.to_plain() for d in diagnostics], manifest)
    return BuildResult(diagnostics, len(catalog.built), len(specs), len(todo), report)


def _page_keys(specs: list[PageSpec], base: str, sources: Sources) -> list[str]:
    """Each page's dependency key: equal keys mean equal bytes."""
    cards = sources.card_digests
    listed = digest_bytes(*(f"{c.id}:{cards[c.id]}" for c in sources.cards if c.status == "published"))
    keys = []
    for spec in specs:
        parts = [base, spec.template, spec.url]
        for dep in spec.deps:
            kind, _, scheme = dep.partition(":")
            if dep == ALL_LISTED:
                parts.append(listed)
            elif kind == "scheme":
                parts.append(sources.scheme_keys[scheme])
            else:
                parts.append(dep)
        # Card digests are hex: joined, they stay unambiguous, and a listing of thousands hashes as one part.
        parts.append(" ".join([cards[sid] for sid in spec.cards]))
        keys.append(digest_bytes(*parts))
    return keys


def _search_files(search: SearchBuild, manifest: Manifest,
                  damaged: set[str]) -> tuple[list[SearchFile], dict[str, Entry]]:
    """The exported search files to make, and those the site holds already (same key, untouched)."""
    return _split_current([(f, f.url, f.key) for f in search.files], manifest, damaged)


def _changed_pages(specs: list[PageSpec], keys: list[str], manifest: Manifest,
                   damaged: set[str]) -> tuple[list[tuple[PageSpec, str]], dict[str, Entry]]:
    """Pages whose key changed or whose file was touched by hand; the rest are kept as they are."""
    return _split_current([((spec, key), spec.url, key) for spec, key in zip(specs, keys)], manifest, damaged)


def _split_current(items: list[tuple[T, str, str]], manifest: Manifest,
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


def _blobs_for(todo: list[tuple[PageSpec, str]], sources: Sources, cache: Optional[BuildCache]) -> dict[str, bytes]:
    """Pickled full schemes for the scheme pages to render: fresh ones, else from the cache."""
    wanted = {str(spec.src_path) for spec, _ in todo if spec.scheme_id is not None}
    blobs = {path: blob for path, blob in sources.fresh_blobs.items() if path in wanted}
    missing = wanted - set(blobs)
    if missing and cache is not None:
        blobs.update(cache.scheme_blobs(sorted(missing)))
    return blobs


def _tree_digest(folder: Path) -> str:
    """A digest of every file's bytes under a folder."""
    return digest_bytes(*(f"{p.relative_to(folder)}\0".encode() + p.read_bytes()
                          for p in sorted(folder.rglob("*")) if p.is_file()))

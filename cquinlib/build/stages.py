"""The build once something changed: validate (through the cache), search, plan, render what changed, write."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from itertools import chain, islice
from typing import Optional

from ..core.diagnostics import BuildFailed, Diagnostic, has_errors
from ..core.digest import digest_bytes, tree_digest
from ..core.parallel import iter_parallel
from ..core.progress import Progress
from ..exchange.publish import template_sources
from ..library.catalog import Catalog, catalog_from_cards
from ..library.downloads import DOWNLOADS, download_blocks
from ..library.load import scan_library
from ..library.urls import dest_rel
from ..library.validate import Analysis, ValidatedLibrary, ValidateOptions, validate_library
from ..search.stage import SEARCH_ANALYSIS, validation_analysis
from ..site.content import Content, load_content
from ..site.inputs import InputKeys, KeySource, RowSource, WholeScheme
from ..site.outputs import static_outputs, url_clashes
from ..site.pages import PageSpec, plan_site
from ..site.render import RenderJob, Renderer, make_environment, render_one
from ..site.manifest import split_current
from ..site.write import Manifest, OutputFile, write_site
from .cache import BuildCache
from .opendata import OPEN_DATA_ANALYSIS, OpenData, open_data, open_data_analysis
from .options import BuildOptions, BuildResult
from .searching import SearchOutputs, search_in_background, wait_for_search

# Fewer pages than this render in this process, unless they are large: workers forked from a large library's heap
# copy its pages as they touch the catalog, and for the few dozen small pages of an edit they were no faster
# (82 pages after an edit at 10,000 schemes: 0.25 s here). But an edit of a large library also re-renders the
# listings of every scheme (the real schemes, what's new: megabytes each, a second or more of one core), and
# those render on every core once the pages to render last came to this many bytes.
PARALLEL_PAGES = 400
PARALLEL_BYTES = 2_000_000


@dataclass(frozen=True)
class Validated:
    """A library and its content, validated, with the search stage's results."""

    library: ValidatedLibrary
    content: Content
    diagnostics: tuple[Diagnostic, ...]
    catalog: Catalog
    search: SearchOutputs
    data: OpenData  # the indicator table every comparison is cut from, and the downloads' parts


def run_stages(options: BuildOptions, code: str, fingerprint: str, manifest: Manifest, damaged: set[str],
               cache: Optional[BuildCache]) -> BuildResult:
    """The build proper, once the up-to-date check has found that something changed."""
    progress = Progress(enabled=options.progress)
    content, content_diagnostics = load_content(options.content_dir, options.base_url)
    # Validation makes each scheme's search document and open data where it has the scheme in hand.
    analyses: dict[str, Analysis] = {SEARCH_ANALYSIS: validation_analysis}
    if content is not None:
        analyses[OPEN_DATA_ANALYSIS] = open_data_analysis(content.site.absolute)
    library = validate_library(scan_library(options.schemes_dir),
                               ValidateOptions(store=cache, progress=progress, analyses=analyses))
    diagnostics = tuple(sorted(library.diagnostics + tuple(content_diagnostics)))
    if content is None or has_errors(diagnostics, options.strict):
        raise BuildFailed(diagnostics)
    # The search stage runs in a forked process while this one makes the catalog and the open data: neither
    # needs the other, and on a large library each takes seconds of one core.
    searching = search_in_background(library, cache, options.cache_dir, manifest, damaged)
    try:
        catalog = catalog_from_cards(library.regions, library.topics, library.years, library.cards)
        data = open_data(library, catalog, content.site.absolute, options.cache_dir)
        search = wait_for_search(searching, library, options.cache_dir, manifest, damaged)
    except BaseException:
        searching.cancel()
        raise
    validated = Validated(library, content, diagnostics, catalog, search, data)
    result = _render_and_write(options, code, fingerprint, manifest, damaged, validated, progress)
    progress.done()
    notices = (tuple(cache.notices if cache else ()) + search.notices + data.notices
               + _address_notice(content, options))
    return BuildResult(result.diagnostics, result.schemes, result.pages, result.rendered, result.report, notices)


def _render_and_write(options: BuildOptions, code: str, fingerprint: str, manifest: Manifest, damaged: set[str],
                      validated: Validated, progress: Progress) -> BuildResult:
    """Plan the pages, render those whose key changed, and write them with the static and search files."""
    library, content, catalog, search = validated.library, validated.content, validated.catalog, validated.search
    specs = plan_site(catalog, content, search.related, validated.data.rows.listed_count())
    statics = static_outputs(catalog, content, options.templates_dir)
    opened = validated.data
    downloads = [OutputFile(d.url, key=opened.key, blocks=partial(download_blocks, d.url, opened.chunks))
                 for d in DOWNLOADS]
    downloads_todo, downloads_kept = split_current([(d, d.url, d.key) for d in downloads], manifest, damaged)
    templates = template_sources(library.regions, library.years, library.topics, content.site.submit_address, code)
    templates_todo, templates_kept = split_current([(t, t.url, t.key) for t in templates], manifest, damaged)
    clashes = url_clashes(specs, statics + downloads + [OutputFile(url) for url in search.urls]
                          + [OutputFile(t.url) for t in templates])
    if clashes:
        raise BuildFailed(clashes)
    # What every page shares: the code, the templates, and the site-wide globals the templates see.
    base = digest_bytes(code, tree_digest(options.templates_dir), repr(content.site),
                        repr([(p.url, p.title, p.nav) for p in content.pages]))
    keys = page_keys(specs, base, library, validated.data.rows)
    todo, kept = split_current([((spec, key), spec.url, key) for spec, key in zip(specs, keys)], manifest, damaged)
    kept.update(search.kept)
    kept.update(templates_kept)
    kept.update(downloads_kept)
    env = make_environment(options.templates_dir, content,
                           options.cache_dir / "templates" if options.cache_dir else None)
    for template in sorted({spec.template for spec, _ in todo}):
        env.get_template(template)  # compiled once here, so forked renderers inherit it rather than each compiling
    wanted = [v.id for spec, _ in todo for v in spec.inputs.values() if isinstance(v, WholeScheme)]
    job = RenderJob(Renderer(env, library.blobs(wanted), validated.data.rows), tuple(spec for spec, _ in todo))
    # Pages stream from the workers into the write stage, which stages them as they come.
    pages = iter_parallel(render_one, job, range(len(todo)), min_items=_parallel_from(todo, manifest),
                          progress=progress.stage("rendering"))
    rendered = (OutputFile(spec.url, data, key=key) for (spec, key), data in zip(todo, pages))
    # The files this process makes itself (the downloads, joined from their parts, and the template files) and the
    # search files (made in the background) follow the first page: the workers have started by then and render on
    # while this process writes these, where written after the last page they kept a core idle.
    outputs = chain(islice(rendered, 1), downloads_todo,
                    search.todo,
                    (OutputFile(t.url, t.make(), key=t.key) for t in templates_todo), rendered, statics)
    report = write_site(options.out_dir, outputs, kept, fingerprint, [d.to_plain() for d in validated.diagnostics],
                        manifest, before_commit=options.before_commit, copy_new=options.copy_new_output)
    return BuildResult(validated.diagnostics, len(catalog.built), len(specs), len(todo), report)


def _parallel_from(todo: list[tuple[PageSpec, str]], manifest: Manifest) -> int:
    """How many pages make it worth forking workers to render these: any number, when the same pages came to
    PARALLEL_BYTES or more last time (a page new since then counts for nothing), else PARALLEL_PAGES."""
    files = manifest.files
    last = sum(entry.size for entry in (files.get(dest_rel(spec.url)) for spec, _ in todo) if entry is not None)
    return 1 if last >= PARALLEL_BYTES else PARALLEL_PAGES


def _address_notice(content: Content, options: BuildOptions) -> tuple[str, ...]:
    """The one notice a build without the site's published address gives: it wrote no sitemap and no feed."""
    if content.site.has_address:
        return ()
    return (f"{options.content_dir / 'site.yaml'} gives no url: (the site's published address), so no sitemap.xml "
            "was written, nor the Atom feed (feed.xml)",)


def page_keys(specs: list[PageSpec], base: str, keys: KeySource, rows: RowSource) -> list[str]:
    """Each page's key, from its template, its URL and its declared inputs: equal keys mean equal bytes."""
    key_of = InputKeys(keys, rows)
    # One digest of the parts joined: each is a repr, a hex digest or a name, none of which holds the separator
    # (repr writes a control character as an escape), and a large library keys tens of thousands of pages.
    return [digest_bytes("\x1e".join([base, spec.template, spec.url,
                                       *[key_of(name, value) for name, value in sorted(spec.inputs.items())]]))
            for spec in specs]

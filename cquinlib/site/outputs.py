"""Files the site publishes as they are, the `_headers` file that makes attachments inert, and the check that no
two sources write one output file."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Iterable

from ..core.diagnostics import BuildFailed, Diagnostic
from ..format.jsonschema import Vocabulary, library_json_schema, scheme_json_schema
from ..format.rules import ATTACHMENT_TYPES
from ..format.yamlio import format_field, locate_all
from ..library import urls
from ..library.catalog import Catalog
from ..library.cards import SchemeCard
from .content import Content, Site
from .minify import minified_script
from .pages import PageSpec
from .write import OutputFile

HEADERS_URL = "/_headers"
# Served with every attachment where the host reads _headers (Netlify, Cloudflare Pages): the browser saves the
# file rather than showing it, never guesses another type from its bytes, and would run nothing if it did show it.
ATTACHMENT_HEADERS = (
    ("Content-Disposition", "attachment"),
    ("X-Content-Type-Options", "nosniff"),
    ("Content-Security-Policy", "sandbox; default-src 'none'"),
)


def _asset(url: str, src_path: Path) -> OutputFile:
    """One of the site's own assets: a script minified, anything else copied as it is."""
    if src_path.suffix == ".js":
        return OutputFile(url, minified_script(src_path))
    return OutputFile(url, src_path=src_path)


def static_outputs(catalog: Catalog, content: Content, templates_dir: Path) -> list[OutputFile]:
    """Files copied as they are: assets, content files, scheme attachments, the JSON Schema and `_headers`.

    Raises BuildFailed, before anything is written, naming every attachment over the site's size limit.
    """
    assets = templates_dir / "static"
    files = [_asset(urls.static_url(p.relative_to(assets).as_posix()), p)
             for p in sorted(assets.rglob("*")) if p.is_file()] if assets.is_dir() else []
    own_headers = b""
    for static in content.files:
        if static.url != HEADERS_URL:
            files.append(OutputFile(static.url, src_path=static.src_path))
            continue
        try:
            own_headers = static.src_path.read_bytes()  # the site's own rules come first, ours are added
        except OSError as exc:
            raise BuildFailed([Diagnostic(static.src_path, 1, 1, "", f"cannot read file: {exc.strerror or exc}")])
    too_large = oversized_attachments(catalog.built, content.site)
    if too_large:
        raise BuildFailed(too_large)
    attachment_urls = [s.attachment_url(a) for s in catalog.built for a in s.attachments]
    files += [OutputFile(s.attachment_url(a), src_path=Path(a.src_path)) for s in catalog.built for a in s.attachments]
    schema = json.dumps(scheme_json_schema(), indent=2, sort_keys=True) + "\n"
    files.append(OutputFile(urls.JSON_SCHEMA, schema.encode()))
    own = json.dumps(library_json_schema(vocabulary(catalog)), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    files.append(OutputFile(urls.LIBRARY_SCHEMA, own.encode()))
    files.append(OutputFile(HEADERS_URL, headers_file(attachment_urls, content.site, own_headers)))
    return files


def vocabulary(catalog: Catalog) -> Vocabulary:
    """The library's topics, regions, national goal ids (with the years that define each) and years."""
    goals: dict[str, list[tuple[str, str]]] = {}
    for year in catalog.years:
        for goal in year.national_goals:
            goals.setdefault(goal.id, []).append((year.label, goal.name))
    return Vocabulary({s: t.name for s, t in catalog.topics.items()}, {s: r.name for s, r in catalog.regions.items()},
                      {i: f"{uses[-1][1]} ({', '.join(label for label, _ in uses)})" for i, uses in goals.items()},
                      {y.slug: y.label for y in catalog.years})


def oversized_attachments(schemes: Iterable[SchemeCard], site: Site) -> list[Diagnostic]:
    """An error for each attachment larger than the site allows, at its line in its scheme file (sizes come from
    the file system: nothing is read)."""
    limit = site.attachment_max_bytes
    found = []
    for scheme in schemes:
        problems = []
        for index, attachment in enumerate(scheme.attachments):
            try:
                size = os.stat(attachment.src_path).st_size
            except OSError as exc:
                problems.append((index, f"attachment '{attachment.file}' cannot be read: {exc.strerror or exc} "
                                        "(was it moved or deleted while the build ran?)"))
                continue
            if size > limit:
                problems.append((index, f"attachment '{attachment.file}' is {size:,} bytes, more than the "
                                        f"{site.attachment_max_mb:g} MB ({limit:,} bytes) a scheme may attach "
                                        "(attachment_max_mb in content/site.yaml): make it smaller, or link to "
                                        "where it is published"))
        if problems:
            src_path = Path(scheme.src_path)
            places = locate_all(src_path, [(("attachments", index, "file"), False) for index, _ in problems])
            found += [Diagnostic(src_path, line, column, format_field(("attachments", index, "file")), message)
                      for (index, message), (line, column) in zip(problems, places)]
    return found


def headers_file(attachment_urls: list[str], site: Site, own: bytes = b"") -> bytes:
    """The `_headers` file: the site's own (content/files/_headers) first, then one rule for each type of
    attachment published, matching every attachment of that type and nothing else the site publishes.

    One rule a type rather than one a file: Cloudflare Pages reads at most 100 rules, and a library has thousands
    of attachments. A rule's `*` matches any run of characters, slashes too, on Netlify and Cloudflare alike.
    """
    lines = [own.decode("utf-8", errors="replace").rstrip("\n"), ""] if own.strip() else []
    lines += ["# Written by the build: scheme attachments are downloaded, never shown as a page, and run nothing.",
              "# Hosts that read no _headers file need the same headers set in their own way (see /guidance/format/)."]
    extensions = {t.extension for t in ATTACHMENT_TYPES}
    by_type: dict[str, list[str]] = {}
    for url in attachment_urls:
        extension = url.rpartition(".")[2]
        if extension in extensions:  # always, once validated: a rule for anything else would be too broad
            by_type.setdefault(extension, []).append(site.href(url))
    for extension, paths in sorted(by_type.items()):
        lines.append(paths[0] if len(paths) == 1 else _folder_of(paths) + "*." + extension)
        lines += [f"  {name}: {value}" for name, value in ATTACHMENT_HEADERS]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _folder_of(paths: list[str]) -> str:
    """The deepest folder (ending in '/') holding every one of some URL paths."""
    common = os.path.commonprefix(paths)
    return common[:common.rfind("/") + 1]


def url_clashes(specs: list[PageSpec], statics: list[OutputFile]) -> list[Diagnostic]:
    """Two sources that would write the same output file: an error naming the later one."""
    owners: dict[str, str] = {}
    clashes = []
    for url, src in [(s.url, s.src_path) for s in specs] + [(f.url, f.src_path) for f in statics]:
        key = urls.dest_rel(url)
        if key in owners:
            where = Path(src) if src else Path(url)
            clashes.append(Diagnostic(where, 1, 1, "url", f"{url} is also produced by {owners[key]}: "
                                                          "rename one of them"))
        else:
            owners[key] = str(src) if src else f"the generator's own {url} page"
    return clashes

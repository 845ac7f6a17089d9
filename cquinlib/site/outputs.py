"""Files the site publishes as they are, and the check that no two sources write one output file."""

from __future__ import annotations

import json
from pathlib import Path

from ..core.diagnostics import Diagnostic
from ..format.jsonschema import scheme_json_schema
from ..library import urls
from ..library.catalog import Catalog
from .content import Content
from .pages import PageSpec
from .write import OutputFile


def static_outputs(catalog: Catalog, content: Content, templates_dir: Path) -> list[OutputFile]:
    """Files copied as they are: assets, content files, scheme attachments, the JSON Schema."""
    assets = templates_dir / "static"
    files = [OutputFile(urls.static_url(p.relative_to(assets).as_posix()), src_path=p)
             for p in sorted(assets.rglob("*")) if p.is_file()] if assets.is_dir() else []
    files += [OutputFile(f.url, src_path=f.src_path) for f in content.files]
    files += [OutputFile(s.attachment_url(a), src_path=Path(a.src_path)) for s in catalog.built for a in s.attachments]
    schema = json.dumps(scheme_json_schema(), indent=2, sort_keys=True) + "\n"
    files.append(OutputFile(urls.JSON_SCHEMA, schema.encode()))
    return files


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

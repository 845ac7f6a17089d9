"""Render stage: plan every page of the site, then turn each into bytes with Jinja."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Iterator, Mapping, Optional

import jinja2

from .catalog import Catalog
from .diagnostics import Diagnostic
from .model import DOMAIN_NAMES, TYPE_NAMES, Content, dest_path, slugify
from .markup import MarkdownRenderer
from .jsonschema import scheme_json_schema
from .spec import DOMAINS, PROVIDER_TYPES


@dataclass(frozen=True)
class OutputFile:
    """One file of the built site: rendered bytes, or a source file copied as it is."""

    url: str
    data: Optional[bytes] = None
    src_path: Optional[Path] = None

    @property
    def dest_path(self) -> PurePosixPath:
        """Where the file goes under the output folder."""
        return dest_path(self.url)


@dataclass(frozen=True)
class PageSpec:
    """A page to render: its URL, template, context, and the source that asked for it."""

    url: str
    template: str
    context: Mapping[str, Any] = field(default_factory=dict)
    src_path: Optional[Path] = None


def make_environment(templates_dir: Path, content: Content) -> jinja2.Environment:
    """Jinja with autoescape and StrictUndefined, so a template typo fails loudly."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(templates_dir)), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                             keep_trailing_newline=True)
    site = content.site
    env.globals.update(site=site, href=site.href, domain_names=DOMAIN_NAMES, type_names=TYPE_NAMES,
                       domains=DOMAINS, provider_types=PROVIDER_TYPES,
                       nav=sorted((p for p in content.pages if p.nav is not None), key=lambda p: (p.nav, p.url)))
    env.filters.update(markdown=MarkdownRenderer(site.base_path), money=format_money, number=format_number,
                       slug=lambda value: slugify(str(value)))
    return env


def format_money(value: Optional[float]) -> str:
    """£1,234,567 (pence only when there are any); empty for None."""
    if value is None:
        return ""
    return f"£{value:,.0f}" if abs(value - round(value)) < 0.005 else f"£{value:,.2f}"


def format_number(value: Optional[float]) -> str:
    """A number without a needless '.0'."""
    return "" if value is None else f"{value:g}"


def plan_site(catalog: Catalog, content: Content) -> list[PageSpec]:
    """Every page the site has, in a stable order."""
    specs = [PageSpec("/", "home.html", {"catalog": catalog}),
             PageSpec("/years/", "years.html", {"catalog": catalog}),
             PageSpec("/regions/", "regions.html", {"catalog": catalog}),
             PageSpec("/types/", "types.html", {"catalog": catalog}),
             PageSpec("/providers/", "providers.html", {"catalog": catalog}),
             PageSpec("/goals/", "goals.html", {"catalog": catalog}),
             PageSpec("/national-goals/", "national_goals.html", {"catalog": catalog}),
             PageSpec("/404.html", "404.html", {}),
             PageSpec("/sitemap.xml", "sitemap.xml", {"catalog": catalog, "pages": content.pages}),
             PageSpec("/robots.txt", "robots.txt", {})]
    specs += [PageSpec(y.url, "year.html", {"catalog": catalog, "year": y}) for y in catalog.years]
    specs += [PageSpec(r.url, "region.html", {"catalog": catalog, "region": r}) for r in catalog.regions.values()]
    specs += [PageSpec(f"/types/{t}/", "type.html", {"catalog": catalog, "type": t}) for t in PROVIDER_TYPES]
    specs += [PageSpec(p.url, "provider.html", {"catalog": catalog, "provider": p}) for p in catalog.providers]
    specs += [PageSpec(t.url, "topic.html", {"catalog": catalog, "topic": t}) for t in catalog.topics.values()]
    specs += [PageSpec(s.url, "scheme.html", {"catalog": catalog, "scheme": s}, s.src_path)
              for s in catalog.library.built_schemes]
    specs += [PageSpec(p.url, "page.html", {"page": p}, p.src_path) for p in content.pages]
    return specs


def static_outputs(catalog: Catalog, content: Content, templates_dir: Path) -> list[OutputFile]:
    """Files copied as they are: assets, content files, scheme attachments, the JSON Schema."""
    assets = templates_dir / "static"
    files = [OutputFile("/static/" + p.relative_to(assets).as_posix(), src_path=p)
             for p in sorted(assets.rglob("*")) if p.is_file()] if assets.is_dir() else []
    files += [OutputFile(f.url, src_path=f.src_path) for f in content.files]
    files += [OutputFile(s.attachment_url(a), src_path=a.src_path)
              for s in catalog.library.built_schemes for a in s.attachments]
    schema = json.dumps(scheme_json_schema(), indent=2, sort_keys=True) + "\n"
    files.append(OutputFile("/scheme-format.schema.json", schema.encode()))
    return files


def url_clashes(specs: list[PageSpec], statics: list[OutputFile]) -> list[Diagnostic]:
    """Two sources that would write the same output file: an error naming the later one."""
    owners: dict[PurePosixPath, str] = {}
    clashes = []
    for url, src in [(s.url, s.src_path) for s in specs] + [(f.url, f.src_path) for f in statics]:
        key = dest_path(url)
        if key in owners:
            where = Path(src) if src else Path(url)
            clashes.append(Diagnostic(where, 1, 1, "url", f"{url} is also produced by {owners[key]}: "
                                                          "rename one of them"))
        else:
            owners[key] = str(src) if src else f"the generator's own {url} page"
    return clashes


def render_pages(env: jinja2.Environment, specs: list[PageSpec]) -> Iterator[OutputFile]:
    """Render each planned page to bytes."""
    for spec in specs:
        template = env.get_template(spec.template)
        html = template.render(url=spec.url, **spec.context)
        yield OutputFile(spec.url, html.encode("utf-8"))



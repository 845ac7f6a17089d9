"""Render stage: plan every page of the site with what it depends on, then turn pages into bytes with Jinja."""

from __future__ import annotations

import json
import pickle
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Optional

import jinja2

from .cards import SchemeCard
from .catalog import Catalog
from .diagnostics import BuildFailed, Diagnostic
from .jsonschema import scheme_json_schema
from .markup import MarkdownRenderer
from .model import DOMAIN_NAMES, TYPE_NAMES, Content, Scheme, dest_rel, slugify
from .spec import DOMAINS, PROVIDER_TYPES
from .write import OutputFile

# A dependency on every listed scheme's card: pages that count or list the whole library.
ALL_LISTED = "listed"

@dataclass(frozen=True)
class PageSpec:
    """A page to render: URL, template, context, the source that asked for it, and what its bytes depend on.

    cards are the ids of schemes whose cards (what listings show) the page shows; deps name 'scheme:ID' (the
    whole scheme), ALL_LISTED, or
    literal strings; site settings, templates and the shared files are added to every page's key.
    """

    url: str
    template: str
    context: Mapping[str, Any] = field(default_factory=dict)
    src_path: Optional[str] = None  # a string: a large library plans thousands of scheme pages
    scheme_id: Optional[str] = None
    deps: tuple[str, ...] = ()
    cards: tuple[str, ...] = ()

def make_environment(templates_dir: Path, content: Content,
                     compiled_dir: Optional[Path] = None) -> jinja2.Environment:
    """Jinja with autoescape and StrictUndefined, so a template typo fails loudly; compiled templates are kept
    in compiled_dir (Jinja's bytecode cache, keyed by each template's source) when one is given."""
    cache = None
    if compiled_dir is not None:
        compiled_dir.mkdir(parents=True, exist_ok=True)
        cache = jinja2.FileSystemBytecodeCache(str(compiled_dir))
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(templates_dir)), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                             keep_trailing_newline=True, bytecode_cache=cache)
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

def _cards(schemes: tuple[SchemeCard, ...]) -> tuple[str, ...]:
    """The ids of schemes whose cards a page shows."""
    return tuple(s.id for s in schemes)

def plan_site(catalog: Catalog, content: Content,
              related: Optional[Mapping[str, tuple[str, ...]]] = None) -> list[PageSpec]:
    """Every page the site has, in a stable order, each with its dependencies; related: ids by scheme id."""
    c = {"catalog": catalog}
    whole = (ALL_LISTED,)
    specs = [PageSpec("/", "home.html", c, deps=whole), PageSpec("/years/", "years.html", c, deps=whole),
             PageSpec("/regions/", "regions.html", c, deps=whole), PageSpec("/types/", "types.html", c, deps=whole),
             PageSpec("/providers/", "providers.html", c, deps=(_providers_shown(catalog),)),
             PageSpec("/goals/", "goals.html", c, deps=whole),
             PageSpec("/national-goals/", "national_goals.html", c, deps=whole),
             PageSpec("/404.html", "404.html", {}),
             _sitemap(catalog, content),
             PageSpec("/robots.txt", "robots.txt", {}), PageSpec("/search/", "search.html", {})]
    specs += [PageSpec(y.url, "year.html", {**c, "year": y}, cards=_cards(catalog.by_year.get(y.slug, ())))
              for y in catalog.years]
    specs += [PageSpec(r.url, "region.html", {**c, "region": r}, cards=_cards(catalog.by_region.get(r.slug, ())))
              for r in catalog.regions.values()]
    specs += [PageSpec(f"/types/{t}/", "type.html", {**c, "type": t}, cards=_cards(catalog.by_type.get(t, ())))
              for t in PROVIDER_TYPES]
    specs += [PageSpec(p.url, "provider.html", {**c, "provider": p}, cards=_cards(p.schemes))
              for p in catalog.providers]
    specs += [PageSpec(page.url, "topic.html", {**c, "topic": t, "page": page},
                       deps=(page.layout(),),
                       cards=_cards(tuple(u.scheme for section in page.sections for u in section.uses)))
              for t in catalog.topics.values() for page in catalog.topic_pages[t.slug]]
    listed = {s.id: s for s in catalog.listed}
    near = {sid: tuple(listed[r] for r in ids if r in listed) for sid, ids in (related or {}).items()}
    specs += [PageSpec(s.url, "scheme.html", {**c, "related": near.get(s.id, ())}, s.src_path, s.id,
                       (f"scheme:{s.id}", f"provider-page:{catalog.named_provider_has_page(s.provider_name)}"),
                       _cards(near.get(s.id, ())))
              for s in catalog.built]
    specs += [PageSpec(p.url, "page.html", {"page": p}, str(p.src_path), deps=(repr(p),)) for p in content.pages]
    return specs

def _providers_shown(catalog: Catalog) -> str:
    """What the providers page shows of each provider (not its schemes' titles): its key on a large library,
    where the page lists thousands and a title edit should leave it alone."""
    return repr([(p.url, p.name, p.types, min(s.year for s in p.schemes), max(s.year for s in p.schemes),
                  len(p.schemes)) for p in catalog.providers])


def _sitemap(catalog: Catalog, content: Content) -> PageSpec:
    """The sitemap, keyed by its own entries: an edit that moves no page and no date leaves it as it was."""
    urls = ["/", "/years/", "/regions/", "/types/", "/providers/", "/goals/", "/national-goals/"]
    urls += [y.url for y in catalog.years] + [r.url for r in catalog.regions.values()]
    urls += [f"/types/{t}/" for t in PROVIDER_TYPES] + [p.url for p in catalog.providers]
    urls += [page.url for t in catalog.topics.values() for page in catalog.topic_pages[t.slug]]
    entries = [(url, "") for url in urls]
    # Schemes by URL, not by title as listings show them, so that a new title does not reorder the sitemap.
    entries += sorted((s.url, _lastmod(s)) for s in catalog.listed)
    entries += [(p.url, "") for p in content.pages]
    return PageSpec("/sitemap.xml", "sitemap.xml", {"entries": entries}, deps=(repr(entries),))


def _lastmod(card: SchemeCard) -> str:
    """A scheme's last change for the sitemap: updated, else submitted, else nothing."""
    when = card.updated or card.submitted
    return when.isoformat() if when else ""


def static_outputs(catalog: Catalog, content: Content, templates_dir: Path) -> list[OutputFile]:
    """Files copied as they are: assets, content files, scheme attachments, the JSON Schema."""
    assets = templates_dir / "static"
    files = [OutputFile("/static/" + p.relative_to(assets).as_posix(), src_path=p)
             for p in sorted(assets.rglob("*")) if p.is_file()] if assets.is_dir() else []
    files += [OutputFile(f.url, src_path=f.src_path) for f in content.files]
    files += [OutputFile(s.attachment_url(a), src_path=Path(a.src_path)) for s in catalog.built for a in s.attachments]
    schema = json.dumps(scheme_json_schema(), indent=2, sort_keys=True) + "\n"
    files.append(OutputFile("/scheme-format.schema.json", schema.encode()))
    return files

def url_clashes(specs: list[PageSpec], statics: list[OutputFile]) -> list[Diagnostic]:
    """Two sources that would write the same output file: an error naming the later one."""
    owners: dict[str, str] = {}
    clashes = []
    for url, src in [(s.url, s.src_path) for s in specs] + [(f.url, f.src_path) for f in statics]:
        key = dest_rel(url)
        if key in owners:
            where = Path(src) if src else Path(url)
            clashes.append(Diagnostic(where, 1, 1, "url", f"{url} is also produced by {owners[key]}: "
                                                          "rename one of them"))
        else:
            owners[key] = str(src) if src else f"the generator's own {url} page"
    return clashes

@dataclass(frozen=True)
class Renderer:
    """Renders page specs; full schemes come from pickled blobs, loaded only for their own page."""

    env: jinja2.Environment
    scheme_blobs: Mapping[str, bytes]

    def render(self, spec: PageSpec) -> bytes:
        """The bytes of one page."""
        context = dict(spec.context)
        if spec.scheme_id is not None:
            context["scheme"] = self.load_scheme(spec)
        return self.env.get_template(spec.template).render(url=spec.url, **context).encode("utf-8")

    def load_scheme(self, spec: PageSpec) -> Scheme:
        """The full scheme behind a scheme page."""
        scheme: Scheme = pickle.loads(self.scheme_blobs[str(spec.src_path)])
        return scheme

@dataclass(frozen=True)
class RenderJob:
    """Pages to render, shared with forked workers so that each task is just an index into them."""

    renderer: Renderer
    specs: tuple[PageSpec, ...]


def render_one(job: RenderJob, index: int) -> bytes:
    """Render one page; a template error names its file and line.

    Tasks are indexes, not specs: a spec's context holds the whole catalog, which must not be pickled per page.
    """
    renderer = job.renderer
    try:
        return renderer.render(job.specs[index])
    except jinja2.TemplateError as exc:
        # Turned into diagnostics here, where the traceback still points into the template.
        templates_dir = Path(renderer.env.loader.searchpath[0])  # type: ignore[union-attr]
        raise BuildFailed([template_diagnostic(exc, templates_dir)]) from None


def template_diagnostic(exc: jinja2.TemplateError, templates_dir: Path) -> Diagnostic:
    """Name the template file and line a rendering error came from."""
    if isinstance(exc, jinja2.TemplateSyntaxError) and exc.filename:
        return Diagnostic(Path(exc.filename), exc.lineno or 1, 1, "template", exc.message or str(exc))
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename.startswith(str(templates_dir)):
            return Diagnostic(Path(frame.filename), frame.lineno or 1, 1, "template", str(exc))
    return Diagnostic(templates_dir, 1, 1, "template", str(exc))

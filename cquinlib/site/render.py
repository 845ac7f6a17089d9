"""Render stage: turn planned pages into bytes with Jinja, each template seeing only what its page declared."""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Optional

import jinja2
from markupsafe import Markup

from ..core.controls import FORBIDDEN, utf8_has_forbidden
from ..core.diagnostics import BuildFailed
from ..format.rules import NOT_RECORDED
from ..format.spec import DOMAINS, PROVIDER_TYPES
from ..library import urls
from ..library.model import DOMAIN_NAMES, TYPE_NAMES, Scheme
from ..library import payments
from ..library.payments import money_text as format_money  # the calculator's worked examples format it too
from .charts import scheme_value_chart
from .content import Content
from .failures import UnsafeOutput, render_failure
from .inputs import RowSource, resolve
from .markup import MarkdownRenderer
from .pages import PageSpec


def make_environment(templates_dir: Path, content: Content,
                     compiled_dir: Optional[Path] = None) -> jinja2.Environment:
    """Jinja with autoescape and StrictUndefined, so a template typo, or a name its page did not declare, fails
    loudly; compiled templates are kept in compiled_dir (Jinja's bytecode cache, keyed by each template's
    source) when one is given.

    The globals are the same for every page (the site's settings, its navigation, the vocabularies' names and
    the URL functions), so every page's key covers them once (see build.stages)."""
    cache = None
    if compiled_dir is not None:
        compiled_dir.mkdir(parents=True, exist_ok=True)
        cache = jinja2.FileSystemBytecodeCache(str(compiled_dir))
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(templates_dir)), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                             keep_trailing_newline=True, bytecode_cache=cache)
    site = content.site
    env.globals.update(site=site, href=site.href, urls=urls, domain_names=DOMAIN_NAMES, type_names=TYPE_NAMES,
                       not_recorded=NOT_RECORDED, sources_url=_sources_url(content),
                       domains=DOMAINS, provider_types=PROVIDER_TYPES,
                       nav=sorted((p for p in content.pages if p.nav is not None), key=lambda p: (p.nav, p.url)),
                       value_chart=scheme_value_chart, payments=payments, labels=scheme_labels)
    env.filters.update(markdown=MarkdownRenderer(site.base_path), money=format_money, number=format_number,
                       fragment=lambda value: urls.fragment(str(value)))
    return env

def _sources_url(content: Content) -> Optional[str]:
    """The URL of the content page that lists the library's sources (content/sources.md), or None without one."""
    return urls.SOURCES if any(page.url == urls.SOURCES for page in content.pages) else None


# The labels after a scheme's title, and what earns each. They are fixed text, so they are joined here: as a macro
# called once per row they cost a seventh of rendering a long listing (the real schemes, what's new).
_LABELS = ((lambda s: s.illustrative, '<span class="label label-illustrative">Illustrative</span>'),
           (lambda s: s.status == "withdrawn", '<span class="label label-withdrawn">Withdrawn</span>'),
           (lambda s: s.framework == "other", '<span class="label label-other">Not CQUIN</span>'))


def scheme_labels(scheme: Any) -> Markup:
    """The labels a scheme (a model or a card) shows beside its title: illustrative, withdrawn, not CQUIN."""
    return Markup("".join([html for earned, html in _LABELS if earned(scheme)]))


def format_number(value: Optional[float]) -> str:
    """A number without a needless '.0'."""
    return "" if value is None else f"{value:g}"


@dataclass(frozen=True)
class Renderer:
    """Renders page specs, handing each template its page's inputs and nothing else; whole schemes come from
    their pickled models (by id), loaded only for their own page, and the comparisons' rows from the table."""

    env: jinja2.Environment
    scheme_blobs: Mapping[str, bytes]
    rows: RowSource

    def render(self, spec: PageSpec) -> bytes:
        """The bytes of one page; never one that holds a control character raw."""
        context = {name: resolve(value, self.load_scheme, self.rows) for name, value in spec.inputs.items()}
        markdown = self.env.filters["markdown"]
        if isinstance(markdown, MarkdownRenderer):
            markdown.start_page()
        text = self.env.get_template(spec.template).render(url=spec.url, **context)
        data = text.encode("utf-8")
        if utf8_has_forbidden(data):  # validation refuses these in every source; a page is checked too, last
            unsafe = FORBIDDEN.search(text)
            raise UnsafeOutput(unsafe.group(0) if unsafe else "")
        return data

    def load_scheme(self, scheme_id: str) -> Scheme:
        """A whole scheme a page shows."""
        scheme: Scheme = pickle.loads(self.scheme_blobs[scheme_id])
        return scheme

@dataclass(frozen=True)
class RenderJob:
    """Pages to render, shared with forked workers so that each task is just an index into them."""

    renderer: Renderer
    specs: tuple[PageSpec, ...]


def render_one(job: RenderJob, index: int) -> bytes:
    """Render one page; any failure is a diagnostic naming the template line, or the scheme or page whose text
    failed.

    Tasks are indexes, not specs: forked workers inherit the specs, which need not be pickled per page.
    """
    renderer = job.renderer
    spec = job.specs[index]
    try:
        return renderer.render(spec)
    except OSError:
        raise  # a fault of the machine (a full disk under the template cache), not of the page: the build's to report
    except Exception as exc:  # noqa: BLE001 - every failure becomes a diagnostic, reported as the build's
        # Turned into diagnostics here, where the traceback still points into the template.
        templates_dir = Path(renderer.env.loader.searchpath[0])  # type: ignore[union-attr]
        raise BuildFailed([render_failure(exc, spec.url, spec.src_path, templates_dir)]) from None

"""The build as a sequence of stages: load, validate, plan, render, write."""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Optional

import jinja2

from .catalog import Catalog, build_catalog
from .content import load_content
from .diagnostics import BuildFailed, Diagnostic, has_errors
from .load import load_library
from .model import Content, Library
from .render import OutputFile, make_environment, plan_site, render_pages, static_outputs, url_clashes
from .validate import validate_library
from .write import WriteReport, write_site


def default_templates_dir() -> Path:
    """The templates beside the package in a checkout, else the copy installed with it."""
    checkout = Path(__file__).resolve().parent.parent / "templates"
    if (checkout / "base.html").is_file():
        return checkout
    from importlib.resources import files

    return Path(str(files("cquinlib.templates")))


@dataclass(frozen=True)
class BuildOptions:
    """Where to read from and write to, and how strict to be."""

    schemes_dir: Path = Path("schemes")
    content_dir: Path = Path("content")
    out_dir: Path = Path("site")
    templates_dir: Path = field(default_factory=default_templates_dir)
    base_url: Optional[str] = None
    strict: bool = False


@dataclass(frozen=True)
class CheckResult:
    """A validated library and content, with every diagnostic found on the way."""

    library: Library
    content: Optional[Content]
    diagnostics: tuple[Diagnostic, ...]

    def failed(self, strict: bool) -> bool:
        """True when the build must not go on."""
        return has_errors(self.diagnostics, strict)


@dataclass(frozen=True)
class BuildResult:
    """What a successful build did."""

    check: CheckResult
    pages: int
    report: WriteReport


def check_sources(options: BuildOptions, with_content: bool = True) -> CheckResult:
    """Read and validate everything; write nothing."""
    library, diagnostics = validate_library(load_library(options.schemes_dir))
    found = list(diagnostics)
    content: Optional[Content] = None
    if with_content:
        content, content_diagnostics = load_content(options.content_dir, options.base_url)
        found += content_diagnostics
        if content is not None and not has_errors(found):
            catalog = build_catalog(library)
            found += url_clashes(plan_site(catalog, content), static_outputs(catalog, content, options.templates_dir))
    return CheckResult(library, content, tuple(sorted(found)))


def build_site(options: BuildOptions) -> BuildResult:
    """Validate, then render and write the whole site; raise BuildFailed and write nothing on any error."""
    checked = check_sources(options)
    if checked.failed(options.strict) or checked.content is None:
        raise BuildFailed(checked.diagnostics)
    catalog = build_catalog(checked.library)
    specs = plan_site(catalog, checked.content)
    env = make_environment(options.templates_dir, checked.content)
    outputs = _all_outputs(env, catalog, checked.content, options, specs)
    try:
        report = write_site(options.out_dir, outputs)
    except jinja2.TemplateError as exc:
        raise BuildFailed([template_diagnostic(exc, options.templates_dir)]) from exc
    return BuildResult(checked, len(specs), report)


def _all_outputs(env: jinja2.Environment, catalog: Catalog, content: Content, options: BuildOptions,
                 specs: list) -> Iterator[OutputFile]:  # type: ignore[type-arg]
    """Rendered pages, then files copied as they are."""
    yield from render_pages(env, specs)
    yield from static_outputs(catalog, content, options.templates_dir)


def template_diagnostic(exc: jinja2.TemplateError, templates_dir: Path) -> Diagnostic:
    """Name the template file and line a rendering error came from."""
    if isinstance(exc, jinja2.TemplateSyntaxError) and exc.filename:
        return Diagnostic(Path(exc.filename), exc.lineno or 1, 1, "template", exc.message or str(exc))
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename.startswith(str(templates_dir)):
            return Diagnostic(Path(frame.filename), frame.lineno or 1, 1, "template", str(exc))
    return Diagnostic(templates_dir, 1, 1, "template", str(exc))

"""Content stage: read site.yaml, the Markdown pages with front matter, and files published as they are."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from ..core.diagnostics import Diagnostic
from ..library import urls
from ..format.shapes import Finding, check_shape
from ..format.spec import PAGE_FRONT_MATTER, SITE_FILE, is_slug
from ..format.yamlio import format_field, locate_in_text, parse_yaml_text, read_yaml

FILES_DIR = "files"


@dataclass(frozen=True)
class Page:
    """A Markdown page from content/."""

    src_path: Path
    url: str
    title: str
    body: str
    description: str = ""
    nav: Optional[int] = None
    updated: Optional[dt.date] = None


@dataclass(frozen=True)
class StaticFile:
    """A file copied as it is into the site (from content/files/ or templates/static/)."""

    src_path: Path
    url: str


@dataclass(frozen=True)
class Site:
    """Site settings from content/site.yaml and the command line."""

    title: str
    description: str = ""
    base_url: str = "/"
    contact_email: str = ""
    language: str = "en-GB"

    @property
    def base_path(self) -> str:
        """The path prefix the site is served under, always ending in '/'."""
        path = re.sub(r"^[a-z][a-z0-9+.-]*://[^/]*", "", self.base_url) or "/"
        return path if path.endswith("/") else path + "/"

    def href(self, url: str) -> str:
        """A link to a site URL that works at the root of a host or under a sub-path."""
        return self.base_path + url.lstrip("/") if url.startswith("/") else url

    def absolute(self, url: str) -> str:
        """The full URL for sitemaps: absolute when base_url names a host, else the path."""
        host = re.match(r"^[a-z][a-z0-9+.-]*://[^/]*", self.base_url)
        return (host.group(0) if host else "") + self.href(url)


@dataclass(frozen=True)
class Content:
    """Everything validated from a content folder."""

    site: Site
    pages: tuple[Page, ...]
    files: tuple[StaticFile, ...]


def load_content(content_dir: Path, base_url: Optional[str] = None) -> tuple[Optional[Content], list[Diagnostic]]:
    """Read a content folder; the command line's base URL wins over site.yaml's."""
    out: list[Diagnostic] = []
    site = _load_site(content_dir / "site.yaml", base_url, out)
    pages = [p for p in (_load_page(content_dir, path, out) for path in _page_paths(content_dir)) if p]
    files = _static_files(content_dir / FILES_DIR, out)
    if site is None:
        return None, out
    return Content(site, tuple(pages), tuple(files)), out


def _load_site(src_path: Path, base_url: Optional[str], out: list[Diagnostic]) -> Optional[Site]:
    """Parse and check site.yaml."""
    if not src_path.is_file():
        out.append(Diagnostic(src_path, 1, 1, "", "site.yaml is missing: it gives the site's title"))
        return None
    data, problems = read_yaml(src_path)
    out.extend(Diagnostic(src_path, p.line, p.column, p.field, p.message) for p in problems)
    if data is None:
        return None
    findings = check_shape(data, SITE_FILE)
    if findings:
        out.extend(_diagnostics(src_path, src_path.read_text(encoding="utf-8"), findings, 1))
        return None
    return Site(title=str(data["title"]), description=str(data.get("description") or ""),
                base_url=base_url or str(data.get("base_url") or "/"),
                contact_email=str(data.get("contact_email") or ""), language=str(data.get("language") or "en-GB"))


def _page_paths(content_dir: Path) -> list[Path]:
    """Markdown pages at the top of content/ and one folder down, sorted."""
    if not content_dir.is_dir():
        return []
    paths = list(content_dir.glob("*.md")) + list(content_dir.glob("*/*.md"))
    return sorted(p for p in paths if not any(part.startswith(("_", ".")) for part in p.relative_to(content_dir).parts))


def page_url(content_dir: Path, src_path: Path) -> str:
    """about.md is /about/; guidance/index.md is /guidance/; guidance/format.md is /guidance/format/."""
    return urls.content_page_url(src_path.relative_to(content_dir).with_suffix("").parts)


def _load_page(content_dir: Path, src_path: Path, out: list[Diagnostic]) -> Optional[Page]:
    """Split front matter from body, check both, and build a Page."""
    parts = src_path.relative_to(content_dir).with_suffix("").parts
    bad = [p for p in parts if not is_slug(p)]
    if bad:
        out.append(Diagnostic(src_path, 1, 1, "path", f"'{bad[0]}' is not a slug (lower-case letters, digits, "
                                                      "single hyphens): rename the file"))
        return None
    try:
        text = src_path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        out.append(Diagnostic(src_path, 1, 1, "", "file is not valid UTF-8 text"))
        return None
    front, body = _split_front_matter(text)
    if front is None:
        out.append(Diagnostic(src_path, 1, 1, "", "a page starts with front matter between '---' lines, "
                                                  "giving at least its title"))
        return None
    data, problems = parse_yaml_text(front)
    out.extend(Diagnostic(src_path, p.line + 1, p.column, p.field, p.message) for p in problems)
    if data is None:
        return None
    findings = check_shape(data, PAGE_FRONT_MATTER)
    if findings:
        out.extend(_diagnostics(src_path, front, findings, 2))
        return None
    return Page(src_path, page_url(content_dir, src_path), str(data["title"]), body,
                str(data.get("description") or ""), data.get("nav"), data.get("updated"))


def _split_front_matter(text: str) -> tuple[Optional[str], str]:
    """(front matter, body), or (None, text) when the page has none."""
    if not text.startswith("---\n"):
        return None, text
    end = text.find("\n---\n", 3)
    if end < 0:
        return None, text
    return text[4:end + 1], text[end + 5:]


def _static_files(files_dir: Path, out: list[Diagnostic]) -> list[StaticFile]:
    """Files under content/files/, published at the same path under the site root."""
    if not files_dir.is_dir():
        return []
    files = []
    for path in sorted(p for p in files_dir.rglob("*") if p.is_file()):
        rel = path.relative_to(files_dir)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if path.is_symlink() and not path.resolve().is_relative_to(files_dir.resolve()):
            out.append(Diagnostic(path, 1, 1, "path", "links to a file outside content/files/"))
            continue
        files.append(StaticFile(path, urls.content_file_url(rel.as_posix())))
    return files


def _diagnostics(src_path: Path, text: str, findings: list[Finding], first_line: int) -> list[Diagnostic]:
    """Findings in YAML text that starts at first_line, as diagnostics."""
    positions = locate_in_text(text, [(f.path, f.at_key) for f in findings], first_line)
    return [Diagnostic(src_path, line, column, format_field(f.path), f.message, f.severity)
            for f, (line, column) in zip(findings, positions)]



"""Content stage: read site.yaml, the Markdown pages with front matter, and files published as they are.

Links in the content folder are followed only where they stay inside it (content/files/ for published files):
one that leaves, loops or dangles is an error naming it, and nothing is read through it.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from ..core.diagnostics import Diagnostic
from ..format.shapes import Finding, check_shape
from ..format.spec import PAGE_FRONT_MATTER, SITE_FILE, Field, Mapping, Scalar, is_slug
from ..format.yamlio import format_field, locate_in_text, parse_yaml_text, read_yaml
from ..library import urls
from ..library.paths import FILE, FOLDER, Found, check_file, kind_of, list_folder, real_root, resolve_inside

FILES_DIR = "files"
WHAT = "the content folder"
DEFAULT_ATTACHMENT_MAX_MB = 25
MAX_ATTACHMENT_MAX_MB = 1000  # a static host serves files of tens of megabytes (Cloudflare Pages: 25 MiB)
# site.yaml's keys: the format's, and the limit on attachments, which only a build applies.
SITE_SETTINGS = Mapping(SITE_FILE.fields + (
    Field("attachment_max_mb", Scalar("number"), description="The largest attachment a scheme may have, in MB "
                                                             f"(1,000,000 bytes); {DEFAULT_ATTACHMENT_MAX_MB} when "
                                                             "not given."),
    Field("url", Scalar("text", max_length=2000),
          description="The published site's absolute address (https://host/path/): the sitemap, robots.txt and "
                      "printed pages give their addresses from it."),
    Field("submit_email", Scalar("text", max_length=254),
          description="The mailbox contributors send schemes to, shown on the submit page; contact_email when "
                      "not given."),
))
EMAIL_ADDRESS = re.compile(r"^[^@\s<>\"'(),;:\\]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
ABSOLUTE_URL = re.compile(r"^https?://[^/\s?#]+(/[^\s?#]*)?$")


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
    attachment_max_mb: float = DEFAULT_ATTACHMENT_MAX_MB
    url: str = ""
    submit_email: str = ""

    @property
    def submit_address(self) -> str:
        """The mailbox schemes are sent to: submit_email, else the site's contact address."""
        return self.submit_email or self.contact_email

    @property
    def attachment_max_bytes(self) -> int:
        """The largest attachment a build publishes, in bytes (an MB is 1,000,000 bytes, as sizes are shown)."""
        return int(self.attachment_max_mb * 1_000_000)

    @property
    def base_path(self) -> str:
        """The path prefix the site is served under, always ending in '/'."""
        path = re.sub(r"^[a-z][a-z0-9+.-]*://[^/]*", "", self.base_url) or "/"
        return path if path.endswith("/") else path + "/"

    def href(self, url: str) -> str:
        """A link to a site URL that works at the root of a host or under a sub-path."""
        return self.base_path + url.lstrip("/") if url.startswith("/") else url

    @property
    def has_address(self) -> bool:
        """Whether the site's published address is known (site.yaml's url, or a --base-url naming a host): a
        sitemap needs absolute addresses, so without one none is written."""
        return bool(self.url) or re.match(r"^[a-z][a-z0-9+.-]*://[^/]", self.base_url) is not None

    def absolute(self, url: str) -> str:
        """The full URL for sitemaps and print: under a base URL that names a host (the command line's wins),
        else under site.yaml's url, else the path."""
        host = re.match(r"^[a-z][a-z0-9+.-]*://[^/]*", self.base_url)
        if host:
            return host.group(0) + self.href(url)
        if self.url:
            return self.url.rstrip("/") + "/" + url.lstrip("/")
        return self.href(url)


@dataclass(frozen=True)
class Content:
    """Everything validated from a content folder."""

    site: Site
    pages: tuple[Page, ...]
    files: tuple[StaticFile, ...]


def load_content(content_dir: Path, base_url: Optional[str] = None) -> tuple[Optional[Content], list[Diagnostic]]:
    """Read a content folder; the command line's base URL wins over site.yaml's."""
    out: list[Diagnostic] = []
    boundary = real_root(content_dir)
    site = _load_site(content_dir / "site.yaml", boundary, base_url, out)
    pages = [p for p in (_load_page(content_dir, path, out) for path in _page_paths(content_dir, boundary, out)) if p]
    files = _static_files(content_dir / FILES_DIR, boundary, out)
    if site is None:
        return None, out
    return Content(site, tuple(pages), tuple(files)), out


def _load_site(src_path: Path, boundary: Path, base_url: Optional[str], out: list[Diagnostic]) -> Optional[Site]:
    """Parse and check site.yaml."""
    checked = check_file(src_path, boundary, WHAT)
    if checked.real is None:
        out.append(Diagnostic(src_path, 1, 1, "path" if checked.problem else "",
                              checked.problem or "site.yaml is missing: it gives the site's title"))
        return None
    data, problems = read_yaml(src_path)
    out.extend(Diagnostic(src_path, p.line, p.column, p.field, p.message) for p in problems)
    if data is None:
        return None
    findings = check_shape(data, SITE_SETTINGS)
    if not findings:
        findings = (_limit_findings(data.get("attachment_max_mb")) + _url_findings(data.get("url"))
                    + _email_findings(data.get("submit_email")))
    if findings:
        out.extend(_diagnostics(src_path, src_path.read_text(encoding="utf-8"), findings, 1))
        return None
    limit = data.get("attachment_max_mb")
    return Site(title=str(data["title"]), description=str(data.get("description") or ""),
                base_url=base_url or str(data.get("base_url") or "/"),
                contact_email=str(data.get("contact_email") or ""), language=str(data.get("language") or "en-GB"),
                attachment_max_mb=DEFAULT_ATTACHMENT_MAX_MB if limit is None else limit,
                url=str(data.get("url") or ""), submit_email=str(data.get("submit_email") or ""))


def _limit_findings(limit: object) -> list[Finding]:
    """The attachment size limit, when given, is a number of megabytes above 0 and within what hosts serve."""
    if limit is None or (isinstance(limit, (int, float)) and 0 < limit <= MAX_ATTACHMENT_MAX_MB):
        return []
    return [Finding(("attachment_max_mb",), f"{limit} is not a usable limit: give the largest attachment in MB, "
                                            f"more than 0 and at most {MAX_ATTACHMENT_MAX_MB} (the default is "
                                            f"{DEFAULT_ATTACHMENT_MAX_MB})")]


def _url_findings(url: object) -> list[Finding]:
    """The published address, when given, is absolute (a sitemap must give absolute URLs)."""
    if url is None or (isinstance(url, str) and ABSOLUTE_URL.match(url)):
        return []
    return [Finding(("url",), f"'{url}' is not an absolute address: give the published site's address, such as "
                              "https://example.org/cquin/")]


def _email_findings(address: object) -> list[Finding]:
    """The submissions mailbox, when given, is one plain email address (it becomes a mailto: link)."""
    if address is None or (isinstance(address, str) and EMAIL_ADDRESS.match(address)):
        return []
    return [Finding(("submit_email",), f"'{address}' is not an email address: give the mailbox contributors send "
                                       "schemes to, such as cquin.library@example.org")]


def _page_paths(content_dir: Path, boundary: Path, out: list[Diagnostic]) -> list[Path]:
    """Markdown pages at the top of content/ and one folder down, sorted (names starting '_' or '.' left out)."""
    if not content_dir.is_dir():
        return []
    top = list_folder(content_dir, boundary, boundary, WHAT, out)
    found = [entry for entry in top if entry.path.suffix == ".md"]
    for folder in (entry for entry in top if entry.kind == FOLDER):
        found += [entry for entry in list_folder(folder.path, folder.real, boundary, WHAT, out)
                  if entry.path.suffix == ".md"]
    for entry in found:
        if entry.kind != FILE:
            out.append(Diagnostic(entry.path, 1, 1, "path", "a page is a Markdown file: this is "
                                                            + ("a folder" if entry.kind == FOLDER else
                                                               "not a regular file")))
    return sorted(entry.path for entry in found if entry.kind == FILE)


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
    except OSError as exc:
        out.append(Diagnostic(src_path, 1, 1, "", f"cannot read file: {exc.strerror or exc}"))
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


def _static_files(files_dir: Path, boundary: Path, out: list[Diagnostic]) -> list[StaticFile]:
    """Files under content/files/, published at the same path under the site root (names starting '.' left out).

    A link in content/files/ may lead anywhere inside it, and nowhere else: not even to the rest of content/.
    """
    if not os.path.lexists(files_dir):
        return []
    resolved = resolve_inside(files_dir, boundary, WHAT)
    if resolved.real is None:
        return []  # a link out of content/: the listing of content/ has reported it
    if kind_of(resolved.real) != FOLDER:
        out.append(Diagnostic(files_dir, 1, 1, "path", "content/files/ holds the files published as they are: "
                                                       "it must be a folder"))
        return []
    entry = Found.root(files_dir, resolved.real)
    files: list[StaticFile] = []
    _collect_files(entry, entry.real, files_dir, {entry.real}, files, out)
    return sorted(files, key=lambda f: f.url)


def _collect_files(folder: Found, files_real: Path, files_dir: Path, visited: set[Path], files: list[StaticFile],
                   out: list[Diagnostic]) -> None:
    """Add the files of one folder under content/files/, and of its folders, following links that stay inside."""
    listed = list_folder(folder.path, folder.real, files_real, "content/files/", out, hidden=_dot_hidden)
    for entry in listed:
        if entry.kind == FOLDER:
            if entry.real in visited:
                out.append(Diagnostic(entry.path, 1, 1, "path", "is a link to a folder that is already "
                                                                "published (a loop): remove the link"))
                continue
            _collect_files(entry, files_real, files_dir, visited | {entry.real}, files, out)
        elif entry.kind == FILE:
            files.append(StaticFile(entry.path, urls.content_file_url(entry.path.relative_to(files_dir).as_posix())))
        else:
            out.append(Diagnostic(entry.path, 1, 1, "path", "is not a regular file (a device, socket or pipe)"))


def _dot_hidden(name: str) -> bool:
    """In content/files/ only names starting with '.' stay unpublished: '_headers' and '_redirects' are for hosts."""
    return name.startswith(".")


def _diagnostics(src_path: Path, text: str, findings: list[Finding], first_line: int) -> list[Diagnostic]:
    """Findings in YAML text that starts at first_line, as diagnostics."""
    positions = locate_in_text(text, [(f.path, f.at_key) for f in findings], first_line)
    return [Diagnostic(src_path, line, column, format_field(f.path), f.message, f.severity)
            for f, (line, column) in zip(findings, positions)]



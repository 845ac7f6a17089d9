"""Load stage: walk a schemes folder, check its layout and parse every YAML file in it."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from ..core.diagnostics import Diagnostic
from ..format.spec import is_slug, is_year_slug
from ..format.yamlio import YamlProblem, read_yaml

SCHEME_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class SourceFile:
    """One parsed YAML file: its data, or None and the problems that stopped it."""

    src_path: Path
    data: Any
    problems: tuple[YamlProblem, ...] = ()


@dataclass(frozen=True)
class SchemeSource:
    """A scheme file and the identity its path gives it."""

    year: str
    region: str
    slug: str
    file: SourceFile


@dataclass(frozen=True)
class YearSource:
    """A year folder and its _year.yaml (None when missing)."""

    slug: str
    dir_path: Path
    file: SourceFile | None


def is_hidden(path: Path) -> bool:
    """Files and folders starting with '_' or '.' are never schemes."""
    return path.name.startswith(("_", "."))


def load_yaml_file(src_path: Path) -> SourceFile:
    """Parse one YAML file into a SourceFile."""
    data, problems = read_yaml(src_path)
    return SourceFile(src_path, data, tuple(problems))


@dataclass(frozen=True)
class SchemePath:
    """A scheme file found in the library, not yet read."""

    year: str
    region: str
    slug: str
    src_path: Path
    has_folder: bool = False  # a folder beside it with the same name (its attachments)


@dataclass(frozen=True)
class LibraryScan:
    """What a walk of the schemes folder finds, before any scheme is parsed."""

    root: Path
    regions: SourceFile | None
    topics: SourceFile | None
    years: tuple[YearSource, ...]
    schemes: tuple[SchemePath, ...]
    layout: tuple[Diagnostic, ...]


def scan_library(root: Path) -> LibraryScan:
    """Walk a schemes folder: layout problems, the shared files parsed, scheme files found but not read."""
    layout: list[Diagnostic] = []
    if not root.is_dir():
        layout.append(Diagnostic(root, 1, 1, "", "schemes folder not found"))
        return LibraryScan(root, None, None, (), (), tuple(layout))
    regions = _load_required(root / "_regions.yaml", layout)
    topics = _load_required(root / "_topics.yaml", layout)
    years: list[YearSource] = []
    found: list[SchemePath] = []
    for entry in sorted(root.iterdir()):
        if is_hidden(entry):
            continue
        if entry.is_file():
            if entry.suffix in SCHEME_SUFFIXES:
                layout.append(Diagnostic(entry, 1, 1, "path", "a scheme file belongs in YEAR/REGION/, "
                                                              "e.g. 2010-11/london/"))
            continue
        if not is_year_slug(entry.name):
            layout.append(Diagnostic(entry, 1, 1, "year", f"folder '{entry.name}' is not a financial year "
                                                          "named YYYY-YY with consecutive years, e.g. 2010-11"))
            continue
        years.append(_load_year(entry, layout))
        found.extend(_scheme_paths(entry, layout))
    return LibraryScan(root, regions, topics, tuple(years), tuple(found), tuple(layout))


def load_scheme(path: SchemePath) -> SchemeSource:
    """Parse one scheme file found by a scan."""
    return SchemeSource(path.year, path.region, path.slug, load_yaml_file(path.src_path))


def _load_required(src_path: Path, layout: list[Diagnostic]) -> SourceFile | None:
    """Parse a file the library cannot do without, noting its absence."""
    if not src_path.is_file():
        layout.append(Diagnostic(src_path, 1, 1, "", f"{src_path.name} is missing"))
        return None
    return load_yaml_file(src_path)


def _load_year(year_dir: Path, layout: list[Diagnostic]) -> YearSource:
    """Read a year folder's _year.yaml, noting a missing one."""
    year_file = year_dir / "_year.yaml"
    if not year_file.is_file():
        layout.append(Diagnostic(year_dir, 1, 1, "year", f"year folder '{year_dir.name}' has no _year.yaml"))
        return YearSource(year_dir.name, year_dir, None)
    return YearSource(year_dir.name, year_dir, load_yaml_file(year_file))


def _scheme_paths(year_dir: Path, layout: list[Diagnostic]) -> Iterator[SchemePath]:
    """Yield each scheme file under a year folder."""
    for region_dir in sorted(year_dir.iterdir()):
        if is_hidden(region_dir):
            continue
        if region_dir.is_file():
            if region_dir.suffix in SCHEME_SUFFIXES:
                layout.append(Diagnostic(region_dir, 1, 1, "path", "a scheme file belongs in a region folder, "
                                                                   f"e.g. {year_dir.name}/london/"))
            continue
        if not is_slug(region_dir.name):
            layout.append(Diagnostic(region_dir, 1, 1, "region", f"folder name '{region_dir.name}' is not a slug "
                                                                 "(lower-case letters, digits, single hyphens)"))
            continue
        yield from _region_scheme_paths(year_dir.name, region_dir, layout)


def _region_scheme_paths(year: str, region_dir: Path, layout: list[Diagnostic]) -> Iterator[SchemePath]:
    """Yield the scheme files of one region folder, rejecting bad names and clashes."""
    seen: dict[str, Path] = {}
    # scandir knows each entry's type without a stat call per file: a library has thousands in a folder.
    with os.scandir(region_dir) as listing:
        found = sorted(listing, key=lambda e: e.name)
    folders = {e.name for e in found if e.is_dir()}
    for item in found:
        entry = region_dir / item.name
        if is_hidden(entry) or not item.is_file() or entry.suffix.lower() not in SCHEME_SUFFIXES:
            continue
        if entry.suffix not in SCHEME_SUFFIXES:
            layout.append(Diagnostic(entry, 1, 1, "slug", f"'{entry.name}' must end in lower-case "
                                                          f"'{entry.suffix.lower()}' to be read as a scheme"))
            continue
        slug = entry.stem
        if not is_slug(slug):
            layout.append(Diagnostic(entry, 1, 1, "slug", f"file name '{entry.name}' does not make a slug "
                                                          f"(lower-case letters, digits, single hyphens): "
                                                          f"rename it, e.g. '{_suggest_slug(slug)}{entry.suffix}'"))
            continue
        if slug in seen:
            layout.append(Diagnostic(entry, 1, 1, "slug", f"{entry.name} and {seen[slug].name} would produce "
                                                          "the same page: keep one"))
            continue
        seen[slug] = entry
        yield SchemePath(year, region_dir.name, slug, entry, slug in folders)


def _suggest_slug(stem: str) -> str:
    """A slug close to a bad file name, for the error message only."""
    return re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-") or "scheme"

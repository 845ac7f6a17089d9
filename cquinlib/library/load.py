"""Load stage: walk a schemes folder, check its layout and parse every YAML file in it."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Iterator, Optional

from ..core.diagnostics import Diagnostic
from ..format.spec import is_slug, is_year_slug
from ..format.yamlio import YamlProblem, read_yaml
from .paths import FILE, FOLDER, Found, check_file, list_folder, real_root

SCHEME_SUFFIXES = (".yaml", ".yml")
NO_YEAR_FILE = "has no _year.yaml"
SYNONYMS_NAME = "_synonyms.yaml"  # optional: groups of terms search treats as one
WHAT = "the schemes folder"  # the boundary every path the scan follows must stay within, as messages name it


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
    folder: Optional[Path] = None  # the real path of its attachment folder, checked to lie inside the library
    folder_refused: bool = False  # its folder is a link the scan refused (that error names it)


@dataclass(frozen=True)
class YearSource:
    """A year folder and its _year.yaml (None when missing)."""

    slug: str
    dir_path: Path
    file: SourceFile | None


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
    # The real path of the folder beside it with the same name (its attachments), when there is one and it lies
    # inside the library; a link from there to anywhere else is a layout error, and leaves this None.
    folder: Optional[Path] = None
    folder_refused: bool = False  # there is such a link, and the scan refused it


@dataclass(frozen=True)
class LibraryScan:
    """What a walk of the schemes folder finds, before any scheme is parsed."""

    root: Path
    regions: SourceFile | None
    topics: SourceFile | None
    years: tuple[YearSource, ...]
    schemes: tuple[SchemePath, ...]
    layout: tuple[Diagnostic, ...]
    synonyms: SourceFile | None = None  # _synonyms.yaml, which a library may leave out


@dataclass(frozen=True)
class _Walk:
    """What every step of a scan shares: the boundary links must stay within, and the layout problems found."""

    boundary: Path
    layout: list[Diagnostic]

    def listing(self, folder: Found) -> list[Found]:
        """A folder's entries, links checked (see paths.list_folder)."""
        return list_folder(folder.path, folder.real, self.boundary, WHAT, self.layout)


def scan_library(root: Path) -> LibraryScan:
    """Walk a schemes folder: layout problems, the shared files parsed, scheme files found but not read.

    Links are followed only where they stay inside the schemes folder; nothing outside it is ever read.
    """
    layout: list[Diagnostic] = []
    if not root.is_dir():
        layout.append(Diagnostic(root, 1, 1, "", "schemes folder not found"))
        return LibraryScan(root, None, None, (), (), tuple(layout))
    walk = _Walk(real_root(root), layout)
    regions = _load_required(root / "_regions.yaml", walk)
    topics = _load_required(root / "_topics.yaml", walk)
    synonyms = _load_required(root / SYNONYMS_NAME, walk) if os.path.lexists(root / SYNONYMS_NAME) else None
    years: list[YearSource] = []
    found: list[SchemePath] = []
    for entry in walk.listing(Found.root(root, walk.boundary)):
        name = entry.path.name
        if entry.kind != FOLDER:
            if _is_scheme_name(name):
                layout.append(Diagnostic(entry.path, 1, 1, "path", "a scheme file belongs in YEAR/REGION/, "
                                                                   "e.g. 2010-11/london/"))
            continue
        if not is_year_slug(name):
            layout.append(Diagnostic(entry.path, 1, 1, "year", f"folder '{name}' is not a financial year "
                                                               "named YYYY-YY with consecutive years, e.g. 2010-11"))
            continue
        years.append(_load_year(entry, walk))
        found.extend(_scheme_paths(entry, walk))
    return LibraryScan(root, regions, topics, tuple(years), tuple(found), tuple(_name_open_years(layout, years)),
                       synonyms)


def _name_open_years(layout: list[Diagnostic], years: list[YearSource]) -> list[Diagnostic]:
    """A year folder without _year.yaml is told which years are open, and how to open its own."""
    opened = ", ".join(y.slug for y in years if y.file is not None) or "none"
    return [replace(d, message=f"{d.message}: the open years are {opened}; open this one with "
                               f"python build.py new-year {d.src_path.name}")
            if d.field == "year" and d.message.endswith(NO_YEAR_FILE) else d for d in layout]


def load_scheme(path: SchemePath) -> SchemeSource:
    """Parse one scheme file found by a scan."""
    return SchemeSource(path.year, path.region, path.slug, load_yaml_file(path.src_path), path.folder,
                        path.folder_refused)


def _is_scheme_name(name: str) -> bool:
    """A name ending like a scheme file, in any case."""
    return name.lower().endswith(SCHEME_SUFFIXES)


def _load_required(src_path: Path, walk: _Walk) -> SourceFile | None:
    """Parse a file the library cannot do without, noting its absence."""
    checked = check_file(src_path, walk.boundary, WHAT)
    if checked.real is None:
        walk.layout.append(Diagnostic(src_path, 1, 1, "", checked.problem or f"{src_path.name} is missing"))
        return None
    return load_yaml_file(src_path)


def _load_year(year_dir: Found, walk: _Walk) -> YearSource:
    """Read a year folder's _year.yaml, noting a missing one."""
    year_file = year_dir.path / "_year.yaml"
    checked = check_file(year_file, walk.boundary, WHAT)
    if checked.real is None:
        problem = checked.problem or f"year folder '{year_dir.path.name}' {NO_YEAR_FILE}"
        walk.layout.append(Diagnostic(year_file if checked.problem else year_dir.path, 1, 1, "year", problem))
        return YearSource(year_dir.path.name, year_dir.path, None)
    return YearSource(year_dir.path.name, year_dir.path, load_yaml_file(year_file))


def _scheme_paths(year_dir: Found, walk: _Walk) -> Iterator[SchemePath]:
    """Yield each scheme file under a year folder."""
    for region_dir in walk.listing(year_dir):
        name = region_dir.path.name
        if region_dir.kind != FOLDER:
            if _is_scheme_name(name):
                message = f"a scheme file belongs in a region folder, e.g. {year_dir.path.name}/london/"
                walk.layout.append(Diagnostic(region_dir.path, 1, 1, "path", message))
            continue
        if not is_slug(name):
            walk.layout.append(Diagnostic(region_dir.path, 1, 1, "region", f"folder name '{name}' is not a slug "
                                                                           "(lower-case letters, digits, single "
                                                                           "hyphens)"))
            continue
        yield from _region_scheme_paths(year_dir.path.name, region_dir, walk)


def _region_scheme_paths(year: str, region_dir: Found, walk: _Walk) -> Iterator[SchemePath]:
    """Yield the scheme files of one region folder, rejecting bad names, clashes and what is not a file."""
    seen: dict[str, Path] = {}
    layout = walk.layout
    reported = len(layout)
    found = walk.listing(region_dir)
    refused = {d.src_path.name for d in layout[reported:]}  # links the listing refused, each with its error
    folders = {e.path.name: e.real for e in found if e.kind == FOLDER}
    for item in found:
        entry = item.path
        if not _is_scheme_name(entry.name):
            continue
        if item.kind != FILE:
            layout.append(Diagnostic(entry, 1, 1, "path", _not_a_file(entry, item.kind)))
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
        yield SchemePath(year, region_dir.path.name, slug, entry, folders.get(slug), slug in refused)


def _not_a_file(entry: Path, kind: str) -> str:
    """Why an entry named like a scheme file cannot be one."""
    if kind == FOLDER:
        return (f"'{entry.name}' is a folder, not a scheme file: a scheme is one file, and its attachments go in "
                f"a folder named without '{entry.suffix}' ('{entry.stem}/')")
    return f"'{entry.name}' is not a regular file (a device, socket or pipe): a scheme is a plain text file"


def _suggest_slug(stem: str) -> str:
    """A slug close to a bad file name, for the error message only."""
    return re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-") or "scheme"

"""The `new` and `new-year` verbs: a commented scheme skeleton that passes `check` as written, and a new year's
folder with its `_year.yaml`, the previous year's figures carried forward; neither ever overwrites a file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from ..core.diagnostics import display_path
from ..format.spec import PROVIDER_TYPES, is_slug, is_year_slug
from .files import write_new_file

if TYPE_CHECKING:  # the YAML reader and the library scan load with the verbs that use them, not with the parser
    from ..library.load import LibraryScan


def add_scaffold_args(verbs: Any, library_args: Callable[[argparse.ArgumentParser], None]) -> None:
    """The new and new-year verbs' arguments."""
    new = verbs.add_parser("new", help="write a commented scheme skeleton that passes check as written")
    library_args(new)
    new.add_argument("--year", help="financial year, YYYY-YY (one the library has opened)")
    new.add_argument("--region", help="region slug from _regions.yaml")
    new.add_argument("--slug", help="the scheme's file name, lower-case words and hyphens")
    new.add_argument("--provider", help="the provider's full name")
    new.add_argument("--type", choices=PROVIDER_TYPES, help="the provider's type")
    new.add_argument("--content", type=Path, default=Path("content"), help="content folder (default: content)")
    new.add_argument("--template", action="store_true",
                     help="print the blank template (content/files/scheme-template.yaml) instead")
    year = verbs.add_parser("new-year", help="open a financial year: its folder and _year.yaml")
    library_args(year)
    year.add_argument("year", metavar="YYYY-YY", help="the year to open, e.g. 2024-25")


def open_years(scan: LibraryScan) -> list[str]:
    """The years the library has opened: folders with a _year.yaml."""
    return [y.slug for y in scan.years if y.file is not None]


def site_settings(content: Path) -> tuple[str, str]:
    """The site's published address and mailbox, from content/site.yaml (empty when unknown)."""
    from ..format.yamlio import read_yaml

    data, _ = read_yaml(content / "site.yaml") if (content / "site.yaml").is_file() else (None, [])
    data = data if isinstance(data, dict) else {}
    url, email = data.get("url"), data.get("submit_email") or data.get("contact_email")
    return (url if isinstance(url, str) else ""), (email if isinstance(email, str) else "")


def _error(message: str) -> int:
    """Print an error and give exit code 1."""
    print(f"error: {message}", file=sys.stderr)
    return 1


def run_new(args: argparse.Namespace) -> int:
    """Write a scheme skeleton at schemes/YEAR/REGION/SLUG.yaml, or print the blank template."""
    from ..exchange.scaffold import scheme_skeleton
    from ..library.load import scan_library

    site_url, email = site_settings(args.content)
    if args.template:
        sys.stdout.write(scheme_skeleton("", site_url, email, blank=True))
        return 0
    missing = [f"--{k}" for k in ("year", "region", "slug") if not getattr(args, k)]
    if missing:
        print(f"build.py new: error: give {', '.join(missing)}", file=sys.stderr)
        return 2
    scan = scan_library(args.schemes)
    opened = open_years(scan)
    if not is_year_slug(args.year) or args.year not in opened:
        return _error(f"{args.year} is not an open year of the library; the open years are "
                      f"{', '.join(opened) or 'none'} (open another with python build.py new-year YYYY-YY)")
    regions = scan.regions.data if scan.regions is not None and isinstance(scan.regions.data, dict) else {}
    if args.region not in regions:
        return _error(f"{args.region} is not a region in _regions.yaml; the regions are {', '.join(regions)}")
    if not is_slug(args.slug):
        return _error(f"{args.slug!r} is not a slug: lower-case letters, digits and single hyphens")
    target = args.schemes / args.year / args.region / f"{args.slug}.yaml"
    text = scheme_skeleton(args.year, site_url, email, args.provider, args.type)
    problem = write_new_file(target, text)
    if problem:
        return _error(problem)
    print(f"wrote {display_path(target)}: a draft to fill in; check it with python build.py check")
    return 0


def run_new_year(args: argparse.Namespace) -> int:
    """Open a year: its folder and a _year.yaml carrying the previous year's percentage and national goals."""
    from ..exchange.scaffold import year_yaml
    from ..library.load import scan_library

    if not is_year_slug(args.year):
        print(f"build.py new-year: error: {args.year!r} is not a financial year YYYY-YY with consecutive years, "
              "e.g. 2024-25", file=sys.stderr)
        return 2
    if not args.schemes.is_dir():
        return _error(f"schemes folder {args.schemes} not found")
    scan = scan_library(args.schemes)
    target = args.schemes / args.year / "_year.yaml"
    if target.exists():
        return _error(f"{display_path(target)} already exists and is never overwritten")
    earlier = [y for y in scan.years if y.file is not None and y.slug < args.year]
    previous = earlier[-1] if earlier else None
    carried: dict[str, Any] = {}
    if previous is not None and isinstance(previous.file.data, dict):  # type: ignore[union-attr]
        data = previous.file.data  # type: ignore[union-attr]
        carried = {k: data[k] for k in ("cquin_percent", "cquin_percent_of", "national_goals") if k in data}
    text = year_yaml(args.year, previous.slug if previous else None, carried)
    problem = write_new_file(target, text)
    if problem:
        return _error(problem)
    carried_from = f", carrying {previous.slug}'s figures forward" if previous else ""
    print(f"opened {args.year}: wrote {display_path(target)}{carried_from}; edit it, then python build.py check")
    return 0

"""The `export` and `import` verbs: a scheme out to the standard template (xlsx, csv) or its YAML, and a filled
template (or an email carrying one) in as a draft scheme, every problem named by its cell."""

from __future__ import annotations

import argparse
import json
import sys
import shutil
import tempfile
from pathlib import Path
from typing import Any, Callable, Sequence

from ..core.controls import escape_unprintable
from ..core.diagnostics import Diagnostic, Severity, display_path, has_errors
from ..format.spec import is_slug, is_year_slug
from ..library.urls import slugify
from .files import write_new_file

# The library's reading and validation path (and the YAML reader) is imported by the verbs that use it: the
# command line builds its parser from this module on every run, and a build with nothing to do must stay light.

FORMATS = ("xlsx", "csv", "yaml")


def add_exchange_args(verbs: Any, library_args: Callable[[argparse.ArgumentParser], None]) -> None:
    """The export, import, new and new-year verbs' arguments."""
    export = verbs.add_parser("export", help="write a scheme as the standard template (xlsx, csv) or YAML")
    library_args(export)
    export.add_argument("scheme", metavar="YEAR/REGION/SLUG", help="the scheme, e.g. 2019-20/north-west/x")
    export.add_argument("--format", choices=FORMATS, default="xlsx", help="xlsx (default), csv or yaml")
    export.add_argument("-o", "--output", type=Path, help="file to write (default: SLUG.FORMAT here)")
    imported = verbs.add_parser("import", help="read a filled template (xlsx, csv, yaml, or an .eml carrying "
                                               "one) into the library as a draft")
    library_args(imported)
    imported.add_argument("file", type=Path, help="the filled template (.xlsx, .csv, .yaml), or a saved email "
                                                  "message (.eml) with one attached")
    for name in ("year", "region", "slug"):
        imported.add_argument(f"--{name}", help=f"the scheme's {name}, where the template does not give it "
                                                "(or to override it)")
    imported.add_argument("--content", type=Path, default=Path("content"), help="content folder (default: content)")
    imported.add_argument("--format", choices=("text", "json"), default="text",
                          help="json: every problem as an object with its cell, on standard output")
    from .scaffold import add_scaffold_args
    add_scaffold_args(verbs, library_args)


def run_exchange(args: argparse.Namespace) -> int:
    """Run export, import, new or new-year."""
    if args.verb == "export":
        return run_export(args)
    if args.verb == "import":
        return run_import(args)
    from .scaffold import run_new, run_new_year
    return run_new(args) if args.verb == "new" else run_new_year(args)


def fail(message: str) -> int:
    """Print an error for the verb and give its exit code (1)."""
    print(f"error: {message}", file=sys.stderr)
    return 1


def run_export(args: argparse.Namespace) -> int:
    """Write one valid scheme of the library as the template or as YAML."""
    from ..exchange.csvform import write_csv
    from ..exchange.publish import export_lists, instructions
    from ..exchange.template import to_tables
    from ..exchange.xlsx import write_workbook
    from ..format.yamlio import read_yaml
    from ..library.load import scan_library
    from ..library.validate import validate_library

    parts = args.scheme.strip("/").split("/")
    if len(parts) != 3:
        print("build.py export: error: name the scheme as YEAR/REGION/SLUG, e.g. 2019-20/north-west/x",
              file=sys.stderr)
        return 2
    validated = validate_library(scan_library(args.schemes))
    card = next((c for c in validated.cards if c.id == "/".join(parts)), None)
    if card is None:
        own = [d for d in validated.diagnostics if Path(d.src_path).stem == parts[2]]
        for diagnostic in own:
            print(diagnostic.format(), file=sys.stderr)
        return fail(f"{'/'.join(parts)} is not a valid scheme in {args.schemes}" + (": fix it first" if own else ""))
    source = Path(card.src_path)
    output = args.output or Path(f"{parts[2]}.{args.format}")
    if args.format == "yaml":
        data = source.read_bytes()
    else:
        scheme, _ = read_yaml(source)
        year = next((y for y in validated.years if y.slug == parts[0]), None)
        tables = to_tables(scheme, dict(zip(("year", "region", "slug"), parts)), year.cquin_percent if year else None)
        lists = export_lists(validated)
        data = write_workbook(tables, lists, instructions("", lists)) if args.format == "xlsx" else write_csv(tables)
    try:
        output.write_bytes(data)
    except OSError as exc:
        return fail(f"cannot write {output}: {exc.strerror or exc}")
    print(f"wrote {card.id} to {output} ({args.format})")
    return 0


def run_import(args: argparse.Namespace) -> int:
    """Read a filled template into the library as a draft, validated first; never overwrite a file."""
    from ..exchange.scaffold import imported_yaml
    from ..exchange.similar import resemblances
    from ..exchange.submission import read_submission
    from ..library.load import scan_library
    from ..library.validate import validate_library
    from .scaffold import open_years, site_settings

    report = _Report(args.format == "json", args.file)
    try:
        submitted = read_submission(args.file.name, args.file.read_bytes())
    except (OSError, ValueError) as exc:
        return report.stop(getattr(exc, "strerror", None) or str(exc))
    imported, origin = submitted.imported, submitted.origin
    for problem in imported.warnings:
        report.add(problem.cell, problem.label, problem.message, Severity.WARNING)
    for problem in imported.problems:
        report.add(problem.cell, problem.label, problem.message)
    place = {k: (getattr(args, k) or imported.placement.get(k) or "") for k in ("year", "region", "slug")}
    provider = imported.data.get("provider") if isinstance(imported.data.get("provider"), dict) else {}
    place["slug"] = place["slug"] or (slugify(str(provider.get("name"))) if provider.get("name") else "")
    scan = scan_library(args.schemes)
    opened = open_years(scan)
    placed = True  # without a usable year, region and slug the scheme has no place to be checked in
    for key, valid in (("year", is_year_slug), ("region", is_slug), ("slug", is_slug)):
        if not valid(place[key]):
            hint = f" (the open years are {', '.join(opened) or 'none'})" if key == "year" else ""
            report.add(imported.cells.get(key, ""), key, f"{key} {place[key]!r} is not usable: give it in the "
                                                         f"template or with --{key}{hint}")
            placed = False
    if placed and place["year"] not in opened:
        report.add(imported.cells.get("year", ""), "year", f"{place['year']} is not open in the library (the open "
                   f"years are {', '.join(opened) or 'none'}): open it with python build.py new-year {place['year']}")
        placed = False
    if not placed:
        return report.done(1)
    target = args.schemes / place["year"] / place["region"] / f"{place['slug']}.yaml"
    if target.exists():
        report.add("", "slug", f"{display_path(target)} already exists and is never overwritten: import with "
                               "another --slug, or delete the old file first")
        return report.done(1)
    data = {**imported.data, "status": "draft"}
    text = imported_yaml(data, origin, site_settings(args.content)[0])
    carried = _carried(data, submitted.files, target.with_suffix(""), report)
    for diagnostic in _validated(text, target, place, scan, carried):
        if _within(diagnostic.field, imported.unreadable):
            continue  # its cell's own problem says what is wrong with it
        report.add(submitted.where(diagnostic.field), diagnostic.field, diagnostic.message,
                   diagnostic.severity)
    if report.errors():
        return report.done(1)
    validated = validate_library(scan)
    for found in resemblances(data, place["year"], validated.cards):
        report.add("", "", f"closely resembles an existing scheme: {found}; is it a resubmission?", Severity.WARNING)
    problem = write_new_file(target, text)
    if problem:
        return report.stop(problem)
    folder = target.with_suffix("")
    for attached in carried:
        try:
            folder.mkdir(exist_ok=True)
            with open(folder / attached.name, "xb") as out:
                out.write(attached.data)
        except OSError as exc:
            return report.stop(f"cannot save {attached.name} in {display_path(folder)}: {exc.strerror or exc}")
    if carried:
        report.note(f"saved {', '.join(a.name for a in carried)} from the message in {display_path(folder)}/")
    goals = data.get("goals") or []
    report.note(f"wrote {display_path(target)} (status: draft) with {len(goals)} goal(s) and "
                f"{sum(len(g.get('indicators') or []) for g in goals)} indicator(s): review it, then set "
                "status: published")
    return report.done(0)


def _carried(data: dict[str, Any], files: Sequence[Any], folder: Path, report: "_Report") -> list[Any]:
    """The message's attachments that the scheme lists, to save beside it (never over a file already there);
    the others are named and left."""
    listed = {a.get("file") for a in data.get("attachments") or [] if isinstance(a, dict)}
    carried = []
    for attached in files:
        if attached.name not in listed:
            report.add("", "attachments", f"{attached.name} is attached to the message but not listed in the "
                                          "template: not saved", Severity.WARNING)
        elif (folder / attached.name).exists():
            report.add("", "attachments", f"{display_path(folder / attached.name)} already exists and is never "
                                          "overwritten: the one in the message was not saved", Severity.WARNING)
        else:
            carried.append(attached)
    return carried


def _validated(text: str, target: Path, place: dict[str, str], scan: Any, carried: Sequence[Any]) -> list[Diagnostic]:
    """The new scheme checked by the library's one validation path, in its place, before it is written: with the
    attachments it brings staged beside it, among any already in its folder."""
    from ..format.yamlio import read_yaml
    from ..library.load import SchemeSource, SourceFile
    from ..library.shared import validate_shared
    from ..library.validate import validate_scheme

    shared = validate_shared(scan.regions, scan.topics, scan.years, [])
    with tempfile.TemporaryDirectory() as folder:
        written = Path(folder) / target.name
        written.write_text(text, encoding="utf-8")
        data, problems = read_yaml(written)
        attachments = target.with_suffix("")
        if carried:
            staged = written.with_suffix("")
            if attachments.is_dir():
                shutil.copytree(attachments, staged, symlinks=True)
            staged.mkdir(exist_ok=True)
            for attached in carried:
                (staged / attached.name).write_bytes(attached.data)
            attachments = staged
        parsed = SourceFile(written, data, tuple(problems))
        source = SchemeSource(place["year"], place["region"], place["slug"], parsed,
                              attachments.resolve() if attachments.is_dir() else None)
        out: list[Diagnostic] = []
        validate_scheme(source, shared.region_map, shared.topic_slugs, shared.year(place["year"]), out)
    return out


def _within(field: str, fields: set[str]) -> bool:
    """Whether a field is one of these or lies inside one of them."""
    return any(field == f or field.startswith((f + ".", f + "[")) for f in fields)


class _Report:
    """An import's problems, printed as lines (`Goals!C7: goal weighting: ...`) or as JSON objects."""

    def __init__(self, as_json: bool, file: Path) -> None:
        """Start with nothing to report."""
        self.as_json, self.file, self.items = as_json, file, []  # type: ignore[var-annotated]
        self.notes: list[str] = []

    def add(self, cell: str, field: str, message: str, severity: Severity = Severity.ERROR) -> None:
        """Note one problem at its cell (or the file, when it has none)."""
        self.items.append((cell, Diagnostic(self.file, 1, 1, field, message, severity)))

    def note(self, line: str) -> None:
        """A line for the user once the import succeeds."""
        self.notes.append(line)

    def errors(self) -> bool:
        """Whether any problem so far stops the import."""
        return has_errors(d for _, d in self.items)

    def stop(self, message: str) -> int:
        """Report a problem that stops the import at once."""
        self.add("", "", message)
        return self.done(1)

    def done(self, code: int) -> int:
        """Print everything, and give the exit code."""
        if self.as_json:
            from .check import problem_record

            print(json.dumps([problem_record(d, cell or None) for cell, d in self.items], indent=2,
                             ensure_ascii=False))
        else:
            for cell, d in self.items:
                where = cell or display_path(self.file)
                kind = "warning: " if d.severity is Severity.WARNING else ""
                field = f"{d.field}: " if d.field else ""
                print(escape_unprintable(f"{where}: {kind}{field}{d.message}"), file=sys.stderr)
        for line in self.notes:
            print(line, file=sys.stderr if self.as_json else sys.stdout)
        if code and not self.as_json:
            print(f"{display_path(self.file)}: nothing was written", file=sys.stderr)
        return code


"""The command line: python build.py build|check, or the `cquin` console script."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Optional, Sequence, TextIO

from .diagnostics import BuildFailed, Diagnostic, Severity
from .pipeline import BuildOptions, build_site, check_sources


def make_parser() -> argparse.ArgumentParser:
    """Arguments for every verb."""
    parser = argparse.ArgumentParser(prog="build.py", description="Build the CQUIN scheme library site.")
    verbs = parser.add_subparsers(dest="verb", metavar="VERB")
    check = verbs.add_parser("check", help="validate the library without writing anything")
    _library_args(check)
    build = verbs.add_parser("build", help="validate, then build the site")
    _library_args(build)
    _site_args(build)
    return parser


def _library_args(parser: argparse.ArgumentParser) -> None:
    """Arguments every verb that reads the library takes."""
    parser.add_argument("--schemes", type=Path, default=Path("schemes"), help="schemes folder (default: schemes)")
    parser.add_argument("--strict", action="store_true", help="treat warnings as errors")


def _site_args(parser: argparse.ArgumentParser) -> None:
    """Arguments for verbs that build the site."""
    parser.add_argument("--content", type=Path, default=Path("content"), help="content folder (default: content)")
    parser.add_argument("--out", type=Path, default=Path("site"), help="output folder (default: site)")
    parser.add_argument("--base-url", help="URL or path the site is served under, e.g. /cquin/")


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run a verb; exit 0 when valid, 1 on errors (or warnings under --strict), 2 on usage."""
    words = list(sys.argv[1:] if argv is None else argv)
    args = make_parser().parse_args(words or ["build"])
    if args.verb == "check":
        return run_check(args)
    return run_build(args)


def run_check(args: argparse.Namespace) -> int:
    """Validate the schemes folder and report every problem."""
    result = check_sources(BuildOptions(schemes_dir=args.schemes, strict=args.strict), with_content=False)
    report_diagnostics(result.diagnostics, sys.stderr)
    schemes = len(result.library.schemes)
    if result.failed(args.strict):
        print(summary(result.diagnostics), file=sys.stderr)
        return 1
    print(f"checked {schemes} valid scheme(s) in {len(result.library.years)} year(s): "
          f"{summary(result.diagnostics) if result.diagnostics else 'no problems'}")
    return 0


def run_build(args: argparse.Namespace) -> int:
    """Build the site, or report why not and leave the output as it was."""
    options = BuildOptions(schemes_dir=args.schemes, content_dir=args.content, out_dir=args.out,
                           base_url=args.base_url, strict=args.strict)
    started = time.perf_counter()
    try:
        result = build_site(options)
    except BuildFailed as failure:
        report_diagnostics(failure.diagnostics, sys.stderr)
        print(summary(failure.diagnostics) + f"; {args.out} was not changed", file=sys.stderr)
        return 1
    report_diagnostics(result.check.diagnostics, sys.stderr)
    r = result.report
    print(f"built {len(result.check.library.built_schemes)} scheme(s), {result.pages} page(s) into {args.out} "
          f"in {time.perf_counter() - started:.2f}s: {r.written} written, {r.unchanged} unchanged, "
          f"{r.removed} removed")
    return 0


def report_diagnostics(diagnostics: Sequence[Diagnostic], stream: TextIO) -> None:
    """Print each diagnostic on its own line."""
    for diagnostic in diagnostics:
        print(diagnostic.format(), file=stream)


def summary(diagnostics: Sequence[Diagnostic]) -> str:
    """'2 errors, 1 warning in 3 files'."""
    errors = sum(d.severity is Severity.ERROR for d in diagnostics)
    warnings = len(diagnostics) - errors
    files = len({d.src_path for d in diagnostics})
    return (f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)} "
            f"in {files} file{'s' * (files != 1)}")

"""The command line: python build.py build|check, or the `cquin` console script."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import NoReturn, Optional, Sequence

from .diagnostics import BuildFailed, report_diagnostics, summary
from .pipeline import BuildOptions, build_site, check_sources
from .search_cli import add_search_args, run_search


def make_parser() -> argparse.ArgumentParser:
    """Arguments for every verb."""
    parser = argparse.ArgumentParser(prog="build.py", description="Build the CQUIN scheme library site.")
    verbs = parser.add_subparsers(dest="verb", metavar="VERB")
    check = verbs.add_parser("check", help="validate the library without writing anything")
    _library_args(check)
    build = verbs.add_parser("build", help="validate, then build the site")
    _library_args(build)
    _site_args(build)
    build.add_argument("--out", type=Path, default=Path("site"), help="output folder (default: site)")
    serve = verbs.add_parser("serve", help="build, serve with live reload, rebuild on every save")
    _library_args(serve)
    _site_args(serve)
    serve.add_argument("--out", type=Path, help="output folder (default: CACHE/serve-site)")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1, this machine only)")
    serve.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    serve.add_argument("--open", action="store_true", help="open the site in a browser")
    search = verbs.add_parser("search", help="search the library with the whoosh query language")
    _library_args(search)
    _cache_arg(search)
    add_search_args(search)
    return parser


def _library_args(parser: argparse.ArgumentParser) -> None:
    """Arguments every verb that reads the library takes."""
    parser.add_argument("--schemes", type=Path, default=Path("schemes"), help="schemes folder (default: schemes)")
    parser.add_argument("--strict", action="store_true", help="treat warnings as errors")


def _site_args(parser: argparse.ArgumentParser) -> None:
    """Arguments for verbs that build the site."""
    parser.add_argument("--content", type=Path, default=Path("content"), help="content folder (default: content)")
    parser.add_argument("--base-url", help="URL or path the site is served under, e.g. /cquin/")
    _cache_arg(parser)


def _cache_arg(parser: argparse.ArgumentParser) -> None:
    """The build cache, shared by every verb that reads through it."""
    parser.add_argument("--cache", type=Path, default=Path(".cache"),
                        help="build cache folder, safe to delete; the search index lives in CACHE/search "
                             "(default: .cache)")


def run() -> NoReturn:
    """main() as a program: exit with its code, skipping the interpreter's teardown.

    A build leaves a large heap, and tearing it down object by object (a full collection, then every module)
    took a tenth of a second at 1,000 schemes, after the work was done. By now every file is written and
    closed, and the cache committed: flush the streams and leave.
    """
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run a verb; exit 0 when valid, 1 on errors (or warnings under --strict), 2 on usage."""
    words = list(sys.argv[1:] if argv is None else argv)
    args = make_parser().parse_args(words or ["build"])
    if args.verb == "check":
        return run_check(args)
    if args.verb == "serve":
        return run_serve(args)
    if args.verb == "search":
        return run_search(args)
    return run_build(args)


def run_serve(args: argparse.Namespace) -> int:
    """Serve the library with live reload until interrupted."""
    from .serve import serve, serve_options

    out = args.out or args.cache / "serve-site"
    options = serve_options(BuildOptions(schemes_dir=args.schemes, content_dir=args.content, out_dir=out,
                                         base_url=args.base_url, strict=args.strict, cache_dir=args.cache))
    serve(options, host=args.host, port=args.port, open_browser=args.open)
    return 0


def run_check(args: argparse.Namespace) -> int:
    """Validate the schemes folder and report every problem."""
    result = check_sources(BuildOptions(schemes_dir=args.schemes, strict=args.strict))
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
                           base_url=args.base_url, strict=args.strict, cache_dir=args.cache,
                           progress=sys.stderr.isatty())
    started = time.perf_counter()
    try:
        result = build_site(options)
    except BuildFailed as failure:
        report_diagnostics(failure.diagnostics, sys.stderr)
        print(summary(failure.diagnostics) + f"; {args.out} was not changed", file=sys.stderr)
        return 1
    report_diagnostics(result.diagnostics, sys.stderr)
    r = result.report
    seconds = time.perf_counter() - started
    if result.rendered == 0 and r.written == 0 and r.removed == 0:
        print(f"{args.out} is up to date ({r.unchanged} files) in {seconds:.2f}s")
        return 0
    print(f"built {result.schemes} scheme(s) into {args.out} in {seconds:.2f}s: {result.rendered} of "
          f"{result.pages} page(s) rendered, {r.written} file(s) written, {r.unchanged} unchanged, {r.removed} removed")
    return 0

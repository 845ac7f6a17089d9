"""The command line: python build.py VERB, or the `cquin` console script; one module per verb beside this one."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import NoReturn, Optional, Sequence


def make_parser() -> argparse.ArgumentParser:
    """Arguments for every verb."""
    from .search import add_search_args

    parser = argparse.ArgumentParser(prog="build.py", description="Build the CQUIN scheme library site.")
    verbs = parser.add_subparsers(dest="verb", metavar="VERB")
    check = verbs.add_parser("check", help="validate the library without writing anything")
    _library_args(check)
    check.add_argument("--format", choices=("text", "json"), default="text",
                       help="json: every problem as an object on standard output (default: text)")
    from .exchange import add_exchange_args
    add_exchange_args(verbs, _library_args)
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
    # Each verb's module is imported only when it runs: `build` with nothing to do must stay light.
    if args.verb == "check":
        from .check import run_check
        return run_check(args)
    if args.verb == "serve":
        from .serve import run_serve
        return run_serve(args)
    if args.verb == "search":
        from .search import run_search
        return run_search(args)
    if args.verb in ("export", "import", "new", "new-year"):
        from .exchange import run_exchange
        return run_exchange(args)
    from .build import run_build
    return run_build(args)


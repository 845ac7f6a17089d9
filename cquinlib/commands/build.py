"""The `build` verb: validate, then write the site, or report why not and leave the output as it was."""

from __future__ import annotations

import argparse
import sys
import time

from ..build.options import BuildOptions
from ..build.pipeline import build_site
from ..core.diagnostics import BuildFailed, report_diagnostics, summary
from .notices import print_notices


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
    print_notices(result.notices)
    report_diagnostics(result.diagnostics, sys.stderr)
    r = result.report
    seconds = time.perf_counter() - started
    if result.rendered == 0 and r.written == 0 and r.removed == 0:
        print(f"{args.out} is up to date ({r.unchanged} files) in {seconds:.2f}s")
        return 0
    print(f"built {result.schemes} scheme(s) into {args.out} in {seconds:.2f}s: {result.rendered} of "
          f"{result.pages} page(s) rendered, {r.written} file(s) written, {r.unchanged} unchanged, {r.removed} removed")
    return 0

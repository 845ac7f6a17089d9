"""The `check` verb: validate the schemes folder through the same path a build takes, and write nothing."""

from __future__ import annotations

import argparse
import sys

from ..core.diagnostics import has_errors, report_diagnostics, summary
from ..library.load import scan_library
from ..library.validate import validate_library


def run_check(args: argparse.Namespace) -> int:
    """Validate the schemes folder and report every problem (no cache: check writes nothing anywhere)."""
    validated = validate_library(scan_library(args.schemes))
    report_diagnostics(validated.diagnostics, sys.stderr)
    if has_errors(validated.diagnostics, args.strict):
        print(summary(validated.diagnostics), file=sys.stderr)
        return 1
    print(f"checked {len(validated.cards)} valid scheme(s) in {len(validated.years)} year(s): "
          f"{summary(validated.diagnostics) if validated.diagnostics else 'no problems'}")
    return 0

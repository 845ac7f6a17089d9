"""The `check` verb: validate the schemes folder through the same path a build takes, and write nothing."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Iterable, Optional

from ..core.diagnostics import Diagnostic, display_path, has_errors, report_diagnostics, summary
from ..library.load import scan_library
from ..library.validate import validate_library


def run_check(args: argparse.Namespace) -> int:
    """Validate the schemes folder and report every problem (no cache: check writes nothing anywhere)."""
    validated = validate_library(scan_library(args.schemes))
    failed = has_errors(validated.diagnostics, args.strict)
    if getattr(args, "format", "text") == "json":
        print(problems_json(validated.diagnostics))
        return 1 if failed else 0
    report_diagnostics(validated.diagnostics, sys.stderr)
    if failed:
        print(summary(validated.diagnostics), file=sys.stderr)
        return 1
    print(f"checked {len(validated.cards)} valid scheme(s) in {len(validated.years)} year(s): "
          f"{summary(validated.diagnostics) if validated.diagnostics else 'no problems'}")
    return 0


def problem_record(diagnostic: Diagnostic, cell: Optional[str] = None) -> dict[str, Any]:
    """One problem as an object for editors' tools and CI: file, line, column, field, severity, message (and the
    spreadsheet cell, for an import)."""
    record: dict[str, Any] = {"file": display_path(diagnostic.src_path), "line": diagnostic.line,
                              "column": diagnostic.column, "field": diagnostic.field,
                              "severity": diagnostic.severity.value, "message": diagnostic.message}
    if cell is not None:
        record["cell"] = cell
    return record


def problems_json(diagnostics: Iterable[Diagnostic]) -> str:
    """Every problem as a JSON list (non-ASCII kept; json escapes every control character)."""
    return json.dumps([problem_record(d) for d in diagnostics], indent=2, ensure_ascii=False)

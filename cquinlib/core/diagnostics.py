"""Diagnostics: errors and warnings that name file, line, column and field."""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Iterable, Sequence, TextIO

from .controls import escape_unprintable

# A diagnostic quotes contributed values; past this many characters a quoted value is cut short.
QUOTE_LIMIT = 80
# Past this many characters a message is cut short: a screenful is enough to say what is wrong.
MESSAGE_LIMIT = 1000
# A field path holds keys, and a hostile key may be long.
FIELD_LIMIT = 200


class Severity(str, Enum):
    """How bad a diagnostic is: errors stop the build, warnings only under --strict."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem found in one source file."""

    src_path: Path
    line: int
    column: int
    field: str
    message: str
    severity: Severity = Severity.ERROR

    def format(self, root: Path | None = None) -> str:
        """Render as `path:line:column: field: message` (warnings say so), always on one line: a control
        character anywhere (a key holding a line break and a forged `path:1:1:`) is written as an escape."""
        shown = display_path(self.src_path, root)
        kind = "warning: " if self.severity is Severity.WARNING else ""
        field = self.field if len(self.field) <= FIELD_LIMIT else self.field[:FIELD_LIMIT] + "…"
        field = f"{field}: " if field else ""
        message = self.message if len(self.message) <= MESSAGE_LIMIT else self.message[:MESSAGE_LIMIT] + "…"
        return escape_unprintable(f"{shown}:{self.line}:{self.column}: {kind}{field}{message}")

    def to_plain(self) -> tuple[str, int, int, str, str, str]:
        """A JSON-friendly tuple, for replaying the diagnostics of a build that had nothing to do."""
        return (str(self.src_path), self.line, self.column, self.field, self.message, self.severity.value)

    @classmethod
    def from_plain(cls, plain: tuple) -> "Diagnostic":  # type: ignore[type-arg]
        """Undo to_plain."""
        path, line, column, field, message, severity = plain
        return cls(Path(path), line, column, field, message, Severity(severity))


class BuildFailed(Exception):
    """Raised when a library has errors; carries every diagnostic found."""

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        """Keep the diagnostics sorted so that reports are stable."""
        self.diagnostics = tuple(sorted(diagnostics))
        super().__init__(f"{len(self.diagnostics)} problem(s) in the library")

    def __reduce__(self) -> tuple[type, tuple[tuple[Diagnostic, ...]]]:
        """Survive the trip back from a worker process with every diagnostic."""
        return (BuildFailed, (self.diagnostics,))


def display_path(path: Path, root: Path | None = None) -> str:
    """Show a path relative to root (or the working directory) where possible. Links are not followed: a
    diagnostic names the path in the library, never where a symbolic link leads (nor fails on a link loop)."""
    absolute = os.path.abspath(path)
    for base in (root, None):
        try:
            start = os.path.abspath(base if base is not None else os.getcwd())
        except OSError:  # the working directory is gone
            continue
        if absolute == start or absolute.startswith(start.rstrip(os.sep) + os.sep):
            return Path(os.path.relpath(absolute, start)).as_posix()
    return path.as_posix()


def quote(value: object, limit: int = QUOTE_LIMIT) -> str:
    """A contributed value as a message quotes it: 'value', cut short with an ellipsis past limit characters."""
    text = str(value)
    return f"'{text[:limit]}…'" if len(text) > limit else f"'{text}'"


def suggest(value: object, known: Iterable[str]) -> str:
    """Return ' (did you mean 'x'?)' for the nearest known value, or ''."""
    text = str(value)
    if len(text) > QUOTE_LIMIT:  # no known value is that long, and comparing against it costs its length squared
        return ""
    match = difflib.get_close_matches(text, list(known), n=1, cutoff=0.6)
    return f" (did you mean '{match[0]}'?)" if match else ""


def has_errors(diagnostics: Iterable[Diagnostic], strict: bool = False) -> bool:
    """True when any diagnostic stops the build (warnings count under strict)."""
    return any(d.severity is Severity.ERROR or strict for d in diagnostics)


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

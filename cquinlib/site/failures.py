"""Rendering failures as diagnostics: the scheme or page that caused one, at the line of the text that did.

Validation keeps every known failure out (limits on size, nesting and figures are checked where the library is
read), so these are the last line: whatever goes wrong while a page renders, the build reports it as a problem
in the library, never as a traceback, and the dev server shows it.
"""

from __future__ import annotations

import traceback
from pathlib import Path
from typing import Any, Iterator, Optional

import jinja2

from ..core.controls import control_name
from ..core.diagnostics import Diagnostic
from ..format.yamlio import FieldPath, format_field, locate_all, read_yaml
from .markup import MarkupError


class UnsafeOutput(Exception):
    """A rendered page would hold a control character raw (a terminal escape, a bidi override)."""

    def __init__(self, char: str) -> None:
        """Name the character."""
        self.char = char
        super().__init__(f"the page would hold {control_name(char)}, which no page may show")


def render_failure(exc: Exception, url: str, src_path: Optional[str], templates_dir: Path) -> Diagnostic:
    """The diagnostic for a page that failed to render: the template's file and line for a template error,
    else the source file that asked for the page, at the text that failed where it can be found."""
    if isinstance(exc, jinja2.TemplateError):
        return template_diagnostic(exc, templates_dir)
    template = _template_frame(exc, templates_dir)
    while_doing = f"while rendering {url}" + (f" ({template[0].name} line {template[1]})" if template else "")
    if isinstance(exc, (MarkupError, UnsafeOutput)):
        message = f"{exc} ({while_doing})"
    else:
        message = f"{while_doing}: {type(exc).__name__}: {exc}"
    if src_path is None:
        path, line = template if template else (templates_dir, 1)
        return Diagnostic(path, line, 1, "", message)
    if isinstance(exc, UnsafeOutput):
        line, column, field = _locate_character(Path(src_path), exc.char)
    else:
        line, column, field = _locate_text(Path(src_path), exc.text if isinstance(exc, MarkupError) else None)
    return Diagnostic(Path(src_path), line, column, field, message)


def template_diagnostic(exc: jinja2.TemplateError, templates_dir: Path) -> Diagnostic:
    """Name the template file and line a rendering error came from."""
    if isinstance(exc, jinja2.TemplateSyntaxError) and exc.filename:
        return Diagnostic(Path(exc.filename), exc.lineno or 1, 1, "template", exc.message or str(exc))
    frame = _template_frame(exc, templates_dir)
    if frame:
        return Diagnostic(frame[0], frame[1], 1, "template", str(exc))
    return Diagnostic(templates_dir, 1, 1, "template", str(exc))


def _template_frame(exc: BaseException, templates_dir: Path) -> Optional[tuple[Path, int]]:
    """The innermost template file and line in an exception's traceback (Jinja maps them back to the source)."""
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename.startswith(str(templates_dir)):
            return Path(frame.filename), frame.lineno or 1
    return None


def _locate_text(src_path: Path, text: Optional[str]) -> tuple[int, int, str]:
    """Line, column and field of the value in a source file that holds text (the start of the file otherwise)."""
    if not text:
        return 1, 1, ""
    if src_path.suffix in (".yaml", ".yml"):
        data, _ = read_yaml(src_path)
        path = next((p for p, value in _values(data, ()) if str(value).strip() == text.strip()), None)
        if path is not None:
            (line, column), = locate_all(src_path, [(path, False)])
            return line, column, format_field(path)
        return 1, 1, ""
    try:
        source = src_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return 1, 1, ""
    first = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    index = source.find(first) if first else -1
    if index < 0:
        return 1, 1, ""
    return source.count("\n", 0, index) + 1, index - (source.rfind("\n", 0, index) + 1) + 1, ""


def _locate_character(src_path: Path, char: str) -> tuple[int, int, str]:
    """Line and column of the first char in a source file (the start of the file when it is not there)."""
    try:
        source = src_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return 1, 1, ""
    index = source.find(char)
    if index < 0:
        return 1, 1, ""
    return source.count("\n", 0, index) + 1, index - (source.rfind("\n", 0, index) + 1) + 1, ""


def _values(data: Any, path: FieldPath) -> Iterator[tuple[FieldPath, Any]]:
    """Every leaf value of parsed YAML with its field path."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _values(value, path + (str(key),))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _values(value, path + (index,))
    else:
        yield path, data

"""A scheme's attachments, checked: each names an allowed type, lies in the scheme's own folder, and is what it says.

The names and types are the format's (format.rules); this module looks at the files. Links are followed only
where they stay inside the scheme's folder, and a file is read only once it is known to be a regular file there,
so no attachment can publish, or a message quote, anything from outside the library.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterator, Optional

from ..format.rules import attachment_name_problem, attachment_type
from ..format.shapes import Finding
from .paths import FILE, FOLDER, kind_of, resolve_inside
from .sniff import content_problem


def attachment_findings(value: Any, src_path: Path, folder: Optional[Path],
                        refused: bool = False) -> Iterator[Finding]:
    """Every problem with a scheme's `attachments` list; `folder` is the real path of its attachment folder, or
    None when it has none; `refused` says the folder is a link the scan refused (out of the library, a loop,
    broken), which has an error of its own: nothing past it is looked at."""
    shown = src_path.with_suffix("").name  # the folder as the contributor sees it: SLUG/ beside SLUG.yaml
    seen: set[str] = set()
    for index, item in enumerate(value) if isinstance(value, list) else ():
        name = item.get("file") if isinstance(item, dict) else None
        path = ("attachments", index, "file")
        if name is not None and not isinstance(name, str):
            # A number or a date passes as text elsewhere, but no file name without an extension is allowed.
            yield Finding(path, f"expected a file name with its extension, e.g. report.pdf, got {name!r}")
            continue
        if name is None:
            continue
        problem = attachment_name_problem(name, shown)
        if problem is None and name in seen:
            problem = f"attachment '{name}' is listed twice"
        seen.add(name)
        if problem is None and refused:
            problem = f"attachment '{name}' cannot be used: the link {shown}/ is refused (see the error for it)"
        if problem is None:
            problem = file_problem(name, shown, folder)
        if problem is not None:
            yield Finding(path, problem)


def file_problem(name: str, shown: str, folder: Optional[Path]) -> Optional[str]:
    """Why a well-named attachment cannot be published from the scheme's folder, or None."""
    missing = f"attachment '{name}' not found: put it in {shown}/ beside the scheme file"
    if folder is None:
        return missing
    candidate = folder / name
    if not os.path.lexists(candidate):
        return missing
    resolved = resolve_inside(candidate, folder, f"the scheme's folder {shown}/")
    if resolved.real is None:
        if "outside" in resolved.problem:
            return f"'{name}' lies outside the scheme's folder {shown}/: it is a link to somewhere else"
        return f"'{name}' {resolved.problem}"
    kind = kind_of(resolved.real)
    if kind != FILE:
        return f"'{name}' is {'a folder' if kind == FOLDER else 'not a regular file'}: an attachment is one file"
    kind_named = attachment_type(name)
    assert kind_named is not None  # attachment_name_problem allowed the name
    try:
        problem = content_problem(resolved.real, kind_named)
    except OSError as exc:
        return f"attachment '{name}' cannot be read: {exc.strerror or exc}"
    return f"'{name}' {problem}" if problem else None


def attachment_path(folder: Path, name: str) -> Path:
    """The real path an attachment is published from (its links followed), once it has passed its checks."""
    return Path(os.path.realpath(folder / name))

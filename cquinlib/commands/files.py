"""Files the command line makes for the user (a scheme, a year file, an import): written new, never over one."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from ..core.diagnostics import display_path


def write_new_file(target: Path, text: str) -> Optional[str]:
    """Write text to a file that must not exist yet, making its folder; the problem in one line, or None.

    Opened with "x", so a file made a moment ago by someone else is never overwritten either."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "x", encoding="utf-8") as out:
            out.write(text)
    except FileExistsError:
        return f"{display_path(target)} already exists and is never overwritten"
    except OSError as exc:
        return f"cannot write {display_path(target)}: {exc.strerror or exc}"
    return None

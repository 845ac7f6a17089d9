"""The site's own scripts as served: minified by rjsmin, so that the search page's first results cost fewer bytes
on hosts that compress nothing (the sources in templates/static/ stay commented and readable)."""

from __future__ import annotations

from pathlib import Path

import rjsmin


def minified_script(src_path: Path) -> bytes:
    """A JavaScript file without its comments and spare white space (rjsmin keeps strings and regular
    expressions as they are)."""
    text = src_path.read_text(encoding="utf-8")
    return (rjsmin.jsmin(text, keep_bang_comments=True) + "\n").encode("utf-8")

"""What a build is asked to do, and what it did."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from ..core.diagnostics import Diagnostic
from ..core.digest import PACKAGE_DIR
from ..site.write import WriteReport


def default_templates_dir() -> Path:
    """The templates that come with the generator, inside the package (in a checkout and installed alike)."""
    return PACKAGE_DIR / "templates"


@dataclass(frozen=True)
class BuildOptions:
    """Where to read from and write to, and how strict to be."""

    schemes_dir: Path = Path("schemes")
    content_dir: Path = Path("content")
    out_dir: Path = Path("site")
    templates_dir: Path = field(default_factory=default_templates_dir)
    base_url: Optional[str] = None
    strict: bool = False
    cache_dir: Optional[Path] = Path(".cache")
    progress: bool = False


@dataclass(frozen=True)
class BuildResult:
    """What a successful build did; notices say which caches were started afresh, and why."""

    diagnostics: tuple[Diagnostic, ...]
    schemes: int
    pages: int
    rendered: int
    report: WriteReport
    notices: tuple[str, ...] = ()

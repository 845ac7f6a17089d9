"""Make the synthetic benchmark library with the shared generator."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

GENERATOR = Path(__file__).resolve().parents[2] / "shared" / "bench" / "gen_library.py"
HUGO_BUILD = GENERATOR.parent / "hugo_build.sh"


def make_library(out: Path, schemes: int, seed: int = 1) -> Path:
    """Generate `schemes` schemes into out, once: a `.complete` marker says a folder was generated in full."""
    marker = out / ".complete"
    if marker.is_file():
        return out
    subprocess.run([sys.executable, str(GENERATOR), str(out), "--schemes", str(schemes), "--seed", str(seed)],
                   check=True)
    marker.write_text("")
    return out


def make_content(out: Path) -> Path:
    """A minimal content folder for benchmark builds."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "site.yaml").write_text("title: Benchmark library\ndescription: Synthetic schemes.\n", encoding="utf-8")
    (out / "about.md").write_text("---\ntitle: About\nnav: 1\n---\nA synthetic library.\n", encoding="utf-8")
    return out

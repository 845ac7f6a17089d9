"""Make the synthetic benchmark library with the shared generator, fixed so that it is valid v1."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

GENERATOR = Path(__file__).resolve().parents[2] / "shared" / "bench" / "gen_library.py"
HUGO_BUILD = GENERATOR.parent / "hugo_build.sh"


def make_library(out: Path, schemes: int, seed: int = 1) -> Path:
    """Generate `schemes` schemes into out (once), renaming the generator's unknown 'frequency' key.

    The generator writes `frequency:` in indicators; format v1 has `collection_frequency` and
    `reporting_frequency`, and our validator rightly rejects the unknown key. The rename keeps the data the
    same for both generators (Hugo ignores the key either way).
    """
    marker = out / ".complete"
    if marker.is_file():
        return out
    subprocess.run([sys.executable, str(GENERATOR), str(out), "--schemes", str(schemes), "--seed", str(seed)],
                   check=True)
    for path in out.rglob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        fixed = re.sub(r"^(\s+)frequency:", r"\1collection_frequency:", text, flags=re.MULTILINE)
        if fixed != text:
            path.write_text(fixed, encoding="utf-8")
    marker.write_text("")
    return out


def make_content(out: Path) -> Path:
    """A minimal content folder for benchmark builds."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "site.yaml").write_text("title: Benchmark library\ndescription: Synthetic schemes.\n", encoding="utf-8")
    (out / "about.md").write_text("---\ntitle: About\nnav: 1\n---\nA synthetic library.\n", encoding="utf-8")
    return out

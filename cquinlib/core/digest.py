"""Stable digests: of bytes and strings, of plain values, of a folder's files, and of the generator's own code."""

from __future__ import annotations

import hashlib
import marshal
import os
from pathlib import Path
from typing import Any

PACKAGE_DIR = Path(__file__).resolve().parent.parent


def digest_bytes(*parts: bytes | str) -> str:
    """A short, stable digest of several parts (each part's length goes in first, so parts never run together)."""
    h = hashlib.blake2b(digest_size=16)
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


def digest_values(*parts: bytes | str, values: Any) -> str:
    """digest_bytes of some parts and of plain values (strings, numbers, tuples, lists, dicts, None).

    The values go through marshal's version 2, which writes every string in full with its length: later
    versions write back-references, which depend on how objects happen to be shared in memory, so equal values
    could give different bytes.
    """
    return digest_bytes(*parts, marshal.dumps(values, 2))


def tree_digest(folder: Path) -> str:
    """A digest of every file's name and bytes under a folder."""
    return digest_bytes(*(f"{p.relative_to(folder).as_posix()}\0".encode() + p.read_bytes()
                          for p in sorted(folder.rglob("*")) if p.is_file()))


def code_digest(*parts: str) -> str:
    """A digest of the generator's own modules: every .py file of the named subpackages, or the named module
    files ('build/cache.py'), by path and bytes; all of cquinlib when nothing is named.

    Every cache is keyed on the code that made what it holds, so a change to any module that feeds it (a
    constant in the analyser, a rule, the layout of a table) starts it afresh; no version number is kept by
    hand. The package's own __init__.py counts for every digest.
    """
    roots = [PACKAGE_DIR / name for name in parts] if parts else [PACKAGE_DIR]
    files = sorted({PACKAGE_DIR / "__init__.py", *(p for root in roots
                                                   for p in ([root] if root.suffix == ".py" else root.rglob("*.py")))})
    return digest_bytes(*(f"{p.relative_to(PACKAGE_DIR).as_posix()}\0".encode() + p.read_bytes() for p in files))


def file_digest(path: str | os.PathLike[str]) -> str:
    """digest_bytes of one file's bytes."""
    with open(path, "rb") as f:
        return digest_bytes(f.read())

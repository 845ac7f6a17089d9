"""Write stage: the only code that touches the output folder, and it never leaves it half-written."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Iterable

from .render import OutputFile

MANIFEST = ".cquin-manifest.json"
STAGING = ".cquin-staging"


@dataclass(frozen=True)
class WriteReport:
    """What a write changed."""

    written: int
    unchanged: int
    removed: int


def write_site(out_dir: Path, outputs: Iterable[OutputFile]) -> WriteReport:
    """Stage every changed file, then move them all into place and remove files no longer built.

    If producing the outputs fails part way, the staging folder is removed and the site is as it was.
    Files whose bytes did not change are not touched, so they keep their modification time.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = out_dir / STAGING
    shutil.rmtree(staging, ignore_errors=True)
    old = _read_manifest(out_dir)
    new: dict[str, str] = {}
    staged: list[PurePosixPath] = []
    try:
        for output in outputs:
            rel = _safe_relative(output.dest_path)
            data = output.data if output.data is not None else _read_source(output)
            digest = hashlib.sha256(data).hexdigest()
            key = rel.as_posix()
            if key in new:
                raise ValueError(f"{key} would be written twice")
            new[key] = digest
            if old.get(key) == digest and _same_bytes(out_dir / rel, data):
                continue
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            staged.append(rel)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    for rel in staged:
        destination = out_dir / rel
        destination.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging / rel, destination)
    removed = _remove_stale(out_dir, set(old) - set(new))
    shutil.rmtree(staging, ignore_errors=True)
    _write_manifest(out_dir, new)
    return WriteReport(written=len(staged), unchanged=len(new) - len(staged), removed=removed)


def _safe_relative(rel: PurePosixPath) -> PurePosixPath:
    """Refuse any output path that could land outside the output folder."""
    if rel.is_absolute() or ".." in rel.parts or not rel.parts or rel.parts[0] in (MANIFEST, STAGING):
        raise ValueError(f"refusing to write outside the output folder: {rel}")
    return rel


def _read_source(output: OutputFile) -> bytes:
    """The bytes of a file copied as it is."""
    assert output.src_path is not None, output.url
    return output.src_path.read_bytes()


def _same_bytes(path: Path, data: bytes) -> bool:
    """True when the file on disk already holds exactly these bytes."""
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


def _remove_stale(out_dir: Path, stale: set[str]) -> int:
    """Delete files an earlier build wrote that this one did not, and folders left empty."""
    for key in sorted(stale):
        path = out_dir / key
        path.unlink(missing_ok=True)
        parent = path.parent
        while parent != out_dir and parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent
    return len(stale)


def _read_manifest(out_dir: Path) -> dict[str, str]:
    """Files the last build wrote, with their digests; empty when there was none."""
    try:
        data = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _write_manifest(out_dir: Path, files: dict[str, str]) -> None:
    """Record what this build wrote, atomically."""
    tmp = out_dir / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(files, indent=0, sort_keys=True), encoding="utf-8")
    os.replace(tmp, out_dir / MANIFEST)

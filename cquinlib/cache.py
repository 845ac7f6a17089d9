"""The build cache: parsed and validated schemes keyed by content, so unchanged files are never parsed twice.

It lives outside the output (default .cache/), and deleting it only costs the next build its speed.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sqlite3
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Iterable, Optional

from .cards import SchemeCard, card_from_plain, card_to_plain
from .diagnostics import Diagnostic, Severity

SCHEMA_VERSION = "4"
_TABLES = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, size INTEGER, mtime INTEGER, digest TEXT);
CREATE TABLE IF NOT EXISTS schemes (path TEXT PRIMARY KEY, key TEXT, card BLOB, card_digest TEXT,
                                    goals_digest TEXT, diagnostics BLOB, scheme BLOB);
"""


@dataclass(frozen=True)
class CachedScheme:
    """A scheme as the cache holds it: its card, its diagnostics, and its full model pickled (None if invalid)."""

    key: str
    card: Optional[SchemeCard]
    card_digest: str
    goals_digest: str
    diagnostics: tuple[Diagnostic, ...]
    scheme_blob: Optional[bytes]


def digest_bytes(*parts: bytes | str) -> str:
    """A short, stable digest of several parts."""
    h = hashlib.blake2b(digest_size=16)
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


class BuildCache:
    """A SQLite file in the cache folder; one connection per process.

    A long-running process (the dev server) may pass `remembered`, a dict it keeps between builds: the cached
    schemes read or stored by one build are then not read again by the next. Entries are checked by their key
    like rows, so an entry another process replaced in the file is simply validated again.
    """

    def __init__(self, cache_dir: Path, code_digest: str,
                 remembered: Optional[dict[str, CachedScheme]] = None) -> None:
        """Open (or start afresh) the cache for this version of the code."""
        cache_dir.mkdir(parents=True, exist_ok=True)
        self.path = cache_dir / "build.sqlite"
        self._db = self._open(code_digest)
        self._remembered = remembered
        # What was remembered belongs to this very file: a file started afresh (other code, or deleted) gets
        # a new generation, and the remembered entries are dropped with it.
        marker = _marker(self._generation())
        if remembered is not None and remembered.get(_MARKER) != marker:
            remembered.clear()
            remembered[_MARKER] = marker

    def _open(self, code_digest: str) -> sqlite3.Connection:
        """Connect, dropping a cache written by other code: its results may differ."""
        try:
            db = sqlite3.connect(self.path)
            db.executescript(_TABLES)
            row = db.execute("SELECT value FROM meta WHERE name = 'code'").fetchone()
        except sqlite3.DatabaseError:
            self.path.unlink(missing_ok=True)
            return self._open(code_digest)
        if row is None or row[0] != SCHEMA_VERSION + code_digest:
            # Dropped, not emptied: another version's tables may have other columns.
            db.executescript("DROP TABLE files; DROP TABLE schemes; DELETE FROM meta;" + _TABLES)
            db.execute("INSERT INTO meta VALUES ('code', ?)", (SCHEMA_VERSION + code_digest,))
            db.execute("INSERT INTO meta VALUES ('generation', ?)", (os.urandom(8).hex(),))
            db.commit()
        return db

    def _generation(self) -> str:
        """A token written when the file was started afresh."""
        row = self._db.execute("SELECT value FROM meta WHERE name = 'generation'").fetchone()
        return str(row[0]) if row else ""

    def file_digests(self, paths: Iterable[Path]) -> dict[Path, str]:
        """Digest of each file's bytes, reading only files whose size or modification time changed."""
        known = {row[0]: row[1:] for row in self._db.execute("SELECT path, size, mtime, digest FROM files")}
        out: dict[Path, str] = {}
        changed = []
        for path in paths:
            st = os.stat(path)
            hit = known.get(str(path))
            if hit is not None and hit[0] == st.st_size and hit[1] == st.st_mtime_ns:
                out[path] = hit[2]
            else:
                out[path] = digest_bytes(path.read_bytes())
                changed.append((str(path), st.st_size, st.st_mtime_ns, out[path]))
        self._db.executemany("INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?)", changed)
        return out

    def schemes(self) -> dict[str, CachedScheme]:
        """Every cached scheme by source path, without their pickled models (loaded on demand)."""
        if self._remembered is not None and len(self._remembered) > 1:
            return {path: entry for path, entry in self._remembered.items() if path != _MARKER}
        rows = self._db.execute("SELECT path, key, card, card_digest, goals_digest, diagnostics FROM schemes")
        found = {path: CachedScheme(key, card_from_plain(marshal.loads(card)) if card else None, card_digest,
                                    goals_digest, _diagnostics(path, marshal.loads(diags)), None)
                 for path, key, card, card_digest, goals_digest, diags in rows}
        if self._remembered is not None:
            self._remembered.update(found)
        return found

    def scheme_blobs(self, paths: Iterable[str]) -> dict[str, bytes]:
        """The pickled full models of these schemes."""
        wanted = list(paths)
        out: dict[str, bytes] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            marks = ",".join("?" * len(chunk))
            for path, blob in self._db.execute(f"SELECT path, scheme FROM schemes WHERE path IN ({marks})", chunk):
                if blob is not None:
                    out[path] = blob
        return out

    def put_schemes(self, entries: Iterable[tuple[str, CachedScheme]]) -> None:
        """Store freshly validated schemes."""
        entries = list(entries)
        if self._remembered is not None:
            self._remembered.update((path, replace(c, scheme_blob=None)) for path, c in entries)
        self._db.executemany("INSERT OR REPLACE INTO schemes VALUES (?, ?, ?, ?, ?, ?, ?)", [
            (path, c.key, marshal.dumps(card_to_plain(c.card)) if c.card else None, c.card_digest, c.goals_digest,
             marshal.dumps(tuple((d.line, d.column, d.field, d.message, d.severity.value) for d in c.diagnostics)),
             c.scheme_blob) for path, c in entries])

    def forget_except(self, paths: set[str]) -> None:
        """Drop cached schemes whose files are gone."""
        gone = [(p,) for (p,) in self._db.execute("SELECT path FROM schemes") if p not in paths]
        if self._remembered is not None:
            for (path,) in gone:
                self._remembered.pop(path, None)
        self._db.executemany("DELETE FROM schemes WHERE path = ?", gone)
        self._db.executemany("DELETE FROM files WHERE path = ?", gone)

    def close(self) -> None:
        """Commit and close."""
        self._db.commit()
        self._db.close()


_MARKER = "\0generation"  # the remembered entries' file generation, under a key no source path can be


def _marker(generation: str) -> CachedScheme:
    """The marker that remembered entries came from this generation of the file."""
    return CachedScheme(generation, None, "", "", (), None)


def digest_values(*parts: bytes | str, values: Any) -> str:
    """digest_bytes of some parts and of plain values (strings, numbers, tuples, lists, dicts, None).

    The values go through marshal's version 2, which writes every string in full with its length: later
    versions write back-references, which depend on how objects happen to be shared in memory, so equal values
    could give different bytes.
    """
    return digest_bytes(*parts, marshal.dumps(values, 2))


def goals_digest(card: Optional[SchemeCard]) -> str:
    """A digest of what a card's goals give related lists and search facets: names, national goals, domains and
    topics. Made once per validated scheme, so a build need not walk every goal of the library to key them."""
    if card is None:
        return ""
    return digest_values(values=[(g.name, g.national, g.domain, g.topics) for g in card.goals])


def card_digest(card: Optional[SchemeCard]) -> str:
    """A digest of what listings show of a scheme."""
    return digest_values(values=card_to_plain(card)) if card else ""


def _diagnostics(src_path: str, rows: tuple[tuple[int, int, str, str, str], ...]) -> tuple[Diagnostic, ...]:
    """Rebuild diagnostics stored as plain tuples (most schemes have none: no path object is made for them)."""
    return tuple(Diagnostic(Path(src_path), line, col, field, message, Severity(sev))
                 for line, col, field, message, sev in rows)

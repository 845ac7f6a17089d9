"""The build cache: parsed and validated schemes keyed by content, so unchanged files are never parsed twice.

It lives outside the output (default .cache/), and deleting it only costs the next build its speed. It is
keyed on the code that fills it (CACHE_CODE): a cache that other code wrote, or a damaged one, is started
afresh with a notice.
"""

from __future__ import annotations

import marshal
import os
import sqlite3
from dataclasses import replace
from pathlib import Path
from typing import Iterable, Optional

from ..core.diagnostics import Diagnostic, Severity
from ..core.digest import code_digest, digest_bytes
from ..library.cards import card_from_plain, card_to_plain
from ..library.validate import CachedScheme

# What a cached scheme is made by: the format, the library's validation and model, and this file's tables.
CACHE_CODE = ("core", "format", "library", "build/cache.py")
_TABLES = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, size INTEGER, mtime INTEGER, digest TEXT);
CREATE TABLE IF NOT EXISTS schemes (path TEXT PRIMARY KEY, key TEXT, card BLOB, card_digest TEXT,
                                    goals_digest TEXT, diagnostics BLOB, scheme BLOB);
"""


def cache_code() -> str:
    """The digest of the code the build cache is keyed on."""
    return code_digest(*CACHE_CODE)


class BuildCache:
    """A SQLite file in the cache folder; one connection per process.

    A long-running process (the dev server) may pass `remembered`, a dict it keeps between builds: the cached
    schemes read or stored by one build are then not read again by the next. Entries are checked by their key
    like rows, so an entry another process replaced in the file is simply validated again.
    """

    def __init__(self, cache_dir: Path, code: Optional[str] = None,
                 remembered: Optional[dict[str, CachedScheme]] = None) -> None:
        """Open (or start afresh) the cache for this code (cache_code() unless given); `notices` says why a cache
        that was there had to be started afresh."""
        cache_dir.mkdir(parents=True, exist_ok=True)
        self.path = cache_dir / "build.sqlite"
        self.notices: list[str] = []
        self._db = self._open(code or cache_code())
        self._remembered = remembered
        # What was remembered belongs to this very file: a file started afresh (other code, or deleted) gets
        # a new generation, and the remembered entries are dropped with it.
        marker = _marker(self._generation())
        if remembered is not None and remembered.get(_MARKER) != marker:
            remembered.clear()
            remembered[_MARKER] = marker

    def _open(self, code: str) -> sqlite3.Connection:
        """Connect, dropping a cache written by other code (its results may differ) or a damaged one."""
        try:
            db = sqlite3.connect(self.path)
            db.executescript(_TABLES)
            row = db.execute("SELECT value FROM meta WHERE name = 'code'").fetchone()
        except sqlite3.DatabaseError as error:
            self.path.unlink(missing_ok=True)
            self.notices.append(f"the build cache {self.path} was damaged ({error}): starting it afresh")
            return self._open(code)
        if row is None or row[0] != code:
            if row is not None:
                self.notices.append(f"the build cache {self.path} was made by other code: starting it afresh")
            # Dropped, not emptied: another version's tables may have other columns.
            db.executescript("DROP TABLE files; DROP TABLE schemes; DELETE FROM meta;" + _TABLES)
            db.execute("INSERT INTO meta VALUES ('code', ?)", (code,))
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


def _diagnostics(src_path: str, rows: tuple[tuple[int, int, str, str, str], ...]) -> tuple[Diagnostic, ...]:
    """Rebuild diagnostics stored as plain tuples (most schemes have none: no path object is made for them)."""
    return tuple(Diagnostic(Path(src_path), line, col, field, message, Severity(sev))
                 for line, col, field, message, sev in rows)

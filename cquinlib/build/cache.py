"""The build cache: parsed and validated schemes keyed by content, so unchanged files are never parsed twice.

It lives outside the output (default .cache/), and deleting it only costs the next build its speed. It is
keyed on the code that fills it (CACHE_CODE): a cache that other code wrote, or a damaged one, is started
afresh with a notice. A row that cannot be read is dropped (its scheme is validated again), with one notice for
them all; a model that fails its digest when a page needs it raises CacheDamaged, and the build starts the
file afresh and runs again. A fault of the file system (disk full, read-only) is a BuildFailed naming the file.
"""

from __future__ import annotations

import functools
import marshal
import os
import re
import sqlite3
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable, Iterable, Optional, TypeVar

from ..core.diagnostics import BuildFailed, Diagnostic, Severity
from ..core.digest import code_digest, digest_bytes
from ..library.cards import card_from_plain, card_to_plain
from ..library.validate import CachedScheme, ModelsNotHeld

# What a cached scheme is made by: the format, the library's validation and model, and this file's tables.
CACHE_CODE = ("core", "format", "library", "build/cache.py")
_TABLES = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, size INTEGER, mtime INTEGER, digest TEXT);
CREATE TABLE IF NOT EXISTS schemes (path TEXT PRIMARY KEY, key TEXT, card BLOB, card_digest TEXT,
                                    goals_digest TEXT, diagnostics BLOB, scheme BLOB, scheme_digest TEXT);
"""
# SQLite's codes for a file that is damaged or is not a database at all; any other error is a fault (disk full,
# read-only, cannot open) that the build reports.
_DAMAGED_CODES = {11, 26}  # SQLITE_CORRUPT, SQLITE_NOTADB
_DIGEST = re.compile(r"[0-9a-f]{32}")
# Waits for another connection (the search verb, a build of an older version) rather than failing at once.
BUSY_TIMEOUT_SECONDS = 60.0
F = TypeVar("F", bound=Callable[..., Any])


class CacheDamaged(Exception):
    """The cache turned out damaged while it was being read: the build runs again, with the file started afresh
    (`whole`) or without the rows that were dropped."""

    def __init__(self, message: str, whole: bool = True) -> None:
        """Say what was damaged, and whether the whole file must go."""
        super().__init__(message)
        self.whole = whole

    def __reduce__(self) -> tuple[type, tuple[str, bool]]:
        """Survive the trip back from a worker process."""
        return (CacheDamaged, (str(self), self.whole))


def _is_damage(error: sqlite3.Error) -> bool:
    """True for an error that says the file is damaged (or not a database), not a fault of the file system."""
    code = getattr(error, "sqlite_errorcode", None)
    return code in _DAMAGED_CODES if code is not None else type(error) is sqlite3.DatabaseError


def _guarded(method: F) -> F:
    """Turn a SQLite error in a cache method into CacheDamaged (a damaged file) or BuildFailed (a fault)."""
    @functools.wraps(method)
    def call(self: BuildCache, *args: Any, **kwargs: Any) -> Any:
        """Call the method, translating SQLite's errors."""
        try:
            return method(self, *args, **kwargs)
        except sqlite3.Error as error:
            if _is_damage(error):
                raise CacheDamaged(str(error)) from error
            raise BuildFailed([Diagnostic(self.path, 1, 1, "", f"the build cache cannot be used: {error}")]) \
                from error
    return call  # type: ignore[return-value]


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
        self.path = cache_dir / "build.sqlite"
        self.notices: list[str] = []
        try:
            cache_dir.mkdir(parents=True, exist_ok=True)
            self._db = self._open(code or cache_code())
        except OSError as error:
            raise BuildFailed([Diagnostic(cache_dir, 1, 1, "", f"cannot use the cache folder: {error.strerror}")]) \
                from error
        self._remembered = remembered
        # What was remembered belongs to this very file: a file started afresh (other code, or deleted) gets
        # a new generation, and the remembered entries are dropped with it.
        marker = _marker(self._generation())
        if remembered is not None and remembered.get(_MARKER) != marker:
            remembered.clear()
            remembered[_MARKER] = marker

    def _open(self, code: str, again: bool = True) -> sqlite3.Connection:
        """Connect, dropping a cache written by other code (its results may differ) or a damaged one; a fault of
        the file system (read-only, full, cannot open) is a BuildFailed naming the file."""
        try:
            db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_SECONDS)
            try:
                db.executescript(_TABLES)
                row = db.execute("SELECT value FROM meta WHERE name = 'code'").fetchone()
                if row is None or row[0] != code:
                    if row is not None:
                        self.notices.append(f"the build cache {self.path} was made by other code: starting it afresh")
                    # Dropped, not emptied: another version's tables may have other columns.
                    db.executescript("DROP TABLE files; DROP TABLE schemes; DELETE FROM meta;" + _TABLES)
                    db.execute("INSERT INTO meta VALUES ('code', ?)", (code,))
                    db.execute("INSERT INTO meta VALUES ('generation', ?)", (os.urandom(8).hex(),))
                    db.commit()
            except BaseException:
                db.close()
                raise
        except sqlite3.Error as error:
            if not (again and _is_damage(error)):
                raise BuildFailed([Diagnostic(self.path, 1, 1, "", f"the build cache cannot be used: {error}")]) \
                    from error
            self.path.unlink(missing_ok=True)
            self.notices.append(f"the build cache {self.path} was damaged ({error}): starting it afresh")
            return self._open(code, again=False)
        return db

    @_guarded
    def _generation(self) -> str:
        """A token written when the file was started afresh."""
        row = self._db.execute("SELECT value FROM meta WHERE name = 'generation'").fetchone()
        return str(row[0]) if row else ""

    def discard(self) -> None:
        """Close and delete the cache file (found damaged): the next BuildCache starts it afresh."""
        self._db.close()
        self.path.unlink(missing_ok=True)
        if self._remembered is not None:
            self._remembered.clear()

    def _dropped(self, what: str, paths: list[str]) -> None:
        """Delete rows that could not be read, with one notice for them."""
        if not paths:
            return
        self._db.executemany("DELETE FROM schemes WHERE path = ?", [(p,) for p in paths])
        self._db.executemany("DELETE FROM files WHERE path = ?", [(p,) for p in paths])
        if self._remembered is not None:
            for path in paths:
                self._remembered.pop(path, None)
        self.notices.append(f"the build cache {self.path} had {len(paths)} {what} that could not be read: "
                            "dropped, and those schemes validated again")

    @_guarded
    def file_digests(self, paths: Iterable[Path]) -> dict[Path, str]:
        """Digest of each file's bytes, reading only files whose size or modification time changed (a row that is
        not a size, a time and a digest is read again)."""
        known = {row[0]: row[1:] for row in self._db.execute("SELECT path, size, mtime, digest FROM files")
                 if type(row[1]) is int and type(row[2]) is int and isinstance(row[3], str) and _DIGEST.fullmatch(row[3])}
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

    @_guarded
    def schemes(self) -> dict[str, CachedScheme]:
        """Every cached scheme by source path, without their pickled models (loaded on demand); rows that cannot
        be read are dropped, so their schemes are validated again."""
        if self._remembered is not None and len(self._remembered) > 1:
            return {path: entry for path, entry in self._remembered.items() if path != _MARKER}
        rows = self._db.execute("SELECT path, key, card, card_digest, goals_digest, diagnostics FROM schemes")
        found: dict[str, CachedScheme] = {}
        unreadable: list[str] = []
        for row in rows:
            entry = _cached_scheme(*row)
            if entry is None:
                unreadable.append(row[0])
            else:
                found[row[0]] = entry
        self._dropped("row(s)", unreadable)
        if self._remembered is not None:
            self._remembered.update(found)
        return found

    @_guarded
    def scheme_blobs(self, paths: Iterable[str]) -> dict[str, bytes]:
        """The pickled full models of these schemes; CacheDamaged when one does not match its digest (its row is
        dropped first, so the build run again validates that scheme afresh)."""
        out, damaged = _read_blobs(self._db, list(paths))
        if damaged:
            self._dropped("model(s)", damaged)
            self._db.commit()
            raise CacheDamaged(f"the stored model of {damaged[0]} does not match its digest", whole=False)
        return out

    @_guarded
    def put_schemes(self, entries: Iterable[tuple[str, CachedScheme]]) -> None:
        """Store freshly validated schemes."""
        entries = list(entries)
        if self._remembered is not None:
            self._remembered.update((path, replace(c, scheme_blob=None)) for path, c in entries)
        self._db.executemany("INSERT OR REPLACE INTO schemes VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [
            (path, c.key, marshal.dumps(card_to_plain(c.card)) if c.card else None, c.card_digest, c.goals_digest,
             marshal.dumps(tuple((d.line, d.column, d.field, d.message, d.severity.value) for d in c.diagnostics)),
             c.scheme_blob, digest_bytes(c.scheme_blob) if c.scheme_blob is not None else None)
            for path, c in entries])

    @_guarded
    def forget_except(self, paths: set[str]) -> None:
        """Drop cached schemes whose files are gone."""
        gone = [(p,) for (p,) in self._db.execute("SELECT path FROM schemes") if p not in paths]
        if self._remembered is not None:
            for (path,) in gone:
                self._remembered.pop(path, None)
        self._db.executemany("DELETE FROM schemes WHERE path = ?", gone)
        self._db.executemany("DELETE FROM files WHERE path = ?", gone)

    @_guarded
    def reader(self) -> ModelReader:
        """A reader of the models for a forked process, this connection's work committed first, so that the
        reader waits on no lock of ours."""
        self._db.commit()
        return ModelReader(self.path)

    def close(self) -> None:
        """Commit and close (a cache already discarded is only closed)."""
        try:
            self._db.commit()
        except sqlite3.ProgrammingError:
            return  # closed by discard()
        except sqlite3.Error as error:
            self._db.close()
            if not _is_damage(error):
                raise BuildFailed([Diagnostic(self.path, 1, 1, "", f"the build cache cannot be saved: {error}")]) \
                    from error
            return
        self._db.close()


class ModelReader:
    """The build cache's models, read through a connection of its own, opened on first use, that only reads: what
    a forked process is given in place of the BuildCache, since a SQLite connection is never used on both sides
    of a fork. Anything amiss (a model failing its digest, an error) is ModelsNotHeld, so that the process holding
    the BuildCache does that work itself, and drops or reports what it must."""

    def __init__(self, path: Path) -> None:
        """Read the cache file at path, when first asked."""
        self.path = path
        self._db: Optional[sqlite3.Connection] = None

    def scheme_blobs(self, paths: Iterable[str]) -> dict[str, bytes]:
        """The pickled full models of these schemes."""
        try:
            if self._db is None:
                self._db = sqlite3.connect(f"{self.path.as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_SECONDS)
            out, damaged = _read_blobs(self._db, list(paths))
        except sqlite3.Error as error:
            raise ModelsNotHeld(f"the build cache could not be read here: {error}") from None
        if damaged:
            raise ModelsNotHeld(f"the stored model of {damaged[0]} does not match its digest")
        return out


def _read_blobs(db: sqlite3.Connection, wanted: list[str]) -> tuple[dict[str, bytes], list[str]]:
    """The stored models of these paths that match their digests, and the paths of those that do not."""
    out: dict[str, bytes] = {}
    damaged: list[str] = []
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        marks = ",".join("?" * len(chunk))
        for path, blob, digest in db.execute(
                f"SELECT path, scheme, scheme_digest FROM schemes WHERE path IN ({marks})", chunk):
            if blob is None:
                continue
            if not isinstance(blob, bytes) or digest != digest_bytes(blob):
                damaged.append(path)
            else:
                out[path] = blob
    return out, damaged


_MARKER = "\0generation"  # the remembered entries' file generation, under a key no source path can be


def _marker(generation: str) -> CachedScheme:
    """The marker that remembered entries came from this generation of the file."""
    return CachedScheme(generation, None, "", "", (), None)


def _cached_scheme(path: Any, key: Any, card: Any, card_digest: Any, goals_digest: Any,
                   diags: Any) -> Optional[CachedScheme]:
    """One row of the schemes table as a cached scheme, or None when any part of it cannot be read."""
    if not (isinstance(path, str) and isinstance(key, str) and isinstance(card_digest, str)
            and isinstance(goals_digest, str) and isinstance(diags, bytes) and (card is None or isinstance(card, bytes))):
        return None
    try:
        return CachedScheme(key, card_from_plain(marshal.loads(card)) if card else None, card_digest, goals_digest,
                            _diagnostics(path, marshal.loads(diags)), None)
    except Exception:  # noqa: BLE001 - a row that does not unmarshal to a card is only a cache miss
        return None


def _diagnostics(src_path: str, rows: tuple[tuple[int, int, str, str, str], ...]) -> tuple[Diagnostic, ...]:
    """Rebuild diagnostics stored as plain tuples (most schemes have none: no path object is made for them)."""
    return tuple(Diagnostic(Path(src_path), line, col, field, message, Severity(sev))
                 for line, col, field, message, sev in rows)

"""Search index: every listed scheme in one whoosh index, kept in a cache folder and updated by content hash;
and the cache folder each schemes folder's search files live in.

The build writes no index (the site and the search verb read the export): update_index makes one on request,
and the tests check the export's statistics, scores and related lists against it.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping, Optional

import whoosh
from whoosh import index as whoosh_index
from whoosh.analysis import Analyzer
from whoosh.fields import ID, KEYWORD, STORED, Schema
from whoosh.reading import SegmentReader
from whoosh.writing import SegmentWriter

from ..library.model import Scheme
from .analysis import SearchAnalyzer
from .document import index_digest
from .terms import FIELD_BOOSTS, INDEXED_FIELDS, LABEL_BOOST, LABEL_FIELD, AnalysedText, DocTerms

DEFAULT_CACHE_DIR = Path(".cache") / "search"
SOURCE_FILE = "SOURCE"
VERSION_FILE = "VERSION"
HELD_FILE = "HELD"  # what the index holds (id: key, digest) at one generation: a build need not read it back
LOCK_TIMEOUT = 120.0
INDEX_FOLDER = "whoosh"  # update_index's folder, inside the library's
_OLD_INDEX_FILES = ("MAIN_", "_MAIN_")  # whoosh's segment and table-of-contents files
SEGMENT_DOCS = 100
SMALL_SEGMENT = 25

SchemeLoader = Callable[[list[str]], Mapping[str, Scheme]]
TermsLoader = Callable[[list[str]], Mapping[str, DocTerms]]


@dataclass(frozen=True)
class IndexUpdate:
    """What bringing the index up to date did."""

    path: Path
    added: tuple[str, ...]
    changed: tuple[str, ...]
    removed: tuple[str, ...]
    unchanged: int
    digests: Mapping[str, str]  # id to the digest the index holds for each listed scheme once updated
    keys: Mapping[str, str]  # id to the key each digest was made from
    notices: tuple[str, ...] = ()  # why the index was started afresh, when it was


def make_analyzer() -> Analyzer:
    """The analyser of every text field (see search_analysis)."""
    return SearchAnalyzer()


def make_schema() -> Schema:
    """Text fields (searched by default, and the similar field related schemes read), facet fields for year:,
    region:, type:, topic:, domain:, national:, and the topic slugs a query word in a topic's name scores on."""
    analyzer = make_analyzer()
    text = {name: AnalysedText(analyzer=analyzer, field_boost=FIELD_BOOSTS[name], phrase=False)
            for name in INDEXED_FIELDS}
    return Schema(id=ID(stored=True, unique=True), digest=STORED(), **text, year=ID, region=ID, type=ID,
                  topic=KEYWORD(lowercase=True), domain=KEYWORD(lowercase=True), national=KEYWORD(lowercase=True),
                  **{LABEL_FIELD: KEYWORD(scorable=True, field_boost=LABEL_BOOST)})


def folder_path(cache_dir: Path, schemes_root: Path) -> Path:
    """One folder per schemes folder, so two libraries built from one place never undo each other."""
    return cache_dir / hashlib.sha256(str(schemes_root.resolve()).encode("utf-8")).hexdigest()[:16]


def index_path(cache_dir: Path, schemes_root: Path) -> Path:
    """Where update_index keeps a library's whoosh index: in the library's folder."""
    return folder_path(cache_dir, schemes_root) / INDEX_FOLDER


def library_folder(cache_dir: Path, schemes_root: Path) -> Path:
    """The folder of a library's search files (the export state, the related lists), made when missing: marked
    with its schemes folder, so that one whose library is gone is removed, and cleared of the whoosh index
    that builds before this one wrote at its top."""
    _prune_orphans(cache_dir)
    path = folder_path(cache_dir, schemes_root)
    path.mkdir(parents=True, exist_ok=True)
    source = path / SOURCE_FILE
    if not source.is_file():
        source.write_text(str(schemes_root.resolve()) + "\n", encoding="utf-8")
    for old in sorted(path.iterdir()):
        if old.is_file() and (old.name.startswith(_OLD_INDEX_FILES) or old.name in (VERSION_FILE, HELD_FILE)):
            old.unlink(missing_ok=True)
    return path


def update_index(schemes_root: Path, keys: Mapping[str, str], load: TermsLoader, code: str,
                 cache_dir: Path = DEFAULT_CACHE_DIR) -> IndexUpdate:
    """Bring a library's index up to date: re-index new and changed schemes, delete gone ones.

    keys maps each listed scheme's id to a digest of everything its document is made from; load gives
    the analysed documents for the ids that need indexing.
    """
    plan = plan_index(schemes_root, keys, code, cache_dir)
    return write_index(plan, load(list(plan.added + plan.changed)))


def plan_index(schemes_root: Path, keys: Mapping[str, str], code: str,
               cache_dir: Path = DEFAULT_CACHE_DIR) -> IndexUpdate:
    """What bringing the index up to date will do; an index that is missing, damaged, or made by other code
    (code: the digest of the modules that make it) is started afresh."""
    library_folder(cache_dir, schemes_root)
    path = index_path(cache_dir, schemes_root)
    ix, notice = _open_or_create(path, schemes_root, code)
    try:
        generation = ix.latest_generation()
        held = _read_held(path, generation)
        if held is None:
            with ix.searcher() as searcher:
                held = {f["id"]: ("", f.get("digest")) for f in searcher.reader().all_stored_fields()}
            _write_held(path, generation, held)
    finally:
        ix.close()
    # A document whose key the index holds already keeps its digest: no need to hash every key on every build.
    digests = {sid: held[sid][1] if held.get(sid, ("",))[0] == key else index_digest(key) for sid, key in keys.items()}
    added = tuple(sorted(set(digests) - set(held)))
    changed = tuple(sorted(s for s in set(digests) & set(held) if digests[s] != held[s][1]))
    removed = tuple(sorted(set(held) - set(digests)))
    return IndexUpdate(path, added, changed, removed, len(digests) - len(added) - len(changed), digests, dict(keys),
                       (notice,) if notice else ())


def write_index(plan: IndexUpdate, documents: Mapping[str, DocTerms]) -> IndexUpdate:
    """Carry out a plan, given the analysed documents it adds; return the plan."""
    if plan.added or plan.changed or plan.removed:
        ix = whoosh_index.open_dir(str(plan.path))
        try:
            _write(ix, plan.added + plan.changed, plan.changed + plan.removed, documents)
            _write_held(plan.path, ix.latest_generation(),
                        {sid: (plan.keys[sid], digest) for sid, digest in plan.digests.items()})
        finally:
            ix.close()
    return plan


def _read_held(path: Path, generation: int) -> Optional[dict[str, tuple[str, str]]]:
    """What the index holds, if it was recorded at this generation of the index (else None)."""
    try:
        recorded, held = marshal.loads((path / HELD_FILE).read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        return None
    return held if recorded == generation and isinstance(held, dict) else None  # type: ignore[no-any-return]


def _write_held(path: Path, generation: int, held: Mapping[str, tuple[str, str]]) -> None:
    """Record what the index holds at a generation (written whole, then renamed into place)."""
    tmp = path / f"{HELD_FILE}.{os.getpid()}.tmp"
    tmp.write_bytes(marshal.dumps((generation, dict(held))))
    os.replace(tmp, path / HELD_FILE)


def _write(ix: whoosh_index.Index, to_add: tuple[str, ...], to_delete: tuple[str, ...],
           documents: Mapping[str, DocTerms]) -> None:
    """Delete and add documents, SEGMENT_DOCS to a segment, and rewrite every segment that lost one.

    Whoosh keeps deleted documents in its term statistics until their segment is rewritten, and those
    statistics are in every score. So each commit folds segments with deletions (and small ones) into its new
    segment, as many as keep it near SEGMENT_DOCS documents, and further commits fold the rest: no segment
    keeps a deletion, an edit rewrites one segment of the index rather than all of it, and however large a
    change was, no segment grows past about twice SEGMENT_DOCS, so the next edit stays small. New documents
    are always added as themselves, never folded in from another segment.
    """
    batches = [list(to_add[n:n + SEGMENT_DOCS]) for n in range(0, len(to_add), SEGMENT_DOCS)] or [[]]
    more = [True]
    for number, batch in enumerate(batches):
        writer = ix.writer(timeout=LOCK_TIMEOUT, limitmb=256)
        try:
            for sid in (to_delete if number == 0 else ()):
                writer.delete_by_term("id", sid)
            for sid in batch:
                writer.add_document(**documents[sid].whoosh_fields())
        except BaseException:
            writer.cancel()
            raise
        room = SEGMENT_DOCS - len(batch)
        writer.commit(mergetype=lambda w, segments: _fold_some(w, segments, room, more))
    while more[0]:
        ix.writer(timeout=LOCK_TIMEOUT, limitmb=256).commit(
            mergetype=lambda w, segments: _fold_some(w, segments, SEGMENT_DOCS, more))


def _fold_some(writer: SegmentWriter, segments: list[Any], room: int, more: list[bool]) -> list[Any]:
    """A whoosh merge policy: fold segments with deleted documents, then small ones, into the new segment, while
    they fit in room documents (at least one, so each commit makes progress); more[0] says whether another
    commit has any left to fold."""
    dirty = [s for s in segments if s.has_deletions()]
    small = [s for s in segments if not s.has_deletions() and s.doc_count_all() < SMALL_SEGMENT]
    folding = dirty + small if dirty or len(small) > 1 else []
    taken: list[Any] = []
    for segment in folding:
        if taken and sum(s.doc_count() for s in taken) + segment.doc_count() > room:
            break
        taken.append(segment)
    for segment in taken:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        writer.add_reader(reader)
        reader.close()
    left = [s for s in segments if s not in taken]
    more[0] = any(s.has_deletions() for s in left) or sum(s.doc_count_all() < SMALL_SEGMENT for s in left) > 1
    return left


def _open_or_create(path: Path, schemes_root: Path, code: str) -> tuple[whoosh_index.Index, str]:
    """Open the cached index, or start a new one when it is missing, made by other code or unreadable; the second
    value says why it was started afresh ('' when it was opened, or there was none)."""
    version = f"{code} whoosh {whoosh.versionstring()}\n"
    marker = path / VERSION_FILE
    notice = ""
    if marker.is_file():
        notice = f"the search index in {path} was made by other code: rebuilding it"
        # Compared before whoosh reads anything: another layout's index unpickles classes that no longer exist.
        if marker.read_text(encoding="utf-8", errors="replace") == version:
            try:
                return whoosh_index.open_dir(str(path)), ""
            except Exception as error:  # noqa: BLE001 - a damaged cache is only a cache: rebuild it from the library
                notice = f"the search index in {path} is damaged ({type(error).__name__}): rebuilding it"
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    ix = whoosh_index.create_in(str(path), make_schema())
    (path / SOURCE_FILE).write_text(str(schemes_root.resolve()) + "\n", encoding="utf-8")
    marker.write_text(version, encoding="utf-8")
    return ix, notice


def _prune_orphans(cache_dir: Path) -> None:
    """Remove cached indexes of schemes folders that no longer exist (old temporary libraries)."""
    if not cache_dir.is_dir():
        return
    for child in sorted(cache_dir.iterdir()):
        source = child / SOURCE_FILE
        if source.is_file() and not Path(source.read_text(encoding="utf-8").strip()).is_dir():
            shutil.rmtree(child, ignore_errors=True)



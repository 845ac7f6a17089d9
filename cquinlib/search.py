"""Search index: every listed scheme in one whoosh index, kept in a cache folder and updated by content hash."""

from __future__ import annotations

import hashlib
import marshal
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, Optional, Protocol

import whoosh
from whoosh import index as whoosh_index
from whoosh.analysis import Analyzer
from whoosh.fields import ID, KEYWORD, STORED, Schema
from whoosh.reading import SegmentReader
from whoosh.writing import NO_MERGE, SegmentWriter

from .model import DOMAIN_NAMES, TYPE_NAMES, Goal, Indicator, Region, Scheme, Topic, Year
from .search_analysis import SearchAnalyzer
from .search_terms import FIELD_BOOSTS, TEXT_FIELDS, AnalysedText, DocTerms, analyse_document

DEFAULT_CACHE_DIR = Path(".cache") / "search"
# Bump when the schema, the analyser or what goes into a document changes: old caches are then rebuilt.
INDEX_VERSION = "2"
SOURCE_FILE = "SOURCE"
VERSION_FILE = "VERSION"
HELD_FILE = "HELD"  # what the index holds (id: key, digest) at one generation: a build need not read it back
LOCK_TIMEOUT = 120.0
SEGMENT_DOCS = 100
SMALL_SEGMENT = 25

if TYPE_CHECKING:  # the query parser is loaded only to search, not to build
    from whoosh.qparser import MultifieldParser
    from whoosh.query import Query

SchemeLoader = Callable[[list[str]], Mapping[str, Scheme]]
TermsLoader = Callable[[list[str]], Mapping[str, DocTerms]]


class GoalLike(Protocol):
    """A goal or a goal card: what a goal's heading is made of."""

    @property
    def name(self) -> str:
        """The goal's name."""

    @property
    def national(self) -> str:
        """The id of the national goal it adopts, or ''."""

    @property
    def topics(self) -> tuple[str, ...]:
        """Its topic slugs."""


@dataclass(frozen=True)
class Labels:
    """Names of years, regions and topics, and each year's national goals."""

    years: Mapping[str, Year]
    regions: Mapping[str, str]
    topics: Mapping[str, str]

    @classmethod
    def of(cls, regions: Iterable[Region], topics: Iterable[Topic], years: Iterable[Year]) -> "Labels":
        """Labels from the library's shared files."""
        return cls({y.slug: y for y in years}, {r.slug: r.name for r in regions}, {t.slug: t.name for t in topics})

    def year_label(self, year: str) -> str:
        """'2010/11' for '2010-11'."""
        return self.years[year].label if year in self.years else year


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


@dataclass(frozen=True)
class Hit:
    """One ranked scheme."""

    id: str
    score: float


def make_analyzer() -> Analyzer:
    """The analyser of every text field (see search_analysis)."""
    return SearchAnalyzer()


def make_schema() -> Schema:
    """Text fields searched by default, facet fields for year:, region:, type:, topic:, domain:, national:."""
    analyzer = make_analyzer()
    text = {name: AnalysedText(analyzer=analyzer, field_boost=FIELD_BOOSTS[name]) for name in TEXT_FIELDS}
    return Schema(id=ID(stored=True, unique=True), digest=STORED(), **text, year=ID, region=ID, type=ID,
                  topic=KEYWORD(lowercase=True), domain=KEYWORD(lowercase=True), national=KEYWORD(lowercase=True))


def query_parser(schema: Schema) -> MultifieldParser:
    """Every word must match somewhere in the text fields; fields can be named (year:2019-20)."""
    from whoosh.qparser import MultifieldParser
    return MultifieldParser(list(TEXT_FIELDS), schema)


def goal_heading(labels: Labels, year: str, goal: GoalLike) -> str:
    """A goal's name, the national goal it adopts and its topics: the words that say what it is about."""
    national = labels.years[year].national_goal(goal.national) if year in labels.years and goal.national else None
    return "\n".join([goal.name, national.name if national else ""] + [labels.topics.get(t, t) for t in goal.topics])


def goal_detail(goal: Goal) -> str:
    """A goal's description, quality domain and its indicators' text."""
    parts = [goal.description, DOMAIN_NAMES.get(goal.domain, "")] + [_indicator_text(i) for i in goal.indicators]
    return "\n".join(parts)


def _indicator_text(indicator: Indicator) -> str:
    """The words of an indicator: its name and every text field of the template."""
    return "\n".join([indicator.name, indicator.description, indicator.numerator, indicator.denominator,
                      indicator.rationale, indicator.data_source, indicator.collection_frequency,
                      indicator.collected_by, indicator.reporting_frequency, indicator.partial_achievement])


def scheme_document(scheme: Scheme, labels: Labels) -> dict[str, str]:
    """The fields indexed for a scheme (never its contact: that is private)."""
    body = [scheme.summary, TYPE_NAMES.get(scheme.provider_type, ""), labels.year_label(scheme.year),
            labels.regions.get(scheme.region, scheme.region)]
    return {
        "id": scheme.id, "title": scheme.title, "provider": f"{scheme.provider_name} {scheme.provider_code}".strip(),
        "commissioners": "\n".join(f"{c.name} {c.code}".strip() for c in scheme.commissioners),
        "goals": "\n".join(goal_heading(labels, scheme.year, g) for g in scheme.goals),
        "body": "\n".join(body + [goal_detail(g) for g in scheme.goals]),
        "year": scheme.year, "region": scheme.region, "type": scheme.provider_type,
        "topic": " ".join(sorted({t for g in scheme.goals for t in g.topics})),
        "domain": " ".join(sorted({g.domain for g in scheme.goals if g.domain})),
        "national": " ".join(sorted({"national" if g.national else "local" for g in scheme.goals})),
    }


def scheme_terms(scheme: Scheme, labels: Labels, key: str, analyzer: SearchAnalyzer) -> DocTerms:
    """A scheme's analysed document; key is a digest of everything it is made from."""
    return analyse_document(scheme_document(scheme, labels), index_digest(key), analyzer)


def index_digest(key: str) -> str:
    """The digest the index keeps for a document made from `key`."""
    return hashlib.sha256(f"{INDEX_VERSION}\0{key}".encode("utf-8")).hexdigest()


def index_path(cache_dir: Path, schemes_root: Path) -> Path:
    """One index per schemes folder, so two libraries built from one place never undo each other."""
    return cache_dir / hashlib.sha256(str(schemes_root.resolve()).encode("utf-8")).hexdigest()[:16]


def update_index(schemes_root: Path, keys: Mapping[str, str], load: TermsLoader,
                 cache_dir: Path = DEFAULT_CACHE_DIR) -> IndexUpdate:
    """Bring a library's index up to date: re-index new and changed schemes, delete gone ones.

    keys maps each listed scheme's id to a digest of everything its document is made from; load gives
    the analysed documents for the ids that need indexing.
    """
    plan = plan_index(schemes_root, keys, cache_dir)
    return write_index(plan, load(list(plan.added + plan.changed)))


def plan_index(schemes_root: Path, keys: Mapping[str, str], cache_dir: Path = DEFAULT_CACHE_DIR) -> IndexUpdate:
    """What bringing the index up to date will do (a missing or outdated index is started afresh)."""
    path = index_path(cache_dir, schemes_root)
    _prune_orphans(cache_dir)
    ix = _open_or_create(path, schemes_root)
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
    return IndexUpdate(path, added, changed, removed, len(digests) - len(added) - len(changed), digests, dict(keys))


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
    """Delete and add documents, SEGMENT_DOCS to a segment.

    Whoosh keeps deleted documents in its term statistics until their segment is rewritten, and those
    statistics are in every score. So the first commit rewrites each segment that lost a document (with the
    small ones); no segment ever keeps a deletion, scores equal a fresh build's, and an edit rewrites one
    segment of the index rather than all of it.
    """
    batches = [list(to_add[n:n + SEGMENT_DOCS]) for n in range(0, len(to_add), SEGMENT_DOCS)] or [[]]
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
        writer.commit(mergetype=_merge_dirty if number == 0 else NO_MERGE)


def _merge_dirty(writer: SegmentWriter, segments: list[Any]) -> list[Any]:
    """A whoosh merge policy: fold segments with deleted documents, and small ones, into the new segment."""
    kept = []
    for segment in segments:
        if segment.has_deletions() or segment.doc_count_all() < SMALL_SEGMENT:
            reader = SegmentReader(writer.storage, writer.schema, segment)
            writer.add_reader(reader)
            reader.close()
        else:
            kept.append(segment)
    return kept


def _open_or_create(path: Path, schemes_root: Path) -> whoosh_index.Index:
    """Open the cached index, or start a new one when it is missing, of another version or unreadable."""
    version = f"{INDEX_VERSION} whoosh {whoosh.versionstring()}\n"
    marker = path / VERSION_FILE
    if marker.is_file() and marker.read_text(encoding="utf-8") == version and whoosh_index.exists_in(str(path)):
        try:
            return whoosh_index.open_dir(str(path))
        except Exception:  # noqa: BLE001 - a damaged cache is only a cache: rebuild it from the library
            pass
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    ix = whoosh_index.create_in(str(path), make_schema())
    (path / SOURCE_FILE).write_text(str(schemes_root.resolve()) + "\n", encoding="utf-8")
    marker.write_text(version, encoding="utf-8")
    return ix


def _prune_orphans(cache_dir: Path) -> None:
    """Remove cached indexes of schemes folders that no longer exist (old temporary libraries)."""
    if not cache_dir.is_dir():
        return
    for child in sorted(cache_dir.iterdir()):
        source = child / SOURCE_FILE
        if source.is_file() and not Path(source.read_text(encoding="utf-8").strip()).is_dir():
            shutil.rmtree(child, ignore_errors=True)


def search(path: Path, text: str, limit: Optional[int] = None) -> tuple[list[Hit], frozenset[str]]:
    """Schemes matching a query, best first (equal scores in id order), and the stems the query looks for."""
    ix = whoosh_index.open_dir(str(path))
    try:
        query = query_parser(ix.schema).parse(text)
        with ix.searcher() as searcher:
            results = searcher.search(query, limit=None)
            hits = sorted((Hit(r["id"], r.score) for r in results), key=lambda h: (-h.score, h.id))
    finally:
        ix.close()
    return (hits if limit is None else hits[:limit]), query_stems(query)


def query_stems(query: Query) -> frozenset[str]:
    """The analysed words a query looks for in the text fields."""
    return frozenset(t.decode("utf-8") if isinstance(t, bytes) else str(t)
                     for field, t in query.iter_all_terms() if field in TEXT_FIELDS)


def best_goal(scheme: Scheme, labels: Labels, stems: frozenset[str]) -> Optional[Goal]:
    """The goal that mentions most of the query's words, its name, national goal and topics counting double."""
    analyzer = make_analyzer()

    def hits(text: str) -> int:
        """Query words in a text."""
        return len(stems & {t.text for t in analyzer(text)})

    scored = [(2 * hits(goal_heading(labels, scheme.year, g)) + hits(goal_detail(g)), -n, g)
              for n, g in enumerate(scheme.goals)]
    best = max(scored, key=lambda item: item[:2], default=None)
    return best[2] if best and best[0] > 0 else None

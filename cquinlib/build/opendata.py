"""The open data of a build: every built scheme's rows of the indicator table and lines of the downloads, kept
between builds by the scheme's validation key, so an edit makes its own scheme's data again and no other.

The comparisons and downloads need each scheme in full (baselines, targets, values), which listings never load;
made afresh for every scheme, a build of a large library would unpickle and serialise all of it on every edit.

The cache (CACHE/open-data/) is kept by financial year, since a scheme's id begins with its year and the
downloads list schemes in id order: each year has its schemes' entries (YEAR.rows.pickle, read by every build:
each scheme's key, the size of its part of each download, its goals' percentage targets, and its rows pickled on
their own, so that a build unpickles only the rows of the pages it renders), and its part of each download
(YEAR.DIGEST.schemes.csv and so on), which the downloads are written from, block by block, and which an edit splits back into its
schemes' parts to join them again with the edited one's. A large library's downloads are hundreds of
megabytes: an edit reads and rewrites one year's part, and no build holds them whole. Every file is stamped
with the code that makes it and the site's address (the downloads give full addresses), and a year's with a
digest of its schemes' keys; a file from other code, or one that cannot be read, is made again, with one notice.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Iterable, NamedTuple, Optional

from ..core.digest import code_digest, digest_bytes
from ..core.parallel import run_parallel
from ..library.catalog import Catalog
from ..library import urls
from ..library.downloads import (DOWNLOADS, Address, SchemeBytes, SchemeData, scheme_bytes, scheme_data,
                                 split_year_chunks, year_chunks)
from ..library.indicators import GoalTargets, IndicatorRow, goal_targets, rows_by_goal
from ..library.model import Scheme, Year
from ..library.shared import SharedContext
from ..library.validate import Analysis, ValidatedLibrary

# What the data is made by: the model, the indicator table and the downloads' declarations all live in library.
OPEN_DATA_CODE = ("core", "format", "library", "build/opendata.py")
FILE_NAME = "open-data"  # the cache's folder
OPEN_DATA_ANALYSIS = "open data"  # open_data_analysis's name among validation's analyses
# Fewer schemes than this are made in this process: forking costs more than it saves for an edit's few.
PARALLEL_SCHEMES = 200

Chunk = Callable[[str], bytes]  # one year's part of a download, by the download's URL


class TableRows:
    """The indicator table as pages read it, goal by goal: each built scheme's rows, held as made or kept pickled
    until a page reads them, and each goal's percentage targets, which a topic's summary reads for thousands of
    schemes. Unpickled whole, a large library's table took over a second of every edit."""

    def __init__(self) -> None:
        """An empty table."""
        self.status: dict[str, str] = {}
        self.made: dict[str, tuple[IndicatorRow, ...]] = {}
        self.pickled: dict[str, bytes] = {}
        self.targets: dict[str, dict[str, GoalTargets]] = {}
        self.by_goal: dict[str, dict[str, tuple[IndicatorRow, ...]]] = {}  # each scheme's, once a page read it

    def add(self, scheme_id: str, status: str, targets: dict[str, GoalTargets],
            rows: Optional[tuple[IndicatorRow, ...]] = None, pickled: bytes = b"") -> None:
        """Hold a scheme's rows (as made, or pickled) and its goals' targets."""
        self.status[scheme_id], self.targets[scheme_id] = status, targets
        if rows is not None:
            self.made[scheme_id] = rows
        else:
            self.pickled[scheme_id] = pickled

    def listed_count(self) -> int:
        """How many rows the listed schemes have."""
        return sum(len(goal.percents) for sid, status in self.status.items() if status == "published"
                   for goal in self.targets[sid].values())

    def goal_rows(self, scheme_id: str, goal_number: str) -> tuple[IndicatorRow, ...]:
        """A listed scheme's rows of one goal, in indicator order (none for a scheme that is not listed)."""
        if self.status.get(scheme_id) != "published":
            return ()
        goals = self.by_goal.get(scheme_id)
        if goals is None:
            rows = self.made.get(scheme_id)
            if rows is None:
                rows = pickle.loads(self.pickled[scheme_id])
            goals = self.by_goal[scheme_id] = rows_by_goal(rows)
        return goals.get(goal_number, ())

    def goal_targets(self, scheme_id: str, goal_number: str) -> GoalTargets:
        """The percentage targets of those rows (none for a scheme that is not listed)."""
        if self.status.get(scheme_id) == "published" and goal_number in self.targets[scheme_id]:
            return self.targets[scheme_id][goal_number]
        return GoalTargets(scheme_id, goal_number, scheme_id.partition("/")[0], ())


class OpenData(NamedTuple):
    """A build's open data: the indicator table (every built scheme's rows), each year's part of the downloads (in
    year order), the key of the downloads made from them (equal keys, equal bytes), and any notice about the
    cache."""

    rows: TableRows
    chunks: tuple[Chunk, ...]
    key: str
    notices: tuple[str, ...]


def open_data_analysis(address: Address) -> Analysis:
    """Validation's analysis (by the name OPEN_DATA_ANALYSIS) that makes each built scheme's open data as it is
    validated, on every core and with the model in hand: made afterwards, a cold build loaded every model again."""
    def make(shared: SharedContext) -> Callable[[Scheme, str], Optional[SchemeData]]:
        """The analysis of one worker."""
        def analyse(scheme: Scheme, key: str) -> Optional[SchemeData]:
            """A scheme's open data; none for a draft, which no download holds."""
            return None if scheme.status == "draft" else scheme_data(scheme, shared.year(scheme.year), address)
        return analyse
    return make


class _YearPlan(NamedTuple):
    """One year's schemes (built ones, by id), their keys, and the digest naming the year's files."""

    slug: str
    ids: tuple[str, ...]
    digest: str


def open_data(library: ValidatedLibrary, catalog: Catalog, address: Address, cache_dir: Optional[Path]) -> OpenData:
    """Every built scheme's open data, from the cache where its key is unchanged, year by year."""
    keys = library.scheme_keys
    stamp = digest_bytes(code_digest(*OPEN_DATA_CODE), address("/"))
    plans = _year_plans(sorted(c.id for c in catalog.built), keys, stamp)
    folder = cache_dir / FILE_NAME if cache_dir is not None else None
    store = _Store(folder, stamp)
    kept = {plan.slug: store.rows(plan) for plan in plans}
    todo = [sid for plan in plans for sid in plan.ids if kept[plan.slug].get(sid, ("",))[0] != keys[sid]]
    years = {y.slug: y for y in catalog.years}
    fresh = library.analysed.get(OPEN_DATA_ANALYSIS, {})  # made by this very validation, for this address
    made = {sid: fresh[sid] for sid in todo if sid in fresh}
    made.update(_make(library, [sid for sid in todo if sid not in made], years, address))
    table = TableRows()
    chunks: list[Chunk] = []
    for plan in plans:
        entries = kept[plan.slug]
        if all(sid not in made for sid in plan.ids) and set(entries) == set(plan.ids) and store.has_chunks(plan):
            chunks.append(store.chunk(plan))
        else:
            old = store.parts(plan.slug, entries)
            missing = [sid for sid in plan.ids if sid not in made and sid not in old]
            made.update(_make(library, missing, years, address))
            parts = [scheme_bytes(made[sid]) if sid in made else old[sid] for sid in plan.ids]
            entries = {sid: _entry(keys[sid], made[sid], part, store.folder is not None) if sid in made
                       else entries[sid] for sid, part in zip(plan.ids, parts)}
            chunks.append(store.save(plan, entries, parts))
        for sid in plan.ids:
            _, status, _, targets, pickled = entries[sid]
            table.add(sid, status, targets, made[sid].rows if sid in made else None, pickled)
    store.forget_except(plans)
    # A scheme's data is made from its scheme and year alone, which its validation key covers (its status too).
    key = digest_bytes(stamp, *[plan.digest for plan in plans])
    return OpenData(table, tuple(chunks), key, store.notices())


def _entry(key: str, data: SchemeData, part: SchemeBytes, kept: bool) -> tuple[Any, ...]:
    """What is kept of a scheme made afresh: (key, status, sizes of its part of each download, its goals'
    targets, its rows pickled, or nothing when nothing is kept)."""
    pickled = pickle.dumps(data.rows, protocol=pickle.HIGHEST_PROTOCOL) if kept else b""
    return (key, part.status, part.sizes, goal_targets(data.rows), pickled)


def _year_plans(ids: list[str], keys: dict[str, str], stamp: str) -> list[_YearPlan]:
    """The built schemes grouped by year (ids begin with it), in id order."""
    by_year: dict[str, list[str]] = {}
    for sid in ids:
        by_year.setdefault(sid.partition("/")[0], []).append(sid)
    return [_YearPlan(slug, tuple(group), digest_bytes(stamp, *[f"{sid} {keys[sid]}" for sid in group]))
            for slug, group in by_year.items()]


class _Making(NamedTuple):
    """What workers making open data share: the schemes' pickled models, the years by slug, the address."""

    blobs: dict[str, bytes]
    years: dict[str, Year]
    address: Address


def _make(library: ValidatedLibrary, todo: list[str], years: dict[str, Year],
          address: Address) -> dict[str, SchemeData]:
    """The open data of these schemes, on every core when they are many (schemes validated afresh have theirs
    made by validation already: these are the rest, as after the cache was deleted)."""
    if not todo:
        return {}
    # Models are read here, not in the workers, which must not share this process's connection to the cache.
    making = _Making(library.blobs(todo), years, address)
    return dict(zip(todo, run_parallel(_scheme_data, making, todo, min_items=PARALLEL_SCHEMES)))


def _scheme_data(making: _Making, scheme_id: str) -> SchemeData:
    """One scheme's open data, from its pickled model."""
    scheme: Scheme = pickle.loads(making.blobs[scheme_id])
    return scheme_data(scheme, making.years.get(scheme.year), making.address)


class _Store:
    """The cache's folder (none: everything is kept in memory for this build alone)."""

    def __init__(self, folder: Optional[Path], stamp: str) -> None:
        """Use this folder for data made by this code for this address."""
        self.folder, self.stamp = folder, stamp
        self.damaged: list[str] = []
        self.digests: dict[str, str] = {}  # each year's digest as its kept files were last made, by slug

    def rows(self, plan: _YearPlan) -> dict[str, Any]:
        """What is kept of a year's schemes, by id: (key, status, sizes, targets, rows pickled; see _entry).
        Entries of a year whose schemes changed since are still used, each checked by its own key."""
        self.digests.pop(plan.slug, None)
        if self.folder is None:
            return {}
        name = f"{plan.slug}.rows.pickle"
        try:
            with open(self.folder / name, "rb") as file:
                saved = pickle.load(file)
        except FileNotFoundError:
            return {}
        except Exception as error:  # noqa: BLE001 - a damaged cache of any kind costs only its speed
            self.damaged.append(f"{name} ({type(error).__name__})")
            return {}
        if not (isinstance(saved, tuple) and len(saved) == 3 and saved[0] == self.stamp and isinstance(saved[2], dict)):
            return {}
        self.digests[plan.slug] = saved[1]
        return saved[2]

    def parts(self, slug: str, entries: dict[str, Any]) -> dict[str, SchemeBytes]:
        """Each kept scheme's part of the downloads, split out of the year's parts as they were last kept
        (none when those files are gone or do not match what is kept of the year)."""
        digest = self.digests.get(slug)
        if self.folder is None or digest is None or not entries:
            return {}
        ids = sorted(entries)
        try:
            chunks = {d.url: (self.folder / _chunk_name(slug, digest, d.url)).read_bytes() for d in DOWNLOADS}
        except OSError:
            return {}
        split = split_year_chunks(chunks, [(entries[sid][1], entries[sid][2]) for sid in ids])
        if split is None:
            self.damaged.append(f"{_chunk_name(slug, digest, urls.SCHEMES_JSON)} and its like (not as kept)")
            return {}
        return dict(zip(ids, split))

    def _chunk_path(self, plan: _YearPlan, url: str) -> Path:
        """Where a year's part of a download is kept, named by the year's digest."""
        assert self.folder is not None
        return self.folder / _chunk_name(plan.slug, plan.digest, url)

    def has_chunks(self, plan: _YearPlan) -> bool:
        """Whether the year's parts of the downloads are kept for its schemes as they are."""
        return self.folder is not None and all(self._chunk_path(plan, d.url).is_file() for d in DOWNLOADS)

    def chunk(self, plan: _YearPlan) -> Chunk:
        """A year's kept part of each download, read when the download is written."""
        paths = {d.url: self._chunk_path(plan, d.url) for d in DOWNLOADS}
        return lambda url: paths[url].read_bytes()

    def save(self, plan: _YearPlan, entries: dict[str, Any], parts: list[SchemeBytes]) -> Chunk:
        """Keep a year's entries and its parts of the downloads (nothing kept without a folder); the parts."""
        chunks = year_chunks(parts)
        if self.folder is None:
            return chunks.__getitem__
        self.folder.mkdir(parents=True, exist_ok=True)
        for url, chunk in chunks.items():
            _replace(self._chunk_path(plan, url), chunk)
        _replace(self.folder / f"{plan.slug}.rows.pickle",
                 pickle.dumps((self.stamp, plan.digest, entries), protocol=pickle.HIGHEST_PROTOCOL))
        return self.chunk(plan)

    def forget_except(self, plans: Iterable[_YearPlan]) -> None:
        """Delete the files of years no built scheme is in any more, and parts of the downloads made for schemes
        as they no longer are (the files of this version of the cache only)."""
        if self.folder is None or not self.folder.is_dir():
            return
        wanted = {p.slug: p for p in plans}
        for path in sorted(self.folder.iterdir()):
            year, _, rest = path.name.partition(".")
            plan = wanted.get(year)
            if rest == "rows.pickle":
                keep = plan is not None
            elif rest.endswith(tuple(PurePosixPath(d.url).name for d in DOWNLOADS)):
                keep = plan is not None and rest.startswith(plan.digest[:20] + ".")
            else:
                keep = False  # a file left part-written, or a shard of the older layout (NN.pickle)
            if not keep and path.is_file():
                path.unlink(missing_ok=True)

    def notices(self) -> tuple[str, ...]:
        """One notice for every file that could not be read."""
        if not self.damaged:
            return ()
        return (f"{self.folder} could not be read ({', '.join(self.damaged)}), so that open data was made afresh",)


def _chunk_name(slug: str, digest: str, url: str) -> str:
    """The name of a year's part of a download, for the year's schemes as its digest says they were."""
    return f"{slug}.{digest[:20]}.{PurePosixPath(url).name}"


def _replace(path: Path, data: bytes) -> None:
    """Write a file whole, then move it into place, so a build killed meanwhile leaves the old file or none."""
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(data)
    os.replace(partial, path)

"""The one validation path: every scheme checked in its place in the library, for check, build, serve and search.

A scheme's result is keyed on its bytes, its place, its attachment folder and what its year is checked against
(SharedContext.digests); with a store (the build cache) a scheme whose key is unchanged is not read again, and
with many to do the work is spread over the cores. Neither changes what a scheme's validation gives: every rule
test runs through here too.
"""

from __future__ import annotations

import os
import pickle
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Optional, Protocol

from ..core.diagnostics import Diagnostic, Severity, suggest
from ..core.digest import digest_bytes, file_digest
from ..core.parallel import run_parallel
from ..core.progress import Progress
from ..format.rules import region_findings, scheme_findings
from ..format.shapes import Finding, check_shape
from ..format.spec import SCHEME
from .attachments import attachment_findings
from .cards import SchemeCard, card_digest, card_of, goals_digest
from .convert import to_scheme
from .load import LibraryScan, SchemePath, SchemeSource, load_scheme, scan_library
from .model import Library, Region, Scheme, Topic, Year
from .shared import SharedContext, to_diagnostics, validate_shared


@dataclass(frozen=True)
class CachedScheme:
    """A scheme's validation as a store holds it: card and digests, diagnostics, the full model pickled (None when
    invalid, or not loaded yet)."""

    key: str
    card: Optional[SchemeCard]
    card_digest: str
    goals_digest: str
    diagnostics: tuple[Diagnostic, ...]
    scheme_blob: Optional[bytes]


class ModelStore(Protocol):
    """Where the pickled models of validated schemes can be read."""

    def scheme_blobs(self, paths: Iterable[str]) -> dict[str, bytes]:
        """The pickled full models of these schemes."""


class SchemeStore(ModelStore, Protocol):
    """Where validated schemes are kept between runs (the build cache implements it)."""

    def file_digests(self, paths: Iterable[Path]) -> dict[Path, str]:
        """Digest of each file's bytes."""

    def schemes(self) -> dict[str, CachedScheme]:
        """Every stored scheme by source path, without its pickled model."""

    def put_schemes(self, entries: Iterable[tuple[str, CachedScheme]]) -> None:
        """Store freshly validated schemes."""

    def forget_except(self, paths: set[str]) -> None:
        """Drop stored schemes whose files are gone."""


# Made once per worker from the shared context, then called for each valid scheme with its key: extra work (the
# build's search analysis and open data) done where the scheme is already in memory. None means nothing made.
Analysis = Callable[[SharedContext], Callable[[Scheme, str], Any]]


@dataclass(frozen=True)
class ValidateOptions:
    """How to validate: through a store or from scratch, on every core or in this process, with analyses (each
    by its name)."""

    store: Optional[SchemeStore] = None
    parallel: bool = True
    progress: Optional[Progress] = None
    analyses: Mapping[str, Analysis] = field(default_factory=dict)


@dataclass(frozen=True)
class SchemeEntry:
    """What a build keys on for one valid scheme: its validation key and its card's digests."""

    key: str
    card_digest: str
    goals_digest: str


@dataclass(frozen=True)
class ValidatedLibrary:
    """A validated library as its users need it: cards for listings, entries for keys, full schemes on demand."""

    root: Path
    regions: tuple[Region, ...]
    topics: tuple[Topic, ...]
    years: tuple[Year, ...]
    cards: tuple[SchemeCard, ...]  # every valid scheme, drafts too, in the scan's order
    entries: Mapping[str, SchemeEntry]  # by scheme id
    diagnostics: tuple[Diagnostic, ...]
    fresh_blobs: Mapping[str, bytes]  # pickled models validated in this run, by source path
    analysed: Mapping[str, Mapping[str, Any]]  # what each of options.analyses made, by its name, then by scheme id
    store: Optional[ModelStore] = field(default=None, repr=False, compare=False)
    synonyms: tuple[tuple[str, ...], ...] = ()  # the groups of _synonyms.yaml

    @cached_property
    def card_digests(self) -> dict[str, str]:
        """The digest of what listings show of each valid scheme, by id."""
        return {sid: e.card_digest for sid, e in self.entries.items()}

    @cached_property
    def goal_digests(self) -> dict[str, str]:
        """The digest of each valid scheme's goals (names, national goals, domains, topics), by id."""
        return {sid: e.goals_digest for sid, e in self.entries.items()}

    @cached_property
    def scheme_keys(self) -> dict[str, str]:
        """Each valid scheme's validation key, by id."""
        return {sid: e.key for sid, e in self.entries.items()}

    @cached_property
    def _src_paths(self) -> dict[str, str]:
        """Each valid scheme's source path, by id."""
        return {c.id: c.src_path for c in self.cards}

    def schemes(self, ids: Iterable[str]) -> dict[str, Scheme]:
        """The full models of some valid schemes: from this run, else from the store."""
        return {sid: pickle.loads(blob) for sid, blob in self.blobs(ids).items()}

    def blobs(self, ids: Iterable[str]) -> dict[str, bytes]:
        """The pickled full models of some valid schemes, by id."""
        wanted = {sid: self._src_paths[sid] for sid in ids}
        found = {p: self.fresh_blobs[p] for p in wanted.values() if p in self.fresh_blobs}
        missing = sorted(set(wanted.values()) - set(found))
        if missing and self.store is not None:
            found.update(self.store.scheme_blobs(missing))
        elif missing:
            raise ModelsNotHeld(f"{len(missing)} scheme model(s), {missing[0]} first, are in no store")
        return {sid: found[path] for sid, path in wanted.items()}

    def library(self) -> Library:
        """The whole model: every valid scheme in full."""
        by_id = self.schemes([c.id for c in self.cards])
        return Library(self.root, self.regions, self.topics, self.years, tuple(by_id[c.id] for c in self.cards))


def load_library(root: Path, options: ValidateOptions = ValidateOptions()) -> tuple[Library, tuple[Diagnostic, ...]]:
    """Scan and validate a schemes folder; the full model of every valid scheme, and every diagnostic."""
    validated = validate_library(scan_library(root), options)
    return validated.library(), validated.diagnostics


def validate_library(scan: LibraryScan, options: ValidateOptions = ValidateOptions()) -> ValidatedLibrary:
    """Validate the shared files, then every scheme: from the store where its key matches, else afresh."""
    diagnostics: list[Diagnostic] = list(scan.layout)
    shared = validate_shared(scan.regions, scan.topics, scan.years, diagnostics, scan.synonyms)
    store = options.store
    digests = store.file_digests([p.src_path for p in scan.schemes]) if store else {
        p.src_path: file_digest(p.src_path) for p in scan.schemes}
    contexts = shared.digests(p.year for p in scan.schemes)
    cached = store.schemes() if store else {}
    results: dict[str, CachedScheme] = {}
    tasks = []
    for path in scan.schemes:
        key = _scheme_key(path, digests[path.src_path], contexts[path.year])
        hit = cached.get(str(path.src_path))
        if hit is not None and hit.key == key:
            results[str(path.src_path)] = hit
        else:
            tasks.append(_Task(path, key))
    tick = options.progress.stage("validating") if options.progress else None
    context = _Context(shared, tuple((name, make(shared)) for name, make in sorted(options.analyses.items())))
    done = run_parallel(_validate_task, context, tasks, progress=tick, workers=None if options.parallel else 1)
    fresh = {path: entry for path, entry, _ in done}
    if store is not None:
        store.put_schemes(fresh.items())
        store.forget_except({str(p.src_path) for p in scan.schemes})
    results.update(fresh)
    analysed: dict[str, dict[str, Any]] = {name: {} for name in options.analyses}
    for _, entry, made in done:
        for name, result in made.items():
            if entry.card is not None:
                analysed[name][entry.card.id] = result
    return _assemble(scan, shared, results, diagnostics, analysed, store)


def validate_scheme(source: SchemeSource, regions: Optional[dict[str, Region]], topics: Optional[frozenset[str]],
                    year: Optional[Year], out: list[Diagnostic]) -> Optional[Scheme]:
    """Check one scheme file in its place in the library; return its model when it is valid."""
    file = source.file
    if file.data is None and file.problems:
        out.extend(to_diagnostics(file, []))
        return None
    findings = check_shape(file.data, SCHEME)
    findings += _placement_findings(source, regions)
    if isinstance(file.data, dict):
        findings += scheme_findings(file.data, topics, year)
        findings += region_findings(source.region, file.data)
        findings += attachment_findings(file.data.get("attachments"), file.src_path, source.folder,
                                        source.folder_refused)
    out.extend(to_diagnostics(file, findings))
    if file.problems or any(f.severity is Severity.ERROR for f in findings) or year is None:
        return None
    return to_scheme(source, file.data, year)


def _placement_findings(source: SchemeSource, regions: Optional[dict[str, Region]]) -> list[Finding]:
    """A scheme's region, from its folder, must exist and have existed in its year."""
    if regions is None:
        return []
    region = regions.get(source.region)
    if region is None:
        hint = suggest(source.region, regions)
        return [Finding(("region",), f"folder '{source.region}' is not a region in _regions.yaml{hint}")]
    if not region.existed_in(source.year):
        span = f"{region.first_year or 'the start'} to {region.last_year or 'now'}"
        return [Finding(("region",), f"{region.name} existed from {span}, not in {source.year}: "
                                     "move the file to the region of its year")]
    return []


class ModelsNotHeld(LookupError):
    """Models were wanted that this run did not validate and no store could give (none given, or a reader in a
    forked process that found the stored model amiss)."""


@dataclass(frozen=True)
class _Context:
    """What every worker needs: the shared files, and its own analyses (made once per worker), by name."""

    shared: SharedContext
    analyses: tuple[tuple[str, Callable[[Scheme, str], Any]], ...]


@dataclass(frozen=True)
class _Task:
    """One scheme to validate, and the key its result is stored under."""

    path: SchemePath
    key: str


def _validate_task(context: _Context, task: _Task) -> tuple[str, CachedScheme, dict[str, Any]]:
    """Parse and validate one scheme, and analyse it when it is valid (in a worker process when many)."""
    out: list[Diagnostic] = []
    shared = context.shared
    scheme = validate_scheme(load_scheme(task.path), shared.region_map, shared.topic_slugs,
                             shared.year(task.path.year), out)
    card = card_of(scheme) if scheme is not None else None
    blob = pickle.dumps(scheme, protocol=pickle.HIGHEST_PROTOCOL) if scheme is not None else None
    made = {}
    for name, analyse in context.analyses if scheme is not None else ():
        result = analyse(scheme, task.key)
        if result is not None:
            made[name] = result
    entry = CachedScheme(task.key, card, card_digest(card), goals_digest(card), tuple(out), blob)
    return str(task.path.src_path), entry, made


def _assemble(scan: LibraryScan, shared: SharedContext, results: dict[str, CachedScheme],
              diagnostics: list[Diagnostic], analysed: dict[str, dict[str, Any]],
              store: Optional[SchemeStore]) -> ValidatedLibrary:
    """Put validated schemes together in the scan's order."""
    cards, entries, blobs = [], {}, {}
    for path in scan.schemes:
        result = results[str(path.src_path)]
        diagnostics.extend(result.diagnostics)
        if result.card is None:
            continue
        cards.append(result.card)
        entries[result.card.id] = SchemeEntry(result.key, result.card_digest, result.goals_digest)
        if result.scheme_blob is not None:
            blobs[str(path.src_path)] = result.scheme_blob
    return ValidatedLibrary(scan.root, shared.regions, shared.topics, shared.years, tuple(cards), entries,
                            tuple(sorted(diagnostics)), blobs, analysed, store, shared.synonyms)


def _scheme_key(path: SchemePath, digest: str, context: str) -> str:
    """What a scheme's validation depends on: its bytes and place, what its year is checked against, and the
    names, sizes and times of its attachment folder's files."""
    listing = _folder_listing(path.folder) if path.folder is not None else ""
    return digest_bytes(str(path.src_path), digest, context, f"{path.folder}:{path.folder_refused}", listing)


def _folder_listing(folder: Path) -> str:
    """Names, sizes and times of the files in a scheme's attachment folder (its real path)."""
    entries = []
    for root, dirs, files in os.walk(folder, followlinks=False):
        dirs.sort()
        for name in sorted(files):
            path = Path(root) / name
            try:
                st = path.stat()
            except OSError:
                continue
            entries.append(f"{path.relative_to(folder)}:{st.st_size}:{st.st_mtime_ns}")
    return "\n".join(entries)

"""Read and validate a library, reusing the cache for every scheme whose file and context are unchanged."""

from __future__ import annotations

import os
import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from .cache import BuildCache, CachedScheme, card_digest, digest_bytes, goals_digest
from .cards import SchemeCard, card_of
from .diagnostics import Diagnostic
from .load import LibraryScan, SchemePath, load_scheme
from .model import Region, Topic, Year
from .parallel import run_parallel
from .progress import Progress
from .search import Labels, scheme_terms
from .search_analysis import SearchAnalyzer
from .search_terms import DocTerms
from .validate import SharedContext, validate_scheme, validate_shared


@dataclass(frozen=True)
class Sources:
    """A validated library as the build needs it: cards for listings, digests for dependencies."""

    regions: tuple[Region, ...]
    topics: tuple[Topic, ...]
    years: tuple[Year, ...]
    cards: tuple[SchemeCard, ...]
    card_digests: dict[str, str]
    goal_digests: dict[str, str]
    scheme_keys: dict[str, str]
    shared_digest: str
    diagnostics: tuple[Diagnostic, ...]
    fresh_blobs: dict[str, bytes]
    fresh_terms: dict[str, DocTerms]


@dataclass(frozen=True)
class _Context:
    """What every worker needs: the shared files, their labels for search, and an analyser of its own."""

    shared: SharedContext
    labels: Labels
    analyzer: SearchAnalyzer


@dataclass(frozen=True)
class _Task:
    """One scheme to validate, and the cache key its result is stored under."""

    path: SchemePath
    key: str


def validate_sources(scan: LibraryScan, cache: Optional[BuildCache], progress: Optional[Progress] = None) -> Sources:
    """Validate the shared files, then every scheme: from the cache where its key matches, else afresh."""
    diagnostics: list[Diagnostic] = list(scan.layout)
    shared = validate_shared(scan.regions, scan.topics, scan.years, diagnostics)
    shared_files = [f.src_path for f in (scan.regions, scan.topics) if f] + [
        y.file.src_path for y in scan.years if y.file]
    digests = _file_digests(cache, [p.src_path for p in scan.schemes] + shared_files)
    shared_digest = digest_bytes(*(f"{p}:{digests[p]}" for p in shared_files))
    cached = cache.schemes() if cache else {}
    results: dict[str, CachedScheme] = {}
    tasks = []
    for path in scan.schemes:
        key = _scheme_key(path, digests, shared_digest)
        hit = cached.get(str(path.src_path))
        if hit is not None and hit.key == key:
            results[str(path.src_path)] = hit
        else:
            tasks.append(_Task(path, key))
    tick = progress.stage("validating") if progress else None
    context = _Context(shared, Labels.of(shared.regions, shared.topics, shared.years), SearchAnalyzer())
    done = run_parallel(_validate_task, context, tasks, progress=tick)
    fresh = {path: entry for path, entry, _ in done}
    if cache is not None:
        cache.put_schemes(fresh.items())
        cache.forget_except({str(p.src_path) for p in scan.schemes})
    results.update(fresh)
    terms = {t.id: t for _, _, t in done if t is not None}
    return _assemble(shared, results, scan, shared_digest, diagnostics, terms)


def _assemble(shared: SharedContext, results: dict[str, CachedScheme], scan: LibraryScan, shared_digest: str,
              diagnostics: list[Diagnostic], terms: dict[str, DocTerms]) -> Sources:
    """Put validated schemes together in the scan's order."""
    cards, card_digests, goal_digests, scheme_keys, blobs = [], {}, {}, {}, {}
    for path in scan.schemes:
        entry = results[str(path.src_path)]
        diagnostics.extend(entry.diagnostics)
        if entry.card is None:
            continue
        cards.append(entry.card)
        card_digests[entry.card.id] = entry.card_digest
        goal_digests[entry.card.id] = entry.goals_digest
        scheme_keys[entry.card.id] = entry.key
        if entry.scheme_blob is not None:
            blobs[str(path.src_path)] = entry.scheme_blob
    return Sources(shared.regions, shared.topics, shared.years, tuple(cards), card_digests, goal_digests, scheme_keys,
                   shared_digest, tuple(sorted(diagnostics)), blobs, terms)


def _file_digests(cache: Optional[BuildCache], paths: list[Path]) -> dict[Path, str]:
    """Digests of files' bytes, through the cache when there is one."""
    if cache is not None:
        return cache.file_digests(paths)
    return {p: digest_bytes(p.read_bytes()) for p in paths}


def _scheme_key(path: SchemePath, digests: dict[Path, str], shared_digest: str) -> str:
    """What a scheme's validation depends on: its bytes and place, the shared files, its attachment folder."""
    listing = _folder_listing(path.src_path) if path.has_folder else ""
    return digest_bytes(str(path.src_path), digests[path.src_path], shared_digest, listing)


def _folder_listing(src_path: Path) -> str:
    """Names, sizes and times of the files in a scheme's attachment folder."""
    folder = src_path.with_suffix("")
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


def _validate_task(context: _Context, task: _Task) -> tuple[str, CachedScheme, Optional[DocTerms]]:
    """Parse and validate one scheme, and analyse it for search when it is listed; runs in a worker process
    during a cold build."""
    out: list[Diagnostic] = []
    shared = context.shared
    scheme = validate_scheme(load_scheme(task.path), shared.region_map, shared.topic_slugs,
                             shared.year(task.path.year), out)
    card = card_of(scheme) if scheme is not None else None
    blob = pickle.dumps(scheme, protocol=pickle.HIGHEST_PROTOCOL) if scheme is not None else None
    terms = scheme_terms(scheme, context.labels, task.key, context.analyzer) if scheme and scheme.listed else None
    return str(task.path.src_path), CachedScheme(task.key, card, card_digest(card), goals_digest(card), tuple(out),
                                                   blob), terms

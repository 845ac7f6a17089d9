"""The search stage of a build: update the index, then export it and find related schemes, reusing the last result."""

from __future__ import annotations

import json
import os
import pickle
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Mapping, Optional

from .cache import BuildCache, digest_bytes
from .cards import SchemeCard, card_of, card_to_plain
from .model import Library, Scheme
from .search import DEFAULT_CACHE_DIR, INDEX_VERSION, IndexUpdate, Labels, SchemeLoader, update_index
from .search_export import FORMAT_VERSION, export_search
from .search_related import RELATED_COUNT, RELATED_TERMS, goals_text, related_schemes
from .sources import Sources
from .write import OutputFile

RELATED = "related.json"
EXPORT_URLS = "export-urls.json"


@dataclass(frozen=True)
class SearchSource:
    """What search needs of a validated library: cards of every built scheme, a change key per listed scheme,
    and a way to load the full schemes that must be (re)indexed."""

    root: Path
    labels: Labels
    cards: tuple[SchemeCard, ...]
    keys: Mapping[str, str]
    load: SchemeLoader

    @property
    def listed(self) -> tuple[SchemeCard, ...]:
        """Cards of the schemes search finds: published ones only."""
        return tuple(c for c in self.cards if c.listed)


@dataclass(frozen=True)
class SearchBuild:
    """Everything the site needs from search: related schemes per page and the exported files.

    The exported files carry export_key as their dependency key, like pages: when the site already holds
    the files of the last export made from the same inputs (export_urls), the build keeps them and never
    calls make_export.
    """

    update: IndexUpdate
    related: dict[str, tuple[str, ...]]
    export_key: str
    export_urls: Optional[tuple[str, ...]]
    make_export: Callable[[], tuple[OutputFile, ...]]


def source_from_library(library: Library) -> SearchSource:
    """A search source for a fully loaded library (the change key is the indexed text itself)."""
    labels = Labels.of(library.regions, library.topics, library.years)
    by_id = {s.id: s for s in library.built_schemes}
    keys = {s.id: digest_bytes(pickle.dumps(s, protocol=4), repr(labels)) for s in library.listed_schemes}
    return SearchSource(library.root, labels, tuple(card_of(s) for s in library.built_schemes), keys,
                        lambda ids: {i: by_id[i] for i in ids})


def source_from_sources(root: Path, sources: Sources, cache: Optional[BuildCache]) -> SearchSource:
    """A search source for the build's sources: a scheme's key covers its file, the shared files and its folder."""
    cards = tuple(c for c in sources.cards if c.status != "draft")
    paths = {c.id: c.src_path for c in cards}

    def load(ids: list[str]) -> dict[str, Scheme]:
        """Full schemes from this run's fresh blobs, else from the build cache."""
        blobs = {p: sources.fresh_blobs[p] for p in (paths[i] for i in ids) if p in sources.fresh_blobs}
        missing = [paths[i] for i in ids if paths[i] not in blobs]
        if missing and cache is not None:
            blobs.update(cache.scheme_blobs(missing))
        return {i: pickle.loads(blobs[paths[i]]) for i in ids}

    labels = Labels.of(sources.regions, sources.topics, sources.years)
    return SearchSource(root, labels, cards, {c.id: sources.scheme_keys[c.id] for c in cards if c.listed}, load)


def build_search(source: SearchSource, cache_dir: Optional[Path] = DEFAULT_CACHE_DIR) -> SearchBuild:
    """Update the index; export it and find related schemes unless nothing they are made from changed."""
    if cache_dir is None:
        with tempfile.TemporaryDirectory(prefix="cquin-search-") as scratch:
            build = _build(source, Path(scratch))
            outputs = build.make_export()  # the index is gone once the scratch folder is
            return replace(build, export_urls=None, make_export=lambda: outputs)
    return _build(source, cache_dir)


def _build(source: SearchSource, cache_dir: Path) -> SearchBuild:
    """build_search with a cache folder."""
    update = update_index(source.root, source.keys, source.load, source.labels, cache_dir)
    related_key, export_key = related_key_of(source), export_key_of(source)
    related = _read_json(update.path / RELATED, related_key)
    if related is None:
        related = related_schemes(update.path, source.cards, source.labels)
        _write_json(update.path / RELATED, related_key, related)
    urls = _read_json(update.path / EXPORT_URLS, export_key)

    def make_export() -> tuple[OutputFile, ...]:
        """Export the index, remembering which files this export made."""
        outputs = tuple(replace(o, key=export_key) for o in export_search(update.path, source.listed, source.labels))
        _write_json(update.path / EXPORT_URLS, export_key, [o.url for o in outputs])
        return outputs

    return SearchBuild(update, {k: tuple(v) for k, v in related.items()}, export_key,
                       tuple(urls) if urls is not None else None, make_export)


def related_key_of(source: SearchSource) -> str:
    """A digest of what related lists are made from: the goal headings of every scheme, and which are listed.

    Related schemes read the goals field alone, so an edit elsewhere in a scheme keeps every list as it was.
    """
    return digest_bytes(INDEX_VERSION, f"{RELATED_COUNT}:{RELATED_TERMS}", *(
        f"{c.id}\0{c.listed}\0{goals_text(c, source.labels)}" for c in sorted(source.cards, key=lambda c: c.id)))


def export_key_of(source: SearchSource) -> str:
    """A digest of everything the exported files are made from."""
    return digest_bytes(INDEX_VERSION, str(FORMAT_VERSION), repr(sorted(source.keys.items())), repr(source.labels),
                        *(repr(card_to_plain(c)) for c in sorted(source.listed, key=lambda c: c.id)))


def _read_json(path: Path, key: str) -> Optional[dict[str, Any]]:
    """A value saved with _write_json under the same key, or None."""
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
        return saved["value"] if saved.get("key") == key else None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _write_json(path: Path, key: str, value: Any) -> None:
    """Save a value with the key it was made for; a cache that cannot be written is skipped."""
    try:
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"key": key, "value": value}, sort_keys=True), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass


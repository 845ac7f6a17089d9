"""The search stage of a build: update the export state, find related schemes, list the files.

Everything here is keyed on the code that makes it (SEARCH_CODE): a change to the analyser or the export's
format starts the statistics and the related lists afresh. The build writes no whoosh index: the site and the
search verb read the export alone, and writing an index nothing read took a core for ten seconds of a large
library's cold build. search.index still makes one on request (the tests prove the export equals it).
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping, Optional

from ..core.digest import code_digest, digest_values
from ..core.parallel import run_parallel
from ..library.cards import SchemeCard
from ..library.model import Scheme
from ..library.shared import SharedContext
from ..library.validate import ValidatedLibrary
from .analysis import SearchAnalyzer
from .document import Labels, document_key, index_digest, scheme_terms
from .terms import DocTerms

if TYPE_CHECKING:
    from .export import SearchFile
    from .index import SchemeLoader, TermsLoader

RELATED = "related.json"
SEARCH_ANALYSIS = "search"  # the name validation_analysis goes by among validation's analyses
# The subpackages whose code makes the index, its statistics, the export and the related lists.
SEARCH_CODE = ("core", "format", "library", "search")


@dataclass(frozen=True)
class SearchSource:
    """What search needs of a validated library: cards of every built scheme, a document key per listed scheme,
    digests of the cards, ways to load the full or analysed schemes that must be (re)indexed, and the digest
    of the code that makes the index."""

    root: Path
    labels: Labels
    cards: tuple[SchemeCard, ...]
    keys: Mapping[str, str]
    card_keys: Mapping[str, str]
    goal_digests: Mapping[str, str]  # id to goals_digest(card)
    load: SchemeLoader
    terms: TermsLoader
    code: str

    @property
    def listed(self) -> tuple[SchemeCard, ...]:
        """Cards of the schemes search finds: published ones only."""
        return tuple(c for c in self.cards if c.listed)


@dataclass(frozen=True)
class SearchBuild:
    """Everything the site needs from search: related schemes per page and the exported files (made lazily)."""

    related: dict[str, tuple[str, ...]]
    files: tuple[SearchFile, ...]
    notices: tuple[str, ...] = ()  # why a cache of search files was started afresh, when one was


def search_code() -> str:
    """The digest of the code the search caches are keyed on."""
    return code_digest(*SEARCH_CODE)


def validation_analysis(shared: SharedContext) -> Callable[[Scheme, str], Optional[DocTerms]]:
    """The analysis the validation path runs on each scheme it validates (validate's Analysis hook, under the name
    SEARCH_ANALYSIS), making a document for each listed one: analysis is most of what indexing costs, and there
    the scheme is in memory already, on every core."""
    labels = Labels.of(shared.regions, shared.topics, shared.years)
    analyzer = SearchAnalyzer()

    def analyse(scheme: Scheme, key: str) -> Optional[DocTerms]:
        """The scheme's analysed document, for its document key; none for a scheme search does not list."""
        if not scheme.listed:
            return None
        return scheme_terms(scheme, labels, document_key(scheme, labels, key), analyzer)

    return analyse


def source_of(validated: ValidatedLibrary) -> SearchSource:
    """A search source for a validated library: a document is keyed on its scheme's validation key and on the
    names it takes from the shared files."""
    cards = tuple(c for c in validated.cards if c.status != "draft")
    labels = Labels.of(validated.regions, validated.topics, validated.years, validated.synonyms)
    keys = {c.id: document_key(c, labels, validated.scheme_keys[c.id]) for c in cards if c.listed}
    return SearchSource(validated.root, labels, cards, keys, validated.card_digests, validated.goal_digests,
                        validated.schemes,
                        _analyser(validated.schemes, keys, labels, validated.analysed.get(SEARCH_ANALYSIS, {})),
                        search_code())


def _analyser(load: SchemeLoader, keys: Mapping[str, str], labels: Labels,
              fresh: Mapping[str, DocTerms]) -> TermsLoader:
    """Analysed documents: those this run made already, else loaded and analysed (on every core when many)."""
    def terms(ids: list[str]) -> dict[str, DocTerms]:
        """Analysed documents for ids."""
        found = {i: fresh[i] for i in ids if i in fresh and fresh[i].digest == index_digest(keys[i])}
        missing = [i for i in ids if i not in found]
        schemes = load(missing)
        made = run_parallel(_analyse, (labels, SearchAnalyzer()), [(schemes[i], keys[i]) for i in missing])
        found.update(zip(missing, made))
        return found

    return terms


def _analyse(context: tuple[Labels, SearchAnalyzer], item: tuple[Scheme, str]) -> DocTerms:
    """One scheme's analysed document (in a worker when there are many; each keeps one analyser, and so one
    stem cache, for all its schemes)."""
    labels, analyzer = context
    return scheme_terms(item[0], labels, item[1], analyzer)


def build_search(source: SearchSource, cache_dir: Optional[Path]) -> SearchBuild:
    """Update the export state; find related schemes unless what they are made from is unchanged; list the
    exported files (with no cache folder, in a scratch folder that goes once they are made)."""
    if cache_dir is None:
        with tempfile.TemporaryDirectory(prefix="cquin-search-") as scratch:
            return _build(source, Path(scratch))
    return _build(source, cache_dir)


def _build(source: SearchSource, cache_dir: Path) -> SearchBuild:
    """build_search with a cache folder."""
    # Imported here, not with the module: validation takes only the analysis from this module, and a build runs
    # the rest in a forked process of its own (build.searching), where loading them (a sixteenth of a second,
    # most of it whoosh's query and reading modules) goes on beside the build rather than before it.
    from .export import export_files
    from .index import library_folder
    from .related import related_schemes
    from .state import doc_stats, update_state

    folder = library_folder(cache_dir, source.root)
    digests = {sid: index_digest(key) for sid, key in source.keys.items()}
    notices: list[str] = []
    state = update_state(folder, digests, lambda ids: {
        i: doc_stats(t) for i, t in source.terms(ids).items()}, source.code, notices)
    related_key = related_key_of(source)
    related = _read_json(folder / RELATED, related_key)
    if related is None:
        related = related_schemes(state, source.cards)
        _write_json(folder / RELATED, related_key, related)
    files = export_files(state, {c.id: c for c in source.listed}, source.card_keys, source.goal_digests,
                         source.labels, source.code)
    return SearchBuild({k: tuple(v) for k, v in related.items()}, tuple(files), tuple(notices))


def related_key_of(source: SearchSource) -> str:
    """A digest of what related lists are made from: every scheme's goals (by their digest, which covers names,
    national goals and topics), which schemes are listed, and the code.

    Related schemes read the similar field alone, which holds no name from the shared files: an edit elsewhere in
    a scheme, or a topic renamed, keeps every list as it was.
    """
    from .related import RELATED_COUNT, RELATED_TERMS

    # Status stands for listed; the id holds the year. Each card's goals digest was made when it was validated.
    parts = [part for c in sorted(source.cards, key=lambda c: c.id)
             for part in (c.id, c.status, source.goal_digests[c.id])]
    return digest_values(source.code, f"{RELATED_COUNT}:{RELATED_TERMS}", values=parts)


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


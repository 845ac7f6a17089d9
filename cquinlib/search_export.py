"""Static export of the whoosh index for the search page: a tiny manifest, then shards fetched only when needed.

Every file but the manifest is gzip-compressed JSON without whitespace (the script inflates it, so it
stays small on any host). Under /search/:

- m.json: document count, stop words, minimum word length, score levels, first word of each vocabulary shard;
- v/N.gz: a run of the sorted surface words seen in the corpus, with each word's stem, the postings file
  holding that stem and its document frequency (so the browser stems exactly as whoosh did, and can
  complete a prefix and suggest a spelling);
- p/N.gz: postings for a run of stems: per stem its top score, the document ids as gaps and each
  document's score quantised against that top score (whoosh's own BM25F score summed over the text fields);
- d/N.gz: one scheme's card (title, year, region, provider type, goals), fetched only for shown results;
- f.gz: facet values and, per document, its year, region, provider type, topics and domains.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from whoosh import index as whoosh_index
from whoosh.analysis import STOP_WORDS
from whoosh.searching import Searcher

from .cards import SchemeCard
from .model import DOMAIN_NAMES, TYPE_NAMES
from .search import TEXT_FIELDS, Labels
from .search_analysis import MIN_WORD, stemming_analyzer
from .write import OutputFile

SEARCH_URL = "/search/"
FORMAT_VERSION = 1
SCORE_LEVELS = 255
VOCAB_SHARD_CHARS = 12_000
POSTINGS_SHARD_CHARS = 6_000
CODE_BASE = 48  # facet columns store value n as the character chr(48 + n): '0', '1', ...


@dataclass(frozen=True)
class Postings:
    """One stem's documents (export ids, ascending) and their scores."""

    stem: str
    docs: tuple[int, ...]
    scores: tuple[float, ...]


def export_search(index_dir: Path, cards: Iterable[SchemeCard], labels: Labels) -> list[OutputFile]:
    """Every file of the static search index, in a stable order: cards are the listed schemes."""
    schemes = sorted(cards, key=lambda c: c.id)
    postings, words = read_index(index_dir, {s.id: n for n, s in enumerate(schemes)})
    stems = {p.stem: p for p in postings}
    entries = {p.stem: _dumps(_postings_entry(p)) for p in postings}
    postings_files = _pack(sorted(entries), lambda stem: len(stem) + len(entries[stem]), POSTINGS_SHARD_CHARS)
    file_of = {stem: n for n, group in enumerate(postings_files) for stem in group}
    vocab_files = _pack(sorted(words), lambda w: 2 * len(w) + 12, VOCAB_SHARD_CHARS)
    outputs = [_json_file("m.json", _dumps(_manifest(len(schemes), vocab_files)), compress=False)]
    outputs += [_json_file(f"v/{n}.gz", _dumps(_vocab_shard(group, words, file_of, stems)))
                for n, group in enumerate(vocab_files)]
    # A postings file is the JSON object of its stems, in sorted order, joined from entries dumped once.
    outputs += [_json_file(f"p/{n}.gz", "{" + ",".join(f"{_dumps(stem)}:{entries[stem]}" for stem in group) + "}")
                for n, group in enumerate(postings_files)]
    outputs += [_json_file(f"d/{n}.gz", _dumps(scheme_card(s, labels))) for n, s in enumerate(schemes)]
    outputs.append(_json_file("f.gz", _dumps(facet_table(schemes, labels))))
    return outputs


def read_index(index_dir: Path, numbers: dict[str, int]) -> tuple[list[Postings], dict[str, str]]:
    """Per stem, whoosh's BM25F score for each document summed over the text fields (as an Or query sums
    them); and every surface word of the indexed text with the stem the index holds for it."""
    ix = whoosh_index.open_dir(str(index_dir))
    try:
        with ix.searcher() as searcher:
            reader = searcher.reader()
            stored = list(reader.iter_docs())
            export_id = {docnum: numbers[fields["id"]] for docnum, fields in stored}
            totals: dict[str, dict[int, float]] = {}
            for field in TEXT_FIELDS:
                _add_field_scores(searcher, field, export_id, totals)
    finally:
        ix.close()
    postings = [Postings(stem, tuple(sorted(acc)), tuple(acc[d] for d in sorted(acc)))
                for stem, acc in sorted(totals.items()) if acc]
    surface = sorted({w for _, fields in stored for w in str(fields.get("words", "")).split()})
    stem = stemming_analyzer()
    return postings, {w: next((t.text for t in stem(w)), w) for w in surface}


def _add_field_scores(searcher: Searcher, field: str, export_id: dict[int, int],
                      totals: dict[str, dict[int, float]]) -> None:
    """Add each document's score for each term of one field, as whoosh's own scorer gives it.

    This is what a Term query's matcher computes (the scorer's score of the posting's weight and the
    document's field length), read in bulk: a matcher call per posting takes twice as long.
    """
    reader = searcher.reader()
    lengths = [searcher.doc_field_length(d, field) for d in range(reader.doc_count_all())]
    for term in reader.lexicon(field):
        acc = totals.setdefault(term.decode("utf-8") if isinstance(term, bytes) else str(term), {})
        score = searcher.weighting.scorer(searcher, field, term)._score
        for docnum, weight in reader.postings(field, term).items_as("weight"):
            doc = export_id.get(docnum)
            if doc is not None:  # never None: the index keeps no deleted documents (see search._write)
                acc[doc] = acc.get(doc, 0.0) + score(weight, lengths[docnum])


def stem_code(word: str, stem: str) -> str:
    """How to get the stem from the word: '' when equal, else letters to drop then letters to add ('6', '1i')."""
    if stem == word:
        return ""
    common = len(_common_prefix(word, stem))
    added = stem[common:]
    return f"={stem}" if added[:1].isdigit() else f"{len(word) - common}{added}"


def _common_prefix(a: str, b: str) -> str:
    """The longest common prefix of two strings."""
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


def _postings_entry(postings: Postings) -> list[Any]:
    """[top score, document gaps, quantised scores]: gaps and small integers compress well."""
    top = max(postings.scores)
    gaps = [d - p for d, p in zip(postings.docs, (0,) + postings.docs[:-1])]
    levels = [max(1, round(s / top * SCORE_LEVELS)) for s in postings.scores]
    return [float(f"{top:.6g}"), gaps, levels]


def _vocab_shard(words: list[str], stems: dict[str, str], file_of: dict[str, int],
                 postings: dict[str, Postings]) -> dict[str, list[Any]]:
    """Columns for a run of sorted words: the word, its stem code, its stem's postings file and frequency."""
    return {"w": words, "s": [stem_code(w, stems[w]) for w in words],
            "p": [file_of.get(stems[w], -1) for w in words],
            "n": [len(postings[stems[w]].docs) if stems[w] in postings else 0 for w in words]}


def _manifest(documents: int, vocab_files: list[list[str]]) -> dict[str, Any]:
    """What the script needs before it fetches anything else."""
    return {"v": FORMAT_VERSION, "n": documents, "min": MIN_WORD, "q": SCORE_LEVELS,
            "stop": sorted(STOP_WORDS), "vocab": [group[0] for group in vocab_files]}


def _pack(keys: list[str], cost: Callable[[str], int], budget: int) -> list[list[str]]:
    """Split sorted keys into runs whose entries cost about `budget` characters each (a big one runs alone)."""
    groups: list[list[str]] = []
    size = budget
    for key in keys:
        if size + cost(key) > budget and (not groups or groups[-1]):
            groups.append([])
            size = 0
        groups[-1].append(key)
        size += cost(key)
    return groups


def scheme_card(card: SchemeCard, labels: Labels) -> dict[str, Any]:
    """What a result shows: id, title, provider, year, region, provider type, labels and goals."""
    tags = (["Illustrative"] if card.illustrative else []) + (["Not CQUIN"] if card.framework == "other" else [])
    return {"i": card.id, "t": card.title, "o": card.provider_name, "y": labels.year_label(card.year),
            "r": labels.regions.get(card.region, card.region),
            "p": TYPE_NAMES.get(card.provider_type, card.provider_type),
            "l": tags, "g": [[g.number, g.name] for g in card.goals]}


def facet_table(cards: list[SchemeCard], labels: Labels) -> dict[str, Any]:
    """Facet values with labels, and per document the values it has, one character per value."""
    years = {slug: labels.year_label(slug) for slug in labels.years}
    columns: list[tuple[str, Callable[[SchemeCard], list[str]], Mapping[str, str], bool]] = [
        ("year", lambda c: [c.year], years, True), ("region", lambda c: [c.region], labels.regions, False),
        ("type", lambda c: [c.provider_type], TYPE_NAMES, False),
        ("topic", lambda c: sorted({t for g in c.goals for t in g.topics}), labels.topics, False),
        ("domain", lambda c: sorted({g.domain for g in c.goals if g.domain}), DOMAIN_NAMES, False)]
    return {"n": len(cards), "f": [_facet(key, cards, values, names, newest_first)
                                   for key, values, names, newest_first in columns]}


def _facet(key: str, cards: list[SchemeCard], values: Callable[[SchemeCard], list[str]], names: Mapping[str, str],
           newest_first: bool) -> dict[str, Any]:
    """One facet: the values schemes use, their labels, and a column of value codes per document."""
    used = {v for c in cards for v in values(c)}
    by_name = sorted(used, key=lambda v: (names.get(v, v).casefold(), v))
    ordered = sorted(used, reverse=True) if newest_first else by_name
    code = {v: chr(CODE_BASE + n) for n, v in enumerate(ordered)}
    return {"k": key, "v": ordered, "l": [names.get(v, v) for v in ordered],
            "c": ["".join(code[v] for v in values(c)) for c in cards]}


def _dumps(data: Any) -> str:
    """Compact, stable JSON."""
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False, sort_keys=True)


def _json_file(name: str, text: str, compress: bool = True) -> OutputFile:
    """An output file under /search/; gzip with no timestamp, so the same data gives the same bytes."""
    raw = text.encode("utf-8")
    return OutputFile(SEARCH_URL + name, gzip.compress(raw, compresslevel=9, mtime=0) if compress else raw)

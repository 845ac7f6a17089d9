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
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from whoosh import index as whoosh_index
from whoosh.analysis import STOP_WORDS

from .model import DOMAIN_NAMES, TYPE_NAMES, Library, Scheme
from .render import OutputFile
from .search import TEXT_FIELDS, TOKEN_PATTERN, make_analyzer, scheme_document

SEARCH_URL = "/search/"
FORMAT_VERSION = 1
SCORE_LEVELS = 255
MIN_WORD = 2
VOCAB_SHARD_CHARS = 12_000
POSTINGS_SHARD_CHARS = 6_000
CODE_BASE = 48  # facet columns store value n as the character chr(48 + n): '0', '1', ...


@dataclass(frozen=True)
class Postings:
    """One stem's documents (export ids, ascending) and their scores."""

    stem: str
    docs: tuple[int, ...]
    scores: tuple[float, ...]


def export_search(index_dir: Path, library: Library) -> list[OutputFile]:
    """Every file of the static search index, in a stable order."""
    schemes = sorted(library.listed_schemes, key=lambda s: s.id)
    numbers = {s.id: n for n, s in enumerate(schemes)}
    postings = read_postings(index_dir, numbers)
    stems = {p.stem: p for p in postings}
    postings_files = _pack(sorted(stems), lambda stem: _postings_entry(stems[stem]), POSTINGS_SHARD_CHARS)
    file_of = {stem: n for n, group in enumerate(postings_files) for stem in group}
    words = surface_vocabulary(schemes, library)
    vocab_files = _pack(sorted(words), lambda w: [w, stem_code(w, words[w])], VOCAB_SHARD_CHARS)
    outputs = [_json_file("m.json", _manifest(len(schemes), vocab_files), compress=False)]
    outputs += [_json_file(f"v/{n}.gz", _vocab_shard(group, words, file_of, stems))
                for n, group in enumerate(vocab_files)]
    outputs += [_json_file(f"p/{n}.gz", {stem: _postings_entry(stems[stem]) for stem in group})
                for n, group in enumerate(postings_files)]
    outputs += [_json_file(f"d/{n}.gz", scheme_card(s, library)) for n, s in enumerate(schemes)]
    outputs.append(_json_file("f.gz", facet_table(schemes, library)))
    return outputs


def read_postings(index_dir: Path, numbers: dict[str, int]) -> list[Postings]:
    """Per stem, whoosh's BM25F score for each document, summed over the text fields as an Or query sums them."""
    ix = whoosh_index.open_dir(str(index_dir))
    try:
        with ix.searcher() as searcher:
            reader = searcher.reader()
            export_id = {docnum: numbers[fields["id"]] for docnum, fields in reader.iter_docs()}
            totals: dict[str, dict[int, float]] = {}
            for field in TEXT_FIELDS:
                for term in reader.lexicon(field):
                    stem = term.decode("utf-8") if isinstance(term, bytes) else str(term)
                    acc = totals.setdefault(stem, {})
                    matcher = searcher.postings(field, term)
                    while matcher.is_active():
                        doc = export_id[matcher.id()]
                        acc[doc] = acc.get(doc, 0.0) + matcher.score()
                        matcher.next()
    finally:
        ix.close()
    return [Postings(stem, tuple(sorted(acc)), tuple(acc[d] for d in sorted(acc)))
            for stem, acc in sorted(totals.items()) if acc]


def surface_words(text: str) -> set[str]:
    """The words whoosh's tokenizer, lower-case and stop filters keep from a text, before stemming."""
    words = {m.group(0).lower() for m in re.finditer(TOKEN_PATTERN, text)}
    return {w for w in words if len(w) >= MIN_WORD and w not in STOP_WORDS}


def surface_vocabulary(schemes: Iterable[Scheme], library: Library) -> dict[str, str]:
    """Every surface word of the indexed text, with the stem the index holds for it."""
    stem = make_analyzer()
    seen: set[str] = set()
    for scheme in schemes:
        document = scheme_document(scheme, library)
        seen.update(surface_words("\n".join(document[f] for f in TEXT_FIELDS)))
    return {w: next((t.text for t in stem(w)), w) for w in sorted(seen)}


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


def _pack(keys: list[str], entry: Any, budget: int) -> list[list[str]]:
    """Split sorted keys into runs whose JSON entries add up to about `budget` characters each."""
    groups: list[list[str]] = []
    size = budget
    for key in keys:
        cost = len(key) + len(_dumps(entry(key)))
        if size + cost > budget and (not groups or groups[-1]):
            groups.append([])
            size = 0
        groups[-1].append(key)
        size += cost
    return groups


def scheme_card(scheme: Scheme, library: Library) -> dict[str, Any]:
    """What a result shows: id, title, provider, year, region, provider type, labels and goals."""
    labels = (["Illustrative"] if scheme.illustrative else []) + (["Not CQUIN"] if scheme.framework == "other" else [])
    return {"i": scheme.id, "t": scheme.title, "o": scheme.provider_name,
            "y": next((y.label for y in library.years if y.slug == scheme.year), scheme.year),
            "r": next((r.name for r in library.regions if r.slug == scheme.region), scheme.region),
            "p": TYPE_NAMES.get(scheme.provider_type, scheme.provider_type), "l": labels,
            "g": [[g.number, g.name] for g in scheme.goals]}


def facet_table(schemes: list[Scheme], library: Library) -> dict[str, Any]:
    """Facet values with labels, and per document the values it has, one character per value."""
    years = {y.slug: y.label for y in library.years}
    regions = {r.slug: r.name for r in library.regions}
    topics = {t.slug: t.name for t in library.topics}
    columns = [("year", lambda s: [s.year], years, True), ("region", lambda s: [s.region], regions, False),
               ("type", lambda s: [s.provider_type], TYPE_NAMES, False),
               ("topic", lambda s: sorted({t for g in s.goals for t in g.topics}), topics, False),
               ("domain", lambda s: sorted({g.domain for g in s.goals if g.domain}), DOMAIN_NAMES, False)]
    return {"n": len(schemes), "f": [_facet(key, schemes, values, names, newest_first)
                                     for key, values, names, newest_first in columns]}


def _facet(key: str, schemes: list[Scheme], values: Any, names: dict[str, str], newest_first: bool) -> dict[str, Any]:
    """One facet: its values (used ones only), their labels, and a column of value codes per document."""
    used = sorted({v for s in schemes for v in values(s)}, reverse=newest_first,
                  key=(lambda v: v) if newest_first else (lambda v: (names.get(v, v).casefold(), v)))
    code = {v: chr(CODE_BASE + n) for n, v in enumerate(used)}
    return {"k": key, "v": used, "l": [names.get(v, v) for v in used],
            "c": ["".join(code[v] for v in values(s)) for s in schemes]}


def _dumps(data: Any) -> str:
    """Compact, stable JSON."""
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False, sort_keys=True)


def _json_file(name: str, data: Any, compress: bool = True) -> OutputFile:
    """An output file under /search/; gzip with no timestamp, so the same data gives the same bytes."""
    raw = _dumps(data).encode("utf-8")
    return OutputFile(SEARCH_URL + name, gzip.compress(raw, compresslevel=9, mtime=0) if compress else raw)


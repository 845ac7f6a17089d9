"""Static export of the search index for the search page: a tiny manifest, then files fetched only when needed.

Every file, the manifest too, is gzip-compressed JSON without whitespace (the script inflates it, so it
stays small on any host). Under /search/:

- m.gz: document count, stop words, minimum word length, whoosh's BM25F parameters, each text field's
  boost and average length, the first key and file name of every vocabulary and postings file, the label
  tables (search.labels): per facet of topic, region, type and year, each stem of a used value's name with
  the values whose names hold it ("lab"), that facet's boost and average count of values ("lb"), whoosh's
  stored length for each count of values ("ql"), the slots of real (or illustrative) schemes ("kind"), the
  synonyms (search.synonyms: groups of equivalent terms, each term as its stems, "syn") and the used topics'
  names, which a result shows ("tn");
- v/NAME.gz: a run of the sorted surface words seen in the corpus and in the names of the topics it uses,
  with each word's stem and its document frequency (so the browser stems exactly as whoosh did, and can complete a prefix and suggest a spelling);
- p/NAME.gz: postings for a run of stems: per text field, document ids as gaps, term frequencies, and each
  document's length in that field as whoosh stores it;
- d/N.gz: the cards (title, year, region, provider type, goals) of the documents in slots N*PACK to
  N*PACK+PACK-1, keyed by slot minus N*PACK;
- l/KEY/VALUE.gz, for each value of topic, region, type and year: the slots of the documents holding it (as
  gaps) and how many values of that key each holds: what scoring a word of a name needs, without the facet
  table, for that value alone;
- f.gz: facet values, the documents' slots in id order, and per document (in that order) its year, region,
  provider type, topics, domains, national or local goals, framework and whether it is illustrative.

Documents are numbered by slot (search.state.doc_slots: from a hash of the id, not the place among the
others), so a scheme added or deleted changes the entries of its own stems, its own card pack, the facet table
and the manifest, and no file that does not hold it.

From frequencies and lengths the script computes whoosh's own BM25F score, summed over the text fields as an
Or query sums them. Scores are not stored: they move with every document added anywhere, while these
statistics change only where a document changed, so an edit rewrites only the files that hold it.
Files are cut where a key's hash says so (content-defined), so a longer entry moves no later boundary.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import zlib
from typing import Any, Callable, Mapping, NamedTuple

from whoosh.analysis import STOP_WORDS
from whoosh.scoring import BM25F

from ..core.digest import digest_bytes, digest_values
from ..library import urls
from ..library.cards import SchemeCard
from ..library.model import DOMAIN_NAMES, TYPE_NAMES
from .document import Labels
from .analysis import MIN_WORD
from .state import ExportState
from .labels import TopicLabels, topic_labels
from .synonyms import synonym_table
from .terms import FIELD_BOOSTS, LABEL_BOOST, TEXT_FIELDS, quantised_length

# A word of a region's, provider type's or year's name matches the schemes filed there, weighted as a title's
# words are (and those schemes rank first: search.engine.filed). Topic names weigh as goal names do.
LABEL_BOOSTS = {"topic": LABEL_BOOST, "region": 3.0, "type": 3.0, "year": 3.0}

FORMAT_VERSION = 6  # what search.js reads; its own code keys the files (export_files)
PACK = 192  # slots to a d/ file: 12 to 24 cards, as the slot space is 8 to 16 times the documents
POSTINGS_CUT = (3_000, 12_000, 8)  # a file holds at least, at most (characters), and cuts at 1 key in 8
VOCAB_CUT = (6_000, 24_000, 16)
NATIONAL_NAMES = {"national": "Adopts a national goal", "local": "Local goal"}
FRAMEWORK_NAMES = {"cquin": "CQUIN", "other": "Another framework"}
ILLUSTRATIVE_NAMES = {"false": "Real scheme", "true": "Illustrative example"}
CODE_BASE = 48  # facet columns store value n as the character chr(48 + n): '0', '1', ...


class SearchFile(NamedTuple):
    """One exported file: its URL, a key equal for equal bytes, and how to make the bytes."""

    url: str
    key: str
    make: Callable[[], bytes]


def export_files(state: ExportState, cards: Mapping[str, SchemeCard], card_keys: Mapping[str, str],
                 goal_digests: Mapping[str, str], labels: Labels, code: str) -> list[SearchFile]:
    """Every file of the static search index; only the bytes of files asked for are made (compressed).

    Each file's key covers code, the digest of the modules that make the export, so a change to its format
    rewrites every file even where the data did not change.
    """
    ordered = [cards[sid] for sid in state.ids]
    topics = [sorted({t for g in card.goals for t in g.topics}) for card in ordered]
    used = {t for doc in topics for t in doc}
    names = topic_labels({slug: name for slug, name in labels.topics.items() if slug in used})
    stems = sorted(state.entries)
    postings = _cut(stems, lambda s: len(s) + len(state.entries[s]) + 4, POSTINGS_CUT)
    vocabulary = _vocabulary(state, names, topics)
    words = sorted(vocabulary)
    vocab = _cut(words, lambda w: 2 * len(w) + 10, VOCAB_CUT)
    post_names, vocab_names = _names(postings), _names(vocab)
    files = [_text_file(code, f"p/{name}.gz", "{" + ",".join(f"{_dumps(s)}:{state.entries[s]}" for s in group) + "}")
             for name, group in zip(post_names, postings)]
    files += [_text_file(code, f"v/{name}.gz", _dumps(_vocab_shard(group, vocabulary)))
              for name, group in zip(vocab_names, vocab)]
    cards_key = labels.listing_key()
    packs: dict[int, list[tuple[int, SchemeCard]]] = {}
    for slot, card in sorted(zip(state.slots, ordered)):
        packs.setdefault(slot // PACK, []).append((slot % PACK, card))
    files += [_card_pack(number, pack, card_keys, labels, code + cards_key) for number, pack in sorted(packs.items())]
    files.append(_facet_file(ordered, topics, state.slots, goal_digests, labels, code + digest_bytes(repr(labels))))
    manifest = _manifest(state, [[g[0], n] for g, n in zip(vocab, vocab_names)],
                         [[g[0], n] for g, n in zip(postings, post_names)])
    manifest.update(_label_table(ordered, names, topics, labels))
    manifest["kind"] = _kinds(ordered, state.slots)
    files += _holder_files(code, ordered, topics, state.slots)
    files.append(_text_file(code, "m.gz", _dumps(manifest)))
    return files


def _cut(keys: list[str], cost: Callable[[str], int], limits: tuple[int, int, int]) -> list[list[str]]:
    """Split sorted keys into runs: a new run starts at a key whose hash picks it once the run holds `low`
    characters, or when the key would take the run past `high` (a key bigger than that runs alone)."""
    low, high, spread = limits
    groups: list[list[str]] = []
    size = 0
    for key in keys:
        weight = cost(key)
        if not groups or (size >= low and zlib.crc32(key.encode("utf-8")) % spread == 0) or size + weight > high:
            groups.append([])
            size = 0
        groups[-1].append(key)
        size += weight
    return groups


def _names(groups: list[list[str]]) -> list[str]:
    """A file name per run from its first key: stable while the run starts with the same key."""
    names: list[str] = []
    for group in groups:
        name = hashlib.blake2b(group[0].encode("utf-8"), digest_size=5).hexdigest()
        while name in names:  # two first keys with one hash: vanishingly rare, but never two runs to a name
            name += "x"
        names.append(name)
    return names


def _vocabulary(state: ExportState, names: TopicLabels,
                topics: list[list[str]]) -> dict[str, tuple[str, int]]:
    """Every surface word with its stem and that stem's document frequency: the documents' words, and the words
    of the names of the topics they use (a stem found only in a topic's name counts the documents filed under
    its topics; one in both counts the larger, a bound on the documents that match it, for ordering alone)."""
    holders: dict[str, set[int]] = {}
    for n, doc in enumerate(topics):
        for slug in doc:
            holders.setdefault(slug, set()).add(n)
    filed = {stem: len(set().union(*(holders.get(slug, set()) for slug in slugs)))
             for stem, slugs in names.stems.items()}
    vocabulary = {word: (stem, max(state.df.get(stem, 0), filed[stem])) for word, stem in names.words.items()}
    for word, (_, stem) in state.words.items():
        vocabulary[word] = (stem, max(state.df.get(stem, 0), filed.get(stem, 0)))
    return vocabulary


def _vocab_shard(words: list[str], vocabulary: Mapping[str, tuple[str, int]]) -> dict[str, list[Any]]:
    """Columns for a run of sorted words: the word, its stem code, and its stem's document frequency."""
    return {"w": words, "s": [stem_code(w, vocabulary[w][0]) for w in words], "n": [vocabulary[w][1] for w in words]}


def _label_table(ordered: list[SchemeCard], names: TopicLabels, topics: list[list[str]],
                 labels: Labels) -> dict[str, Any]:
    """What the engines need to score names as whoosh scores a keyword field: per facet each stem's values, the
    facet's boost and average count of values per document, and whoosh's stored length for each count; and the
    synonym groups, analysed."""
    count = len(topics)
    longest = max([len(doc) for doc in topics] + [1])
    used = {"region": {c.region for c in ordered}, "type": {c.provider_type for c in ordered},
            "year": {c.year for c in ordered}}
    named = {"region": labels.regions, "type": TYPE_NAMES, "year": {y: labels.year_label(y) for y in used["year"]}}
    tables = {"topic": {stem: list(slugs) for stem, slugs in names.stems.items()}}
    for key in ("region", "type", "year"):
        table = topic_labels({v: named[key].get(v, v) for v in used[key]})
        tables[key] = {stem: list(values) for stem, values in table.stems.items()}
    averages = {"topic": (sum(len(doc) for doc in topics) / (count or 1)) or 1, "region": 1, "type": 1, "year": 1}
    return {"lab": tables, "lb": {key: [LABEL_BOOSTS[key], averages[key]] for key in tables},
            "ql": [quantised_length(n, 1) for n in range(longest + 1)],
            "syn": synonym_table(labels.synonym_groups()),
            "tn": {slug: labels.topics.get(slug, slug) for slug in sorted({t for doc in topics for t in doc})}}


def _holder_files(code: str, ordered: list[SchemeCard], topics: list[list[str]],
                  slots: tuple[int, ...]) -> list[SearchFile]:
    """l/KEY/VALUE.gz for each value of topic, region, type and year (slugs, safe in a path): its documents'
    slots (as gaps) and how many values of the key each holds, what scoring a name's word needs without the
    whole facet table."""
    per_doc = {"topic": topics, "region": [[c.region] for c in ordered], "type": [[c.provider_type] for c in ordered],
               "year": [[c.year] for c in ordered]}
    files = []
    for key, values in per_doc.items():
        holders: dict[str, list[tuple[int, int]]] = {}
        for slot, held in sorted(zip(slots, values)):
            for value in held:
                holders.setdefault(value, []).append((slot, len(held)))
        # One file per value: a query word naming one topic fetches that topic's documents, not every topic's
        # (one file of all topics was most of the bytes to a first result on a large library).
        for value in sorted(holders):
            docs = holders[value]
            table = {"g": [b - a for a, b in zip([0] + [d for d, _ in docs[:-1]], [d for d, _ in docs])],
                     "q": [count for _, count in docs]}
            files.append(_text_file(code, f"l/{key}/{value}.gz", _dumps(table)))
    return files


def stem_code(word: str, stem: str) -> str:
    """How to get the stem from the word: '' when equal, else letters to drop then letters to add ('6', '1i')."""
    if stem == word:
        return ""
    common = 0
    while common < min(len(word), len(stem)) and word[common] == stem[common]:
        common += 1
    added = stem[common:]
    return f"={stem}" if added[:1].isdigit() else f"{len(word) - common}{added}"


def _manifest(state: ExportState, vocab: list[list[str]], postings: list[list[str]]) -> dict[str, Any]:
    """What the script needs before it fetches anything else."""
    model = BM25F()
    count = len(state.ids)
    fields = [[name, FIELD_BOOSTS[name], (sum(state.lengths[i]) / (count or 1)) or 1]
              for i, name in enumerate(TEXT_FIELDS)]
    return {"v": FORMAT_VERSION, "n": count, "min": MIN_WORD, "stop": sorted(STOP_WORDS), "b": model.B,
            "k1": model.K1, "fields": fields, "vocab": vocab, "post": postings, "pack": PACK}


def _card_pack(number: int, cards: list[tuple[int, SchemeCard]], card_keys: Mapping[str, str], labels: Labels,
               labels_key: str) -> SearchFile:
    """A d/ file of (place in the pack, card) pairs, keyed by its cards' places and digests and the names a card
    shows (labels_key), so an unchanged pack is never encoded, and renaming a topic (which no card shows)
    leaves every pack alone."""
    key = digest_bytes(labels_key, *(f"{at}:{c.id}:{card_keys[c.id]}" for at, c in cards))
    return SearchFile(urls.search_file_url(f"d/{number}.gz"), key,
                      lambda: _gzip(_dumps({at: scheme_card(c, labels) for at, c in cards})))


def scheme_card(card: SchemeCard, labels: Labels) -> dict[str, Any]:
    """What a result shows: id, title, provider, year, region, provider type, labels and goals (number, name and
    any topic slugs, so a goal found by its topic's name can be shown)."""
    tags = (["Illustrative"] if card.illustrative else []) + (["Not CQUIN"] if card.framework == "other" else [])
    return {"i": card.id, "t": card.title, "o": card.provider_name, "y": labels.year_label(card.year),
            "r": labels.regions.get(card.region, card.region),
            "p": TYPE_NAMES.get(card.provider_type, card.provider_type),
            "l": tags, "g": [[g.number, g.name, *([list(g.topics)] if g.topics else [])] for g in card.goals]}


def _kinds(ordered: list[SchemeCard], slots: tuple[int, ...]) -> list[Any]:
    """Which slots hold real schemes, so that both engines rank them first among equals: [True, gaps] lists the
    real ones, [False, gaps] the illustrative ones, whichever list is shorter (gaps between rising slots)."""
    real = sorted(slot for card, slot in zip(ordered, slots) if not card.illustrative)
    example = sorted(slot for card, slot in zip(ordered, slots) if card.illustrative)
    listed, chosen = (True, real) if len(real) <= len(example) else (False, example)
    return [listed, [b - a for a, b in zip([0] + chosen, chosen)]]


def _facet_file(ordered: list[SchemeCard], topics: list[list[str]], slots: tuple[int, ...],
                goal_digests: Mapping[str, str], labels: Labels, labels_key: str) -> SearchFile:
    """The facet table's file, keyed by what it is made from: each document's slot, year, region, type and goals
    (their digest), in order. Its bytes are made only when that changed (a title edit leaves it alone)."""
    parts = [part for c, slot in zip(ordered, slots)
             for part in (c.id, slot, c.year, c.region, c.provider_type, c.framework, c.illustrative,
                          goal_digests[c.id])]
    key = digest_values("f.gz", labels_key, values=parts)
    return SearchFile(urls.search_file_url("f.gz"), key,
                      lambda: _gzip(_dumps({**facet_table(ordered, topics, labels), "d": list(slots)})))


def facet_table(cards: list[SchemeCard], topics: list[list[str]], labels: Labels) -> dict[str, Any]:
    """Facet values with labels, and per document the values it has, one character per value (topics: each
    card's sorted topic slugs, which the label table was made from too)."""
    years = {slug: labels.year_label(slug) for slug in labels.years}
    domains = [sorted({g.domain for g in card.goals if g.domain}) for card in cards]
    return {"n": len(cards), "f": [
        _facet("year", [c.year for c in cards], years, True),
        _facet("region", [c.region for c in cards], labels.regions, False),
        _facet("type", [c.provider_type for c in cards], TYPE_NAMES, False),
        _facet("topic", topics, labels.topics, False), _facet("domain", domains, DOMAIN_NAMES, False),
        _facet("national", [sorted({"national" if g.national else "local" for g in c.goals}) for c in cards],
               NATIONAL_NAMES, False),
        _facet("framework", [c.framework for c in cards], FRAMEWORK_NAMES, False),
        _facet("illustrative", ["true" if c.illustrative else "false" for c in cards], ILLUSTRATIVE_NAMES, False)]}


def _facet(key: str, per_card: list[str] | list[list[str]], names: Mapping[str, str],
           newest_first: bool) -> dict[str, Any]:
    """One facet: the values schemes use, their labels, and a column of value codes per document (a card has
    one value, or a list of them)."""
    single = not per_card or isinstance(per_card[0], str)
    used: set[str] = set(per_card) if single else {v for vs in per_card for v in vs}  # type: ignore[arg-type]
    by_name = sorted(used, key=lambda v: (names.get(v, v).casefold(), v))
    ordered = sorted(used, reverse=True) if newest_first else by_name
    code = {v: chr(CODE_BASE + n) for n, v in enumerate(ordered)}
    column = ([code[v] for v in per_card] if single  # type: ignore[index]
              else ["".join([code[v] for v in vs]) for vs in per_card])
    return {"k": key, "v": ordered, "l": [names.get(v, v) for v in ordered], "c": column}


def _dumps(data: Any) -> str:
    """Compact, stable JSON."""
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False, sort_keys=True)


def _text_file(code: str, name: str, text: str, compress: bool = True) -> SearchFile:
    """A file under /search/ made from text, keyed by the text and the code that made it."""
    key = digest_bytes(code, name, text)
    raw = text.encode("utf-8")
    return SearchFile(urls.search_file_url(name), key, (lambda: _gzip(raw)) if compress else (lambda: raw))


def _gzip(text: str | bytes) -> bytes:
    """gzip with no timestamp, so the same data gives the same bytes; at level 6, which on 10,000 schemes' files
    wrote 0.4% more bytes than level 9 in a third of the time (two seconds of a cold build, on one core)."""
    raw = text.encode("utf-8") if isinstance(text, str) else text
    return gzip.compress(raw, compresslevel=6, mtime=0)

"""The static search export's postings, kept between builds and patched for the documents that changed.

The export holds, per stem, each text field's documents, term frequencies and the documents' field lengths:
whoosh's own statistics, from which the page computes whoosh's BM25F scores. No entry depends on the rest
of the library (the document count and average lengths are in the small manifest), so an edit changes the
entries of the stems whose frequency or field length it changed, and nothing else; only those are
re-encoded, and only the files holding them are rewritten.

A document is numbered in the export by its slot (doc_slots), which comes from a hash of its id rather than
its place among the others: adding or deleting a scheme renumbers no other, so it changes only the entries
of its own stems and its own card pack.
"""

from __future__ import annotations

import hashlib
import json
import marshal
import os
import pickle
import sqlite3
from dataclasses import dataclass, replace
from dataclasses import field as dataclass_field
from itertools import accumulate
from pathlib import Path
from typing import Callable, Iterable, Mapping, NamedTuple, Optional, Sequence

from .terms import INDEXED_FIELDS, TEXT_FIELDS, DocTerms, quantised_length

STATE_FILE = "export-state.pickle"
DOCS_FILE = "export-docs.sqlite"
# Past this share of changed documents, encoding everything afresh is quicker than patching.
PATCH_SHARE = 0.1
# Slots are spread over at least this many times as many numbers as there are documents (a power of two, so
# the space changes, and every document is renumbered, only when the library doubles): few collide, and gaps
# between a stem's documents stay short.
SLOT_SPREAD = 8
SLOT_MIN = 256

Frequencies = tuple[tuple[tuple[str, int], ...], ...]


class DocStats(NamedTuple):
    """What the export needs of one analysed document: per text field its (stem, frequency) pairs, and its
    surface words with their stems, packed with marshal (decoded one document at a time)."""

    id: str
    digest: str
    packed: bytes

    def unpack(self) -> tuple[Frequencies, tuple[tuple[str, str], ...]]:
        """(frequencies, words)."""
        unpacked: tuple[Frequencies, tuple[tuple[str, str], ...]] = marshal.loads(self.packed)
        return unpacked


@dataclass(frozen=True)
class ExportState:
    """The postings of every listed document, ready to be cut into files."""

    ids: tuple[str, ...]  # in id order; a document's number n is its place here
    digests: dict[str, str]
    entries: dict[str, str]
    df: dict[str, int]
    lengths: tuple[tuple[int, ...], ...]  # per text field, per document n
    words: dict[str, tuple[int, str]]
    slots: tuple[int, ...] = ()  # per document n, its number in the export (doc_slots)
    # The similar field's entries, by stem: what related schemes are made from, never exported.
    similar: dict[str, str] = dataclass_field(default_factory=dict)

    def numbers(self) -> dict[int, int]:
        """Each slot's document number n."""
        return {slot: n for n, slot in enumerate(self.slots)}


def doc_slots(ids: Sequence[str]) -> tuple[int, ...]:
    """Each document's slot: its number in the export, from a hash of its id, in a space SLOT_SPREAD times
    larger than the count; a slot already taken passes to the next free one, homes and ids taken in order, so
    the slots depend only on the set of ids, and a new id moves another only in the rare run it lands in."""
    space = max(SLOT_MIN, 1 << (SLOT_SPREAD * len(ids) - 1).bit_length())
    taken: set[int] = set()
    slot_of: dict[str, int] = {}
    for home, sid in sorted((int.from_bytes(hashlib.blake2b(sid.encode("utf-8"), digest_size=8).digest(), "big")
                             % space, sid) for sid in ids):
        slot = home
        while slot in taken:
            slot = (slot + 1) % space
        taken.add(slot)
        slot_of[sid] = slot
    return tuple(slot_of[sid] for sid in ids)


def doc_stats(terms: DocTerms) -> DocStats:
    """The export's part of an analysed document: its packed fields and words are already what DocStats holds."""
    return DocStats(terms.id, terms.digest, terms.packed)


def state_of(docs: list[DocStats]) -> ExportState:
    """The export state of documents given in export order."""
    postings: dict[tuple[str, int], tuple[list[int], list[int]]] = {}
    words: dict[str, tuple[int, str]] = {}
    lengths: list[list[int]] = [[] for _ in INDEXED_FIELDS]
    for n, doc in enumerate(docs):
        frequencies, doc_words = doc.unpack()
        for number, pairs in enumerate(frequencies):
            lengths[number].append(sum(f for _, f in pairs))
            for stem, freq in pairs:
                found = postings.get((stem, number))
                if found is None:
                    found = postings[(stem, number)] = ([], [])
                found[0].append(n)
                found[1].append(freq)
        for word, stem in doc_words:
            count = words.get(word)
            words[word] = (count[0] + 1 if count else 1, stem)
    slots = doc_slots([d.id for d in docs])
    # Postings stay lists of document numbers until they are encoded: a library has millions of them.
    by_stem: dict[str, dict[int, tuple[list[int], list[int]]]] = {}
    for (stem, number), (ns, freqs) in postings.items():
        by_stem.setdefault(stem, {})[number] = ([slots[n] for n in ns], freqs)
    stored = _stored_lengths(lengths, slots)
    entries: dict[str, str] = {}
    similar: dict[str, str] = {}
    df: dict[str, int] = {}
    for stem in sorted(by_stem):
        _encode_stem(stem, by_stem[stem], stored, entries, similar, df)
    return ExportState(tuple(d.id for d in docs), {d.id: d.digest for d in docs}, entries, df,
                       tuple(tuple(column) for column in lengths), words, slots, similar)


def _encode_stem(stem: str, fields: Mapping[int, tuple[Sequence[int], Sequence[int]]],
                 stored: Sequence[Mapping[int, int]], entries: dict[str, str], similar: dict[str, str],
                 df: dict[str, int]) -> None:
    """Put a stem's postings ({field: (slots, frequencies)}) in the exported entries (the searched fields, with
    their document frequency) and in the similar entries, dropping it where it has none."""
    shown = {f: c for f, c in fields.items() if f < len(TEXT_FIELDS) and c[0]}
    kept = {f: c for f, c in fields.items() if f >= len(TEXT_FIELDS) and c[0]}
    if shown:
        entries[stem] = encode_entry(shown, stored)
        df[stem] = len({d for docs, _ in shown.values() for d in docs})
    else:
        entries.pop(stem, None)
        df.pop(stem, None)
    if kept:
        similar[stem] = encode_entry(kept, stored)
    else:
        similar.pop(stem, None)


def _stored_lengths(lengths: Sequence[Sequence[int]], slots: Sequence[int]) -> list[dict[int, int]]:
    """Per field, each slot's field length as whoosh stores it."""
    return [{slot: quantised_length(length, 1) for slot, length in zip(slots, column)} for column in lengths]


def encode_entry(fields: Mapping[int, tuple[Sequence[int], Sequence[int]]],
                 lengths: Sequence[Mapping[int, int]]) -> str:
    """[[field, slot gaps, frequencies, field lengths], ...] in field order, as compact JSON, from
    {field: (slots, frequencies)} in any order.

    Each posting carries its document's field length as whoosh stores it (lengths: per field, by slot), so a
    query needs no table of every document's lengths, and the entry changes only with its documents.
    """
    rows = []
    for field in sorted(fields):
        slots, freqs = fields[field]
        at = lengths[field]
        order = sorted(range(len(slots)), key=slots.__getitem__)
        docs = [slots[i] for i in order]
        rows.append([field, [d - p for d, p in zip(docs, [0] + docs[:-1])], [freqs[i] for i in order],
                     [at[d] for d in docs]])
    return json.dumps(rows, separators=(",", ":"))


def decode_entry(text: str) -> dict[int, dict[int, int]]:
    """encode_entry's JSON back to {field: {slot: frequency}} (the lengths live in the state)."""
    return {row[0]: dict(zip(accumulate(row[1]), row[2])) for row in json.loads(text)}


def patch_state(state: ExportState, old: Mapping[str, DocStats], new: Mapping[str, DocStats]) -> ExportState:
    """The state with some documents replaced (same ids, same order): only stems whose counts moved change."""
    number = {sid: n for n, sid in enumerate(state.ids)}
    moved: dict[str, dict[tuple[int, int], int]] = {}
    lengths = [list(column) for column in state.lengths]
    words = dict(state.words)
    for sid, doc in new.items():
        (old_frequencies, old_words), (frequencies, new_words) = old[sid].unpack(), doc.unpack()
        n, before, after = number[sid], _pairs(old_frequencies), _pairs(frequencies)
        for field, pairs in enumerate(frequencies):
            length = sum(f for _, f in pairs)
            if quantised_length(length, 1) != quantised_length(lengths[field][n], 1):
                before.update(((stem, field), -1) for stem, _ in pairs)  # every posting shows the new length
            lengths[field][n] = length
        for key in set(before) | set(after):
            if before.get(key) != after.get(key):
                moved.setdefault(key[0], {})[(key[1], n)] = after.get(key, 0)
        _count_words(words, old_words, -1)
        _count_words(words, new_words, +1)
    entries, similar, df, slots = dict(state.entries), dict(state.similar), dict(state.df), state.slots
    stored = _stored_lengths(lengths, slots)
    for stem, changes in moved.items():
        fields = {**(decode_entry(entries[stem]) if stem in entries else {}),
                  **(decode_entry(similar[stem]) if stem in similar else {})}
        for (number, n), freq in changes.items():
            column = fields.setdefault(number, {})
            if freq:
                column[slots[n]] = freq
            else:
                column.pop(slots[n], None)
        _encode_stem(stem, {f: (list(c), list(c.values())) for f, c in fields.items()}, stored, entries, similar, df)
    digests = dict(state.digests)
    digests.update((sid, doc.digest) for sid, doc in new.items())
    return replace(state, digests=digests, entries=dict(sorted(entries.items())), df=df,
                   lengths=tuple(tuple(c) for c in lengths), words=words, similar=dict(sorted(similar.items())))


def _pairs(frequencies: Frequencies) -> dict[tuple[str, int], int]:
    """{(stem, field): frequency} of a document."""
    return {(stem, field): freq for field, pairs in enumerate(frequencies) for stem, freq in pairs}


def _count_words(words: dict[str, tuple[int, str]], pairs: Iterable[tuple[str, str]], step: int) -> None:
    """Add step to the document count of each word, dropping words no document holds."""
    for word, stem in pairs:
        count = words.get(word, (0, stem))[0] + step
        if count > 0:
            words[word] = (count, stem)
        else:
            words.pop(word, None)


class StateStore:
    """The export state in a cache folder: one pickle, and each document's statistics in SQLite by id, both
    stamped with the digest of the code that made them (another code's, or a damaged file, is started afresh)."""

    def __init__(self, folder: Path, code: str) -> None:
        """Open (or create) the store in a folder for this code; notices say why what was there was dropped."""
        self.folder, self.code = folder, code
        self.notices: list[str] = []
        self.db = self._open()

    def _open(self) -> sqlite3.Connection:
        """Connect, emptying statistics another version of the code made; a damaged file is replaced."""
        path = self.folder / DOCS_FILE
        try:
            db = sqlite3.connect(path)
            db.executescript("CREATE TABLE IF NOT EXISTS docs (id TEXT PRIMARY KEY, digest TEXT, stats BLOB);"
                             "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT);")
            row = db.execute("SELECT value FROM meta WHERE name = 'code'").fetchone()
        except sqlite3.DatabaseError as error:
            path.unlink(missing_ok=True)  # only derived statistics are lost
            self.notices.append(f"the search statistics in {self.folder} were damaged ({error}): starting them "
                                "afresh")
            return self._open()
        if row is None or row[0] != self.code:
            if row is not None and not self.notices:
                self.notices.append(f"the search statistics in {self.folder} were made by other code: starting them "
                                    "afresh")
            with db:
                db.execute("DELETE FROM docs")
                db.execute("INSERT OR REPLACE INTO meta VALUES ('code', ?)", (self.code,))
        return db

    def load(self) -> Optional[ExportState]:
        """The saved state, or None when there is none, another code made it, or it cannot be read."""
        try:
            with open(self.folder / STATE_FILE, "rb") as f:
                code, state = pickle.load(f)
        except FileNotFoundError:
            return None
        except Exception as error:  # noqa: BLE001 - damaged, or pickled by another layout of the code: only a cache
            if not self.notices:
                self.notices.append(f"the search state {self.folder / STATE_FILE} could not be read "
                                    f"({type(error).__name__}): starting it afresh")
            return None
        return state if code == self.code and isinstance(state, ExportState) else None

    def docs(self, digests: Mapping[str, str]) -> dict[str, DocStats]:
        """Saved statistics of the documents whose digest matches."""
        found: dict[str, DocStats] = {}
        ids = sorted(digests)
        for start in range(0, len(ids), 500):
            batch = ids[start:start + 500]
            rows = self.db.execute(f"SELECT id, digest, stats FROM docs WHERE id IN ({','.join('?' * len(batch))})",
                                   batch)
            found.update((sid, DocStats(sid, digest, blob)) for sid, digest, blob in rows if digests[sid] == digest)
        return found

    def save(self, state: ExportState, docs: Iterable[DocStats]) -> None:
        """Save the state and the statistics of documents not saved yet; forget documents it no longer has."""
        with self.db:
            self.db.executemany("INSERT OR REPLACE INTO docs VALUES (?, ?, ?)",
                                ((d.id, d.digest, d.packed) for d in docs))
            known = {sid for (sid,) in self.db.execute("SELECT id FROM docs")}
            self.db.executemany("DELETE FROM docs WHERE id = ?", ((sid,) for sid in sorted(known - set(state.ids))))
        tmp = self.folder / f"{STATE_FILE}.{os.getpid()}.tmp"
        with open(tmp, "wb") as f:
            pickle.dump((self.code, state), f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, self.folder / STATE_FILE)

    def close(self) -> None:
        """Close the database."""
        self.db.close()


def update_state(folder: Path, digests: Mapping[str, str], analyse: Callable[[list[str]], Mapping[str, DocStats]],
                 code: str, notices: Optional[list[str]] = None) -> ExportState:
    """The export state for documents `digests` (id to digest): patched when few changed, else made afresh.

    analyse gives the statistics of documents the store does not hold at the right digest; notices, when given,
    gets a line for a store that other code made or that was damaged.
    """
    ids = tuple(sorted(digests))
    store = StateStore(folder, code)
    try:
        state = store.load()
        if state is not None and state.ids == ids:
            changed = [sid for sid in ids if state.digests.get(sid) != digests[sid]]
            if not changed:
                return state
            old = store.docs({sid: state.digests[sid] for sid in changed})
            if len(old) == len(changed) and len(changed) <= max(1.0, PATCH_SHARE * len(ids)):
                new = dict(analyse(changed))
                state = patch_state(state, old, new)
                store.save(state, new.values())
                return state
        saved = store.docs(digests)
        fresh = dict(analyse([sid for sid in ids if sid not in saved]))
        state = state_of([saved[sid] if sid in saved else fresh[sid] for sid in ids])
        store.save(state, fresh.values())
        return state
    finally:
        if notices is not None:
            notices.extend(store.notices)
        store.close()

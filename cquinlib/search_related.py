"""Related schemes: whoosh's more-like-this over the goals of every scheme that has a page."""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from whoosh import index as whoosh_index
from whoosh.classify import Bo1Model, Expander
from whoosh.reading import IndexReader
from whoosh.searching import Searcher

from .cards import SchemeCard
from .parallel import run_parallel
from .search import Labels, goal_heading

RELATED_COUNT = 5
RELATED_TERMS = 10
KeyTerms = tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class ScoreTable:
    """Per goals-field term, (rank, BM25F score) of each scheme holding it; ranks number schemes in id order."""

    postings: dict[str, list[tuple[int, float]]]
    size: int
    count: int


def related_schemes(index_dir: Path, cards: Iterable[SchemeCard], labels: Labels,
                    count: int = RELATED_COUNT) -> dict[str, tuple[str, ...]]:
    """For each scheme, up to `count` listed schemes most like its goals, best first, itself left out.

    This is whoosh's more-like-this: the key terms whoosh picks from the scheme's goal headings (Bo1 model),
    each weighting whoosh's BM25F score of that term in the goals field, summed as whoosh's Or query sums
    them. The sums are taken over postings read once, on every core, because a whoosh search per scheme is
    too slow for a large library; equal scores go to the lower scheme id, so the lists never depend on the
    index's history. Schemes with the same key terms share one computation.
    """
    ix = whoosh_index.open_dir(str(index_dir))
    try:
        with ix.searcher() as searcher:
            ids = sorted(fields["id"] for _, fields in searcher.reader().iter_docs())
            stats = TermStats(searcher.reader())
            queries = {c.id: key_terms(stats, goals_text(c, labels)) for c in sorted(cards, key=lambda c: c.id)}
            table = ScoreTable(_postings(searcher, ids, {t for q in queries.values() for t, _ in q}), len(ids), count)
    finally:
        ix.close()
    distinct = sorted(set(queries.values()))
    best = dict(zip(distinct, run_parallel(top_ranks, table, distinct)))
    return {sid: tuple(s for s in (ids[n] for n in best[q]) if s != sid)[:count] for sid, q in queries.items()}


def goals_text(card: SchemeCard, labels: Labels) -> str:
    """The goal headings of a scheme: what similarity is judged on."""
    return "\n".join(goal_heading(labels, card.year, g) for g in card.goals)


def key_terms(expander_reader: "TermStats", text: str) -> KeyTerms:
    """The terms whoosh's more-like-this searches for (Searcher.key_terms_from_text), with their weights."""
    expander = Expander(expander_reader, "goals", model=Bo1Model)
    expander.add_text(text)
    return tuple(expander.expanded_terms(RELATED_TERMS, normalize=True))


class TermStats:
    """The parts of an index reader whoosh's Expander reads, remembering term frequencies.

    Key terms are taken for every scheme, and the same few hundred terms are looked up each time; on an
    index of several segments each lookup visits every segment.
    """

    def __init__(self, reader: IndexReader) -> None:
        """Wrap a reader."""
        self.reader = reader
        self.schema = reader.schema
        self.known: dict[tuple[str, bytes], bool] = {}
        self.frequencies: dict[tuple[str, bytes], float] = {}

    def doc_count_all(self) -> int:
        """Documents in the index."""
        return int(self.reader.doc_count_all())

    def field_length(self, fieldname: str) -> int:
        """Total length of a field across the index."""
        return int(self.reader.field_length(fieldname))

    def __contains__(self, term: tuple[str, bytes]) -> bool:
        """Whether the index holds a term."""
        if term not in self.known:
            self.known[term] = term in self.reader
        return self.known[term]

    def frequency(self, fieldname: str, text: bytes) -> float:
        """A term's total weight across the index."""
        key = (fieldname, text)
        if key not in self.frequencies:
            self.frequencies[key] = self.reader.frequency(fieldname, text)
        return self.frequencies[key]


def _postings(searcher: Searcher, ids: list[str], terms: set[str]) -> dict[str, list[tuple[int, float]]]:
    """(rank, BM25F score in the goals field) of every scheme holding each term, as whoosh scores a Term query."""
    rank = {sid: n for n, sid in enumerate(ids)}
    by_docnum = {docnum: rank[fields["id"]] for docnum, fields in searcher.reader().iter_docs()}
    table = {}
    for term in sorted(terms):
        found = []
        if ("goals", term) in searcher.reader():
            matcher = searcher.postings("goals", term)
            while matcher.is_active():
                found.append((by_docnum[matcher.id()], matcher.score()))
                matcher.next()
        table[term] = found
    return table


def top_ranks(table: ScoreTable, terms: KeyTerms) -> list[int]:
    """Ranks of the best count + 1 schemes for a weighted Or of key terms (one may be the scheme itself)."""
    scores = [0.0] * table.size
    for term, weight in terms:
        for n, score in table.postings[term]:
            scores[n] += weight * score
    best = heapq.nlargest(table.count + 1, range(table.size), key=scores.__getitem__)
    return [n for n in best if scores[n] > 0]

"""Related schemes: whoosh's more-like-this over the goals of every scheme that has a page.

Similarity is judged on the similar field (goal names, national goal ids, topic slugs), which no name in the
shared files reaches: renaming a topic or a national goal leaves every related list as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable

from whoosh.classify import Bo1Model, Expander
from whoosh.reading import TermInfo
from whoosh.scoring import BM25F

from ..core.parallel import run_parallel
from ..library.cards import SchemeCard
from .document import similar_text
from .index import make_schema
from .state import ExportState, decode_entry
from .terms import FIELD_BOOSTS, INDEXED_FIELDS, SIMILAR_FIELD, quantised_length

if TYPE_CHECKING:
    import numpy as np

RELATED_COUNT = 5
RELATED_TERMS = 10
PARALLEL = 2000  # fewer schemes than this are related in this process: forking costs more than it saves
FIELD = SIMILAR_FIELD
KeyTerms = tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class ScoreTable:
    """Per similar-field term, the ranks of the schemes holding it and their BM25F scores (ranks number schemes in
    id order)."""

    postings: dict[str, tuple[np.ndarray, np.ndarray]]
    size: int
    count: int


def related_schemes(state: ExportState, cards: Iterable[SchemeCard],
                    count: int = RELATED_COUNT) -> dict[str, tuple[str, ...]]:
    """For each scheme, up to `count` listed schemes most like its goals, best first, itself left out.

    This is whoosh's more-like-this: the key terms whoosh's Expander picks from the scheme's similar text
    (Bo1 model), each weighting whoosh's BM25F score of that term in the similar field, summed as whoosh's Or
    query sums them. Whoosh's own Expander and BM25F scorer run over the index's statistics as the search
    export holds them (SimilarStats), so related lists need not wait for the index to be written; the sums
    are numpy vector adds, and equal scores go to the lower scheme id. Schemes with the same key terms
    share one computation.
    """
    stats = SimilarStats(state)
    ordered = sorted(cards, key=lambda c: c.id)
    # On every core when many (a large library's lists took two seconds of its cold build on one).
    queries = dict(zip((c.id for c in ordered), run_parallel(_key_terms_of, stats, ordered, min_items=PARALLEL)))
    table = ScoreTable(stats.scores({t for q in queries.values() for t, _ in q}), len(state.ids), count)
    distinct = sorted(set(queries.values()))
    best = dict(zip(distinct, run_parallel(top_ranks, table, distinct, min_items=PARALLEL)))
    return {sid: tuple(s for s in (state.ids[n] for n in best[q]) if s != sid)[:count] for sid, q in queries.items()}


def _key_terms_of(stats: "SimilarStats", card: SchemeCard) -> KeyTerms:
    """A scheme's key terms, from its card's similar text."""
    return key_terms(stats, similar_text(card))


def key_terms(stats: "SimilarStats", text: str) -> KeyTerms:
    """The terms whoosh's more-like-this searches for (Searcher.key_terms_from_text), with their weights."""
    expander = Expander(stats, FIELD, model=Bo1Model)
    expander.add_text(text)
    return tuple(expander.expanded_terms(RELATED_TERMS, normalize=True))


class SimilarStats:
    """The similar field's statistics, answering the index reader and searcher calls that whoosh's Expander
    and BM25F scorer make (the export state holds exactly what the index holds)."""

    def __init__(self, state: ExportState) -> None:
        """Read the similar field's postings out of the export state."""
        field = INDEXED_FIELDS.index(FIELD)
        self.schema = make_schema()
        self.weighting = BM25F()
        self.boost = FIELD_BOOSTS[FIELD]
        self.count = len(state.ids)
        self.lengths = [quantised_length(n, 1) for n in state.lengths[field]]
        self.total = sum(state.lengths[field])
        self.postings: dict[str, dict[int, int]] = {}  # by document number n, as the state numbers them
        number = state.numbers()
        for stem, entry in state.similar.items():
            if f"[{field}," in entry:
                column = decode_entry(entry).get(field)
                if column:
                    self.postings[stem] = {number[slot]: freq for slot, freq in column.items()}
        self.weights = {stem: sum(column.values()) * self.boost for stem, column in self.postings.items()}

    def get_parent(self) -> "SimilarStats":
        """The top-level searcher: this one."""
        return self

    def doc_count_all(self) -> int:
        """Documents in the index."""
        return self.count

    def field_length(self, fieldname: str) -> int:
        """Total tokens of the field across the index."""
        return self.total

    def avg_field_length(self, fieldname: str, default: Any = None) -> float:
        """Mean tokens of the field per document, as whoosh's searcher divides it."""
        return self.total / (self.count or 1)

    def __contains__(self, term: tuple[str, bytes]) -> bool:
        """Whether the field holds a term."""
        return term[0] == FIELD and _text(term[1]) in self.postings

    def doc_frequency(self, fieldname: str, text: bytes | str) -> int:
        """Documents holding a term."""
        return len(self.postings.get(_text(text), ()))

    def frequency(self, fieldname: str, text: bytes | str) -> float:
        """A term's total weight (frequency times the field boost) across the index."""
        return self.weights.get(_text(text), 0.0)

    def idf(self, fieldname: str, text: bytes | str) -> float:
        """whoosh's inverse document frequency, as its searcher asks the weighting model."""
        return float(self.weighting.idf(self, fieldname, text))

    def term_info(self, fieldname: str, text: bytes | str) -> TermInfo:
        """A term's totals, as the scorer's setup reads them."""
        column = self.postings.get(_text(text), {})
        lengths = [self.lengths[d] for d in column] or [0]
        return TermInfo(self.frequency(fieldname, text), len(column), min(lengths), max(lengths),
                        max(column.values(), default=0) * self.boost)

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int:
        """A document's field length as whoosh stores it (one byte) and reads it back."""
        return self.lengths[docnum]

    def scores(self, terms: set[str]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Ranks of the schemes holding each term and their BM25F score in the similar field, by whoosh's scorer."""
        import numpy as np  # only when related lists are made: most builds reuse them
        table = {}
        for term in sorted(terms):
            scorer = self.weighting.scorer(self, FIELD, term.encode("utf-8"))
            docs = sorted(self.postings.get(term, {}).items())
            score, lengths, boost = scorer._score, self.lengths, self.boost
            table[term] = (np.array([n for n, _ in docs], dtype=np.int64),
                           np.array([score(freq * boost, lengths[n]) for n, freq in docs], dtype=np.float64))
        return table


def _text(term: bytes | str) -> str:
    """A term as text."""
    return term.decode("utf-8") if isinstance(term, bytes) else term


def top_ranks(table: ScoreTable, terms: KeyTerms) -> list[int]:
    """Ranks of the best count + 1 schemes for a weighted Or of key terms (one may be the scheme itself).

    Scores add term by term in the query's order, as the Or query adds them; ties go to the lower rank.
    """
    import numpy as np
    scores = np.zeros(table.size, dtype=np.float64)
    for term, weight in terms:
        docs, values = table.postings[term]
        scores[docs] += weight * values  # a term holds each scheme once, so no index repeats
    want = min(table.count + 1, table.size)
    if want == 0:
        return []
    floor = np.partition(scores, table.size - want)[table.size - want]
    candidates = np.flatnonzero((scores >= floor) & (scores > 0))
    ranked = sorted(candidates.tolist(), key=lambda n: (-scores[n], n))
    return ranked[:want]

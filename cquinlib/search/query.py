"""Querying the whoosh index with whoosh's own query language (what the index tests read it with), and a result's
best goal. `build.py search` runs search.engine instead: the search page's grammar over the exported files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Optional

from whoosh import index as whoosh_index
from whoosh.fields import Schema

from ..library.model import Goal, Scheme
from .document import Labels, goal_detail, goal_heading
from .index import make_analyzer
from .labels import TopicLabels
from .terms import TEXT_FIELDS

if TYPE_CHECKING:  # the query parser is loaded only to search, not to build
    from whoosh.qparser import MultifieldParser
    from whoosh.query import Query


@dataclass(frozen=True)
class Hit:
    """One ranked scheme."""

    id: str
    score: float


def query_parser(schema: Schema) -> MultifieldParser:
    """Every word must match somewhere in the text fields; fields can be named (year:2019-20)."""
    from whoosh.qparser import MultifieldParser
    return MultifieldParser(list(TEXT_FIELDS), schema)


def search(path: Path, text: str, topics: TopicLabels,
           limit: Optional[int] = None) -> tuple[list[Hit], frozenset[str]]:
    """Schemes matching a query, best first (equal scores in id order), and the stems the query looks for; a
    word of a topic's name also finds the schemes filed under the topic."""
    ix = whoosh_index.open_dir(str(path))
    try:
        query = topics.expand(query_parser(ix.schema).parse(text))
        with ix.searcher() as searcher:
            results = searcher.search(query, limit=None)
            hits = sorted((Hit(r["id"], r.score) for r in results), key=lambda h: (-h.score, h.id))
    finally:
        ix.close()
    return (hits if limit is None else hits[:limit]), query_stems(query)


def query_stems(query: Query) -> frozenset[str]:
    """The analysed words a query looks for in the text fields."""
    return frozenset(t.decode("utf-8") if isinstance(t, bytes) else str(t)
                     for field, t in query.iter_all_terms() if field in TEXT_FIELDS)


def best_goal(scheme: Scheme, labels: Labels, stems: frozenset[str]) -> Optional[Goal]:
    """The goal that mentions most of the query's words, its name, national goal and topics counting double."""
    analyzer = make_analyzer()

    def hits(text: str) -> int:
        """Query words in a text."""
        return len(stems & {t.text for t in analyzer(text)})

    scored = [(2 * hits(goal_heading(labels, scheme.year, g)) + hits(goal_detail(g)), -n, g)
              for n, g in enumerate(scheme.goals)]
    best = max(scored, key=lambda item: item[:2], default=None)
    return best[2] if best and best[0] > 0 else None

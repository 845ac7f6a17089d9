"""Topic names, matched when a query is run rather than indexed with every document.

A scheme's document holds the slugs of its topics (the labels field), never their names. A query word whose
stem is in a topic's name also matches the schemes filed under that topic, scored on the labels field as
whoosh scores any term. Renaming a topic then changes this small table and the pages that show the name, and
no search document: at 1,000 synthetic schemes one topic is used by four in ten of them, and indexing names
made every such document be analysed and indexed again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from whoosh.query import Or, Query, Term

from .analysis import SearchAnalyzer
from .terms import LABEL_FIELD

LABELLED_FIELD = "goals"  # the text field a topic's name belongs to: its words also match its label there


@dataclass(frozen=True)
class TopicLabels:
    """Each stem of a topic name with the topics whose names hold it, and the surface words of the names."""

    stems: Mapping[str, tuple[str, ...]]  # stem to topic slugs, sorted
    words: Mapping[str, str]  # lower-case word to its stem

    def expand(self, query: Query) -> Query:
        """A parsed query in which every term of the goals field also matches the topics its stem names."""
        def with_labels(q: Query) -> Query:
            """One node: a goals term gains its topics' labels."""
            if isinstance(q, Term) and q.fieldname == LABELLED_FIELD:
                text = q.text.decode("utf-8") if isinstance(q.text, bytes) else str(q.text)
                slugs = self.stems.get(text, ())
                if slugs:
                    return Or([q, *(Term(LABEL_FIELD, slug, boost=q.boost) for slug in slugs)])
            return q
        expanded: Query = query.accept(with_labels)
        return expanded


def topic_labels(names: Mapping[str, str]) -> TopicLabels:
    """The label table of a library's topics (slug to name), analysed as documents are."""
    analyzer = SearchAnalyzer()
    stems: dict[str, set[str]] = {}
    words: dict[str, str] = {}
    for slug, name in sorted(names.items()):
        for stem in analyzer.stem_frequencies(name, words):
            stems.setdefault(stem, set()).add(slug)
    return TopicLabels({stem: tuple(sorted(slugs)) for stem, slugs in sorted(stems.items())}, dict(sorted(words.items())))

"""Synonyms and abbreviations, applied when a query runs: topic aliases and the library's _synonyms.yaml.

A group is a list of equivalent terms (a word, an abbreviation such as A&E, or several words). The export
carries each group as its terms' stems, in order, and both engines (search.engine, search.js) read a query's
words against them: a query term equal to one term of a group also matches every other term of it, as a
phrase. Nothing is indexed, so editing a synonym changes no search document.
"""

from __future__ import annotations

from typing import Iterable

from whoosh.lang.snowball.english import EnglishStemmer

from .grammar import kept, tokens_of


def term_stems(term: str) -> tuple[str, ...]:
    """A term's stems, found as a document's words are (stop words and one-letter words left out)."""
    stemmer = EnglishStemmer().stem
    return tuple(stemmer(t.text) for t in tokens_of(term, 0) if kept(t))


def synonym_table(groups: Iterable[Iterable[str]]) -> list[list[list[str]]]:
    """Each group with two or more distinct analysed terms, its terms as lists of stems, in the order written."""
    table: list[list[list[str]]] = []
    for group in groups:
        members: list[list[str]] = []
        for term in group:
            stems = list(term_stems(term))
            if stems and stems not in members:
                members.append(stems)
        if len(members) > 1:
            table.append(members)
    return table

"""The search analyser: whoosh's StemmingAnalyzer with Snowball English stems, and a fast path for indexing."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any, Iterator, Optional

from whoosh.analysis import STOP_WORDS, Analyzer, StemmingAnalyzer, Token
from whoosh.lang.snowball.english import EnglishStemmer

# whoosh 2.7.4's default pattern, with '&' joining words as '.' does, so A&E and R&D are words of their own
# (two one-letter words would be dropped). Whoosh-Reloaded's also keeps '*', which would glue Markdown emphasis
# to words. search.js and search.grammar read query words with the same pattern.
TOKEN_PATTERN = r"\w+([.&]?\w+)*"
WORD_PATTERN = r"\w+(?:[.&]?\w+)*"  # the same words, without a capturing group, for re.findall
MIN_WORD = 2
STEM_CACHE = 200_000


def stemming_analyzer() -> Analyzer:
    """whoosh's StemmingAnalyzer (words, lower case, stop words out) with Snowball English stems.

    whoosh's default Porter stemmer leaves 'vaccinated' as 'vaccinat' but 'vaccination' as 'vaccin';
    Snowball (Porter2) gives both 'vaccin', which is what a reader expects.
    """
    return StemmingAnalyzer(expression=TOKEN_PATTERN, stemfn=EnglishStemmer().stem, minsize=MIN_WORD)


class SearchAnalyzer(Analyzer):  # type: ignore[misc]
    """whoosh's StemmingAnalyzer, with a counting path for what is indexed.

    whoosh runs a chain of generators per token (tokenizer, lower case, stop words, stemmer), which was most of
    the time analysis took. Nothing indexed needs more than each stem's count, so stem_frequencies answers that
    in one pass with a stem cache (search.terms indexes through it); every call for tokens (queries,
    highlighting) goes to the StemmingAnalyzer itself. tests/test_search.py checks that both agree.
    """

    def __init__(self) -> None:
        """The full analyser, and the pieces the counting path needs."""
        self.full = stemming_analyzer()
        self.words = re.compile(WORD_PATTERN)
        self.stops = frozenset(STOP_WORDS)
        self.stem = EnglishStemmer().stem
        self.stems: dict[str, str] = {}

    def __getstate__(self) -> dict[str, Any]:
        """Pickled into the index's schema without the stem cache."""
        return {"full": self.full}

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Rebuild the counting path's pieces after unpickling."""
        self.__init__()  # type: ignore[misc]
        self.full = state["full"]

    def __eq__(self, other: object) -> bool:
        """Every SearchAnalyzer analyses alike (its stemmer, a bound method, never compares equal to a copy's)."""
        return isinstance(other, SearchAnalyzer)

    def __hash__(self) -> int:
        """Analysers are compared, never hashed by content."""
        return id(self)

    def has_morph(self) -> bool:
        """It stems, like the StemmingAnalyzer it stands for."""
        return True

    def __call__(self, value: str, **kwargs: Any) -> Iterator[Token]:
        """Tokens of a text, as the StemmingAnalyzer makes them."""
        tokens: Iterator[Token] = self.full(value, **kwargs)
        return tokens

    def stem_frequencies(self, text: str, vocabulary: Optional[dict[str, str]] = None) -> dict[str, int]:
        """Each stem of a text with how often the StemmingAnalyzer yields it (positions are never indexed).

        Words are counted first (in C), so each distinct word is checked and stemmed once; each kept word is
        recorded in vocabulary (word to stem), when one is given.
        """
        stops, stems, stem = self.stops, self.stems, self.stem
        counts: dict[str, int] = {}
        for word, times in Counter(map(str.lower, self.words.findall(text))).items():
            if len(word) < MIN_WORD or word in stops:
                continue
            found = stems.get(word)
            if found is None:
                found = stem(word)
                if len(stems) < STEM_CACHE:
                    stems[word] = found
            counts[found] = counts.get(found, 0) + times
            if vocabulary is not None:
                vocabulary[word] = found
        return counts

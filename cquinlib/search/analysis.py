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
    """StemmingAnalyzer's own tokens, made in one pass when a document is indexed.

    whoosh runs a chain of generators per token (tokenizer, lower case, stop words, stemmer), which is most of
    the time an index build takes. Indexing asks for nothing but words and positions, so that call is answered
    by one loop with a stem cache; every other call (queries, highlighting, key terms) goes to the
    StemmingAnalyzer itself. tests/test_search.py checks that both give the same tokens.
    """

    def __init__(self) -> None:
        """The full analyser, and the pieces the fast path needs."""
        self.full = stemming_analyzer()
        self.words = re.compile(WORD_PATTERN)
        self.stops = frozenset(STOP_WORDS)
        self.stem = EnglishStemmer().stem
        self.stems: dict[str, str] = {}

    def __getstate__(self) -> dict[str, Any]:
        """Pickled into the index's schema without the stem cache."""
        return {"full": self.full}

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Rebuild the fast path's pieces after unpickling."""
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

    def __call__(self, value: str, positions: bool = False, chars: bool = False, keeporiginal: bool = False,
                 removestops: bool = True, start_pos: int = 0, start_char: int = 0, tokenize: bool = True,
                 mode: str = "", **kwargs: Any) -> Iterator[Token]:
        """Tokens of a text: the fast path for indexing, the full analyser for anything else."""
        if mode != "index" or chars or keeporiginal or not removestops or not tokenize or set(kwargs) - {"boosts"}:
            tokens: Iterator[Token] = self.full(value, positions=positions, chars=chars, keeporiginal=keeporiginal,
                                                removestops=removestops, start_pos=start_pos, start_char=start_char,
                                                tokenize=tokenize, mode=mode, **kwargs)
            return tokens
        return self._index_tokens(value, positions, start_pos, Token(positions, False, removestops=True, mode=mode,
                                                                     **kwargs))

    def stem_frequencies(self, text: str, vocabulary: Optional[dict[str, str]] = None) -> dict[str, int]:
        """Each stem of a text with how often the index path yields it (positions are never indexed).

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

    def _index_tokens(self, value: str, positions: bool, start_pos: int, token: Token) -> Iterator[Token]:
        """What the StemmingAnalyzer yields, one Token reused, as whoosh's own analysers do."""
        for pos, _, stem in self._kept_words(value, start_pos):
            token.text, token.boost, token.stopped = stem, 1.0, False
            if positions:
                token.pos = pos
            yield token

    def _kept_words(self, text: str, start_pos: int) -> Iterator[tuple[int, str, str]]:
        """(position, lower-case word, stem) of each word the StemmingAnalyzer keeps, with StopFilter's
        positions: from the first kept word's place among all words, then on by one."""
        stops, stems, stem = self.stops, self.stems, self.stem
        pos = None
        for n, word in enumerate(self.words.findall(text)):
            word = word.lower()
            if len(word) < MIN_WORD or word in stops:
                continue
            pos = start_pos + n if pos is None else pos + 1
            found = stems.get(word)
            if found is None:
                found = stem(word)
                if len(stems) < STEM_CACHE:
                    stems[word] = found
            yield pos, word, found

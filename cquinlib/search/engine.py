"""The query engine of the command line: search.js's engine, step for step, over the same exported files.

Both engines read m.gz, the vocabulary and postings files and f.gz (search.export), parse with the same
grammar (search.grammar) and score with whoosh's BM25F from the exported frequencies and lengths, so the site
and `build.py search` return the same schemes in the same order. tests/test_search_engines_browser.py runs a
corpus of queries through both. Keep the two in step: every loop here has its twin in search.js, in the same
order, so that floating-point sums are made in the same order too.

How a word is resolved, in order: a term of a synonym group matches every term of its group; a word whose stem
the library holds matches that stem; an open last word (search.grammar) that is not a word of the library is
completed (up to MAX_COMPLETIONS stems, most frequent first, each weighing COMPLETION_WEIGHT); any other unknown
word of three letters or more is replaced by the nearest word of the vocabulary (see correction), which the
result reports; else it matches nothing.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any, Callable, Optional

from whoosh.lang.snowball.english import EnglishStemmer

from .grammar import Atom, Parsed, Token, kept, parse

MAX_COMPLETIONS = 12
MAX_RANGE_SHARDS = 4
COMPLETION_WEIGHT = 0.5
LABEL_KEYS = ("topic", "region", "type", "year")
# Places a word can be found in, as bits: the five text fields, then region, type and year names (a topic's
# name counts as a goal's name). A phrase must find all its words in one place.
LABEL_BITS = {"topic": 3, "region": 5, "type": 6, "year": 7}
FILED_FROM = 5  # the first of the region, type and year bits
QUANTUM = 1e6  # scores are compared to six decimals, so the two engines' last-bit differences never reorder

Reader = Callable[[str], Any]
Match = dict[int, list[float]]  # slot to [score, places]


@dataclass(frozen=True)
class Result:
    """A query's ranked slots, the stems it looked for, and the corrected query text ('' when none)."""

    hits: tuple[tuple[int, float, int], ...]  # (slot, score, places)
    stems: frozenset[str]
    corrected: str
    empty: bool  # no clause to search with (only stop words, or nothing)


def filed(places: int) -> int:
    """How many of region, provider type and year a scheme matched by name: schemes filed under what the query
    names rank first (a scheme in London before a provider named after London elsewhere), then by score."""
    return bin(places >> FILED_FROM).count("1")


def bm25(idf: float, tf: float, fl: float, avgfl: float, b: float, k1: float) -> float:
    """whoosh's scoring.bm25."""
    return idf * ((tf * (k1 + 1)) / (tf + k1 * ((1 - b) + b * fl / avgfl)))


def distance(a: str, b: str) -> int:
    """Edit distance with transpositions (optimal string alignment), as search.js computes it."""
    prev2: Optional[list[int]] = None
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i]
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost))
            if prev2 is not None and i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[len(b)]


def run_of(runs: list[list[str]], key: str) -> int:
    """The run (a vocabulary or postings file) a key falls in: the last whose first key is <= key."""
    lo, hi = 0, len(runs) - 1
    while lo < hi:
        mid = (lo + hi + 1) >> 1
        if runs[mid][0] <= key:
            lo = mid
        else:
            hi = mid - 1
    return lo


def stem_of(word: str, code: str) -> str:
    """A vocabulary word's stem from its code (search.export.stem_code)."""
    if not code:
        return word
    if code[0] == "=":
        return code[1:]
    digits = len(code) - len(code.lstrip("0123456789"))
    return word[:len(word) - int(code[:digits])] + code[digits:]


class Engine:
    """A query engine over an export, read through `read` (a file's name under /search/ to its parsed JSON)."""

    def __init__(self, read: Reader) -> None:
        """Read the manifest; everything else is read when a query needs it."""
        self.read = read
        self.m = read("m.gz")
        self.stem = EnglishStemmer().stem
        self.terms: dict[str, Match] = {}
        self.table: Optional[dict[str, Any]] = None
        self.synonyms = {tuple(member): group for group in self.m["syn"] for member in group}
        listed, gaps = self.m["kind"]
        slots = set(itertools.accumulate(gaps))
        # Real schemes rank before worked examples where all else is equal: 0 for real, 1 for illustrative.
        self.example = (lambda slot: slot not in slots) if listed else (lambda slot: slot in slots)

    def facets(self) -> dict[str, Any]:
        """The facet table: facets by key, each slot's place in id order, the slots in id order."""
        if self.table is None:
            raw = self.read("f.gz")
            self.table = {"by": {f["k"]: f for f in raw["f"]}, "at": {slot: i for i, slot in enumerate(raw["d"])},
                          "docs": raw["d"]}
        return self.table

    def vocab(self, n: int) -> dict[str, list[Any]]:
        """Vocabulary file n (none in an empty library)."""
        runs = self.m["vocab"]
        return self.read(f"v/{runs[n][1]}.gz") if n < len(runs) else {"w": [], "s": [], "n": []}

    def term(self, stem: str) -> Match:
        """A stem's score and places in each document holding it: BM25F per text field, summed, then the names
        of topics, regions, types and years that hold it, scored as whoosh scores a keyword field."""
        if stem in self.terms:
            return self.terms[stem]
        m, found = self.m, {}
        rows: list[Any] = []
        if m["post"]:
            shard = self.read(f"p/{m['post'][run_of(m['post'], stem)][1]}.gz")
            rows = shard.get(stem, [])
        for row in rows:
            field, gaps, freqs, lengths = m["fields"][row[0]], row[1], row[2], row[3]
            idf, doc = math.log(m["n"] / (len(gaps) + 1)) + 1, 0
            for i, gap in enumerate(gaps):
                doc += gap
                at = found.setdefault(doc, [0.0, 0])
                at[0] += bm25(idf, freqs[i] * field[1], lengths[i], field[2], m["b"], m["k1"])
                at[1] |= 1 << row[0]
        for key in LABEL_KEYS:
            values = m["lab"][key].get(stem, [])
            if values:
                self._labels(key, values, found)
        self.terms[stem] = found
        return found

    def _labels(self, key: str, values: list[str], found: Match) -> None:
        """Add the scores of a stem found in the names of some values of a facet (from l/KEY/VALUE.gz)."""
        m = self.m
        boost, average = m["lb"][key]
        for value in values:
            table, slot, holders = self.read(f"l/{key}/{value}.gz"), 0, []
            for gap, count in zip(table["g"], table["q"]):
                slot += gap
                holders.append((slot, count))
            idf = math.log(m["n"] / (len(holders) + 1)) + 1
            for slot, count in holders:
                at = found.setdefault(slot, [0.0, 0])
                at[0] += bm25(idf, boost, m["ql"][count], average, m["b"], m["k1"])
                at[1] |= 1 << LABEL_BITS[key]

    def completions(self, prefix: str) -> list[str]:
        """Stems of the vocabulary's words starting with prefix, most frequent first, at most MAX_COMPLETIONS."""
        runs = self.m["vocab"]
        first = run_of(runs, prefix) if runs else 0
        last = min(run_of(runs, prefix + "\uffff") if runs else 0, first + MAX_RANGE_SHARDS - 1)
        found: list[tuple[int, str, str]] = []
        for n in range(first, last + 1):
            shard = self.vocab(n)
            for i, word in enumerate(shard["w"]):
                if word.startswith(prefix):
                    found.append((-shard["n"][i], word, stem_of(word, shard["s"][i])))
        stems: list[str] = []
        for _, _, stem in sorted(found):
            if stem not in stems and len(stems) < MAX_COMPLETIONS:
                stems.append(stem)
        return stems

    def correction(self, word: str) -> Optional[tuple[str, str]]:
        """The nearest word of the vocabulary (word, stem): same first letter, at most 1 edit for words of four
        letters or fewer, else 2 (a word whose stem, of four letters or more, is the typed word's stem but its
        last letter counts as the most: 'injuries' finds 'injured'); ties go to the more frequent, then the first
        in order."""
        runs, limit, typed = self.m["vocab"], 1 if len(word) <= 4 else 2, self.stem(word)
        if not runs:
            return None
        best: Optional[tuple[int, int, str, str]] = None
        for n in range(run_of(runs, word[0]), run_of(runs, word[0] + "\uffff") + 1):
            shard = self.vocab(n)
            for i, w in enumerate(shard["w"]):
                if abs(len(w) - len(word)) > limit or w[0] != word[0]:
                    continue
                d, stem = distance(word, w), stem_of(w, shard["s"][i])
                if d > limit and len(stem) >= 4 and len(typed) == len(stem) + 1 and typed.startswith(stem):
                    d = limit
                if d <= limit and (best is None or (d, -shard["n"][i], w) < best[:3]):
                    best = (d, -shard["n"][i], w, stem)
        return (best[2], best[3]) if best else None

    def run(self, text: str, correct: bool = True) -> Result:
        """Search: parse, resolve each atom, combine the clauses, rank."""
        return _Run(self, correct).result(text, parse(text))


class _Run:
    """One query's resolution: the stems it used and the corrections it made."""

    def __init__(self, engine: Engine, correct: bool) -> None:
        """A run on an engine; correct=False searches the words as typed."""
        self.e, self.correct = engine, correct
        self.stems: list[str] = []
        self.fixes: list[tuple[Token, str]] = []

    def term(self, stem: str) -> Match:
        """A stem's matches, noted as looked for."""
        if stem not in self.stems:
            self.stems.append(stem)
        return self.e.term(stem)

    def all_of(self, stems: list[str], phrase: bool) -> Match:
        """Documents holding every stem (in one place, for a phrase); scores add up, in the stems' order."""
        matches = [self.term(s) for s in stems]
        out: Match = {}
        for doc, first in matches[0].items():
            score, places, union, held = first[0], first[1], first[1], True
            for other in matches[1:]:
                at = other.get(doc)
                if at is None:
                    held = False
                    break
                score, places, union = score + at[0], places & at[1], union | at[1]
            if held and (places or not phrase):
                out[doc] = [score, places if phrase else union]
        return out

    def synonym_group(self, stems: tuple[str, ...]) -> Optional[list[list[str]]]:
        """The synonym group one of whose terms these stems are, if any."""
        return self.e.synonyms.get(stems) if stems else None

    def atom(self, atom: Atom) -> Optional[Match]:
        """An atom's matches; None when it is to be left out (an open stop word with nothing to complete)."""
        if atom.kind == "field":
            return self.field(atom.field, atom.value)
        words = [t for t in atom.tokens if kept(t)]
        stems = tuple(self.e.stem(t.text) for t in words)
        group = self.synonym_group(stems) if len(words) == len(atom.tokens) else None
        if group is not None:
            return self.alternatives(list(stems), group, atom.kind == "phrase")
        if atom.kind == "phrase":
            return self.all_of(list(stems), True)
        return self.word(atom.tokens[0], atom.open)

    def alternatives(self, typed: list[str], group: list[list[str]], phrase: bool) -> Match:
        """What was typed (all its words, or a phrase), or any other term of its synonym group as a phrase."""
        out: Match = {}
        for match in [self.all_of(typed, phrase)] + [self.all_of(m, True) for m in group if m != typed]:
            _merge(out, match)
        return out

    def word(self, token: Token, open_word: bool) -> Optional[Match]:
        """One word: its stem; else completed, if open; else corrected; else nothing."""
        if kept(token):
            found = self.term(self.e.stem(token.text))
            if found:
                return found
        if open_word and len(token.text) >= self.e.m["min"]:
            stems = self.e.completions(token.text)
            if stems:
                out: Match = {}
                for stem in stems:
                    for doc, (score, places) in self.term(stem).items():
                        s, at = score * COMPLETION_WEIGHT, out.get(doc)
                        if at is None:
                            out[doc] = [s, places]
                        else:
                            at[0], at[1] = max(at[0], s), at[1] | places
                return out
        if not kept(token):
            return None
        if self.correct and len(token.text) >= 3:
            fix = self.e.correction(token.text)
            if fix:
                self.fixes.append((token, fix[0]))
                return self.term(fix[1])
        return {}

    def field(self, key: str, value: str) -> Match:
        """Documents with a facet value (its slug or its label, in any case); they score nothing."""
        table = self.e.facets()
        facet = table["by"].get(key)
        if facet is None:
            return {}
        code = next((chr(48 + i) for i, (v, label) in enumerate(zip(facet["v"], facet["l"]))
                     if v.lower() == value or label.lower() == value), None)
        if code is None:
            return {}
        return {slot: [0.0, 0] for slot, codes in zip(table["docs"], facet["c"]) if code in codes}

    def clauses(self, parsed: Parsed) -> list[tuple[Match, bool]]:
        """Each clause's matches and whether it searched words, synonyms read across runs of one-word clauses."""
        plain = [len(c) == 1 and c[0].kind == "words" and kept(c[0].tokens[0]) for c in parsed.clauses]
        stems = [self.e.stem(c[0].tokens[0].text) if ok else "" for c, ok in zip(parsed.clauses, plain)]
        out: list[tuple[Match, bool]] = []
        i = 0
        while i < len(parsed.clauses):
            run = 0
            while i + run < len(plain) and plain[i + run]:
                run += 1
            length = next((n for n in range(run, 1, -1) if tuple(stems[i:i + n]) in self.e.synonyms), 0)
            if length:
                group = self.e.synonyms[tuple(stems[i:i + length])]
                out.append((self.alternatives(stems[i:i + length], group, False), True))
                i += length
                continue
            matches = [(self.atom(a), a.kind != "field") for a in parsed.clauses[i]]
            kept_matches = [(m, words) for m, words in matches if m is not None]
            if kept_matches:
                merged: Match = {}
                for match, _ in kept_matches:
                    _merge(merged, match)
                out.append((merged, any(words for _, words in kept_matches)))
            i += 1
        return out

    def result(self, text: str, parsed: Parsed) -> Result:
        """Combine the clauses: every positive one must match, negated ones exclude; rank."""
        positive = self.clauses(parsed)
        negative = [m for m in (self.atom(a) for a in parsed.negated) if m is not None]
        if not positive and not negative:
            return Result((), frozenset(self.stems), "", True)
        if positive:
            first, rest = positive[0][0], [m for m, _ in positive[1:]]
            docs: Match = {}
            for doc, at in first.items():
                score, places = at[0], at[1]
                for other in rest:
                    more = other.get(doc)
                    if more is None:
                        break
                    score, places = score + more[0], places | more[1]
                else:
                    docs[doc] = [score, places]
        else:
            docs = {slot: [0.0, 0] for slot in self.e.facets()["docs"]}
        for match in negative:
            docs = {d: v for d, v in docs.items() if d not in match}
        if any(words for _, words in positive):
            order = sorted(docs, key=lambda d: (-filed(docs[d][1]), -math.floor(docs[d][0] * QUANTUM + 0.5),
                                                self.e.example(d), d))
        else:
            at = self.e.facets()["at"]
            order = sorted(docs, key=lambda d: (self.e.example(d), -at[d]))
        return Result(tuple((d, docs[d][0], docs[d][1]) for d in order), frozenset(self.stems),
                      self.corrected(text), False)

    def corrected(self, text: str) -> str:
        """The query text with each corrected word put in its place ('' when nothing was corrected)."""
        for token, word in sorted(self.fixes, key=lambda f: -f[0].start):
            text = text[:token.start] + word + text[token.end:]
        return text if self.fixes else ""


def _merge(into: Match, match: Match) -> None:
    """Add one alternative's matches to a clause's (whoosh's Or sums the scores of what matches)."""
    for doc, (score, places) in match.items():
        at = into.get(doc)
        if at is None:
            into[doc] = [score, places]
        else:
            at[0], at[1] = at[0] + score, at[1] | places

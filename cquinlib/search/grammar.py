"""The query language, parsed: the one grammar that search.js parses too, character for character.

The grammar (the search page's help and the README say the same, in fewer words):

- The text is read left to right as atoms separated by white space.
- `"a quoted phrase"` is one atom (a quote left open runs to the end of the text).
- `field:value` (or `field:"a value"`) with field one of year, region, type, topic, domain, national,
  framework, illustrative is a filter atom; any other word with a colon is a plain atom.
- `OR` (in capitals, standing alone) joins the atom before it and the atom after it into one clause that
  either may match. `NOT` (capitals, alone) or a `-` written before an atom makes it a negated clause: schemes
  matching it are left out. A negated atom is never part of an OR (an OR beside one is read as a space).
- Every other run of non-space characters is a word atom. Its words are found as documents' words are
  (letters and digits, joined by one '.' or '&': A&E, 2019.20, CQUIN01), lower-cased; stop words and
  one-letter words are dropped. A word atom with two or more words (front-line) is a phrase.
- Every clause that is not negated must match; their scores add up. A phrase matches a scheme with all its
  words in one place (its title, provider, commissioners, goal names, other text, or a topic, region, type or
  year name); word order is not checked.
- The last atom is open when it is a one-word atom and the text does not end in a space: if that word is not
  a word of the library, it is taken as the beginning of one (prefix completion, ranked below exact words).

Each atom records where its words are in the text, so a corrected word can be put back in its place.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from whoosh.analysis import STOP_WORDS

from .analysis import MIN_WORD, WORD_PATTERN

FIELDS = ("year", "region", "type", "topic", "domain", "national", "framework", "illustrative")
_WORDS = re.compile(WORD_PATTERN)
_FIELD = re.compile(r"([A-Za-z]+):(.*)", re.DOTALL)
# What separates atoms, in both engines alike (Python's isspace and JavaScript's \s differ past ASCII).
SPACES = frozenset(" \t\n\r\f\v\u00a0")


class Token(NamedTuple):
    """One word of an atom: lower case, and where it is in the query text."""

    text: str
    start: int
    end: int


class Atom(NamedTuple):
    """A word atom, a phrase or a filter: its kept words (none for a filter), or its field and value."""

    kind: str  # 'words', 'phrase' or 'field'
    tokens: tuple[Token, ...]
    field: str = ""
    value: str = ""
    negated: bool = False
    open: bool = False  # the open last word (see the module's docstring)


class Parsed(NamedTuple):
    """A parsed query: clauses of atoms (the atoms of one clause are alternatives), and the negated clauses."""

    clauses: tuple[tuple[Atom, ...], ...]
    negated: tuple[Atom, ...]
    dropped: bool  # some atom had only stop words or one-letter words


def _raw_items(text: str) -> list[tuple[str, str, int, bool]]:
    """(kind, raw text, start offset, negated) per item: 'or', 'not', 'phrase', 'field' or 'word'."""
    items: list[tuple[str, str, int, bool]] = []
    i, n = 0, len(text)
    while i < n:
        if text[i] in SPACES:
            i += 1
            continue
        negated = False
        if text[i] == "-" and i + 1 < n and text[i + 1] not in SPACES:
            negated, i = True, i + 1
        if text[i] == '"':
            close = text.find('"', i + 1)
            end = n if close < 0 else close
            items.append(("phrase", text[i + 1:end], i + 1, negated))
            i = end + 1
            continue
        start = i
        while i < n and text[i] not in SPACES:
            i += 1
        raw = text[start:i]
        field = _FIELD.fullmatch(raw)
        if field and field.group(1).lower() in FIELDS and field.group(2).startswith('"'):
            close = text.find('"', start + len(field.group(1)) + 2)
            i = n if close < 0 else close + 1
            raw = text[start:i]
        if raw in ("OR", "NOT") and not negated:
            items.append((raw.lower(), raw, start, False))
        elif field and field.group(1).lower() in FIELDS:
            items.append(("field", raw, start, negated))
        else:
            items.append(("word", raw, start, negated))
    return items


def tokens_of(raw: str, start: int) -> list[Token]:
    """The words of a piece of text, lower case, with their offsets (none dropped)."""
    return [Token(m.group(0).lower(), start + m.start(), start + m.end()) for m in _WORDS.finditer(raw)]


def kept(token: Token) -> bool:
    """Whether a word counts: not a stop word, and at least MIN_WORD letters."""
    return len(token.text) >= MIN_WORD and token.text not in STOP_WORDS


def parse(text: str) -> Parsed:
    """Parse a query (see the module's docstring)."""
    items = _raw_items(text)
    atoms: list[tuple[Atom, bool]] = []  # each atom, and whether an OR joins it to the one before
    pending_not, joined, dropped = False, False, False
    for index, (kind, raw, start, negated) in enumerate(items):
        if kind == "not":
            pending_not = True
            continue
        if kind == "or":
            joined = bool(atoms)
            continue
        negated = negated or pending_not
        pending_not = False
        if kind == "field":
            name, _, value = raw.partition(":")
            atom = Atom("field", (), name.lower(), value.strip('"').strip().lower(), negated)
        else:
            found = tokens_of(raw, start)
            last = index == len(items) - 1 and kind == "word" and len(found) == 1 and not negated \
                and found[0].end == len(text)
            words = [t for t in found if kept(t) or last]
            if not words:
                dropped = dropped or bool(found)
                joined = False
                continue
            atom = Atom("phrase" if kind == "phrase" or len(words) > 1 else "words", tuple(words),
                        negated=negated, open=last)
        atoms.append((atom, joined and not negated and not atoms[-1][0].negated))
        joined = False
    clauses: list[list[Atom]] = []
    negatives: list[Atom] = []
    for atom, with_previous in atoms:
        if atom.negated:
            negatives.append(atom)
        elif with_previous and clauses:
            clauses[-1].append(atom)
        else:
            clauses.append([atom])
    return Parsed(tuple(tuple(c) for c in clauses), tuple(negatives), dropped)

"""Forbidden characters in YAML text (controls, bidi overrides), each found at its line, column and field.

They are looked for before the text is parsed, in the text as written, so that each is reported where it is rather
than where the parser gave up; and, in a file that has a double-quoted scalar with an escape, in the values the
escapes make (`"\\x1b[31m"`, a key `"a\\nb"`), since those never appear in the text as written.
"""

from __future__ import annotations

import re
from itertools import islice
from typing import NamedTuple, Union

import yaml

from ..core.controls import FORBIDDEN, SUSPECT, UNPRINTABLE, control_name

# One hidden character is usually many (a pasted escape sequence, a file saved as UTF-16): report the first few.
MAX_REPORTED = 20
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_ESCAPE = re.compile(r"\\(?:x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0abtnvfreN_LP\\\"/ \t])")
# YAML's one-letter escapes in double-quoted scalars, and the character each makes.
_ESCAPED = {"0": "\0", "a": "\a", "b": "\b", "t": "\t", "\t": "\t", "n": "\n", "v": "\v", "f": "\f", "r": "\r",
            "e": "\x1b", " ": " ", '"': '"', "/": "/", "\\": "\\", "N": "\x85", "_": "\xa0", "L": "\u2028",
            "P": "\u2029"}

FieldPath = tuple[Union[str, int], ...]


class CharacterProblem(NamedTuple):
    """A forbidden character at a 1-based line and column, in the field at path."""

    line: int
    column: int
    path: FieldPath
    message: str


class _Span(NamedTuple):
    """Where a node starts and ends, 0-based (line, column) pairs, and its field path."""

    start: tuple[int, int]
    end: tuple[int, int]
    path: FieldPath


def written_problems(text: str) -> list[CharacterProblem]:
    """Every forbidden character in YAML text as written (a byte order mark may open it), in the field holding it."""
    start = 1 if text.startswith("\ufeff") else 0
    if SUSPECT.search(text, start) is None:  # one scan of a character class, twice as fast as FORBIDDEN's
        return []
    found = list(islice(FORBIDDEN.finditer(text, start), MAX_REPORTED + 1))
    if not found:
        return []
    # The same text with each forbidden character made a space (one character for one, so every position holds)
    # can usually be parsed, which tells each character's field.
    spans = _spans(text[:start] + FORBIDDEN.sub(" ", text[start:]))
    problems = []
    for match in found[:MAX_REPORTED]:
        index = match.start()
        line = text.count("\n", 0, index)
        column = index - (text.rfind("\n", 0, index) + 1)
        problems.append(CharacterProblem(line + 1, column + 1, _innermost(spans, (line, column)),
                                         _message(match.group(0))))
    if len(found) > MAX_REPORTED:
        last = problems[-1]
        problems[-1] = last._replace(message=last.message + f" (the first {MAX_REPORTED} such characters are "
                                                            "reported: there are more)")
    return problems


def escaped_problems(text: str, root: yaml.Node | None) -> list[CharacterProblem]:
    """Forbidden characters that escapes in double-quoted scalars make: in a value (a line break or tab is
    fine there) or in a key (where neither is)."""
    if root is None or "\\" not in text or '"' not in text:
        return []
    lines = text.split("\n")
    problems: list[CharacterProblem] = []
    for node, path, is_key in _walk(root):
        if not isinstance(node, yaml.ScalarNode) or node.style != '"':
            continue
        bad = (UNPRINTABLE if is_key else FORBIDDEN).search(node.value)
        if bad is None:
            continue
        line, column = _escape_position(lines, node, bad.group(0))
        problems.append(CharacterProblem(line, column, path, _message(bad.group(0), escaped=True,
                                                                      in_key=is_key)))
        if len(problems) == MAX_REPORTED:
            break
    return problems


def _message(char: str, escaped: bool = False, in_key: bool = False) -> str:
    """What a problem says of one forbidden character."""
    name = control_name(char) + (", written as an escape," if escaped else "")
    if in_key and char in "\n\r\t":
        return f"{name} is not allowed in a key: a key is one line of text"
    if char == "\r" and not escaped:
        return (f"{name} without a line feed is not allowed: save the file with Unix (LF) or Windows (CRLF) line "
                "endings")
    if "\u202a" <= char <= "\u202e" or "\u2066" <= char <= "\u2069":
        why = "it makes text display in another order than it reads"
    else:
        why = "most editors do not show it"
    return f"{name} is not allowed in {'a key' if in_key else 'YAML text'} ({why}): delete it"


def _escape_position(lines: list[str], node: yaml.ScalarNode, char: str) -> tuple[int, int]:
    """1-based line and column of the escape in a double-quoted scalar that makes char (else the scalar's start)."""
    start, end = node.start_mark, node.end_mark
    for line in range(start.line, min(end.line, len(lines) - 1) + 1):
        first = start.column if line == start.line else 0
        for match in _ESCAPE.finditer(lines[line], first):
            if _unescape(match.group(0)) == char:
                return line + 1, match.start() + 1
    return start.line + 1, start.column + 1


def _unescape(escape: str) -> str:
    """The character one YAML escape makes ('' for a code point past Unicode's)."""
    body = escape[1:]
    if body[0] in "xuU":
        code = int(body[1:], 16)
        return chr(code) if code <= 0x10FFFF else ""
    return _ESCAPED[body]


def _spans(text: str) -> list[_Span]:
    """Every node of a YAML text with its field path, outermost first; nothing when the text cannot be parsed."""
    try:
        root = yaml.compose(text, Loader=_BaseLoader)
    except (yaml.YAMLError, RecursionError):
        return []
    if root is None:
        return []
    return [_Span((n.start_mark.line, n.start_mark.column), (n.end_mark.line, n.end_mark.column), path)
            for n, path, _ in _walk(root)]


def _innermost(spans: list[_Span], position: tuple[int, int]) -> FieldPath:
    """The path of the innermost node that holds position (the last that does: spans run outermost first)."""
    found: FieldPath = ()
    for span in spans:
        if span.start <= position < span.end or span.start == position:
            found = span.path
    return found


def _walk(root: yaml.Node) -> list[tuple[yaml.Node, FieldPath, bool]]:
    """(node, field path, is a key) for every node, parents before children, each aliased node once."""
    out: list[tuple[yaml.Node, FieldPath, bool]] = []
    stack: list[tuple[yaml.Node, FieldPath, bool]] = [(root, (), False)]
    seen: set[int] = set()
    while stack:
        node, path, is_key = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        out.append((node, path, is_key))
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in reversed(node.value):
                name = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else "?"
                stack.append((value_node, path + (name,), False))
                stack.append((key_node, path + (name,), True))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((child, path + (index,), False) for index, child in reversed(list(enumerate(node.value))))
    return out

"""Control characters: which ones contributed text may not hold, their names, and escaping them for display."""

from __future__ import annotations

import re
import unicodedata

# C0 controls but tab and line feed, DEL, C1 controls (NEL among them: YAML 1.1 counts it as a line break, editors
# do not, so every later line number would disagree), the bidirectional embeddings, overrides and isolates (text
# that displays in another order than it reads), the line and paragraph separators (line breaks to YAML, not to
# most editors), the interlinear annotation marks, a byte order mark past the start, the two noncharacters, and a
# carriage return that does not end a line.
FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029"
                       "\ufff9-\ufffb\ufeff\ufffe\uffff]|\r(?!\n)")
# Every character FORBIDDEN can match, carriage returns included, as one class: text without any is clean.
SUSPECT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029\ufff9-\ufffb\ufeff\ufffe\uffff]")
# What never reaches a terminal or a diagnostic line raw: all of the above, and tab, line feed and every carriage
# return too, so that one diagnostic is always one line.
UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029\ufff9-\ufffb\ufeff\ufffe\uffff]")

_C0_NAMES = ("NUL SOH STX ETX EOT ENQ ACK BEL BS TAB LF VT FF CR SO SI DLE DC1 DC2 DC3 DC4 NAK SYN ETB CAN EM SUB "
             "ESC FS GS RS US").split()
_C1_NAMES = {0x7F: "DEL", 0x85: "NEL"}


def control_name(char: str) -> str:
    """'U+001B (ESC)', 'U+202E (RIGHT-TO-LEFT OVERRIDE)': a forbidden character as a message names it."""
    code = ord(char)
    name = _C0_NAMES[code] if code < 0x20 else _C1_NAMES.get(code) or unicodedata.name(char, "control character")
    return f"U+{code:04X} ({name})"


def escape_unprintable(text: str) -> str:
    """Text with every unprintable character written as a Python escape (\\n, \\x1b, \\u202e), so it prints on one
    line and no escape sequence reaches a terminal or a page raw."""
    if not UNPRINTABLE.search(text):
        return text
    return UNPRINTABLE.sub(lambda m: repr(m.group(0))[1:-1], text)


# Printable ASCII, tab and line feed: what a page is nearly all made of.
_PLAIN_BYTES = bytes(range(0x20, 0x7F)) + b"\t\n"


def utf8_has_forbidden(data: bytes) -> bool:
    """Whether UTF-8 bytes hold a character FORBIDDEN matches. A page is tens of kilobytes, and a regular
    expression over all of it cost 0.2 ms a page; deleting printable ASCII first (in C) leaves only the other
    characters, whole, since every byte of a multi-byte character is above 0x7F, to be searched."""
    rest = data.translate(None, _PLAIN_BYTES)
    if not rest:
        return False
    if b"\r" in rest:  # whether a carriage return ends a line needs the text around it
        return FORBIDDEN.search(data.decode("utf-8")) is not None
    return SUSPECT.search(rest.decode("utf-8")) is not None

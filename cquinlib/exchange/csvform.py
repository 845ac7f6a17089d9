"""The template's CSV form: the scheme details rows, a blank row, then the goals table, in one file.

Text a spreadsheet program would take for a formula (starting =, +, -, @) is written with a leading apostrophe,
which reading takes off again, so a CSV export can be opened safely and still imports to the same data.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from .cells import Cell, Grid, atom_text
from .template import Tables, normal

MAX_BYTES = 5 * 1024 * 1024
_RISKY = ("=", "+", "-", "@", "\t", "\r")


def _risky(text: str) -> bool:
    """Text a spreadsheet program would run as a formula, or such text behind our own apostrophes."""
    return text.startswith(_RISKY) or (text.startswith("'") and _risky(text[1:]))


def _written(value: Any) -> str:
    """A value as CSV text: dates ISO, true/false, numbers brief, risky text behind an apostrophe."""
    if value is None:
        return ""
    atom = atom_text(value)
    if atom is not None:
        return atom
    text = str(value)
    return "'" + text if _risky(text) else text


def write_csv(tables: Tables) -> bytes:
    """The CSV form (UTF-8 with a byte order mark, so spreadsheet programs read £ and accents right)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in tables.details:
        writer.writerow([_written(v) for v in row])
    writer.writerow([])
    for row in tables.goals:
        writer.writerow([_written(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def read_csv(data: bytes, name: str) -> tuple[Grid, Grid]:
    """The details and goals tables of a filled CSV form; cells are named as a spreadsheet program names a CSV's
    one sheet, by the file's name (scheme!C7)."""
    if len(data) > MAX_BYTES:
        raise ValueError(f"the CSV file is larger than {MAX_BYTES // 1048576} MB")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")  # a spreadsheet program's "CSV" on Windows
    rows = [tuple(Cell(_read(v)) for v in row) for row in csv.reader(io.StringIO(text, newline=""))]
    header = next((r for r, row in enumerate(rows) if row and normal(row[0].value) == "goal number"), len(rows))
    return Grid(name, tuple(rows[:header])), Grid(name, tuple(rows[header:]), header + 1)


def _read(text: str) -> Any:
    """A CSV field: empty is nothing, our apostrophe comes off, the rest is text for the column to read."""
    if text == "":
        return None
    return text[1:] if text.startswith("'") and _risky(text[1:]) else text

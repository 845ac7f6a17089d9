"""Cells as a spreadsheet holds them, read into the format's values, with the cell named in every problem."""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any, NamedTuple, Optional

from ..core.diagnostics import quote


class Cell(NamedTuple):
    """One cell's value as read (text, a number, a date, true/false, or None) and whether it shows as a percent."""

    value: Any
    percent: bool = False

    @property
    def empty(self) -> bool:
        """Nothing in it but perhaps spaces."""
        return self.value is None or (isinstance(self.value, str) and not self.value.strip())


EMPTY = Cell(None)


class Grid(NamedTuple):
    """A sheet's rows of cells; first_row is the sheet row number of rows[0] (a CSV holds two tables)."""

    name: str
    rows: tuple[tuple[Cell, ...], ...]
    first_row: int = 1

    def cell(self, row: int, column: int) -> Cell:
        """The cell at a 0-based row and column of this grid; empty past the edges."""
        cells = self.rows[row] if row < len(self.rows) else ()
        return cells[column] if column < len(cells) else EMPTY

    def ref(self, row: int, column: int) -> str:
        """The cell's name as a spreadsheet shows it: Goals!C7."""
        return f"{self.name}!{column_letter(column)}{row + self.first_row}"


class CellProblem(NamedTuple):
    """A value that could not be read, at its cell, named as the template's column names it."""

    cell: str
    label: str
    message: str

    def format(self) -> str:
        """`Goals!C7: goal weighting: expected a number, got 'twenty'`."""
        return f"{self.cell}: {self.label}: {self.message}"


class Unreadable(Exception):
    """A cell's value is not of the kind its column holds."""


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def number_text(value: float) -> str:
    """A number written as briefly as it reads back: 25 for 25.0, 1.5, 1e-06."""
    if isinstance(value, int):
        return str(value)
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


def atom_text(value: Any) -> Optional[str]:
    """true/false, a number as briefly as it reads back, or a date as ISO text; None for anything else (text,
    nothing), which each written form treats its own way."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return number_text(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return None


def as_text(cell: Cell) -> Optional[str]:
    """Text as written; a number, date or true/false as it shows in the sheet (0.76 shown as 76% reads '76%')."""
    value = cell.value
    if cell.empty:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dt.datetime, dt.date)):
        return _as_date(value).isoformat()
    if isinstance(value, (int, float)):
        return number_text(_tidy(value * 100)) + "%" if cell.percent else number_text(value)
    return str(value)


def as_number(cell: Cell) -> Optional[float]:
    """A number: typed (a fraction shown as a percent counts as its percent), or text such as '25', '25%',
    '£1,200,000'."""
    value = cell.value
    if cell.empty:
        return None
    if isinstance(value, (bool, dt.date, dt.datetime)):
        raise Unreadable(f"expected a number, got {quote(as_text(cell))}")
    if isinstance(value, (int, float)):
        number = _tidy(value * 100) if cell.percent else value
    else:
        written = re.sub(r"[£,\s]", "", str(value)).removesuffix("%")
        try:
            number = float(written)
        except ValueError:
            raise Unreadable(f"expected a number, got {quote(str(value).strip())}") from None
    if not math.isfinite(number):
        raise Unreadable(f"expected a number, got {quote(as_text(cell))}")
    return int(number) if isinstance(number, float) and number.is_integer() and abs(number) < 1e15 else number


def as_date(cell: Cell) -> Optional[dt.date]:
    """A date: typed as a date, or written 2011-04-30 or 30/04/2011."""
    value = cell.value
    if cell.empty:
        return None
    if isinstance(value, (dt.datetime, dt.date)):
        return _as_date(value)
    text = str(value).strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise Unreadable(f"expected a date such as 2011-04-30, got {quote(as_text(cell))}")


def as_boolean(cell: Cell) -> Optional[bool]:
    """true or false (also yes/no, as a spreadsheet's TRUE/FALSE)."""
    value = cell.value
    if cell.empty:
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "y", "1"):
        return True
    if text in ("false", "no", "n", "0"):
        return False
    raise Unreadable(f"expected true or false, got {quote(as_text(cell))}")


def as_choice(cell: Cell, choices: tuple[str, ...]) -> Optional[str]:
    """One of a list's values, matched as written or by its words ('Patient experience' is patient-experience);
    anything else is kept as written, for validation to report with its nearest match."""
    text = as_text(cell)
    if text is None:
        return None
    key = re.sub(r"[\s_]+", "-", text.strip().lower())
    return key if key in choices else text.strip()


def _as_date(value: dt.date) -> dt.date:
    """A datetime's date; a date as it is."""
    return value.date() if isinstance(value, dt.datetime) else value


def _tidy(number: float) -> float:
    """A percent made from a fraction without binary noise (0.07 * 100 is 7.000000000000001)."""
    return round(number, 9)

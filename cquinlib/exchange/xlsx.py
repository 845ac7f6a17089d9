"""The template as an Excel workbook (openpyxl, which both writes and reads .xlsx, so one library serves export,
import and the published template), written byte for byte the same from the same data."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import Any, Iterable, Mapping

from .cells import Cell, Grid, column_letter
from .template import Tables, columns

SCHEME_SHEET, GOALS_SHEET, LISTS_SHEET, HELP_SHEET = "Scheme", "Goals", "Lists", "Instructions"
# Saved with these times, whenever it is made, so that two builds publish the same bytes.
FIXED_TIME = dt.datetime(2009, 4, 1)
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS, MAX_COLUMNS = 5000, 80  # far more than a scheme fills; a sheet formatted to its last row reads no further
FILLED_ROWS = 500  # rows of the goals sheet that carry the domain list
# Which details rows and goal columns choose from a list, and which list.
DETAIL_LISTS = {"Year": "Years", "Region": "Regions", "Provider type": "Provider types", "Framework": "Frameworks",
                "Illustrative": "True or false", "Outcome result": "Outcome results"}
WHOLE_YEARS = ("Goal duration (years)", 1, 10)  # a column of whole numbers between two bounds
COLUMN_LISTS = {"Quality domain": "Domains", "National goal": "National goals",
                "Indicator outcome result": "Outcome results", "Goal outcome result": "Outcome results"}


def write_workbook(tables: Tables, lists: Mapping[str, Iterable[str]], instructions: Iterable[str]) -> bytes:
    """The workbook: scheme details, goals, instructions, and the lists its cells choose from."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    details = book.active
    details.title = SCHEME_SHEET
    goals = book.create_sheet(GOALS_SHEET)
    helper = book.create_sheet(HELP_SHEET)
    listed = book.create_sheet(LISTS_SHEET)
    bold, shaded = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    wrap = Alignment(wrap_text=True, vertical="top")
    ranges = {}
    for c, (name, values) in enumerate(lists.items()):
        values = list(values)
        listed.cell(1, c + 1, name).font = bold
        for r, value in enumerate(values):
            _put(listed.cell(r + 2, c + 1), value)
        letter = column_letter(c)
        ranges[name] = f"{LISTS_SHEET}!${letter}$2:${letter}${max(2, len(values) + 1)}"
    for r, row in enumerate(tables.details):
        for c, value in enumerate(row):
            cell = details.cell(r + 1, c + 1)
            _put(cell, value)
            cell.alignment = wrap
            if r == 0 or c == 0:
                cell.font = bold
            elif "£" in str(row[0]) and isinstance(value, (int, float)):
                cell.number_format = "£#,##0"
        target = DETAIL_LISTS.get(row[0])
        if target in ranges:
            _validation(details, DataValidation(type="list", formula1=ranges[target], allow_blank=True), f"B{r + 1}")
    for c, width in enumerate((24, 50, 18, 50)):
        details.column_dimensions[column_letter(c)].width = width
    for r, row in enumerate(tables.goals):
        for c, value in enumerate(row):
            cell = goals.cell(r + 1, c + 1)
            _put(cell, value)
            cell.alignment = wrap
            if r == 0:
                cell.font, cell.fill = bold, shaded
            elif "£" in tables.goals[0][c] and isinstance(value, (int, float)):
                cell.number_format = "£#,##0.00"
    for c, column in enumerate(columns()):
        goals.column_dimensions[column_letter(c)].width = column.width
        target = COLUMN_LISTS.get(column.header)
        if target in ranges:
            letter = column_letter(c)
            _validation(goals, DataValidation(type="list", formula1=ranges[target], allow_blank=True),
                        f"{letter}2:{letter}{FILLED_ROWS}")
        elif column.header == WHOLE_YEARS[0]:
            letter = column_letter(c)
            _validation(goals, DataValidation(type="whole", operator="between", formula1=str(WHOLE_YEARS[1]),
                                              formula2=str(WHOLE_YEARS[2]), allow_blank=True),
                        f"{letter}2:{letter}{FILLED_ROWS}",
                        f"A whole number of years, {WHOLE_YEARS[1]} to {WHOLE_YEARS[2]}.")
    goals.freeze_panes = "B2"
    helper.column_dimensions["A"].width = 100
    for r, line in enumerate(instructions):
        cell = helper.cell(r + 1, 1, line)
        cell.alignment = Alignment(wrap_text=True)
        if r == 0:
            cell.font = Font(bold=True, size=14)
    listed.sheet_state = "hidden"
    for sheet in (details, goals, helper):
        sheet.page_setup.orientation = "landscape"
        _row_heights(sheet)
    for sheet in (details, helper):
        # Printed, these are as wide as a landscape page, however many pages long; the goals sheet is too wide
        # to shrink, so it prints across pages with its header row on each.
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    goals.print_title_rows = "1:1"
    return _saved(book)


def _row_heights(sheet: Any) -> None:
    """Rows tall enough for their wrapped text (programs do not all measure it on opening), at most 12 lines."""
    for row in sheet.iter_rows():
        lines = 1
        for cell in row:
            if isinstance(cell.value, str) and cell.value:
                width = sheet.column_dimensions[cell.column_letter].width or 10
                per_line = max(1, int(width * 0.9))  # a column's width is about that many average characters
                lines = max(lines, sum(len(part) // per_line + 1 for part in cell.value.split("\n")))
        if lines > 1:
            sheet.row_dimensions[row[0].row].height = 15 * min(lines, 12)


def _validation(sheet: Any, rule: Any, where: str, message: str = "Choose a value from the list.") -> None:
    """Add a rule to a sheet's cells (a list, or whole numbers); a value it refuses is refused with a message."""
    title = "Not on the list" if rule.type == "list" else "Not allowed here"
    rule.error, rule.errorTitle, rule.showErrorMessage = message, title, True
    sheet.add_data_validation(rule)
    rule.add(where)


def _put(cell: Any, value: Any) -> None:
    """Write a value typed: text always as text (never a formula, whatever it starts with), dates as dates, and
    true/false as the words its list offers (a spreadsheet's TRUE would not match that list)."""
    if isinstance(value, bool):
        value = "true" if value else "false"
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
    elif isinstance(value, dt.date):
        cell.number_format = "yyyy-mm-dd"


def _saved(book: Any) -> bytes:
    """The workbook's bytes, with fixed document times and fixed times on every part of the archive."""
    from openpyxl.writer.excel import ExcelWriter

    book.properties.created = book.properties.modified = FIXED_TIME
    book.properties.creator = "cquinlib"
    first = io.BytesIO()
    with zipfile.ZipFile(first, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(book, archive).save()
    final = io.BytesIO()
    with zipfile.ZipFile(first) as source, zipfile.ZipFile(final, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, ZIP_TIME)
            fixed.compress_type, fixed.external_attr = zipfile.ZIP_DEFLATED, 0o600 << 16
            archive.writestr(fixed, source.read(info.filename))
    return final.getvalue()


def read_workbook(data: bytes) -> tuple[Grid, Grid]:
    """The scheme details and goals sheets of a filled workbook, as grids of typed cells."""
    from openpyxl import load_workbook

    if len(data) > MAX_BYTES:
        raise ValueError(f"the workbook is larger than {MAX_BYTES // 1048576} MB")
    try:
        book = load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a file that is not a workbook
        raise ValueError(f"not an Excel workbook (.xlsx) that can be read: {type(exc).__name__}") from None
    sheets = {name.lower(): book[name] for name in book.sheetnames}
    missing = [name for name in (SCHEME_SHEET, GOALS_SHEET) if name.lower() not in sheets]
    if missing:
        raise ValueError(f"the workbook has no sheet named {' or '.join(missing)}: use the library's template")
    return _grid(sheets[SCHEME_SHEET.lower()], SCHEME_SHEET), _grid(sheets[GOALS_SHEET.lower()], GOALS_SHEET)


def _grid(sheet: Any, name: str) -> Grid:
    """A sheet's cells, at most MAX_ROWS by MAX_COLUMNS."""
    rows = []
    for row in sheet.iter_rows(max_row=min(sheet.max_row, MAX_ROWS), max_col=min(sheet.max_column, MAX_COLUMNS)):
        rows.append(tuple(Cell(c.value, "%" in (c.number_format or "") and isinstance(c.value, (int, float)))
                          for c in row))
    return Grid(name, tuple(rows))

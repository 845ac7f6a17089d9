"""A submission as an editor receives it: a filled template (xlsx or csv), the YAML template, or an email message
(.eml) carrying one of them, read into a scheme's data with a way to name where each field came from."""

from __future__ import annotations

import re
from pathlib import PurePath
from typing import Callable, NamedTuple

from ..format.yamlio import FieldPath, locate_in_text, parse_yaml_text
from .cells import CellProblem
from .csvform import read_csv
from .email import Attached, attached_files, attached_template
from .goalrows import from_grids
from .template import Imported
from .xlsx import read_workbook

YAML_SUFFIXES = (".yaml", ".yml")


class Submission(NamedTuple):
    """What was submitted, read: the scheme's data, what it came from, and where a field came from (a cell, or
    a YAML file's line and column)."""

    imported: Imported
    origin: str
    where: Callable[[str], str]
    files: tuple[Attached, ...] = ()  # the message's other attachments: the scheme's own files, perhaps


def read_submission(name: str, data: bytes) -> Submission:
    """Read a submission by its file name; ValueError saying why when it is none of the kinds taken."""
    origin, files = name, ()
    if name.lower().endswith(".eml"):
        attached = attached_template(data)
        files = tuple(a for a in attached_files(data) if a != attached)
        name, data, origin = attached.name, attached.data, f"{attached.name}, attached to {name}"
    lower = name.lower()
    if lower.endswith(YAML_SUFFIXES):
        return _yaml_submission(PurePath(name).name, data, origin)._replace(files=files)
    if lower.endswith(".xlsx"):
        grids = read_workbook(data)
    elif lower.endswith(".csv"):
        grids = read_csv(data, PurePath(name).stem)
    else:
        raise ValueError(f"{name} is not a template: import an .xlsx, a .csv, a .yaml, or an .eml with one attached")
    imported = from_grids(*grids)
    return Submission(imported, origin, lambda field: _nearest(field, imported.cells), files)


def _yaml_submission(name: str, data: bytes, origin: str) -> Submission:
    """The YAML template, filled: its data as it is, each field found at its line in the submitted file."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"{name} is not UTF-8 text") from None
    parsed, problems = parse_yaml_text(text)
    imported = Imported(parsed if isinstance(parsed, dict) else {}, {}, {}, [], [], set())
    for problem in problems:
        imported.problems.append(CellProblem(f"{name}:{problem.line}:{problem.column}", problem.field or "yaml",
                                             problem.message))
    if not problems and not isinstance(parsed, dict):
        imported.problems.append(CellProblem(f"{name}:1:1", "yaml", "a scheme file is a mapping of keys to values"))

    def where(field: str) -> str:
        """The line and column of a field in the submitted file."""
        line, column = locate_in_text(text, [(_path(field), True)])[0]
        return f"{name}:{line}:{column}"
    return Submission(imported, origin, where)


def _path(field: str) -> FieldPath:
    """'goals[1].domain' as ('goals', 1, 'domain')."""
    return tuple(int(index) if index else key for index, key in re.findall(r"\[(\d+)\]|([^.\[\]]+)", field))


def _nearest(field: str, cells: dict[str, str]) -> str:
    """The cell a field came from, or the nearest cell above it (a goal's, for a problem of the whole goal)."""
    while field:
        if field in cells:
            return cells[field]
        shorter = re.sub(r"(\[\d+\]|\.[^.\[]+)$", "", field)
        if shorter == field:
            break
        field = shorter
    return ""

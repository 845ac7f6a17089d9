"""The goals sheet read back: a goal starts at a row with goal cells, its indicators follow one a row, and an
indicator's further milestones and a goal's or indicator's further outcome entries take a row each; blank rows
anywhere, columns in any order, found by header."""

from __future__ import annotations

from typing import Any, Optional

from ..format.yamlio import format_field
from .cells import Cell, CellProblem, Grid, Unreadable
from .outcomes import settle
from .template import LEVELS, Column, Imported, columns, normal, read_details
from .values import read_value, shape_at

Path = tuple[Any, ...]


def from_grids(details_grid: Grid, goals_grid: Grid) -> Imported:
    """Read a filled template's two tables back into a scheme's data."""
    out = Imported({}, {}, {}, [], [], set())
    read_details(details_grid, out)
    read_goals(goals_grid, out)
    return out


def _header(grid: Grid, out: Imported) -> Optional[tuple[int, dict[int, Column]]]:
    """The header row's index and its columns by position (unknown headers are warned of and ignored)."""
    known = {normal(c.header): c for c in columns()} | {normal(c.label): c for c in columns()}
    for r, row in enumerate(grid.rows):
        if not any(normal(cell.value) == "goal number" for cell in row):
            continue
        found: dict[int, Column] = {}
        for c, cell in enumerate(row):
            if cell.empty:
                continue
            column = known.get(normal(cell.value))
            if column is None:
                out.warnings.append(CellProblem(grid.ref(r, c), normal(cell.value),
                                                "not a column of the template: ignored"))
            else:
                found[c] = column
        return r, found
    return None


def read_goals(grid: Grid, out: Imported) -> None:
    """Every goal, indicator and milestone on the goals sheet, each value's cell noted."""
    header = _header(grid, out)
    if header is None:
        out.problems.append(CellProblem(grid.ref(0, 0), "goals", "no header row with a 'Goal number' column"))
        return
    top, cols = header
    out.cells["goals"] = grid.ref(top, 0)
    goals: list[dict[str, Any]] = []
    goal: Optional[dict[str, Any]] = None
    indicator: Optional[dict[str, Any]] = None
    for r in range(top + 1, len(grid.rows)):
        filled = {level: {c: col for c, col in cols.items() if col.level == level and not grid.cell(r, c).empty}
                  for level in LEVELS}
        if not any(filled.values()):
            continue
        if filled["goal"] and not _continues(goal, filled["goal"], grid, r):
            goal, indicator = {}, None
            goals.append(goal)
            _fill(goal, ("goals", len(goals) - 1), "goal", filled["goal"], grid, r, out)
        elif goal is None:
            first = min(c for found in filled.values() for c in found)
            out.problems.append(CellProblem(grid.ref(r, first), "goals", "this row has no goal above it: give the "
                                                                         "goal's number and name on its first row"))
            continue
        where = ("goals", len(goals) - 1)
        if filled["indicator"] and not _continues(indicator, filled["indicator"], grid, r):
            indicator = {}
            listed = goal.setdefault("indicators", [])
            listed.append(indicator)
            _fill(indicator, where + ("indicators", len(listed) - 1), "indicator", filled["indicator"], grid, r, out)
        if filled["milestone"]:
            if indicator is None:
                first = min(filled["milestone"])
                out.problems.append(CellProblem(grid.ref(r, first), "milestone", "a milestone needs an indicator "
                                                                                 "on its row or above it"))
                continue
            milestones = indicator.setdefault("milestones", [])
            milestones.append({})
            index = len(goal["indicators"]) - 1
            _fill(milestones[-1], where + ("indicators", index, "milestones", len(milestones) - 1), "milestone",
                  filled["milestone"], grid, r, out)
        if filled["goal outcome"]:
            _entry(goal, where, "goal outcome", filled["goal outcome"], grid, r, out)
        if filled["indicator outcome"]:
            if indicator is None:
                out.problems.append(CellProblem(grid.ref(r, min(filled["indicator outcome"])), "indicator outcome",
                                                "an indicator's outcome needs an indicator on its row or above it"))
            else:
                _entry(indicator, where + ("indicators", len(goal["indicators"]) - 1), "indicator outcome",
                       filled["indicator outcome"], grid, r, out)
    for g, found in enumerate(goals):
        settle(found, ("goals", g), out.cells, out.unreadable)
        for i, listed in enumerate(found.get("indicators") or []):
            settle(listed, ("goals", g, "indicators", i), out.cells, out.unreadable)
    if goals:
        out.data["goals"] = goals


def _entry(target: dict[str, Any], where: Path, level: str, filled: dict[int, Column], grid: Grid, r: int,
           out: Imported) -> None:
    """A row's outcome entry for a goal or an indicator, after its others (settled into one or a list at the end)."""
    items = target.setdefault("outcome", [])
    items.append({})
    _fill(items[-1], where + ("outcome", len(items) - 1), level, filled, grid, r, out)


def _continues(current: Optional[dict[str, Any]], filled: dict[int, Column], grid: Grid, r: int) -> bool:
    """A row that repeats the current goal's (or indicator's) number, and nothing that differs from it, goes on
    with it: some templates repeat the goal on every indicator's row."""
    if current is None:
        return False
    for c, column in filled.items():
        try:
            value = read_value(grid.cell(r, c), shape_at(LEVELS[column.level], column.path))
        except Unreadable:
            return False
        if _get(current, column.path) != value:
            return False
    return any(column.path == ("number",) for column in filled.values())


def _fill(target: dict[str, Any], where: Path, level: str, filled: dict[int, Column], grid: Grid, r: int,
          out: Imported) -> None:
    """Read a row's cells of one level into a goal, indicator or milestone, noting each cell."""
    number = next((c for c, col in filled.items() if col.path == ("number",)), min(filled))
    out.cells[format_field(where)] = grid.ref(r, number)
    for c, column in sorted(filled.items()):
        cell: Cell = grid.cell(r, c)
        try:
            value = read_value(cell, shape_at(LEVELS[level], column.path))
        except Unreadable as problem:
            out.problems.append(CellProblem(grid.ref(r, c), column.label, str(problem)))
            out.cells[format_field(where + column.path)] = grid.ref(r, c)
            out.unreadable.add(format_field(where + column.path))
            continue
        if value is None or value == []:
            continue
        node = target
        for part in column.path[:-1]:
            node = node.setdefault(part, {})
        node[column.path[-1]] = value
        out.cells[format_field(where + column.path)] = grid.ref(r, c)


def _get(data: dict[str, Any], path: tuple[str, ...]) -> Any:
    """A value below nested mappings, or None."""
    node: Any = data
    for part in path:
        node = node.get(part) if isinstance(node, dict) else None
    return node

"""The standard template's layout as data: the scheme details rows, the goal and indicator columns (the DH
template's, in its order, then ours), and the turn of a scheme's data into those tables and back again.

Both directions read the same declarations, and the kind of every value comes from the format's own spec, so a
value the format types is typed here too. A goal is a row with its own cells; its indicators follow, one a row
(the first may share the goal's row), and an indicator's further milestones take a row each below it, as do a goal's
or an indicator's further outcome entries; the scheme's own outcome is a block of details rows an entry.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple, Optional

from ..format.spec import GOAL, INDICATOR, OUTCOME_ENTRY, SCHEME, Mapping, Scalar
from ..format.yamlio import format_field
from .cells import Cell, CellProblem, Grid, Unreadable, as_text
from .outcomes import PARTS, entries, entry_for, settle
from .values import cell_value, read_value, shape_at

class Detail(NamedTuple):
    """A row of the scheme details sheet: its label, the field it fills, and a note for whoever fills it in."""

    label: str
    path: tuple[str, ...]
    note: str = ""


class Column(NamedTuple):
    """A column of the goals sheet: header, the name messages use, level (goal, indicator, milestone), field."""

    header: str
    label: str
    level: str
    path: tuple[str, ...]
    width: int = 18


DETAILS = (
    Detail("Year", ("@year",), "The financial year, YYYY-YY, e.g. 2019-20."),
    Detail("Region", ("@region",), "The region's short name from the library's list."),
    Detail("Slug", ("@slug",), "Optional: the file name, lower-case words and hyphens; made from the provider."),
    Detail("Title", ("title",), "Optional: made from the provider and year when left blank."),
    Detail("Provider name", ("provider", "name"), "Required."),
    Detail("Provider type", ("provider", "type"), "Required: choose from the list."),
    Detail("Provider code", ("provider", "code"), "Optional organisation code."),
    Detail("Commissioner", ("commissioners",), "Required, one row each: name, and code in the next column."),
    Detail("Framework", ("framework",), "cquin (the default) or other."),
    Detail("Illustrative", ("illustrative",), "true only for a worked example that was never agreed."),
    Detail("Submitted", ("submitted",), "Date submitted to the library."),
    Detail("Updated", ("updated",), "Date of the last change."),
    Detail("Added", ("added",), "Date the library published it: for a scheme the library compiled itself, in "
                                "place of a submitted date."),
    Detail("Source", ("source",), "Where the scheme was published."),
    Detail("Contract value (£)", ("contract_value",), "In pounds; or Not recorded, for a real scheme whose source "
                                                      "gives no figure."),
    Detail("CQUIN percentage (%)", ("cquin_percent",), "Share of contract value; blank for the year's figure."),
    Detail("CQUIN value (£)", ("cquin_value",), "Optional: the scheme's CQUIN value in pounds, as its source "
                                                "states it."),
    Detail("Summary", ("summary",), "A short account of the scheme (Markdown)."),
) + tuple(
    Detail(f"Outcome {p.name}", ("outcome", p.key),
           ("What the whole scheme earned, where a source states it: six rows an entry, each entry starting at its "
            "period row (copy the six rows for another period). " if p.key == "period" else "") + p.note)
    for p in PARTS) + (
    Detail("Attachment", ("attachments",), "One row each: file name, and title in the next column."),
    Detail("Contact name", ("contact", "name"), "Private: never published."),
    Detail("Contact email", ("contact", "email"), "Private: never published."),
    Detail("Contact phone", ("contact", "phone"), "Private: never published."),
)
SKIPPED = {"status", "goals"}  # an import is always a draft; goals have a sheet of their own

COLUMNS = (
    Column("Goal number", "goal number", "goal", ("number",), 10),
    Column("Goal name", "goal name", "goal", ("name",), 30),
    Column("Goal description", "goal description", "goal", ("description",), 40),
    Column("Goal weighting (% of CQUIN scheme)", "goal weighting", "goal", ("weight",), 14),
    Column("Expected financial value (£)", "expected financial value", "derived", (), 16),
    Column("Quality domain", "quality domain", "goal", ("domain",), 18),
    Column("Indicator number", "indicator number", "indicator", ("number",), 10),
    Column("Indicator name", "indicator name", "indicator", ("name",), 30),
    Column("Indicator weighting (% of CQUIN scheme)", "indicator weighting", "indicator", ("weight",), 14),
    Column("Indicator description", "indicator description", "indicator", ("description",), 40),
    Column("Numerator", "numerator", "indicator", ("numerator",), 30),
    Column("Denominator", "denominator", "indicator", ("denominator",), 30),
    Column("Rationale for inclusion", "rationale", "indicator", ("rationale",), 30),
    Column("Data source", "data source", "indicator", ("data_source",), 24),
    Column("Frequency of data collection", "collection frequency", "indicator", ("collection_frequency",)),
    Column("Organisation responsible for data collection", "collected by", "indicator", ("collected_by",), 24),
    Column("Frequency of reporting to commissioner", "reporting frequency", "indicator", ("reporting_frequency",)),
    Column("Baseline period", "baseline period", "indicator", ("baseline", "period")),
    Column("Baseline value", "baseline value", "indicator", ("baseline", "value")),
    Column("Final indicator period", "final indicator period", "indicator", ("target", "period")),
    Column("Final indicator value (payment threshold)", "final indicator value", "indicator", ("target", "value")),
    Column("Final indicator reporting date", "reporting date", "indicator", ("reporting_date",), 14),
    Column("Milestone period", "milestone period", "milestone", ("period",)),
    Column("Milestone value", "milestone value", "milestone", ("value",)),
    Column("Milestone payment (% of indicator value)", "milestone payment", "milestone", ("payment",), 14),
    Column("Rules for partial achievement", "partial achievement", "indicator", ("partial_achievement",), 30),
    Column("Payment scale: nothing below (%)", "payment scale minimum", "indicator", ("payment_scale", "min"), 14),
    Column("Payment scale: all at (%)", "payment scale maximum", "indicator", ("payment_scale", "max"), 14),
    Column("Payment scale: steps (achievement %: % paid)", "payment scale steps", "indicator",
           ("payment_scale", "steps"), 24),
) + tuple(Column(f"Indicator outcome {p.name}", f"indicator outcome {p.key}", "indicator outcome", (p.key,),
                 p.width) for p in PARTS) + (
    Column("National goal", "national goal", "goal", ("national",), 16),
    Column("Topics", "topics", "goal", ("topics",), 24),
    Column("Goal duration (years)", "goal duration", "goal", ("duration",), 10),
) + tuple(Column(f"Goal outcome {p.name}", f"goal outcome {p.key}", "goal outcome", (p.key,), p.width)
          for p in PARTS)
MILESTONE = next(f.shape.item for f in INDICATOR.fields if f.name == "milestones")
LEVELS: dict[str, Mapping] = {"goal": GOAL, "indicator": INDICATOR, "milestone": MILESTONE,  # type: ignore[dict-item]
                              "goal outcome": OUTCOME_ENTRY, "indicator outcome": OUTCOME_ENTRY}


class Tables(NamedTuple):
    """A scheme as the template's two tables: details rows (label, value, second value, note), and goal rows."""

    details: list[list[Any]]
    goals: list[list[Any]]


class Imported(NamedTuple):
    """A template read back: the scheme's data, its place, the cell each field came from, and what was unreadable."""

    data: dict[str, Any]
    placement: dict[str, str]
    cells: dict[str, str]
    problems: list[CellProblem]
    warnings: list[CellProblem]
    unreadable: set[str]  # fields whose cells could not be read, left out of data (their problems say why)


def details() -> tuple[Detail, ...]:
    """The details rows: the declared ones, then any scheme field the format has that they do not name."""
    named = {d.path[0] for d in DETAILS}
    extra = tuple(Detail(f.name.replace("_", " ").capitalize(), (f.name,), f.description)
                  for f in SCHEME.fields if f.name not in named | SKIPPED and isinstance(f.shape, Scalar))
    return DETAILS + extra


def columns() -> tuple[Column, ...]:
    """The goal columns: the declared ones, then any goal or indicator text field the format adds."""
    found = list(COLUMNS)
    for level in ("goal", "indicator"):
        named = {c.path[0] for c in COLUMNS if c.level == level}
        found += [Column(f"{level.capitalize()} {f.name.replace('_', ' ')}", f"{level} {f.name.replace('_', ' ')}",
                         level, (f.name,)) for f in LEVELS[level].fields
                  if f.name not in named | {"indicators"} and isinstance(f.shape, Scalar)]
    return tuple(found)


def to_tables(data: dict[str, Any], placement: dict[str, str], year_percent: Optional[float]) -> Tables:
    """A scheme's data as the template's tables (placement: year, region and slug)."""
    rows: list[list[Any]] = [["Field", "Value", "Code or title", "Notes"]]
    for detail in details():
        key = detail.path[0]
        if key.startswith("@"):
            rows.append([detail.label, placement.get(key[1:]), None, detail.note])
        elif key == "commissioners":
            for item in data.get(key) or [None]:
                name, code = (item.get("name"), item.get("code")) if isinstance(item, dict) else (item, None)
                rows.append([detail.label, name, code, detail.note])
        elif key == "attachments":
            for item in data.get(key) or [{}]:
                rows.append([detail.label, item.get("file"), item.get("title"), detail.note])
        elif key == "outcome":
            if detail.path[1] == PARTS[0].key:  # the block of rows for each entry, written at its first row
                block = [d for d in details() if d.path[0] == key]
                for entry in entries(data.get(key)) or [{}]:
                    rows += [[d.label, entry.get(d.path[1]), None, d.note] for d in block]
        else:
            rows.append([detail.label, cell_value(_get(data, detail.path), shape_at(SCHEME, detail.path)), None,
                         detail.note])
    return Tables(rows, [[c.header for c in columns()]] + _goal_rows(data, year_percent))


def _goal_rows(data: dict[str, Any], year_percent: Optional[float]) -> list[list[Any]]:
    """One row per indicator and per further milestone or outcome entry, the goal's cells on its first row and
    its further outcome entries on the rows below (rows of their own when it has more entries than rows)."""
    cols = columns()
    percent = data.get("cquin_percent", year_percent)
    contract = data.get("contract_value")
    value = (contract * percent / 100 if isinstance(contract, (int, float)) and percent
             else data.get("cquin_value"))
    rows = []
    for goal in data.get("goals") or []:
        slots: list[dict[str, Any]] = []
        for indicator in goal.get("indicators") or [None]:
            milestones = (indicator or {}).get("milestones") or []
            results = entries((indicator or {}).get("outcome"))
            for m in range(max(len(milestones), len(results), 1)):
                slots.append({"indicator": indicator if m == 0 else None,
                              "milestone": milestones[m] if m < len(milestones) else None,
                              "indicator outcome": results[m] if m < len(results) else None})
        results = entries(goal.get("outcome"))
        slots += [{} for _ in range(len(results) - len(slots))]
        for k, slot in enumerate(slots):
            sources = {**slot, "goal": goal if k == 0 else None,
                       "goal outcome": results[k] if k < len(results) else None}
            row = []
            for column in cols:
                if column.level == "derived":
                    row.append(_goal_value(goal, value) if k == 0 else None)
                else:
                    source = sources.get(column.level)
                    row.append(cell_value(_get(source, column.path), shape_at(LEVELS[column.level], column.path))
                               if source else None)
            rows.append(row)
    return rows


def _goal_value(goal: dict[str, Any], scheme_value: Optional[float]) -> Optional[float]:
    """What a goal is worth: the scheme's value times its weight (or its indicators' weights added up)."""
    weight = goal.get("weight")
    if weight is None:
        weights = [i.get("weight") for i in goal.get("indicators") or []]
        weight = sum(weights) if weights and None not in weights else None
    return round(scheme_value * weight / 100, 2) if scheme_value is not None and weight is not None else None


def _get(data: Optional[dict[str, Any]], path: tuple[str, ...]) -> Any:
    """A value below nested mappings, or None."""
    for part in path:
        if not isinstance(data, dict):
            return None
        data = data.get(part)
    return data


def _set(data: dict[str, Any], path: tuple[Any, ...], value: Any) -> None:
    """Set a value below nested mappings, making them as needed."""
    node: Any = data
    for part in path[:-1]:
        node = node[part] if isinstance(part, int) else node.setdefault(part, {})
    node[path[-1]] = value


def normal(text: Any) -> str:
    """A label or header as compared: lower case, spaces collapsed, a closing colon or required-mark ignored
    ('Provider name *:' is 'provider name')."""
    return re.sub(r"\s+", " ", str(text or "").strip().lower()).rstrip(" :*")


def read_details(grid: Grid, out: Imported) -> None:
    """The scheme details rows, by their labels (in any order, blank rows anywhere)."""
    by_label = {normal(d.label): d for d in details()} | {normal(".".join(d.path)): d for d in details()}
    for r, row in enumerate(grid.rows):
        label = as_text(grid.cell(r, 0))
        if label is None or normal(label) in ("field", "goal number"):
            continue
        detail = by_label.get(normal(label))
        value, second = grid.cell(r, 1), grid.cell(r, 2)
        if detail is None:
            if not (value.empty and second.empty):
                out.warnings.append(CellProblem(grid.ref(r, 0), normal(label), "not a row of the template: ignored"))
            continue
        if detail.path[0] == "outcome":
            _read_outcome(detail, value, grid.ref(r, 1), out)
            continue
        if value.empty and second.empty:
            continue
        key = detail.path[0]
        try:
            if key.startswith("@"):
                out.placement[key[1:]] = (as_text(value) or "").strip()
                out.cells[key[1:]] = grid.ref(r, 1)
            elif key in ("commissioners", "attachments"):
                _read_pair(detail, value, second, grid.ref(r, 1), out)
            else:
                _set(out.data, detail.path, read_value(value, shape_at(SCHEME, detail.path)))
                out.cells[format_field(detail.path)] = grid.ref(r, 1)
        except Unreadable as problem:
            out.problems.append(CellProblem(grid.ref(r, 1), normal(detail.label), str(problem)))
            out.cells[format_field(detail.path)] = grid.ref(r, 1)
            out.unreadable.add(format_field(detail.path))
    settle(out.data, (), out.cells, out.unreadable)


def _read_outcome(detail: Detail, value: Cell, ref: str, out: Imported) -> None:
    """A row of the scheme's outcome: a period row (even blank) starts an entry, as does a part the entry has."""
    key = detail.path[1]
    if value.empty and key != PARTS[0].key:
        return
    where = entry_for(out.data, (), key, out.cells, key == PARTS[0].key) + (key,)
    try:
        read = read_value(value, shape_at(OUTCOME_ENTRY, (key,)))
    except Unreadable as problem:
        out.problems.append(CellProblem(ref, normal(detail.label), str(problem)))
        out.cells[format_field(where)] = ref
        out.unreadable.add(format_field(where))
        return
    if read is not None:
        _set(out.data, where, read)
        out.cells[format_field(where)] = ref


def _read_pair(detail: Detail, value: Cell, second: Cell, ref: str, out: Imported) -> None:
    """A commissioner (name, code) or an attachment (file, title) row."""
    key = detail.path[0]
    items = out.data.setdefault(key, [])
    out.cells[format_field((key, len(items)))] = ref
    first, other = as_text(value), as_text(second)
    if key == "commissioners":
        items.append({"name": first, "code": other} if other is not None else first)
    else:
        items.append({"file": first, "title": other} if other is not None else {"file": first})
    if first is None:
        items[-1] = {k: v for k, v in items[-1].items() if v is not None} if isinstance(items[-1], dict) else None

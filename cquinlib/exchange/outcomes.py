"""Outcomes in the template: an entry's parts as columns or rows, one entry a row (or a block of rows), and the
entries read back as one entry or a list, each cell still named."""

from __future__ import annotations

from typing import Any, NamedTuple

from ..format.yamlio import format_field

Path = tuple[Any, ...]


class Part(NamedTuple):
    """A part of an outcome entry: its key, how headers and labels name it, and a note for whoever fills it in."""

    key: str
    name: str
    note: str
    width: int = 16


PARTS = (
    Part("period", "period", "The period the result is for, e.g. Q4; blank for the whole year.", 14),
    Part("result", "result", "achieved, partly-achieved or not-achieved (choose from the list).", 16),
    Part("available", "available (£)", "Pounds at stake, as the source states it.", 14),
    Part("earned", "earned (£)", "Pounds earned, as the source states it.", 14),
    Part("withheld", "withheld (£)", "Pounds lost or withheld, as the source states it.", 14),
    Part("note", "note", "Anything else the source says of the result.", 30),
)


def entries(value: Any) -> list[dict[str, Any]]:
    """An outcome as its list of entries: none, the one entry, or every entry."""
    if isinstance(value, dict):
        return [value]
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _used(cells: dict[str, str], prefix: str) -> bool:
    """Whether any cell was read for a field at or below prefix."""
    return any(key == prefix or key.startswith(prefix + ".") for key in cells)


def entry_for(target: dict[str, Any], where: Path, key: str, cells: dict[str, str], starts: bool) -> Path:
    """The path of the entry a scheme details row fills: a new one at a period row (starts) or at a part the
    current entry already has, else the current one."""
    items = target.setdefault("outcome", [])
    last = where + ("outcome", len(items) - 1)
    empty = bool(items) and not items[-1] and not _used(cells, format_field(last))
    if not items or (not empty and (starts or _used(cells, format_field(last + (key,))))):
        items.append({})
    return where + ("outcome", len(items) - 1)


def settle(target: dict[str, Any], where: Path, cells: dict[str, str], unreadable: set[str]) -> None:
    """An outcome read as a list of entries, as the format writes it: an empty last entry dropped, a single entry
    as the entry itself (its cells renamed to match)."""
    items = target.get("outcome")
    if not isinstance(items, list):
        return
    if items and not items[-1] and not _used(cells, format_field(where + ("outcome", len(items) - 1))):
        items.pop()
    if not items:
        del target["outcome"]
        return
    if len(items) > 1:
        return
    target["outcome"] = items[0]
    old, new = format_field(where + ("outcome", 0)), format_field(where + ("outcome",))
    for key in [k for k in cells if k == old or k.startswith(old + ".")]:
        cells[new + key[len(old):]] = cells.pop(key)
    for key in [k for k in unreadable if k == old or k.startswith(old + ".")]:
        unreadable.discard(key)
        unreadable.add(new + key[len(old):])

"""A field's value in one cell and back: scalars by kind, slug lists, a number or a word, payment steps as text."""

from __future__ import annotations

import re
from typing import Any

from ..core.diagnostics import quote
from ..format.spec import ListOf, Mapping, OneOf, Scalar, Shape
from .cells import Cell, Unreadable, as_boolean, as_choice, as_date, as_number, as_text, number_text

STEP_EXAMPLE = "from 60: 50; from 70: 100"
_STEP = re.compile(r"(from|above)\s*(\d+(?:\.\d+)?)\s*%?\s*:\s*(\d+(?:\.\d+)?)\s*%?", re.IGNORECASE)


def shape_at(shape: Shape, path: tuple[str, ...]) -> Shape:
    """The declared shape of a field below a mapping; through a choice of mappings, the one that has the key."""
    for part in path:
        if isinstance(shape, OneOf):
            shape = next(o for o in shape.options if isinstance(o, Mapping) and part in o.keys())
        assert isinstance(shape, Mapping)
        shape = next(f.shape for f in shape.fields if f.name == part)
    return shape


def is_steps(shape: Shape) -> bool:
    """A payment scale's list of steps (each with from or above, and pay)."""
    return isinstance(shape, ListOf) and isinstance(shape.item, Mapping) and "pay" in shape.item.keys()


def read_value(cell: Cell, shape: Shape) -> Any:
    """A cell as the field's kind: a number, a date, true/false, one of a list, a list of slugs, payment steps, a
    number or a word (a contract value or Not recorded), or text."""
    if is_steps(shape):
        return read_steps(cell)
    if isinstance(shape, ListOf):
        text = as_text(cell)
        return [part.strip() for part in text.split(",") if part.strip()] if text is not None else None
    if isinstance(shape, OneOf):
        return _read_either(cell, shape)
    assert isinstance(shape, Scalar)
    if shape.kind in ("number", "integer"):
        return as_number(cell)
    if shape.kind == "date":
        return as_date(cell)
    if shape.kind == "boolean":
        return as_boolean(cell)
    if shape.kind == "enum":
        return as_choice(cell, shape.choices)
    return as_text(cell)


def cell_value(value: Any, shape: Shape) -> Any:
    """A field's value as its cell holds it: steps and lists written out as text, the rest as it is."""
    if value is None:
        return None
    if is_steps(shape) and isinstance(value, list):
        return write_steps(value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return value


def write_steps(steps: list[Any]) -> str:
    """Payment steps as a contributor writes them: 'from 60: 50; above 70: 100' (achievement %: % paid)."""
    parts = []
    for step in steps:
        step = step if isinstance(step, dict) else {}
        word = "above" if "above" in step and "from" not in step else "from"
        parts.append(f"{word} {number_text(step.get(word, 0))}: {number_text(step.get('pay', 0))}")
    return "; ".join(parts)


def read_steps(cell: Cell) -> Any:
    """'from 60: 50; above 70: 100' (semicolons or lines between steps, % signs allowed) as the steps' list."""
    text = as_text(cell)
    if text is None:
        return None
    steps = []
    for part in (p.strip() for p in re.split(r"[;\n]", text)):
        if not part:
            continue
        match = _STEP.fullmatch(part)
        if match is None:
            raise Unreadable(f"expected steps written {quote(STEP_EXAMPLE)} (from or above an achievement %: "
                             f"the % paid), got {quote(part)}")
        steps.append({match.group(1).lower(): _number(match.group(2)), "pay": _number(match.group(3))})
    return steps or None


def _number(text: str) -> float:
    """A step's figure: a whole number as an int."""
    number = float(text)
    return int(number) if number.is_integer() else number


def _read_either(cell: Cell, shape: OneOf) -> Any:
    """A number, or one of the words a field allows in its place (a contract value, or Not recorded)."""
    words = tuple(c for o in shape.options if isinstance(o, Scalar) and o.kind == "enum" for c in o.choices)
    text = as_text(cell)
    if text is None:
        return None
    for word in words:
        if text.strip().lower() == word.lower():
            return word
    try:
        return as_number(cell)
    except Unreadable:
        raise Unreadable(f"expected a number or {' or '.join(quote(w) for w in words)}, "
                         f"got {quote(text.strip())}") from None

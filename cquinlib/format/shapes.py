"""Check parsed YAML against a shape from spec.py, collecting every finding with its field path."""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Any

from ..core.diagnostics import Severity, suggest
from .spec import SLUG_PATTERN, is_year_slug, ListOf, Mapping, MapOf, OneOf, Scalar, Shape
from .yamlio import FieldPath

_KIND_NAMES = {"text": "text", "markdown": "text", "id": "a number or text such as \"1.1\"",
               "number": "a number", "integer": "a whole number", "boolean": "true or false",
               "date": "a date as YYYY-MM-DD", "enum": "one of the listed values", "slug": "a slug",
               "year": "a financial year as YYYY-YY"}


@dataclass(frozen=True)
class Finding:
    """A problem at a field path within one file; at_key points at the key rather than the value."""

    path: FieldPath
    message: str
    at_key: bool = False
    severity: Severity = Severity.ERROR


def describe(value: Any) -> str:
    """Name a YAML value's type the way a contributor would."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, dt.date):
        return "a date"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bytes):
        return "binary data"
    if isinstance(value, (set, frozenset)):
        return "a set"
    return "text" if isinstance(value, str) else type(value).__name__


def check_shape(value: Any, shape: Shape, path: FieldPath = ()) -> list[Finding]:
    """Every way value fails to have shape, each with the path where it fails."""
    if isinstance(shape, Scalar):
        return _check_scalar(value, shape, path)
    if isinstance(shape, Mapping):
        return _check_mapping(value, shape, path)
    if isinstance(shape, ListOf):
        return _check_list(value, shape, path)
    if isinstance(shape, MapOf):
        return _check_map_of(value, shape, path)
    return _check_one_of(value, shape, path)


def _check_mapping(value: Any, shape: Mapping, path: FieldPath) -> list[Finding]:
    """A mapping: no unknown keys, every required key present, every value well shaped."""
    if not isinstance(value, dict):
        return [Finding(path, f"expected a mapping of keys to values, got {describe(value)}")]
    findings: list[Finding] = []
    known = {f.name: f for f in shape.fields}
    for key, item in value.items():
        field = known.get(key) if isinstance(key, str) else None
        if field is None:
            hint = suggest(key, known)
            findings.append(Finding(path + (str(key),), f"unknown key '{key}'{hint}", at_key=True))
        elif item is None:
            if field.required:
                findings.append(Finding(path + (key,), f"'{key}' is required but empty"))
        else:
            findings.extend(check_shape(item, field.shape, path + (key,)))
    for field in shape.fields:
        if field.required and field.name not in value:
            findings.append(Finding(path + (field.name,), f"missing required field '{field.name}'"))
    return findings


def _check_list(value: Any, shape: ListOf, path: FieldPath) -> list[Finding]:
    """A list with enough items, each well shaped."""
    if not isinstance(value, list):
        return [Finding(path, f"expected a list, got {describe(value)}")]
    if len(value) < shape.min_items:
        return [Finding(path, f"needs at least {shape.min_items} item(s)")]
    findings: list[Finding] = []
    for index, item in enumerate(value):
        findings.extend(check_shape(item, shape.item, path + (index,)))
    return findings


def _check_map_of(value: Any, shape: MapOf, path: FieldPath) -> list[Finding]:
    """A mapping from slugs to values of one shape."""
    if not isinstance(value, dict):
        return [Finding(path, f"expected a mapping of slugs to entries, got {describe(value)}")]
    findings: list[Finding] = []
    for key, item in value.items():
        if not isinstance(key, str) or not re.match(SLUG_PATTERN, key):
            findings.append(Finding(path + (str(key),), f"'{key}' is not a slug (lower-case letters, digits, "
                                                        "single hyphens)", at_key=True))
        findings.extend(check_shape(item, shape.value, path + (str(key),)))
    return findings


def _check_one_of(value: Any, shape: OneOf, path: FieldPath) -> list[Finding]:
    """The first option whose kind matches the value decides; mappings go to mapping options."""
    wants_mapping = isinstance(value, dict)
    for option in shape.options:
        if isinstance(option, Mapping) == wants_mapping:
            return check_shape(value, option, path)
    return [Finding(path, f"expected text or a mapping, got {describe(value)}")]


def _check_scalar(value: Any, shape: Scalar, path: FieldPath) -> list[Finding]:
    """A leaf value of the right kind, within its range or list."""
    problem = _scalar_problem(value, shape)
    return [Finding(path, problem)] if problem else []


def _scalar_problem(value: Any, shape: Scalar) -> str | None:
    """What is wrong with a leaf value, or None (the common case, so messages are only built on failure)."""
    kind = shape.kind
    if isinstance(value, bool) and kind != "boolean":
        return _expected(kind, value)
    if kind in ("text", "markdown"):
        if not isinstance(value, (str, int, float)) or isinstance(value, dt.date):
            return _expected(kind, value)
        return None if str(value).strip() else "must not be empty"
    if kind == "id":
        if isinstance(value, float):
            return f"write the number in quotes, e.g. \"{value}\", so that it is kept exactly"
        return None if isinstance(value, (str, int)) and str(value).strip() else _expected(kind, value)
    if kind in ("number", "integer"):
        allowed = (int, float) if kind == "number" else (int,)
        return _range_problem(value, shape) if isinstance(value, allowed) else _expected(kind, value)
    if kind == "boolean":
        return None if isinstance(value, bool) else _expected(kind, value)
    if kind == "date":
        ok = isinstance(value, dt.date) and not isinstance(value, dt.datetime)
        return None if ok else _expected(kind, value)
    if kind == "enum":
        if value in shape.choices:
            return None
        return f"'{value}' is not one of {', '.join(shape.choices)}{suggest(value, shape.choices)}"
    if kind == "slug":
        return None if isinstance(value, str) and re.match(SLUG_PATTERN, value) else (
            f"'{value}' is not a slug (lower-case letters, digits, single hyphens)")
    return _year_problem(value)


def _expected(kind: str, value: Any) -> str:
    """'expected a number, got text'."""
    return f"expected {_KIND_NAMES[kind]}, got {describe(value)}"


def _range_problem(value: float, shape: Scalar) -> str | None:
    """A number that is not finite, below its minimum or above its maximum."""
    try:
        finite = math.isfinite(value)
    except OverflowError:  # an int too large for a float
        return "the number is too large"
    if not finite:
        return f"{value} is not a usable number: write a finite number"
    if shape.minimum is not None and value < shape.minimum:
        return f"{value} is negative: it must be at least {shape.minimum:g}"
    if shape.maximum is not None and value > shape.maximum:
        return f"{value} is over {shape.maximum:g}: it is a percentage"
    return None


def _year_problem(value: Any) -> str | None:
    """A financial year written YYYY-YY with consecutive years."""
    if isinstance(value, str) and is_year_slug(value):
        return None
    return f"'{value}' is not a financial year written YYYY-YY with consecutive years, e.g. 2012-13"

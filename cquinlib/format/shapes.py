"""Check parsed YAML against a shape from spec.py, collecting every finding with its field path."""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Any

from ..core.diagnostics import Severity, quote, suggest
from .scalars import YAML11_BOOLEANS
from .spec import (MAX_MARKDOWN_NESTING, MAX_MARKDOWN_TAGS, SLUG_PATTERN, is_year_slug, ListOf, Mapping, MapOf,
                   OneOf, Scalar, Shape)
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
    if isinstance(value, dt.datetime):
        return f"a date and time, {quote(value)}"
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
    known = shape.by_name
    for key, item in value.items():
        field = known.get(key) if isinstance(key, str) else None
        if field is None:
            hint = suggest(key, known)
            findings.append(Finding(path + (str(key),), f"unknown key {quote(key)}{hint}", at_key=True))
        elif item is None:
            if field.required:
                findings.append(Finding(path + (key,), f"'{key}' is required but empty"))
        elif type(field.shape) is Scalar:
            # Most values are leaves, and nearly all are well formed: no path or list is made for those.
            problem = _scalar_problem(item, field.shape)
            if problem:
                findings.append(Finding(path + (key,), problem))
        else:
            findings.extend(check_shape(item, field.shape, path + (key,)))
    for name in shape.required:
        if name not in value:
            findings.append(Finding(path + (name,), f"missing required field '{name}'"))
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
            findings.append(Finding(path + (str(key),), f"{quote(key)} is not a slug (lower-case letters, digits, "
                                                        "single hyphens)", at_key=True))
        elif len(key) > shape.max_key_length:
            findings.append(Finding(path + (key,), _too_long("a slug", key, shape.max_key_length), at_key=True))
        findings.extend(check_shape(item, shape.value, path + (str(key),)))
    return findings


def _check_one_of(value: Any, shape: OneOf, path: FieldPath) -> list[Finding]:
    """Mappings go to mapping options, anything else to the rest: the first option of that kind the value meets
    decides, and when it meets none, the problems reported are those of the option sharing most of its keys."""
    wants_mapping = isinstance(value, dict)
    fitting = [option for option in shape.options if isinstance(option, Mapping) == wants_mapping]
    if not fitting:
        return [Finding(path, f"expected text or a mapping, got {describe(value)}")]
    tried = [check_shape(value, option, path) for option in fitting]
    passed = next((findings for findings in tried if not findings), None)
    if passed is not None or len(fitting) == 1:
        return passed if passed is not None else tried[0]
    keys = set(value) if wants_mapping else set()
    shared = [len(keys & set(o.keys())) if isinstance(o, Mapping) else 0 for o in fitting]
    return tried[shared.index(max(shared))]


def _check_scalar(value: Any, shape: Scalar, path: FieldPath) -> list[Finding]:
    """A leaf value of the right kind, within its range or list."""
    problem = _scalar_problem(value, shape)
    return [Finding(path, problem)] if problem else []


def _scalar_problem(value: Any, shape: Scalar) -> str | None:
    """What is wrong with a leaf value, or None (the common case, so messages are only built on failure)."""
    kind = shape.kind
    if kind in ("text", "markdown"):
        if type(value) is str:  # nearly every value: checked with no call but the strip
            text = value
        elif isinstance(value, bool) or not isinstance(value, (str, int, float, dt.date)):
            return _expected(kind, value)
        else:
            text = str(value)
        if not text.strip():
            return "must not be empty"
        if shape.max_length is not None and len(text) > shape.max_length:
            return _length_problem(text, shape)
        return markdown_problem(text) if kind == "markdown" else None
    if isinstance(value, bool) and kind != "boolean":
        return _expected(kind, value)
    if kind == "id":
        if isinstance(value, float):
            return f"write the number in quotes, e.g. \"{value}\", so that it is kept exactly"
        if not isinstance(value, (str, int)) or not str(value).strip():
            return _expected(kind, value)
        return _length_problem(str(value), shape)
    if kind in ("number", "integer"):
        allowed = (int, float) if kind == "number" else (int,)
        if isinstance(value, allowed):
            return _range_problem(value, shape)
        return _expected(kind, value) + (number_hint(value) if isinstance(value, str) else "")
    if kind == "boolean":
        if isinstance(value, bool):
            return None
        word = YAML11_BOOLEANS.get(value) if isinstance(value, str) else None
        written = str(word).lower()
        hint = "" if word is None else f": write {written} (YAML 1.1 reads {value} as {written}, YAML 1.2 as text)"
        return _expected(kind, value) + hint
    if kind == "date":
        if isinstance(value, dt.datetime):
            return f"{_expected(kind, value)}: give the date alone, {value.date().isoformat()}"
        return None if isinstance(value, dt.date) else _expected(kind, value)
    if kind == "enum":
        if isinstance(value, str) and value in shape.choices:
            return None
        return f"{quote(value)} is not one of {', '.join(shape.choices)}{suggest(value, shape.choices)}"
    if kind == "slug":
        if not isinstance(value, str) or not re.match(SLUG_PATTERN, value):
            return f"{quote(value)} is not a slug (lower-case letters, digits, single hyphens)"
        return _length_problem(value, shape)
    return _year_problem(value)


def _expected(kind: str, value: Any) -> str:
    """'expected a number, got text '1:30''."""
    got = describe(value)
    if isinstance(value, str):
        got += f" {quote(value)}"
    return f"expected {_KIND_NAMES[kind]}, got {got}"


def number_hint(text: str) -> str:
    """Why text that looks like a number is not one, and what to write: YAML 1.1's readings are named, since
    other tools may still read the file that way."""
    plain = text.strip()
    sexagesimal = re.fullmatch(r"[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?", plain)
    if sexagesimal:
        return (": YAML 1.1 reads it as a number in base 60 (a time), YAML 1.2 as text; write the number you mean "
                "as digits")
    if re.fullmatch(r"[-+]?0[0-9_]+", plain):
        return (": a number with a leading zero is read as octal by YAML 1.1 and as text by YAML 1.2; write it "
                f"without the leading zero, e.g. {plain.lstrip('+-0_') or '0'}")
    if re.fullmatch(r"[-+]?0[xXoObB][0-9a-fA-F_]+", plain):
        return ": write the number in decimal digits"
    cleaned = re.sub(r"[,_£$€%\s]", "", plain)
    if cleaned != plain and _is_decimal(cleaned):
        return f": write digits alone, without commas, underscores, spaces or signs: {cleaned}"
    if _is_decimal(plain):
        return ": it is in quotes; write the number without them"
    return ""


def _is_decimal(text: str) -> bool:
    """A decimal or exponent number, as YAML 1.2 reads one."""
    return re.fullmatch(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?", text) is not None


def _too_long(what: str, text: str, limit: int) -> str:
    """'a name may be at most 200 characters; this one has 300'."""
    return f"{what} may be at most {limit} characters; this one has {len(text)}: shorten it"


def _length_problem(text: str, shape: Scalar) -> str | None:
    """Text longer than its shape allows."""
    if shape.max_length is None or len(text) <= shape.max_length:
        return None
    what = {"markdown": "this text", "slug": "a slug", "id": "a number"}.get(shape.kind, (
        "a name" if shape.max_length < 1000 else "this text"))
    return _too_long(what, text, shape.max_length)


def markdown_nesting(text: str) -> int:
    """How deep lists and block quotes nest in Markdown, at most (a line's markers and indentation)."""
    if _NESTED_LINE.search(text) is None:  # no line indented or opening with a marker: most text, in one scan
        return 0
    deepest = 0
    for match in _NESTING.finditer(text):
        prefix = match.group(0).expandtabs(4)
        markers = len(re.findall(r">|(?:[-*+]|[0-9]{1,9}[.)])(?=[ \t]|$)", prefix))
        # CommonMark nests a list in another by indenting it as far as the outer item's text: two spaces will do.
        deepest = max(deepest, markers + (len(prefix) - len(prefix.lstrip(" "))) // 2)
    return deepest


# The start of a line: its indentation and any block quote or list markers, each followed by spaces.
_NESTING = re.compile(r"^(?:[ \t]*(?:>|(?:[-*+]|[0-9]{1,9}[.)])(?=[ \t]|$)))*[ \t]*", re.MULTILINE)
# A line that could nest at all: indented, or opening with a quote or list marker.
_NESTED_LINE = re.compile(r"^[ \t>*+\-0-9]", re.MULTILINE)


def markdown_problem(text: str) -> str | None:
    """Markdown nested deeper, or with more HTML tags written in, than any page needs (the renderer's work grows
    with both), or None."""
    depth = markdown_nesting(text)
    if depth > MAX_MARKDOWN_NESTING:
        return (f"lists and block quotes nest {depth} levels deep here; at most {MAX_MARKDOWN_NESTING} are "
                "allowed: flatten them")
    tags = len(_HTML_TAG.findall(text)) if "<" in text else 0
    if tags > MAX_MARKDOWN_TAGS:
        return f"this text has {tags} HTML tags written in; at most {MAX_MARKDOWN_TAGS} are allowed"
    return None


_HTML_TAG = re.compile(r"<[A-Za-z]")


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
        if shape.maximum == 100:
            return f"{value} is over 100: it is a percentage"
        return f"{value} is over {shape.maximum:,.0f}, the largest figure the library takes: check it"
    return None


def _year_problem(value: Any) -> str | None:
    """A financial year written YYYY-YY with consecutive years."""
    if isinstance(value, str) and is_year_slug(value):
        return None
    return f"{quote(value)} is not a financial year written YYYY-YY with consecutive years, e.g. 2012-13"

"""How a plain YAML scalar is typed: as YAML 1.2's core schema types it, never by YAML 1.1's silent conversions.

PyYAML follows YAML 1.1, which reads `1:30` as 90, `0777` as 511, `010` as 8, `1_000` as 1000 and `yes`, `no`,
`on` and `off` as booleans, while `1.5e6` stays text. Here only true/false, null, decimal integers without a
leading zero, decimal and exponent numbers (with .inf and .nan, which the range checks refuse) and dates are typed;
everything else is the text written, so a text field shows exactly what its author wrote, and a field that wants
a number or true/false reports what it found (format.shapes names YAML 1.1's reading). A number or time whose
usual spelling differs from the text written (`1.50`, `+5`, `2010-06-14 10:00:00`) remembers that text, for a text
field to show.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Callable

import yaml

# The words YAML 1.1 (and PyYAML) read as booleans, which are text here.
YAML11_BOOLEANS = {word: value for value, words in ((True, ("yes", "on")), (False, ("no", "off")))
                   for base in words for word in (base, base.capitalize(), base.upper())}

# PyYAML's own pattern for dates and times, which YAML 1.2 types the same way.
_TIMESTAMP: re.Pattern[str] = next(pattern for tag, pattern in yaml.resolver.Resolver.yaml_implicit_resolvers["0"]
                                   if tag == "tag:yaml.org,2002:timestamp")

RESOLVERS: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), "tTfF"),
    ("tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"), "-+0123456789"),
    ("tag:yaml.org,2002:float", re.compile(r"""^(?:[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*|[0-9]+(?:\.[0-9]*)?[eE][-+]?[0-9]+)
                                               |[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$""", re.X), "-+0123456789."),
    ("tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), "~nN"),
    ("tag:yaml.org,2002:timestamp", _TIMESTAMP, "0123456789"),
    ("tag:yaml.org,2002:merge", re.compile(r"^<<$"), "<"),
)


class _Written:
    """A value that remembers the text it was written as, for a text field to show."""

    written: str

    def __str__(self) -> str:
        """The text written."""
        return self.written

    def __format__(self, spec: str) -> str:
        """The text written, unless a format is asked for."""
        return self.written if not spec else super().__format__(spec)  # type: ignore[misc]


class WrittenInt(_Written, int):
    """A whole number that remembers how it was written (`+5`)."""


class WrittenFloat(_Written, float):
    """A number that remembers how it was written (`1.50`, `1e3`)."""


class WrittenDateTime(dt.datetime):
    """A date and time that remembers how it was written (`2010-06-14 10:00`), for a text field to show."""

    written: str

    def __str__(self) -> str:
        """The text written."""
        return getattr(self, "written", None) or super().__str__()


def _remembering(construct: Callable[[Any, yaml.Node], Any]) -> Callable[[Any, yaml.Node], Any]:
    """Wrap a number or timestamp constructor: a value whose usual spelling is not the text written keeps it."""
    def remembering(loader: Any, node: yaml.Node) -> Any:
        """Construct, and remember the text written when it differs from the value's own spelling."""
        value = construct(loader, node)
        kind = {int: WrittenInt, float: WrittenFloat, dt.datetime: WrittenDateTime}.get(type(value))
        if kind is None or str(value) == node.value:  # a date alone is always written as it prints
            return value
        made = (kind(value) if kind is not WrittenDateTime else
                WrittenDateTime(value.year, value.month, value.day, value.hour, value.minute, value.second,
                                value.microsecond, value.tzinfo))
        made.written = node.value
        return made
    return remembering


def install(loader: type) -> None:
    """Give a loader class this module's typing of plain scalars (its own copy: PyYAML's loaders stay as they are)."""
    loader.yaml_implicit_resolvers = {}
    for tag, pattern, first in RESOLVERS:
        loader.add_implicit_resolver(tag, pattern, list(first) + ([""] if tag.endswith(":null") else []))
    for kind in ("int", "float", "timestamp"):
        tag = f"tag:yaml.org,2002:{kind}"
        loader.add_constructor(tag, _remembering(loader.yaml_constructors[tag]))

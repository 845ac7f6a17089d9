"""What a page reads, declared as typed inputs: a template is handed these and nothing else, and a page's key is
made from them, so a page whose inputs are unchanged has unchanged bytes.

Three kinds: a Shown value (model values, catalog parts, rows), keyed by everything in it, where a scheme's card
counts by its digest; a whole Scheme, keyed by its validation key and loaded only when its page renders; and
Names, the year labels and region names of the schemes a listing shows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any, Callable, Iterable, Mapping, Protocol, Union

from ..library.cards import GoalCard, SchemeCard
from ..library.catalog import GoalUse
from ..library.model import Commissioner, NationalGoal, Region, Scheme, Topic, Year


class KeySource(Protocol):
    """Digests a key is made from: each card's, and each valid scheme's validation key."""

    def card(self, scheme_id: str) -> str:
        """The digest of what listings show of a scheme."""

    def scheme(self, scheme_id: str) -> str:
        """The validation key of a whole scheme."""


@dataclass(frozen=True, slots=True)
class Shown:
    """A value a template shows; its key covers every part of it (a card by its digest)."""

    value: Any


@dataclass(frozen=True, slots=True)
class WholeScheme:
    """A scheme in full (a scheme page's subject), loaded from its validated model when the page renders."""

    id: str


Input = Union[Shown, WholeScheme]


@dataclass(frozen=True)
class Names:
    """Year labels and region names by slug: what a listing needs to caption its schemes."""

    years: Mapping[str, str]
    regions: Mapping[str, str]

    @classmethod
    def of(cls, years: Iterable[Year], regions: Iterable[Region]) -> "Names":
        """Every year's label and region's name."""
        return cls({y.slug: y.label for y in years}, {r.slug: r.name for r in regions})

    def for_cards(self, cards: Iterable[SchemeCard]) -> "Names":
        """Only the labels and names these schemes show, so a page's key moves with its own captions alone."""
        years, regions = set(), set()
        for card in cards:
            years.add(card.year)
            regions.add(card.region)
        return Names({y: self.years[y] for y in sorted(years) if y in self.years},
                     {r: self.regions[r] for r in sorted(regions) if r in self.regions})


class InputKeys:
    """Keys of page inputs for one plan: a value many pages share (a year, a region) is walked once."""

    def __init__(self, keys: KeySource) -> None:
        """Keys from these digests; nothing walked yet."""
        self.keys = keys
        # By the id of a value the plan holds: the plan outlives this object, so no id is reused meanwhile.
        self.walked: dict[int, str] = {}

    def __call__(self, name: str, value: Input) -> str:
        """The part of a page's key one input gives: its name and a text of everything in it (joined into the
        page's one digest; a large library keys tens of thousands of inputs on every build)."""
        if isinstance(value, WholeScheme):
            return f"{name}\x1fscheme {self.keys.scheme(value.id)}"
        shown = value.value
        found = self.walked.get(id(shown))
        if found is None:
            parts: list[str] = []
            _walk(shown, parts, self.keys.card)
            found = self.walked[id(shown)] = "\x1f".join(parts)
        return f"{name}\x1f{found}"


def resolve(value: Input, load_scheme: Callable[[str], Scheme]) -> Any:
    """What a template receives for an input."""
    return load_scheme(value.id) if isinstance(value, WholeScheme) else value.value


_ATOMS = (str, int, float, bool, type(None), dt.date, PurePath)
# Model records made of atoms and of each other only, whose generated repr shows every field: keyed by it.
_PLAIN_RECORDS = (Year, NationalGoal, Region, Topic, Commissioner)


def _walk(value: Any, out: list[str], card: Callable[[str], str]) -> None:
    """Append a stable text of every part of a value: containers and records item by item, a card as its
    digest, a goal use as its card's digest and goal number. A value of a type not listed here is refused, so
    nothing reaches a template that its key does not cover."""
    if isinstance(value, _ATOMS) or type(value) in _PLAIN_RECORDS:
        out.append(repr(value))
    elif isinstance(value, SchemeCard):
        out.append("card " + card(value.id))
    elif isinstance(value, GoalUse):
        out.append(f"use {card(value.scheme.id)} {value.goal.number!r}")
    elif isinstance(value, GoalCard):
        out.append(repr(value))
    elif isinstance(value, tuple) and hasattr(value, "_fields") or hasattr(value, "__dataclass_fields__"):
        out.append(type(value).__name__ + "(")
        names = value._fields if isinstance(value, tuple) else value.__dataclass_fields__
        for field_name in names:
            _walk(getattr(value, field_name), out, card)
        out.append(")")
    elif isinstance(value, (tuple, list)):
        out.append("[")
        for item in value:
            _walk(item, out, card)
        out.append("]")
    elif isinstance(value, Mapping):
        out.append("{")
        for key, item in value.items():
            _walk(key, out, card)
            _walk(item, out, card)
        out.append("}")
    elif isinstance(value, frozenset):
        _walk(sorted(value), out, card)
    else:
        raise TypeError(f"a page input cannot hold a {type(value).__name__}: it could not be keyed")

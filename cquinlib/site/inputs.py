"""What a page reads, declared as typed inputs: a template is handed these and nothing else, and a page's key is
made from them, so a page whose inputs are unchanged has unchanged bytes.

Three kinds: a Shown value (model values, catalog parts), keyed by everything in it, where a scheme's card counts
by its digest; a WholeScheme, keyed by its validation key and loaded only when its page renders; and a FromTable
value, made as its page renders from the indicator table's rows of the goals it declares, keyed by their schemes'
validation keys (or, made from targets alone, by the targets it reads). Names (the year labels and region names
of the schemes a listing shows) is a Shown value that listings share.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any, Callable, Iterable, Mapping, Protocol, Union

from ..core.digest import digest_bytes
from ..library.cards import GoalCard, SchemeCard
from ..library.catalog import GoalUse
from ..library.indicators import GoalRows, GoalTargets, IndicatorRow
from ..library.model import Commissioner, NationalGoal, Region, Scheme, Topic, Year


class KeySource(Protocol):
    """Digests a key is made from, by scheme id (the validated library gives them)."""

    @property
    def card_digests(self) -> Mapping[str, str]:
        """The digest of what listings show of each scheme."""

    @property
    def scheme_keys(self) -> Mapping[str, str]:
        """The validation key of each whole scheme."""


@dataclass(frozen=True, slots=True)
class Shown:
    """A value a template shows; its key covers every part of it (a card by its digest)."""

    value: Any


@dataclass(frozen=True, slots=True)
class WholeScheme:
    """A scheme in full (a scheme page's subject), loaded from its validated model when the page renders."""

    id: str


GoalRef = tuple[str, str]  # a goal of a scheme: (scheme id, goal number)


@dataclass(frozen=True, slots=True)
class FromTable:
    """A value made as its page renders, by `make(plan, read)`: `read` holds, for each goal of `goals` in order, its
    listed rows (GoalRows) or, with `targets`, only their percentage targets (GoalTargets), and `plan` is the rest of
    what the value shows, keyed as a Shown is. A row is made from its scheme and year alone, which the scheme's
    validation key covers, so the key takes each goal by that key and its number, and planning reads no row:
    an edit of a large library reads only the rows of the pages that render. Targets are small and kept apart
    from the rows, so a targets value is keyed by the targets it reads: an edit that leaves a scheme's targets
    alone renders none of the summaries of thousands of schemes it is counted in. `make` must be a function of
    a module (its name is part of the key, and the code's digest covers what it does)."""

    make: Callable[[Any, tuple[Any, ...]], Any]
    plan: Any
    goals: tuple[GoalRef, ...]
    targets: bool = False


Input = Union[Shown, WholeScheme, FromTable]


class RowSource(Protocol):
    """The indicator table as pages read it, goal by goal (the build's open data gives it)."""

    def goal_rows(self, scheme_id: str, goal_number: str) -> tuple[IndicatorRow, ...]:
        """A listed scheme's rows of one goal, in indicator order (none for a scheme that is not listed)."""

    def goal_targets(self, scheme_id: str, goal_number: str) -> GoalTargets:
        """The percentage targets of those rows (none for a scheme that is not listed)."""


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

    def __init__(self, keys: KeySource, rows: RowSource) -> None:
        """Keys from these digests and these rows' targets; nothing walked yet."""
        self.keys, self.rows = keys, rows
        # By the id of a value the plan holds: the plan outlives this object, so no id is reused meanwhile.
        self.walked: dict[int, str] = {}
        self.parts: dict[tuple[str, int], str] = {}  # a named input's whole part, by the input's id likewise
        self.records: dict[int, str] = {}  # model records (a topic, a region) many pages show, by id likewise
        self.goals: dict[tuple[int, bool], str] = {}  # the goals FromTable inputs declare, by the tuple's id too

    def __call__(self, name: str, value: Input) -> str:
        """The part of a page's key one input gives: its name and a text of everything in it (joined into the
        page's one digest; a large library keys tens of thousands of inputs on every build)."""
        if type(value) is WholeScheme:
            return f"{name}\x1fscheme {self.keys.scheme_keys[value.id]}"
        if type(value) is FromTable:
            return self._from_table(name, value)
        # By the input itself first: pages share inputs (a year, the names table), and this skips even the text.
        part = self.parts.get((name, id(value)))
        if part is None:
            shown = value.value
            found = self.walked.get(id(shown))
            if found is None:
                parts: list[str] = []
                _walk(shown, parts, self.keys, self.records)
                found = self.walked[id(shown)] = "\x1f".join(parts)
            part = self.parts[(name, id(value))] = f"{name}\x1f{found}"
        return part

    def _from_table(self, name: str, value: FromTable) -> str:
        """A FromTable input's part: its function, its plan, and its goals (a topic's summary and its chart
        declare the same goals, thousands of them: their text is made once)."""
        goals = self.goals.get((id(value.goals), value.targets))
        if goals is None:
            goals = self.goals[(id(value.goals), value.targets)] = self._goals_text(value)
        parts: list[str] = []
        _walk(value.plan, parts, self.keys, self.records)
        make = value.make
        return "\x1f".join([name, f"table {make.__module__}.{make.__qualname__} {value.targets}", *parts, goals])

    def _goals_text(self, value: FromTable) -> str:
        """The text of a FromTable input's goals: the targets it reads, or each scheme's key and goal number."""
        if value.targets:
            targets = self.rows.goal_targets
            return " ".join([repr(targets(sid, number)) for sid, number in value.goals])
        schemes = self.keys.scheme_keys
        return " ".join([f"{schemes[sid]} {number!r}" for sid, number in value.goals])


def resolve(value: Input, load_scheme: Callable[[str], Scheme], rows: RowSource) -> Any:
    """What a template receives for an input: a FromTable value is made here, from the rows it declared alone."""
    kind = type(value)
    if kind is Shown:
        return value.value  # type: ignore[union-attr]
    if kind is WholeScheme:
        return load_scheme(value.id)  # type: ignore[union-attr]
    table: FromTable = value  # type: ignore[assignment]
    if table.targets:
        read: tuple[Any, ...] = tuple(rows.goal_targets(sid, number) for sid, number in table.goals)
    else:
        read = tuple(GoalRows(sid, number, rows.goal_rows(sid, number)) for sid, number in table.goals)
    return table.make(table.plan, read)


_ATOMS = frozenset({str, int, float, bool, type(None), dt.date})
# Model records made of atoms and of each other only, whose generated repr shows every field: keyed by it.
_PLAIN_RECORDS = frozenset({Year, NationalGoal, Region, Topic, Commissioner})


def _walk(value: Any, out: list[str], keys: KeySource, records: dict[int, str]) -> None:
    """Append a stable text of every part of a value: containers and records item by item, a card as its
    digest, a goal use as its card's digest and goal number, a model record as its repr (made once per record:
    records are shared by many pages). A value of a type not listed here is refused, so nothing reaches a
    template that its key does not cover.

    A large library keys hundreds of thousands of values on every build: the commonest (a card, a run of
    cards or of goal uses) are tested first, by exact type.
    """
    kind = type(value)
    if kind is SchemeCard:
        out.append("card " + keys.card_digests[value.id])
    elif kind is tuple or kind is list:
        _walk_sequence(value, out, keys, records)
    elif kind is dict and _walk_plain_dict(value, out, records):
        pass
    elif kind is GoalUse:
        out.append(f"use {keys.card_digests[value.scheme.id]} {value.goal.number!r}")
    elif kind in _ATOMS or isinstance(value, PurePath):
        out.append(repr(value))
    elif kind in _PLAIN_RECORDS:
        out.append(_record(value, records))
    elif kind is GoalCard:
        out.append(repr(value))
    elif isinstance(value, tuple) and hasattr(value, "_fields") and all(type(part) in _ATOMS for part in value):
        out.append(repr(value))  # a named tuple of plain values (a heading): its repr names its type and all of them
    elif isinstance(value, tuple) and hasattr(value, "_fields") or hasattr(value, "__dataclass_fields__"):
        out.append(kind.__name__ + "(")
        names = value._fields if isinstance(value, tuple) else value.__dataclass_fields__
        for field_name in names:
            _walk(getattr(value, field_name), out, keys, records)
        out.append(")")
    elif isinstance(value, Mapping):
        out.append("{")
        for key, item in value.items():
            _walk(key, out, keys, records)
            _walk(item, out, keys, records)
        out.append("}")
    elif isinstance(value, frozenset):
        _walk(sorted(value), out, keys, records)
    else:
        raise TypeError(f"a page input cannot hold a {type(value).__name__}: it could not be keyed")


def _record(value: Any, records: dict[int, str]) -> str:
    """A model record's digest (of its repr), made once per record: a topic's repr holds its description, and
    hashing every page's copies of it cost more than the rest of the key."""
    text = records.get(id(value))
    if text is None:
        text = records[id(value)] = "record " + digest_bytes(repr(value))
    return text


def _walk_plain_dict(value: dict[Any, Any], out: list[str], records: dict[int, str]) -> bool:
    """Append a dict of string keys to atoms or model records in one part (names and counts, topics by slug)
    and say so; leave out untouched and say not for any other dict."""
    parts = []
    for key, item in value.items():
        kind = type(item)
        if type(key) is not str:
            return False
        if kind in _PLAIN_RECORDS:
            parts.append(repr(key) + ":" + _record(item, records))
        elif kind in _ATOMS:
            parts.append(repr(key) + ":" + repr(item))
        else:
            return False
    out.append("{" + ",".join(parts) + "}")
    return True


def _walk_sequence(value: tuple[Any, ...] | list[Any], out: list[str], keys: KeySource,
                   records: dict[int, str]) -> None:
    """A tuple or list: a run of cards as their digests in one part, a run of goal uses likewise, else item by
    item."""
    first = type(value[0]) if value else None
    if first is SchemeCard and all(type(item) is SchemeCard for item in value):
        digests = keys.card_digests
        out.append("cards " + " ".join([digests[item.id] for item in value]))
    elif first is GoalUse and all(type(item) is GoalUse for item in value):
        digests = keys.card_digests
        out.append("uses " + " ".join([f"{digests[u.scheme.id]} {u.goal.number!r}" for u in value]))
    elif all(type(item) in _ATOMS for item in value):
        out.append(repr(value))  # plain values (names, numbers): their repr is all of them
    elif all(type(item) is tuple and all(type(part) in _ATOMS for part in item) for item in value):
        out.append(repr(value))  # rows of plain values (the sitemap's entries): their repr is all of them
    else:
        out.append("[")
        for item in value:
            _walk(item, out, keys, records)
        out.append("]")

"""The A to Z index of goals and topics: what search leads to without JavaScript, and a way in of its own."""

from __future__ import annotations

from typing import NamedTuple, Optional

from ..library.catalog import Catalog, GoalEntry


class IndexEntry(NamedTuple):
    """One line of the index: a name, where it leads, and what it is."""

    name: str
    url: Optional[str]
    note: str


Letters = tuple[tuple[str, tuple[IndexEntry, ...]], ...]


def az_letters(catalog: Catalog) -> Letters:
    """Every topic (and its other names) and every goal name the library's schemes use, by first letter."""
    entries: list[IndexEntry] = []
    for slug, links in catalog.goals_by_topic.items():
        topic = catalog.topics[slug]
        entries.append(IndexEntry(topic.name, topic.url, "topic"))
        entries += [IndexEntry(alias, topic.url, f"another name for {topic.name}") for alias in topic.aliases]
        entries += [IndexEntry(e.name, catalog.entry_url(slug, e), f"goal under {topic.name}, {_schemes(e)}")
                    for e in links]
    entries += [IndexEntry(e.name, e.uses[0].scheme.url, f"goal without a topic, {_schemes(e)}")
                for e in catalog.untopical_goals]
    return _letters(entries)


def _schemes(entry: GoalEntry) -> str:
    """'in 1 scheme', 'in 3 schemes'."""
    count = len(entry.uses)
    return f"in {count} scheme{'s' * (count != 1)}"


def _letters(entries: list[IndexEntry]) -> Letters:
    """Entries grouped under their first letter ('0-9' for a digit, '#' for anything else), each sorted by name,
    each name once per place it leads."""
    groups: dict[str, set[IndexEntry]] = {}
    for entry in entries:
        first = entry.name[:1].upper()
        key = first if first.isalpha() and first.isascii() else "0-9" if first.isdigit() else "#"
        groups.setdefault(key, set()).add(entry)
    return tuple((key, tuple(sorted(group, key=lambda e: (e.name.casefold(), e.name, e.url or "", e.note))))
                 for key, group in sorted(groups.items(), key=lambda item: (item[0] in ("0-9", "#"), item[0])))

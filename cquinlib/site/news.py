"""What's new and the Atom feed: the library's schemes by their latest news, dated from the data alone.

A scheme's news (library.catalog.news_of) is the later of its `updated` date and the date it came to the library
(`added`, else `submitted`). Nothing here reads the clock, so a build of the same library writes the same feed.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple, Optional

from ..library.cards import SchemeCard
from ..library.catalog import Catalog, by_news, news_of
from .inputs import Input, Names, Shown

FEED_COUNT = 50  # entries in the feed: a reader polling it sees every change of the last months


class NewsEntry(NamedTuple):
    """One scheme as what's new and the feed list it: the scheme, its news date, and what the news was."""

    scheme: SchemeCard
    date: dt.date
    kind: str  # 'added' or 'updated'
    came: Optional[dt.date]  # when it came to the library (added, else submitted), the feed's <published>


class Month(NamedTuple):
    """A month of what's new: its ISO key (2026-11), its label (November 2026) and its entries, newest first."""

    key: str
    label: str
    entries: tuple[NewsEntry, ...]


def news_entries(catalog: Catalog) -> tuple[NewsEntry, ...]:
    """Every listed scheme that gives a date, newest news first."""
    out = []
    for scheme in by_news(catalog.listed):
        news = news_of(scheme)
        if news is not None:
            out.append(NewsEntry(scheme, news.date, news.kind, scheme.added or scheme.submitted))
    return tuple(out)


def months(entries: tuple[NewsEntry, ...]) -> tuple[Month, ...]:
    """Entries grouped by the month of their news, newest month first (entries arrive sorted)."""
    grouped: dict[str, list[NewsEntry]] = {}
    for entry in entries:
        grouped.setdefault(entry.date.strftime("%Y-%m"), []).append(entry)
    return tuple(Month(key, dt.date(int(key[:4]), int(key[5:]), 1).strftime("%B %Y"), tuple(items))
                 for key, items in grouped.items())


def whats_new_inputs(catalog: Catalog, names: Names) -> dict[str, Input]:
    """What /whats-new/ reads: the months, the captions of their schemes, and how many schemes give no date."""
    entries = news_entries(catalog)
    return {"months": Shown(months(entries)), "names": Shown(names.for_cards(e.scheme for e in entries)),
            "undated": Shown(len(catalog.listed) - len(entries)), "feed_count": Shown(FEED_COUNT)}


def feed_inputs(catalog: Catalog, names: Names) -> dict[str, Input]:
    """What /feed.xml reads: the newest entries, their captions, and the feed's own date (its newest entry's)."""
    entries = news_entries(catalog)[:FEED_COUNT]
    newest = entries[0].date if entries else _fallback_date(catalog)
    return {"entries": Shown(entries), "names": Shown(names.for_cards(e.scheme for e in entries)),
            "updated": Shown(newest)}


def _fallback_date(catalog: Catalog) -> dt.date:
    """An empty feed still needs a date (Atom requires one): 1 April of the library's newest year, else of 2000.
    Never the clock, so that builds stay the same."""
    years = [y.slug for y in catalog.years]
    return dt.date(int(max(years)[:4]), 4, 1) if years else dt.date(2000, 4, 1)

"""Derived views of a library for listings: by year, region, type, provider, topic, domain, national goal."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property
from typing import Callable, Hashable, Iterable, NamedTuple, Optional, TypeVar

from . import urls
from .cards import GoalCard, SchemeCard
from .model import Region, Topic, Year
from .urls import name_key, name_slug, slugify

NEWEST_COUNT = 10
TOPIC_PAGE_ROWS = 50  # goal uses on one page of a topic: each shows every indicator with its figures, so 50 keep a
# page near 100 KB (200 made 400 KB pages, slow on a phone and to remake on every edit of a scheme they show)
T = TypeVar("T")
K = TypeVar("K", bound=Hashable)


class GoalUse(NamedTuple):
    """One goal as one scheme uses it."""

    scheme: SchemeCard
    goal: GoalCard


@dataclass(frozen=True)
class GoalEntry:
    """Goals with the same name across schemes, and the schemes that use them."""

    name: str
    uses: tuple[GoalUse, ...]

    @property
    def anchor(self) -> str:
        """Fragment id for this goal within a listing."""
        return goal_anchor(self.name)


class Heading(NamedTuple):
    """What a page shows of a goal entry above its part of the uses: the name, and the fragment it gives."""

    name: str

    @property
    def anchor(self) -> str:
        """Fragment id for this goal within a listing."""
        return goal_anchor(self.name)


def goal_anchor(name: str) -> str:
    """The fragment id of a goal entry's heading, never alike for two entries: its slug, with a short digest of
    its matching key where the slug does not spell the key (letters beyond ASCII, an apostrophe)."""
    key, slug = _goal_key(name), slugify(name)
    if slug.replace("-", " ") == key:
        return f"goal-{slug}"
    return f"goal-{slug}-{hashlib.blake2b(key.encode('utf-8'), digest_size=3).hexdigest()}"


class TopicSection(NamedTuple):
    """The part of a goal entry that one page of a topic shows."""

    entry: Heading
    uses: tuple[GoalUse, ...]
    continued: bool


class TopicPage(NamedTuple):
    """One page of a topic's goals."""

    number: int
    total: int
    url: str
    sections: tuple[TopicSection, ...]


def topic_pages(url: str, entries: tuple[GoalEntry, ...], rows: int) -> tuple[TopicPage, ...]:
    """A topic's entries cut into pages of `rows` uses; an entry may run on to the next page."""
    pages: list[list[TopicSection]] = [[]]
    room = rows
    for entry in entries:
        start = 0
        while start < len(entry.uses):
            if room == 0:
                pages.append([])
                room = rows
            take = min(room, len(entry.uses) - start)
            pages[-1].append(TopicSection(Heading(entry.name), entry.uses[start:start + take], start > 0))
            start += take
            room -= take
    return tuple(TopicPage(n, len(pages), urls.listing_page_url(url, n), tuple(sections))
                 for n, sections in enumerate(pages, start=1))


@dataclass(frozen=True)
class Provider:
    """A provider and its listed schemes across years and commissioners."""

    slug: str
    name: str
    schemes: tuple[SchemeCard, ...]

    @property
    def url(self) -> str:
        """The provider's page."""
        return urls.provider_url(self.slug)

    @property
    def types(self) -> tuple[str, ...]:
        """Provider types its schemes give, sorted."""
        return tuple(sorted({s.provider_type for s in self.schemes}))

    @property
    def names(self) -> tuple[NameSpan, ...]:
        """Every name its schemes give, oldest first, with the years each was used (one code, many names)."""
        spans: dict[str, tuple[str, list[str]]] = {}  # by name_key: spellings of one name are one name
        for scheme in sorted(self.schemes, key=lambda s: (s.year, s.id)):
            spans.setdefault(name_key(scheme.provider_name), (scheme.provider_name, []))[1].append(scheme.year)
        return tuple(NameSpan(name, years[0], years[-1]) for name, years in spans.values())

    @cached_property
    def by_year(self) -> dict[str, tuple[SchemeCard, ...]]:
        """Its schemes by year, years in order: around() is asked once for each of its schemes, and going through
        all of them each time cost a provider of many schemes the square of their number."""
        grouped: dict[str, list[SchemeCard]] = {}
        for scheme in self.schemes:
            grouped.setdefault(scheme.year, []).append(scheme)
        return {year: tuple(grouped[year]) for year in sorted(grouped)}

    def around(self, year: str) -> tuple[tuple[SchemeCard, ...], tuple[SchemeCard, ...]]:
        """Its schemes of the nearest earlier year and of the nearest later year than `year`."""
        years = tuple(self.by_year)
        earlier, later = bisect_left(years, year), bisect_right(years, year)
        before = self.by_year[years[earlier - 1]] if earlier > 0 else ()
        after = self.by_year[years[later]] if later < len(years) else ()
        return before, after


class NameSpan(NamedTuple):
    """A name a provider went by, and the first and last years its schemes give it."""

    name: str
    first_year: str
    last_year: str


class ProviderYears(NamedTuple):
    """What a scheme's page shows of its provider: its page (None: it has none) and its neighbouring years."""

    url: Optional[str]
    previous: tuple[SchemeCard, ...]
    next: tuple[SchemeCard, ...]
    following: tuple[SchemeCard, ...]  # next, when it is of the very next financial year (a multi-year goal's)


@dataclass(frozen=True)
class Catalog:
    """Every grouping the pages list, computed once from the library."""

    years: tuple[Year, ...]
    regions: dict[str, Region]
    topics: dict[str, Topic]
    built: tuple[SchemeCard, ...]
    listed: tuple[SchemeCard, ...]
    by_year: dict[str, tuple[SchemeCard, ...]]
    by_region: dict[str, tuple[SchemeCard, ...]]
    by_type: dict[str, tuple[SchemeCard, ...]]
    providers: tuple[Provider, ...]
    provider_slug_of: dict[str, str]  # every provider name on a built scheme, made a slug once
    goals_by_topic: dict[str, tuple[GoalEntry, ...]]
    goals_by_domain: dict[str, tuple[GoalEntry, ...]]
    untopical_goals: tuple[GoalEntry, ...]
    adoptions: dict[tuple[str, str], tuple[SchemeCard, ...]]
    newest: tuple[SchemeCard, ...]

    def year(self, slug: str) -> Year:
        """The year with this slug."""
        return next(y for y in self.years if y.slug == slug)

    @cached_property
    def topic_pages(self) -> dict[str, tuple[TopicPage, ...]]:
        """Each topic's pages."""
        return {slug: topic_pages(topic.url, self.goals_by_topic.get(slug, ()), TOPIC_PAGE_ROWS)
                for slug, topic in self.topics.items()}

    def entry_url(self, topic: str, entry: GoalEntry) -> str:
        """The page and fragment where a topic's page starts a goal entry of this name."""
        return self._entry_urls.get((topic, entry.anchor), self.topics[topic].url)

    @cached_property
    def _entry_urls(self) -> dict[tuple[str, str], str]:
        """(topic, anchor) to the URL of the entry's heading."""
        return {(slug, s.entry.anchor): f"{page.url}#{s.entry.anchor}" for slug, pages in self.topic_pages.items()
                for page in pages for s in page.sections if not s.continued}

    @cached_property
    def provider_slugs(self) -> frozenset[str]:
        """Slugs of providers with a page."""
        return frozenset(p.slug for p in self.providers)

    def named_provider_has_page(self, name: str) -> bool:
        """True when the provider a built scheme names has listed schemes, and so a page."""
        return self.provider_slug_of[name] in self.provider_slugs

    @cached_property
    def _provider_by_key(self) -> dict[str, Provider]:
        """Each provider with a page by its identity: its code where its schemes give one, else its name's slug."""
        return {_provider_key(s, self.provider_slug_of): p for p in self.providers for s in p.schemes}

    def provider_of(self, card: SchemeCard) -> Optional[Provider]:
        """The provider with a page that a built scheme belongs to, if any (by code, else by name)."""
        return self._provider_by_key.get(_provider_key(card, self.provider_slug_of))

    def provider_years(self, card: SchemeCard) -> ProviderYears:
        """A scheme's provider page and the same provider's schemes of the years before and after."""
        provider = self.provider_of(card)
        if provider is None:
            return ProviderYears(None, (), (), ())
        before, after = provider.around(card.year)
        return ProviderYears(provider.url, before, after,
                             after if after and after[0].year == following_year(card.year) else ())



def catalog_from_cards(regions: Iterable[Region], topics: Iterable[Topic], years: Iterable[Year],
                       cards: Iterable[SchemeCard]) -> Catalog:
    """Group schemes every way the site lists them; drafts are left out entirely."""
    built = tuple(sorted((c for c in cards if c.status != "draft"), key=lambda c: c.id))
    # Real schemes come before worked examples wherever a listing would otherwise rank them alike.
    listed = tuple(sorted((c for c in built if c.listed),
                          key=lambda s: (s.year, s.region, s.illustrative, s.title.casefold(), s.slug)))
    # Uses newest scheme first (real first, then by id within a year): every entry lists its uses in this order.
    make = tuple.__new__  # GoalUse without NamedTuple's Python-level constructor: a library has many uses
    uses = [make(GoalUse, (s, g)) for s in sorted(listed, key=lambda s: (s.year, not s.illustrative, s.id),
                                                  reverse=True)
            for g in s.goals]
    entries = _Entries()
    by_topic, by_domain, untopical = _goal_groups(uses)
    slugs = {name: name_slug(name) for name in {s.provider_name for s in built}}  # names repeat across schemes
    return Catalog(
        years=tuple(sorted(years, key=lambda y: y.slug)),
        regions={r.slug: r for r in sorted(regions, key=lambda r: r.slug)},
        topics={t.slug: t for t in sorted(topics, key=lambda t: t.slug)},
        built=built, listed=listed,
        by_year=_group(listed, lambda s: [s.year]), by_region=_group(listed, lambda s: [s.region]),
        by_type=_group(listed, lambda s: [s.provider_type]),
        providers=_providers(listed, slugs), provider_slug_of=slugs,
        goals_by_topic={k: entries(by_topic[k]) for k in sorted(by_topic)},
        goals_by_domain={k: entries(by_domain[k]) for k in sorted(by_domain)},
        untopical_goals=entries(untopical),
        adoptions=_group(listed, lambda s: sorted({(s.year, g.national) for g in s.goals if g.national})),
        newest=by_news(listed)[:NEWEST_COUNT],
    )


def _group(items: Iterable[T], keys: Callable[[T], Iterable[K]]) -> dict[K, tuple[T, ...]]:
    """Group items under each key keys(item) gives, keeping order, as tuples sorted by key."""
    groups: dict[K, list[T]] = defaultdict(list)
    for item in items:
        for key in keys(item):
            groups[key].append(item)
    return {key: tuple(groups[key]) for key in sorted(groups)}  # type: ignore[type-var]


def _goal_groups(uses: list[GoalUse]) -> tuple[dict[str, list[GoalUse]], dict[str, list[GoalUse]], list[GoalUse]]:
    """Uses by topic, by domain, and those with no topic, in one pass (a large library has 100,000 uses)."""
    by_topic: dict[str, list[GoalUse]] = defaultdict(list)
    by_domain: dict[str, list[GoalUse]] = defaultdict(list)
    untopical = []
    for use in uses:
        goal = use.goal
        for topic in goal.topics:
            by_topic[topic].append(use)
        if not goal.topics:
            untopical.append(use)
        by_domain[goal.domain or "unspecified"].append(use)
    return by_topic, by_domain, untopical


def _providers(schemes: tuple[SchemeCard, ...], slugs: dict[str, str]) -> tuple[Provider, ...]:
    """Providers by identity (a code, else the slug of the name); the name shown, and the page's slug, are those of
    the most recent scheme. A coded provider whose slug a provider without a code has too takes its code's slug
    after its own, so no two share a page."""
    grouped = _group(schemes, lambda s: [_provider_key(s, slugs)])
    named = {key for key in grouped if not key.startswith("code:")}
    found = []
    for key, items in grouped.items():
        latest = max(items, key=lambda s: (s.year, s.id))
        slug = slugs[latest.provider_name]
        if key.startswith("code:") and slug in named:
            slug = f"{slug}-{slugify(latest.provider_code)}"
        found.append(Provider(slug, latest.provider_name, tuple(sorted(items, key=lambda s: (s.year, s.id),
                                                                       reverse=True))))
    return tuple(sorted(found, key=lambda p: p.slug))


def _provider_key(card: SchemeCard, slugs: dict[str, str]) -> str:
    """What makes schemes one provider: the same code (whatever the names), else the same name's slug."""
    return f"code:{name_key(card.provider_code)}" if card.provider_code else slugs[card.provider_name]


def following_year(year: str) -> str:
    """The financial year after a YYYY-YY slug: 2019-20 gives 2020-21."""
    start = int(year[:4]) + 1
    return f"{start}-{(start + 1) % 100:02d}"


def goal_key(name: str) -> str:
    """What makes two spellings one goal name: case, spacing and punctuation aside."""
    return _goal_key(name)


def _goal_key(name: str) -> str:
    """Goals match by name, ignoring case, spacing and punctuation (letters of every script count)."""
    return re.sub(r"[\W_]+", " ", unicodedata.normalize("NFKC", name).casefold()).strip()


class _Entries:
    """Collapses goal uses with the same name into entries, remembering each name's key (names repeat)."""

    def __init__(self) -> None:
        """Start with no names known."""
        self.keys: dict[str, str] = {}

    def __call__(self, uses: list[GoalUse]) -> tuple[GoalEntry, ...]:
        """Entries of some uses, sorted by name; each entry's uses in the order given."""
        # Uses are grouped by exact name first (one step each); names that differ only in case or punctuation
        # are rare, and only their uses are walked again to merge them in order.
        by_name: dict[str, list[GoalUse]] = defaultdict(list)
        for use in uses:
            by_name[use.goal.name].append(use)
        by_key: dict[str, list[str]] = defaultdict(list)
        for name in by_name:  # in the order names are first met
            by_key[self.key(name)].append(name)
        entries = [GoalEntry(names[0], tuple(by_name[names[0]])) for names in by_key.values() if len(names) == 1]
        mixed = {name: key for key, names in by_key.items() if len(names) > 1 for name in names}
        merged: dict[str, list[GoalUse]] = defaultdict(list)
        for use in (uses if mixed else ()):
            key = mixed.get(use.goal.name)
            if key is not None:
                merged[key].append(use)
        # The most used spelling names the entry; on a tie, the one met first.
        entries += [GoalEntry(max(by_key[key], key=lambda n: len(by_name[n])), tuple(items))
                    for key, items in merged.items()]
        return tuple(sorted(entries, key=lambda e: e.name.casefold()))

    def key(self, name: str) -> str:
        """A name's matching key, made once per name."""
        key = self.keys.get(name)
        if key is None:
            key = self.keys[name] = _goal_key(name)
        return key


class News(NamedTuple):
    """When a scheme was last news, and what the news was: 'added' or 'updated'."""

    date: dt.date
    kind: str


def news_of(scheme: SchemeCard) -> Optional[News]:
    """A scheme's news: the later of its updated date and the date it came to the library (added, else
    submitted), 'updated' only when updated is strictly later; None for a scheme that gives no date."""
    came = scheme.added or scheme.submitted
    if scheme.updated and (came is None or scheme.updated > came):
        return News(scheme.updated, "updated")
    return News(came, "added") if came else None


def by_news(schemes: Iterable[SchemeCard]) -> tuple[SchemeCard, ...]:
    """Schemes newest news first (what's new, the feed and the home page's newest share this order); ties by id,
    descending, real schemes before illustrative ones on the same date; one without a date sorts at the start of its
    financial year."""
    def key(scheme: SchemeCard) -> tuple[dt.date, bool, str]:
        """The date it sorts by, then real before illustrative, and its id."""
        news = news_of(scheme)
        return (news.date if news else _year_start(scheme.year)), not scheme.illustrative, scheme.id
    return tuple(sorted(schemes, key=key, reverse=True))


def _year_start(year: str) -> dt.date:
    """1 April of a financial year, for sorting schemes without dates."""
    return dt.date(int(year[:4]), 4, 1)

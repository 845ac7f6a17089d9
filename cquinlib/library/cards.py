"""Scheme cards: the light, cacheable view of a scheme that every listing page needs.

Listings of thousands of schemes need only titles, providers and goal names; loading full schemes
for them would make every incremental build pay for the whole library.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple, Optional

from ..core.digest import digest_values
from .model import Scheme, SchemeIdentity
from .urls import scheme_id


class GoalCard(NamedTuple):
    """What a listing shows of a goal."""

    number: str
    name: str
    domain: str
    national: str
    topics: tuple[str, ...]


class AttachmentCard(NamedTuple):
    """An attachment to publish beside a scheme's page."""

    file: str
    src_path: str


class _CardFields(NamedTuple):
    """The fields of a card, in the order card_to_plain stores them."""

    year: str
    region: str
    slug: str
    src_path: str
    title: str
    provider_name: str
    provider_type: str
    provider_code: str  # the provider's identity where given: one code, one provider, whatever its name
    commissioners: tuple[str, ...]
    framework: str
    illustrative: bool
    status: str
    submitted: Optional[dt.date]
    updated: Optional[dt.date]
    added: Optional[dt.date]
    goals: tuple[GoalCard, ...]
    attachments: tuple[AttachmentCard, ...]
    value: Optional[float]  # the scheme's value in pounds, where known: the years page totals it by year
    # scheme_id(year, region, slug), made once with the card and never stored: listings and page keys ask for
    # it hundreds of thousands of times in a build of a large library.
    id: str


class SchemeCard(_CardFields, SchemeIdentity):
    """What a listing shows of a scheme, and what its page and downloads are."""

    __slots__ = ()


def card_of(scheme: Scheme) -> SchemeCard:
    """The card for a full scheme."""
    return SchemeCard(
        year=scheme.year, region=scheme.region, slug=scheme.slug, src_path=str(scheme.src_path), title=scheme.title,
        provider_name=scheme.provider_name, provider_type=scheme.provider_type,
        provider_code=scheme.provider_code, commissioners=tuple(c.name for c in scheme.commissioners), framework=scheme.framework,
        illustrative=scheme.illustrative, status=scheme.status, submitted=scheme.submitted, updated=scheme.updated,
        added=scheme.added,
        goals=tuple(GoalCard(g.number, g.name, g.domain, g.national, g.topics) for g in scheme.goals),
        attachments=tuple(AttachmentCard(a.file, str(a.src_path)) for a in scheme.attachments), value=scheme.value,
        id=scheme.id)


# What the cache stores of a card, by field name: every field but the id, which the path fields give again.
STORED_FIELDS = tuple(name for name in _CardFields._fields if name != "id")
_DATES = tuple(STORED_FIELDS.index(name) for name in ("submitted", "updated", "added"))
_GOALS, _ATTACHMENTS = STORED_FIELDS.index("goals"), STORED_FIELDS.index("attachments")
_YEAR, _REGION, _SLUG = (STORED_FIELDS.index(name) for name in ("year", "region", "slug"))


def card_to_plain(card: SchemeCard) -> tuple[Any, ...]:
    """The stored fields of a card as builtins that marshal can store (dates as ordinals, records as tuples)."""
    plain = [getattr(card, name) for name in STORED_FIELDS]
    for index in _DATES:
        plain[index] = _ordinal(plain[index])
    plain[_GOALS] = tuple(tuple(g) for g in card.goals)
    plain[_ATTACHMENTS] = tuple(tuple(a) for a in card.attachments)
    return tuple(plain)


def card_from_plain(plain: tuple[Any, ...]) -> SchemeCard:
    """Rebuild a card from card_to_plain's tuple.

    tuple.__new__ skips NamedTuple's Python-level constructor: a warm build loads every card, and this is most
    of that time on a large library. marshal gives back exactly the tuples card_to_plain stored, field for field
    in STORED_FIELDS' order, and the id comes last, as in _CardFields.
    """
    values = list(plain)
    for index in _DATES:
        values[index] = _date(values[index])
    make = tuple.__new__
    values[_GOALS] = tuple(make(GoalCard, g) for g in values[_GOALS])
    values[_ATTACHMENTS] = tuple(make(AttachmentCard, a) for a in values[_ATTACHMENTS])
    values.append(scheme_id(values[_YEAR], values[_REGION], values[_SLUG]))
    return make(SchemeCard, values)


def goals_digest(card: Optional[SchemeCard]) -> str:
    """A digest of what a card's goals give related lists and search facets: names, national goals, domains and
    topics. Made once per validated scheme, so a build need not walk every goal of the library to key them."""
    if card is None:
        return ""
    return digest_values(values=[(g.name, g.national, g.domain, g.topics) for g in card.goals])


def card_digest(card: Optional[SchemeCard]) -> str:
    """A digest of what listings show of a scheme."""
    return digest_values(values=card_to_plain(card)) if card else ""


def _ordinal(value: Optional[dt.date]) -> Optional[int]:
    """A date as its ordinal, for marshal."""
    return None if value is None else value.toordinal()


def _date(value: Optional[int]) -> Optional[dt.date]:
    """An ordinal back to a date."""
    return None if value is None else dt.date.fromordinal(value)

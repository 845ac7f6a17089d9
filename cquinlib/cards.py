"""Scheme cards: the light, cacheable view of a scheme that every listing page needs.

Listings of thousands of schemes need only titles, providers and goal names; loading full schemes
for them would make every incremental build pay for the whole library.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple, Optional

from .model import Scheme, SchemeIdentity, scheme_id


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
    commissioners: tuple[str, ...]
    framework: str
    illustrative: bool
    status: str
    submitted: Optional[dt.date]
    updated: Optional[dt.date]
    goals: tuple[GoalCard, ...]
    attachments: tuple[AttachmentCard, ...]
    # scheme_id(year, region, slug), made once with the card and never stored: listings and page keys ask for
    # it hundreds of thousands of times in a build of a large library.
    id: str


class SchemeCard(_CardFields, SchemeIdentity):
    """What a listing shows of a scheme, and what its page and downloads are."""

    __slots__ = ()


def card_of(scheme: Scheme) -> SchemeCard:
    """The card for a full scheme."""
    return SchemeCard(
        scheme.year, scheme.region, scheme.slug, str(scheme.src_path), scheme.title, scheme.provider_name,
        scheme.provider_type, tuple(c.name for c in scheme.commissioners), scheme.framework, scheme.illustrative,
        scheme.status, scheme.submitted, scheme.updated,
        tuple(GoalCard(g.number, g.name, g.domain, g.national, g.topics) for g in scheme.goals),
        tuple(AttachmentCard(a.file, str(a.src_path)) for a in scheme.attachments), scheme.id)


def card_to_plain(card: SchemeCard) -> tuple:  # type: ignore[type-arg]
    """A tuple of builtins that marshal can store (dates as ordinals)."""
    return (*card[:11], _ordinal(card.submitted), _ordinal(card.updated),
            tuple(tuple(g) for g in card.goals), tuple(tuple(a) for a in card.attachments))


def card_from_plain(plain: tuple) -> SchemeCard:  # type: ignore[type-arg]
    """Rebuild a card from card_to_plain's tuple."""
    *head, submitted, updated, goals, attachments = plain
    # tuple.__new__ skips NamedTuple's Python-level constructor: a warm build loads every card, and this is
    # most of that time on a large library. marshal gives back exactly the tuples card_to_plain stored.
    make = tuple.__new__
    return make(SchemeCard, (*head, _date(submitted), _date(updated), tuple(make(GoalCard, g) for g in goals),
                             tuple(make(AttachmentCard, a) for a in attachments), scheme_id(*head[:3])))


def _ordinal(value: Optional[dt.date]) -> Optional[int]:
    """A date as its ordinal, for marshal."""
    return None if value is None else value.toordinal()


def _date(value: Optional[int]) -> Optional[dt.date]:
    """An ordinal back to a date."""
    return None if value is None else dt.date.fromordinal(value)

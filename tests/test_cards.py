"""Scheme cards are records by name: what the cache stores of a card comes back field for field, the stored
fields are every field but the id, and the card digest sees every stored field."""

from __future__ import annotations

import datetime as dt
import marshal
from typing import Any

from cquinlib.library.cards import (STORED_FIELDS, AttachmentCard, GoalCard, SchemeCard, card_digest,
                                    card_from_plain, card_to_plain)


# Per card: format-valid choices for the enumerated fields; the first card's are none of the model's defaults
# (framework "cquin", status "published", illustrative False).
CHOICES: dict[str, dict[str, Any]] = {
    "a": {"framework": "other", "status": "withdrawn", "provider_type": "mental-health",
          "domains": ("safety", "innovation"), "illustrative": True},
    "b": {"framework": "cquin", "status": "draft", "provider_type": "community",
          "domains": ("effectiveness", "patient-experience"), "illustrative": False},
}


def card_values(year: str, region: str, slug: str, tag: str, day: int) -> dict[str, Any]:
    """Every field of a card by name, each value distinct from the others and from any default, varied by tag."""
    choice = CHOICES[tag]
    first, second = choice["domains"]
    return {
        "year": year, "region": region, "slug": slug,
        "src_path": f"schemes/{year}/{region}/{slug}.yaml",
        "title": f"Title {tag}", "provider_name": f"Provider {tag} NHS Trust", "provider_type": choice["provider_type"],
        "provider_code": f"R{tag}",
        "commissioners": (f"NHS North {tag}", f"NHS South {tag}"),
        "framework": choice["framework"], "illustrative": choice["illustrative"], "status": choice["status"],
        "submitted": dt.date(2014, 5, day), "updated": dt.date(2015, 2, day + 1), "added": dt.date(2016, 3, day + 2),
        "goals": (GoalCard(f"1{tag}", f"Goal one {tag}", first, f"vte-{tag}", (f"t1{tag}", f"t2{tag}")),
                  GoalCard(f"2{tag}", f"Goal two {tag}", second, f"flu-{tag}", (f"t3{tag}",))),
        "attachments": (AttachmentCard(f"plan-{tag}.pdf", f"schemes/{year}/{region}/{slug}/plan-{tag}.pdf"),),
        "value": float(day * 1000),
        "id": f"{year}/{region}/{slug}",
    }


def full_card() -> SchemeCard:
    """A card where every field has its own non-default value."""
    return SchemeCard(**card_values("2014-15", "midlands", "acme-trust", "a", 3))


def other_card() -> SchemeCard:
    """A card whose every field differs from full_card's, with values of the same types."""
    return SchemeCard(**card_values("2016-17", "london", "other-trust", "b", 9))


def test_the_cards_cover_every_field() -> None:
    """The test cards name every field of SchemeCard, with no two fields alike and every field differing
    between the two cards, so each check below sees each field."""
    values = card_values("2014-15", "midlands", "acme-trust", "a", 3)
    assert set(values) == set(SchemeCard._fields)
    reprs = [repr(v) for v in values.values()]
    assert len(set(reprs)) == len(reprs)
    card, other = full_card(), other_card()
    assert [name for name in SchemeCard._fields if getattr(card, name) == getattr(other, name)] == []
    assert card.id == f"{card.year}/{card.region}/{card.slug}"


def test_plain_round_trip_by_name() -> None:
    """card_from_plain(card_to_plain(card)) gives the card back, field by field, with the same types (dates as
    dates, goals and attachments as their records), also after marshal stores and loads the plain tuple."""
    card = full_card()
    plain = card_to_plain(card)
    for back in (card_from_plain(plain), card_from_plain(marshal.loads(marshal.dumps(plain, 2)))):
        assert type(back) is SchemeCard
        for name in SchemeCard._fields:
            assert getattr(back, name) == getattr(card, name), name
            assert type(getattr(back, name)) is type(getattr(card, name)), name
        assert [type(g) for g in back.goals] == [GoalCard, GoalCard]
        assert [type(a) for a in back.attachments] == [AttachmentCard]
        assert back == card
        assert back.url == card.url and back.provider_slug == card.provider_slug


def test_plain_stores_exactly_the_stored_fields() -> None:
    """STORED_FIELDS is every field of SchemeCard but the id, in order, and card_to_plain stores just those,
    each in its place (dates as ordinals, records as plain tuples)."""
    assert STORED_FIELDS == tuple(name for name in SchemeCard._fields if name != "id")
    card = full_card()
    plain = card_to_plain(card)
    assert len(plain) == len(STORED_FIELDS)
    assert card.id not in plain
    assert card.submitted is not None and card.updated is not None and card.added is not None
    converted = {"submitted": card.submitted.toordinal(), "updated": card.updated.toordinal(),
                 "added": card.added.toordinal()}
    for name, value in zip(STORED_FIELDS, plain):
        assert value == converted.get(name, getattr(card, name)), name
    assert all(type(g) is tuple for g in plain[STORED_FIELDS.index("goals")])
    assert all(type(a) is tuple for a in plain[STORED_FIELDS.index("attachments")])
    assert marshal.loads(marshal.dumps(plain, 2)) == plain


def test_digest_sees_every_stored_field() -> None:
    """Changing any one stored field (to another value of its type) changes card_digest; the id, which the
    path fields give again, is not stored."""
    card, other = full_card(), other_card()
    base = card_digest(card)
    assert base and card_digest(card) == card_digest(full_card())
    unseen = [name for name in STORED_FIELDS if card_digest(card._replace(**{name: getattr(other, name)})) == base]
    assert unseen == [], f"card_digest ignores {unseen}"
    assert card_digest(card._replace(id=other.id)) == base
    assert card_digest(None) == ""


def test_digest_sees_every_goal_field() -> None:
    """Changing one field of one goal card changes card_digest."""
    card = full_card()
    base = card_digest(card)
    alternatives = {"number": "9", "name": "Another goal", "domain": "innovation", "national": "flu",
                    "topics": ("falls",)}
    assert set(alternatives) == set(GoalCard._fields)
    unseen = [name for name, value in alternatives.items()
              if card_digest(card._replace(goals=(card.goals[0]._replace(**{name: value}), card.goals[1]))) == base]
    assert unseen == [], f"card_digest ignores goal fields {unseen}"

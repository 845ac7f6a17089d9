"""Resubmissions: a new scheme that closely resembles one already in the library (the same provider in the same
year, or nearly the same goals), so that one scheme is not published twice."""

from __future__ import annotations

import difflib
from typing import Any, Iterable

from ..library.cards import SchemeCard
from ..library.urls import name_key

GOALS_ALIKE = 0.9  # how alike two schemes' goal names must read, taken together, to be called near-identical


def resemblances(data: dict[str, Any], year: str, cards: Iterable[SchemeCard]) -> list[str]:
    """A sentence for each scheme in the library that the new one closely resembles."""
    provider = data.get("provider") if isinstance(data.get("provider"), dict) else {}
    who = name_key(str(provider.get("name") or ""))
    goals = _goal_names(g.get("name") for g in data.get("goals") or [] if isinstance(g, dict))
    found = []
    for card in cards:
        if who and card.year == year and name_key(card.provider_name) == who:
            found.append(f"{card.id} has the same provider in the same year ({card.provider_name})")
        elif goals and _alike(goals, _goal_names(g.name for g in card.goals)):
            found.append(f"{card.id} has nearly the same goals ({card.provider_name}, {card.year})")
    return found


def _goal_names(names: Iterable[Any]) -> list[str]:
    """Goal names as compared: letters and digits, case folded, in order."""
    return sorted(name_key(str(n)) for n in names if n)


def _alike(ours: list[str], theirs: list[str]) -> bool:
    """Near-identical goals: as many of them, reading almost the same when put side by side."""
    if not theirs or abs(len(ours) - len(theirs)) > max(1, len(ours) // 5):
        return False
    return difflib.SequenceMatcher(None, "|".join(ours), "|".join(theirs)).ratio() >= GOALS_ALIKE

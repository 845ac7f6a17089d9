"""The format's rules that go beyond shape: cross-references, uniqueness, weights and attachments."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterator, Optional, Protocol, Sequence

from ..core.diagnostics import Severity, suggest
from .shapes import Finding
from .yamlio import format_field

WEIGHT_TOLERANCE = 0.5
ATTACHMENT_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*$"


class NationalGoalLike(Protocol):
    """A national goal as the rules read it."""

    @property
    def id(self) -> str:
        """Its id within its year."""


class YearLike(Protocol):
    """A validated year as the rules read it: its slug and national goals (the library's Year)."""

    @property
    def slug(self) -> str:
        """YYYY-YY."""

    @property
    def national_goals(self) -> Sequence[NationalGoalLike]:
        """The year's national goals."""

    def national_goal(self, goal_id: str) -> Optional[NationalGoalLike]:
        """The national goal with this id, if the year defines it."""


def scheme_findings(data: dict[str, Any], src_path: Path, topics: Optional[frozenset[str]],
                    year: Optional[YearLike]) -> list[Finding]:
    """Every rule a scheme's content must meet beyond its shape, as findings."""
    goals = [g for g in _items(data.get("goals")) if isinstance(g[1], dict)]
    findings = list(_goal_findings(goals, topics, year))
    findings += _duplicate_numbers(goals)
    findings += _weight_findings(goals)
    findings += _attachment_findings(data.get("attachments"), src_path)
    if data.get("status", "published") == "published" and "submitted" not in data:
        findings.append(Finding(("submitted",), "a published scheme should give its submitted date",
                                severity=Severity.WARNING))
    return findings


def topic_findings(value: Any, path: tuple[Any, ...], topics: Optional[frozenset[str]]) -> list[Finding]:
    """Each topic slug in a list must be in _topics.yaml (unchecked when that file is unusable)."""
    if not isinstance(value, list) or topics is None:
        return []
    return [Finding(path + (index,), f"unknown topic '{slug}'{suggest(slug, topics)}: add it to _topics.yaml "
                                     "or use a known one")
            for index, slug in enumerate(value) if isinstance(slug, str) and slug not in topics]


def _items(value: Any) -> list[tuple[int, Any]]:
    """(index, item) pairs of a list, or nothing for anything else."""
    return list(enumerate(value)) if isinstance(value, list) else []


def _indicators(goal: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    """(index, indicator) pairs of a goal's well-formed indicators."""
    return [(i, ind) for i, ind in _items(goal.get("indicators")) if isinstance(ind, dict)]


def _goal_findings(goals: list[tuple[int, dict[str, Any]]], topics: Optional[frozenset[str]],
                   year: Optional[YearLike]) -> Iterator[Finding]:
    """Known topics and national goals, sane payment scales and milestone payments."""
    for g, goal in goals:
        yield from topic_findings(goal.get("topics"), ("goals", g, "topics"), topics)
        national = goal.get("national")
        if isinstance(national, (str, int)) and year is not None and year.national_goal(str(national)) is None:
            known = [n.id for n in year.national_goals]
            listing = f" (it defines: {', '.join(known)})" if known else " (it defines none)"
            yield Finding(("goals", g, "national"), f"'{national}' is not a national goal of {year.slug}"
                                                    f"{suggest(national, known) or listing}")
        for i, ind in _indicators(goal):
            yield from _indicator_findings(ind, ("goals", g, "indicators", i))


def _indicator_findings(ind: dict[str, Any], path: tuple[Any, ...]) -> Iterator[Finding]:
    """A payment scale whose min exceeds its max; milestone payments over 100%."""
    scale = ind.get("payment_scale")
    if isinstance(scale, dict) and _is_number(scale.get("min")) and _is_number(scale.get("max")):
        if scale["min"] > scale["max"]:
            yield Finding(path + ("payment_scale", "min"),
                          f"min {scale['min']:g} is more than max {scale['max']:g}")
    payments = [m.get("payment") for _, m in _items(ind.get("milestones")) if isinstance(m, dict)]
    total = sum(p for p in payments if _is_number(p))
    if total > 100 + 1e-9:
        yield Finding(path + ("milestones",), f"milestone payments add up to {total:g}%, more than 100%",
                      severity=Severity.WARNING)


def _duplicate_numbers(goals: list[tuple[int, dict[str, Any]]]) -> Iterator[Finding]:
    """Goal numbers, and indicator numbers across the whole scheme, must be unique."""
    goal_seen: dict[str, tuple[Any, ...]] = {}
    ind_seen: dict[str, tuple[Any, ...]] = {}
    for g, goal in goals:
        yield from _unique(goal.get("number"), ("goals", g, "number"), goal_seen, "goal")
        for i, ind in _indicators(goal):
            yield from _unique(ind.get("number"), ("goals", g, "indicators", i, "number"), ind_seen, "indicator")


def _unique(number: Any, path: tuple[Any, ...], seen: dict[str, tuple[Any, ...]], what: str) -> Iterator[Finding]:
    """Note a number, reporting it when it was seen before."""
    if not isinstance(number, (str, int)) or isinstance(number, bool):
        return
    key = str(number)
    if key in seen:
        yield Finding(path, f"{what} number '{key}' is used twice (first at {format_field(seen[key])})")
    else:
        seen[key] = path


def _weight_findings(goals: list[tuple[int, dict[str, Any]]]) -> Iterator[Finding]:
    """Warnings: weights that do not add up to 100, goals that disagree with their indicators."""
    goal_weights: list[float] = []
    ind_weights: list[float] = []
    every_goal_weighs_indicators = True
    for g, goal in goals:
        own = goal.get("weight")
        inds = [ind.get("weight") for _, ind in _indicators(goal)]
        weighted = [w for w in inds if _is_number(w)]
        ind_weights += weighted
        every_goal_weighs_indicators &= bool(inds) and len(weighted) == len(inds)
        if _is_number(own):
            goal_weights.append(own)
            if inds and len(weighted) == len(inds) and abs(sum(weighted) - own) > WEIGHT_TOLERANCE:
                yield Finding(("goals", g, "weight"), f"goal weight {own:g} differs from the sum of its "
                                                      f"indicators' weights, {sum(weighted):g}",
                              severity=Severity.WARNING)
        elif inds and len(weighted) == len(inds):
            goal_weights.append(sum(weighted))
    # Indicator weights can only add up to 100 when every goal shares its weight out among indicators.
    totals = [(goal_weights, "goal")] + ([(ind_weights, "indicator")] if every_goal_weighs_indicators else [])
    for total, what in totals:
        if total and abs(sum(total) - 100) > WEIGHT_TOLERANCE:
            yield Finding(("goals",), f"{what} weights add up to {sum(total):g}, not 100",
                          severity=Severity.WARNING)


def _attachment_findings(value: Any, src_path: Path) -> Iterator[Finding]:
    """Each attachment must exist inside the scheme's own folder (SLUG/ beside SLUG.yaml)."""
    folder = src_path.with_suffix("")
    seen: set[str] = set()
    for index, item in _items(value):
        name = item.get("file") if isinstance(item, dict) else None
        if not isinstance(name, str):
            continue
        path = ("attachments", index, "file")
        if not re.match(ATTACHMENT_PATTERN, name) or ".." in name.split("/"):
            yield Finding(path, f"'{name}' must be a plain path inside {folder.name}/ (letters, digits, '.', "
                                "'_', '-', no '..')")
        elif not _inside(folder / name, folder):
            yield Finding(path, f"'{name}' lies outside the scheme's folder {folder.name}/")
        elif not (folder / name).is_file():
            yield Finding(path, f"attachment '{name}' not found: put it in {folder.name}/ beside the scheme file")
        elif name in seen:
            yield Finding(path, f"attachment '{name}' is listed twice")
        seen.add(name)


def _inside(path: Path, folder: Path) -> bool:
    """True when path, with links resolved, lies within folder."""
    try:
        return path.resolve().is_relative_to(folder.resolve())
    except OSError:
        return False


def _is_number(value: Any) -> bool:
    """An int or float, not a bool."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)

"""The indicator table, made once: one row per indicator (and per goal without indicators) of every built scheme.

Every comparison the site shows and every download it publishes is cut from this table, so no two of them can
disagree about a baseline, a target, a weight or a value in pounds.
"""

from __future__ import annotations

import re
import statistics
from typing import Iterable, NamedTuple, Optional

from .catalog import goal_key
from .model import Goal, Indicator, Milestone, Scheme, Year
from .scales import AnyScale, PaymentScale, SteppedScale

# A target that is one percentage ("90%", ">= 85 %", "85.5%"): the only kind the summary can set side by side.
_PERCENT = re.compile(r"\s*(?:[<>≥≤=]=?|at least|over|above)?\s*(\d{1,3}(?:\.\d+)?)\s*%\s*", re.IGNORECASE)


class IndicatorRow(NamedTuple):
    """One indicator of one scheme (or a goal that has none), with everything a comparison or download shows."""

    scheme_id: str
    scheme_url: str
    scheme_title: str
    status: str
    provider: str
    provider_code: str
    provider_type: str
    year: str
    region: str
    framework: str
    illustrative: bool
    goal_number: str
    goal_name: str
    goal_key: str  # what makes two spellings of a goal's name one goal (case, spacing, punctuation aside)
    domain: str
    national: str
    topics: tuple[str, ...]
    indicator_number: str  # empty for a goal without indicators
    indicator_name: str
    weight: Optional[float]  # % of the scheme's value: the indicator's, or the goal's for a goal without any
    value: Optional[float]  # pounds: the scheme's value times the weight
    baseline: str
    baseline_period: str
    target: str
    target_period: str
    scale_min: Optional[float]  # a sliding scale's ends; None for none or a stepped scale
    scale_max: Optional[float]
    scale_steps: str  # a stepped scale as text ('from 60%: 50%; from 70%: 100%'), else empty
    milestones: tuple[Milestone, ...]
    duration: Optional[int]  # financial years: the goal's, else its national goal's
    target_percent: Optional[float]  # the target as a number when it is one percentage ('90%'), else None

    @property
    def baseline_percent(self) -> Optional[float]:
        """The baseline as a number when it is one percentage, else None."""
        return percent_of(self.baseline)

    @property
    def payment_scale(self) -> str:
        """The sliding scale as text ('60% to 80%'), a stepped one as its steps, or empty."""
        if self.scale_steps:
            return "steps: " + self.scale_steps
        if self.scale_min is None or self.scale_max is None:
            return ""
        return f"{_figure(self.scale_min)}% to {_figure(self.scale_max)}%"


class GoalRows(NamedTuple):
    """Every listed row of one goal of one scheme, in indicator order: what a comparison page reads of a goal it
    declared, handed over as the page renders."""

    scheme_id: str
    goal_number: str
    rows: tuple[IndicatorRow, ...]


class GoalTargets(NamedTuple):
    """What a targets' summary reads of one goal of one scheme: the scheme's year and each of the goal's rows'
    target as a percentage (None where it is not one). A build keeps these apart from the rows: a topic's summary
    reads them for thousands of schemes, and the whole rows of those schemes took a third of a second to load."""

    scheme_id: str
    goal_number: str
    year: str
    percents: tuple[Optional[float], ...]


def rows_by_goal(rows: Iterable[IndicatorRow]) -> dict[str, tuple[IndicatorRow, ...]]:
    """One scheme's rows by goal number, each goal's in indicator order."""
    by_goal: dict[str, list[IndicatorRow]] = {}
    for row in rows:
        by_goal.setdefault(row.goal_number, []).append(row)
    return {number: tuple(found) for number, found in by_goal.items()}


def goal_targets(rows: Iterable[IndicatorRow]) -> dict[str, GoalTargets]:
    """Each goal's targets among one scheme's rows, by goal number."""
    return {number: GoalTargets(found[0].scheme_id, number, found[0].year, tuple(r.target_percent for r in found))
            for number, found in rows_by_goal(rows).items()}


def percent_of(text: str) -> Optional[float]:
    """A target written as one percentage, as a number ('90%' is 90.0); anything else is None."""
    match = _PERCENT.fullmatch(text)
    return float(match.group(1)) if match else None


def scheme_rows(scheme: Scheme, year: Optional[Year]) -> tuple[IndicatorRow, ...]:
    """The rows of one scheme, goal by goal and indicator by indicator, in the scheme's order."""
    rows = []
    for goal in scheme.goals:
        national = year.national_goal(goal.national) if year is not None and goal.national else None
        duration = goal.duration if goal.duration is not None else (national.duration if national else None)
        if goal.indicators:
            rows += [_row(scheme, goal, i, duration) for i in goal.indicators]
        else:
            rows.append(_row(scheme, goal, None, duration))
    return tuple(rows)


def indicator_table(schemes: Iterable[Scheme], years: Iterable[Year]) -> tuple[IndicatorRow, ...]:
    """Every built scheme's rows (drafts never), by scheme id, then in each scheme's own order."""
    by_slug = {y.slug: y for y in years}
    built = sorted((s for s in schemes if s.status != "draft"), key=lambda s: s.id)
    return tuple(row for s in built for row in scheme_rows(s, by_slug.get(s.year)))


class TargetStats(NamedTuple):
    """How many targets are a percentage, and their lowest, median and highest (None when there are none)."""

    count: int
    lowest: Optional[float]
    median: Optional[float]
    highest: Optional[float]


class YearTargets(NamedTuple):
    """One year's targets: its slug and their figures."""

    year: str
    stats: TargetStats


class TargetSummary(NamedTuple):
    """The targets of some rows: all together, and year by year (oldest first, years without one left out)."""

    overall: TargetStats
    by_year: tuple[YearTargets, ...]
    unsummarised: int  # rows whose target is not one percentage (text, a count) or is not given


def target_summary(rows: Iterable[IndicatorRow]) -> TargetSummary:
    """The percentage targets of some rows, summarised overall and by year."""
    return _summary((row.year, row.target_percent) for row in rows)


def targets_summary(goals: Iterable[GoalTargets]) -> TargetSummary:
    """The percentage targets of some goals' rows, summarised as target_summary does their rows."""
    return _summary((goal.year, figure) for goal in goals for figure in goal.percents)


def _summary(targets: Iterable[tuple[str, Optional[float]]]) -> TargetSummary:
    """Targets as (year, percentage or None), summarised overall and by year."""
    by_year: dict[str, list[float]] = {}
    other = 0
    for year, figure in targets:
        if figure is None:
            other += 1
        else:
            by_year.setdefault(year, []).append(figure)
    every = [f for figures in by_year.values() for f in figures]
    return TargetSummary(_stats(every), tuple(YearTargets(y, _stats(by_year[y])) for y in sorted(by_year)), other)


def listed_rows(rows: Iterable[IndicatorRow]) -> tuple[IndicatorRow, ...]:
    """The rows of published schemes: what comparisons show (a withdrawn scheme keeps only its own page)."""
    return tuple(r for r in rows if r.status == "published")


def topic_rows(rows: Iterable[IndicatorRow], topic: str) -> tuple[IndicatorRow, ...]:
    """Listed rows under a topic, grouped by goal name (spellings together), newest year first within a goal."""
    chosen = [r for r in listed_rows(rows) if topic in r.topics]
    return tuple(sorted(chosen, key=comparison_order))


def national_rows(rows: Iterable[IndicatorRow], year: str, goal_id: str) -> tuple[IndicatorRow, ...]:
    """Listed rows of every scheme that adopted a national goal, by scheme."""
    chosen = [r for r in listed_rows(rows) if r.year == year and r.national == goal_id]
    return tuple(sorted(chosen, key=lambda r: (r.scheme_title.casefold(), r.scheme_id, r.goal_number)))


class GoalGroup(NamedTuple):
    """Rows of one goal under its spellings: the name shown (the commonest spelling), every other, and the rows."""

    name: str
    spellings: tuple[str, ...]
    rows: tuple[IndicatorRow, ...]


def goal_groups(rows: Iterable[IndicatorRow]) -> tuple[GoalGroup, ...]:
    """Rows grouped by goal name, spellings that differ only in case or punctuation as one, sorted by name."""
    grouped: dict[str, list[IndicatorRow]] = {}
    for row in rows:
        grouped.setdefault(row.goal_key, []).append(row)
    groups = []
    for items in grouped.values():
        counts: dict[str, int] = {}
        for row in items:
            counts[row.goal_name] = counts.get(row.goal_name, 0) + 1
        name = max(counts, key=lambda n: (counts[n], -list(counts).index(n)))
        groups.append(GoalGroup(name, tuple(n for n in counts if n != name), tuple(items)))
    return tuple(sorted(groups, key=lambda g: g.name.casefold()))


def comparison_order(row: IndicatorRow) -> tuple[str, int, str, str, str]:
    """Goal by goal (by name), newest year first (a YYYY-YY slug by its first year, negated: a large library
    sorts hundreds of thousands of rows), then by scheme and indicator."""
    return (row.goal_key, -int(row.year[:4]), row.scheme_title.casefold(), row.scheme_id, row.indicator_number)


def _row(scheme: Scheme, goal: Goal, indicator: Optional[Indicator], duration: Optional[int]) -> IndicatorRow:
    """One row: an indicator of a goal, or the goal itself when it has none."""
    weight = indicator.weight if indicator is not None else goal.effective_weight
    baseline = indicator.baseline if indicator is not None else None
    target = indicator.target if indicator is not None else None
    scale = indicator.payment_scale if indicator is not None else None
    return IndicatorRow(
        scheme_id=scheme.id, scheme_url=scheme.url, scheme_title=scheme.title, status=scheme.status,
        provider=scheme.provider_name, provider_code=scheme.provider_code, provider_type=scheme.provider_type,
        year=scheme.year, region=scheme.region, framework=scheme.framework, illustrative=scheme.illustrative,
        goal_number=goal.number, goal_name=goal.name, goal_key=goal_key(goal.name), domain=goal.domain,
        national=goal.national, topics=goal.topics,
        indicator_number=indicator.number if indicator is not None else "",
        indicator_name=indicator.name if indicator is not None else "",
        weight=weight, value=scheme.share_value(weight),
        baseline=baseline.value if baseline else "", baseline_period=baseline.period if baseline else "",
        target=target.value if target else "", target_period=target.period if target else "",
        scale_min=scale.min if isinstance(scale, PaymentScale) else None,
        scale_max=scale.max if isinstance(scale, PaymentScale) else None,
        scale_steps=steps_text(scale) if isinstance(scale, SteppedScale) else "",
        milestones=indicator.milestones if indicator is not None else (), duration=duration,
        target_percent=percent_of(target.value) if target else None)


def scale_text(scale: Optional[AnyScale]) -> str:
    """A payment scale in words: '60% to 80%' for a sliding one, 'steps: above 50%: 25%; ...', or empty."""
    if isinstance(scale, SteppedScale):
        return "steps: " + steps_text(scale)
    if isinstance(scale, PaymentScale):
        return f"{_figure(scale.min)}% to {_figure(scale.max)}%"
    return ""


def steps_text(scale: SteppedScale) -> str:
    """A stepped scale in words, step by step: 'above 50%: 25%; from 60%: 50%'."""
    return "; ".join(f"{'from' if s.inclusive else 'above'} {_figure(s.threshold)}%: {_figure(s.pay)}%"
                     for s in scale.steps)


def _stats(figures: list[float]) -> TargetStats:
    """Count, lowest, median and highest of some figures."""
    if not figures:
        return TargetStats(0, None, None, None)
    return TargetStats(len(figures), min(figures), float(statistics.median(figures)), max(figures))


def _figure(value: float) -> str:
    """A percentage as written: 60.0 as '60', 62.5 as '62.5'."""
    return f"{value:g}"

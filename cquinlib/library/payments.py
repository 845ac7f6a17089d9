"""What an indicator pays: the sliding scale's share for an achievement, a worked example, milestone payments in
pounds, and the totals of a table of weights.

The scale is the format's own rule (library.scales: a sliding scale pays nothing below min %, all at or above max %,
linear between; a stepped one pays the share of the highest step reached); calculator.js applies the same rules in
the browser, so the page's worked example and the calculator always agree.
"""

from __future__ import annotations

import math
from typing import Iterable, NamedTuple, Optional

from .model import Indicator, Milestone
from .scales import AnyScale, SteppedScale, share_paid


class Earned(NamedTuple):
    """What an achievement earns: the share of the indicator's value (0 to 1) and the pounds, where known."""

    achieved: float
    share: float
    pounds: Optional[float]


class MilestonePayment(NamedTuple):
    """A milestone with its payment in pounds, where the indicator's value is known."""

    milestone: Milestone
    pounds: Optional[float]
    number: Optional[int] = None  # its place among the milestones with a payment (what the calculator ticks)


class Totals(NamedTuple):
    """The sum of a column of weights and of their values, and how many rows gave no figure to add."""

    weight: Optional[float]
    value: Optional[float]
    rows: int
    without_weight: int


def earned_share(scale: AnyScale, achieved: float) -> float:
    """The share of the value (0 to 1) earned at this achievement, by the scale's own rule."""
    return share_paid(scale, achieved) / 100


def earned(scale: AnyScale, achieved: float, value: Optional[float]) -> Earned:
    """The share and the pounds (None when the indicator's value is not known) earned at this achievement."""
    share = earned_share(scale, achieved)
    return Earned(achieved, share, None if value is None else value * share)


def worked_example(scale: AnyScale, value: Optional[float]) -> Earned:
    """The example a page shows: halfway up a sliding scale (or at its one threshold when min equals max); for
    steps, just into the middle step."""
    if isinstance(scale, SteppedScale):
        step = scale.steps[len(scale.steps) // 2]
        return earned(scale, step.threshold if step.inclusive else min(100.0, step.threshold + 1), value)
    return earned(scale, (scale.min + scale.max) / 2, value)


def steps_attribute(scale: SteppedScale) -> str:
    """A stepped scale for calculator.js, as 'threshold:pay:inclusive' triples joined by spaces (numbers only)."""
    return " ".join(f"{s.threshold:g}:{s.pay:g}:{int(s.inclusive)}" for s in scale.steps)


def milestone_payments(indicator: Indicator, value: Optional[float]) -> tuple[MilestonePayment, ...]:
    """Each milestone with its payment in pounds: its % of the indicator's value, when both are known."""
    paid, number = [], 0
    for m in indicator.milestones:
        number += m.payment is not None
        paid.append(MilestonePayment(m, None if value is None or m.payment is None else value * m.payment / 100,
                                     number if m.payment is not None else None))
    return tuple(paid)


def milestone_total(payments: Iterable[MilestonePayment]) -> Totals:
    """The milestones' payments added up: % of the indicator's value and pounds."""
    rows = tuple(payments)
    percents = [p.milestone.payment for p in rows if p.milestone.payment is not None]
    pounds = [p.pounds for p in rows if p.pounds is not None]
    return Totals(sum(percents) if percents else None, sum(pounds) if pounds else None, len(rows),
                  len(rows) - len(percents))


def weight_totals(weights: Iterable[Optional[float]], scheme_value: Optional[float]) -> Totals:
    """A table's weights (% of the scheme) added up, with their value in pounds when the scheme's is known."""
    rows = tuple(weights)
    known = [w for w in rows if w is not None]
    weight = float(sum(known)) if known else None
    value = None if weight is None or scheme_value is None else scheme_value * weight / 100
    return Totals(weight, value, len(rows), len(rows) - len(known))


def percent_text(share: float) -> str:
    """A share (0 to 1) as a percentage to one decimal place, without a needless '.0' (as calculator.js writes
    it)."""
    tenths = math.floor(share * 1000 + 0.5)  # halves round up, as JavaScript's Math.round does
    return f"{tenths // 10}" if tenths % 10 == 0 else f"{tenths / 10:.1f}"


def money_text(value: Optional[float]) -> str:
    """£1,234,567 (pence only when there are any); empty for None."""
    if value is None:
        return ""
    return f"£{value:,.0f}" if abs(value - round(value)) < 0.005 else f"£{value:,.2f}"

"""Payment scales as values: a sliding scale or a stepped one, each with the share it pays at an achievement."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Union


@dataclass(frozen=True)
class PaymentScale:
    """A sliding scale: nothing below min %, everything at max %, linear between."""

    min: float
    max: float

    def share_paid(self, achievement: float) -> float:
        """The % of the value paid at this achievement %."""
        if achievement >= self.max:
            return 100.0
        if achievement < self.min or self.max == self.min:
            return 0.0
        return 100.0 * (achievement - self.min) / (self.max - self.min)


@dataclass(frozen=True)
class PaymentStep:
    """One step: pay % of the value from `threshold` % achievement (above it, when not inclusive)."""

    threshold: float
    pay: float
    inclusive: bool = True

    def reached(self, achievement: float) -> bool:
        """True when an achievement % reaches this step."""
        return achievement >= self.threshold if self.inclusive else achievement > self.threshold


@dataclass(frozen=True)
class SteppedScale:
    """Steps in rising order of threshold: each pays its share from its threshold; nothing below the first."""

    steps: tuple[PaymentStep, ...]

    def share_paid(self, achievement: float) -> float:
        """The % of the value paid at this achievement %: the share of the highest step reached."""
        reached = [s.pay for s in self.steps if s.reached(achievement)]
        return reached[-1] if reached else 0.0


AnyScale = Union[PaymentScale, SteppedScale]


def share_paid(scale: AnyScale, achievement: float) -> float:
    """The % of a goal's or indicator's value a scale pays at an achievement % (0 to 100)."""
    return scale.share_paid(achievement)


def to_payment_scale(data: Any) -> Optional[AnyScale]:
    """A validated payment_scale mapping as its value; None when absent or not well formed."""
    if not isinstance(data, dict):
        return None
    if _number(data.get("min")) and _number(data.get("max")):
        return PaymentScale(float(data["min"]), float(data["max"]))
    steps = data.get("steps")
    if not isinstance(steps, list) or not steps:
        return None
    made = []
    for step in steps:
        key = "from" if isinstance(step, dict) and "from" in step else "above"
        if not isinstance(step, dict) or not _number(step.get(key)) or not _number(step.get("pay")):
            return None
        made.append(PaymentStep(float(step[key]), float(step["pay"]), key == "from"))
    return SteppedScale(tuple(made))


def _number(value: Any) -> bool:
    """An int or float, not a bool."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)

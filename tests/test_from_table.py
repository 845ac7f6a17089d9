"""FromTable inputs: a comparison's value is made from the rows of the goals it declared alone, and keyed by
those schemes' validation keys."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from cquinlib.library.indicators import GoalRows, GoalTargets
from cquinlib.site.inputs import FromTable, InputKeys, resolve


class Table:
    """Rows of two goals of one scheme; asking for any other goal fails."""

    def goal_rows(self, scheme_id: str, goal_number: str) -> tuple[Any, ...]:
        """A declared goal's rows."""
        assert (scheme_id, goal_number) in {("2019-20/a/x", "1"), ("2019-20/a/x", "2")}, "undeclared goal read"
        return (f"row of {goal_number}",)  # type: ignore[return-value]

    def goal_targets(self, scheme_id: str, goal_number: str) -> GoalTargets:
        """A declared goal's targets."""
        return GoalTargets(scheme_id, goal_number, "2019-20", (90.0,))


def echo(plan: Any, read: tuple[Any, ...]) -> tuple[Any, tuple[Any, ...]]:
    """What the input was handed."""
    return plan, read


def test_a_table_value_reads_only_its_declared_goals() -> None:
    """The function gets the rows of the declared goals, in order, and the plan."""
    value = FromTable(echo, "plan", (("2019-20/a/x", "2"), ("2019-20/a/x", "1")))
    plan, read = resolve(value, lambda sid: pytest.fail("no scheme loaded"), Table())
    assert plan == "plan"
    assert read == (GoalRows("2019-20/a/x", "2", ("row of 2",)), GoalRows("2019-20/a/x", "1", ("row of 1",)))
    targets = resolve(FromTable(echo, None, (("2019-20/a/x", "1"),), targets=True), lambda sid: None, Table())
    assert targets[1] == (GoalTargets("2019-20/a/x", "1", "2019-20", (90.0,)),)


def test_a_table_value_is_keyed_by_its_schemes_keys_function_and_plan() -> None:
    """A declared scheme's new key, another function or plan, or targets in place of rows: another key."""
    goals = (("2019-20/a/x", "1"),)

    def key(scheme_key: str, value: FromTable) -> str:
        """The input's part of a page key."""
        keys = SimpleNamespace(card_digests={}, scheme_keys={"2019-20/a/x": scheme_key})
        return InputKeys(keys, Table())("rows", value)  # type: ignore[arg-type]

    base = key("k1", FromTable(echo, "p", goals))
    assert key("k1", FromTable(echo, "p", goals)) == base
    assert key("k2", FromTable(echo, "p", goals)) != base
    assert key("k1", FromTable(echo, "q", goals)) != base
    assert key("k1", FromTable(echo, "p", goals, targets=True)) != base
    assert key("k1", FromTable(resolve, "p", goals)) != base  # type: ignore[arg-type]


class Targets:
    """Only targets, as given: asking for rows fails."""

    def __init__(self, percents: tuple[float | None, ...]) -> None:
        """Every goal's targets are these."""
        self.percents = percents

    def goal_rows(self, scheme_id: str, goal_number: str) -> tuple[Any, ...]:
        """Never asked: a targets value is keyed without rows."""
        raise AssertionError("rows read to key a targets value")

    def goal_targets(self, scheme_id: str, goal_number: str) -> GoalTargets:
        """The targets given, for any goal."""
        return GoalTargets(scheme_id, goal_number, scheme_id.partition("/")[0], self.percents)


def test_a_targets_value_is_keyed_by_the_targets_it_reads() -> None:
    """A summary of targets keeps its key when a scheme changes elsewhere (a new validation key, same targets)
    and takes another when a target, or the set of goals, changes."""
    goals = (("2019-20/a/x", "1"), ("2020-21/b/y", "2"))

    def key(scheme_key: str, percents: tuple[float | None, ...], chosen: tuple[tuple[str, str], ...] = goals) -> str:
        """The part of a page key of a targets summary over the chosen goals."""
        keys = SimpleNamespace(card_digests={}, scheme_keys={"2019-20/a/x": scheme_key, "2020-21/b/y": "k"})
        value = FromTable(echo, None, chosen, targets=True)
        return InputKeys(keys, Targets(percents))("summary", value)  # type: ignore[arg-type]

    base = key("k1", (90.0, None))
    assert key("k2", (90.0, None)) == base
    assert key("k1", (95.0, None)) != base
    assert key("k1", (90.0, 10.0)) != base
    assert key("k1", (90.0, None), goals[:1]) != base

"""The indicator table and its targets summary, against a small library with known figures (issue 13)."""

from __future__ import annotations

from pathlib import Path

from comparisons_library import write_comparison_library
from cquinlib.library.indicators import (goal_groups, indicator_table, national_rows, percent_of, target_summary,
                                         topic_rows)
from cquinlib.library.validate import load_library


def table(tmp_path: Path):  # type: ignore[no-untyped-def]
    """The table of the comparison library."""
    library, diagnostics = load_library(write_comparison_library(tmp_path))
    assert not [d for d in diagnostics if d.severity.name == "ERROR"], diagnostics
    return indicator_table(library.schemes, library.years)


def test_one_row_per_indicator_and_per_goal_without_any(tmp_path: Path) -> None:
    """Alpha's flu indicator, its falls goal (no indicators), Beta's and Alpha Renamed's indicators and the
    withdrawn scheme's: five rows, no draft, in scheme id order."""
    rows = table(tmp_path)
    assert [(r.scheme_id, r.goal_number, r.indicator_number) for r in rows] == [
        ("2019-20/london/alpha", "1", "1.1"), ("2019-20/london/alpha", "2", ""),
        ("2019-20/london/gone", "1", "1.1"), ("2019-20/midlands/beta", "1", "1.1"),
        ("2020-21/london/alpha", "1", "1.1")]
    flu, falls = rows[0], rows[1]
    # Alpha: £10m contract at the year's 1.25% is £125,000; the indicator weighs 40%, the goal 60%.
    assert (flu.weight, flu.value, falls.weight, falls.value) == (40, 50_000, 60, 75_000)
    assert (flu.baseline, flu.baseline_period, flu.target, flu.target_period) == ("60%", "2018/19", "80%",
                                                                                  "Q4 2019/20")
    assert (flu.scale_min, flu.scale_max, flu.payment_scale) == (60, 80, "60% to 80%")
    assert flu.milestones[0].payment == 25 and flu.provider_code == "RA1" and flu.provider_type == "acute"
    assert (flu.national, flu.topics, flu.domain, falls.domain) == ("flu", ("flu",), "safety", "")
    assert (flu.duration, falls.duration, rows[4].duration) == (None, 2, 2)  # falls: its national goal's
    assert rows[3].value == 25_000 and rows[3].provider_code == ""


def test_target_summary_counts_percentages_overall_and_by_year(tmp_path: Path) -> None:
    """Under flu, published schemes only: 80% and 90% in 2019/20, 70% in 2020/21."""
    summary = target_summary(topic_rows(table(tmp_path), "flu"))
    assert tuple(summary.overall) == (3, 70, 80, 90)
    assert [(y.year, tuple(y.stats)) for y in summary.by_year] == [("2019-20", (2, 80, 85, 90)),
                                                                   ("2020-21", (1, 70, 70, 70))]
    assert summary.unsummarised == 0
    empty = target_summary(())
    assert tuple(empty.overall) == (0, None, None, None) and empty.by_year == ()


def test_targets_read_as_percentages_only_when_they_are_one() -> None:
    """'80%', '>= 85 %' and 'at least 90%' are figures; a sentence or a count is not."""
    assert [percent_of(t) for t in ("80%", ">= 85 %", "at least 90%", "62.5%")] == [80, 85, 90, 62.5]
    assert [percent_of(t) for t in ("5 percentage point improvement", "12", "80% or 90%", "")] == [None] * 4


def test_comparisons_group_spellings_and_keep_to_published_schemes(tmp_path: Path) -> None:
    """The flu topic's rows are one goal under its commonest spelling, newest year first; the national goal's
    rows are Alpha's and Beta's."""
    rows = table(tmp_path)
    flu = topic_rows(rows, "flu")
    groups = goal_groups(flu)
    assert [(g.name, g.spellings, len(g.rows)) for g in groups] == [
        ("Staff flu vaccination", ("STAFF flu vaccination.",), 3)]
    assert [r.year for r in groups[0].rows] == ["2020-21", "2019-20", "2019-20"]
    assert [r.scheme_id for r in national_rows(rows, "2019-20", "flu")] == ["2019-20/london/alpha",
                                                                            "2019-20/midlands/beta"]

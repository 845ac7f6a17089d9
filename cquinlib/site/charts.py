"""Charts as static SVG, drawn at build time: the geometry is worked out here as typed records, and
templates/_charts.html writes them out as inline SVG beside the table of their numbers.

Why our own templates rather than a charting library such as pygal: pygal's SVG carries a script and tooltips
by default and pulls in its own styles, so every chart would need them stripped and checked; a bar and a range
chart are a few dozen lines of geometry, and written through Jinja's autoescaping, no name a contributor wrote
(a goal, a topic, a region) can become markup, let alone script. The site's pages then hold no chart script at
all, and the charts print, scale and read the same everywhere.

Every chart is one colour of at least 3:1 contrast on white (WCAG 1.4.11), and every bar or range is labelled
in words and figures beside it, so nothing depends on telling colours apart.
"""

from __future__ import annotations

import math
from typing import Iterable, Mapping, NamedTuple, Optional, Sequence

from ..library.cards import SchemeCard
from ..library.catalog import GoalEntry
from ..library.indicators import TargetSummary
from ..library.model import DOMAIN_NAMES, Region, Scheme, Topic, Year
from ..library.payments import money_text

WIDTH = 360  # the viewBox's width: the SVG scales to its column, and this narrow keeps 15px text legible at 320 px
LABEL_HEIGHT = 21  # a row's label line, above its bar
BAR_HEIGHT = 16
ROW_GAP = 12
BAR_SPACE = 240  # the longest bar, at most: the rest of the width holds its figure
FIGURE_CHAR = 9  # the width a character of a bar's figure (bold 15px) takes, at most: digits and £ are narrower
TOP = 6


class Datum(NamedTuple):
    """One figure to chart: its label, its value (None: not known, drawn as no bar), its text, and a note for
    the table (what the figure leaves out)."""

    label: str
    value: Optional[float]
    text: str
    note: str = ""


class Bar(NamedTuple):
    """A datum placed: its label's baseline, its bar's top and length, and where its figure goes."""

    datum: Datum
    label_y: float
    bar_y: float
    length: float
    text_x: float


class BarChart(NamedTuple):
    """A horizontal bar chart with the table of its numbers: id (unique on its page), title, a sentence
    describing it, the table's column headings, and its bars."""

    id: str
    title: str
    description: str
    label_heading: str
    value_heading: str
    bars: tuple[Bar, ...]
    height: float
    bar_height: float = BAR_HEIGHT
    width: int = WIDTH

    @property
    def has_notes(self) -> bool:
        """True when some row has a note, so the table needs a column for them."""
        return any(b.datum.note for b in self.bars)


class TargetRow(NamedTuple):
    """The targets set in one year: lowest, median, highest and how many (a topic's or national goal's)."""

    year: str
    lowest: float
    median: float
    highest: float
    count: int


class Range(NamedTuple):
    """A year's targets placed: its label's baseline, the line from lowest to highest and the median's mark."""

    row: TargetRow
    label_y: float
    line_y: float
    low_x: float
    median_x: float
    high_x: float


class Tick(NamedTuple):
    """A mark on the scale under a range chart."""

    x: float
    text: str


class RangeChart(NamedTuple):
    """Targets by year: a line from the lowest to the highest target of each year, the median marked."""

    id: str
    title: str
    description: str
    unit: str
    ranges: tuple[Range, ...]
    ticks: tuple[Tick, ...]
    axis_y: float
    height: float
    width: int = WIDTH


def bar_chart(chart_id: str, title: str, data: Sequence[Datum], label_heading: str, value_heading: str,
              description: str = "", lead: str = "") -> Optional[BarChart]:
    """A bar chart of these figures, longest bar for the largest; None when no figure is known (nothing to
    draw). The description, unless given, names the largest figure and says the table holds them all; lead, a
    sentence saying what the figures are, goes before it."""
    known = [d.value for d in data if d.value is not None]
    if not known:
        return None
    top = max(known)
    # The longest figure must fit beside the longest bar (a trillion pounds is 18 characters), so the bars give way.
    space = max(120, min(BAR_SPACE, WIDTH - 6 - FIGURE_CHAR * max(len(d.text) for d in data)))
    bars = []
    for index, datum in enumerate(data):
        y = TOP + index * (LABEL_HEIGHT + BAR_HEIGHT + ROW_GAP)
        length = 0.0 if datum.value is None or top <= 0 else space * max(datum.value, 0) / top
        bars.append(Bar(datum, y + LABEL_HEIGHT - 5, y + LABEL_HEIGHT, round(length, 2), round(length + 6, 2)))
    height = TOP + len(data) * (LABEL_HEIGHT + BAR_HEIGHT + ROW_GAP)
    if not description:
        largest = [d for d in data if d.value == top]
        if len(largest) == len(data) > 1:
            most = f"all are alike, at {largest[0].text}"
        elif len(largest) > 1:
            most = f"the largest, at {largest[0].text}, are {largest[0].label} and {len(largest) - 1} more"
        else:
            most = f"the largest is {largest[0].label}, at {largest[0].text}"
        description = (f"{lead}A bar for each {label_heading.lower()}, {len(data)} in all; {most}. "
                       "The table gives every figure.")
    return BarChart(chart_id, title, description, label_heading, value_heading, tuple(bars), height)


def targets_by_year_chart(chart_id: str, title: str, rows: Iterable[TargetRow], unit: str = "%",
                          description: str = "") -> Optional[RangeChart]:
    """A range chart of targets by year (rows in the order given, normally oldest first); None without rows.

    The scale runs from 0 to 100 for percentages that fit it, else from 0 to a round number above the highest
    target (or from a round number below the lowest when a target is negative)."""
    rows = tuple(rows)
    if not rows:
        return None
    low = min(0.0, min(r.lowest for r in rows))
    high = max(r.highest for r in rows)
    high = 100.0 if unit == "%" and 0 <= low and high <= 100 else _round_up(high)
    low = low if low == 0 else -_round_up(-low)
    span = (high - low) or 1.0
    left, right = 8.0, WIDTH - 16.0

    def x(value: float) -> float:
        """Where a value sits on the scale."""
        return round(left + (right - left) * (value - low) / span, 2)

    ranges = []
    for index, row in enumerate(rows):
        y = TOP + index * (LABEL_HEIGHT + BAR_HEIGHT + ROW_GAP)
        ranges.append(Range(row, y + LABEL_HEIGHT - 5, y + LABEL_HEIGHT + BAR_HEIGHT / 2,
                            x(row.lowest), x(row.median), x(row.highest)))
    axis_y = TOP + len(rows) * (LABEL_HEIGHT + BAR_HEIGHT + ROW_GAP)
    ticks = tuple(Tick(x(low + span * step / 4), f"{low + span * step / 4:g}{unit}") for step in range(5))
    if not description:
        count = sum(r.count for r in rows)
        description = (f"For each of {len(rows)} year{'s' if len(rows) != 1 else ''}, a line from the "
                       f"lowest to the highest target, with the median marked; {count} target"
                       f"{'s' if count != 1 else ''} in all. The table gives every figure.")
    return RangeChart(chart_id, title, description, unit, tuple(ranges), ticks, axis_y, axis_y + 28)


def _round_up(value: float) -> float:
    """A round number (1, 2 or 5 times a power of ten) at or above value."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    return float(next(m * power for m in (1, 2, 5, 10) if m * power >= value))


def year_charts(years: Sequence[Year], by_year: Mapping[str, Sequence[SchemeCard]]) -> tuple[BarChart, ...]:
    """/years/: listed schemes by year, and their total value by year (of the schemes that give one)."""
    counts = [Datum(y.label, float(len(by_year.get(y.slug, ()))), str(len(by_year.get(y.slug, ()))))
              for y in years]
    values = []
    for y in years:
        cards = by_year.get(y.slug, ())
        known = [c.value for c in cards if c.value is not None]
        total = float(sum(known)) if known else None
        note = "" if len(known) == len(cards) else f"{len(known)} of {len(cards)} schemes give a value"
        values.append(Datum(y.label, total, money_text(total) if total is not None else "not known", note))
    charts = (bar_chart("chart-schemes-by-year", "Schemes by financial year", counts, "Year", "Schemes"),
              bar_chart("chart-value-by-year", "Total CQUIN value by financial year", values, "Year",
                        "Total value", lead="The CQUIN value of this library's schemes added up for each year "
                        "(a scheme's value is its contract value times its CQUIN percentage), of the schemes that "
                        "give a contract value. "))
    return tuple(c for c in charts if c is not None)


def region_chart(regions: Iterable[Region], counts: Mapping[str, int]) -> Optional[BarChart]:
    """/regions/: listed schemes by region, for the regions that have any."""
    data = [Datum(r.name, float(counts[r.slug]), str(counts[r.slug])) for r in regions if counts.get(r.slug)]
    return bar_chart("chart-schemes-by-region", "Schemes by region", data, "Region", "Schemes")


def goal_charts(by_domain: Mapping[str, Sequence[GoalEntry]], by_topic: Mapping[str, Sequence[GoalEntry]],
                topics: Mapping[str, Topic]) -> tuple[BarChart, ...]:
    """/goals/: how many goals of listed schemes fall in each quality domain (or none given) and each topic."""
    def uses(entries: Sequence[GoalEntry]) -> int:
        """Goals in these entries, counted once per scheme that used them."""
        return sum(len(e.uses) for e in entries)

    domains = [Datum(DOMAIN_NAMES.get(d, "Not given"), float(uses(e)), str(uses(e))) for d, e in by_domain.items()]
    topical = sorted((Datum(topics[t].name, float(uses(e)), str(uses(e))) for t, e in by_topic.items() if t in topics),
                     key=lambda d: (-(d.value or 0), d.label.casefold()))  # the most used first: a long list
    charts = (bar_chart("chart-goals-by-domain", "Goals by quality domain", domains, "Quality domain", "Goals"),
              bar_chart("chart-goals-by-topic", "Goals by topic", topical, "Topic", "Goals"))
    return tuple(c for c in charts if c is not None)


def scheme_value_chart(scheme: Scheme) -> Optional[BarChart]:
    """A scheme page's split of its value by goal: in pounds when the scheme's value is known, else as the
    weights (% of the scheme); None when no goal has a weight, or there is one goal (whose share is all)."""
    if len(scheme.goals) < 2:
        return None
    data = []
    for goal in scheme.goals:
        weight, pounds = goal.effective_weight, scheme.share_value(goal.effective_weight)
        label = f"{goal.number}. {goal.name}"
        if scheme.value is not None:
            data.append(Datum(label, pounds, money_text(pounds) if pounds is not None else "weight not given"))
        else:
            data.append(Datum(label, weight, f"{weight:g}%" if weight is not None else "weight not given"))
    if scheme.value is not None:
        return bar_chart("chart-value-by-goal", "The scheme's value by goal", data, "Goal", "Value")
    return bar_chart("chart-value-by-goal", "The scheme's weights by goal", data, "Goal", "Weight (% of the scheme)")


def summary_chart(chart_id: str, title: str, summary: TargetSummary,
                  year_labels: Mapping[str, str]) -> Optional[RangeChart]:
    """The targets-by-year chart of a comparison's summary (years by their labels); None without a percentage
    target."""
    rows = [TargetRow(year_labels.get(y.year, y.year), y.stats.lowest, y.stats.median, y.stats.highest, y.stats.count)
            for y in summary.by_year
            if y.stats.count and y.stats.lowest is not None and y.stats.median is not None and y.stats.highest is not None]
    description = (f"For each year, the line runs from the lowest to the highest percentage target set, and the "
                   f"diamond marks the median; {summary.overall.count} target{'s' if summary.overall.count != 1 else ''}"
                   " in all.")
    return targets_by_year_chart(chart_id, title, rows, description=description)

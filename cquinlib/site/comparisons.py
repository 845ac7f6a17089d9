"""The pages that compare schemes, all cut from the one indicator table: a topic's comparison, a national goal's
page, the open data page and the side-by-side comparison.

Planning reads no row: a page declares the goals whose rows it shows (FromTable), found from the catalog's cards,
and the rows are read as the page renders, so an edit of a large library reads only the rows of what it renders.
"""

from __future__ import annotations

from typing import Any, Mapping, NamedTuple, Sequence

from ..library import urls
from ..library.catalog import Catalog, Heading, TopicPage
from ..library.downloads import DOWNLOADS
from ..library.indicators import (GoalRows, GoalTargets, IndicatorRow, TargetSummary, national_rows, scale_text,
                                  targets_summary)
from ..library.model import NationalGoal, Topic, Year
from .charts import summary_chart
from .inputs import FromTable, GoalRef, Input, Shown


class ComparedGoal(NamedTuple):
    """One goal of a topic's comparison on one page: its heading, its other spellings, and each use's rows."""

    entry: Heading
    continued: bool
    spellings: tuple[str, ...]
    uses: tuple[GoalRows, ...]

    @property
    def rows(self) -> tuple[IndicatorRow, ...]:
        """Every row the goal shows on the page, use by use."""
        return tuple(row for use in self.uses for row in use.rows)


class DataFile(NamedTuple):
    """What the data page says of one download: where, what, what one row is, how many rows, and its columns."""

    url: str
    title: str
    row: str
    count: int
    columns: tuple[tuple[str, str], ...]


class GoalPlan(NamedTuple):
    """What a topic page's comparison shows of one goal before its rows are read: the heading, whether it runs on
    from the page before, the name's other spellings, and how many of the page's goal uses are its."""

    entry: Heading
    continued: bool
    spellings: tuple[str, ...]
    uses: int


class ChartPlan(NamedTuple):
    """A targets chart before its rows are read: its id and title, and the years' labels by slug."""

    chart_id: str
    title: str
    year_labels: Mapping[str, str]


class TableRefs(NamedTuple):
    """The goals each comparison reads, as (scheme id, goal number), in the table's order (scheme by id, then the
    scheme's own order of goals), made from the catalog's cards: no row is read to plan a page."""

    by_topic: Mapping[str, tuple[GoalRef, ...]]
    by_national: Mapping[tuple[str, str], tuple[GoalRef, ...]]  # by (year, national goal id)


def table_refs(catalog: Catalog) -> TableRefs:
    """The listed schemes' goals under each topic and each national goal."""
    by_topic: dict[str, list[GoalRef]] = {}
    by_national: dict[tuple[str, str], list[GoalRef]] = {}
    for card in catalog.built:  # in id order, as the table is
        if not card.listed:
            continue
        for goal in card.goals:
            ref = (card.id, goal.number)
            for topic in dict.fromkeys(goal.topics):
                by_topic.setdefault(topic, []).append(ref)
            if goal.national:
                by_national.setdefault((card.year, goal.national), []).append(ref)
    return TableRefs({k: tuple(v) for k, v in by_topic.items()}, {k: tuple(v) for k, v in by_national.items()})


def topic_comparison(page: TopicPage) -> FromTable:
    """A topic page's goals with every indicator of every use it shows, spellings of a name together."""
    plan, goals = [], []
    for section in page.sections:
        spellings = tuple(sorted({u.goal.name for u in section.uses} - {section.entry.name}))
        plan.append(GoalPlan(section.entry, section.continued, spellings, len(section.uses)))
        goals += [(u.scheme.id, u.goal.number) for u in section.uses]
    return FromTable(compared_goals, tuple(plan), tuple(goals))


def compared_goals(plan: tuple[GoalPlan, ...], read: tuple[GoalRows, ...]) -> tuple[ComparedGoal, ...]:
    """A topic comparison's goals, each with its uses' rows (read in the plan's order)."""
    found, start = [], 0
    for goal in plan:
        found.append(ComparedGoal(goal.entry, goal.continued, goal.spellings, read[start:start + goal.uses]))
        start += goal.uses
    return tuple(found)


def summary_of(plan: None, read: tuple[GoalTargets, ...]) -> TargetSummary:
    """The summary of the targets of the goals read."""
    return targets_summary(read)


def chart_of(plan: ChartPlan, read: tuple[GoalTargets, ...]) -> Any:
    """The targets chart by year of the goals read (None without a percentage target)."""
    return summary_chart(plan.chart_id, plan.title, targets_summary(read), plan.year_labels)


def national_rows_of(plan: tuple[str, str], read: tuple[GoalRows, ...]) -> tuple[IndicatorRow, ...]:
    """A national goal's rows, of the adopting goals read, by scheme; plan: the (year, goal id)."""
    return national_rows((row for goal in read for row in goal.rows), *plan)


class NationalSetting(NamedTuple):
    """A national goal under a topic, as the topic's page lists it: its year's label, the goal, its scale in words."""

    year_label: str
    goal: NationalGoal
    scale: str


def topic_inputs(topic: Topic, page: TopicPage, refs: TableRefs, years: Sequence[Year],
                 year_labels: Mapping[str, str]) -> dict[str, Input]:
    """What a topic page adds for its comparison: its goals' rows, and on its first page the targets' summary,
    their chart by year, and the national goals under the topic with their thresholds and payment rules."""
    if page.number != 1:
        return {"compared": topic_comparison(page), "summary": Shown(None), "targets_chart": Shown(None),
                "national": Shown(())}
    goals = refs.by_topic.get(topic.slug, ())
    chart = ChartPlan("targets-chart", f"Percentage targets under {topic.name}, by year", year_labels)
    national = tuple(NationalSetting(y.label, g, scale_text(g.payment_scale)) for y in years
                     for g in y.national_goals if topic.slug in g.topics)
    return {"compared": topic_comparison(page), "summary": FromTable(summary_of, None, goals, targets=True),
            "targets_chart": FromTable(chart_of, chart, goals, targets=True), "national": Shown(national)}


def national_goal_pages(catalog: Catalog, refs: TableRefs) -> list[tuple[str, dict[str, Input]]]:
    """Each national goal's page: its URL and inputs (the goal, its year, its topics, every adopting scheme's rows
    and a summary of their targets)."""
    cards = {card.id: card for card in catalog.listed}
    pages = []
    for year in catalog.years:
        for goal in year.national_goals:
            goals = refs.by_national.get((year.slug, goal.id), ())
            topics = {t: catalog.topics[t] for t in goal.topics if t in catalog.topics}
            regions = sorted({cards[sid].region for sid, _ in goals})
            chart = ChartPlan("targets-chart", f"Percentage targets set for “{goal.name}”", {year.slug: year.label})
            pages.append((urls.national_goal_url(year.slug, goal.id), {
                "goal": Shown(goal), "year": Shown(_year_only(year)), "topics": Shown(topics),
                "rows": FromTable(national_rows_of, (year.slug, goal.id), goals),
                "summary": FromTable(summary_of, None, goals, targets=True),
                "targets_chart": FromTable(chart_of, chart, goals, targets=True),
                "regions": Shown({slug: catalog.regions[slug].name for slug in regions})}))
    return pages


def data_files(listed_rows: int, catalog: Catalog) -> tuple[DataFile, ...]:
    """The downloads as the data page documents them (listed_rows: how many rows the listed schemes have), columns
    from the declarations that write them."""
    counts = {urls.SCHEMES_CSV: len(catalog.listed), urls.INDICATORS_CSV: listed_rows,
              urls.SCHEMES_JSON: len(catalog.built)}
    return tuple(DataFile(d.url, d.title, d.row, counts[d.url], tuple((c.name, c.description) for c in d.columns))
                 for d in DOWNLOADS)


class YearHeading(NamedTuple):
    """What a national goal's page shows of its year: the slug, label and page."""

    slug: str
    label: str
    url: str


def _year_only(year: Year) -> YearHeading:
    """A year without its other national goals, so an edit to one goal leaves the others' pages alone."""
    return YearHeading(year.slug, year.label, year.url)

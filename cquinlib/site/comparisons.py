"""The pages that compare schemes, all cut from the one indicator table: a topic's comparison, a national goal's
page, the open data page and the side-by-side comparison.
"""

from __future__ import annotations

from typing import Iterable, NamedTuple, Optional, Sequence

from ..library import urls
from ..library.catalog import Catalog, Heading, TopicPage
from ..library.downloads import DOWNLOADS
from ..library.indicators import (GoalRows, IndicatorRow, TargetSummary, listed_rows,
                                  national_rows, scale_text, target_summary)
from ..library.model import NationalGoal, Topic, Year
from .charts import summary_chart
from .inputs import Shown


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


class RowIndex:
    """The table's listed rows by (scheme id, goal number), so a page's goal uses find their rows at once."""

    def __init__(self, rows: Iterable[IndicatorRow]) -> None:
        """Index the rows of published schemes."""
        self.by_goal: dict[tuple[str, str], list[IndicatorRow]] = {}
        # Rows by topic and by national goal too: each page takes its own at once, not by a pass over the table.
        self.by_topic: dict[str, list[IndicatorRow]] = {}
        self.by_national: dict[tuple[str, str], list[IndicatorRow]] = {}
        listed = listed_rows(rows)
        for row in listed:
            self.by_goal.setdefault((row.scheme_id, row.goal_number), []).append(row)
            if row.national:
                self.by_national.setdefault((row.year, row.national), []).append(row)
            for topic in row.topics:
                self.by_topic.setdefault(topic, []).append(row)

    def topic_rows(self, topic: str) -> tuple[IndicatorRow, ...]:
        """A topic's listed rows, in table order: what its targets' summary is made from, which no order changes
        (indicators.topic_rows gives them in comparison order; sorting the whole table for the summaries took a
        tenth of an edit's plan on a large library)."""
        return tuple(self.by_topic.get(topic, ()))

    def goal_rows(self, scheme_id: str, goal_number: str) -> GoalRows:
        """A goal's rows, indicator by indicator: all of them."""
        return GoalRows(scheme_id, goal_number, tuple(self.by_goal.get((scheme_id, goal_number), ())))


def topic_comparison(page: TopicPage, index: RowIndex) -> tuple[ComparedGoal, ...]:
    """A topic page's goals with every indicator of every use it shows, spellings of a name together."""
    found = []
    for section in page.sections:
        uses = tuple(index.goal_rows(u.scheme.id, u.goal.number) for u in section.uses)
        spellings = tuple(sorted({u.goal.name for u in section.uses} - {section.entry.name}))
        found.append(ComparedGoal(section.entry, section.continued, spellings, uses))
    return tuple(found)


class NationalSetting(NamedTuple):
    """A national goal under a topic, as the topic's page lists it: its year's label, the goal, its scale in words."""

    year_label: str
    goal: NationalGoal
    scale: str


def topic_inputs(topic: Topic, page: TopicPage, index: RowIndex, years: Sequence[Year]) -> dict[str, Shown]:
    """What a topic page adds for its comparison: its goals' rows, and on its first page the targets' summary,
    their chart by year, and the national goals under the topic with their thresholds and payment rules."""
    first = page.number == 1
    summary: Optional[TargetSummary] = target_summary(index.topic_rows(topic.slug)) if first else None
    chart = summary_chart("targets-chart", f"Percentage targets under {topic.name}, by year", summary,
                          {y.slug: y.label for y in years}) if summary is not None else None
    national = tuple(NationalSetting(y.label, g, scale_text(g.payment_scale)) for y in years
                     for g in y.national_goals if topic.slug in g.topics) if first else ()
    return {"compared": Shown(topic_comparison(page, index)), "summary": Shown(summary), "targets_chart": Shown(chart),
            "national": Shown(national)}


def national_goal_pages(catalog: Catalog, index: RowIndex) -> list[tuple[str, dict[str, Shown]]]:
    """Each national goal's page: its URL and inputs (the goal, its year, its topics, every adopting scheme's rows
    and a summary of their targets)."""
    pages = []
    for year in catalog.years:
        for goal in year.national_goals:
            rows = national_rows(index.by_national.get((year.slug, goal.id), ()), year.slug, goal.id)
            summary = target_summary(rows)
            topics = {t: catalog.topics[t] for t in goal.topics if t in catalog.topics}
            pages.append((urls.national_goal_url(year.slug, goal.id), {
                "goal": Shown(goal), "year": Shown(_year_only(year)), "topics": Shown(topics),
                "rows": Shown(rows), "summary": Shown(summary),
                "targets_chart": Shown(summary_chart("targets-chart", f"Percentage targets set for “{goal.name}”", summary,
                                                     {year.slug: year.label})),
                "regions": Shown({r.region: catalog.regions[r.region].name for r in rows})}))
    return pages


def data_files(table: Sequence[IndicatorRow], catalog: Catalog) -> tuple[DataFile, ...]:
    """The downloads as the data page documents them, columns from the declarations that write them."""
    counts = {urls.SCHEMES_CSV: len(catalog.listed), urls.INDICATORS_CSV: len(listed_rows(table)),
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

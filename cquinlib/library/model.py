"""The library as frozen dataclasses: one source of truth, with every URL and output path computed here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Protocol

from . import urls
from .scales import AnyScale, PaymentScale, PaymentStep, SteppedScale, share_paid  # noqa: F401 (the model's types)
from .urls import scheme_id

DOMAIN_NAMES = {"safety": "Safety", "effectiveness": "Clinical effectiveness",
                "patient-experience": "Patient experience", "innovation": "Innovation"}
TYPE_NAMES = {"acute": "Acute", "mental-health": "Mental health", "community": "Community",
              "ambulance": "Ambulance", "specialised": "Specialised services",
              "learning-disability": "Learning disability", "primary-care": "Primary care", "other": "Other"}
OUTCOME_NAMES = {"achieved": "Achieved", "partly-achieved": "Partly achieved", "not-achieved": "Not achieved"}


def year_label(slug: str) -> str:
    """'2010-11' reads as '2010/11'."""
    return slug.replace("-", "/")


@dataclass(frozen=True)
class Region:
    """A region a scheme may sit in, with the years it existed."""

    slug: str
    name: str
    first_year: Optional[str] = None
    last_year: Optional[str] = None

    @property
    def url(self) -> str:
        """The region's page."""
        return urls.region_url(self.slug)

    def existed_in(self, year: str) -> bool:
        """True when the region existed in the financial year (YYYY-YY strings sort by time)."""
        return (self.first_year is None or year >= self.first_year) and (
            self.last_year is None or year <= self.last_year)


@dataclass(frozen=True)
class Topic:
    """A topic goals are grouped by."""

    slug: str
    name: str
    description: str = ""
    aliases: tuple[str, ...] = ()  # other names search treats as the name (flu jab for Flu vaccination)

    @property
    def url(self) -> str:
        """The topic's goal list."""
        return urls.topic_url(self.slug)


@dataclass(frozen=True)
class NationalGoal:
    """A goal set nationally for one year."""

    year: str
    id: str
    name: str
    description: str = ""
    settings: tuple[str, ...] = ()
    target: str = ""
    topics: tuple[str, ...] = ()
    payment: str = ""  # how it was paid or what it was worth, as the source states it
    payment_scale: Optional[AnyScale] = None
    note: str = ""  # a caution, such as sources that disagree
    source: str = ""
    duration: Optional[int] = None  # financial years it runs for; None: one, as the format's v1 had it

    @property
    def anchor(self) -> str:
        """The fragment that identifies this goal on the national goals page."""
        return urls.national_goal_anchor(self.year, self.id)


@dataclass(frozen=True)
class Year:
    """A financial year: its label, percentage and national goals."""

    slug: str
    label: str
    cquin_percent: Optional[float] = None
    summary: str = ""
    national_goals: tuple[NationalGoal, ...] = ()
    cquin_percent_of: str = ""  # what the percentage is of, where not simply the contract's value

    @property
    def url(self) -> str:
        """The year's page."""
        return urls.year_url(self.slug)

    def national_goal(self, goal_id: str) -> Optional[NationalGoal]:
        """The national goal with this id, if the year defines it."""
        return next((g for g in self.national_goals if g.id == goal_id), None)


@dataclass(frozen=True)
class Commissioner:
    """A commissioner named by a scheme."""

    name: str
    code: str = ""


@dataclass(frozen=True)
class Measure:
    """A value for a period: a baseline or a target."""

    period: str = ""
    value: str = ""


@dataclass(frozen=True)
class Milestone:
    """An in-year milestone that releases part of an indicator's value."""

    period: str = ""
    value: str = ""
    payment: Optional[float] = None


@dataclass(frozen=True)
class Outcome:
    """What a scheme, goal or indicator earned over a period, as far as its source states it."""

    period: str = ""
    result: str = ""  # achieved | partly-achieved | not-achieved, or '' when the source gives no verdict
    available: Optional[float] = None
    earned: Optional[float] = None
    withheld: Optional[float] = None
    note: str = ""

    @property
    def result_name(self) -> str:
        """The result as a reader reads it."""
        return OUTCOME_NAMES.get(self.result, "")


@dataclass(frozen=True)
class Indicator:
    """One measurable indicator of a goal, with every field of the standard template."""

    number: str
    name: str
    description: str = ""
    weight: Optional[float] = None
    numerator: str = ""
    denominator: str = ""
    rationale: str = ""
    data_source: str = ""
    collection_frequency: str = ""
    collected_by: str = ""
    reporting_frequency: str = ""
    baseline: Optional[Measure] = None
    target: Optional[Measure] = None
    reporting_date: Optional[dt.date] = None
    milestones: tuple[Milestone, ...] = ()
    partial_achievement: str = ""
    payment_scale: Optional[AnyScale] = None
    outcomes: tuple[Outcome, ...] = ()


@dataclass(frozen=True)
class Goal:
    """A goal of a scheme."""

    number: str
    name: str
    description: str = ""
    domain: str = ""
    national: str = ""
    weight: Optional[float] = None
    topics: tuple[str, ...] = ()
    indicators: tuple[Indicator, ...] = ()
    outcomes: tuple[Outcome, ...] = ()
    duration: Optional[int] = None  # financial years it runs for; None: its national goal's, else one

    @property
    def effective_weight(self) -> Optional[float]:
        """Its own weight, or the sum of its indicators' weights when every one has a weight."""
        if self.weight is not None:
            return self.weight
        weights = [i.weight for i in self.indicators]
        if weights and all(w is not None for w in weights):
            return float(sum(w for w in weights if w is not None))
        return None


@dataclass(frozen=True)
class Attachment:
    """A file published with a scheme."""

    file: str
    title: str
    src_path: Path
    size: int


class FileRef(Protocol):
    """Anything naming a file in a scheme's folder."""

    @property
    def file(self) -> str:
        """The file's name, relative to the scheme's folder."""


class SchemeIdentity:
    """What a scheme's path and provider give it: identity, page and provider page.

    Shared by the full Scheme and the SchemeCard that listings use, so both compute them the same way.
    """

    __slots__ = ()
    year: str
    region: str
    slug: str
    provider_name: str
    status: str

    @property
    def id(self) -> str:
        """YEAR/REGION/SLUG: the scheme's identity."""
        return scheme_id(self.year, self.region, self.slug)

    @property
    def url(self) -> str:
        """The scheme's page."""
        return urls.scheme_url(self.year, self.region, self.slug)

    @property
    def provider_slug(self) -> str:
        """The provider's page slug, from its name."""
        return urls.name_slug(self.provider_name)

    @property
    def provider_url(self) -> str:
        """The provider's page."""
        return urls.provider_url(self.provider_slug)

    @property
    def listed(self) -> bool:
        """Published schemes are listed; withdrawn ones keep only their page; drafts are never built."""
        return self.status == "published"

    def attachment_url(self, attachment: FileRef) -> str:
        """Where an attachment is published, beside the scheme's page."""
        return urls.attachment_url(self.url, attachment.file)


@dataclass(frozen=True)
class Scheme(SchemeIdentity):
    """One scheme: its identity comes from its path, everything else from its file."""

    year: str
    region: str
    slug: str
    src_path: Path
    title: str
    provider_name: str
    provider_type: str
    provider_code: str = ""
    commissioners: tuple[Commissioner, ...] = ()
    framework: str = "cquin"
    illustrative: bool = False
    status: str = "published"
    submitted: Optional[dt.date] = None
    updated: Optional[dt.date] = None
    added: Optional[dt.date] = None  # when the library published it
    source: str = ""
    contract_value: Optional[float] = None
    cquin_percent: Optional[float] = None
    year_percent: Optional[float] = None
    summary: str = ""
    goals: tuple[Goal, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    outcomes: tuple[Outcome, ...] = ()
    cquin_value: Optional[float] = None  # the scheme's value as its source states it
    contract_value_not_recorded: bool = False  # a real scheme's source gives no contract value, and it says so

    @property
    def effective_percent(self) -> Optional[float]:
        """The scheme's CQUIN percent, or the year's when it gives none."""
        return self.cquin_percent if self.cquin_percent is not None else self.year_percent

    @property
    def value(self) -> Optional[float]:
        """Scheme value in pounds: contract value times CQUIN percent, else the value its source states."""
        if self.contract_value is None or self.effective_percent is None:
            return self.cquin_value
        return self.contract_value * self.effective_percent / 100

    def share_value(self, weight: Optional[float]) -> Optional[float]:
        """Pounds for a goal or indicator weight (a % of the scheme value)."""
        if self.value is None or weight is None:
            return None
        return self.value * weight / 100


@dataclass(frozen=True)
class Library:
    """Everything validated from a schemes folder."""

    root: Path
    regions: tuple[Region, ...]
    topics: tuple[Topic, ...]
    years: tuple[Year, ...]
    schemes: tuple[Scheme, ...]

    @property
    def built_schemes(self) -> tuple[Scheme, ...]:
        """Schemes that get a page: all but drafts."""
        return tuple(s for s in self.schemes if s.status != "draft")

    @property
    def listed_schemes(self) -> tuple[Scheme, ...]:
        """Schemes that appear in listings, feeds and search."""
        return tuple(s for s in self.schemes if s.listed)

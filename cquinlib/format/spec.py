"""The scheme library format v1 as data: one declaration drives validation and the JSON Schema."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Union

PROVIDER_TYPES = ("acute", "mental-health", "community", "ambulance", "specialised",
                  "learning-disability", "primary-care", "other")
DOMAINS = ("safety", "effectiveness", "patient-experience", "innovation")
FRAMEWORKS = ("cquin", "other")
STATUSES = ("published", "draft", "withdrawn")
SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
YEAR_PATTERN = r"^[0-9]{4}-[0-9]{2}$"

# Limits no real value reaches, so that no input can make a build slow, a file name too long for the filesystem,
# or a figure too large to print. A name (a provider, a goal, a title) is a line of a listing; a slug is part of a
# URL and a file name (filesystems allow 255 bytes); other text is a paragraph or a few; Markdown is a page.
MAX_NAME = 200
MAX_SLUG = 80
MAX_ID = 40
MAX_TEXT = 10_000
MAX_MARKDOWN = 100_000
# Lists and block quotes inside one another: a real text nests three or four deep.
MAX_MARKDOWN_NESTING = 20
# HTML tags written into Markdown (the sanitiser's work grows with how deeply they nest): a text has a few.
MAX_MARKDOWN_TAGS = 1000
# £1 trillion: a thousand times the largest NHS contract, and small enough that any sum of such figures prints.
MAX_POUNDS = 1e12


def is_slug(text: str) -> bool:
    """Lower-case ASCII letters, digits and single hyphens."""
    return re.match(SLUG_PATTERN, text) is not None


def is_year_slug(text: str) -> bool:
    """YYYY-YY with consecutive years, e.g. 2010-11 or 2099-00."""
    match = re.fullmatch(r"(\d{4})-(\d{2})", text)
    return bool(match) and (int(match.group(1)) + 1) % 100 == int(match.group(2))


@dataclass(frozen=True)
class Scalar:
    """A leaf value. kind: text, markdown, id, number, integer, boolean, date, enum, slug, year."""

    kind: str
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    description: str = ""
    max_length: int | None = None  # characters, for text, markdown, id and slug


@dataclass(frozen=True)
class Field:
    """A key of a mapping and the shape of its value."""

    name: str
    shape: "Shape"
    required: bool = False
    description: str = ""


@dataclass(frozen=True)
class Mapping:
    """A mapping with a closed set of keys."""

    fields: tuple[Field, ...]
    description: str = ""

    def keys(self) -> tuple[str, ...]:
        """The names of the keys this mapping allows."""
        return tuple(f.name for f in self.fields)

    @cached_property
    def by_name(self) -> dict[str, Field]:
        """Each allowed key's field (made once: every mapping of every scheme is checked against it)."""
        return {f.name: f for f in self.fields}

    @cached_property
    def required(self) -> tuple[str, ...]:
        """The keys that must be present."""
        return tuple(f.name for f in self.fields if f.required)


@dataclass(frozen=True)
class ListOf:
    """A list whose items all have one shape."""

    item: "Shape"
    min_items: int = 0


@dataclass(frozen=True)
class MapOf:
    """A mapping from slugs to values of one shape (regions, topics)."""

    value: "Shape"
    max_key_length: int = MAX_SLUG


@dataclass(frozen=True)
class OneOf:
    """A value that may take either of several shapes (a commissioner: name or mapping)."""

    options: tuple["Shape", ...] = field(default_factory=tuple)


Shape = Union[Scalar, Mapping, ListOf, MapOf, OneOf]

TEXT = Scalar("text", max_length=MAX_TEXT)
NAME = Scalar("text", max_length=MAX_NAME)
MARKDOWN = Scalar("markdown", max_length=MAX_MARKDOWN)
DATE = Scalar("date")
PERCENT = Scalar("number", minimum=0, maximum=100)
POUNDS = Scalar("number", minimum=0, maximum=MAX_POUNDS)
SLUG = Scalar("slug", max_length=MAX_SLUG)
ID = Scalar("id", max_length=MAX_ID)
YEAR = Scalar("year")

# Financial years a goal runs for ("National 2 year CQUIN"): absent means the scheme's one year.
DURATION = Scalar("integer", minimum=1, maximum=10, description="Financial years the goal runs for; absent is one.")


MEASURE = Mapping((Field("period", TEXT, description="When it is measured, e.g. \"Q4 2010/11\"."),
                   Field("value", TEXT, description="The figure, as text, e.g. \"90%\".")))

OUTCOME_RESULTS = ("achieved", "partly-achieved", "not-achieved")
# The literal a compiled real scheme writes where its public source gives no figure or place (rules.NOT_RECORDED).
NOT_RECORDED_VALUE = "Not recorded"
NOT_RECORDED_REGION = "not-recorded"  # a region folder for real schemes whose source names no region

# A sliding scale pays nothing below min and all at max; a stepped one pays each step's share from its threshold.
SLIDING_SCALE = Mapping((Field("min", PERCENT, True, "Below this % of the target nothing is paid."),
                         Field("max", PERCENT, True, "At this % the whole value is paid.")))
STEPPED_SCALE = Mapping((
    Field("steps", ListOf(Mapping((
        Field("from", PERCENT, description="Paid from this achievement % (inclusive)."),
        Field("above", PERCENT, description="Paid above this achievement % (exclusive): give from or above."),
        Field("pay", PERCENT, True, "% of the value paid from this step on."),
    )), 1), True, "Steps in rising order of threshold; below the first, nothing is paid."),
))
PAYMENT_SCALE = OneOf((SLIDING_SCALE, STEPPED_SCALE))

# What a goal or indicator earned, where a source states it: one result, or one per period.
OUTCOME_ENTRY = Mapping((
    Field("period", TEXT, description="The period the result is for, e.g. \"Q4\"; the whole scheme when absent."),
    Field("result", Scalar("enum", OUTCOME_RESULTS), description="achieved, partly-achieved or not-achieved."),
    Field("available", POUNDS, description="Pounds at stake, as the source states it."),
    Field("earned", POUNDS, description="Pounds earned, as the source states it."),
    Field("withheld", POUNDS, description="Pounds lost or withheld, as the source states it."),
    Field("note", TEXT, description="Anything else the source says of the result."),
))
OUTCOME = OneOf((OUTCOME_ENTRY, ListOf(OUTCOME_ENTRY, 1)))

INDICATOR = Mapping((
    Field("number", ID, True, "Unique in the scheme, e.g. \"1.1\"."),
    Field("name", NAME, True, "What is measured, in one line."),
    Field("description", MARKDOWN, description="Markdown: what the indicator asks for."),
    Field("weight", PERCENT, description="% of the scheme's CQUIN value."),
    Field("numerator", TEXT, description="What is counted."),
    Field("denominator", TEXT, description="What it is counted out of."),
    Field("rationale", TEXT, description="Why the indicator was chosen."),
    Field("data_source", TEXT, description="Where the figures come from."),
    Field("collection_frequency", TEXT, description="How often the data are collected, e.g. monthly."),
    Field("collected_by", TEXT, description="Who collects the data."),
    Field("reporting_frequency", TEXT, description="How often the provider reports, e.g. quarterly."),
    Field("baseline", MEASURE, description="The starting value and the period it was measured in."),
    Field("target", MEASURE, description="The final indicator value: the payment threshold."),
    Field("reporting_date", DATE, description="When the final value is reported (YYYY-MM-DD)."),
    Field("milestones", ListOf(Mapping((
        Field("period", TEXT, description="When the milestone falls, e.g. Q2."),
        Field("value", TEXT, description="The value to reach by then."),
        Field("payment", PERCENT, description="% of this indicator's value."),
    ))), description="In-year milestones that release payment."),
    Field("partial_achievement", TEXT, description="The rules for paying part of the value."),
    Field("payment_scale", PAYMENT_SCALE, description="A sliding scale (min, max: nothing below min, everything at "
                                                      "max, linear between) or steps (each paying its share from "
                                                      "its threshold)."),
    Field("outcome", OUTCOME, description="What the indicator earned, where a source states it."),
))

GOAL = Mapping((
    Field("number", ID, True, "Unique in the scheme, e.g. \"1\"."),
    Field("name", NAME, True, "The goal, in one line."),
    Field("description", MARKDOWN, description="Markdown: what the goal is for."),
    Field("domain", Scalar("enum", DOMAINS), description="The quality domain."),
    Field("national", TEXT, description="Id of a national goal in this year's _year.yaml."),
    Field("weight", PERCENT, description="% of the scheme's CQUIN value."),
    Field("topics", ListOf(SLUG), description="Slugs from _topics.yaml."),
    Field("indicators", ListOf(INDICATOR), description="How the goal is measured."),
    Field("outcome", OUTCOME, description="What the goal earned, where a source states it."),
    Field("duration", DURATION, description="Financial years the goal runs for (a 2-year goal: 2); absent is one, "
                                            "or its national goal's."),
))

SCHEME = Mapping((
    Field("title", NAME, description="Optional: made from the provider and year when absent."),
    Field("provider", Mapping((
        Field("name", NAME, True, "The provider's full name."),
        Field("type", Scalar("enum", PROVIDER_TYPES), True, "The kind of provider."),
        Field("code", NAME, description="The organisation code, e.g. RC9."),
    )), True, "The organisation the scheme pays."),
    Field("commissioners", ListOf(OneOf((NAME, Mapping((Field("name", NAME, True, "The commissioner's name."),
                                                        Field("code", NAME, description="Its organisation code."))))),
                                  1),
          True, "At least one: a name, or {name, code}."),
    Field("framework", Scalar("enum", FRAMEWORKS), description="cquin (the default), or other: a quality incentive "
                                                               "scheme outside CQUIN."),
    Field("illustrative", Scalar("boolean"), description="true: a worked example, not a scheme that was agreed."),
    Field("status", Scalar("enum", STATUSES), description="published (the default), draft (never built) or "
                                                          "withdrawn (kept, marked, out of listings)."),
    Field("submitted", DATE, description="When the scheme was sent to the library (YYYY-MM-DD)."),
    Field("updated", DATE, description="When the scheme was last changed (YYYY-MM-DD)."),
    Field("added", DATE, description="When the library published the scheme (YYYY-MM-DD): for a scheme the library "
                                     "compiled itself, in place of a submitted date."),
    Field("source", TEXT, description="Where the scheme was published: a URL or a description."),
    Field("contract_value", OneOf((POUNDS, Scalar("enum", (NOT_RECORDED_VALUE,)))),
          description="The contract's value in pounds, or 'Not recorded' in a real scheme whose source gives none."),
    Field("cquin_percent", PERCENT, description="% of the contract value that is CQUIN; the year's when absent."),
    Field("cquin_value", POUNDS, description="The scheme's CQUIN value in pounds, as its source states it: the "
                                             "scheme value where no contract value gives one."),
    Field("summary", MARKDOWN, description="Markdown: the scheme in a paragraph or two."),
    Field("goals", ListOf(GOAL, 1), True, "At least one goal."),
    Field("outcome", OUTCOME, description="What the whole scheme earned, where a source states it."),
    Field("attachments", ListOf(Mapping((Field("file", TEXT, True, "A file in the scheme's own folder."),
                                         Field("title", NAME, description="What the file is."))),),
          description="Documents published beside the scheme's page."),
    Field("contact", Mapping((Field("name", TEXT, description="Who to ask about the scheme."),
                              Field("email", TEXT, description="Their email address."),
                              Field("phone", TEXT, description="Their telephone number.")),
                             "Private: never written to the site."),
          description="Private: for the editors only, never written to the site."),
))

NATIONAL_GOAL = Mapping((
    Field("id", SLUG, True),
    Field("name", NAME, True),
    Field("description", MARKDOWN),
    Field("settings", ListOf(Scalar("enum", PROVIDER_TYPES))),
    Field("target", TEXT),
    Field("payment", TEXT, description="How it was paid or what it was worth, as the source states it."),
    Field("payment_scale", PAYMENT_SCALE, description="How achievement turned into payment: min and max, or steps."),
    Field("note", TEXT, description="A caution, such as sources that disagree, shown beside the goal."),
    Field("source", TEXT, description="The address of the source the goal rests on."),
    Field("topics", ListOf(SLUG)),
    Field("duration", DURATION, description="Financial years the national goal runs for; absent is one."),
))

YEAR_FILE = Mapping((
    Field("label", NAME),
    Field("cquin_percent", PERCENT),
    Field("cquin_percent_of", TEXT),  # what the percentage is of, where not simply the contract's value
    Field("summary", MARKDOWN),
    Field("national_goals", ListOf(NATIONAL_GOAL)),
))

REGIONS_FILE = MapOf(Mapping((Field("name", NAME, True), Field("from", YEAR), Field("until", YEAR))))
TOPICS_FILE = MapOf(Mapping((Field("name", NAME, True), Field("description", MARKDOWN),
                             Field("aliases", ListOf(NAME)))))

# _synonyms.yaml: groups of terms search treats as one (A&E, emergency department), each a list of two or more.
SYNONYMS_FILE = ListOf(ListOf(NAME, min_items=2))

SITE_FILE = Mapping((
    Field("title", NAME, True),
    Field("description", TEXT),
    Field("base_url", TEXT),
    Field("contact_email", TEXT),
    Field("language", TEXT),
))

PAGE_FRONT_MATTER = Mapping((
    Field("title", NAME, True),
    Field("description", TEXT),
    Field("nav", Scalar("integer", minimum=0, maximum=10_000)),
    Field("updated", DATE),
))

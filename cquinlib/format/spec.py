"""The scheme library format v1 as data: one declaration drives validation and the JSON Schema."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
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

MEASURE = Mapping((Field("period", TEXT), Field("value", TEXT)))

INDICATOR = Mapping((
    Field("number", ID, True, "Unique in the scheme, e.g. \"1.1\"."),
    Field("name", NAME, True),
    Field("description", MARKDOWN),
    Field("weight", PERCENT, description="% of the scheme's CQUIN value."),
    Field("numerator", TEXT),
    Field("denominator", TEXT),
    Field("rationale", TEXT),
    Field("data_source", TEXT),
    Field("collection_frequency", TEXT),
    Field("collected_by", TEXT),
    Field("reporting_frequency", TEXT),
    Field("baseline", MEASURE),
    Field("target", MEASURE, description="The final indicator value: the payment threshold."),
    Field("reporting_date", DATE),
    Field("milestones", ListOf(Mapping((
        Field("period", TEXT), Field("value", TEXT),
        Field("payment", PERCENT, description="% of this indicator's value."),
    )))),
    Field("partial_achievement", TEXT),
    Field("payment_scale", Mapping((Field("min", PERCENT, True), Field("max", PERCENT, True)))),
))

GOAL = Mapping((
    Field("number", ID, True, "Unique in the scheme, e.g. \"1\"."),
    Field("name", NAME, True),
    Field("description", MARKDOWN),
    Field("domain", Scalar("enum", DOMAINS)),
    Field("national", TEXT, description="Id of a national goal in this year's _year.yaml."),
    Field("weight", PERCENT, description="% of the scheme's CQUIN value."),
    Field("topics", ListOf(SLUG)),
    Field("indicators", ListOf(INDICATOR)),
))

SCHEME = Mapping((
    Field("title", NAME),
    Field("provider", Mapping((
        Field("name", NAME, True),
        Field("type", Scalar("enum", PROVIDER_TYPES), True),
        Field("code", NAME),
    )), True),
    Field("commissioners", ListOf(OneOf((NAME, Mapping((Field("name", NAME, True), Field("code", NAME))))), 1),
          True),
    Field("framework", Scalar("enum", FRAMEWORKS)),
    Field("illustrative", Scalar("boolean")),
    Field("status", Scalar("enum", STATUSES)),
    Field("submitted", DATE),
    Field("updated", DATE),
    Field("source", TEXT, description="Where the scheme was published: a URL or a description."),
    Field("contract_value", POUNDS),
    Field("cquin_percent", PERCENT),
    Field("summary", MARKDOWN),
    Field("goals", ListOf(GOAL, 1), True),
    Field("attachments", ListOf(Mapping((Field("file", TEXT, True), Field("title", NAME))))),
    Field("contact", Mapping((Field("name", TEXT), Field("email", TEXT), Field("phone", TEXT)),
                             "Private: never written to the site.")),
))

NATIONAL_GOAL = Mapping((
    Field("id", SLUG, True),
    Field("name", NAME, True),
    Field("description", MARKDOWN),
    Field("settings", ListOf(Scalar("enum", PROVIDER_TYPES))),
    Field("target", TEXT),
    Field("topics", ListOf(SLUG)),
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

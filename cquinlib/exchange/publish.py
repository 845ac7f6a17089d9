"""The blank templates a build publishes: the spreadsheet and its CSV form, made from
the library's own lists (open years, regions, topics, national goals), byte for byte the same from the same data."""

from __future__ import annotations

from typing import Any, Callable, NamedTuple, Sequence

from ..core.digest import digest_bytes
from ..format.spec import DOMAINS, FRAMEWORKS, PROVIDER_TYPES
from ..library import urls
from ..library.model import Region, Topic, Year
from .csvform import write_csv
from .template import to_tables
from .xlsx import write_workbook


class Published(NamedTuple):
    """One file for the site: its URL and bytes."""

    url: str
    data: bytes


def template_lists(regions: Sequence[Region], years: Sequence[Year], topics: Sequence[Topic]) -> dict[str, list[str]]:
    """What the template's cells choose from, as the library defines it."""
    national = sorted({g.id for y in years for g in y.national_goals})
    return {"Years": [y.slug for y in years], "Regions": [r.slug for r in regions],
            "Provider types": list(PROVIDER_TYPES), "Domains": list(DOMAINS), "Frameworks": list(FRAMEWORKS),
            "True or false": ["true", "false"], "National goals": national, "Topics": [t.slug for t in topics]}


def instructions(email: str = "", lists: dict[str, list[str]] | None = None) -> list[str]:
    """The instructions sheet, a line a row."""
    lines = [
        "CQUIN scheme template: how to fill it in",
        "",
        "Scheme sheet: one row per detail. Year, region, provider name, provider type and at least one "
        "commissioner are required; the rest is optional. Cells with a list (year, region, provider type, "
        "framework) offer the library's values.",
        "Commissioners and attachments: one row each, with a code (or an attachment's title) in the third column. "
        "Insert rows for more.",
        "Goals sheet: a row for each goal, with its number and name; its indicators follow, one a row (the "
        "first may share the goal's row). Leave the goal's cells blank on its further indicators' rows, or repeat "
        "them as they are. Blank rows between goals are fine.",
        "An indicator's first milestone goes on the indicator's row; each further milestone on a row of its own "
        "below it, with only the milestone cells filled.",
        "Weightings are % of the whole scheme's CQUIN value: 25, or 25% in a cell formatted as a percentage. "
        "Goal weightings add up to 100, and a goal's weighting equals the sum of its indicators'.",
        "Expected financial value is worked out from the contract value, the CQUIN percentage and the weighting: "
        "it is shown for reference and not read back.",
        "Quality domain: safety, effectiveness, patient-experience or innovation. National goal: the id of the "
        "year's national goal the goal delivers. Topics: topic slugs, separated by commas.",
        "Dates: as dates, or written 2019-05-14. Numbers: as numbers, or written without commas.",
        "Descriptions and the summary may use Markdown (emphasis, lists, links); raw HTML is never published.",
        "Contact details are private: the editors use them to ask about the scheme, and never publish them.",
        "Keep the sheet names and column headings as they are: the library reads the file by them.",
    ]
    if email:
        lines.append(f"When it is filled in, email it to the library's mailbox: {email}")
    if lists:
        lines += ["", "The library's lists (the Lists sheet, hidden, holds them for the cells):"]
        lines += [f"{name}: {', '.join(values)}" for name, values in lists.items() if values]
    return lines


class TemplateSource(NamedTuple):
    """A template file to publish: its URL, the key of everything it is made from, and how to make it (only when
    the key has changed: openpyxl is not even imported by a build that keeps the last build's template)."""

    url: str
    key: str
    make: Callable[[], bytes]


def template_sources(regions: Sequence[Region], years: Sequence[Year], topics: Sequence[Topic], email: str,
                     code: str) -> list[TemplateSource]:
    """The blank spreadsheet and its CSV form (the YAML template is content/files/scheme-template.yaml, written
    by `python build.py new --template` from the generator `new` uses), keyed on the lists, mailbox and code."""
    lists = template_lists(regions, years, topics)
    key = digest_bytes(code, repr(lists), email)
    tables = to_tables({}, {}, None)
    return [TemplateSource(urls.TEMPLATE_XLSX, key, lambda: write_workbook(tables, lists, instructions(email, lists))),
            TemplateSource(urls.TEMPLATE_CSV, key, lambda: write_csv(tables))]


def template_files(regions: Sequence[Region], years: Sequence[Year], topics: Sequence[Topic],
                   email: str = "") -> list[Published]:
    """The blank templates' bytes."""
    return [Published(t.url, t.make()) for t in template_sources(regions, years, topics, email, "")]


def export_lists(validated: Any) -> dict[str, list[str]]:
    """The lists for a validated library (anything with regions, years and topics)."""
    return template_lists(validated.regions, validated.years, validated.topics)


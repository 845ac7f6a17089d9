"""The blank templates a build publishes: the spreadsheet and its CSV form, made from
the library's own lists (open years, regions, topics, national goals), byte for byte the same from the same data."""

from __future__ import annotations

from typing import Any, Callable, NamedTuple, Sequence

from ..core.digest import digest_bytes
from ..format.spec import DOMAINS, FRAMEWORKS, NOT_RECORDED_VALUE, OUTCOME_RESULTS, PROVIDER_TYPES
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
            "True or false": ["true", "false"], "National goals": national, "Topics": [t.slug for t in topics],
            "Outcome results": list(OUTCOME_RESULTS)}


def instructions(email: str = "", lists: dict[str, list[str]] | None = None) -> list[str]:
    """The instructions sheet, a line a row."""
    lines = [
        "CQUIN scheme template: how to fill it in",
        "",
        "Scheme sheet: one row per detail. Year, region, provider name, provider type and at least one "
        "commissioner are required; the rest is optional. Cells with a list (year, region, provider type, "
        "framework, outcome result) offer the library's values.",
        "Commissioners and attachments: one row each, with a code (or an attachment's title) in the third column. "
        "Insert rows for more.",
        "Goals sheet: a row for each goal, with its number and name; its indicators follow, one a row (the "
        "first may share the goal's row). Leave the goal's cells blank on its further indicators' rows, or repeat "
        "them as they are. Blank rows between goals are fine.",
        "An indicator's first milestone goes on the indicator's row; each further milestone on a row of its own "
        "below it, with only the milestone cells filled.",
        "Weightings are % of the whole scheme's CQUIN value: 25, or 25% in a cell formatted as a percentage. "
        "Goal weightings add up to 100, and a goal's weighting equals the sum of its indicators'.",
        "Expected financial value is worked out from the contract value and the CQUIN percentage (or the CQUIN "
        "value) and the weighting: it is shown for reference and not read back.",
        "Quality domain: safety, effectiveness, patient-experience or innovation. National goal: the id of the "
        "year's national goal the goal delivers. Topics: topic slugs, separated by commas. Goal duration: the "
        "financial years a goal runs for (2 for a two-year goal); blank for one.",
        f"Contract value: a number of pounds, or {NOT_RECORDED_VALUE} for a real scheme whose source gives no "
        "figure. CQUIN value: the scheme's value in pounds where its source states it. Added: the date the library "
        "published a scheme it compiled itself, in place of a submitted date.",
        "Payment scale: either a sliding scale (nothing below one achievement %, all at another: the two "
        "'Payment scale' % columns), or steps in the steps column, in rising order, each 'from N: P' (P% of the "
        "value paid from N% achievement) or 'above N: P' (paid above N%), separated by semicolons: "
        "'from 60: 50; from 70: 100', or 'above 50: 25'. Below the first step nothing is paid.",
        "Outcomes, where a source states what was earned: a period, a result (achieved, partly-achieved or "
        "not-achieved, from the list), the pounds available, earned and withheld, and a note; give any of them. "
        "On the Goals sheet, the goal outcome columns are the goal's and the indicator outcome columns the "
        "indicator's; each further entry (another period) goes on the next row, with only those cells filled, "
        "like further milestones. On the Scheme sheet, the six Outcome rows are the whole scheme's: each entry "
        "starts at its Outcome period row, so copy the six rows for another period.",
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


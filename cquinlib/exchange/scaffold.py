"""Scheme and year files written for a person to finish: the commented skeleton `new` writes and the template
the site publishes (one generator, so both pass `check` once their required fields are filled: optional fields
are commented out, never left empty), the YAML an import writes, and the `_year.yaml` of a newly opened year."""

from __future__ import annotations

from typing import Any, Optional

from ..format.spec import DOMAINS, OUTCOME_RESULTS, PROVIDER_TYPES, SCHEME, YEAR_FILE
from .yamlwrite import dump, scalar

LIBRARY_SCHEMA = "schema/library.schema.json"
GENERIC_SCHEMA = "/scheme-format.schema.json"

IMPORT_COMMENTS = {
    "title": ["Shown on the site; made from the provider and year when left out."],
    "provider": ["Who provides the service and earns the CQUIN."],
    "commissioners": ["Who agreed the scheme with the provider."],
    "status": ["A draft until an editor has reviewed it; then set status: published."],
    "summary": ["A short account of the scheme (Markdown)."],
    "goals": ["The goals, each with its indicators; weights are % of the scheme's CQUIN value."],
    "attachments": ["Files kept in the folder beside this file."],
    "contact": ["PRIVATE: never written to the site, a feed, an index or a download."],
}


def schema_url(site_url: str = "") -> str:
    """Where an editor's YAML language server finds the schema: the library's own, at the site's address when it
    is known, else the generic format schema."""
    return site_url.rstrip("/") + "/" + LIBRARY_SCHEMA if site_url else GENERIC_SCHEMA


def imported_yaml(data: dict[str, Any], origin: str, site_url: str = "") -> str:
    """The scheme file an import writes: tidy, in the format's order, with a comment above each part."""
    header = [f"yaml-language-server: $schema={schema_url(site_url)}", "",
              f"Imported from {origin} with `python build.py import`.",
              "Check it against the submission, then set status: published."]
    return dump(data, SCHEME, header, IMPORT_COMMENTS)


def year_yaml(year: str, previous: Optional[str], carried: dict[str, Any]) -> str:
    """A new year's _year.yaml, the previous year's percentage and national goals carried forward to edit."""
    if previous is None:
        header = [f"The financial year {year}. Fill in what holds for the whole year; every key is optional.", "",
                  "cquin_percent: 1.25     # share of contract value conditional on CQUIN",
                  "summary: |              # Markdown shown on the year's page",
                  "national_goals:         # each: id, name, and optionally description, settings, target, topics"]
        return "\n".join(f"# {line}".rstrip() for line in header) + "\n"
    header = [f"The financial year {year}, opened with `python build.py new-year`.",
              f"The percentage and national goals below are {previous}'s, carried forward as a starting point:",
              "check each against this year's guidance, and change, add or delete them.",
              "label defaults from the folder name; summary (Markdown) is shown on the year's page."]
    comments = {"cquin_percent": [f"{previous}'s share of contract value conditional on CQUIN: check it."],
                "national_goals": [f"{previous}'s national goals: ids must be unique within the year."]}
    return dump(carried, YEAR_FILE, header, comments)


def scheme_skeleton(year: str, site_url: str = "", email: str = "", provider: Optional[str] = None,
                    provider_type: Optional[str] = None, blank: bool = False) -> str:
    """A scheme file commented field by field. blank (the published template): required values are "" to fill
    in; otherwise (`new`) they hold placeholders that pass `check` as written, and the scheme is a draft."""
    def value(given: Optional[str], placeholder: str) -> str:
        """A required value: what was given, else "" in the template, else a placeholder that validates."""
        return scalar(given) or '""' if given else ('""' if blank else placeholder)

    w = _Writer()
    w.comment(0, f"yaml-language-server: $schema={schema_url(site_url)}", "",
              "A CQUIN scheme for the library (format version 1), commented field by field.",
              "Fill in the REQUIRED values; to give an optional one, delete the '# ' before its key (and before",
              "every line of its block) and write the value. An optional key left out is better than a guess.",
              f"Save it as schemes/{year or 'YEAR'}/REGION/SLUG.yaml: the folders give the scheme's year and region.",
              "Check it with: python build.py check      Full description of the format: /guidance/format/")
    if email:
        w.comment(0, f"Or email it to the library's mailbox: {email}")
    w.option(0, "title", '"Northfield Hospitals acute CQUIN scheme 2019/20"',
             "Title shown on the site. Optional: made from the provider's name and the year when left out.")
    w.key(0, "provider", None, "REQUIRED. The organisation that provides the service and earns the CQUIN.")
    w.key(2, "name", value(provider, '"Provider name"'), 'REQUIRED. Full name, e.g. "Northfield Hospitals NHS '
                                                          'Foundation Trust".')
    w.key(2, "type", value(provider_type, "other"), "REQUIRED. One of: " + ", ".join(PROVIDER_TYPES) + ".")
    w.option(2, "code", "RXX", "Optional. The provider's organisation code.")
    w.key(0, "commissioners", None, "REQUIRED, at least one. Who agreed the scheme: a PCT (to March 2013), a CCG "
                                    "(2013 to June 2022), an ICB (after), or NHS England for specialised services. "
                                    "A plain name, or {name: NHS Marshland, code: ZZ9}. A public source that names "
                                    "no commissioner: write Not recorded.")
    w.line(2, f"- {value(None, 'Not recorded')}")
    w.option(0, "framework", "cquin", "Optional. cquin (the default) or other: a quality incentive outside CQUIN.")
    w.option(0, "illustrative", "true", "Optional. true only for a worked example that was never agreed.")
    status = "published (the default), draft (checked, never put on the site) or withdrawn (kept and marked)."
    if blank:
        w.option(0, "status", "draft", f"Optional. {status}")
    else:
        w.key(0, "status", "draft", f"A draft until it is finished and reviewed; then published. {status}")
    w.option(0, "submitted", "2019-05-14", "Date submitted to the library. A published scheme without it is warned of.")
    w.option(0, "updated", "2019-09-01", "Optional. Date of the last change.")
    w.option(0, "added", "2019-06-01", "Optional. Date the library published the scheme: for a scheme the library "
                                       "compiled itself from a public source, in place of a submitted date.")
    w.option(0, "source", '"Trust board papers, May 2019"', "Optional. Where the scheme was published: an address "
                                                             "or a description.")
    w.option(0, "contract_value", "120000000", "Optional. Contract value in pounds, no commas (or Not recorded, for a "
                                               "real scheme whose source gives none).")
    w.option(0, "cquin_percent", "1.25", "Optional. % of contract value on this scheme; the year's when left out.")
    w.option(0, "cquin_value", "1500000", "Optional. The scheme's CQUIN value in pounds, as its source states it.")
    w.option(0, "summary", "|\n  What the scheme covers, and anything a reader should know.",
             "Optional, Markdown. A short account of the scheme.")
    w.key(0, "goals", None, "REQUIRED, at least one goal. Copy the goal block for each further goal.")
    w.line(2, '- number: "1"', "REQUIRED. Unique in the scheme, in quotes.")
    w.key(4, "name", value(None, '"Goal name"'), "REQUIRED. A short name for the goal.")
    w.option(4, "description", "What do you want to achieve?", "Optional, Markdown.")
    w.option(4, "domain", "safety", "Optional. Quality domain: " + ", ".join(DOMAINS) + ".")
    w.option(4, "national", "vte", "Optional. The id of the year's national goal this delivers (see the year's "
                                   "page); leave out for a local goal.")
    w.option(4, "weight", "25", "Optional. % of the scheme's CQUIN value on this goal; goal weights add up to 100, "
                               "and where its indicators have weights this is their sum. Not known: leave weights "
                               "out everywhere.")
    w.option(4, "topics", "[falls]", "Optional. Topic slugs from the library's topic list.")
    w.option(4, "indicators", _INDICATOR, "Optional. Copy the indicator block (from '- number') for each further "
                                          "indicator; its keys are optional but number and name.")
    w.option(4, "duration", "2", "Optional. Financial years the goal runs for (2 for a two-year goal); left out, "
                                 "one, or its national goal's.")
    w.option(4, "outcome", "{period: Q4, result: achieved}", "Optional. What the goal earned, where a source "
                                                              "states it (as the scheme's outcome below).")
    w.option(0, "outcome", "\n  - {period: Q2, result: partly-achieved, available: 12000, earned: 6000, withheld: 6000}"
                           "\n  - {period: Q4, result: achieved, note: Paid in full}",
             "Optional. What the whole scheme earned, where a source states it: one entry, or a list of them, each "
             "with any of period, result (" + ", ".join(OUTCOME_RESULTS) + "), available, earned and withheld "
             "(pounds), and a note.")
    w.option(0, "attachments", '\n  - {file: full-scheme.pdf, title: "Full scheme document"}',
             "Optional. Files in the scheme's own folder (schemes/YEAR/REGION/SLUG/): pdf, docx, xlsx, pptx, odt, "
             "ods, odp, csv, txt, png, jpg, gif, webp, each at most 25 MB (HTML, SVG and other files a browser could "
             "run are refused).")
    w.option(0, "contact", "\n  name: Your name\n  email: you@example.org",
             "Optional and PRIVATE: who the editors can ask. Never published, on the site or in any download.")
    return w.text()


_INDICATOR = """
  - number: "1.1"                      # REQUIRED, unique in the scheme
    name: What is measured             # REQUIRED
    description: More detail           # Markdown
    weight: 25                         # % of the SCHEME's CQUIN value
    numerator: What is counted
    denominator: What it is counted out of
    rationale: Why it is worth paying for
    data_source: Where the figures come from
    collection_frequency: monthly
    collected_by: Who collects the data
    reporting_frequency: quarterly
    baseline: {period: "Q4 2018/19", value: "76%"}
    target: {period: "Q4 2019/20", value: "90%"}   # the final indicator value: the payment threshold
    reporting_date: 2020-04-30
    milestones:                        # payment: % of this indicator's value
      - {period: Q2, value: "80%", payment: 25}
    partial_achievement: Rules for partial achievement, in words
    payment_scale: {min: 60, max: 80}  # nothing below min %, all at max %; or steps, each paying its % of the
                                       # value from (or above) its achievement %:
                                       # {steps: [{from: 60, pay: 50}, {from: 70, pay: 100}]}
    outcome: {period: Q4, result: not-achieved, withheld: 3000}   # what it earned, where a source states it"""


class _Writer:
    """Lines of a commented YAML file."""

    def __init__(self) -> None:
        """Start empty."""
        self.lines: list[str] = []

    def comment(self, indent: int, *lines: str) -> None:
        """Comment lines, wrapped at 100 characters."""
        for line in lines:
            self.lines += _wrapped(" " * indent + "# ", line)

    def key(self, indent: int, key: str, value: Optional[str], help_text: str) -> None:
        """A key written out, with its comment above it (a top-level key after a blank line)."""
        if indent == 0:
            self.lines.append("")
        self.comment(indent, help_text)
        self.lines.append(f"{' ' * indent}{key}:" + (f" {value}" if value is not None else ""))

    def option(self, indent: int, key: str, example: str, help_text: str) -> None:
        """An optional key, commented out with an example value (a block's lines commented with it)."""
        if indent == 0:
            self.lines.append("")
        self.comment(indent, help_text)
        pad = " " * indent
        first, *rest = example.split("\n")
        self.lines.append(f"{pad}# {key}:" + (f" {first}" if first else ""))
        self.lines += [f"{pad}# {line}" for line in rest]

    def line(self, indent: int, text: str, help_text: str = "") -> None:
        """A line as it is, with an optional comment above it."""
        if help_text:
            self.comment(indent, help_text)
        self.lines.append(" " * indent + text)

    def text(self) -> str:
        """The file's text."""
        return "\n".join(self.lines) + "\n"


def _wrapped(prefix: str, text: str, width: int = 100) -> list[str]:
    """A comment's words wrapped behind its prefix; an empty line stays one line."""
    words, lines, current = text.split(" "), [], ""
    for word in words:
        if current and len(prefix) + len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    lines.append(current)
    return [(prefix + line).rstrip() for line in lines]

"""The open data: schemes.csv, indicators.csv and schemes.json, each with its columns declared once.

The declarations below write the files and document them (the /data/ page lists each column's name and meaning from
here), so the documentation cannot drift from the files. Rows come from the indicator table and the built schemes;
a draft never reaches them, and a contact never could: the model holds none.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import fields
from typing import Any, Callable, Iterable, Iterator, Mapping, NamedTuple, Optional, Sequence

from . import urls
from .indicators import IndicatorRow, scheme_rows
from .model import Milestone, Scheme, Year

Address = Callable[[str], str]  # a site URL ('/schemes/...') as the downloads give it (the full address)


class Column(NamedTuple):
    """One column of a CSV download: its header, what it holds, and how a row gives it."""

    name: str
    description: str
    value: Callable[[Any, Address], str]


class Download(NamedTuple):
    """A file of the open data: its URL, its title, what one row is, and its columns (none for JSON)."""

    url: str
    title: str
    row: str
    columns: tuple[Column, ...]


def _number(value: Optional[float]) -> str:
    """A figure as the CSV writes it: '' when absent, no trailing '.0', never in exponent form."""
    if value is None:
        return ""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return text if text != "-0" else "0"


def _flag(value: bool) -> str:
    """true or false."""
    return "true" if value else "false"


def _milestones(items: tuple[Milestone, ...]) -> str:
    """Milestones as 'period: value (payment%)', separated by '; '."""
    parts = []
    for m in items:
        text = ": ".join(p for p in (m.period, m.value) if p)
        parts.append(f"{text} ({_number(m.payment)}%)" if m.payment is not None else text)
    return "; ".join(parts)


INDICATOR_COLUMNS: tuple[Column, ...] = (
    Column("scheme_id", "The scheme's identity, YEAR/REGION/SLUG (its file's place in the library).",
           lambda r, a: r.scheme_id),
    Column("scheme_url", "The scheme's page.", lambda r, a: a(r.scheme_url)),
    Column("scheme_title", "The scheme's title.", lambda r, a: r.scheme_title),
    Column("provider", "The provider's name as this scheme gives it.", lambda r, a: r.provider),
    Column("provider_code", "The provider's organisation code, where the scheme gives one.",
           lambda r, a: r.provider_code),
    Column("provider_type", "The provider's type: " + ", ".join(("acute", "mental-health", "community", "ambulance",
                                                                 "specialised", "learning-disability", "primary-care",
                                                                 "other")) + ".", lambda r, a: r.provider_type),
    Column("year", "The financial year, YYYY-YY.", lambda r, a: r.year),
    Column("region", "The region's slug.", lambda r, a: r.region),
    Column("framework", "cquin, or other for a quality incentive scheme that is not CQUIN.", lambda r, a: r.framework),
    Column("illustrative", "true for a worked example, not a scheme that was agreed.",
           lambda r, a: _flag(r.illustrative)),
    Column("goal_number", "The goal's number in its scheme.", lambda r, a: r.goal_number),
    Column("goal_name", "The goal's name as the scheme gives it.", lambda r, a: r.goal_name),
    Column("domain", "The quality domain: safety, effectiveness, patient-experience or innovation; empty when not "
                     "given.", lambda r, a: r.domain),
    Column("national_goal", "The id of the national goal the goal adopts (in its year); empty for a local goal.",
           lambda r, a: r.national),
    Column("topics", "The goal's topic slugs, separated by spaces.", lambda r, a: " ".join(r.topics)),
    Column("indicator_number", "The indicator's number; empty on the row of a goal without indicators.",
           lambda r, a: r.indicator_number),
    Column("indicator_name", "The indicator's name; empty on the row of a goal without indicators.",
           lambda r, a: r.indicator_name),
    Column("weight_percent", "The indicator's weight as a % of the scheme's CQUIN value (the goal's, on a goal's "
                             "row); empty when not given.", lambda r, a: _number(r.weight)),
    Column("value_pounds", "The weight in pounds: the scheme's value (contract value times its CQUIN %) times the "
                           "weight; empty when either is not given.", lambda r, a: _number(r.value)),
    Column("baseline", "The baseline, as written.", lambda r, a: r.baseline),
    Column("baseline_period", "The period of the baseline.", lambda r, a: r.baseline_period),
    Column("target", "The target (the payment threshold), as written.", lambda r, a: r.target),
    Column("target_period", "The period of the target.", lambda r, a: r.target_period),
    Column("scale_min_percent", "Sliding scale: the achievement (%) below which nothing is paid.",
           lambda r, a: _number(r.scale_min)),
    Column("scale_max_percent", "Sliding scale: the achievement (%) at and above which all is paid.",
           lambda r, a: _number(r.scale_max)),
    Column("scale_steps", "Stepped scale: each step as 'from N%' (inclusive) or 'above N%' with the share of the value "
                          "it pays, separated by '; '.", lambda r, a: r.scale_steps),
    Column("milestones", "In-year milestones as 'period: value (payment %)', separated by '; '.",
           lambda r, a: _milestones(r.milestones)),
    Column("duration_years", "The financial years the goal runs for, where given (its own or its national goal's).",
           lambda r, a: "" if r.duration is None else str(r.duration)),
)


class SchemeLine(NamedTuple):
    """What schemes.csv shows of one scheme."""

    scheme: Scheme
    rows: tuple[IndicatorRow, ...]


SCHEME_COLUMNS: tuple[Column, ...] = (
    Column("scheme_id", "The scheme's identity, YEAR/REGION/SLUG.", lambda s, a: s.scheme.id),
    Column("scheme_url", "The scheme's page.", lambda s, a: a(s.scheme.url)),
    Column("title", "The scheme's title.", lambda s, a: s.scheme.title),
    Column("provider", "The provider's name.", lambda s, a: s.scheme.provider_name),
    Column("provider_code", "The provider's organisation code, where given.", lambda s, a: s.scheme.provider_code),
    Column("provider_type", "The provider's type (as in indicators.csv).", lambda s, a: s.scheme.provider_type),
    Column("year", "The financial year, YYYY-YY.", lambda s, a: s.scheme.year),
    Column("region", "The region's slug.", lambda s, a: s.scheme.region),
    Column("framework", "cquin or other.", lambda s, a: s.scheme.framework),
    Column("illustrative", "true for a worked example.", lambda s, a: _flag(s.scheme.illustrative)),
    Column("commissioners", "The commissioners' names, separated by '; '.",
           lambda s, a: "; ".join(c.name for c in s.scheme.commissioners)),
    Column("submitted", "The date the scheme was submitted, YYYY-MM-DD, where given.",
           lambda s, a: s.scheme.submitted.isoformat() if s.scheme.submitted else ""),
    Column("updated", "The date it was last updated, where given.",
           lambda s, a: s.scheme.updated.isoformat() if s.scheme.updated else ""),
    Column("source", "Where the scheme was published, for a real scheme.", lambda s, a: s.scheme.source),
    Column("contract_value_pounds", "The contract's value in pounds, where given.",
           lambda s, a: _number(s.scheme.contract_value)),
    Column("cquin_percent", "The CQUIN % of the contract value: the scheme's own, else its year's.",
           lambda s, a: _number(s.scheme.effective_percent)),
    Column("value_pounds", "The scheme's CQUIN value in pounds (contract value times CQUIN %).",
           lambda s, a: _number(s.scheme.value)),
    Column("goals", "How many goals it has.", lambda s, a: str(len(s.scheme.goals))),
    Column("indicators", "How many indicators its goals have.",
           lambda s, a: str(sum(len(g.indicators) for g in s.scheme.goals))),
    Column("national_goals", "The ids of the national goals it adopts, separated by spaces.",
           lambda s, a: " ".join(dict.fromkeys(g.national for g in s.scheme.goals if g.national))),
)

SCHEMES_CSV = Download(urls.SCHEMES_CSV, "Schemes (CSV)", "one published scheme", SCHEME_COLUMNS)
INDICATORS_CSV = Download(urls.INDICATORS_CSV, "Indicators (CSV)",
                          "one indicator of a published scheme, or a goal of one that has no indicators",
                          INDICATOR_COLUMNS)
SCHEMES_JSON = Download(urls.SCHEMES_JSON, "Schemes (JSON)",
                        "one published or withdrawn scheme, whole, with its status", ())
DOWNLOADS = (SCHEMES_CSV, INDICATORS_CSV, SCHEMES_JSON)


class SchemeData(NamedTuple):
    """All the open data of one built scheme, made once from its full model (a build keeps these between runs, so
    an edit makes only its own scheme's again): its rows of the indicator table, its lines of both CSV files
    as CSV text (so that a build of a large library only joins them; kept as cells, they were millions of
    strings to load on every edit) and its JSON record as text, on one line."""

    id: str
    status: str
    rows: tuple[IndicatorRow, ...]
    record: str
    scheme_csv: str
    indicators_csv: str


def scheme_data(scheme: Scheme, year: Optional[Year], address: Address) -> SchemeData:
    """One scheme's open data."""
    rows = scheme_rows(scheme, year)
    line = SchemeLine(scheme, rows)
    scheme_line = tuple(c.value(line, address) for c in SCHEME_COLUMNS)
    indicator_lines = tuple(tuple(c.value(r, address) for c in INDICATOR_COLUMNS) for r in rows)
    # One line per scheme: the whole file is as large as the library, and indentation added a third to it.
    record = scheme_record(scheme, address)
    return SchemeData(scheme.id, scheme.status, rows, record, _csv_text([scheme_line]), _csv_text(indicator_lines))


class SchemeBytes(NamedTuple):
    """One scheme's part of each download, encoded (a scheme that is not published has no CSV lines): what a
    year's part is joined from, and split back into."""

    status: str
    scheme_csv: bytes
    indicators_csv: bytes
    record: bytes

    @property
    def sizes(self) -> tuple[int, int, int]:
        """How many bytes it has in each part."""
        return len(self.scheme_csv), len(self.indicators_csv), len(self.record)


def scheme_bytes(data: SchemeData) -> SchemeBytes:
    """A scheme's part of each download, from its open data."""
    listed = data.status == "published"
    return SchemeBytes(data.status, data.scheme_csv.encode("utf-8") if listed else b"",
                       data.indicators_csv.encode("utf-8") if listed else b"", data.record.encode("utf-8"))


def year_chunks(parts: Sequence[SchemeBytes]) -> dict[str, bytes]:
    """One year's part of each download, by the download's URL, from its schemes' parts in scheme id order: the
    published schemes' lines of both CSV files, and the JSON records of the published and withdrawn ones
    (drafts never: none has data made). The downloads are these parts, year after year (an id begins with its
    year)."""
    built = [p for p in parts if p.status != "draft"]
    return {urls.SCHEMES_CSV: b"".join(p.scheme_csv for p in built),
            urls.INDICATORS_CSV: b"".join(p.indicators_csv for p in built),
            urls.SCHEMES_JSON: _RECORD_SEPARATOR.join(p.record for p in built)}


def split_year_chunks(chunks: Mapping[str, bytes],
                      shapes: Sequence[tuple[str, tuple[int, int, int]]]) -> Optional[list[SchemeBytes]]:
    """year_chunks undone: each scheme's part, given each scheme's status and sizes in the order it was joined;
    None when the parts do not hold exactly those (a file damaged, or made for other schemes)."""
    at = [0, 0, 0]
    texts = [chunks[urls.SCHEMES_CSV], chunks[urls.INDICATORS_CSV], chunks[urls.SCHEMES_JSON]]
    found = []
    for number, (status, sizes) in enumerate(shapes):
        if number and texts[2][at[2]:at[2] + len(_RECORD_SEPARATOR)] != _RECORD_SEPARATOR:
            return None
        at[2] += len(_RECORD_SEPARATOR) if number else 0
        cut = []
        for part, size in enumerate(sizes):
            cut.append(texts[part][at[part]:at[part] + size])
            at[part] += size
        found.append(SchemeBytes(status, cut[0], cut[1], cut[2]))
    return found if at == [len(t) for t in texts] else None


_RECORD_SEPARATOR = b",\n"  # between two schemes' JSON records


def download_blocks(url: str, chunks: Iterable[Callable[[str], bytes]]) -> Iterator[bytes]:
    """One download's bytes, block by block: its header, then each year's part (read only as it is written; a
    large library's files are hundreds of megabytes, which the build need never hold whole)."""
    if url != urls.SCHEMES_JSON:
        declared = next(d for d in DOWNLOADS if d.url == url)
        yield _csv_text([[c.name for c in declared.columns]]).encode("utf-8")
        yield from (chunk(url) for chunk in chunks)
        return
    yield b'{"format": "cquin-library-schemes", "version": 1, "schemes": ['
    started = False
    for chunk in chunks:
        part = chunk(url)
        if part:
            yield (_RECORD_SEPARATOR if started else b"\n") + part
            started = True
    yield b"\n]}\n" if started else b"]}\n"


def _csv_text(lines: Iterable[Iterable[str]]) -> str:
    """Lines of cells as CSV text (RFC 4180: CRLF), each line ended."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(lines)
    return out.getvalue()


def scheme_record(scheme: Scheme, address: Address) -> str:
    """A scheme whole as the JSON gives it, on one line: every field of the model, dates as text, its page and
    its attachments' addresses rather than paths on the builder's disk."""
    names: dict[type, tuple[str, ...]] = {}  # each record type's field names, once found (fields() is slow)

    def fields_of(record: Any) -> dict[str, Any]:
        """A model record's fields by name, their values as they are."""
        found = names.get(type(record))
        if found is None:
            found = names[type(record)] = tuple(f.name for f in fields(record))
        return {name: getattr(record, name) for name in found}

    def json_value(value: Any) -> Any:
        """What JSON writes for a model value it has no form for: a record as its fields, a date as ISO text."""
        if hasattr(type(value), "__dataclass_fields__"):
            return fields_of(value)
        if hasattr(value, "isoformat"):
            return value.isoformat()
        raise TypeError(f"a {type(value).__name__} has no JSON form")

    record = fields_of(scheme)
    del record["src_path"]
    record["id"], record["url"] = scheme.id, address(scheme.url)
    record["value"], record["effective_percent"] = scheme.value, scheme.effective_percent
    record["attachments"] = [{"file": a.file, "title": a.title, "size": a.size,
                              "url": address(scheme.attachment_url(a))} for a in scheme.attachments]
    # The records inside (goals, indicators, milestones) become dicts as the encoder meets them: one call each,
    # where turning the whole tree into dicts first called a function for every value in it.
    return json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=json_value)

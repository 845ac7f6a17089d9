"""The shared files of a library: _regions.yaml, _topics.yaml and each year's _year.yaml, checked and made model."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Optional

from ..core.diagnostics import Diagnostic
from ..core.digest import digest_bytes
from ..format.rules import scale_findings, topic_findings
from ..format.shapes import Finding, check_shape
from ..format.spec import REGIONS_FILE, SYNONYMS_FILE, TOPICS_FILE, YEAR_FILE
from ..format.yamlio import format_field, locate_all
from .load import SourceFile, YearSource
from .model import NationalGoal, Region, Topic, Year, year_label
from .scales import to_payment_scale


@dataclass(frozen=True)
class SharedContext:
    """The validated shared files every scheme is checked against."""

    regions: tuple[Region, ...]
    topics: tuple[Topic, ...]
    years: tuple[Year, ...]
    region_map: Optional[dict[str, Region]]
    topic_slugs: Optional[frozenset[str]]
    synonyms: tuple[tuple[str, ...], ...] = ()  # the groups of _synonyms.yaml (search reads them)

    def year(self, slug: str) -> Optional[Year]:
        """The year with this slug, if its _year.yaml is valid."""
        return next((y for y in self.years if y.slug == slug), None)

    def digests(self, years: Iterable[str]) -> dict[str, str]:
        """Per year slug, a digest of everything a scheme of that year is checked against: the regions (their
        spans and names, which messages give), the topic slugs (not their names: no rule reads those), and the
        year itself (its percentage and national goals; None when its _year.yaml is missing or invalid).

        A scheme's validation is keyed on this rather than on the shared files' bytes, so renaming a topic or
        editing one year validates no scheme of another year again.
        """
        regions = repr(self.region_map) if self.region_map is not None else "unchecked"
        topics = repr(sorted(self.topic_slugs)) if self.topic_slugs is not None else "unchecked"
        return {slug: digest_bytes(regions, topics, slug, repr(self.year(slug))) for slug in sorted(set(years))}


def validate_shared(regions_file: Optional[SourceFile], topics_file: Optional[SourceFile],
                    year_sources: Iterable[YearSource], out: list[Diagnostic],
                    synonyms_file: Optional[SourceFile] = None) -> SharedContext:
    """Check _regions.yaml, _topics.yaml, every _year.yaml and _synonyms.yaml if there is one."""
    regions = _validate_regions(regions_file, out)
    topics = _validate_topics(topics_file, out)
    # When a shared file is missing or unreadable it has its own error; checking every scheme against it
    # would only bury that error under thousands of consequences.
    topic_slugs = frozenset(t.slug for t in topics) if _usable(topics_file) else None
    years = tuple(y for y in (_validate_year(ys, topic_slugs, out) for ys in year_sources) if y)
    region_map = {r.slug: r for r in regions} if _usable(regions_file) else None
    return SharedContext(regions, topics, years, region_map, topic_slugs, _validate_synonyms(synonyms_file, out))


def _validate_synonyms(file: Optional[SourceFile], out: list[Diagnostic]) -> tuple[tuple[str, ...], ...]:
    """Check _synonyms.yaml: a list of groups, each a list of two or more names."""
    if file is None:
        return ()
    findings = check_shape(file.data, SYNONYMS_FILE) if file.data is not None or not file.problems else []
    out.extend(to_diagnostics(file, findings))
    if findings or not isinstance(file.data, list):
        return ()
    return tuple(_strings(group) for group in file.data)


def _usable(file: Optional[SourceFile]) -> bool:
    """True when a shared file exists and parsed, so schemes can be checked against it."""
    return file is not None and file.data is not None


def _validate_regions(file: Optional[SourceFile], out: list[Diagnostic]) -> tuple[Region, ...]:
    """Check _regions.yaml and build the regions."""
    if file is None:
        return ()
    findings = check_shape(file.data, REGIONS_FILE) if file.data is not None or not file.problems else []
    regions = []
    if isinstance(file.data, dict):
        for slug, entry in sorted(file.data.items(), key=lambda item: str(item[0])):
            if not isinstance(entry, dict):
                continue
            first, last = entry.get("from"), entry.get("until")
            if isinstance(first, str) and isinstance(last, str) and first > last:
                findings.append(Finding((str(slug), "from"), f"from {first} is after until {last}"))
            regions.append(Region(str(slug), str(entry.get("name", slug)), _str_or_none(first),
                                  _str_or_none(last)))
    out.extend(to_diagnostics(file, findings))
    return tuple(regions)


def _validate_topics(file: Optional[SourceFile], out: list[Diagnostic]) -> tuple[Topic, ...]:
    """Check _topics.yaml and build the topic vocabulary."""
    if file is None:
        return ()
    findings = check_shape(file.data, TOPICS_FILE) if file.data is not None or not file.problems else []
    out.extend(to_diagnostics(file, findings))
    if not isinstance(file.data, dict):
        return ()
    return tuple(Topic(str(slug), str(entry.get("name", slug)), str(entry.get("description") or ""),
                       _strings(entry.get("aliases")))
                 for slug, entry in sorted(file.data.items(), key=lambda item: str(item[0]))
                 if isinstance(entry, dict))


def _validate_year(source: YearSource, topics: Optional[frozenset[str]], out: list[Diagnostic]) -> Optional[Year]:
    """Check a _year.yaml: shape, unique national goal ids, known topics."""
    file = source.file
    if file is None:
        return None
    data = file.data if file.data is not None else {}
    findings = check_shape(data, YEAR_FILE) if file.data is not None else []
    goals: list[NationalGoal] = []
    seen: set[str] = set()
    national = data.get("national_goals") if isinstance(data, dict) else None
    for index, goal in enumerate(national if isinstance(national, list) else []):
        if not isinstance(goal, dict):
            continue
        goal_id = str(goal.get("id", ""))
        if goal_id in seen:
            findings.append(Finding(("national_goals", index, "id"), f"national goal id '{goal_id}' is used twice"))
        seen.add(goal_id)
        findings += topic_findings(goal.get("topics"), ("national_goals", index, "topics"), topics)
        scale_problems = scale_findings(goal.get("payment_scale"), ("national_goals", index, "payment_scale"))
        findings += scale_problems
        goals.append(NationalGoal(source.slug, goal_id, str(goal.get("name", "")),
                                  str(goal.get("description") or ""), _strings(goal.get("settings")),
                                  str(goal.get("target") or ""), _strings(goal.get("topics")),
                                  payment=str(goal.get("payment") or "").strip(),
                                  payment_scale=None if scale_problems else to_payment_scale(goal.get("payment_scale")),
                                  note=str(goal.get("note") or "").strip(),
                                  source=str(goal.get("source") or "").strip(),
                                  duration=_duration(goal.get("duration"))))
    out.extend(to_diagnostics(file, findings))
    if not isinstance(data, dict):
        return None
    percent = data.get("cquin_percent")
    usable = isinstance(percent, (int, float)) and not isinstance(percent, bool) and not any(
        f.path == ("cquin_percent",) for f in findings)  # one out of range (or too large for a float) is reported
    return Year(source.slug, str(data.get("label") or year_label(source.slug)),
                float(percent) if usable else None,
                str(data.get("summary") or ""), tuple(goals), str(data.get("cquin_percent_of") or "").strip())


def to_diagnostics(file: SourceFile, findings: list[Finding]) -> list[Diagnostic]:
    """Turn a file's parse problems and findings into diagnostics with line and column."""
    out = [Diagnostic(file.src_path, p.line, p.column, p.field, p.message) for p in file.problems]
    if findings:
        positions = locate_all(file.src_path, [(f.path, f.at_key) for f in findings])
        out += [Diagnostic(file.src_path, line, column, format_field(f.path), f.message, f.severity)
                for f, (line, column) in zip(findings, positions)]
    return out


def _str_or_none(value: Any) -> Optional[str]:
    """A string, or None for anything else."""
    return value if isinstance(value, str) else None


def _strings(value: Any) -> tuple[str, ...]:
    """A list of strings as a tuple, ignoring anything else."""
    return tuple(str(v) for v in value) if isinstance(value, list) else ()



def _duration(value: Any) -> Optional[int]:
    """A national goal's duration in financial years when it is a whole number (a bad one is reported)."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 1 else None

"""The format's rules that go beyond shape: cross-references, uniqueness, weights, and attachment names and types."""

from __future__ import annotations

import re
from typing import Any, Iterator, NamedTuple, Optional, Protocol, Sequence

from ..core.diagnostics import Severity, suggest
from .shapes import Finding
from .spec import NOT_RECORDED_REGION, NOT_RECORDED_VALUE
from .yamlio import format_field

WEIGHT_TOLERANCE = 0.5
ATTACHMENT_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*$"
# File systems allow 255 bytes a name, and the output path adds the scheme's own folders to the attachment's.
MAX_ATTACHMENT_NAME = 100  # characters in one file or folder name of an attachment's path
MAX_ATTACHMENT_PATH = 200  # characters in the whole path, folders included
# A compiled real scheme whose public source names no commissioner says so rather than guess one.
NOT_RECORDED = NOT_RECORDED_VALUE


class AttachmentType(NamedTuple):
    """A kind of file a scheme may attach: its extension, what it is called, and the media type hosts serve."""

    extension: str
    name: str
    media_type: str


_OOXML = "application/vnd.openxmlformats-officedocument."
_ODF = "application/vnd.oasis.opendocument."
# The closed list: documents, spreadsheets, presentations, plain text and images, none of which a browser runs as
# a page. Anything else, HTML, SVG and XML above all, could run script on the site's own address.
ATTACHMENT_TYPES: tuple[AttachmentType, ...] = (
    AttachmentType("pdf", "a PDF document", "application/pdf"),
    AttachmentType("docx", "a Word document", _OOXML + "wordprocessingml.document"),
    AttachmentType("xlsx", "an Excel workbook", _OOXML + "spreadsheetml.sheet"),
    AttachmentType("pptx", "a PowerPoint presentation", _OOXML + "presentationml.presentation"),
    AttachmentType("odt", "an OpenDocument text", _ODF + "text"),
    AttachmentType("ods", "an OpenDocument spreadsheet", _ODF + "spreadsheet"),
    AttachmentType("odp", "an OpenDocument presentation", _ODF + "presentation"),
    AttachmentType("csv", "a CSV file", "text/csv"),
    AttachmentType("txt", "a plain text file", "text/plain"),
    AttachmentType("png", "a PNG image", "image/png"),
    AttachmentType("jpg", "a JPEG image", "image/jpeg"),
    AttachmentType("jpeg", "a JPEG image", "image/jpeg"),
    AttachmentType("gif", "a GIF image", "image/gif"),
    AttachmentType("webp", "a WebP image", "image/webp"),
)
# Types that are refused for a reason worth saying: a browser runs them, or they carry macros or other files.
_SCRIPTABLE = frozenset({"html", "htm", "xhtml", "xht", "shtml", "svg", "svgz", "xml", "xsl", "xslt", "js", "mjs",
                         "css", "swf", "hta", "mht", "mhtml", "php", "wasm"})
_SAVE_AS = {"doc": "docx", "xls": "xlsx", "ppt": "pptx", "docm": "docx", "xlsm": "xlsx", "pptm": "pptx",
            "rtf": "docx", "tif": "png", "tiff": "png", "bmp": "png"}


class NationalGoalLike(Protocol):
    """A national goal as the rules read it."""

    @property
    def id(self) -> str:
        """Its id within its year."""


class YearLike(Protocol):
    """A validated year as the rules read it: its slug and national goals (the library's Year)."""

    @property
    def slug(self) -> str:
        """YYYY-YY."""

    @property
    def national_goals(self) -> Sequence[NationalGoalLike]:
        """The year's national goals."""

    def national_goal(self, goal_id: str) -> Optional[NationalGoalLike]:
        """The national goal with this id, if the year defines it."""


def scheme_findings(data: dict[str, Any], topics: Optional[frozenset[str]], year: Optional[YearLike]) -> list[Finding]:
    """Every rule a scheme's content must meet beyond its shape, as findings (its attachments' files aside: the
    library checks those, in library.attachments, with attachment_name_problem and ATTACHMENT_TYPES from here)."""
    goals = [g for g in _items(data.get("goals")) if isinstance(g[1], dict)]
    findings = list(_goal_findings(goals, topics, year))
    findings += _duplicate_numbers(goals)
    findings += _weight_findings(goals)
    findings += _not_recorded_findings(data)
    findings += outcome_findings(data.get("outcome"), ("outcome",))
    if data.get("status", "published") == "published" and "submitted" not in data and "added" not in data:
        findings.append(Finding(("submitted",), "a published scheme should give its submitted date (or, for a "
                                                "scheme the library compiled itself, the date it was added)",
                                severity=Severity.WARNING))
    return findings


def _not_recorded_findings(data: dict[str, Any]) -> Iterator[Finding]:
    """"Not recorded" stands alone as a real scheme's commissioner: an illustrative one invents its names."""
    listed = data.get("commissioners")
    names = [c.get("name") if isinstance(c, dict) else c for c in listed] if isinstance(listed, list) else []
    marked = [i for i, name in enumerate(names) if isinstance(name, str) and name.strip().lower() == "not recorded"]
    if marked and len(names) > 1:
        yield Finding(("commissioners", marked[0]), f"'{NOT_RECORDED}' must be the only commissioner")
    if marked and data.get("illustrative") is True:
        yield Finding(("commissioners", marked[0]), f"an illustrative scheme invents its commissioners rather than "
                                                    f"'{NOT_RECORDED}'")
    if data.get("contract_value") == NOT_RECORDED and data.get("illustrative") is True:
        yield Finding(("contract_value",), f"an illustrative scheme invents its contract value rather than "
                                           f"'{NOT_RECORDED}'")


def region_findings(region: str, data: dict[str, Any]) -> list[Finding]:
    """The not-recorded region holds only real schemes, whose source names no region."""
    if region == NOT_RECORDED_REGION and data.get("illustrative") is True:
        return [Finding(("region",), f"an illustrative scheme invents its region rather than sit in "
                                     f"'{NOT_RECORDED_REGION}'")]
    return []


def scale_findings(scale: Any, path: tuple[Any, ...]) -> list[Finding]:
    """A sliding scale's min must not exceed its max; a stepped scale's thresholds rise and its shares never fall."""
    if not isinstance(scale, dict):
        return []
    if _is_number(scale.get("min")) and _is_number(scale.get("max")) and scale["min"] > scale["max"]:
        return [Finding(path + ("min",), f"min {scale['min']:g} is more than max {scale['max']:g}")]
    findings: list[Finding] = []
    previous: Optional[tuple[float, float]] = None
    for index, step in _items(scale.get("steps")):
        if not isinstance(step, dict):
            continue
        here = path + ("steps", index)
        given = [key for key in ("from", "above") if key in step]
        if len(given) != 1:
            findings.append(Finding(here, "a step gives its threshold as either from (inclusive) or above "
                                          "(exclusive), exactly one of them"))
            continue
        threshold, pay = step[given[0]], step.get("pay")
        if not (_is_number(threshold) and _is_number(pay)):
            continue
        if previous is not None and threshold <= previous[0]:
            findings.append(Finding(here + (given[0],), f"threshold {threshold:g} does not rise above the step "
                                                        f"before, {previous[0]:g}: list steps in rising order"))
        elif previous is not None and pay < previous[1]:
            findings.append(Finding(here + ("pay",), f"pay {pay:g}% is less than the step before, "
                                                     f"{previous[1]:g}%: a higher step never pays less"))
        previous = (threshold, pay)
    return findings


def outcome_findings(outcome: Any, path: tuple[Any, ...]) -> list[Finding]:
    """Each outcome says something: a result, a sum or a note."""
    entries = _items(outcome) if isinstance(outcome, list) else [(None, outcome)]
    return [Finding(path if index is None else path + (index,),
                    "an outcome gives a result (achieved, partly-achieved, not-achieved), a sum earned, available "
                    "or withheld, or a note")
            for index, entry in entries
            if isinstance(entry, dict) and not {"result", "earned", "available", "withheld", "note"} & set(entry)]


def topic_findings(value: Any, path: tuple[Any, ...], topics: Optional[frozenset[str]]) -> list[Finding]:
    """Each topic slug in a list must be in _topics.yaml (unchecked when that file is unusable)."""
    if not isinstance(value, list) or topics is None:
        return []
    return [Finding(path + (index,), f"unknown topic '{slug}'{suggest(slug, topics)}: add it to _topics.yaml "
                                     "or use a known one")
            for index, slug in enumerate(value) if isinstance(slug, str) and slug not in topics]


def attachment_type(name: str) -> Optional[AttachmentType]:
    """The type of an attachment from its file name's extension (lower case only), if the format allows it."""
    extension = _extension(name)
    return next((t for t in ATTACHMENT_TYPES if t.extension == extension), None)


def _extension(name: str) -> str:
    """The extension of a path's last name, as written ('' when it has none)."""
    base = name.rsplit("/", 1)[-1]
    return base.rpartition(".")[2] if "." in base else ""


def attachment_name_problem(name: str, folder: str) -> Optional[str]:
    """Why an attachment's `file` cannot name a file in the scheme's folder (`folder`, as the contributor names it),
    or None: a plain relative path, of a sane length, with an allowed extension."""
    shown = shown_name(name)
    if not re.match(ATTACHMENT_PATTERN, name) or ".." in name.split("/"):
        return (f"'{shown}' must be a plain path inside {folder}/ (letters, digits, '.', '_', '-', no '..')")
    if len(name) > MAX_ATTACHMENT_PATH or any(len(part) > MAX_ATTACHMENT_NAME for part in name.split("/")):
        return (f"'{shown}' is too long ({len(name)} characters): keep each file or folder name to "
                f"{MAX_ATTACHMENT_NAME} characters and the whole path to {MAX_ATTACHMENT_PATH}")
    if attachment_type(name) is not None:
        return None
    extension = _extension(name)
    allowed = ", ".join(sorted({t.extension for t in ATTACHMENT_TYPES}))
    if not extension:
        return f"'{shown}' has no extension saying what kind of file it is: attach one of {allowed}"
    lower = extension.lower()
    if lower != extension and attachment_type(f"x.{lower}") is not None:
        return f"'{shown}': write the extension in lower case ('.{lower}'), renaming the file to match"
    if lower in _SCRIPTABLE:
        return (f"'{shown}': a .{lower} file can run script in a browser, so a scheme may not attach one: attach "
                f"a PDF or one of {allowed} instead")
    hint = f" (save it as .{_SAVE_AS[lower]})" if lower in _SAVE_AS else ""
    return f"'{shown}': a scheme may not attach a .{lower} file{hint}: attach one of {allowed}"


def shown_name(name: str, limit: int = 60) -> str:
    """A contributed name as a message quotes it: control characters escaped, and cut short when long."""
    printable = name if name.isprintable() else name.encode("unicode_escape").decode("ascii")
    return printable if len(printable) <= limit else printable[:limit] + "..."


def _items(value: Any) -> list[tuple[int, Any]]:
    """(index, item) pairs of a list, or nothing for anything else."""
    return list(enumerate(value)) if isinstance(value, list) else []


def _indicators(goal: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    """(index, indicator) pairs of a goal's well-formed indicators."""
    return [(i, ind) for i, ind in _items(goal.get("indicators")) if isinstance(ind, dict)]


def _goal_findings(goals: list[tuple[int, dict[str, Any]]], topics: Optional[frozenset[str]],
                   year: Optional[YearLike]) -> Iterator[Finding]:
    """Known topics and national goals, sane payment scales and milestone payments."""
    for g, goal in goals:
        yield from topic_findings(goal.get("topics"), ("goals", g, "topics"), topics)
        national = goal.get("national")
        if isinstance(national, (str, int)) and year is not None and year.national_goal(str(national)) is None:
            known = [n.id for n in year.national_goals]
            listing = f" (it defines: {', '.join(known)})" if known else " (it defines none)"
            yield Finding(("goals", g, "national"), f"'{national}' is not a national goal of {year.slug}"
                                                    f"{suggest(national, known) or listing}")
        yield from outcome_findings(goal.get("outcome"), ("goals", g, "outcome"))
        yield from _duration_findings(goal, g, year)
        for i, ind in _indicators(goal):
            yield from _indicator_findings(ind, ("goals", g, "indicators", i))


def _duration_findings(goal: dict[str, Any], g: int, year: Optional[YearLike]) -> Iterator[Finding]:
    """A goal's duration that differs from its national goal's: one of the two is mistaken."""
    own, national = goal.get("duration"), goal.get("national")
    if not _is_number(own) or not isinstance(national, (str, int)) or year is None:
        return
    adopted = year.national_goal(str(national))
    theirs = getattr(adopted, "duration", None) or 1
    if adopted is not None and own != theirs:
        yield Finding(("goals", g, "duration"), f"duration {own:g} differs from national goal '{national}', which "
                                                f"runs for {theirs} year{'s' if theirs != 1 else ''}: leave it out to "
                                                "take the national goal's", severity=Severity.WARNING)


def _indicator_findings(ind: dict[str, Any], path: tuple[Any, ...]) -> Iterator[Finding]:
    """A payment scale out of order, an outcome that says nothing, milestone payments over 100%."""
    yield from scale_findings(ind.get("payment_scale"), path + ("payment_scale",))
    yield from outcome_findings(ind.get("outcome"), path + ("outcome",))
    payments = [m.get("payment") for _, m in _items(ind.get("milestones")) if isinstance(m, dict)]
    total = sum(p for p in payments if _is_number(p))
    if total > 100 + 1e-9:
        yield Finding(path + ("milestones",), f"milestone payments add up to {total:g}%, more than 100%",
                      severity=Severity.WARNING)


def _duplicate_numbers(goals: list[tuple[int, dict[str, Any]]]) -> Iterator[Finding]:
    """Goal numbers, and indicator numbers across the whole scheme, must be unique."""
    goal_seen: dict[str, tuple[Any, ...]] = {}
    ind_seen: dict[str, tuple[Any, ...]] = {}
    for g, goal in goals:
        yield from _unique(goal.get("number"), ("goals", g, "number"), goal_seen, "goal")
        for i, ind in _indicators(goal):
            yield from _unique(ind.get("number"), ("goals", g, "indicators", i, "number"), ind_seen, "indicator")


def _unique(number: Any, path: tuple[Any, ...], seen: dict[str, tuple[Any, ...]], what: str) -> Iterator[Finding]:
    """Note a number, reporting it when it was seen before."""
    if not isinstance(number, (str, int)) or isinstance(number, bool):
        return
    key = str(number)
    if key in seen:
        yield Finding(path, f"{what} number '{key}' is used twice (first at {format_field(seen[key])})")
    else:
        seen[key] = path


def _weight_findings(goals: list[tuple[int, dict[str, Any]]]) -> Iterator[Finding]:
    """Warnings: weights that do not add up to 100, goals that disagree with their indicators."""
    goal_weights: list[float] = []
    ind_weights: list[float] = []
    every_goal_weighs_indicators = True
    for g, goal in goals:
        own = goal.get("weight")
        inds = [ind.get("weight") for _, ind in _indicators(goal)]
        weighted = [w for w in inds if _is_number(w)]
        ind_weights += weighted
        every_goal_weighs_indicators &= bool(inds) and len(weighted) == len(inds)
        if _is_number(own):
            goal_weights.append(own)
            if inds and len(weighted) == len(inds) and abs(sum(weighted) - own) > WEIGHT_TOLERANCE:
                yield Finding(("goals", g, "weight"), f"goal weight {own:g} differs from the sum of its "
                                                      f"indicators' weights, {sum(weighted):g}",
                              severity=Severity.WARNING)
        elif inds and len(weighted) == len(inds):
            goal_weights.append(sum(weighted))
    # Indicator weights can only add up to 100 when every goal shares its weight out among indicators.
    totals = [(goal_weights, "goal")] + ([(ind_weights, "indicator")] if every_goal_weighs_indicators else [])
    for total, what in totals:
        if total and abs(sum(total) - 100) > WEIGHT_TOLERANCE:
            yield Finding(("goals",), f"{what} weights add up to {sum(total):g}, not 100",
                          severity=Severity.WARNING)


def _is_number(value: Any) -> bool:
    """An int or float, not a bool."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)

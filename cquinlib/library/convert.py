"""Turn a scheme's validated YAML data into the frozen model."""

from __future__ import annotations

from typing import Any, Optional

from .attachments import attachment_path
from .load import SchemeSource
from .model import Attachment, Commissioner, Goal, Indicator, Measure, Milestone, Outcome, Scheme, Year
from .scales import to_payment_scale


def to_scheme(source: SchemeSource, data: dict[str, Any], year: Year) -> Scheme:
    """Build a Scheme from data that has passed validation."""
    provider = data["provider"]
    framework = data.get("framework", "cquin")
    kind = "CQUIN scheme" if framework == "cquin" else "quality incentive scheme"
    title = _text(data.get("title")) or f"{_text(provider['name'])} {kind} {year.label}"
    return Scheme(
        year=source.year, region=source.region, slug=source.slug, src_path=source.file.src_path,
        title=title, provider_name=_text(provider["name"]), provider_type=provider["type"],
        provider_code=_text(provider.get("code")),
        commissioners=tuple(_commissioner(c) for c in data["commissioners"]),
        framework=framework, illustrative=bool(data.get("illustrative", False)),
        status=data.get("status", "published"), submitted=data.get("submitted"), updated=data.get("updated"),
        added=data.get("added"),
        source=_text(data.get("source")), contract_value=_pounds(data.get("contract_value")),
        cquin_value=_number(data.get("cquin_value")), contract_value_not_recorded=isinstance(data.get("contract_value"), str),
        outcomes=outcomes(data.get("outcome")),
        cquin_percent=_number(data.get("cquin_percent")), year_percent=year.cquin_percent,
        summary=_text(data.get("summary")),
        goals=tuple(_goal(g) for g in data["goals"]),
        attachments=tuple(_attachment(source, a) for a in data.get("attachments") or ()),
    )


def _commissioner(value: Any) -> Commissioner:
    """A commissioner written as a name or as {name, code}."""
    if isinstance(value, dict):
        return Commissioner(_text(value["name"]), _text(value.get("code")))
    return Commissioner(_text(value))


def _goal(data: dict[str, Any]) -> Goal:
    """A goal and its indicators."""
    return Goal(
        number=_text(data["number"]), name=_text(data["name"]), description=_text(data.get("description")),
        domain=data.get("domain") or "", national=_text(data.get("national")),
        weight=_number(data.get("weight")), topics=tuple(data.get("topics") or ()),
        indicators=tuple(_indicator(i) for i in data.get("indicators") or ()),
        outcomes=outcomes(data.get("outcome")),
        duration=int(data["duration"]) if data.get("duration") is not None else None,
    )


def _indicator(data: dict[str, Any]) -> Indicator:
    """An indicator with every template field."""
    texts = ("description", "numerator", "denominator", "rationale", "data_source", "collection_frequency",
             "collected_by", "reporting_frequency", "partial_achievement")
    return Indicator(
        number=_text(data["number"]), name=_text(data["name"]), weight=_number(data.get("weight")),
        baseline=_measure(data.get("baseline")), target=_measure(data.get("target")),
        reporting_date=data.get("reporting_date"),
        milestones=tuple(Milestone(_text(m.get("period")), _text(m.get("value")), _number(m.get("payment")))
                         for m in data.get("milestones") or ()),
        payment_scale=to_payment_scale(data.get("payment_scale")), outcomes=outcomes(data.get("outcome")),
        **{name: _text(data.get(name)) for name in texts},
    )


def outcomes(value: Any) -> tuple[Outcome, ...]:
    """An outcome written as one mapping or a list of them, as a tuple."""
    entries = value if isinstance(value, list) else [value] if isinstance(value, dict) else []
    return tuple(Outcome(_text(e.get("period")), _text(e.get("result")), _number(e.get("available")),
                         _number(e.get("earned")), _number(e.get("withheld")), _text(e.get("note")))
                 for e in entries)


def _pounds(value: Any) -> Optional[float]:
    """A contract value in pounds, or None when absent or 'Not recorded'."""
    return None if isinstance(value, str) else _number(value)


def _measure(value: Optional[dict[str, Any]]) -> Optional[Measure]:
    """A baseline or target, or None."""
    return Measure(_text(value.get("period")), _text(value.get("value"))) if value else None


def _attachment(source: SchemeSource, data: dict[str, Any]) -> Attachment:
    """An attachment with its size, from the real path its checks passed (links followed, inside its folder)."""
    assert source.folder is not None, "an attachment passes its checks only in a folder the scan accepted"
    src_path = attachment_path(source.folder, data["file"])
    return Attachment(data["file"], _text(data.get("title")) or data["file"], src_path, src_path.stat().st_size)


def _text(value: Any) -> str:
    """Text from a YAML scalar; absent is empty."""
    return "" if value is None else str(value).strip()


def _number(value: Any) -> Optional[float]:
    """A number as float, or None when absent."""
    return None if value is None else float(value)

"""A scheme as search sees it: the names its codes stand for, and the fields of its search document."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Protocol

from ..core.digest import digest_bytes
from ..library.cards import SchemeCard
from ..library.model import DOMAIN_NAMES, TYPE_NAMES, Goal, Indicator, Region, Scheme, Topic, Year
from .analysis import SearchAnalyzer
from .terms import DocTerms, analyse_document


class GoalLike(Protocol):
    """A goal or a goal card: what a goal's heading is made of."""

    @property
    def name(self) -> str:
        """The goal's name."""

    @property
    def national(self) -> str:
        """The id of the national goal it adopts, or ''."""

    @property
    def topics(self) -> tuple[str, ...]:
        """Its topic slugs."""


@dataclass(frozen=True)
class Labels:
    """Names of years, regions and topics, and each year's national goals."""

    years: Mapping[str, Year]
    regions: Mapping[str, str]
    topics: Mapping[str, str]
    aliases: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # topic slug to its other names
    synonyms: tuple[tuple[str, ...], ...] = ()  # the groups of _synonyms.yaml

    @classmethod
    def of(cls, regions: Iterable[Region], topics: Iterable[Topic], years: Iterable[Year],
           synonyms: Iterable[tuple[str, ...]] = ()) -> "Labels":
        """Labels from the library's shared files."""
        topics = tuple(topics)
        return cls({y.slug: y for y in years}, {r.slug: r.name for r in regions}, {t.slug: t.name for t in topics},
                   {t.slug: t.aliases for t in topics if t.aliases}, tuple(synonyms))

    def synonym_groups(self) -> list[tuple[str, ...]]:
        """Every group of equivalent terms: each topic's name with its aliases, then the library's synonyms."""
        return [(self.topics[slug], *names) for slug, names in sorted(self.aliases.items()) if slug in self.topics] \
            + list(self.synonyms)

    def used_by(self, card: SchemeCard | Scheme) -> str:
        """The names a scheme's search document takes from the shared files: its year's label, its region's
        name and the names of the national goals it adopts. Its document changes when one of these does, and
        stays as it is when any other is renamed. Topic names are not among them: they are matched when a
        query runs (search.labels)."""
        year = self.years.get(card.year)
        national = sorted({g.national for g in card.goals if g.national})
        return repr((self.year_label(card.year), self.regions.get(card.region, card.region),
                     [(n, goal.name if year and (goal := year.national_goal(n)) else "") for n in national]))

    def listing_key(self) -> str:
        """A digest of the names a result card shows: year labels and region names (not topics)."""
        return digest_bytes(repr(sorted((slug, self.year_label(slug)) for slug in self.years)),
                            repr(sorted(self.regions.items())))

    def year_label(self, year: str) -> str:
        """'2010/11' for '2010-11'."""
        return self.years[year].label if year in self.years else year


def indexed_heading(labels: Labels, year: str, goal: GoalLike) -> str:
    """What a goal's heading gives its document's goals field: its name and the national goal it adopts."""
    national = labels.years[year].national_goal(goal.national) if year in labels.years and goal.national else None
    return "\n".join([goal.name, national.name if national else ""])


def goal_heading(labels: Labels, year: str, goal: GoalLike) -> str:
    """A goal's name, the national goal it adopts and its topics: the words that say what it is about."""
    return "\n".join([indexed_heading(labels, year, goal)] + [labels.topics.get(t, t) for t in goal.topics])


def similar_heading(goal: GoalLike) -> str:
    """What related schemes are judged on for a goal: its name, the id of the national goal it adopts and its
    topics' slugs (no name from the shared files)."""
    return "\n".join([goal.name, goal.national, *goal.topics])


def similar_text(scheme: SchemeCard | Scheme) -> str:
    """A scheme's similar field: every goal's similar_heading."""
    return "\n".join(similar_heading(g) for g in scheme.goals)


def goal_detail(goal: Goal) -> str:
    """A goal's description, quality domain and its indicators' text."""
    parts = [goal.description, DOMAIN_NAMES.get(goal.domain, "")] + [_indicator_text(i) for i in goal.indicators]
    return "\n".join(parts)


def _indicator_text(indicator: Indicator) -> str:
    """The words of an indicator: its name and every text field of the template."""
    return "\n".join([indicator.name, indicator.description, indicator.numerator, indicator.denominator,
                      indicator.rationale, indicator.data_source, indicator.collection_frequency,
                      indicator.collected_by, indicator.reporting_frequency, indicator.partial_achievement])


def scheme_document(scheme: Scheme, labels: Labels) -> dict[str, str]:
    """The fields indexed for a scheme (never its contact: that is private)."""
    body = [scheme.summary, TYPE_NAMES.get(scheme.provider_type, ""), labels.year_label(scheme.year),
            labels.regions.get(scheme.region, scheme.region)]
    return {
        "id": scheme.id, "title": scheme.title, "provider": f"{scheme.provider_name} {scheme.provider_code}".strip(),
        "commissioners": "\n".join(f"{c.name} {c.code}".strip() for c in scheme.commissioners),
        "goals": "\n".join(indexed_heading(labels, scheme.year, g) for g in scheme.goals),
        "body": "\n".join(body + [goal_detail(g) for g in scheme.goals]),
        "similar": similar_text(scheme),
        "year": scheme.year, "region": scheme.region, "type": scheme.provider_type,
        "topic": " ".join(sorted({t for g in scheme.goals for t in g.topics})),
        "domain": " ".join(sorted({g.domain for g in scheme.goals if g.domain})),
        "national": " ".join(sorted({"national" if g.national else "local" for g in scheme.goals})),
    }


def scheme_terms(scheme: Scheme, labels: Labels, key: str, analyzer: SearchAnalyzer) -> DocTerms:
    """A scheme's analysed document; key is a digest of everything it is made from."""
    return analyse_document(scheme_document(scheme, labels), index_digest(key), analyzer)


def document_key(card: SchemeCard | Scheme, labels: Labels, key: str) -> str:
    """What a scheme's search document is made from: its validation key (its file, its place, what its year is
    checked against) and the names it takes from the shared files."""
    return digest_bytes(key, labels.used_by(card))


def index_digest(key: str) -> str:
    """The digest the index keeps for a document made from `key` (a document_key)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()



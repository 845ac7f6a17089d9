"""A scheme's search document, analysed once: what whoosh indexes and what the static export is made from.

Analysis is most of what indexing costs, so it runs where a scheme is validated (on every core, during a
cold build), and the export (and a whoosh index, when one is made) takes its result rather than analysing again.
"""

from __future__ import annotations

import marshal
from dataclasses import dataclass
from typing import Any, Iterator, Mapping

from whoosh.fields import TEXT
from whoosh.system import pack_uint
from whoosh.util.numeric import byte_to_length, length_to_byte

from .analysis import SearchAnalyzer

TEXT_FIELDS = ("title", "provider", "commissioners", "goals", "body")  # searched, and exported to the site
# What related schemes are judged on: goal names, national goal ids and topic slugs, none of the shared files'
# names, so renaming a topic moves no related list. Indexed (whoosh's more-like-this runs on it), never searched.
SIMILAR_FIELD = "similar"
INDEXED_FIELDS = TEXT_FIELDS + (SIMILAR_FIELD,)
FIELD_BOOSTS = {"title": 3.0, "provider": 2.0, "commissioners": 1.0, "goals": 1.5, "body": 1.0, SIMILAR_FIELD: 1.0}
FACET_FIELDS = ("year", "region", "type", "topic", "domain", "national")
LABEL_FIELD = "labels"  # see search.labels
# A topic slug weighs as a word of a goal's heading did when topic names were part of the goals field.
LABEL_BOOST = FIELD_BOOSTS["goals"]

# (stem, frequency) for one term of one field: no query reads word positions (a phrase is matched by place,
# see search.engine), so none are kept
Posting = tuple[str, int]


class Analysed(tuple):  # type: ignore[type-arg]
    """A field's postings, analysed already: AnalysedText indexes them as they are."""

    __slots__ = ()


class AnalysedText(TEXT):  # type: ignore[misc]
    """whoosh's TEXT field, which indexes an Analysed value without running the analyser again.

    Made with phrase=False (whoosh's Frequency format), it yields what TEXT.index yields for the same text: each
    stem once, its frequency, its weight (frequency times the field boost, as that format weighs it) and the
    frequency encoded as the format encodes it.
    """

    def index(self, value: Any, **kwargs: Any) -> Iterator[tuple[bytes, int, float, bytes]]:
        """Postings of a field value; text is counted by the SearchAnalyzer (as the key terms of related schemes
        are found), and anything else goes through TEXT.index."""
        if isinstance(value, str) and not kwargs and isinstance(self.analyzer, SearchAnalyzer):
            value = Analysed(sorted(self.analyzer.stem_frequencies(value).items()))
        if not isinstance(value, Analysed):
            yield from super().index(value, **kwargs)
            return
        boost = self.format.field_boost
        for stem, freq in value:
            yield stem.encode("utf-8"), freq, float(freq) * boost, pack_uint(freq)


@dataclass(frozen=True)
class DocTerms:
    """One scheme's document: analysed text fields, facet values, and the surface words with their stems.

    The fields and words travel packed (marshal): a library's analysed documents are the largest thing a
    build holds, and as bytes they take a fifth of the memory and cross between processes in one copy.
    """

    id: str
    digest: str
    packed: bytes
    facets: tuple[str, ...]

    @classmethod
    def pack(cls, sid: str, digest: str, fields: tuple[tuple[Posting, ...], ...], facets: tuple[str, ...],
             words: tuple[tuple[str, str], ...]) -> "DocTerms":
        """A document from its parts."""
        return cls(sid, digest, marshal.dumps((fields, words)), facets)

    @property
    def fields(self) -> tuple[tuple[Posting, ...], ...]:
        """Per indexed field, each stem's (stem, frequency), by stem."""
        fields: tuple[tuple[Posting, ...], ...] = marshal.loads(self.packed)[0]
        return fields

    @property
    def words(self) -> tuple[tuple[str, str], ...]:
        """Each surface word of the document with its stem, by word."""
        words: tuple[tuple[str, str], ...] = marshal.loads(self.packed)[1]
        return words

    def whoosh_fields(self) -> dict[str, Any]:
        """Keyword arguments for whoosh's add_document."""
        fields: dict[str, Any] = {"id": self.id, "digest": self.digest}
        fields.update(zip(INDEXED_FIELDS, (Analysed(p) for p in self.fields)))
        fields.update(zip(FACET_FIELDS, self.facets))
        fields[LABEL_FIELD] = fields["topic"]  # topic slugs, scored when a query word is in a topic's name
        return fields


def analyse_document(document: Mapping[str, str], digest: str, analyzer: SearchAnalyzer) -> DocTerms:
    """Analyse a document's indexed fields as whoosh's Frequency format would, keeping its facet values; the
    surface words (what the site completes and corrects) come from the searched fields alone."""
    vocabulary: dict[str, str] = {}
    fields = tuple(tuple(sorted(analyzer.stem_frequencies(document[name], vocabulary if name in TEXT_FIELDS
                                                          else None).items()))
                   for name in INDEXED_FIELDS)
    return DocTerms.pack(document["id"], digest, fields, tuple(document[name] for name in FACET_FIELDS),
                         tuple(sorted(vocabulary.items())))


def quantised_length(length: int, default: int = 0) -> int:
    """A field length as whoosh keeps it: one byte, read back through its table (0 reads as default)."""
    stored = length_to_byte(length)
    return int(byte_to_length(stored)) if stored else default

"""The scheme format published as JSON Schema, generated from the same declaration that validates."""

from __future__ import annotations

import copy
from typing import Any, Mapping as Named, NamedTuple

from .spec import (PROVIDER_TYPES, REGIONS_FILE, SCHEME, SLUG_PATTERN, SYNONYMS_FILE, TOPICS_FILE, YEAR_FILE,
                   YEAR_PATTERN, ListOf, Mapping, MapOf, Scalar, Shape)

SCHEMA_ID = "scheme-format.schema.json"
LIBRARY_SCHEMA_ID = "library.schema.json"


class Vocabulary(NamedTuple):
    """One library's own names, by slug: what its schema turns into lists to choose from."""

    topics: Named[str, str]  # topic slug to name
    regions: Named[str, str]  # region slug to name
    national_goals: Named[str, str]  # national goal id to "name (years)"
    years: Named[str, str]  # year slug to label


def scheme_json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) for one scheme file of format v1."""
    schema = shape_schema(SCHEME)
    schema.update({"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID,
                   "title": "CQUIN scheme file, format v1"})
    # The shared files, for editors to point at ("$ref": "scheme-format.schema.json#/$defs/topics-file").
    schema["$defs"] = {"regions-file": shape_schema(REGIONS_FILE), "topics-file": shape_schema(TOPICS_FILE),
                       "year-file": shape_schema(YEAR_FILE), "synonyms-file": shape_schema(SYNONYMS_FILE)}
    return schema


def library_json_schema(vocabulary: Vocabulary) -> dict[str, Any]:
    """The scheme format with this library's topics, national goal ids and provider types as lists to choose from
    (an editor's YAML language server completes and checks them), and its regions and years under $defs for tools
    that name a scheme's path. A scheme's year and region come from its folders, never from its text."""
    schema = copy.deepcopy(scheme_json_schema())
    defs = {"topic": _choice(vocabulary.topics, "A topic slug from this library's _topics.yaml."),
            "national_goal": _choice(vocabulary.national_goals, "A national goal id from one of this library's "
                                                                "_year.yaml files (check says whether the "
                                                                "scheme's own year defines it)."),
            "provider_type": _choice({t: t for t in PROVIDER_TYPES}, "A provider type."),
            "region": _choice(vocabulary.regions, "A region slug from this library's _regions.yaml: the folder a "
                                                  "scheme sits in."),
            "year": _choice(vocabulary.years, "A year this library has opened (it has a _year.yaml): the folder a "
                                              "scheme sits in.")}
    goal = schema["properties"]["goals"]["items"]["properties"]
    goal["topics"]["items"] = {"$ref": "#/$defs/topic"}
    goal["national"] = {"$ref": "#/$defs/national_goal", "description": goal["national"]["description"]}
    provider = schema["properties"]["provider"]["properties"]
    provider["type"] = {"$ref": "#/$defs/provider_type", "description": provider["type"]["description"]}
    schema.update({"$id": LIBRARY_SCHEMA_ID, "$defs": defs, "title": "CQUIN scheme file of this library, format v1"})
    return schema


def _choice(names: Named[str, str], description: str) -> dict[str, Any]:
    """A list to choose from, each choice described by its name (VS Code's YAML extension shows these)."""
    slugs = sorted(names)
    # JSON Schema has no empty enum that accepts nothing meaningfully: an empty vocabulary accepts no value.
    return {"enum": slugs, "description": description, "enumDescriptions": [names[s] for s in slugs]} if slugs \
        else {"not": {}, "description": description + " This library defines none."}


def shape_schema(shape: Shape) -> dict[str, Any]:
    """The JSON Schema for one shape."""
    if isinstance(shape, Scalar):
        return _scalar_schema(shape)
    if isinstance(shape, Mapping):
        out: dict[str, Any] = {"type": "object", "additionalProperties": False,
                               "properties": {f.name: _with_description(shape_schema(f.shape), f.description)
                                              for f in shape.fields}}
        required = [f.name for f in shape.fields if f.required]
        if required:
            out["required"] = required
        return _with_description(out, shape.description)
    if isinstance(shape, ListOf):
        out = {"type": "array", "items": shape_schema(shape.item)}
        if shape.min_items:
            out["minItems"] = shape.min_items
        return out
    if isinstance(shape, MapOf):
        return {"type": "object", "propertyNames": {"pattern": SLUG_PATTERN},
                "additionalProperties": shape_schema(shape.value)}
    return {"anyOf": [shape_schema(option) for option in shape.options]}


def _scalar_schema(shape: Scalar) -> dict[str, Any]:
    """JSON Schema for a leaf value."""
    kinds: dict[str, dict[str, Any]] = {
        "text": {"type": ["string", "number"]}, "markdown": {"type": ["string", "number"]},
        "id": {"type": ["string", "integer"]}, "number": {"type": "number"}, "integer": {"type": "integer"},
        "boolean": {"type": "boolean"}, "date": {"type": "string", "format": "date"},
        "enum": {"enum": list(shape.choices)}, "slug": {"type": "string", "pattern": SLUG_PATTERN},
        "year": {"type": "string", "pattern": YEAR_PATTERN},
    }
    out = dict(kinds[shape.kind])
    if shape.minimum is not None:
        out["minimum"] = shape.minimum
    if shape.maximum is not None:
        out["maximum"] = shape.maximum
    return _with_description(out, shape.description)


def _with_description(schema: dict[str, Any], description: str) -> dict[str, Any]:
    """Add a description when there is one."""
    if description:
        schema["description"] = description
    return schema

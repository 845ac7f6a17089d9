"""The scheme format published as JSON Schema, generated from the same declaration that validates."""

from __future__ import annotations

from typing import Any

from .spec import (REGIONS_FILE, SCHEME, SLUG_PATTERN, SYNONYMS_FILE, TOPICS_FILE, YEAR_FILE, YEAR_PATTERN, ListOf,
                   Mapping, MapOf, Scalar, Shape)

SCHEMA_ID = "scheme-format.schema.json"


def scheme_json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) for one scheme file of format v1."""
    schema = shape_schema(SCHEME)
    schema.update({"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID,
                   "title": "CQUIN scheme file, format v1"})
    # The shared files, for editors to point at ("$ref": "scheme-format.schema.json#/$defs/topics-file").
    schema["$defs"] = {"regions-file": shape_schema(REGIONS_FILE), "topics-file": shape_schema(TOPICS_FILE),
                       "year-file": shape_schema(YEAR_FILE), "synonyms-file": shape_schema(SYNONYMS_FILE)}
    return schema


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

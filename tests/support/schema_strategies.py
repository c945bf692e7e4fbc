"""Hypothesis strategies built from a JSON Schema (the project's schemas, the ingest OpenAPI document).

hypothesis-jsonschema would do this, but its last release (0.23.1) fails on the locked hypothesis
('many' object has no attribute 'more'). This covers the keywords our schemas use and refuses any other, so a
schema that grows a new rule cannot go silently untested.
"""

from __future__ import annotations

import re
from datetime import UTC, timedelta, timezone
from typing import Any

from hypothesis import strategies as st

# Keywords that say nothing about the values.
_ANNOTATIONS = {"$schema", "$id", "title", "description", "examples", "example"}
_HANDLED = {
    "type",
    "const",
    "enum",
    "properties",
    "required",
    "additionalProperties",
    "minLength",
    "maxLength",
    "pattern",
    "format",
    "items",
    "minItems",
    "maxItems",
    "$ref",
    "minimum",
    "maximum",
    "oneOf",
    "anyOf",
}
_ZONES = st.sampled_from([UTC, timezone(timedelta(hours=3)), timezone(-timedelta(hours=5, minutes=30))])


def from_schema(schema: dict, root: dict | None = None) -> st.SearchStrategy[Any]:
    """Values the schema accepts; `root` resolves local references (#/components/..., #/$defs/...)."""
    root = root or schema
    unknown = set(schema) - _HANDLED - _ANNOTATIONS
    if unknown:
        raise NotImplementedError(f"schema keywords with no strategy: {sorted(unknown)}")
    if "$ref" in schema:
        target: Any = root
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        return from_schema(target, root)
    if "const" in schema:
        return st.just(schema["const"])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    for combined in ("oneOf", "anyOf"):
        if combined in schema:
            return st.one_of([from_schema(option, root) for option in schema[combined]])
    kinds = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
    return st.one_of([_of_type(kind, schema, root) for kind in kinds])


def _of_type(kind: str, schema: dict, root: dict) -> st.SearchStrategy[Any]:
    if kind == "null":
        return st.none()
    if kind == "boolean":
        return st.booleans()
    if kind == "integer":
        return st.integers(schema.get("minimum"), schema.get("maximum"))
    if kind == "string":
        return _string(schema)
    if kind == "array":
        return st.lists(
            from_schema(schema["items"], root), min_size=schema.get("minItems", 0), max_size=schema.get("maxItems", 5)
        )
    if kind == "object":
        return _object(schema, root)
    raise NotImplementedError(f"no strategy for type {kind!r}")


def _string(schema: dict) -> st.SearchStrategy[str]:
    low, high = schema.get("minLength", 0), schema.get("maxLength")
    if schema.get("format") == "date-time":
        return st.datetimes(timezones=_ZONES).map(lambda moment: moment.isoformat())
    if "format" in schema:
        raise NotImplementedError(f"no strategy for format {schema['format']!r}")
    if "pattern" in schema:
        # ECMA-262, as JSON Schema means it: `$` is the end of the text (Python's also matches before a final \n).
        pattern = re.sub(r"(?<!\\)\$", r"\\Z", schema["pattern"])
        # JSON Schema patterns are searched for, not matched whole: text around the match is allowed.
        strings = st.from_regex(pattern) | st.tuples(
            st.text(max_size=20), st.from_regex(pattern, fullmatch=True), st.text(max_size=20)
        ).map("".join)
        return strings.filter(lambda text: low <= len(text) <= (high or len(text)) and re.search(pattern, text))
    return st.text(min_size=low, max_size=high if high is not None else max(low, 200))


def _object(schema: dict, root: dict) -> st.SearchStrategy[dict]:
    properties = schema.get("properties", {})
    required = set(schema.get("required", ()))
    # An object open to other properties gets only its listed ones: what the others may hold is not said.
    return st.fixed_dictionaries(
        {name: from_schema(properties[name], root) for name in properties if name in required},
        optional={name: from_schema(properties[name], root) for name in properties if name not in required},
    )

"""Message contracts: loads the JSON Schemas in `schemas/`, the single source of truth for every topic."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from typing import Any

import fastjsonschema
import orjson
from jsonschema import Draft202012Validator, FormatChecker

from khabar.config import project_path

SCHEMA_DIR = project_path("schemas")
RAW, ENRICHED, DEADLETTER = "raw-article", "enriched-article", "deadletter"
STORY, TRENDING = "article-story", "entities-trending"
# The version each topic's records are written in (schemas/<name>.v<version>.json; their schema_version).
VERSIONS = {RAW: 1, ENRICHED: 3, DEADLETTER: 1, STORY: 1, TRENDING: 1}
# Older versions a worker can still be told to write (KHABAR_ENRICHED_SCHEMA_VERSION) for consumers not yet moved.
SUPPORTED = {RAW: (1,), ENRICHED: (2, 3), DEADLETTER: (1,), STORY: (1,), TRENDING: (1,)}


class SchemaError(ValueError):
    """A record does not match its schema; the message names the field and the rule."""


@cache
def load(name: str, version: int | None = None) -> dict:
    version = version or VERSIONS[name]
    if version not in SUPPORTED[name]:
        raise ValueError(f"{name} has no schema version {version}; supported: {SUPPORTED[name]}")
    schema = json.loads((SCHEMA_DIR / f"{name}.v{version}.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return schema


# Why a message was dead-lettered: every reason its schema lists.
DEADLETTER_REASONS: list[str] = load(DEADLETTER)["properties"]["error"]["properties"]["reason"]["enum"]


@cache
def validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(load(name), format_checker=FormatChecker())


@cache
def _compiled(name: str, version: int | None = None, trusted: tuple[str, ...] = ()) -> Callable[[Any], Any]:
    # The worker validates every record it reads and writes: compiled to Python code, this is about 15 times
    # faster than jsonschema's interpreter, which took most of an article's processing time.
    schema = _inline_refs(load(name, version))
    return fastjsonschema.compile(_without_items(schema, trusted) if trusted else schema)


def _inline_refs(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema with each local "$ref" to "#/$defs/NAME" replaced by that definition. fastjsonschema compiles
    a $ref to a function call whose error-path argument it formats with locals() on every call, even when
    nothing fails: for the ~200 mention ids and spans of a version 3 record that was 1.8 ms of 4.3 ms the
    version cost per article (cProfile, 300 SaudiNewsNet articles). Inlined, paths are built only on errors."""
    definitions = schema.get("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, list):
            return [inline(child) for child in node]
        if not isinstance(node, dict):
            return node
        reference = node.get("$ref", "")
        if reference.startswith("#/$defs/"):
            siblings = {key: value for key, value in node.items() if key != "$ref"}
            return inline({**definitions[reference.removeprefix("#/$defs/")], **siblings})
        return {key: inline(value) for key, value in node.items() if key != "$defs"}

    return inline(schema)


def _without_items(schema: dict[str, Any], trusted: tuple[str, ...]) -> dict[str, Any]:
    """The schema without the item rules of the arrays under each trusted property (a dotted path): those arrays
    are still checked to be arrays, their objects to have their required keys, but not entry by entry."""
    schema = copy.deepcopy(schema)
    for path in trusted:
        node = schema
        for name in path.split("."):
            node = node["properties"][name]
        for child in [node, *node.get("properties", {}).values()]:
            child.pop("items", None)
    return schema


def errors(name: str, record: Any) -> list[str]:
    """Every violation of the schema, as readable lines ('at $.body: ... does not match ...')."""
    return [f"at {err.json_path}: {err.message[:300]}" for err in validator(name).iter_errors(record)]


def validate(name: str, record: Any, version: int | None = None, trusted: tuple[str, ...] = ()) -> None:
    """Raise SchemaError naming the first violation (against the current version unless told another); the
    entries of arrays under `trusted` properties (dotted paths) are not checked one by one."""
    try:
        _compiled(name, version, trusted)(record)
    except fastjsonschema.JsonSchemaException as error:
        raise SchemaError(f"{name} v{version or VERSIONS[name]}: {str(error)[:300]}") from error


@cache
def _compiled_property(name: str, field: str) -> Callable[[Any], Any]:
    return fastjsonschema.compile(_inline_refs(load(name))["properties"][field])


def validate_property(name: str, field: str, value: Any) -> None:
    """Raise SchemaError unless `value` is valid as the top-level property `field` of the current version."""
    try:
        _compiled_property(name, field)(value)
    except fastjsonschema.JsonSchemaException as error:
        raise SchemaError(f"{name} v{VERSIONS[name]} {field}: {str(error)[:300]}") from error


def timestamp(moment: datetime | None = None) -> str:
    """RFC 3339 UTC with milliseconds, the form of every date-time field in the schemas."""
    moment = moment or datetime.now(UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def encode(record: dict) -> bytes:
    """The wire form of every record: compact UTF-8 JSON. orjson, not the json module: a version 3 record took
    1.72 ms to encode with json.dumps and 0.17 ms with orjson (version 2: 0.87 and 0.16 ms; 300 articles)."""
    return orjson.dumps(record)

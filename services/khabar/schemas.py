"""Message contracts: loads the JSON Schemas in `schemas/`, the single source of truth for every topic."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any, Callable

import fastjsonschema
from jsonschema import Draft202012Validator, FormatChecker

from khabar.config import project_path

SCHEMA_DIR = project_path("schemas")
RAW, ENRICHED, DEADLETTER = "raw-article", "enriched-article", "deadletter"
STORY, TRENDING = "article-story", "entities-trending"
# The version each topic's records are written in (schemas/<name>.v<version>.json; their schema_version).
VERSIONS = {RAW: 1, ENRICHED: 2, DEADLETTER: 1, STORY: 1, TRENDING: 1}


class SchemaError(ValueError):
    """A record does not match its schema; the message names the field and the rule."""


@lru_cache(maxsize=None)
def load(name: str) -> dict:
    schema = json.loads((SCHEMA_DIR / f"{name}.v{VERSIONS[name]}.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return schema


# Why a message was dead-lettered: every reason its schema lists.
DEADLETTER_REASONS: list[str] = load(DEADLETTER)["properties"]["error"]["properties"]["reason"]["enum"]


@lru_cache(maxsize=None)
def validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(load(name), format_checker=FormatChecker())


@lru_cache(maxsize=None)
def _compiled(name: str) -> Callable[[Any], Any]:
    # The worker validates every record it reads and writes: compiled to Python code, this is about 15 times
    # faster than jsonschema's interpreter, which took most of an article's processing time.
    return fastjsonschema.compile(load(name))


def errors(name: str, record: Any) -> list[str]:
    """Every violation of the schema, as readable lines ('at $.body: ... does not match ...')."""
    return [f"at {err.json_path}: {err.message[:300]}" for err in validator(name).iter_errors(record)]


def validate(name: str, record: Any) -> None:
    """Raise SchemaError naming the first violation."""
    try:
        _compiled(name)(record)
    except fastjsonschema.JsonSchemaException as error:
        raise SchemaError(f"{name} v{VERSIONS[name]}: {str(error)[:300]}") from error


def timestamp(moment: datetime | None = None) -> str:
    """RFC 3339 UTC with milliseconds, the form of every date-time field in the schemas."""
    moment = moment or datetime.now(timezone.utc)
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def encode(record: dict) -> bytes:
    """The wire form of every record: compact UTF-8 JSON."""
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

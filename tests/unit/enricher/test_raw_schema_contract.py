"""The raw schema is the contract with every producer: whatever record it accepts, the worker enriches.

Records are generated from `schemas/raw-article.v1.json` itself, so a field the schema makes optional (as
`url`, `author`, `published`) is left out as often as it is given, as any other Kafka client may.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings

from khabar import schemas
from khabar.config import Settings
from khabar.enricher.processing import Origin, Processor
from khabar.text.pipeline import TextPipeline
from support.schema_strategies import from_schema

ORIGIN = Origin("articles.raw", 0, 7, b"key", 1_700_000_000.0)


@pytest.fixture(scope="module")
def processor() -> Processor:
    return Processor(Settings.from_env({}), TextPipeline())


@hypothesis_settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(record=from_schema(schemas.load(schemas.RAW)))
def test_every_record_the_raw_schema_accepts_is_enriched(processor, record):
    schemas.validate(schemas.RAW, record)  # the generator's record is one the worker's own check accepts
    outcome = processor.process(schemas.encode(record), ORIGIN)
    assert outcome.enriched, json.loads(outcome.value)["error"]
    enriched = json.loads(outcome.value)
    assert (enriched["id"], enriched["url"], enriched["published"]) == (
        record["id"],
        record.get("url"),
        record.get("published"),
    )


def test_a_record_without_its_optional_fields_is_enriched(processor):
    record = {
        "schema_version": 1,
        "id": "0123456789abcdef",
        "source": "plain-client",
        "title": "",
        "body": "وصل الرئيس إلى بيروت.",
        "produced_at": "2026-01-01T00:00:00.000Z",
    }
    outcome = processor.process(schemas.encode(record), ORIGIN)
    assert outcome.enriched, json.loads(outcome.value)["error"]
    assert json.loads(outcome.value)["url"] is None


def test_json_nested_too_deep_to_decode_is_not_json(processor):
    outcome = processor.process(b"[" * 100_000 + b"]" * 100_000, ORIGIN)
    error = json.loads(outcome.value)["error"]
    assert (outcome.enriched, error["reason"], error["stage"]) == (False, "not_json", "decode")
    assert "nested too deep" in error["message"]

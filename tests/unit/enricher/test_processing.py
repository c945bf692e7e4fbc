"""The per-message logic without Kafka: each bad input becomes a valid dead-letter record; nothing raises."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from khabar import schemas
from khabar.config import Settings
from khabar.enricher.processing import Origin, Processor
from khabar.records import raw_record
from khabar.text.pipeline import TextPipeline

ORIGIN = Origin("articles.raw", 1, 42, b"key-1", 1_700_000_000.0)
BODY = "وصل الرئيس الفرنسي إيمانويل ماكرون إلى بيروت صباح اليوم في زيارة رسمية إلى لبنان."


@pytest.fixture(scope="module")
def processor() -> Processor:
    return Processor(Settings.from_env({}, max_article_bytes=50_000, max_output_bytes=200_000), TextPipeline())


def good(**changes) -> dict:
    record = raw_record(source="test", url="https://example.test/1", locator="1", title="ماكرون في بيروت", body=BODY)
    record.update(changes)
    return record


def dead_letter(outcome) -> dict:
    assert not outcome.enriched
    record = json.loads(outcome.value)
    schemas.validate(schemas.DEADLETTER, record)
    return record


def test_a_good_article_is_enriched_and_valid(processor):
    outcome = processor.process(schemas.encode(good()), ORIGIN)
    assert outcome.enriched and outcome.key == good()["id"].encode()
    record = json.loads(outcome.value)
    schemas.validate(schemas.ENRICHED, record)
    assert set(record["pipeline"]["stage_seconds"]) == {"parse", "normalise", "tag", "knowledge"}
    # Tokens as columns of equal length, each row a token of text.
    tokens, text = record["tokens"], record["text"]
    assert record["token_count"] > 10 and {len(column) for column in tokens.values()} == {record["token_count"]}
    rows = zip(tokens["start"], tokens["end"], tokens["norm"], tokens["proclitic"], tokens["stem_start"])
    for start, end, norm, proclitic, stem_start in rows:
        assert text[start:end].strip() and norm.startswith(proclitic) and start <= stem_start < end
    assert "ماكرون" in tokens["norm"] and "بيروت" in tokens["norm"]


@pytest.mark.parametrize(
    ("value", "reason", "stage"),
    [
        (None, "null_value", "decode"),
        (b"\xff\xfe", "not_utf8", "decode"),
        (b"{", "not_json", "decode"),
        (b'"a string"', "invalid_raw", "validate_input"),
        (b"x" * 60_000, "too_large", "decode"),
    ],
)
def test_undecodable_messages(processor, value, reason, stage):
    record = dead_letter(processor.process(value, ORIGIN))
    assert (record["error"]["reason"], record["error"]["stage"]) == (reason, stage)
    assert record["source"] == {
        "topic": "articles.raw",
        "partition": 1,
        "offset": 42,
        "key": "key-1",
        "timestamp": "2023-11-14T22:13:20.000Z",
    }


def test_original_bytes_are_kept_base64_when_not_utf8(processor):
    record = dead_letter(processor.process(b"\x00\xffabc", ORIGIN))
    assert record["original"]["encoding"] == "base64"
    assert base64.b64decode(record["original"]["data"]) == b"\x00\xffabc"


def test_an_invalid_record_keeps_its_id_and_names_the_field(processor):
    record = dead_letter(processor.process(schemas.encode(good(body="")), ORIGIN))
    assert record["id"] == good()["id"]
    assert record["error"]["reason"] == "invalid_raw" and "data.body must match" in record["error"]["message"]


def test_output_over_the_limit_is_dead_lettered(processor):
    record = dead_letter(processor.process(schemas.encode(good(body=BODY * 200)), ORIGIN))
    assert record["error"]["reason"] == "output_too_large" and "KHABAR_MAX_OUTPUT_BYTES" in record["error"]["message"]


def test_a_failing_stage_costs_one_message_not_the_worker(processor, monkeypatch):
    def explode(title, body):
        raise RuntimeError("tagger crashed")

    monkeypatch.setattr(processor.pipeline, "analyse", explode)
    record = dead_letter(processor.process(schemas.encode(good()), ORIGIN))
    assert record["error"] == {
        "reason": "enrich_failed",
        "class": "RuntimeError",
        "message": "tagger crashed",
        "stage": "enrich",
    }


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=6),
    max_leaves=20,
)
# Raw-shaped records with arbitrary field values reach deeper stages than arbitrary JSON does.
raw_shaped = st.fixed_dictionaries(
    {
        "schema_version": st.just(1),
        "id": st.from_regex(r"\A[0-9a-f]{16}\Z"),
        "source": st.text(min_size=1, max_size=20),
        "url": st.none() | st.text(max_size=30),
        "title": st.text(max_size=50),
        "body": st.text(min_size=1, max_size=400),
        "produced_at": st.just("2026-01-01T00:00:00.000Z"),
    }
)


@hypothesis_settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    value=st.binary(max_size=300) | json_values.map(lambda v: json.dumps(v).encode()) | raw_shaped.map(schemas.encode)
)
def test_fuzz_any_bytes_give_a_valid_outcome_and_never_raise(processor, value):
    outcome = processor.process(value, ORIGIN)
    record = json.loads(outcome.value)
    schemas.validate(schemas.ENRICHED if outcome.enriched else schemas.DEADLETTER, record)

"""The desk's display form of records: real enriched records (v2) and the fields later versions add."""

from __future__ import annotations

import copy
import json

import pytest

from khabar.config import Settings
from khabar.desk.view import article_view, deadletter_view, safe_url
from khabar.enricher.processing import Origin, Processor
from khabar.producer.sources import raw_record
from khabar.schemas import encode
from khabar.text.pipeline import TextPipeline

ORIGIN = Origin("articles.raw", 0, 7, b"k", 1_700_000_000.0)
BODY = (
    "وصل الرئيس الفرنسي إيمانويل ماكرون إلى بيروت صباح اليوم في زيارة رسمية إلى لبنان.\n\n"
    "واستقبل ماكرون في المطار رئيس الحكومة اللبنانية.\n\nاقرأ أيضًا: ماكرون يزور لبنان"
)


@pytest.fixture(scope="module")
def processor() -> Processor:
    return Processor(Settings.from_env({}, enriched_schema_version=2), TextPipeline())  # v2: the test adds v3 fields


def enrich(processor: Processor, title: str = "ماكرون في بيروت", body: str = BODY) -> dict:
    raw = raw_record(source="test", url="https://example.test/1", locator="1", title=title, body=body)
    outcome = processor.process(encode(raw), ORIGIN)
    assert outcome.enriched, outcome.value
    return json.loads(outcome.value)


def text_of(segments: list) -> str:
    return "".join(s if isinstance(s, str) else s["m"] for s in segments)


def test_every_mention_of_a_kept_paragraph_is_shown_once_at_its_place(processor):
    record = enrich(processor)
    view = article_view(record)
    assert text_of(view["title"]) == "ماكرون في بيروت"
    shown = [s for part in [view["title"], *view["body"]] for s in part if isinstance(s, dict)]
    kept = [
        m
        for m in record["mentions"]
        if not any(r["start"] <= m["start"] < r["end"] for r in record["structure"]["removed"])
    ]
    assert [(s["m"], s["type"]) for s in shown] == [(m["text"], m["type"]) for m in kept]
    assert {s["m"] for s in shown} >= {"ماكرون", "بيروت"}
    assert all(0 <= s["d"]["confidence"] <= 1 for s in shown)
    # The boilerplate the worker removed ("اقرأ أيضًا ...") is not on the page.
    assert all("اقرأ" not in text_of(paragraph) for paragraph in view["body"])
    assert text_of(view["body"][0]).startswith("وصل الرئيس الفرنسي")


def test_a_short_form_is_linked_to_the_entity_it_was_merged_into(processor):
    view = article_view(enrich(processor))
    marks = [s for part in view["body"] for s in part if isinstance(s, dict)]
    short = next(s for s in marks if s["m"] == "ماكرون")
    assert short["d"]["name"] == "ايمانويل ماكرون"


def test_fields_of_later_versions_are_shown_when_present(processor):
    record = enrich(processor)
    v3 = copy.deepcopy(record)
    for entity in v3["entities"]:
        if entity["name"] == "بيروت":
            entity.update(
                id="geonames:276781",
                latin={"text": "Beirut", "source": "geonames"},
                geo={"geonames_id": 276781, "country": "LB", "feature": "city", "lat": 33.89, "lon": 35.5},
            )
    v3["story"] = {"id": "s1", "duplicate_of": None, "first_seen": {"source": "test"}}
    view = article_view(v3)
    beirut = next(s for part in view["body"] for s in part if isinstance(s, dict) and s["m"] == "بيروت")
    assert beirut["d"] | {"confidence": None} == {
        "type": "LOC",
        "confidence": None,
        "name": "بيروت",
        "id": "geonames:276781",
        "latin": "Beirut",
        "latin_source": "geonames",
        "geo": {"geonames_id": 276781, "country": "LB", "feature": "city", "lat": 33.89, "lon": 35.5},
    }
    assert view["story"]["id"] == "s1"
    # v2: none of it, and nothing invented.
    plain = article_view(record)
    assert plain["story"] is None and all("geo" not in e and "latin" not in e for e in plain["entities"])


def test_only_http_links_are_links():
    assert safe_url("https://example.test/a") == "https://example.test/a"
    assert safe_url("JavaScript:alert(1)") is None
    assert safe_url("data:text/html,<script>alert(1)</script>") is None
    assert safe_url(None) is None


def test_a_dead_letter_shows_its_reason_and_the_start_of_what_was_sent():
    record = {
        "schema_version": 1,
        "id": None,
        "failed_at": "2026-01-01T00:00:00.000Z",
        "error": {"reason": "not_json", "class": "JSONDecodeError", "message": "Expecting value", "stage": "decode"},
        "original": {"encoding": "utf-8", "data": "<script>x</script>" * 100, "size_bytes": 1800},
        "source": {"topic": "articles.raw", "partition": 1, "offset": 5, "key": "k", "timestamp": None},
    }
    view = deadletter_view(record)
    assert (view["reason"], view["stage"], view["key"]) == ("not_json", "decode", "articles.raw/1@5")
    assert len(view["preview"]) == 300
    binary = {**record, "original": {"encoding": "base64", "data": "AAAA", "size_bytes": 3}}
    assert deadletter_view(binary)["preview"] == "(3 bytes, not UTF-8)"

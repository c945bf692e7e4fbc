"""The storied copy of an enriched record (what the stories stage writes to articles.storied)."""

from __future__ import annotations

import orjson
import pytest

from khabar import records, schemas
from khabar.config import PROJECT_ROOT
from khabar.producer.sources import read_paths
from khabar.text.pipeline import TextPipeline

STORY = {"id": "a" * 16, "duplicate_of": "a" * 16, "first_seen": {"source": "okaz", "time": "2015-07-21T10:00:00.000Z"}}


@pytest.fixture(scope="module")
def seed_record() -> dict:
    pipeline = TextPipeline()
    raw = next(iter(read_paths([PROJECT_ROOT / "seeds"])))
    return records.enriched_record(raw, pipeline.analyse(raw["title"], raw["body"]), pipeline.ner_model, {})


def test_a_storied_record_is_the_enriched_record_with_its_story(seed_record: dict) -> None:
    storied = orjson.loads(records.storied_payload(schemas.encode(seed_record), STORY))
    schemas.validate(schemas.ENRICHED, storied)
    assert storied.pop("story") == STORY
    assert storied == seed_record


@pytest.mark.parametrize(
    "story",
    [
        {**STORY, "id": ""},
        {key: value for key, value in STORY.items() if key != "duplicate_of"},
        {**STORY, "first_seen": {"source": "okaz"}},
        {**STORY, "extra": 1},
    ],
)
def test_a_story_the_schema_refuses_is_not_written(seed_record: dict, story: dict) -> None:
    with pytest.raises(schemas.SchemaError):
        records.storied_payload(schemas.encode(seed_record), story)


@pytest.mark.parametrize(
    "encoded",
    [
        lambda r: schemas.encode({**r, "schema_version": 2}),
        lambda r: orjson.dumps(r, option=orjson.OPT_INDENT_2),  # not the compact form the worker writes
        lambda r: schemas.encode(r)[:-1],
    ],
)
def test_only_a_version_3_record_as_the_worker_encodes_it_gets_a_storied_copy(seed_record: dict, encoded) -> None:
    with pytest.raises(ValueError, match="version 3"):
        records.storied_payload(encoded(seed_record), STORY)

"""The worker checks an enriched record against its schema without re-checking, entry by entry, the arrays
built by normalise_document: these tests hold that trust (the full schema accepts what the normaliser builds)
and show what is still checked."""

from __future__ import annotations

import copy

import pytest

from khabar import records, schemas
from khabar.config import PROJECT_ROOT
from khabar.producer.sources import InputError, read_file, read_paths
from khabar.records import BUILT_BY_THE_NORMALISER
from khabar.text.corpus import SAUDINEWSNET
from khabar.text.pipeline import TextPipeline


def trusted_check(record: dict) -> None:
    schemas.validate(schemas.ENRICHED, record, trusted=BUILT_BY_THE_NORMALISER)


def enriched(pipeline: TextPipeline, raw: dict) -> dict:
    return records.enriched_record(raw, pipeline.analyse(raw["title"], raw["body"]), pipeline.ner_model, {})


@pytest.fixture(scope="module")
def seed_record() -> dict:
    return enriched(TextPipeline(), next(iter(read_paths([PROJECT_ROOT / "seeds"]))))


def test_the_full_schema_accepts_what_the_normaliser_builds_on_saudinewsnet(shared_dir):
    days = sorted((shared_dir / SAUDINEWSNET).glob("*.zip"))
    if not days:
        pytest.skip(f"no SaudiNewsNet archives in {shared_dir / SAUDINEWSNET}")
    pipeline = TextPipeline()
    articles = [item for item in read_file(days[0]) if not isinstance(item, InputError)][::10]
    for raw in articles:
        schemas.validate(schemas.ENRICHED, enriched(pipeline, raw))
    assert len(articles) > 50


def test_the_full_and_the_trusted_check_accept_the_seed_article(seed_record):
    schemas.validate(schemas.ENRICHED, seed_record)
    trusted_check(seed_record)


@pytest.mark.parametrize(
    "spoil",
    [
        lambda r: r.update(id="not-an-id"),
        lambda r: r.update(extra=1),
        lambda r: r["mentions"].append({"type": "PER", "text": "x", "start": 0, "end": 1, "confidence": 0.5}),
        lambda r: r["entities"].append({"name": "", "type": "LOC", "count": 1, "first_offset": 0}),
        lambda r: r["tokens"].pop("norm"),
        lambda r: r["tokens"].update(start=5),
        lambda r: r["structure"].update(sentences={}),
        lambda r: r["language"].update(arabic_ratio=2),
        lambda r: r["mentions"][0].update(id="no id"),
        lambda r: next(e for e in r["entities"] if "geo" in e)["geo"].update(lat=91),
        lambda r: r["quotes"][0].update(start=-1),
    ],
    ids=[
        "id",
        "extra field",
        "mention type",
        "entity name",
        "token column missing",
        "column not an array",
        "sentences not an array",
        "arabic ratio",
        "mention id",
        "latitude",
        "quote span",
    ],
)
def test_the_trusted_check_still_rejects_what_the_normaliser_does_not_build(seed_record, spoil):
    record = copy.deepcopy(seed_record)
    spoil(record)
    with pytest.raises(schemas.SchemaError):
        trusted_check(record)
    assert schemas.errors(schemas.ENRICHED, record), (
        "jsonschema's own interpreter accepts what the compiled check rejects"
    )


def test_only_the_entries_of_the_normalisers_arrays_are_left_unchecked(seed_record):
    record = copy.deepcopy(seed_record)
    record["tokens"]["start"][0] = -1
    record["structure"]["sentences"][0]["start"] = -1
    trusted_check(record)
    with pytest.raises(schemas.SchemaError):
        schemas.validate(schemas.ENRICHED, record)

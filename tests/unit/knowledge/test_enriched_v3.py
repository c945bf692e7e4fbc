"""Enriched record version 3: entity knowledge in the record; version 2 still written when asked, and v3 only
adds to v2."""

from __future__ import annotations

import json

import pytest

from khabar import records, schemas
from khabar.config import PROJECT_ROOT
from khabar.records import raw_record
from khabar.text.pipeline import TextPipeline

SEED = (PROJECT_ROOT / "seeds" / "000_059d5603d6d85883.txt").read_text(encoding="utf-8")
NEW_FIELDS = {"focus", "quotes"}


@pytest.fixture(scope="module")
def raw() -> dict:
    title, _, body = SEED.partition("\n\n")
    return raw_record(source="test", url=None, locator="seed", title=title, body=body)


def enriched(raw: dict, pipeline: TextPipeline, version: int | None = None) -> dict:
    analysis = pipeline.analyse(raw["title"], raw["body"])
    return records.enriched_record(raw, analysis, pipeline.ner_model, analysis.seconds, version)


def test_the_seed_article_in_version_3(raw):
    record = enriched(raw, TextPipeline())
    schemas.validate(schemas.ENRICHED, record)
    assert record["schema_version"] == 3
    by_name = {e["name"]: e for e in record["entities"]}
    assert by_name["فلاديمير بوتين"]["id"] == "pers:vladimir-putin"
    assert by_name["بيونج يانج"]["geo"]["geonames_id"] == 1871859
    assert by_name["كوريا الشمالية"]["geo"] | {"lat": 0, "lon": 0} == {
        "geonames_id": 1873107,
        "lat": 0,
        "lon": 0,
        "country": "KP",
        "fips": "KN",
        "admin1": None,
        "feature": "country",
    }
    assert record["focus"]["country"] == "KP" and record["focus"]["city"]["latin"] == "Pyongyang"
    # Every mention of an entity carries its id; بوتين and فلاديمير بوتين are one.
    ids = {m["id"] for m in record["mentions"] if "بوتين" in m["text"]}
    assert ids == {"pers:vladimir-putin"}
    [gifts] = [q for q in record["quotes"] if record["text"][q["start"] : q["end"]].startswith("إنها هدايا")]
    assert gifts["verb"] == "وأضاف" and record["text"][gifts["speaker"]["start"] : gifts["speaker"]["end"]] == "أوشاكوف"


def test_version_2_is_written_when_asked_and_validates_against_v2(raw):
    record = enriched(raw, TextPipeline(knowledge=False), 2)
    schemas.validate(schemas.ENRICHED, record, 2)
    assert record["schema_version"] == 2 and not NEW_FIELDS & set(record)
    assert not any("id" in e or "geo" in e for e in record["entities"])
    with pytest.raises(schemas.SchemaError):
        schemas.validate(schemas.ENRICHED, record)  # not a version 3 record


def test_an_unsupported_version_fails_at_start(raw):
    from khabar.config import Settings
    from khabar.enricher.processing import Processor

    with pytest.raises(ValueError, match="no schema version 1"):
        Processor(Settings.from_env({}, enriched_schema_version=1), TextPipeline(knowledge=False))
    with pytest.raises(ValueError, match="needs the entity knowledge"):
        enriched(raw, TextPipeline(knowledge=False), 3)


def test_version_3_only_adds_to_version_2():
    # The files themselves: the compiled validators rewrite the loaded schemas' $refs in place.
    v2, v3 = (
        json.loads((schemas.SCHEMA_DIR / f"enriched-article.v{v}.json").read_text(encoding="utf-8")) for v in (2, 3)
    )
    assert set(v2["required"]) <= set(v3["required"]) and set(v3["required"]) - set(v2["required"]) == NEW_FIELDS
    for name, definition in v2["properties"].items():
        if name in ("schema_version", "mentions", "entities"):
            continue
        assert v3["properties"][name] == definition, name
    for listed in ("mentions", "entities"):
        old, new = v2["properties"][listed]["items"], v3["properties"][listed]["items"]
        assert set(old["required"]) <= set(new["required"])
        assert all(new["properties"][k] == v for k, v in old["properties"].items())

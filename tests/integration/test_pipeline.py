"""The pipeline on the real broker: producer -> raw topic -> worker -> enriched / dead-letter topics."""

from __future__ import annotations

import pytest

from khabar import schemas
from khabar.producer.replay import Replayer
from support.articles import seed_variants
from support.kafka import collect_by_key, send_raw

pytestmark = pytest.mark.integration


def test_every_article_sent_comes_out_enriched_with_its_id(settings, worker, outputs):
    records = seed_variants(25)
    replayer = Replayer(settings)
    report = replayer.replay(records)
    replayer.close()
    assert sorted(report.sent) == sorted(r["id"] for r in records) and not report.failed

    found = collect_by_key(outputs, set(report.sent))

    assert found.keys() == set(report.sent)
    for article_id, results in found.items():
        assert [kind for kind, _ in results] == ["enriched"], results
        record = results[0][1]
        schemas.validate(schemas.ENRICHED, record)
        assert record["id"] == article_id
        tokens = record["tokens"]
        assert record["token_count"] > 100
        assert all(len(column) == record["token_count"] for column in tokens.values())
        assert all(record["text"][start:end].strip() for start, end in zip(tokens["start"], tokens["end"]))
        assert {e["type"] for e in record["entities"]} & {"PERS", "LOC"}


def test_malformed_message_is_dead_lettered_and_the_next_good_one_enriched(settings, worker, outputs):
    good = seed_variants(1)[0]
    broken = b'{"title": "unterminated'
    send_raw(settings, [("broken-1", broken), (good["id"], schemas.encode(good))])

    found = collect_by_key(outputs, {"broken-1", good["id"]})

    [(kind, dead)] = found["broken-1"]
    assert kind == "deadletter"
    schemas.validate(schemas.DEADLETTER, dead)
    assert dead["error"]["reason"] == "not_json" and dead["error"]["stage"] == "decode"
    assert dead["original"] == {
        "encoding": "utf-8",
        "data": broken.decode(),
        "size_bytes": len(broken),
        "truncated": False,
    }
    assert dead["source"]["topic"] == settings.raw_topic
    assert [kind for kind, _ in found[good["id"]]] == ["enriched"]
    assert worker.alive()

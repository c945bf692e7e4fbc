"""Bad input on the real broker: every message comes out exactly once, enriched or dead-lettered with its
reason, and the worker keeps consuming."""

from __future__ import annotations

import json

import pytest

from khabar import schemas
from khabar.records import raw_record
from support.kafka import collect_by_key, send_raw

pytestmark = pytest.mark.integration

ARABIC = "أعلن وزير الخارجية السعودي في الرياض اليوم عن اتفاق جديد مع الأمم المتحدة لدعم اللاجئين. "


def article(key: str, body: str = ARABIC * 3, **changes) -> dict:
    record = raw_record(source="test", url=f"https://example.test/{key}", locator=key, title="خبر", body=body)
    record.update(changes)
    return record


def test_bad_inputs_are_dead_lettered_with_their_reason_and_nothing_is_lost(settings, worker, outputs):
    english = article("english", body="The quick brown fox jumps over the lazy dog. " * 5)
    duplicate = article("duplicate")
    no_body = article("no-body")
    del no_body["body"]
    # Each case: (key, value, the outcome expected for it).
    cases = [
        ("not-json", b"this is not json", "not_json"),
        ("bad-utf8", b'{"title": "\xff\xfe\xfa"}', "not_utf8"),
        ("wrong-shape-list", b"[1, 2, 3]", "invalid_raw"),
        ("wrong-shape-object", json.dumps({"headline": "x", "text": "y"}).encode(), "invalid_raw"),
        ("null-value", None, "null_value"),
        ("no-body", schemas.encode(no_body), "invalid_raw"),
        ("empty-body", schemas.encode(article("empty-body", body="  \n ")), "invalid_raw"),
        ("huge", schemas.encode(article("huge", body="ب" * (5 * 1024 * 1024 // 2))), "too_large"),
        # Under the input limit, but its tokens and three text forms exceed the output limit.
        ("too-big-output", schemas.encode(article("too-big-output", body=ARABIC * 2500)), "output_too_large"),
        ("english", schemas.encode(english), "enriched"),
        ("duplicate", schemas.encode(duplicate), "enriched"),
        ("duplicate", schemas.encode(duplicate), "enriched"),
        ("good-after", schemas.encode(article("good-after")), "enriched"),
    ]
    send_raw(settings, [(key, value) for key, value, _ in cases])
    # Enriched records are matched by article id, which the test used as the message key too.
    ids = {key: json.loads(value)["id"] for key, value, expected in cases if expected == "enriched"}
    cases = [(ids.get(key, key), value, expected) for key, value, expected in cases]

    keys = {key for key, _, _ in cases}
    found = collect_by_key(outputs, keys, timeout=180, total=len(cases))
    extra = collect_by_key(outputs, keys, timeout=3, total=1)  # anything beyond one output per message

    # The accounting invariant: exactly one output per message sent, matched by key.
    assert sum(map(len, found.values())) == len(cases) and not extra, (found.keys(), extra)
    for key, _, expected in cases:
        kinds = [kind for kind, _ in found[key]]
        if expected == "enriched":
            assert set(kinds) == {"enriched"}, (key, found[key])
        else:
            [(kind, record)] = found[key]
            assert kind == "deadletter", (key, record)
            schemas.validate(schemas.DEADLETTER, record)
            assert record["error"]["reason"] == expected, (key, record["error"])
    # A duplicate id is enriched again, under the same key (documented: at-least-once, latest per key wins).
    assert len(found[duplicate["id"]]) == 2
    [english_out] = found[english["id"]]
    assert english_out[1]["language"]["is_arabic"] is False
    huge = found["huge"][0][1]
    assert huge["original"]["truncated"] is True and huge["original"]["size_bytes"] > 5_000_000
    bad_utf8 = found["bad-utf8"][0][1]
    assert bad_utf8["original"]["encoding"] == "base64"
    assert worker.alive() and worker.get("/healthz")[0] == 200

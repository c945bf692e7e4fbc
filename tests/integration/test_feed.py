"""A continuous feed: JSON Lines piped into `khabar replay -` reach the worker while the feed stays open."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from support.articles import seed_variants
from support.kafka import collect_by_key, stop_process

pytestmark = pytest.mark.integration


def line(record: dict) -> bytes:
    return json.dumps(record, ensure_ascii=False).encode() + b"\n"


def test_each_line_of_a_feed_on_stdin_is_enriched_before_the_feed_ends(settings, worker, outputs):
    first, second = seed_variants(2)
    producer = subprocess.Popen(
        [sys.executable, "-m", "khabar", "replay", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, **settings.to_env()},
    )
    try:
        producer.stdin.write(line(first))
        producer.stdin.flush()
        assert collect_by_key(outputs, {first["id"]}, timeout=90).keys() == {first["id"]}
        assert producer.poll() is None, "the producer must keep reading an open feed"
        out, err = producer.communicate(b"{not json\n" + line(second), timeout=60)
    finally:
        stop_process(producer)
    assert collect_by_key(outputs, {second["id"]}, timeout=90).keys() == {second["id"]}
    assert b"invalid: stdin:2: not JSON" in err
    assert b"sent 2, failed 0, invalid 1" in out and producer.returncode == 1

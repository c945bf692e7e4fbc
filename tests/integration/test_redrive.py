"""Dead letters sent back once their cause is fixed: the original, from the raw topic, under its own key."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from khabar import schemas
from khabar.local.worker import WorkerProcess
from khabar.records import raw_record
from support.articles import seed_variants
from support.kafka import collect_by_key, send_raw

pytestmark = pytest.mark.integration


def test_an_article_dead_lettered_for_a_limit_is_enriched_once_the_limit_is_raised(settings, outputs, tmp_path):
    seed = seed_variants(1)[0]
    long = raw_record(
        source="test",
        url="https://example.test/long",
        locator="long",
        title=seed["title"],
        body="\n\n".join([seed["body"]] * 10),
    )  # about 42 kB
    strict = settings.replace(max_article_bytes=20_000, max_output_bytes=60_000)  # dead letters keep 5,000 chars
    worker = WorkerProcess(strict, tmp_path / "strict.log").start()
    try:
        send_raw(settings, [(long["id"], schemas.encode(long)), ("broken", b"{not json")])
        first = collect_by_key(outputs, {long["id"], "broken"}, timeout=90)
    finally:
        worker.stop()
    [(kind, letter)] = first[long["id"]]
    assert (kind, letter["error"]["reason"], letter["original"]["truncated"]) == ("deadletter", "too_large", True)
    assert first["broken"][0][1]["error"]["reason"] == "not_json"

    worker = WorkerProcess(settings, tmp_path / "worker.log").start()
    try:
        env = {**os.environ, **settings.to_env()}
        command = [sys.executable, "-m", "khabar", "redrive", "--reason", "too_large"]
        dry = subprocess.run([*command, "--dry-run"], env=env, capture_output=True, text=True, timeout=120)
        assert "not_json 1" in dry.stdout and "too_large 1" in dry.stdout and "would send 1 of 1" in dry.stdout
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert "sent 1 of 1 chosen (1 read back from the raw topic)" in done.stdout
        again = collect_by_key(outputs, {long["id"], "broken"}, timeout=90, total=1)
    finally:
        worker.stop()
    [(kind, record)] = again[long["id"]]
    assert kind == "enriched" and record["text"].endswith(long["body"])
    assert "broken" not in again  # another reason: not sent back

"""A worker killed mid-stream loses nothing: its successor picks up from the last committed offset."""

from __future__ import annotations

import time

import pytest

from conftest import WorkerProcess, collect_by_key, seed_variants
from khabar.producer.replay import Replayer

pytestmark = [pytest.mark.integration, pytest.mark.chaos]


def test_killing_the_worker_mid_stream_loses_no_article(settings, worker, outputs, tmp_path):
    records = seed_variants(300)
    replayer = Replayer(settings)
    report = replayer.replay(records)
    replayer.close()
    ids = set(report.sent)
    assert len(ids) == 300

    # Let the worker get part of the way, then kill it without any chance to commit or flush.
    deadline = time.monotonic() + 60
    first = collect_by_key(outputs, ids, timeout=60, total=30)
    assert sum(map(len, first.values())) >= 30 and time.monotonic() < deadline
    worker.process.kill()
    worker.process.wait()

    successor = WorkerProcess(settings, tmp_path / "successor.log").start()
    try:
        rest = collect_by_key(outputs, ids - first.keys(), timeout=180)
        assert first.keys() | rest.keys() == ids, f"lost: {sorted(ids - first.keys() - rest.keys())[:5]}"
        assert all(kind == "enriched" for results in (*first.values(), *rest.values()) for kind, _ in results)
    finally:
        successor.stop()

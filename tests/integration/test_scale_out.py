"""Two worker processes share the raw topic's partitions; each article still comes out once."""

from __future__ import annotations

import re

import pytest

from khabar.local.ports import free_port
from khabar.local.worker import WorkerProcess
from khabar.producer.replay import Replayer
from support.articles import seed_variants
from support.kafka import collect_by_key

pytestmark = pytest.mark.integration


def received(worker: WorkerProcess) -> float:
    status, body = worker.get("/metrics")
    assert status == 200
    match = re.search(rb"^khabar_articles_received_total ([0-9.e+]+)$", body, re.M)
    return float(match.group(1)) if match else 0.0


def test_two_workers_split_the_partitions_and_each_article_comes_out_once(settings, worker, outputs, tmp_path):
    second = WorkerProcess(settings.replace(worker_port=free_port()), tmp_path / "second.log").start()
    try:
        # Both workers own partitions (ready) before anything is sent: no rebalance mid-stream, so no redelivery.
        records = seed_variants(120)
        replayer = Replayer(settings)
        report = replayer.replay(records)
        replayer.close()

        found = collect_by_key(outputs, set(report.sent), timeout=120, total=len(report.sent))

        assert found.keys() == set(report.sent)
        assert all(len(results) == 1 for results in found.values())
        assert received(worker) > 0 and received(second) > 0
        assert received(worker) + received(second) == len(records)
    finally:
        second.stop()

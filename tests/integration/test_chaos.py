"""A worker killed mid-stream loses nothing: its successor picks up from the last committed offset. A broker
that goes away and comes back: the worker waits, says it is not ready, and carries on."""

from __future__ import annotations

import time

import pytest

from khabar.local.broker import LocalBroker
from khabar.local.outputs import OutputReader
from khabar.local.ports import free_port
from khabar.local.worker import WorkerProcess
from khabar.producer.replay import Replayer
from khabar.topics import ensure_topics
from support.articles import seed_variants
from support.kafka import collect_by_key

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


def test_the_worker_rides_out_a_broker_outage_without_flooding_its_log(settings, tmp_path):
    # A broker of this test's own: the session's must stay up for the others.
    broker = LocalBroker(free_port(), free_port(), tmp_path / "kafka", settings.cache_dir)
    broker.up(timeout=180)
    settings = settings.replace(bootstrap_servers=broker.bootstrap)
    ensure_topics(settings)
    worker = reader = None
    try:
        worker = WorkerProcess(settings, tmp_path / "worker.log").start()
        reader = OutputReader(settings)
        before, *after = seed_variants(6)

        def send(records):
            replayer = Replayer(settings)
            replayer.replay(records)
            replayer.close()

        send([before])
        assert collect_by_key(reader, {before["id"]}, timeout=60).keys() == {before["id"]}
        reader.close()
        reader = None
        lines_before = len(worker.log_path.read_text(errors="replace").splitlines())

        broker.down()
        outage = time.monotonic()
        while time.monotonic() - outage < 20:  # past the session timeout (15 s)
            assert worker.alive(), worker.log_tail()
            time.sleep(1)
        assert worker.get("/readyz")[0] == 503
        broker.up(timeout=180)

        reader = OutputReader(settings)
        send(after)
        found = collect_by_key(reader, {r["id"] for r in after}, timeout=120)
        assert found.keys() == {r["id"] for r in after}, worker.log_tail()
        assert worker.alive() and worker.ready()
        # Without the repeat filter aiokafka logged about 100 lines a second while the broker was away.
        outage_lines = len(worker.log_path.read_text(errors="replace").splitlines()) - lines_before
        assert outage_lines < 100, worker.log_tail(60)
    finally:
        if reader is not None:
            reader.close()
        if worker is not None:
            worker.stop()
        broker.down()

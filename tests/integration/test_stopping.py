"""A worker stops when told: SIGTERM ends it within 10 s with the broker up (committing what it finished) or gone;
its HTTP server listens only where KHABAR_WORKER_HOST says."""

from __future__ import annotations

import signal
import time

import pytest
from kafka import KafkaConsumer, TopicPartition

from khabar import kafka_clients
from khabar.enricher import stopping
from khabar.local.broker import LocalBroker
from khabar.local.ports import free_port
from khabar.local.worker import WorkerProcess
from khabar.producer.replay import Replayer
from khabar.topics import ensure_topics
from support.articles import seed_variants
from support.kafka import collect_by_key

pytestmark = [pytest.mark.integration, pytest.mark.chaos]

STOP_S = 10


def stop_seconds(worker: WorkerProcess) -> tuple[float, int | None]:
    """SIGTERM the worker; the seconds until it exited (or STOP_S + 5 if it had not) and its exit code."""
    started = time.monotonic()
    worker.process.send_signal(signal.SIGTERM)
    try:
        code = worker.process.wait(STOP_S + 5)
    except Exception:
        worker.process.kill()
        worker.process.wait()
        return STOP_S + 5, None
    return time.monotonic() - started, code


def listening_addresses(port: int) -> set[str]:
    """Local addresses (hex, as /proc/net/tcp writes them) with a socket listening on `port`."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in open(table).read().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.rsplit(":", 1)
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.add(address)
    return found


def test_sigterm_stops_a_worker_cleanly_committing_what_it_finished(settings, worker, outputs):
    assert listening_addresses(settings.worker_port) == {"0100007F"}  # 127.0.0.1 only, not 0.0.0.0
    replayer = Replayer(settings)
    report = replayer.replay(seed_variants(40))
    replayer.close()
    assert collect_by_key(outputs, set(report.sent)).keys() == set(report.sent)

    seconds, code = stop_seconds(worker)
    print(f"\nclean stop: 40 articles out, SIGTERM -> exit {code} in {seconds:.1f}s")
    assert seconds < STOP_S and code == 0, worker.log_tail()

    consumer = KafkaConsumer(**kafka_clients.kafka_python(settings), group_id=settings.app_id, enable_auto_commit=False)
    try:
        partitions = [TopicPartition(settings.raw_topic, p) for p in consumer.partitions_for_topic(settings.raw_topic)]
        ends = consumer.end_offsets(partitions)
        committed = {tp: consumer.committed(tp) for tp in partitions}
    finally:
        consumer.close()
    assert committed == ends, "the stopped worker left finished articles uncommitted"


def test_sigterm_stops_a_busy_worker_whose_broker_is_gone(settings, tmp_path):
    broker = LocalBroker(free_port(), free_port(), tmp_path / "kafka", settings.cache_dir, heap="384m")
    broker.up(timeout=180)
    settings = settings.replace(bootstrap_servers=broker.bootstrap)
    worker = None
    try:
        ensure_topics(settings)
        worker = WorkerProcess(settings, tmp_path / "worker.log").start()
        replayer = Replayer(settings)
        replayer.replay(seed_variants(200))  # more than it finishes before the broker goes
        replayer.close()
        broker.down(timeout=0.1)  # SIGKILL after 0.1 s: the broker is gone mid-stream
        seconds, code = stop_seconds(worker)
        print(f"\nbroker SIGKILLed mid-stream, then SIGTERM -> exit {code} in {seconds:.1f}s")
        assert seconds < STOP_S and code in (0, stopping.EXIT_CODE_FORCED), worker.log_tail()
    finally:
        if worker is not None:
            worker.stop()
        broker.down()

"""Integration fixtures: one real Kafka broker per test session, fresh topics and a worker per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from khabar.config import Settings
from khabar.local.broker import LocalBroker
from khabar.local.outputs import OutputReader
from khabar.local.ports import free_port
from khabar.local.worker import WorkerProcess
from khabar.topics import ensure_topics
from support.kafka import own_settings


@pytest.fixture(scope="session")
def kafka_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalBroker]:
    """A real Apache Kafka broker on free loopback ports, started once and stopped at the end of the session."""
    broker = LocalBroker(free_port(), free_port(), tmp_path_factory.mktemp("kafka"), Settings().cache_dir)
    broker.up(timeout=180)
    yield broker
    broker.down()


@pytest.fixture
def settings(kafka_broker: LocalBroker, tmp_path: Path) -> Settings:
    """Settings pointing at the session broker, with topics and a consumer group of this test's own."""
    return own_settings(tmp_path / "state", bootstrap_servers=kafka_broker.bootstrap)


@pytest.fixture
def worker(settings: Settings, tmp_path: Path) -> Iterator[WorkerProcess]:
    ensure_topics(settings)
    process = WorkerProcess(settings, tmp_path / "worker.log").start()
    yield process
    process.stop()


@pytest.fixture
def outputs(settings: Settings) -> Iterator[OutputReader]:
    """A reader of the enriched and dead-letter topics, opened before the test sends anything."""
    ensure_topics(settings)
    with OutputReader(settings) as reader:
        yield reader

"""Fixtures shared by every test layer: one real Kafka broker per test session, fresh topics per test."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

from khabar.broker.local import LocalBroker
from khabar.config import PROJECT_ROOT, Settings
from khabar.producer.sources import raw_record, read_paths
from shared_data import absent_reason, shared_data


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The third-party data beside the clone (../shared); tests that need it skip in a user's bare clone."""
    data = shared_data()
    if not data.is_dir():
        pytest.skip(absent_reason(data))
    return data.parent


@pytest.fixture(scope="session")
def kafka_broker(tmp_path_factory) -> LocalBroker:
    """A real Apache Kafka broker on free loopback ports, started once and stopped at the end of the session."""
    broker = LocalBroker(free_port(), free_port(), tmp_path_factory.mktemp("kafka"), Settings().cache_dir)
    broker.up(timeout=180)
    yield broker
    broker.down()


@pytest.fixture
def settings(kafka_broker, tmp_path) -> Settings:
    """Settings pointing at the session broker, with topics and a consumer group of this test's own."""
    run = uuid.uuid4().hex[:10]
    return Settings.from_env(
        {},
        bootstrap_servers=kafka_broker.bootstrap,
        raw_topic=f"raw-{run}",
        enriched_topic=f"enriched-{run}",
        deadletter_topic=f"deadletter-{run}",
        app_id=f"khabar-test-{run}",
        topic_partitions=2,
        state_dir=tmp_path / "state",
        worker_port=free_port(),
    )


def seed_variants(count: int) -> list[dict]:
    """`count` distinct articles built from the seed article (each with its own id)."""
    seed = next(iter(read_paths([PROJECT_ROOT / "seeds"])))
    return [raw_record(source="test", url=f"https://example.test/{n}", locator=str(n), title=f"{seed['title']} {n}",
                       body=seed["body"]) for n in range(count)]


def stop_process(process: subprocess.Popen | None, timeout: float = 30) -> None:
    """SIGTERM, then SIGKILL if it has not exited within `timeout` seconds."""
    if process is not None and process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class WorkerProcess:
    """`khabar worker` in its own process, as it runs in production."""

    def __init__(self, settings: Settings, log_path: Path):
        self.settings = settings
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 120) -> "WorkerProcess":
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen([sys.executable, "-m", "khabar", "worker", "--loglevel", "info"],
                                        env={**os.environ, **self.settings.to_env()}, stdout=log, stderr=log)
        log.close()
        deadline = time.monotonic() + timeout
        while not self.ready():
            assert self.alive(), f"the worker died during start-up:\n{self.log_tail()}"
            assert time.monotonic() < deadline, f"the worker was not ready in {timeout}s:\n{self.log_tail()}"
            time.sleep(0.5)
        return self

    def get(self, path: str) -> tuple[int, bytes]:
        url = f"http://{self.settings.worker_host}:{self.settings.worker_port}{path}"
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def ready(self) -> bool:
        try:
            return self.get("/readyz")[0] == 200
        except OSError:
            return False

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        stop_process(self.process)


@pytest.fixture
def worker(settings, tmp_path):
    from khabar.broker.topics import ensure_topics

    ensure_topics(settings)
    process = WorkerProcess(settings, tmp_path / "worker.log").start()
    yield process
    process.stop()


@pytest.fixture
def outputs(settings):
    """A reader of the enriched and dead-letter topics, opened before the test sends anything."""
    from khabar.broker.outputs import OutputReader
    from khabar.broker.topics import ensure_topics

    ensure_topics(settings)
    reader = OutputReader(settings)
    yield reader
    reader.close()


def origin_key(kind: str, record: dict) -> str | None:
    """The key the raw message was sent with: enriched records carry it as id, dead letters in source.key."""
    return record["id"] if kind == "enriched" else record["source"]["key"]


def collect_by_key(reader, keys: set[str], timeout: float = 120, total: int | None = None
                   ) -> dict[str, list[tuple[str, dict]]]:
    """Outputs whose origin key is in `keys`, a list per key (to expose duplicates), until every key arrived
    (or, given `total`, until that many outputs arrived, duplicates included), or `timeout` seconds passed."""
    found: dict[str, list[tuple[str, dict]]] = {}

    def done() -> bool:
        return sum(map(len, found.values())) >= total if total is not None else found.keys() >= keys

    deadline = time.monotonic() + timeout
    while not done() and time.monotonic() < deadline:
        for kind, record in reader.records():
            key = origin_key(kind, record)
            if key in keys:
                found.setdefault(key, []).append((kind, record))
    return found


def send_raw(settings: Settings, messages: list[tuple[str, bytes | None]]) -> None:
    """Send (key, value) pairs to the raw topic exactly as given: no validation, any bytes."""
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=settings.bootstrap_servers, acks="all",
                             max_request_size=16 * 1024 * 1024)
    try:
        for key, value in messages:
            producer.send(settings.raw_topic, key=key.encode(), value=value).get(timeout=30)
    finally:
        producer.close()

"""Talking to the test broker: free ports, sending raw bytes, and collecting what the worker wrote."""

from __future__ import annotations

import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

from khabar.config import Settings
from khabar.local.outputs import OutputReader
from khabar.local.ports import free_port


def stop_process(process: subprocess.Popen | None, timeout: float = 30) -> None:
    """SIGTERM, then SIGKILL if it has not exited within `timeout` seconds."""
    if process is not None and process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def origin_key(kind: str, record: dict) -> str | None:
    """The key the raw message was sent with: enriched records carry it as id, dead letters in source.key."""
    return record["id"] if kind == "enriched" else record["source"]["key"]


def collect_by_key(
    reader: OutputReader, keys: set[str], timeout: float = 120, total: int | None = None
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

    producer = KafkaProducer(
        bootstrap_servers=settings.bootstrap_servers, acks="all", max_request_size=16 * 1024 * 1024
    )
    try:
        for key, value in messages:
            producer.send(settings.raw_topic, key=key.encode(), value=value).get(timeout=30)
    finally:
        producer.close()


def own_settings(state_dir: Path, **overrides: Any) -> Settings:
    """Settings with topics, a consumer group and a worker port of one test's own."""
    run = uuid.uuid4().hex[:10]
    return Settings.from_env(
        {},
        raw_topic=f"raw-{run}",
        enriched_topic=f"enriched-{run}",
        deadletter_topic=f"deadletter-{run}",
        app_id=f"khabar-test-{run}",
        topic_partitions=2,
        state_dir=state_dir,
        worker_port=free_port(),
        **overrides,
    )

"""Talking to the test broker: free ports, sending raw bytes, and collecting what the worker wrote."""

from __future__ import annotations

import socket
import subprocess
import time

from khabar.config import Settings
from khabar.local.outputs import OutputReader


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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

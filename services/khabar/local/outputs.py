"""Reads what the enricher wrote: enriched records and dead letters, from the moment the reader was opened."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from types import TracebackType

from kafka import KafkaConsumer, TopicPartition

from khabar import kafka_clients
from khabar.config import Settings


class OutputReader:
    """Follows the enriched and dead-letter topics from their current end (no consumer group, commits nothing)."""

    def __init__(self, settings: Settings):
        self.settings = settings
        # read_committed: a batch the worker aborted (a crash, a rebalance) is never seen, its retry is.
        self.consumer = KafkaConsumer(
            **kafka_clients.kafka_python(settings),
            enable_auto_commit=False,
            client_id="khabar-output-reader",
            isolation_level="read_committed",
        )
        partitions = [
            TopicPartition(topic, p)
            for topic in (settings.enriched_topic, settings.deadletter_topic)
            for p in sorted(self.consumer.partitions_for_topic(topic) or ())
        ]
        self.consumer.assign(partitions)
        self.consumer.seek_to_end()
        for partition in partitions:  # resolve the end offsets now, before anything new is produced
            self.consumer.position(partition)

    def records(self, poll_s: float = 0.5) -> Iterator[tuple[str, dict]]:
        """Yield ("enriched" | "deadletter", record) forever; yields nothing while idle, so callers can stop."""
        batch = self.consumer.poll(timeout_ms=int(poll_s * 1000))
        for partition, messages in batch.items():
            kind = "enriched" if partition.topic == self.settings.enriched_topic else "deadletter"
            for message in messages:
                yield kind, json.loads(message.value)

    def collect(
        self, ids: set[str], timeout: float, on_record: Callable[[str, dict], None] = lambda kind, record: None
    ) -> dict[str, tuple[str, dict]]:
        """Wait until every id in `ids` came out (enriched or dead-lettered), or `timeout` seconds passed."""
        found: dict[str, tuple[str, dict]] = {}
        deadline = time.monotonic() + timeout
        while len(found.keys() & ids) < len(ids) and time.monotonic() < deadline:
            for kind, record in self.records():
                if record.get("id") in ids and record["id"] not in found:
                    found[record["id"]] = (kind, record)
                    on_record(kind, record)
        return found

    def __enter__(self) -> OutputReader:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self.consumer.close()

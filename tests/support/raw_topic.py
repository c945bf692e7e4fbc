"""What reached the raw topic, read back from the broker (the producers' tests check what they sent)."""

from __future__ import annotations

import time

from kafka import KafkaConsumer, TopicPartition

from khabar.config import Settings
from khabar.topics import ensure_topics


def raw_keys(settings: Settings, timeout: float = 30) -> list[str]:
    """The key of every message in the raw topic, duplicates included."""
    ensure_topics(settings)  # rather than have the consumer's metadata request create it with one partition
    consumer = KafkaConsumer(bootstrap_servers=settings.bootstrap_servers, enable_auto_commit=False)
    try:
        partitions = [TopicPartition(settings.raw_topic, p) for p in consumer.partitions_for_topic(settings.raw_topic)]
        consumer.assign(partitions)
        consumer.seek_to_beginning()
        ends, keys = consumer.end_offsets(partitions), []
        deadline = time.monotonic() + timeout
        while any(consumer.position(p) < ends[p] for p in partitions) and time.monotonic() < deadline:
            for messages in consumer.poll(timeout_ms=500).values():
                keys += [message.key.decode() for message in messages]
        return keys
    finally:
        consumer.close()

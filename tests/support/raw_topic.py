"""What reached the raw topic, read back from the broker (the producers' tests check what they sent)."""

from __future__ import annotations

from kafka import KafkaConsumer, TopicPartition

from khabar import kafka_clients
from khabar.config import Settings
from khabar.topics import ensure_topics


def raw_keys(settings: Settings, timeout: float = 30) -> list[str]:
    """The key of every message in the raw topic, duplicates included."""
    ensure_topics(settings)  # rather than have the consumer's metadata request create it with one partition
    consumer = KafkaConsumer(**kafka_clients.kafka_python(settings), enable_auto_commit=False)
    try:
        partitions = [TopicPartition(settings.raw_topic, p) for p in consumer.partitions_for_topic(settings.raw_topic)]
        consumer.assign(partitions)
        consumer.seek_to_beginning()
        keys = [message.key.decode() for message in kafka_clients.messages_to_end(consumer, partitions, timeout)]
        return keys
    finally:
        consumer.close()

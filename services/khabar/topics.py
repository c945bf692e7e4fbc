"""Creates khabar's topics with the configured partition count before anyone writes to them.

Left to broker auto-creation, a topic would get `num.partitions=1` and the enricher could not scale out.
"""

from __future__ import annotations

from kafka import KafkaAdminClient
from kafka.admin import NewTopic
from kafka.errors import TopicAlreadyExistsError

from khabar.config import Settings


def khabar_topics(settings: Settings) -> list[str]:
    return [settings.raw_topic, settings.enriched_topic, settings.deadletter_topic]


def ensure_topics(settings: Settings) -> None:
    admin = KafkaAdminClient(bootstrap_servers=settings.bootstrap_servers, client_id="khabar-admin")
    try:
        existing = set(admin.list_topics())
        missing = [t for t in khabar_topics(settings) if t not in existing]
        if missing:
            try:
                admin.create_topics([NewTopic(t, settings.topic_partitions, 1) for t in missing])
            except TopicAlreadyExistsError:
                pass  # another process created it between our list and create
    finally:
        admin.close()

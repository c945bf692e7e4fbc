"""Creates khabar's topics with the configured partition count before anyone writes to them.

Left to broker auto-creation, a topic would get `num.partitions=1` and the enricher could not scale out.
"""

from __future__ import annotations

from kafka import KafkaAdminClient
from kafka.admin import NewTopic
from kafka.errors import TopicAlreadyExistsError, TopicAuthorizationFailedError

from khabar import kafka_clients
from khabar.config import Settings


def khabar_topics(settings: Settings) -> list[str]:
    return [settings.raw_topic, settings.enriched_topic, settings.deadletter_topic]


def ensure_topics(settings: Settings, topics: list[str] | None = None) -> None:
    """Create those of `topics` (default: khabar's three) that are missing. A principal sees only the topics it
    may describe, so a secured client asks only for the topics its role uses."""
    admin = kafka_clients.connect(KafkaAdminClient, settings, client_id="khabar-admin")
    try:
        existing = set(admin.list_topics())
        missing = [t for t in (topics or khabar_topics(settings)) if t not in existing]
        if missing:
            config = {"min.insync.replicas": str(settings.min_insync_replicas)}
            try:
                admin.create_topics(
                    [
                        NewTopic(t, settings.topic_partitions, settings.replication_factor, topic_configs=config)
                        for t in missing
                    ]
                )
            except TopicAlreadyExistsError:
                pass  # another process created it between our list and create
            except TopicAuthorizationFailedError as error:
                raise kafka_clients.KafkaAccessError(
                    f"{kafka_clients.principal(settings)} may not describe or create the topic(s) "
                    f"{', '.join(missing)}: grant it Describe on them (or have an admin create them)"
                ) from error
    finally:
        admin.close()

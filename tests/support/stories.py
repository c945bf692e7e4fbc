"""Articles and readers for the stories stage's tests: near-copies and distinct articles with chosen event
times, the stories and trending topics read from their start, and a recount from the enriched topic."""

from __future__ import annotations

import json
import random
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta

from kafka import KafkaConsumer, TopicPartition

from khabar.config import Settings
from khabar.records import raw_record
from khabar.stories import logic
from support.articles import seed_variants

START = datetime(2015, 7, 21, 10, 0, 0, tzinfo=UTC)


def published(seconds: float) -> str:
    return (START + timedelta(seconds=seconds)).strftime("%Y-%m-%d %H:%M:%S")


def near_copies(count: int, first_second: int = 0) -> list[dict]:
    """`count` near-copies of the seed article (the same body, each its own title), a second apart."""
    return [dict(record, published=published(first_second + n)) for n, record in enumerate(seed_variants(count))]


def distinct_articles(count: int, first_second: int = 0, salt: int = 0) -> list[dict]:
    """`count` articles of the seed's words in orders of their own: no two share a 5-word shingle by chance."""
    seed = seed_variants(1)[0]
    words = seed["body"].split()
    articles = []
    for n in range(count):
        shuffled = words[:]
        random.Random(salt * 10_000 + n).shuffle(shuffled)
        articles.append(
            raw_record(
                source=f"paper{n % 3}",
                url=None,
                locator=f"distinct-{salt}-{n}",
                title=f"خبر {salt} {n}",
                body=" ".join(shuffled),
                published=published(first_second + n),
            )
        )
    return articles


def read_topics(
    settings: Settings, topics: Iterable[str], until: Callable[[dict[str, list[dict]]], bool], timeout: float
) -> dict[str, list[dict]]:
    """Every record of `topics` from their start, in order per partition, until `until(records)` or timeout."""
    consumer = KafkaConsumer(bootstrap_servers=settings.bootstrap_servers, enable_auto_commit=False)
    try:
        deadline = time.monotonic() + timeout
        partitions: list[TopicPartition] = []
        while time.monotonic() < deadline:
            partitions = [
                TopicPartition(topic, p) for topic in topics for p in sorted(consumer.partitions_for_topic(topic) or ())
            ]
            if len(partitions) >= len(list(topics)):
                break
            time.sleep(0.5)
        consumer.assign(partitions)
        consumer.seek_to_beginning()
        records: dict[str, list[dict]] = defaultdict(list)
        while not until(records) and time.monotonic() < deadline:
            for partition, messages in consumer.poll(timeout_ms=500).items():
                records[partition.topic].extend(json.loads(m.value) for m in messages)
        return records
    finally:
        consumer.close()


def latest_story(records: list[dict]) -> dict[str, dict]:
    """Article id -> its story (the latest record of each; redelivery may repeat one)."""
    return {record["id"]: record["story"] for record in records}


def recount(enriched: list[dict], stories: dict[str, dict], window_start: float, window_end: float) -> dict:
    """Entity key -> (distinct articles, distinct stories, mentions) in the window, by distinct article id."""
    seen: set[str] = set()
    articles: dict[str, set[str]] = defaultdict(set)
    story_ids: dict[str, set[str]] = defaultdict(set)
    mentions: dict[str, int] = defaultdict(int)
    for record in enriched:
        if record["id"] in seen or not window_start <= logic.event_time(record) < window_end:
            continue
        seen.add(record["id"])
        for entity in record["entities"]:
            key = logic.entity_key(entity)
            articles[key].add(record["id"])
            story_ids[key].add(stories[record["id"]]["id"])
            mentions[key] += entity["count"]
    return {key: (len(articles[key]), len(story_ids[key]), mentions[key]) for key in articles}

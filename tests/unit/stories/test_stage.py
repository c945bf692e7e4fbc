"""The stories stage's handlers without a broker: its internal topics replaced by queues delivered in random
orders (each partition in order, as Kafka does), its tables by dicts. Whatever the order, and with messages
redelivered, every article ends with the story that the definition gives from the band keys alone, and its
enriched record goes out with a story it was given."""

from __future__ import annotations

import asyncio
import json
import random
from collections import Counter, defaultdict, deque
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import faust
import pytest

from khabar import schemas
from khabar.config import Settings
from khabar.stories import logic
from khabar.stories.app import StoriesStage
from khabar.text import minhash

PARTITIONS = 4
WORDS = [f"كلمة{n}" for n in range(400)]


class Table(dict):
    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name


class Topic:
    """An internal or output topic: messages kept per partition, in order."""

    def __init__(self, name: str, queues: dict[tuple[str, int], deque]) -> None:
        self.name, self.queues = name, queues
        self.kinds: Counter[str] = Counter()  # the kinds of the internal messages sent

    async def send(self, key: bytes, value: Any, partition: int | None = None) -> None:
        self.queues[(self.name, partition or 0)].append(value)
        if isinstance(value, dict) and "kind" in value:
            self.kinds[value["kind"]] += 1


def articles(count: int, rng: random.Random) -> list[dict]:
    """`count` near-copies (the same text with a few words changed each) and as many unrelated texts, at event
    times in a random order, so that no copy has a reason to arrive after the first."""
    base = rng.sample(WORDS, 300)
    records = []
    for _ in range(count):
        words = base[:]
        for position in rng.sample(range(len(words)), 4):
            words[position] = rng.choice(WORDS)
        records.append(words)
    records += [rng.sample(WORDS, 300) for _ in range(count)]
    times = rng.sample(range(10_000), len(records))
    return [
        {
            "schema_version": 3,
            "id": f"a{n:02d}",
            "source": f"paper{n % 3}",
            "published": logic.moment(1_437_000_000 + t).replace("T", " ")[:19],
            "tokens": {"norm": words},
            "entities": [{"name": "الرياض", "type": "LOC", "count": 1}],
        }
        for n, (words, t) in enumerate(zip(records, times, strict=True))
    ]


def expected_stories(records: list[dict]) -> dict[str, str]:
    """The definition: an article's story is that of its earliest earlier near-copy, else its own id."""
    hasher = minhash.MinHasher()
    keys = {r["id"]: set(hasher.keys_of(r["tokens"]["norm"])) for r in records}
    order = sorted(records, key=lambda r: (logic.event_time(r), r["id"]))
    stories: dict[str, str] = {}
    for position, record in enumerate(order):
        earlier = [e for e in order[:position] if minhash.is_near_copy(len(keys[e["id"]] & keys[record["id"]]))]
        stories[record["id"]] = stories[earlier[0]["id"]] if earlier else record["id"]
    return stories


def stage() -> tuple[StoriesStage, dict[tuple[str, int], deque]]:
    settings = Settings(topic_partitions=PARTITIONS)
    stage = StoriesStage(faust.App("stories-unit", broker="kafka://127.0.0.1:1"), settings)
    queues: dict[tuple[str, int], deque] = defaultdict(deque)
    for name in (
        "bands_topic",
        "answers_topic",
        "mentions_topic",
        "windows_topic",
        "stories_out",
        "storied_out",
        "trending_out",
    ):
        setattr(stage, name, Topic(name, queues))
    for name in ("bands", "pending", "assigned", "records", "bucket_articles", "entities", "windows"):
        setattr(stage, name, Table(name))
    return stage, queues


@dataclass
class Outputs:
    stories: dict[str, dict]  # the latest story published per article
    every_story: dict[str, set[str]]  # every story id published per article
    storied: dict[str, list[dict]]  # the records published with their story, per article
    counted: dict[str, str]  # the story each article is counted under in the trending tables
    held: int  # records still held at the end
    band_stories: int  # stories sent back to band keys


async def run(records: list[dict], rng: random.Random, redeliver: float) -> Outputs:
    """Every record through the stage, the enriched records and each internal message delivered from a random
    non-empty partition; with probability `redeliver` a delivered message is delivered again later."""
    stories_stage, queues = stage()
    for record in records:
        queues[("enriched", rng.randrange(PARTITIONS))].append(schemas.encode(record))
    handlers = {
        "enriched": stories_stage.on_enriched,
        "bands_topic": stories_stage.on_band,
        "answers_topic": stories_stage.on_answer,
        "mentions_topic": stories_stage.on_mentions,
    }
    published: dict[str, dict] = {}
    every_story: dict[str, set[str]] = defaultdict(set)
    storied: dict[str, list[dict]] = defaultdict(list)
    while True:
        ready = [key for key, queue in queues.items() if queue and key[0] in handlers]
        if not ready:
            break
        name, partition = rng.choice(ready)
        value = queues[(name, partition)].popleft()
        if rng.random() < redeliver:
            queues[(name, partition)].append(value)
        if name == "enriched":
            await stories_stage.on_enriched(value)
        else:
            event = SimpleNamespace(value=value, message=SimpleNamespace(partition=partition))
            await handlers[name](event)
        for story in queues.pop(("stories_out", 0), ()):
            record = json.loads(story)
            published[record["id"]] = record["story"]
            every_story[record["id"]].add(record["story"]["id"])
        for value in queues.pop(("storied_out", 0), ()):
            record = json.loads(value)
            storied[record["id"]].append(record)
    counted = {a: held[0] for articles in stories_stage.bucket_articles.values() for a, held in articles.items()}
    band_stories = stories_stage.bands_topic.kinds["story"]
    return Outputs(published, every_story, storied, counted, len(stories_stage.records), band_stories)


@pytest.mark.parametrize("seed", range(16))
def test_stories_are_those_of_the_definition_whatever_the_arrival_order(seed: int) -> None:
    rng = random.Random(seed)
    records = articles(8, rng)
    expected = expected_stories(records)
    assert len(set(expected.values())) < len(expected), "the test articles hold no near-copies"
    outputs = asyncio.run(run(records, rng, redeliver=0.1 if seed % 2 else 0.0))
    assert {article_id: story["id"] for article_id, story in outputs.stories.items()} == expected
    assert outputs.counted == expected  # trending counts a revised article under its new story, once
    by_id = {r["id"]: r for r in records}
    assert outputs.storied.keys() == by_id.keys()  # every record goes out with its story, held no longer
    assert outputs.held == 0
    for article_id, copies in outputs.storied.items():
        for copy in copies:
            story = copy.pop("story")
            assert copy == by_id[article_id]
            assert story["id"] in outputs.every_story[article_id]


def test_an_article_that_starts_its_own_story_sends_nothing_back_to_its_band_keys() -> None:
    rng = random.Random(7)
    unrelated = articles(8, rng)[8:]
    assert set(expected_stories(unrelated).values()) == {r["id"] for r in unrelated}
    outputs = asyncio.run(run(unrelated, rng, redeliver=0.0))
    assert {article_id: story["id"] for article_id, story in outputs.stories.items()} == {
        r["id"]: r["id"] for r in unrelated
    }
    assert outputs.band_stories == 0
    copies = articles(8, random.Random(7))
    assert asyncio.run(run(copies, random.Random(7), redeliver=0.0)).band_stories > 0

"""The stories stage's decisions, apart from Faust so that they can be tested alone.

Every function here is deterministic in its inputs (never in arrival order or wall-clock time), which is what
makes the stage exact under redelivery: an article processed twice gets the same story, and is counted once.
"""

from __future__ import annotations

import math
import re
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from khabar import schemas
from khabar.config import Settings
from khabar.text import minhash

_SPACES = re.compile(r"\s+")


# The stage's internal topics, each named after its app id: created with the public topics before the stage
# starts, since a worker whose consumer subscribed before Faust created them was never assigned their partitions.
INTERNAL_TOPICS = ("story-bands", "story-answers", "trending-mentions", "trending-windows")


def app_id(settings: Settings) -> str:
    """The stage's Faust app id and consumer group: the enricher's, suffixed."""
    return f"{settings.app_id}-stories"


def internal_topic(settings: Settings, name: str) -> str:
    return f"{app_id(settings)}-{name}"


def stories_topics(settings: Settings) -> list[str]:
    """Every topic the stage reads or writes, but the changelogs (Faust creates those, compacted)."""
    return [
        settings.enriched_topic,
        settings.stories_topic,
        settings.storied_topic,
        settings.trending_topic,
        *(internal_topic(settings, name) for name in INTERNAL_TOPICS),
    ]


def partition_of(key: str, partitions: int) -> int:
    """The partition of a key on the stage's internal topics (crc32: the same in every process)."""
    return zlib.crc32(key.encode("utf-8")) % partitions


def entity_key(entity: Mapping[str, Any]) -> str:
    """The canonical key of an entity: its `id` when the record carries one (enriched records from v3 on), else
    its type and its name with spaces collapsed (names are already normalised by the tagger)."""
    if entity.get("id"):
        return str(entity["id"])
    return f"{entity['type']}:{_SPACES.sub(' ', entity['name'].strip())}"


def event_time(record: Mapping[str, Any]) -> float:
    """Seconds since the epoch of the article: its published date (RFC 3339, or SaudiNewsNet's 'YYYY-MM-DD
    HH:MM:SS', taken as UTC), else when the producer sent it."""
    for field in ("published", "produced_at"):
        value = record.get(field)
        if not value:
            continue
        try:
            moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            continue
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.timestamp()
    raise ValueError("the record has neither a readable published date nor produced_at")


def moment(seconds: float) -> str:
    return schemas.timestamp(datetime.fromtimestamp(seconds, UTC))


@dataclass(frozen=True)
class Article:
    """What the stage needs of an enriched record."""

    id: str
    source: str
    t: float
    bands: dict[str, list[str]]  # partition (as a string: JSON keys) -> the band keys stored there
    entities: list[list[Any]]  # [key, name, type, count]

    @classmethod
    def of(cls, record: Mapping[str, Any], hasher: minhash.MinHasher, partitions: int) -> Article:
        bands: dict[str, list[str]] = {}
        for key in hasher.keys_of(record["tokens"]["norm"]):
            bands.setdefault(str(partition_of(key, partitions)), []).append(key)
        entities = [[entity_key(e), e["name"], e["type"], int(e["count"])] for e in record.get("entities", [])]
        return cls(record["id"], record["source"], event_time(record), bands, entities)

    def to_message(self) -> dict[str, Any]:
        return {
            "kind": "article",
            "id": self.id,
            "source": self.source,
            "t": self.t,
            "bands": self.bands,
            "entities": self.entities,
        }

    @classmethod
    def from_message(cls, message: Mapping[str, Any]) -> Article:
        return cls(message["id"], message["source"], message["t"], message["bands"], message["entities"])


def add_to_band(entries: list[dict[str, Any]], article: Mapping[str, Any], horizon_s: float) -> tuple[list, bool]:
    """A band key's entries with `article` (id, t, source) added once, less those older than the horizon
    before the newest; and whether anything changed (else nothing needs writing)."""
    newest = max([article["t"], *(e["t"] for e in entries)])
    kept = [e for e in entries if e["t"] >= newest - horizon_s]
    changed = len(kept) != len(entries)
    if article["t"] >= newest - horizon_s and not any(e["id"] == article["id"] for e in kept):
        kept.append({"id": article["id"], "t": article["t"], "source": article["source"], "story": None, "first": None})
        changed = True
    return kept, changed


@dataclass(frozen=True)
class Story:
    id: str
    duplicate_of: str | None
    first_source: str
    first_t: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "duplicate_of": self.duplicate_of,
            "first_seen": {"source": self.first_source, "time": moment(self.first_t)},
        }


def merge_hits(
    answers: Iterable[list[dict[str, Any]]], revisions: Iterable[dict[str, Any]] = ()
) -> dict[str, dict[str, Any]]:
    """Per candidate id, the candidate's entry and the bands shared: the band answers from every partition,
    then the revisions that candidates sent. A band key counts a pair once, in the answer of the article that
    came second there; a candidate that came second in some bands reports those in its revision (its `shared`
    adds up) with its story as it stands (which replaces what the bands knew)."""
    merged: dict[str, dict[str, Any]] = {}

    def add(hit: dict[str, Any], revision: bool) -> None:
        known = merged.get(hit["id"])
        if known is None:
            merged[hit["id"]] = dict(hit)
            return
        known["shared"] += hit["shared"]
        if revision or known.get("story") is None:  # another band may already know the candidate's story
            known["story"], known["first"] = hit.get("story"), hit.get("first")

    for hits in answers:
        for hit in hits:
            add(hit, revision=False)
    for hit in revisions:
        add(hit, revision=True)
    return merged


def comes_after(candidate: Mapping[str, Any], article: Article) -> bool:
    """Whether a candidate comes after the article in the order of stories (event time, then id)."""
    return (candidate["t"], candidate["id"]) > (article.t, article.id)


def decide(article: Article, candidates: Mapping[str, Mapping[str, Any]]) -> Story:
    """The article's story: that of the earliest earlier near-copy (event time, then id), else its own.

    Only candidates before the article count, so the decision does not depend on which articles arrived
    first; a candidate's story is known once its decision reached the band keys or came in its revision, else
    it is the candidate's id (until the candidate's revision says otherwise)."""
    earlier = [
        c
        for c in candidates.values()
        if minhash.is_near_copy(c["shared"]) and (c["t"], c["id"]) < (article.t, article.id)
    ]
    if not earlier:
        return Story(article.id, None, article.source, article.t)
    first = min(earlier, key=lambda c: (c["t"], c["id"]))
    if first.get("story") and first.get("first"):
        return Story(first["story"], first["id"], first["first"]["source"], first["first"]["t"])
    return Story(first["id"], first["id"], first["source"], first["t"])


# Trending: buckets of `step` seconds; a window is `size` seconds ending on a step boundary.


def bucket_of(t: float, step: float) -> int:
    return int(math.floor(t / step) * step)


def window_ends(bucket: int, size: float, step: float) -> list[int]:
    """The ends of the windows [end - size, end) that contain the bucket [bucket, bucket + step)."""
    count = max(1, int(round(size / step)))
    return [int(bucket + step * k) for k in range(1, count + 1)]


def window_buckets(end: int, size: float, step: float) -> list[int]:
    count = max(1, int(round(size / step)))
    return [int(end - step * k) for k in range(1, count + 1)]


def window_articles(buckets: Mapping[str, list[int]], end: int, size: float, step: float) -> tuple[int, int]:
    """(distinct articles, mentions) of an entity in the window ending at `end`, from its per-bucket counts.
    An article has one event time, so it is in one bucket: the buckets' distinct counts add up."""
    articles = mentions = 0
    for bucket in window_buckets(end, size, step):
        counts = buckets.get(str(bucket))
        if counts:
            articles += counts[0]
            mentions += counts[1]
    return articles, mentions


def baseline(buckets: Mapping[str, list[int]], end: int, size: float, step: float, windows: int) -> float:
    """Mean distinct articles of the entity over the `windows` back-to-back windows before this one."""
    if windows <= 0:
        return 0.0
    return sum(window_articles(buckets, int(end - size * k), size, step)[0] for k in range(1, windows + 1)) / windows


def burst_score(articles: int, base: float) -> float:
    """How far above its own baseline, in (Poisson) standard deviations; +1 keeps a new entity finite."""
    return round((articles - base) / math.sqrt(base + 1.0), 3)


def merge_window(current: dict[str, dict[str, Any]], update: Iterable[dict[str, Any]], keep: int) -> dict:
    """A window's entities with a worker's newer figures: counts only grow within a window, so a figure with
    fewer articles than the one held is an older one and loses. The `keep` entities with most articles stay."""
    merged = dict(current)
    for entity in update:
        held = merged.get(entity["key"])
        if held is None or entity["articles"] >= held["articles"]:
            merged[entity["key"]] = entity
    ranked = sorted(merged.values(), key=lambda e: (-e["articles"], -e["mentions"], e["key"]))[:keep]
    return {e["key"]: e for e in ranked}

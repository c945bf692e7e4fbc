"""The stories stage on the worker's Faust app: near-copies clustered into stories, trending entities.

    articles.enriched --(band keys, by band-key partition)--> <app>-story-bands      table story_bands
                      --(the article, by article id)-------> <app>-story-answers    tables story_pending,
    story-bands --(candidates sharing a band)---------------> story-answers          story_assigned, story_records
    story-answers --> articles.stories (key: article id); articles.storied (the record with its story, once);
                  the story back to its band keys;
                  --(mentions, by entity partition)--------> <app>-trending-mentions  tables trending_*
    trending-mentions --(each worker's top per window, timer)--> <app>-trending-windows  table trending_windows
    trending-windows --> entities.trending (key: window end) and the Prometheus gauges

Every table is a Faust table with a changelog topic, partitioned like the internal topic that feeds it, so that
state scales with the workers and is recovered after a restart. Each internal message goes to the partition that
`logic.partition_of` gives its key; the tables keep their keys in the partition of the message that wrote them.
Redelivery is harmless: a band stores an article id once, a decided article's story is re-sent as it was, and
trending counts distinct article ids. Arrival order is harmless too: an article that reaches the band keys after
a later copy sends that copy a revision (see "decisions"), and a revised story replaces the earlier record.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

import faust
import orjson
from aiokafka.errors import KafkaError
from faust.types import TP
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

from khabar import __version__, kafka_clients, records, schemas
from khabar.config import Settings
from khabar.lag import GroupLag, PartitionOffsets
from khabar.stories import logic, metrics
from khabar.stories.yielding import YieldPolicy
from khabar.text.minhash import MinHasher

log = logging.getLogger(__name__)

# Sweep a partition's expired keys every this many messages of it: a full scan of its keys each time.
_SWEEP_EVERY = 2000
# An input partition behind its end that has not moved for this long had its records dropped (see
# StoriesStage.refetch_stalled); the stage handles a message in milliseconds.
STALLED_AFTER_S = 20.0
# How often the stage looks at the enrichment workers' backlog (see stories.yielding).
YIELD_LOOK_S = 1.0


class StoriesStage:
    def __init__(self, app: faust.App, settings: Settings) -> None:
        self.app, self.settings = app, settings
        self.partitions = settings.topic_partitions
        self.hasher = MinHasher()
        self.size, self.step = settings.trending_window_s, settings.trending_step_s

        def internal(name: str) -> Any:
            return app.topic(
                logic.internal_topic(settings, name),
                partitions=self.partitions,
                internal=True,
                key_type=bytes,
                key_serializer="raw",
                value_serializer="json",
            )

        def table(name: str) -> Any:
            # No key or value type: Faust writes both to the changelog as JSON.
            return app.Table(name, default=None, partitions=self.partitions)

        self.enriched = app.topic(
            settings.enriched_topic, key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw"
        )
        self.bands_topic, self.answers_topic, self.mentions_topic, self.windows_topic = (
            internal(name) for name in logic.INTERNAL_TOPICS
        )
        self.stories_out = app.topic(settings.stories_topic, key_serializer="raw", value_serializer="raw")
        self.storied_out = app.topic(settings.storied_topic, key_serializer="raw", value_serializer="raw")
        self.trending_out = app.topic(settings.trending_topic, key_serializer="raw", value_serializer="raw")
        self.bands = table("story_bands")  # band key -> [{id, t, source, story, first}]
        self.pending = table("story_pending")  # article id -> {article, answers: {partition: hits}}
        self.assigned = table("story_assigned")  # article id -> {story, article}
        # article id -> [event time, its enriched record as JSON text], held only until its story is first
        # decided (tens of KB each)
        self.records = table("story_records")
        self.bucket_articles = table("trending_bucket_articles")  # "entity\x1fbucket" -> {article id: [story, n]}
        self.entities = table("trending_entities")  # entity -> {name, type, partition, buckets: {bucket: [a, m]}}
        self.windows = table("trending_windows")  # window end -> {entity: figures}
        self.dirty: set[int] = set()  # window ends with new mentions, not yet published by this worker
        self.seen: dict[tuple[str, int], int] = defaultdict(int)  # (table, partition) -> messages since a sweep
        self.latest_published = 0
        self.newest_t = 0.0  # the newest event time this worker has seen: expiry is relative to it
        self.inputs = {settings.enriched_topic, *(logic.internal_topic(settings, n) for n in logic.INTERNAL_TOPICS)}
        self.processed: dict[TP, int] = {}  # input partition -> the offset of its last message handled
        self.behind: dict[TP, tuple[int, float]] = {}  # input partition left behind -> (next offset, since when)
        self.policy = YieldPolicy(settings.stories_yield_lag, settings.stories_yield_s)
        self.yielding = False

    def note_time(self, message: dict[str, Any]) -> None:
        self.newest_t = max(self.newest_t, float(message.get("t") or message.get("end") or 0.0))

    def handled(self, event: Any) -> None:
        self.processed[TP(event.message.topic, event.message.partition)] = event.message.offset

    # -- records Faust fetched and dropped ----------------------------------------------------------------
    #
    # Faust drops records it has fetched when a rebalance or a pause comes while it hands them out (its
    # `getmany` stops at a new generation, at a suspended flow, at a partition no longer active), and seeks back
    # to the committed offsets afterwards. Where nothing was committed yet, aiokafka's seek_to_committed leaves
    # the position where it was, past the dropped records, so they are never handled (after a SIGKILL of the
    # stage before its first commit: the last records of a partition fetched, never processed, no error;
    # 2 of 63 SIGKILL test runs). Those partitions are sought back to their beginning, and a timer looks for
    # input partitions that are behind their end without moving.

    async def seek_uncommitted_to_the_beginning(self, committed: dict[Any, Any]) -> None:
        for tp, offset in committed.items():
            if tp.topic in self.inputs and (offset is None or offset <= 0):
                await self.app.consumer.seek(TP(tp.topic, tp.partition), 0)

    async def refetch_stalled(self) -> None:
        """Seek every partition back to its committed offset when an input partition is behind its end and has
        not moved for STALLED_AFTER_S: records were fetched and dropped (handling is idempotent)."""
        consumer: Any = self.app.consumer  # faust's Consumer: ConsumerT does not declare what is used here
        now = time.monotonic()
        if consumer is None or self.app.rebalancing or self.app.in_recovery or not consumer.flow_active:
            self.behind.clear()
            return
        stalled = []
        for tp in consumer.assignment():
            if tp.topic not in self.inputs or (self.yielding and tp.topic == self.settings.enriched_topic):
                self.behind.pop(tp, None)
                continue
            end = consumer.highwater(tp)
            done = self.processed[tp] + 1 if tp in self.processed else consumer._committed_offset.get(tp) or 0
            if end is None or end - done <= 1:  # caught up, or only a transaction marker left
                self.behind.pop(tp, None)
                continue
            since = self.behind.get(tp)
            if since is None or since[0] != done:
                self.behind[tp] = (done, now)
            elif now - since[1] >= STALLED_AFTER_S:
                stalled.append(f"{tp.topic}[{tp.partition}]@{done} (end {end})")
        if stalled:
            metrics.REFETCHES.inc()
            log.warning("stories: input left behind without moving, read again from the committed offsets: %s", stalled)
            self.behind.clear()
            await consumer.perform_seek()

    # -- stepping aside for the enrichment workers ----------------------------------------------------------

    async def give_way(self, enrichment: GroupLag) -> None:
        """Pause or resume reading the enriched topic as `self.policy` says, from the workers' group position."""
        consumer: Any = self.app.consumer
        if consumer is None or self.app.rebalancing or self.app.in_recovery:
            return  # Faust pauses and resumes partitions itself meanwhile
        try:
            position = await asyncio.wait_for(enrichment.position(enrichment.partitions()), YIELD_LOOK_S * 5)
        except (TimeoutError, KafkaError, OSError) as error:
            log.debug("stories: the enrichment workers' position not read: %r", error)
            position = None
        paused = self.policy.paused(position, time.monotonic())
        enriched = {tp for tp in consumer.assignment() if tp.topic == self.settings.enriched_topic}
        if paused:
            consumer.pause_partitions(enriched)
        elif self.yielding:
            consumer.resume_partitions(enriched)
            # What Faust had fetched of them when they were paused it dropped (see "records Faust fetched and
            # dropped"): 5 records of one partition in a bench run, never storied. Read again from the commits.
            await consumer.perform_seek()
        if paused != self.yielding:
            behind = sum(position.lags().values()) if position is not None else "?"
            log.info("stories: %s (enrichment %s raw articles behind)", "yielding" if paused else "reading", behind)
        self.yielding = paused
        metrics.YIELDING.set(int(paused))

    # -- send helpers -------------------------------------------------------------------------------------

    async def _send(self, topic: Any, key: str, value: dict, partition: int | None = None) -> None:
        partition = logic.partition_of(key, self.partitions) if partition is None else partition
        await topic.send(key=key.encode(), value=value, partition=partition)

    # -- 1: enriched records in ---------------------------------------------------------------------------

    async def on_enriched(self, value: bytes) -> None:
        try:
            record = orjson.loads(value)
            article = logic.Article.of(record, self.hasher, self.partitions)
        except (ValueError, KeyError, TypeError) as error:
            metrics.STORY_UNREADABLE.inc()
            log.warning("stories: skipped an enriched record it cannot read: %s", error)
            return
        message = article.to_message()
        if record.get("schema_version") == 3:  # the record travels with it as text, for articles.storied
            message["record"] = value.decode("utf-8")
        await self._send(self.answers_topic, article.id, message)
        for partition, keys in article.bands.items():
            await self._send(
                self.bands_topic,
                article.id,
                {"kind": "add", "id": article.id, "t": article.t, "source": article.source, "keys": keys},
                partition=int(partition),
            )

    # -- 2: band keys -------------------------------------------------------------------------------------

    async def on_band(self, event: Any) -> None:
        message = event.value
        if message["kind"] == "story":  # an article's decision, recorded beside it in each band key
            for key in message["keys"]:
                entries = self.bands.get(key) or []
                for entry in entries:
                    if entry["id"] != message["id"] or entry["story"] == message["story"]:
                        continue
                    # Its own story is what an entry without one already means to logic.decide. Most articles
                    # start a story: writing it into their 32 band keys made a quarter of the stage's table
                    # writes (88 -> 66 per article on tests/unit/stories' articles, half of them copies).
                    if entry["story"] is None and message["story"] == entry["id"]:
                        continue
                    entry["story"], entry["first"] = message["story"], message["first"]
                    self.bands[key] = entries
            return
        shared: dict[str, dict[str, Any]] = {}
        for key in message["keys"]:
            entries, changed = logic.add_to_band(self.bands.get(key) or [], message, self.settings.story_horizon_s)
            for entry in entries:  # those that came before it: a redelivered article answers as it did
                if entry["id"] == message["id"]:
                    break
                shared.setdefault(entry["id"], dict(entry, shared=0))["shared"] += 1
            if changed:
                self.bands[key] = entries
        await self._send(
            self.answers_topic,
            message["id"],
            {
                "kind": "answer",
                "id": message["id"],
                "partition": event.message.partition,
                "hits": list(shared.values()),
            },
        )
        self._maybe_sweep(self.bands, event.message.partition, self._band_expired)

    # -- 3: decisions -------------------------------------------------------------------------------------
    #
    # An article's state (in story_pending until decided, then story_assigned, keyed by its id): its article
    # message, its band answers by partition, the revisions candidates sent it (by candidate id) and the later
    # articles that took their story from it (followers). Whenever its story is decided or changes, it sends a
    # revision to every later article that may depend on it: those that came before it in a band key (they
    # could not see it there) and its followers. Revisions only go from earlier to later articles, so they
    # end; each decision is a function of the state, so the stories end the same whatever the arrival order.

    async def on_answer(self, event: Any) -> None:
        message = event.value
        article_id = message["id"]
        record = message.pop("record", None)  # on an article message: its enriched record, as JSON text
        state = self.assigned.get(article_id)
        if state is None:
            await self._on_undecided(article_id, message, record)
        else:
            await self._on_decided(article_id, state, message, record)
        partition = event.message.partition
        self._maybe_sweep(self.assigned, partition, self._article_expired)
        self._maybe_sweep(self.pending, partition, self._article_expired)
        self._maybe_sweep(self.records, partition, self._record_expired)

    async def _on_undecided(self, article_id: str, message: dict[str, Any], record: str | None) -> None:
        state = self.pending.get(article_id) or {"article": None, "answers": {}, "revisions": {}, "followers": []}
        _absorb(state, message)
        article_message = state["article"]
        if article_message is None or set(article_message["bands"]) - set(state["answers"]):
            self.pending[article_id] = state
            if record is not None:
                self.records[article_id] = [message["t"], record]
            return
        article = logic.Article.from_message(article_message)
        story = _decide(article, state)
        state["story"] = _story_dict(story)
        self.assigned[article_id] = state
        if self.pending.get(article_id) is not None:
            del self.pending[article_id]
        held = self.records.get(article_id)
        if held is not None:  # no longer held, whichever delivery brought the record
            record = record or held[1]
            del self.records[article_id]
        metrics.STORY_ASSIGNMENTS.labels(str(story.duplicate_of is not None).lower()).inc()
        await self._announce(article, story, state, record, first=True)

    async def _on_decided(
        self, article_id: str, state: dict[str, Any], message: dict[str, Any], record: str | None
    ) -> None:
        kind = message["kind"]
        if kind == "answer":  # redelivered: the answers were complete
            return
        article = logic.Article.from_message(state["article"])
        if kind == "article":  # redelivered: the same story again, downstream is idempotent
            await self._publish(article, _story(state["story"]), record)
            return
        _absorb(state, message)
        story = _decide(article, state)
        if kind == "follow":
            self.assigned[article_id] = state
            await self._revise(article, story, state, [message["follower"]])
            return
        if story == _story(state["story"]):
            self.assigned[article_id] = state
            return
        state["story"] = _story_dict(story)
        self.assigned[article_id] = state
        metrics.STORY_REVISIONS.inc()
        await self._announce(article, story, state)

    async def _announce(
        self,
        article: logic.Article,
        story: logic.Story,
        state: dict[str, Any],
        record: str | None = None,
        first: bool = False,
    ) -> None:
        """A new or changed story: published (with the enriched record while it is held), followed (the copy it
        took it from tells it of changes), and sent to the later articles that may depend on it."""
        # An article's band entries start without a story, which means its own (see on_band): a first story that
        # is its own changes none of them, and most articles start one: not sending it saves about 4 of the ~20
        # messages per article (the stage alone: 74.8 articles/s against 68.8, means of three runs in turns).
        await self._publish(article, story, record, to_bands=not first or story.id != article.id)
        if story.duplicate_of is not None:
            await self._send(
                self.answers_topic,
                story.duplicate_of,
                {"kind": "follow", "id": story.duplicate_of, "follower": article.id},
            )
        await self._revise(article, story, state)

    async def _revise(
        self, article: logic.Article, story: logic.Story, state: dict[str, Any], targets: list[str] | None = None
    ) -> None:
        """The article's story and the band keys it shares with each target that the target did not see; the
        targets are by default every later article that may depend on it (later candidates and followers)."""
        own = logic.merge_hits(state["answers"].values())
        if targets is None:
            later = {key for key, candidate in own.items() if logic.comes_after(candidate, article)}
            targets = sorted(later | set(state["followers"]))
        first = {"source": story.first_source, "t": story.first_t}
        for target in targets:
            shared = own[target]["shared"] if target in own else 0
            hit = {
                "id": article.id,
                "t": article.t,
                "source": article.source,
                "shared": shared,
                "story": story.id,
                "first": first,
            }
            await self._send(self.answers_topic, target, {"kind": "revise", "id": target, "hit": hit})

    async def _publish(
        self, article: logic.Article, story: logic.Story, enriched: str | None, to_bands: bool = True
    ) -> None:
        record = {
            "schema_version": schemas.VERSIONS[schemas.STORY],
            "id": article.id,
            "source": article.source,
            "time": logic.moment(article.t),
            "story": story.to_dict(),
            "assigned_at": schemas.timestamp(),
        }
        schemas.validate(schemas.STORY, record)
        await self.stories_out.send(key=article.id.encode(), value=schemas.encode(record))
        first = {"source": story.first_source, "t": story.first_t}
        for partition, keys in article.bands.items() if to_bands else ():
            await self._send(
                self.bands_topic,
                article.id,
                {"kind": "story", "id": article.id, "story": story.id, "first": first, "keys": keys},
                partition=int(partition),
            )
        by_partition: dict[int, list[list[Any]]] = defaultdict(list)
        for entity in article.entities:
            by_partition[logic.partition_of(entity[0], self.partitions)].append(entity)
        for entity_partition, entities in by_partition.items():
            await self._send(
                self.mentions_topic,
                article.id,
                {"id": article.id, "story": story.id, "t": article.t, "entities": entities},
                partition=entity_partition,
            )
        if enriched is not None:
            storied = records.storied_payload(enriched.encode("utf-8"), story.to_dict())
            await self.storied_out.send(key=article.id.encode(), value=storied)

    # -- 4: trending counts, by entity --------------------------------------------------------------------

    async def on_mentions(self, event: Any) -> None:
        message = event.value
        partition = event.message.partition
        bucket = logic.bucket_of(message["t"], self.step)
        horizon = (self.settings.trending_baseline_windows + 1) * self.size + self.step
        for key, name, kind, count in message["entities"]:
            bucket_key = f"{key}\x1f{bucket}"
            articles = self.bucket_articles.get(bucket_key) or {}
            held = articles.get(message["id"])
            if held is None or held[0] != message["story"]:  # new, or its story revised
                articles[message["id"]] = [message["story"], count if held is None else held[1]]
                self.bucket_articles[bucket_key] = articles
                self.dirty.update(logic.window_ends(bucket, self.size, self.step))
            # The bucket's figures are recounted from its articles, never incremented: the two tables' writes
            # of one message are not atomic, and a kill between them must not leave a redelivered article
            # counted in one and skipped in the other (a trending count one short of the recount, 2 of 63
            # runs of the SIGKILL test under load).
            figures = [len(articles), sum(n for _, n in articles.values())]
            summary = self.entities.get(key) or {"name": name, "type": kind, "partition": partition, "buckets": {}}
            if summary["buckets"].get(str(bucket)) == figures:
                continue
            summary["buckets"][str(bucket)] = figures
            newest = max(int(b) for b in summary["buckets"])
            for old in [b for b in summary["buckets"] if int(b) < newest - horizon]:
                del summary["buckets"][old]
                if self.bucket_articles.get(f"{key}\x1f{old}") is not None:
                    del self.bucket_articles[f"{key}\x1f{old}"]
            self.entities[key] = summary
            self.dirty.update(logic.window_ends(bucket, self.size, self.step))

    def _entity_figures(self, key: str, summary: dict[str, Any], end: int) -> dict[str, Any]:
        articles, mentions = logic.window_articles(summary["buckets"], end, self.size, self.step)
        stories = set()
        for bucket in logic.window_buckets(end, self.size, self.step):
            for story, _ in (self.bucket_articles.get(f"{key}\x1f{bucket}") or {}).values():
                stories.add(story)
        base = logic.baseline(summary["buckets"], end, self.size, self.step, self.settings.trending_baseline_windows)
        return {
            "key": key,
            "name": summary["name"],
            "type": summary["type"],
            "articles": articles,
            "stories": len(stories),
            "mentions": mentions,
            "baseline": round(base, 3),
            "burst": logic.burst_score(articles, base),
        }

    async def publish_local_tops(self) -> None:
        """Each dirty window's top entities among those this worker owns, to the window's partition."""
        if not self.dirty or self.app.consumer is None:
            return
        topic = self.mentions_topic.get_topic_name()
        owned = {tp.partition for tp in self.app.consumer.assignment() if tp.topic == topic}
        ends, self.dirty = sorted(self.dirty), set()
        local = [(key, summary) for key, summary in self.entities.items() if summary["partition"] in owned]
        for end in ends:
            ranked = []
            for key, summary in local:
                articles, mentions = logic.window_articles(summary["buckets"], end, self.size, self.step)
                if articles:
                    ranked.append((-articles, -mentions, key))  # the order of logic.merge_window
            top = heapq.nsmallest(self.settings.trending_top, ranked)
            if top:
                figures = [self._entity_figures(key, self.entities.get(key), end) for _, _, key in top]
                await self._send(self.windows_topic, str(end), {"end": end, "entities": figures})

    def mark_recovered_windows_dirty(self) -> None:
        """After a restart the in-memory list of unpublished windows is gone: the windows around each owned
        entity's newest bucket are published again (the counts come from the recovered tables)."""
        for summary in self.entities.values():
            if summary["buckets"]:
                self.dirty.update(logic.window_ends(max(int(b) for b in summary["buckets"]), self.size, self.step))

    # -- 5: one window's top entities ---------------------------------------------------------------------

    async def on_window(self, event: Any) -> None:
        message = event.value
        key = str(message["end"])
        merged = logic.merge_window(self.windows.get(key) or {}, message["entities"], 5 * self.settings.trending_top)
        self.windows[key] = merged
        end = int(message["end"])
        top = list(merged.values())[: self.settings.trending_top]
        record = {
            "schema_version": schemas.VERSIONS[schemas.TRENDING],
            "window": {
                "start": logic.moment(end - self.size),
                "end": logic.moment(end),
                "size_s": self.size,
                "step_s": self.step,
            },
            "entities": top,
            "published_at": schemas.timestamp(),
        }
        schemas.validate(schemas.TRENDING, record)
        await self.trending_out.send(key=logic.moment(end).encode(), value=schemas.encode(record))
        if end >= self.latest_published:
            self.latest_published = end
            _export(top, end)
        self._maybe_sweep(self.windows, event.message.partition, self._window_expired)

    # -- expiry -------------------------------------------------------------------------------------------

    def _maybe_sweep(self, table: Any, partition: int, expired: Callable[[str, Any], bool]) -> None:
        """Every _SWEEP_EVERY messages of a partition, delete that partition's expired keys: inside an event of
        the same partition, as a table write must be (a full scan of the table, hence not on every message)."""
        counter = (table.name, partition)
        self.seen[counter] += 1
        if self.seen[counter] < _SWEEP_EVERY:
            return
        self.seen[counter] = 0
        doomed = [
            key
            for key, value in table.items()
            if value is not None and logic.partition_of(key, self.partitions) == partition and expired(key, value)
        ]
        for key in doomed:
            del table[key]
        if doomed:
            log.info("stories: %d expired keys of %s[%d] deleted", len(doomed), table.name, partition)

    def _article_expired(self, _key: str, value: dict[str, Any]) -> bool:
        article = value.get("article")
        return article is not None and article["t"] < self.newest_t - self.settings.story_horizon_s

    def _record_expired(self, _key: str, held: list[Any]) -> bool:
        return float(held[0]) < self.newest_t - self.settings.story_horizon_s

    def _band_expired(self, _key: str, entries: list[dict[str, Any]]) -> bool:
        return all(e["t"] < self.newest_t - self.settings.story_horizon_s for e in entries)

    def _window_expired(self, key: str, _value: Any) -> bool:
        return int(key) < self.newest_t - (self.settings.trending_baseline_windows + 2) * self.size


def _absorb(state: dict[str, Any], message: dict[str, Any]) -> None:
    """One answers-topic message into an article's state; each kind replaces what the same sender sent
    before, so a redelivered message changes nothing."""
    kind = message["kind"]
    if kind == "article":
        state["article"] = message
    elif kind == "answer":
        state["answers"][str(message["partition"])] = message["hits"]
    elif kind == "revise":
        state["revisions"][message["hit"]["id"]] = message["hit"]
    elif kind == "follow" and message["follower"] not in state["followers"]:
        state["followers"].append(message["follower"])


def _decide(article: logic.Article, state: dict[str, Any]) -> logic.Story:
    return logic.decide(article, logic.merge_hits(state["answers"].values(), state["revisions"].values()))


def _story_dict(story: logic.Story) -> dict[str, Any]:
    return {"id": story.id, "duplicate_of": story.duplicate_of, "source": story.first_source, "t": story.first_t}


def _story(value: dict[str, Any]) -> logic.Story:
    return logic.Story(value["id"], value["duplicate_of"], value["source"], value["t"])


def _export(entities: list[dict[str, Any]], end: int) -> None:
    """The newest window's top entities as gauges (replacing the previous window's: labels stay bounded)."""
    for gauge in (metrics.TRENDING_ARTICLES, metrics.TRENDING_STORIES, metrics.TRENDING_BURST):
        gauge.clear()
    for entity in entities:
        labels = (entity["key"], entity["name"], entity["type"])
        metrics.TRENDING_ARTICLES.labels(*labels).set(entity["articles"])
        metrics.TRENDING_STORIES.labels(*labels).set(entity["stories"])
        metrics.TRENDING_BURST.labels(*labels).set(entity["burst"])
    metrics.TRENDING_WINDOW_END.set(end)


def register_stories(app: faust.App, settings: Settings) -> StoriesStage:
    """Add the stories stage's topics, tables, agents and timer to a Faust app."""
    stage = StoriesStage(app, settings)

    @app.agent(stage.enriched, name="stories-articles")
    async def articles(stream: Any) -> None:
        async for event in stream.events():
            await stage.on_enriched(event.value)
            stage.handled(event)

    def agent(topic: Any, name: str, handle: Callable[[Any], Awaitable[None]]) -> None:
        async def consume(stream: Any) -> None:
            async for event in stream.events():
                try:
                    stage.note_time(event.value)
                    await handle(event)
                    stage.handled(event)
                except Exception:  # a bug on one message must cost that message, not the stage
                    metrics.STAGE_ERRORS.labels(name).inc()
                    log.exception(
                        "stories: %s failed on %s[%d]@%d",
                        name,
                        event.message.topic,
                        event.message.partition,
                        event.message.offset,
                    )

        app.agent(topic, name=f"stories-{name}")(consume)

    agent(stage.bands_topic, "bands", stage.on_band)
    agent(stage.answers_topic, "answers", stage.on_answer)
    agent(stage.mentions_topic, "mentions", stage.on_mentions)
    agent(stage.windows_topic, "windows", stage.on_window)

    @app.timer(settings.trending_publish_s)
    async def publish_trending() -> None:
        await stage.publish_local_tops()

    @app.timer(STALLED_AFTER_S / 4)
    async def refetch_stalled() -> None:
        await stage.refetch_stalled()

    if settings.stories_yield_lag > 0:
        raw = [TP(settings.raw_topic, p) for p in range(settings.topic_partitions)]
        offsets = PartitionOffsets(lambda: raw, kafka_clients.aiokafka(settings))
        enrichment = GroupLag(offsets, settings.app_id, settings.raw_topic, kafka_clients.aiokafka(settings))

        @app.timer(YIELD_LOOK_S)
        async def give_way() -> None:
            await stage.give_way(enrichment)

        async def close_lag_clients(_app: faust.App, **_kwargs: object) -> None:
            await enrichment.close()
            await offsets.close()

        app.on_before_shutdown.connect(close_lag_clients)  # type: ignore[arg-type]

    _seek_uncommitted_to_the_beginning(app, stage)

    assigned_at: list[float] = []

    @app.on_partitions_assigned.connect
    async def on_assigned(*_args: Any, **_kwargs: Any) -> None:
        assigned_at.append(time.monotonic())
        stage.processed.clear()  # read again from the committed offsets
        stage.behind.clear()

    async def on_recovered() -> None:
        if assigned_at:
            seconds = time.monotonic() - assigned_at[-1]
            metrics.TABLE_RECOVERY_SECONDS.set(seconds)
            log.info(
                "stories: tables recovered in %.2fs (%d entities, %d stories decided)",
                seconds,
                len(stage.entities),
                len(stage.assigned),
            )
        stage.mark_recovered_windows_dirty()

    stage.entities.on_recover(on_recovered)
    return stage


def create_stories_app(settings: Settings) -> faust.App:
    """`khabar stories`: a Faust app of its own (the enricher's batch loop runs without Faust's consumer)."""
    datadir = settings.state_dir / "stories"
    datadir.mkdir(parents=True, exist_ok=True)  # Faust does not create its datadir
    app = faust.App(
        logic.app_id(settings),
        broker=settings.kafka_url,
        broker_credentials=kafka_clients.faust_credentials(settings),
        topic_replication_factor=settings.replication_factor,
        autodiscover=False,
        datadir=str(datadir),
        topic_partitions=settings.topic_partitions,
        consumer_auto_offset_reset="earliest",
        broker_session_timeout=settings.session_timeout_s,
        web_host=settings.worker_host,
        web_bind=settings.worker_host,  # Faust binds web_bind, 0.0.0.0 by default
        web_port=settings.stories_port,
        web_in_thread=False,
        # Faust's 16 KB batches without linger made each ~30 KB record (the answers topic, story_records,
        # articles.storied) and most table writes a produce request of their own. Beside a worker, in three
        # interleaved pairs, the broker then used 0.52 of a core, not 0.35, and cost the worker 29%, not 23%.
        producer_max_batch_size=524_288,
        producer_linger=0.02,
    )
    _drain_before_commit(app)
    register_stories(app, settings)

    @app.page("/metrics")
    async def metrics_page(web: Any, request: Any) -> Any:
        """The stage's own metrics. Not Faust's Prometheus sensor: it updates labelled series on every event, send
        and table access, about 20 of each per article here, and took 14% of the stage's CPU (py-spy, 3,000
        articles). Without it the stage alone handled 61.3 articles/s, not 45.7 (means of three runs, taken in
        turns); no dashboard or alert reads its faust_* series."""
        return web.bytes(generate_latest(REGISTRY), headers={"Content-Type": CONTENT_TYPE_LATEST})

    @app.page("/healthz")
    async def healthz(web: Any, request: Any) -> Any:
        return web.json({"status": "alive", "version": __version__})

    @app.page("/readyz")
    async def readyz(web: Any, request: Any) -> Any:
        """Ready when this process owns enriched-topic partitions and its tables are recovered."""
        assigned = (
            sorted(tp.partition for tp in app.consumer.assignment() if tp.topic == settings.enriched_topic)
            if app.consumer is not None
            else []
        )
        ready = bool(assigned) and not app.in_recovery
        return web.json({"ready": ready, "partitions": assigned}, status=200 if ready else 503)

    return app


def _drain_before_commit(app: faust.App) -> None:
    """Table writes reach their changelogs through the producer's buffer, which Faust flushes before it
    commits the input offsets; but its flush returns as soon as 0.1 s pass without a message leaving the buffer,
    drained or not. A commit could then outrun the table writes of the events it covers, and a SIGKILL lose them
    with nothing left to redeliver (articles with no story: 10 of 60 after one kill in a CI-style run). Flushed
    until empty, the commit waits for them (faust-streaming 0.15)."""
    buffer = app.producer.buffer
    flush_some = buffer.flush_atmost

    async def flush() -> None:
        while buffer.size:
            await flush_some(buffer.size)

    buffer.flush = flush  # type: ignore[method-assign]


def _seek_uncommitted_to_the_beginning(app: faust.App, stage: StoriesStage) -> None:
    """Faust's seek back to the committed offsets (after a rebalance, a resumed flow, a stall) also seeks the
    stage's input partitions that have none to their beginning (see StoriesStage, "records Faust fetched and
    dropped")."""
    consumer: Any = app.consumer  # faust's Consumer: ConsumerT does not declare seek_to_committed
    seek_to_committed = consumer.seek_to_committed

    async def seek() -> Any:
        committed = await seek_to_committed()
        await stage.seek_uncommitted_to_the_beginning(committed)
        return committed

    consumer.seek_to_committed = seek


def run_stories(settings: Settings, loglevel: str = "warning") -> None:
    app = create_stories_app(settings)
    faust.Worker(app, loglevel=loglevel, quiet=True).execute_from_commandline()

"""How far a consumer group is behind on a topic, per partition: the log end offset minus the group's committed
offset. The committed offsets come from the group coordinator, not from any worker's memory, so the figure is
what a restarted worker would resume from. Read by the enricher (its lag gauge) and by the stories stage (which
yields to the enrichment workers while they work through a backlog).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

REFRESH_S = 5.0  # a Prometheus scrape interval is usually 15 s: fresher figures would not be seen


class PartitionOffsets:
    """Partitions (from a callable: a worker's assignment, say) with their end and start offsets, looked up by a
    group-less consumer of its own: a worker's own consumer belongs to its batch loop's thread."""

    def __init__(self, assignment: Callable[[], Iterable], client_config: dict):
        """`client_config`: kafka_clients.aiokafka(settings)."""
        self._assignment, self.client_config = assignment, client_config
        self._consumer: AIOKafkaConsumer | None = None

    def assignment(self) -> set:
        return set(self._assignment())

    async def highwaters(self, *partitions) -> dict:
        return await (await self._client()).end_offsets(list(partitions))

    async def earliest_offsets(self, *partitions) -> dict:
        return await (await self._client()).beginning_offsets(list(partitions))

    async def _client(self) -> AIOKafkaConsumer:
        if self._consumer is None:
            consumer = AIOKafkaConsumer(
                **self.client_config,
                client_id="khabar-lag",
                enable_auto_commit=False,
                request_timeout_ms=int(REFRESH_S * 1000),
            )
            try:
                await consumer.start()
            except BaseException:
                await consumer.stop()
                raise
            self._consumer = consumer
        return self._consumer

    async def close(self) -> None:
        if self._consumer is not None:
            consumer, self._consumer = self._consumer, None
            await consumer.stop()


@dataclass(frozen=True)
class GroupPosition:
    """Per partition: the log end offset and where the group resumes (its commit, or the log start)."""

    ends: dict[int, int]
    resumes: dict[int, int]
    committed: bool  # whether the group has committed anything on these partitions

    def lags(self) -> dict[int, int]:
        return {p: max(0, end - self.resumes[p]) for p, end in self.ends.items()}


class GroupLag:
    def __init__(self, consumer, group_id: str, topic: str, client_config: dict):
        """`consumer`: the partitions and their end / start offsets (`PartitionOffsets`, or a fake in tests);
        `client_config`: kafka_clients.aiokafka(settings)."""
        self.consumer, self.group_id, self.topic = consumer, group_id, topic
        self.client_config = client_config
        self._admin: AIOKafkaAdminClient | None = None

    def partitions(self) -> list:
        return sorted(tp for tp in self.consumer.assignment() if tp.topic == self.topic)

    async def position(self, partitions: list) -> GroupPosition:
        # End offsets from the partitions' leaders; commits from the coordinator.
        ends = await self.consumer.highwaters(*partitions)
        admin = await self._admin_client()
        committed = await admin.list_consumer_group_offsets(
            self.group_id, partitions=[TopicPartition(tp.topic, tp.partition) for tp in partitions]
        )
        # A partition the group never committed is read from its start (auto_offset_reset="earliest").
        never = [tp for tp in partitions if committed.get(tp) is None or committed[tp].offset < 0]
        starts = await self.consumer.earliest_offsets(*never) if never else {}
        return GroupPosition(
            ends={tp.partition: ends[tp] for tp in partitions},
            resumes={tp.partition: starts[tp] if tp in starts else committed[tp].offset for tp in partitions},
            committed=len(never) < len(partitions),
        )

    async def probe_broker(self) -> None:
        """Raise unless the cluster answers a metadata request (the readiness check's broker half)."""
        admin = await self._admin_client()
        await admin.describe_cluster()

    async def _admin_client(self) -> AIOKafkaAdminClient:
        if self._admin is None:
            admin = AIOKafkaAdminClient(
                **self.client_config, client_id="khabar-lag", request_timeout_ms=int(REFRESH_S * 1000)
            )
            try:
                await admin.start()
            except BaseException:
                await admin.close()
                raise
            self._admin = admin
        return self._admin

    async def close(self) -> None:
        if self._admin is not None:
            admin, self._admin = self._admin, None
            await admin.close()

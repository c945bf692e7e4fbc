"""Consumer lag of the raw topic, per partition: the log end offset minus the consumer group's committed offset.

Faust's Prometheus sensor exports no lag. Each worker reports only the partitions assigned to it, so summing the
series of all workers counts each partition once, and a partition a rebalance moved away stops being reported
here (its new owner reports it). The committed offsets come from the group coordinator, not from this
worker's memory, so the figure is what a restarted worker would resume from.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from khabar.enricher.metrics import CONSUMER_LAG

log = logging.getLogger(__name__)

REFRESH_S = 5.0  # a Prometheus scrape interval is usually 15 s: fresher figures would not be seen


class PartitionOffsets:
    """The worker's assigned partitions (from its batch loop) with their end and start offsets, looked up by a
    group-less consumer of its own: the loop's consumer belongs to the loop's thread."""

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


class ConsumerLag:
    def __init__(self, consumer, group_id: str, topic: str, client_config: dict):
        """`consumer`: the assignment and its end / start offsets (`PartitionOffsets`, or a fake in tests);
        `client_config`: kafka_clients.aiokafka(settings)."""
        self.consumer, self.group_id, self.topic = consumer, group_id, topic
        self.client_config = client_config
        self._admin: AIOKafkaAdminClient | None = None
        self._exported: set[int] = set()

    async def refresh(self) -> None:
        """Update the gauge for this worker's partitions; a failed look-up leaves the last figures and logs why."""
        partitions = sorted(tp for tp in self.consumer.assignment() if tp.topic == self.topic)
        try:
            lags = await asyncio.wait_for(self._lags(partitions), REFRESH_S) if partitions else {}
        except (TimeoutError, KafkaError, OSError) as error:
            log.warning("consumer lag of %s not refreshed: %r", self.topic, error)
            return
        for partition in self._exported - lags.keys():
            CONSUMER_LAG.remove(self.topic, str(partition))
        for partition, lag in lags.items():
            CONSUMER_LAG.labels(self.topic, str(partition)).set(lag)
        self._exported = set(lags)

    async def _lags(self, partitions: list) -> dict[int, int]:
        # End offsets from the partitions' leaders; commits from the coordinator.
        ends = await self.consumer.highwaters(*partitions)
        admin = await self._admin_client()
        committed = await admin.list_consumer_group_offsets(
            self.group_id, partitions=[TopicPartition(tp.topic, tp.partition) for tp in partitions]
        )
        # A partition the group never committed is read from its start (auto_offset_reset="earliest").
        never = [tp for tp in partitions if committed.get(tp) is None or committed[tp].offset < 0]
        starts = await self.consumer.earliest_offsets(*never) if never else {}
        return {
            tp.partition: max(0, ends[tp] - (starts[tp] if tp in starts else committed[tp].offset)) for tp in partitions
        }

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

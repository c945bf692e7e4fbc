"""Consumer lag per partition, computed from fakes of the partition offsets and of the admin client's offset fetch."""

from __future__ import annotations

import asyncio

import pytest
from aiokafka.errors import KafkaConnectionError
from aiokafka.structs import OffsetAndMetadata, TopicPartition
from prometheus_client import REGISTRY

from khabar import lag as lag_module
from khabar.enricher.lag import ConsumerLag

TOPIC = "raw-lag-test"


class FakeConsumer:
    def __init__(self, ends: dict[int, int], starts: dict[int, int]):
        self.assigned = {TopicPartition(TOPIC, p) for p in ends} | {TopicPartition("other", 0)}
        self.ends, self.starts = ends, starts

    def assignment(self):
        return self.assigned

    async def highwaters(self, *tps):
        return {tp: self.ends[tp.partition] for tp in tps}

    async def earliest_offsets(self, *tps):
        return {tp: self.starts[tp.partition] for tp in tps}


class FakeAdmin:
    committed: dict[int, int] = {}
    error: Exception | None = None
    closed = 0

    def __init__(self, **_config):
        pass

    async def start(self):
        pass

    async def close(self):
        FakeAdmin.closed += 1

    async def list_consumer_group_offsets(self, group_id, partitions):
        if FakeAdmin.error:
            raise FakeAdmin.error
        assert group_id == "group" and {tp.topic for tp in partitions} == {TOPIC}
        return {
            tp: OffsetAndMetadata(FakeAdmin.committed[tp.partition], "")
            for tp in partitions
            if tp.partition in FakeAdmin.committed
        }


@pytest.fixture
def admin(monkeypatch):
    monkeypatch.setattr(lag_module, "AIOKafkaAdminClient", FakeAdmin)
    FakeAdmin.committed, FakeAdmin.error, FakeAdmin.closed = {}, None, 0
    return FakeAdmin


def lag(partition: int) -> float | None:
    return REGISTRY.get_sample_value("khabar_consumer_lag_messages", {"topic": TOPIC, "partition": str(partition)})


def test_lag_is_end_minus_committed_or_minus_the_log_start_when_never_committed(admin):
    consumer = FakeConsumer(ends={0: 10, 1: 5, 2: 8}, starts={0: 0, 1: 1, 2: 0})
    admin.committed = {0: 7, 2: -1}  # partition 1 absent from the answer, partition 2 answered with "none"
    monitor = ConsumerLag(consumer, "group", TOPIC, {"bootstrap_servers": "127.0.0.1:1"})
    asyncio.run(monitor.refresh())
    assert [lag(0), lag(1), lag(2)] == [3, 4, 8]


def test_partitions_moved_away_stop_being_reported(admin):
    consumer = FakeConsumer(ends={0: 4, 1: 4}, starts={0: 0, 1: 0})
    admin.committed = {0: 4, 1: 1}
    monitor = ConsumerLag(consumer, "group", TOPIC, {"bootstrap_servers": "127.0.0.1:1"})

    async def scenario():
        await monitor.refresh()
        assert [lag(0), lag(1)] == [0, 3]
        consumer.assigned = {TopicPartition(TOPIC, 0)}  # a rebalance gave partition 1 to another worker
        await monitor.refresh()
        await monitor.close()

    asyncio.run(scenario())
    assert [lag(0), lag(1)] == [0, None]
    assert admin.closed == 1


def test_a_failed_look_up_keeps_the_last_figures_and_does_not_raise(admin):
    consumer = FakeConsumer(ends={0: 9}, starts={0: 0})
    admin.committed = {0: 4}
    monitor = ConsumerLag(consumer, "group", TOPIC, {"bootstrap_servers": "127.0.0.1:1"})
    asyncio.run(monitor.refresh())
    consumer.ends[0] = 20
    admin.error = KafkaConnectionError("broker gone")
    asyncio.run(monitor.refresh())
    assert lag(0) == 5

"""The worker's consumer lag of the raw topic, per partition, as a gauge.

Faust's Prometheus sensor exports no lag. Each worker reports only the partitions assigned to it, so summing the
series of all workers counts each partition once, and a partition a rebalance moved away stops being reported
here (its new owner reports it).
"""

from __future__ import annotations

import asyncio
import logging

from aiokafka.errors import KafkaError

from khabar.enricher.metrics import CONSUMER_LAG
from khabar.lag import REFRESH_S, GroupLag

log = logging.getLogger(__name__)


class ConsumerLag(GroupLag):
    def __init__(self, consumer, group_id: str, topic: str, client_config: dict):
        super().__init__(consumer, group_id, topic, client_config)
        self._exported: set[int] = set()

    async def refresh(self) -> None:
        """Update the gauge for this worker's partitions; a failed look-up leaves the last figures and logs why."""
        partitions = self.partitions()
        try:
            lags = (await asyncio.wait_for(self.position(partitions), REFRESH_S)).lags() if partitions else {}
        except (TimeoutError, KafkaError, OSError) as error:
            log.warning("consumer lag of %s not refreshed: %r", self.topic, error)
            return
        for partition in self._exported - lags.keys():
            CONSUMER_LAG.remove(self.topic, str(partition))
        for partition, lag in lags.items():
            CONSUMER_LAG.labels(self.topic, str(partition)).set(lag)
        self._exported = set(lags)

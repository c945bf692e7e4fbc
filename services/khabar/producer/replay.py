"""Sends raw records to the raw topic: keyed by article id, acks=all, idempotent, optionally rate-limited."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Callable, Iterable

from kafka import KafkaProducer
from kafka.errors import KafkaError

from khabar import kafka_clients, schemas
from khabar.config import Settings
from khabar.producer import metrics
from khabar.producer.sources import InputError

log = logging.getLogger(__name__)


@dataclass
class ReplayReport:
    sent: list[str] = field(default_factory=list)  # ids acknowledged by the broker
    failed: list[tuple[str, str]] = field(default_factory=list)  # (id, error) the broker refused
    invalid: list[InputError] = field(default_factory=list)  # inputs never sent

    @property
    def ok(self) -> bool:
        return not self.failed and not self.invalid


class Replayer:
    def __init__(self, settings: Settings, producer: KafkaProducer | None = None):
        self.settings = settings
        self.producer = producer or KafkaProducer(
            **kafka_clients.kafka_python(settings),
            acks="all",
            enable_idempotence=True,
            linger_ms=5,
            max_request_size=settings.producer_max_request_bytes,
            client_id="khabar-producer",
        )

    def replay(self, items: Iterable[dict | InputError], *, rate: float = 0,
               on_item: Callable[[], None] = lambda: None) -> ReplayReport:
        """Send every record of `items`; invalid items are reported, not sent. Blocks until all are acknowledged."""
        report = ReplayReport()
        started = time.monotonic()
        attempted = 0
        for item in items:
            attempted += 1
            if isinstance(item, InputError):
                log.warning("skipped %s", item)
                metrics.INVALID_INPUTS.inc()
                report.invalid.append(item)
            else:
                if rate:  # pace sends evenly rather than in bursts
                    delay = started + attempted / rate - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
                self._send(item, report)
            on_item()
        self.flush()
        return report

    def _send(self, record: dict, report: ReplayReport) -> None:
        self.send(record["id"], record["id"].encode(), schemas.encode(record), report)

    def send(self, label: str, key: bytes | None, value: bytes, report: ReplayReport) -> None:
        """Send one message as it is; `label` names it in the report (the article id, where known)."""

        def acked(_metadata):
            metrics.ARTICLES_SENT.inc()
            report.sent.append(label)

        def refused(error):
            metrics.SEND_ERRORS.labels(type(error).__name__).inc()
            report.failed.append((label, f"{type(error).__name__}: {error}"))

        try:
            future = self.producer.send(self.settings.raw_topic, key=key, value=value)
        except KafkaError as error:  # refused before sending, e.g. larger than max_request_size
            refused(error)
            return
        future.add_callback(acked).add_errback(refused)

    def flush(self) -> None:
        """Wait until the broker acknowledged or refused everything sent so far."""
        self.producer.flush()

    def close(self) -> None:
        self.producer.close()

"""Sends raw records to the raw topic: keyed by article id, acks=all, idempotent, optionally rate-limited."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from types import TracebackType

from kafka import KafkaProducer
from kafka.errors import KafkaError, KafkaTimeoutError

from khabar import kafka_clients, schemas
from khabar.config import Settings
from khabar.producer import metrics
from khabar.producer.sources import InputError

log = logging.getLogger(__name__)


@dataclass
class ReplayReport:
    sent: list[str] = field(default_factory=list)  # ids acknowledged by the broker
    failed: list[tuple[str, str]] = field(default_factory=list)  # (id, error) the broker refused
    retriable: list[str] = field(default_factory=list)  # the ids of `failed` refused for now only (broker away)
    on_sent: Callable[[str], None] = field(default=lambda label: None, repr=False)
    invalid: list[InputError] = field(default_factory=list)  # inputs never sent

    def __len__(self) -> int:
        """How many items this report accounts for."""
        return len(self.sent) + len(self.failed) + len(self.invalid)


# The longest a closing replayer waits for the broker's acknowledgements (kafka-python's close waits without end):
# a stop must not hang on a broker that is gone or swamped.
CLOSE_TIMEOUT_S = 10.0

# Articles per report of a long replay: the producer is flushed after each part, so a feed that never ends
# never grows the report or the producer's memory.
PART = 1000


def say_nothing(line: str) -> None:
    """The default problem printer: the problems stay in the report."""


class Replayer:
    def __init__(self, settings: Settings, producer: KafkaProducer | None = None) -> None:
        self.settings = settings
        self.producer = producer or KafkaProducer(
            **kafka_clients.kafka_python(settings),
            acks="all",
            enable_idempotence=True,
            linger_ms=5,
            max_request_size=settings.producer_max_request_bytes,
            client_id="khabar-producer",
        )

    def __enter__(self) -> Replayer:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def replay(
        self,
        items: Iterable[dict | InputError],
        *,
        rate: float = 0,
        on_item: Callable[[], None] = lambda: None,
        on_problem: Callable[[str], None] = say_nothing,
        on_sent: Callable[[str], None] = lambda label: None,
        until_unavailable: bool = False,
    ) -> ReplayReport:
        """Send every record of `items`; invalid items are reported, not sent. Blocks until all are acknowledged.

        `on_problem` hears of each invalid item as soon as it is read (a feed on standard input may never end),
        and of each refused one once the broker answered. `on_sent` hears of each id as the broker acknowledges
        it (from the producer's thread). With `until_unavailable`, no more items are taken once the broker
        refused one for now (it is away): the rest are left for a later try, rather than each waiting its
        minute for the broker."""
        report = ReplayReport(on_sent=on_sent)
        started = time.monotonic()
        attempted = 0
        for item in items:
            if until_unavailable and report.retriable:
                break
            attempted += 1
            if isinstance(item, InputError):
                log.info("skipped %s", item)
                metrics.INVALID_INPUTS.inc()
                report.invalid.append(item)
                on_problem(f"invalid: {item}")
            else:
                if rate:  # pace sends evenly rather than in bursts
                    delay = started + attempted / rate - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
                self._send(item, report)
            on_item()
        self.flush()
        for label, error in report.failed:
            on_problem(f"not sent: {label}: {error}")
        return report

    def replay_parts(
        self,
        items: Iterable[dict | InputError],
        *,
        part: int = PART,
        rate: float = 0,
        on_item: Callable[[], None] = lambda: None,
        on_problem: Callable[[str], None] = say_nothing,
    ) -> Iterator[ReplayReport]:
        """`replay` in parts of `part` items, a report for each, until `items` ends."""
        remaining = iter(items)
        while True:
            report = self.replay(islice(remaining, part), rate=rate, on_item=on_item, on_problem=on_problem)
            yield report
            if len(report) < part:
                return

    def _send(self, record: dict, report: ReplayReport) -> None:
        self.send(record["id"], record["id"].encode(), schemas.encode(record), report)

    def send(self, label: str, key: bytes | None, value: bytes, report: ReplayReport) -> None:
        """Send one message as it is; `label` names it in the report (the article id, where known)."""

        def acked(_metadata: object) -> None:
            metrics.ARTICLES_SENT.inc()
            report.sent.append(label)
            report.on_sent(label)

        def refused(error: BaseException) -> None:
            metrics.SEND_ERRORS.labels(type(error).__name__).inc()
            report.failed.append((label, f"{type(error).__name__}: {error}"))
            if getattr(error, "retriable", False):
                report.retriable.append(label)

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
        """Flush and close, within CLOSE_TIMEOUT_S; past it, what the broker has not acknowledged is left unconfirmed
        (the producer's thread is a daemon: it ends with the process)."""
        try:
            self.producer.close(timeout=CLOSE_TIMEOUT_S)
        except KafkaTimeoutError:
            log.warning(
                "the broker did not acknowledge every article within %.0f s of closing: the last ones are unconfirmed",
                CLOSE_TIMEOUT_S,
            )

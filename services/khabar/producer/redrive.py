"""Sends dead-lettered articles back to the raw topic once their cause is fixed (a limit raised, a bug fixed):
the original bytes under the original key. The original comes from the raw topic, which still holds it until
its retention ends, else from the dead letter's own copy when that copy is whole."""

from __future__ import annotations

import base64
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import TracebackType

from kafka import KafkaConsumer, TopicPartition

from khabar import kafka_clients, schemas
from khabar.config import Settings
from khabar.producer.replay import Replayer, ReplayReport

# How long to wait for the broker to return one raw message.
_FETCH_TIMEOUT_MS = 5000
# How messages in the dead-letter topic that are not dead letters are counted.
UNREADABLE = "not a dead letter"


@dataclass
class RedriveReport:
    found: Counter = field(default_factory=Counter)  # dead letters in the topic, by reason
    chosen: int = 0  # of the chosen reasons
    from_raw_topic: int = 0  # originals read back from the raw topic (the others from the dead letter)
    unrecoverable: list[str] = field(default_factory=list)  # chosen, but no original left: why
    sent: ReplayReport = field(default_factory=ReplayReport)


class Redriver:
    def __init__(self, settings: Settings, replayer: Replayer | None = None):
        self.settings = settings
        self.replayer = replayer or Replayer(settings)
        # One consumer walks the dead letters, the other fetches originals from the raw topic.
        self.letters, self.originals = (
            KafkaConsumer(
                **kafka_clients.kafka_python(settings),
                enable_auto_commit=False,
                client_id=f"khabar-redrive-{role}",
                isolation_level="read_committed",
            )
            for role in ("letters", "originals")
        )

    def redrive(self, reasons: set[str], dry_run: bool = False) -> RedriveReport:
        """Send back the original of every dead letter now in the topic whose reason is in `reasons`. Each
        run sends every match again (the enriched topic is keyed by article id, so the latest record wins)."""
        report = RedriveReport()
        for letter in self._dead_letters():
            if letter is None:
                report.found[UNREADABLE] += 1
                continue
            reason = letter["error"]["reason"]
            report.found[reason] += 1
            if reason not in reasons:
                continue
            report.chosen += 1
            source = letter["source"]
            where = f"{source['topic']}[{source['partition']}]@{source['offset']}"
            if letter["original"]["encoding"] is None:
                report.unrecoverable.append(f"{where}: the original message had no value")
                continue
            value = self._from_raw_topic(source)
            if value is not None:
                report.from_raw_topic += 1
            else:
                value = _whole_copy(letter["original"])
            if value is None:
                report.unrecoverable.append(
                    f"{where}: no longer in the raw topic, and the dead letter holds only its start"
                )
                continue
            if not dry_run:
                key = source["key"].encode("utf-8") if source["key"] is not None else None
                self.replayer.send(letter["id"] or where, key, value, report.sent)
        self.replayer.flush()
        return report

    def __enter__(self) -> Redriver:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self.letters.close()
        self.originals.close()
        self.replayer.close()

    def _dead_letters(self) -> Iterator[dict | None]:
        """Every dead letter in the topic, from its beginning to where it ended when this was called; None for
        a message there that is not one (not JSON, or not valid against the dead-letter schema)."""
        topic, consumer = self.settings.deadletter_topic, self.letters
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        consumer.assign(partitions)
        consumer.seek_to_beginning()
        for message in kafka_clients.messages_to_end(consumer, partitions):
            yield _dead_letter(message.value)

    def _from_raw_topic(self, source: dict) -> bytes | None:
        partition = TopicPartition(source["topic"], source["partition"])
        self.originals.assign([partition])
        self.originals.seek(partition, source["offset"])
        messages = self.originals.poll(timeout_ms=_FETCH_TIMEOUT_MS, max_records=1).get(partition, [])
        # A later offset means the message itself is gone (retention); none, that the partition is empty.
        return messages[0].value if messages and messages[0].offset == source["offset"] else None


def _dead_letter(value: bytes | None) -> dict | None:
    if value is None:
        return None
    try:
        letter = json.loads(value)
        schemas.validate(schemas.DEADLETTER, letter)
    except ValueError:  # not JSON, or a SchemaError
        return None
    return letter


def _whole_copy(original: dict) -> bytes | None:
    if original["data"] is None or original.get("truncated"):
        return None
    if original["encoding"] == "base64":
        return base64.b64decode(original["data"])
    return original["data"].encode("utf-8")

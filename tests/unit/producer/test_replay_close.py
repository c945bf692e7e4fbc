"""Closing a replayer is bounded: kafka-python's own close waits for the broker without end."""

from __future__ import annotations

import logging

import pytest
from kafka.errors import KafkaTimeoutError

from khabar.config import Settings
from khabar.producer import replay
from khabar.producer.replay import Replayer


class UnacknowledgedProducer:
    """A producer whose broker never acknowledges: its close raises once the timeout passes, as kafka-python's
    flush does."""

    def __init__(self) -> None:
        self.timeouts: list[float | None] = []

    def close(self, timeout: float | None = None) -> None:
        self.timeouts.append(timeout)
        raise KafkaTimeoutError("Timeout waiting for future")


def test_close_gives_up_after_its_timeout_and_says_so(caplog: pytest.LogCaptureFixture) -> None:
    producer = UnacknowledgedProducer()
    replayer = Replayer(Settings(), producer=producer)  # type: ignore[arg-type]
    with caplog.at_level(logging.WARNING, logger=replay.__name__):
        replayer.close()
    assert producer.timeouts == [replay.CLOSE_TIMEOUT_S]
    assert "did not acknowledge" in caplog.text

"""`khabar kafka up` on an already running broker is harmless."""

import pytest

pytestmark = pytest.mark.integration


def test_up_twice_reuses_the_running_broker(kafka_broker):
    pid = kafka_broker.pid()
    assert pid is not None
    assert kafka_broker.up() == 0.0
    assert kafka_broker.pid() == pid
    assert kafka_broker.log_file.exists() and "Kafka Server started" in kafka_broker.log_file.read_text()

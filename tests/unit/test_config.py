from pathlib import Path

import pytest

from khabar.config import Settings


def test_environment_overrides_defaults_with_types():
    settings = Settings.from_env({"KHABAR_KAFKA_PORT": "19092", "KHABAR_BATCH_TIMEOUT_S": "0.5",
                                  "KHABAR_STATE_DIR": "/tmp/k", "KHABAR_RAW_TOPIC": "in"})
    assert (settings.kafka_port, settings.batch_timeout_s, settings.state_dir, settings.raw_topic) == \
        (19092, 0.5, Path("/tmp/k"), "in")
    assert Settings.from_env({}).kafka_port == 9092


def test_a_bad_value_names_the_variable():
    with pytest.raises(ValueError, match="KHABAR_WORKER_PORT='http' is not a valid int"):
        Settings.from_env({"KHABAR_WORKER_PORT": "http"})


def test_to_env_round_trips():
    settings = Settings.from_env({}, raw_topic="x", topic_partitions=3, state_dir=Path("/tmp/s"))
    assert Settings.from_env(settings.to_env()) == settings


def test_every_setting_is_documented():
    assert all(help_text for _, _, help_text in Settings.describe())


def test_moving_the_local_broker_moves_the_default_bootstrap_servers():
    assert Settings.from_env({"KHABAR_KAFKA_PORT": "19092"}).bootstrap_servers == "127.0.0.1:19092"
    explicit = {"KHABAR_KAFKA_PORT": "19092", "KHABAR_BOOTSTRAP_SERVERS": "kafka:9092"}
    assert Settings.from_env(explicit).bootstrap_servers == "kafka:9092"

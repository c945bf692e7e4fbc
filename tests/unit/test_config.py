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


def test_booleans_and_choices_are_checked():
    assert Settings.from_env({"KHABAR_SSL_CHECK_HOSTNAME": "false"}).ssl_check_hostname is False
    assert Settings.from_env({"KHABAR_KAFKA_SECURE": "1"}).kafka_secure is True
    with pytest.raises(ValueError, match="KHABAR_SSL_CHECK_HOSTNAME='maybe' is not a valid bool"):
        Settings.from_env({"KHABAR_SSL_CHECK_HOSTNAME": "maybe"})
    with pytest.raises(ValueError, match="KHABAR_SECURITY_PROTOCOL='TLS': use one of PLAINTEXT, SSL"):
        Settings.from_env({"KHABAR_SECURITY_PROTOCOL": "TLS"})
    with pytest.raises(ValueError, match="not both"):
        Settings.from_env({"KHABAR_SASL_PASSWORD": "x", "KHABAR_SASL_PASSWORD_FILE": "/p"})


def test_a_local_cluster_moves_the_default_bootstrap_servers_to_all_its_nodes():
    settings = Settings.from_env({"KHABAR_KAFKA_PORT": "19400", "KHABAR_KAFKA_BROKERS": "3"})
    assert settings.bootstrap_servers == "127.0.0.1:19400,127.0.0.1:19410,127.0.0.1:19420"


def test_the_password_is_never_shown(monkeypatch):
    from click.testing import CliRunner

    from khabar.cli import main

    settings = Settings.from_env({"KHABAR_SASL_PASSWORD": "hunter2-secret"})
    assert "hunter2-secret" not in repr(settings)
    result = CliRunner().invoke(main, ["config"], env={"KHABAR_SASL_PASSWORD": "hunter2-secret"})
    assert result.exit_code == 0 and "KHABAR_SASL_PASSWORD " in result.output
    assert "hunter2-secret" not in result.output

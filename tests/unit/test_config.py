from pathlib import Path

import pytest

from khabar.config import Settings


def test_environment_overrides_defaults_with_types():
    settings = Settings.from_env(
        {
            "KHABAR_KAFKA_PORT": "19092",
            "KHABAR_BATCH_TIMEOUT_S": "0.5",
            "KHABAR_STATE_DIR": "/tmp/k",
            "KHABAR_RAW_TOPIC": "in",
        }
    )
    assert (settings.kafka_port, settings.batch_timeout_s, settings.state_dir, settings.raw_topic) == (
        19092,
        0.5,
        Path("/tmp/k"),
        "in",
    )
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


def test_security_settings_are_checked():
    assert Settings.from_env({"KHABAR_SSL_CHECK_HOSTNAME": "false"}).ssl_check_hostname is False
    with pytest.raises(ValueError, match="KHABAR_SECURITY_PROTOCOL='TLS': use one of PLAINTEXT, SSL"):
        Settings.from_env({"KHABAR_SECURITY_PROTOCOL": "TLS"})
    with pytest.raises(ValueError, match="not both"):
        Settings.from_env({"KHABAR_SASL_PASSWORD": "x", "KHABAR_SASL_PASSWORD_FILE": "/p"})


def test_a_local_cluster_moves_the_default_bootstrap_servers_to_all_its_nodes():
    settings = Settings.from_env({"KHABAR_KAFKA_PORT": "19400", "KHABAR_KAFKA_BROKERS": "3"})
    assert settings.bootstrap_servers == "127.0.0.1:19400,127.0.0.1:19410,127.0.0.1:19420"


def test_the_password_is_never_shown():
    from click.testing import CliRunner

    from khabar.cli import main

    settings = Settings.from_env({"KHABAR_SASL_PASSWORD": "hunter2-secret"})
    assert "hunter2-secret" not in repr(settings)
    result = CliRunner().invoke(main, ["config"], env={"KHABAR_SASL_PASSWORD": "hunter2-secret"})
    assert result.exit_code == 0 and "KHABAR_SASL_PASSWORD " in result.output
    assert "hunter2-secret" not in result.output


def test_bool_settings_read_the_usual_words_and_refuse_others():
    from dataclasses import dataclass, fields

    from khabar.config import _coerce

    @dataclass
    class WithFlag:
        verify: bool = True

    flag = fields(WithFlag)[0]
    assert [_coerce(flag, word) for word in ("true", "1", "Yes", "on")] == [True] * 4
    assert [_coerce(flag, word) for word in ("false", "0", "no", "OFF")] == [False] * 4
    with pytest.raises(ValueError, match="KHABAR_VERIFY='maybe' is not a valid bool"):
        _coerce(flag, "maybe")


def test_the_shared_data_folder_is_a_setting():
    assert Settings.from_env({"KHABAR_SHARED_DIR": "/data/shared"}).shared_dir == Path("/data/shared")
    assert "KHABAR_SHARED_DIR" in {variable for variable, _, _ in Settings.describe()}


def test_the_wheel_carries_the_schemas_and_the_broker_build():
    import tomllib

    from khabar.config import PROJECT_ROOT, project_path

    pyproject = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())
    carried = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert carried == {"schemas": "khabar/data/schemas", "deploy/kafka": "khabar/data/deploy/kafka"}
    assert (project_path("schemas") / "raw-article.v1.json").is_file()
    assert (project_path("deploy/kafka") / "pom.xml").is_file()

"""Settings -> the arguments of each Kafka client library: one mapping, the same for all of them."""

from __future__ import annotations

import ssl

import faust
import pytest

from khabar import kafka_clients
from khabar.config import Settings
from khabar.kafka_clients import KafkaAccessError


def test_plaintext_is_the_default_and_needs_no_tls():
    config = kafka_clients.kafka_python(Settings())
    assert config == {"bootstrap_servers": "127.0.0.1:9092", "security_protocol": "PLAINTEXT", "ssl_context": None}
    assert kafka_clients.faust_credentials(Settings()) is None


def test_sasl_ssl_gives_every_library_the_same_credentials_and_a_verifying_context(tmp_path):
    password_file = tmp_path / "password"
    password_file.write_text("s3cret\n")
    settings = Settings(
        security_protocol="SASL_SSL",
        sasl_mechanism="SCRAM-SHA-256",
        sasl_username="worker",
        sasl_password_file=str(password_file),
    )
    config = kafka_clients.kafka_python(settings)
    assert (config["sasl_mechanism"], config["sasl_plain_username"], config["sasl_plain_password"]) == (
        "SCRAM-SHA-256",
        "worker",
        "s3cret",
    )
    context = config["ssl_context"]
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert kafka_clients.aiokafka(settings).keys() == config.keys()
    credentials = kafka_clients.faust_credentials(settings)
    assert isinstance(credentials, faust.SASLCredentials)
    assert (credentials.protocol.value, credentials.mechanism.value, credentials.username, credentials.password) == (
        "SASL_SSL",
        "SCRAM-SHA-256",
        "worker",
        "s3cret",
    )
    assert "s3cret" not in repr(credentials) and "s3cret" not in repr(settings)


def test_sasl_without_tls_and_tls_without_sasl():
    sasl = Settings(security_protocol="SASL_PLAINTEXT", sasl_mechanism="PLAIN", sasl_username="u", sasl_password="p")
    assert kafka_clients.kafka_python(sasl)["ssl_context"] is None
    assert kafka_clients.faust_credentials(sasl).protocol.value == "SASL_PLAINTEXT"
    tls = Settings(security_protocol="SSL", ssl_check_hostname=False)
    assert "sasl_mechanism" not in kafka_clients.kafka_python(tls)
    credentials = kafka_clients.faust_credentials(tls)
    assert isinstance(credentials, faust.SSLCredentials) and not credentials.context.check_hostname


def test_missing_files_and_user_name_are_clear_errors(tmp_path):
    with pytest.raises(KafkaAccessError, match="cannot read KHABAR_SASL_PASSWORD_FILE"):
        kafka_clients.kafka_python(
            Settings(security_protocol="SASL_SSL", sasl_username="u", sasl_password_file=str(tmp_path / "absent"))
        )
    with pytest.raises(KafkaAccessError, match="needs KHABAR_SASL_USERNAME"):
        kafka_clients.kafka_python(Settings(security_protocol="SASL_PLAINTEXT"))
    with pytest.raises(KafkaAccessError, match="cannot load the TLS files"):
        kafka_clients.kafka_python(Settings(security_protocol="SSL", ssl_cafile=str(tmp_path / "absent.pem")))


def test_nothing_listening_is_said_at_once():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, not listening: connections are refused
        with pytest.raises(KafkaAccessError, match=f"cannot reach the broker at 127.0.0.1:{port}"):
            kafka_clients.check_access(Settings(bootstrap_servers=f"127.0.0.1:{port}"), timeout_s=5)

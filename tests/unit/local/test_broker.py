"""The local broker's bookkeeping, without starting Java."""

import socket
import subprocess

import pytest

from khabar.local.broker import BrokerError, LocalBroker


def broker(tmp_path) -> LocalBroker:
    return LocalBroker(19092, 19093, tmp_path / "kafka", tmp_path / "cache")


def test_a_stale_pid_file_is_removed(tmp_path):
    b = broker(tmp_path)
    b.home.mkdir(parents=True)
    b.pid_file.write_text("999999999")  # above the kernel's pid_max: no such process
    assert b.pid() is None and not b.pid_file.exists()


def test_a_pid_of_some_other_program_is_not_taken_for_the_broker(tmp_path):
    b = broker(tmp_path)
    b.home.mkdir(parents=True)
    sleeper = subprocess.Popen(["sleep", "30"])
    try:
        b.pid_file.write_text(str(sleeper.pid))
        assert b.pid() is None
        assert b.down() is False and sleeper.poll() is None  # never kills what it did not start
    finally:
        sleeper.kill()
        sleeper.wait()


def test_config_is_rendered_with_the_ports_and_data_dir(tmp_path):
    b = broker(tmp_path)
    config = b._write_config().read_text()
    assert "listeners=PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093" in config
    assert f"log.dirs={b.home / 'data'}" in config


def test_a_port_taken_by_another_program_is_refused_with_what_to_do(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        b = LocalBroker(taken.getsockname()[1], 19093, tmp_path / "kafka", tmp_path / "cache")
        with pytest.raises(BrokerError, match="already in use by another program.*KHABAR_KAFKA_PORT"):
            b.up()


def test_a_cluster_id_never_starts_with_a_dash(monkeypatch):
    import uuid

    from khabar.local import broker as local

    # 0xF8 encodes to "-" first in URL-safe base64: the storage tool would read "-t -..." as two options.
    drawn = iter([uuid.UUID(bytes=b"\xf8" + bytes(15)), uuid.UUID(bytes=b"\x01" + bytes(15))])
    monkeypatch.setattr(local.uuid, "uuid4", lambda: next(drawn))
    cluster_id = local._cluster_id()
    assert cluster_id == "AQAAAAAAAAAAAAAAAAAAAA" and next(drawn, None) is None

"""`khabar run` as a new user runs it: broker, worker, seeds, summary, and nothing left running afterwards."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from support.kafka import free_port
from khabar.config import Settings

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.slow]


def test_run_replays_the_seeds_prints_the_summary_and_stops_everything(tmp_path):
    settings = Settings.from_env({}, kafka_port=free_port(), kafka_controller_port=free_port(),
                                 worker_port=free_port(), state_dir=tmp_path / "state")
    result = subprocess.run([sys.executable, "-m", "khabar", "run", "--timeout", "120"],
                            env={**os.environ, **settings.to_env()}, capture_output=True, text=True, timeout=400)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "عقب المباحثات التاريخية.. تبادل الهدايا بين «بوتين وكيم»" in result.stdout
    assert "1 enriched, 0 dead-lettered" in result.stdout
    assert "PERS" in result.stdout and "بوتين" in result.stdout
    assert f"http://127.0.0.1:{settings.worker_port}/metrics" in result.stdout
    assert "stopped worker and broker" in result.stdout
    leftovers = subprocess.run(["pgrep", "-f", str(settings.state_dir)], capture_output=True, text=True).stdout
    assert leftovers == "", f"processes still running: {leftovers}"


def test_run_stops_everything_when_its_reader_goes_away(tmp_path):
    settings = Settings.from_env({}, kafka_port=free_port(), kafka_controller_port=free_port(),
                                 worker_port=free_port(), state_dir=tmp_path / "state")
    run = subprocess.Popen([sys.executable, "-m", "khabar", "run", "--follow", "--watch", str(tmp_path / "inbox")],
                           env={**os.environ, **settings.to_env()}, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert run.stdout.readline().startswith(b"[1/4]")
    run.stdout.close()  # as `khabar run --follow | head -1` does: the next line it writes finds no reader
    try:
        run.wait(timeout=300)
    finally:
        if run.poll() is None:
            run.kill()
    leftovers = subprocess.run(["pgrep", "-f", str(settings.state_dir)], capture_output=True, text=True).stdout
    assert leftovers == "", f"processes still running: {leftovers}"

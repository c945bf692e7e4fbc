"""`khabar run --follow --desk` as a user runs it: the seeds on the desk's page, and Ctrl-C stops it all."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from khabar.config import Settings
from khabar.local.ports import free_port

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.slow]


def test_run_with_the_desk_shows_the_seeds_there_and_stops_it_on_ctrl_c(tmp_path):
    settings = Settings.from_env(
        {},
        kafka_port=free_port(),
        kafka_controller_port=free_port(),
        worker_port=free_port(),
        desk_port=free_port(),
        state_dir=tmp_path / "state",
    )
    run = subprocess.Popen(
        [sys.executable, "-m", "khabar", "run", "--follow", "--desk", "--watch", str(tmp_path / "inbox")],
        env={**os.environ, **settings.to_env(), "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    try:
        assert run.stdout is not None
        for line in run.stdout:
            lines.append(line)
            if line.startswith("following:"):
                break
        output = "".join(lines)
        assert f"desk: http://127.0.0.1:{settings.desk_port}/" in output, output
        seed_id = next(line.split()[1] for line in lines if line.strip().startswith("✓"))

        with urllib.request.urlopen(f"http://127.0.0.1:{settings.desk_port}/api/snapshot", timeout=10) as response:
            snapshot = json.loads(response.read())
        deadline = time.monotonic() + 60
        while seed_id not in [a["id"] for a in snapshot["articles"]] and time.monotonic() < deadline:
            time.sleep(1)
            with urllib.request.urlopen(f"http://127.0.0.1:{settings.desk_port}/api/snapshot", timeout=10) as response:
                snapshot = json.loads(response.read())
        assert seed_id in [a["id"] for a in snapshot["articles"]]

        run.send_signal(signal.SIGINT)
        rest, _ = run.communicate(timeout=120)
        assert run.returncode == 0, output + rest
        assert "stopped worker and broker" in rest
    finally:
        if run.poll() is None:
            run.kill()
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", settings.desk_port)) != 0, "the desk is still serving"

"""What a newcomer sees when a command needs a broker and none runs, or when the input is wrong: one line that
says what was tried and what to do, a non-zero exit, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from khabar.local.ports import free_port
from support.articles import SEEDS

BROKER_COMMANDS = [
    ["replay", str(SEEDS)],
    ["feed", "--once", "http://127.0.0.1:9/feed.xml"],
    ["redrive", "--all"],
    ["worker"],
    ["watch", "an-inbox-never-made"],  # the broker is looked for before the directory is made
]


def khabar(*args: str, port: int) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KHABAR_BOOTSTRAP_SERVERS": f"127.0.0.1:{port}"}
    return subprocess.run([sys.executable, "-m", "khabar", *args], env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("args", BROKER_COMMANDS, ids=lambda args: args[0])
def test_a_command_without_a_broker_says_where_it_looked_and_how_to_start_one(args):
    port = free_port()  # nothing listens there
    result = khabar(*args, port=port)
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stderr.strip().splitlines() == [
        f"Error: no Kafka broker answers at 127.0.0.1:{port}: start the local one with `khabar kafka up`, "
        "or point KHABAR_BOOTSTRAP_SERVERS at yours"
    ]


def test_replay_of_a_missing_file_says_so_before_connecting():
    result = khabar("replay", "/nonexistent.json", port=free_port())
    assert result.returncode == 2
    assert "'/nonexistent.json' does not exist" in result.stderr
    assert "Traceback" not in result.stderr and "broker" not in result.stderr

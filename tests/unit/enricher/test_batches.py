"""The parts of the batch loop that need no broker: the worker slot behind the transactional id, the setting."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from khabar.config import Settings
from khabar.enricher.batches import WorkerSlot


def test_a_slot_is_held_while_its_process_lives_and_comes_back_with_the_same_token(tmp_path):
    first = WorkerSlot(tmp_path)
    second = WorkerSlot(tmp_path)  # a second worker beside the first: never the same transactional id
    assert (first.number, second.number) == (0, 1) and first.token != second.token
    first.release()
    again = WorkerSlot(tmp_path)  # the first restarted: its id back
    assert (again.number, again.token) == (0, first.token)
    second.release()
    again.release()


def test_a_killed_process_frees_its_slot(tmp_path):
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
        import sys, time
        from pathlib import Path
        from khabar.enricher.batches import WorkerSlot
        slot = WorkerSlot(Path({str(tmp_path)!r}))
        print(slot.token, flush=True)
        time.sleep(60)
    """),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        token = holder.stdout.readline().strip()
        beside = WorkerSlot(tmp_path)
        assert beside.number == 1
        holder.kill()
        holder.wait()
        successor = WorkerSlot(tmp_path)
        assert (successor.number, successor.token) == (0, token)
    finally:
        holder.kill()
        holder.wait()


def test_the_processing_guarantee_is_checked_and_exactly_once_by_default():
    assert Settings.from_env({}).exactly_once
    assert not Settings.from_env({"KHABAR_PROCESSING_GUARANTEE": "at_least_once"}).exactly_once
    with pytest.raises(ValueError, match="KHABAR_PROCESSING_GUARANTEE='exactly-once' is not one of"):
        Settings.from_env({"KHABAR_PROCESSING_GUARANTEE": "exactly-once"})

"""`khabar run` as a new user runs it: broker, worker, seeds, summary, and nothing left running afterwards."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest

from khabar.config import Settings
from khabar.local.ports import free_port

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.slow]


def test_run_replays_the_seeds_prints_the_summary_and_stops_everything(tmp_path):
    settings = Settings.from_env(
        {},
        kafka_port=free_port(),
        kafka_controller_port=free_port(),
        worker_port=free_port(),
        state_dir=tmp_path / "state",
    )
    result = subprocess.run(
        [sys.executable, "-m", "khabar", "run", "--timeout", "120"],
        env={**os.environ, **settings.to_env()},
        capture_output=True,
        text=True,
        timeout=400,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "عقب المباحثات التاريخية.. تبادل الهدايا بين «بوتين وكيم»" in result.stdout
    assert "1 enriched, 0 dead-lettered" in result.stdout
    assert "PERS" in result.stdout and "بوتين" in result.stdout
    assert f"http://127.0.0.1:{settings.worker_port}/metrics" in result.stdout
    assert "stopped worker and broker" in result.stdout
    leftovers = subprocess.run(["pgrep", "-f", str(settings.state_dir)], capture_output=True, text=True).stdout
    assert leftovers == "", f"processes still running: {leftovers}"


def test_run_stops_everything_when_its_reader_goes_away(tmp_path):
    settings = Settings.from_env(
        {},
        kafka_port=free_port(),
        kafka_controller_port=free_port(),
        worker_port=free_port(),
        state_dir=tmp_path / "state",
    )
    run = subprocess.Popen(
        [sys.executable, "-m", "khabar", "run", "--follow", "--watch", str(tmp_path / "inbox")],
        env={**os.environ, **settings.to_env()},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert run.stdout.readline().startswith(b"[1/4]")
    run.stdout.close()  # as `khabar run --follow | head -1` does: the next line it writes finds no reader
    try:
        run.wait(timeout=300)
    finally:
        if run.poll() is None:
            run.kill()
    leftovers = subprocess.run(["pgrep", "-f", str(settings.state_dir)], capture_output=True, text=True).stdout
    assert leftovers == "", f"processes still running: {leftovers}"


def test_run_follow_enriches_a_file_dropped_into_its_inbox_and_files_it_under_done(tmp_path):
    settings = Settings.from_env(
        {},
        kafka_port=free_port(),
        kafka_controller_port=free_port(),
        worker_port=free_port(),
        state_dir=tmp_path / "state",
        watch_poll_s=0.5,
    )
    inbox = tmp_path / "inbox"
    run = subprocess.Popen(
        [sys.executable, "-m", "khabar", "run", "--follow", "--watch", str(inbox)],
        env={**os.environ, **settings.to_env()},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines = iter(run.stdout.readline, "")
        assert any(line.startswith("following:") for line in lines)
        article = {
            "title": "خبر من صندوق الوارد",
            "body": "وصل الرئيس الفرنسي إيمانويل ماكرون إلى بيروت صباح اليوم.",
            "url": "https://news.example/inbox/1",
        }
        (inbox / ".drop.json.tmp").write_text(json.dumps(article, ensure_ascii=False), encoding="utf-8")
        (inbox / ".drop.json.tmp").rename(inbox / "drop.json")
        seen = []
        for line in lines:
            seen.append(line)
            if "✓" in line and article["title"] in line:
                break
        assert any("drop.json: sent 1 -> done/" in line for line in seen), seen
        assert (inbox / "done" / "drop.json").is_file()
    finally:
        run.send_signal(signal.SIGINT)
        try:
            run.wait(timeout=120)
        finally:
            if run.poll() is None:
                run.kill()
    leftovers = subprocess.run(["pgrep", "-f", str(settings.state_dir)], capture_output=True, text=True).stdout
    assert leftovers == "", f"processes still running: {leftovers}"

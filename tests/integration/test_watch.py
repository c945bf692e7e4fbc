"""`khabar watch DIR` in its own process against the real broker: killed in the middle of a directory it loses
nothing and sends nothing twice; it takes only complete files; each file ends in done/ or, with its reason,
failed/."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from khabar.config import Settings
from khabar.producer.sources import read_file
from support.articles import seed_variants
from support.kafka import stop_process
from support.raw_topic import raw_keys

pytestmark = pytest.mark.integration


def start_watcher(settings: Settings, inbox: Path, log_path: Path) -> subprocess.Popen:
    log = open(log_path, "ab")
    try:
        return subprocess.Popen(
            [sys.executable, "-m", "khabar", "watch", str(inbox)],
            stdout=log,
            stderr=log,
            env={**os.environ, **settings.replace(watch_poll_s=0.2).to_env()},
        )
    finally:
        log.close()


def wait_for(condition, timeout: float, what: str, every: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"not within {timeout}s: {what}"
        time.sleep(every)


def part_sent(inbox: Path) -> bool:
    """A file is being sent and the broker acknowledged some of it (its journal has ids)."""
    return any(journal.stat().st_size for journal in (inbox / ".sending").glob("*.acked"))


def drop(inbox: Path, name: str, articles: list[dict]) -> None:
    """As writers should: under a temporary name, renamed once complete."""
    temporary = inbox / f".{name}.tmp"
    temporary.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in articles), encoding="utf-8")
    temporary.rename(inbox / name)


def names(folder: Path) -> set[str]:
    return {path.name for path in folder.iterdir()} if folder.is_dir() else set()


def as_feed(records: list[dict]) -> list[dict]:
    return [{"title": r["title"], "body": r["body"], "url": r["url"], "source": "watch"} for r in records]


def test_killed_in_the_middle_of_a_directory_it_loses_nothing_and_resends_only_the_file_in_hand(settings, tmp_path):
    inbox, log = tmp_path / "inbox", tmp_path / "watch.log"
    inbox.mkdir()
    articles = as_feed(seed_variants(960))
    for number in range(48):
        drop(inbox, f"batch-{number:02}.jsonl", articles[number * 20 : (number + 1) * 20])
    expected = {record["id"] for path in inbox.iterdir() for record in read_file(path)}  # ids from urls: path-free

    watcher = start_watcher(settings, inbox, log)
    try:
        # Killed in the middle of a file, after some of it was acknowledged: no clean-up at all.
        wait_for(lambda: len(names(inbox / "done")) >= 6 and part_sent(inbox), 180, "6 files done, one half", 0.01)
        watcher.send_signal(signal.SIGKILL)
        watcher.wait(30)
    finally:
        stop_process(watcher)
    left = {n for n in names(inbox) | names(inbox / ".sending") if n.endswith(".jsonl")}
    assert left, "the watcher finished the directory before it was killed: nothing tested"
    # A SIGKILL can land between the broker's ack and its entry in the journal: only the articles of the file
    # being sent then may go out twice (README, delivery semantics).
    half_sent = {record["id"] for path in (inbox / ".sending").glob("*.jsonl") for record in read_file(path)}
    killed_at = log.stat().st_size
    late = as_feed(seed_variants(980)[960:])
    drop(inbox, "while-down.jsonl", late)  # arrives while no watcher runs
    expected |= {record["id"] for record in read_file(inbox / "while-down.jsonl")}

    watcher = start_watcher(settings, inbox, log)
    try:
        wait_for(lambda: len(names(inbox / "done")) == 49, 300, "every file done")
    finally:
        watcher.send_signal(signal.SIGTERM)
        watcher.wait(30)
    assert watcher.returncode == 0, log.read_text()
    # The half-sent file: only its rest was sent again.
    assert "before a restart) -> done/" in log.read_bytes()[killed_at:].decode()
    assert names(inbox) == {".sending", "done", "failed"} and names(inbox / ".sending") == set()
    assert names(inbox / "failed") == set()
    sent = Counter(raw_keys(settings))
    assert set(sent) == expected and len(expected) == 980
    twice = {key for key, count in sent.items() if count > 1}
    assert twice <= half_sent and max(sent.values()) <= 2, sorted(twice - half_sent)


def test_only_complete_files_are_taken_and_each_problem_is_kept_with_its_file(settings, tmp_path):
    inbox, log = tmp_path / "inbox", tmp_path / "watch.log"
    inbox.mkdir()
    good, other = as_feed(seed_variants(3)[:2]), as_feed(seed_variants(3)[2:])
    watcher = start_watcher(settings, inbox, log)
    try:
        half = inbox / ".half.jsonl.part"  # a writer still at work, under a temporary name
        lines = "".join(json.dumps(a, ensure_ascii=False) + "\n" for a in good)
        half.write_text(lines[: len(lines) // 2], encoding="utf-8")
        (inbox / "mixed.jsonl").write_text(json.dumps(other[0], ensure_ascii=False) + "\n{not json\n", encoding="utf-8")
        (inbox / "notes.pdf").write_bytes(b"%PDF-1.4")
        wait_for(lambda: names(inbox / "failed") >= {"mixed.jsonl", "notes.pdf"}, 120, "the bad files failed")
        time.sleep(1)  # five more scans
        assert half.exists() and raw_keys(settings) == [next(read_file(inbox / "failed" / "mixed.jsonl"))["id"]]
        with half.open("a", encoding="utf-8") as rest:
            rest.write(lines[len(lines) // 2 :])
        half.rename(inbox / "half.jsonl")
        wait_for(lambda: "half.jsonl" in names(inbox / "done"), 120, "the completed file done")
    finally:
        stop_process(watcher)
    reason = (inbox / "failed" / "mixed.jsonl.reason.txt").read_text(encoding="utf-8")
    assert reason.startswith("1 problem(s); 1 article(s) of this file were sent")
    assert "mixed.jsonl:2: not JSON" in reason
    assert "unsupported file type" in (inbox / "failed" / "notes.pdf.reason.txt").read_text(encoding="utf-8")
    done_ids = {record["id"] for record in read_file(inbox / "done" / "half.jsonl")}
    assert len(done_ids) == 2 and done_ids <= set(raw_keys(settings))

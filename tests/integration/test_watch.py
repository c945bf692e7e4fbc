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
    """A file is being sent and the broker acknowledged some of it (its journal has ids, not only marks). The
    file must still be there: a finished file is moved to done/ before its journal is deleted, and a CI run
    took such a leftover journal for a half-sent file. Lines, not words: a mark "@0 17" has a word "17" that is
    not a mark, and two CI-style runs took a journal of marks alone for a half-sent file."""
    journals = (inbox / ".sending").glob("*.acked")
    return any(
        journal.with_name(journal.name.removesuffix(".acked")).exists()
        and any(line and not line.startswith("@") for line in journal.read_text().split("\n"))
        for journal in journals
    )


def stopped(pid: int) -> bool:
    """The process is stopped (SIGSTOP has taken effect, not merely been sent)."""
    return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] == "T"


def drop(inbox: Path, name: str, articles: list[dict]) -> None:
    """As writers should: under a temporary name, renamed once complete."""
    temporary = inbox / f".{name}.tmp"
    temporary.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in articles), encoding="utf-8")
    temporary.rename(inbox / name)


def names(folder: Path) -> set[str]:
    return {path.name for path in folder.iterdir()} if folder.is_dir() else set()


def as_feed(records: list[dict]) -> list[dict]:
    return [{"title": r["title"], "body": r["body"], "url": r["url"], "source": "watch"} for r in records]


def test_killed_in_the_middle_of_a_directory_it_loses_nothing_and_sends_nothing_twice(settings, tmp_path):
    inbox, log = tmp_path / "inbox", tmp_path / "watch.log"
    inbox.mkdir()
    articles = as_feed(seed_variants(960))
    for number in range(48):
        drop(inbox, f"batch-{number:02}.jsonl", articles[number * 20 : (number + 1) * 20])
    expected = {record["id"] for path in inbox.iterdir() for record in read_file(path)}  # ids from urls: path-free

    watcher = start_watcher(settings, inbox, log)
    try:
        # Killed in the middle of a file, after some of it was acknowledged: no clean-up at all. Frozen first and
        # looked at again, since a file can finish between a look and the kill (a CI run lost the half file so).
        while True:
            wait_for(lambda: len(names(inbox / "done")) >= 6 and part_sent(inbox), 180, "6 files done, one half", 0.01)
            watcher.send_signal(signal.SIGSTOP)
            wait_for(lambda: stopped(watcher.pid), 10, "the watcher stopped", 0.001)
            if part_sent(inbox):
                break
            watcher.send_signal(signal.SIGCONT)
        watcher.send_signal(signal.SIGKILL)
        watcher.wait(30)
    finally:
        stop_process(watcher)
    left = {n for n in names(inbox) | names(inbox / ".sending") if n.endswith(".jsonl")}
    assert left, "the watcher finished the directory before it was killed: nothing tested"
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
    # Acks that arrived but were not journaled when the kill came are found in the raw topic: nothing twice.
    assert max(sent.values()) == 1, sorted(key for key, count in sent.items() if count > 1)


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


def test_a_resumed_file_skips_what_the_raw_topic_got_but_its_journal_missed(settings, tmp_path):
    """The window a SIGKILL can hit: the broker acknowledged articles whose journal lines were never written."""
    from khabar.producer.replay import Replayer
    from khabar.producer.watch import Watcher
    from khabar.topics import ensure_topics

    ensure_topics(settings, [settings.raw_topic])
    inbox = tmp_path / "inbox"
    articles = as_feed(seed_variants(20))
    with Replayer(settings) as replayer:
        watcher = Watcher(inbox, replayer)
        drop(inbox / ".sending", "half.jsonl", articles)  # claimed by a watcher that was then killed
        records = list(read_file(inbox / ".sending" / "half.jsonl"))
        marks = "".join(f"@{partition} 0\n" for partition in range(settings.topic_partitions))  # a fresh topic
        (inbox / ".sending" / "half.jsonl.acked").write_text(marks + records[0]["id"] + "\n", encoding="utf-8")
        replayer.replay(records[:5])  # acked, but only the first of them journaled
        [outcome] = watcher.scan()
    assert (outcome.where, outcome.sent, outcome.sent_before) == ("done", 15, 5)
    sent = Counter(raw_keys(settings))
    assert set(sent) == {record["id"] for record in records} and max(sent.values()) == 1

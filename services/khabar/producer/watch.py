"""A watched inbox that loses nothing and sends nothing twice: `khabar watch DIR` (and `khabar run --follow`).

Writers drop article files (.txt, .json, .jsonl, .zip) into DIR by writing them under a temporary name (one
starting with '.', or ending in .tmp, .part, .partial or ~) and renaming them when complete: a rename within a
directory is atomic, so the watcher never sees half a file. A file is also taken only once its size and time
were the same at two scans in a row, for writers that do not rename.

    DIR/NAME                          arrived
    DIR/.sending/NAME                 claimed and being sent;
    DIR/.sending/NAME.acked           where the raw topic ended when sending began ("@PARTITION OFFSET"), then
                                      the ids the broker acknowledged so far, one a line, written as each ack comes
    DIR/done/NAME                     every article in it acknowledged
    DIR/failed/NAME, NAME.reason.txt  something in it could not be sent (each problem named); the rest was sent

On a start, files left in .sending/ by a watcher that stopped are sent first, without the ids already acked:
those in the journal, and those the raw topic holds since the file's sending began (a kill can land between
the broker's ack and its journal line: the acks of one produce response, several records, are journaled one by
one; 6 of 980 articles went out twice in a SIGKILL test before the raw topic was read back).
While the broker is away a file stays in .sending/ and is tried again at the next scan.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from kafka import KafkaConsumer, TopicPartition
from kafka.errors import KafkaError

from khabar import kafka_clients
from khabar.producer import metrics
from khabar.producer.replay import Replayer
from khabar.producer.sources import SUPPORTED, InputError, read_file

TEMPORARY = re.compile(r"^\.|\.(tmp|part|partial)$|~$", re.IGNORECASE)
ACKED = ".acked"
MARK = "@"  # a journal line "@PARTITION OFFSET": the raw topic's end there when the file's sending began
REASON = ".reason.txt"


@dataclass
class FileOutcome:
    name: str
    where: str  # "done", "failed", or "retry" (left in .sending/: the broker is away)
    sent: int = 0  # acknowledged in this try
    sent_before: int = 0  # acknowledged before a restart, not sent again
    problems: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        before = f" (+{self.sent_before} before a restart)" if self.sent_before else ""
        problems = f", {len(self.problems)} problem(s): {self.problems[0]}" if self.problems else ""
        return f"{self.name}: sent {self.sent}{before} -> {self.where}/{problems}"


class Watcher:
    def __init__(self, directory: Path, replayer: Replayer):
        self.inbox = directory
        self.sending, self.done, self.failed = directory / ".sending", directory / "done", directory / "failed"
        for folder in (self.sending, self.done, self.failed):
            folder.mkdir(parents=True, exist_ok=True)
        self.replayer = replayer
        self._last_seen: dict[str, tuple[int, int]] = {}  # name -> (size, mtime) at the previous scan

    def scan(self) -> list[FileOutcome]:
        """Send what is in .sending/ (left by a stop, or waiting for the broker), then each complete new file."""
        outcomes: list[FileOutcome] = []
        for journal in self.sending.glob(f"*{ACKED}"):  # its file finished, the watcher stopped before this
            if not journal.with_name(journal.name.removesuffix(ACKED)).exists():
                journal.unlink()
        claimed = sorted(path for path in self.sending.iterdir() if not path.name.endswith(ACKED))
        for path in claimed + [self._claim(path) for path in self._arrived()]:
            outcomes.append(self._send(path))
            if outcomes[-1].where == "retry":  # the broker is away: the rest waits in .sending/ for the next scan
                break
        return outcomes

    def _arrived(self) -> list[Path]:
        seen, ready = {}, []
        for path in sorted(self.inbox.iterdir()):
            if TEMPORARY.search(path.name) or not path.is_file():
                continue
            stat = path.stat()
            seen[path.name] = (stat.st_size, stat.st_mtime_ns)
            if self._last_seen.get(path.name) == seen[path.name]:
                ready.append(path)
        self._last_seen = seen
        return ready

    def _claim(self, path: Path) -> Path:
        claimed = _free_name(self.sending, path.name)
        path.rename(claimed)
        self._last_seen.pop(path.name, None)
        return claimed

    def _send(self, path: Path) -> FileOutcome:
        journal = path.with_name(path.name + ACKED)
        if path.suffix.lower() not in SUPPORTED:
            return self._finish(path, journal, FileOutcome(path.name, "done"), [_UNSUPPORTED])
        records = list(read_file(path))
        try:
            acked = self._acked(journal, {item["id"] for item in records if not isinstance(item, InputError)})
        except KafkaError as error:  # the broker is away: the file waits in .sending/ for the next scan
            metrics.WATCH_RETRIES.inc()
            return FileOutcome(path.name, "retry", problems=[f"not sent, tried again later: {error}"])
        outcome = FileOutcome(path.name, "done", sent_before=len(acked))
        items = [item for item in records if isinstance(item, InputError) or item["id"] not in acked]
        with journal.open("a", encoding="utf-8") as log:

            def journaled(article_id: str) -> None:  # each ack at once, so that a restart has little to look up
                log.write(article_id + "\n")
                log.flush()

            report = self.replayer.replay(items, on_sent=journaled, until_unavailable=True)
        outcome.sent = len(report.sent)
        if report.retriable:
            outcome.where = "retry"
            outcome.problems = [f"not sent, tried again later: {report.failed[0][1]}"]
            metrics.WATCH_RETRIES.inc()
            return outcome
        problems = [f"{item.origin.replace(str(path), path.name)}: {item.reason}" for item in report.invalid]
        problems += [f"{article_id}: refused by the broker: {error}" for article_id, error in report.failed]
        if not items and not acked:
            problems.append("no article in the file")
        return self._finish(path, journal, outcome, problems)

    def _acked(self, journal: Path, ids: set[str]) -> set[str]:
        """The ids of `ids` the broker already has: journaled, or in the raw topic since the file's first try.
        A first try journals where the raw topic ends, before anything of the file is sent."""
        consumer = KafkaConsumer(**kafka_clients.kafka_python(self.replayer.settings), enable_auto_commit=False)
        try:
            topic = self.replayer.settings.raw_topic
            if not journal.exists():
                partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
                ends = consumer.end_offsets(partitions)
                journal.write_text("".join(f"{MARK}{p.partition} {ends[p]}\n" for p in partitions), encoding="utf-8")
                return set()
            lines = journal.read_text(encoding="utf-8").split("\n")
            acked = {line for line in lines if line and not line.startswith(MARK)}
            starts = {TopicPartition(topic, int(p)): int(o) for p, o in (m[1:].split() for m in lines if m[:1] == MARK)}
            consumer.assign(list(starts))
            for partition, offset in starts.items():
                consumer.seek(partition, offset)
            for message in kafka_clients.messages_to_end(consumer, list(starts)):
                if message.key is not None and message.key.decode(errors="replace") in ids:
                    acked.add(message.key.decode())
            return acked & ids
        finally:
            consumer.close()

    def _finish(self, path: Path, journal: Path, outcome: FileOutcome, problems: list[str]) -> FileOutcome:
        outcome.problems = problems
        if problems:
            outcome.where = "failed"
            target = _free_name(self.failed, path.name)
            sent = outcome.sent + outcome.sent_before
            target.with_name(target.name + REASON).write_text(
                f"{len(problems)} problem(s); {sent} article(s) of this file were sent\n" + "\n".join(problems) + "\n",
                encoding="utf-8",
            )
        else:
            target = _free_name(self.done, path.name)
        path.rename(target)
        journal.unlink(missing_ok=True)
        metrics.WATCH_FILES.labels(outcome.where).inc()
        return outcome


_UNSUPPORTED = f"unsupported file type: use one of {', '.join(SUPPORTED)}"


def _free_name(folder: Path, name: str) -> Path:
    """folder/name, or folder/stem-2.suffix and so on when a file of that name is already there."""
    candidate, number = folder / name, 1
    while candidate.exists() or candidate.with_name(candidate.name + REASON).exists():
        number += 1
        candidate = folder / f"{Path(name).stem}-{number}{Path(name).suffix}"
    return candidate

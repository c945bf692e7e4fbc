"""`khabar bench pipeline`: what an enrichment worker sustains on the real broker, against what its plumbing
allows, measured in one run.

Every figure comes from the broker's own clock: the bench topics use ``LogAppendTime``, so a message's
timestamp is the moment the broker appended it. A phase's rate is its outputs over the span from its first
output to its last, once every worker of the phase owns partitions (a start-up rebalance is not counted).
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import metadata
from itertools import cycle, islice
from pathlib import Path

from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from kafka.admin import NewTopic

from khabar import __version__, schemas
from khabar.config import Settings
from khabar.local.ports import free_port
from khabar.local.worker import WorkerProcess

PARTITIONS = 4  # the scale-out figure compares 1 and 2 workers on a topic of this many partitions
LATENCY_ARTICLES = 1000  # at most, sent at half the measured rate after the throughput articles
LATENCY_SECONDS = 30  # ... and no more than half the rate sends in this long
Say = Callable[[str], None]


@dataclass(frozen=True)
class Output:
    key: str
    timestamp_ms: int
    size: int


@dataclass
class Phase:
    """One run of workers over the raw topic, into an output topic of its own."""

    outputs: list[Output]
    ready_ms: int  # broker-clock time from which it counts: every worker owned partitions (and the articles were in)

    def rate(self) -> float:
        """Outputs per second from the first output to the last, counting only outputs appended once every
        worker was ready (all of them when too few were: a tiny run)."""
        stamps = sorted(o.timestamp_ms for o in self.outputs)
        steady = [t for t in stamps if t >= self.ready_ms]
        if len(steady) < max(2, len(stamps) // 2):
            steady = stamps
        span_s = (steady[-1] - steady[0]) / 1000 if len(steady) > 1 else 0.0
        # Timestamps are in milliseconds: a span under one of them is one.
        return (len(steady) - 1) / max(span_s, 0.001) if len(steady) > 1 else 0.0


def bench_articles(shared_dir: Path, count: int) -> list[dict]:
    """`count` raw records of SaudiNewsNet articles, newest day first; the corpus repeats when it is shorter."""
    from khabar.producer.sources import InputError, read_file
    from khabar.text.corpus import SAUDINEWSNET

    days = sorted((shared_dir / SAUDINEWSNET).glob("*.zip"), reverse=True)

    def articles() -> Iterator[dict]:
        for day in days:
            for item in read_file(day):
                if not isinstance(item, InputError):
                    yield item

    return list(islice(cycle(articles()), count)) if days else []


class PipelineBench:
    def __init__(self, settings: Settings, work_dir: Path, say: Say):
        self.run = uuid.uuid4().hex[:8]
        self.base = settings.replace(
            topic_partitions=PARTITIONS,
            raw_topic=f"bench-{self.run}-raw",
            deadletter_topic=f"bench-{self.run}-deadletter",
        )
        self.work_dir = work_dir / self.run
        self.say = say
        self.processes: list[subprocess.Popen] = []
        self.workers: list[WorkerProcess] = []
        self.admin = KafkaAdminClient(bootstrap_servers=settings.bootstrap_servers, client_id="khabar-bench")

    # -- the measurements ---------------------------------------------------------------------------------------

    def measure(self, articles: int, soak_articles: int = 0, stories: bool = False) -> dict:
        records = bench_articles(self.base.shared_dir, articles + LATENCY_ARTICLES)
        if len(records) < articles + LATENCY_ARTICLES:
            raise RuntimeError(
                f"no SaudiNewsNet articles in {self.base.shared_dir / 'data'}: set KHABAR_SHARED_DIR "
                "to the shared data folder"
            )
        records, latency_records = records[:articles], records[articles:]
        payloads = [schemas.encode(r) for r in records]
        result: dict = {
            "articles": len(records),
            "mb": round(sum(map(len, payloads)) / 1e6, 3),
            "partitions": PARTITIONS,
        }
        self._create(self.base.raw_topic, self.base.deadletter_topic)
        self.say(f"sending {len(records)} articles ({result['mb']} MB) to {self.base.raw_topic} ...")
        self._send(self.base, records)

        self.say("one worker enriching them ...")
        worker_settings = self._phase_settings("worker")
        [worker] = self._start_workers(worker_settings, 1)
        one = self._wait(worker_settings, len(records), self._now_ms())
        rate = one.rate()
        result.update(articles_per_s=round(rate, 1), mb_s=round(rate * result["mb"] / len(records), 3))
        result["rss_mb_warm"] = _rss_mb(worker)

        half = rate / 2
        latency_records = latency_records[: max(1, min(len(records), int(half * LATENCY_SECONDS)))]
        self.say(f"latency: {len(latency_records)} new articles at {half:.1f}/s ...")
        result.update(self._latency(worker_settings, latency_records, half, len(records)))
        result.update(
            self._soak(
                worker_settings, worker, soak_articles, len(records) + len(latency_records), result["rss_mb_warm"]
            )
        )
        worker.stop()

        self.say("passthrough (no NLP) over the same messages: the worker's batch loop, then a Faust agent ...")
        result["passthrough_articles_per_s"] = round(self._passthrough("loop", one.outputs, len(records)), 1)
        result["agent_passthrough_articles_per_s"] = round(self._passthrough("agent", one.outputs, len(records)), 1)
        result["ratio_to_passthrough"] = (
            round(rate / result["passthrough_articles_per_s"], 3) if result["passthrough_articles_per_s"] else None
        )

        self.say("two workers on the same topic ...")
        two = self._scale_out(records)
        result["scaleout_articles_per_s"] = round(two.rate(), 1)
        result["scaleout_ratio"] = round(two.rate() / rate, 3) if rate else None

        if stories:
            result.update(self._with_stories(len(records)))

        self.say("the text library alone (no Kafka) on the same articles ...")
        result["library_articles_per_s"], result["ner_model"] = _library_rate(self.base, records)
        result["deadlettered"] = self._deadlettered()
        return result

    def _latency(self, settings: Settings, records: list[dict], rate: float, already: int) -> dict:
        """Raw-to-enriched time of each article sent at `rate` per second to the caught-up worker."""
        self._send(settings, records, rate)
        outputs = self._wait(settings, already + len(records), 0).outputs
        sent = {o.key: o.timestamp_ms for o in self._read(settings.raw_topic)}
        ids = {r["id"] for r in records}
        # An id that also came earlier (the corpus repeating) is left out: its raw timestamp is ambiguous.
        earlier = {o.key for o in outputs[:already]}
        latencies = sorted(
            o.timestamp_ms - sent[o.key] for o in outputs[already:] if o.key in ids and o.key not in earlier
        )
        if not latencies:
            return {
                "offered_articles_per_s": round(rate, 1),
                "latency_articles": 0,
                "p50_ms": None,
                "p95_ms": None,
                "p99_ms": None,
            }
        q = statistics.quantiles(latencies, n=100, method="inclusive") if len(latencies) > 1 else latencies * 99
        return {
            "offered_articles_per_s": round(rate, 1),
            "latency_articles": len(latencies),
            "p50_ms": round(q[49], 1),
            "p95_ms": round(q[94], 1),
            "p99_ms": round(q[98], 1),
        }

    def _soak(self, settings: Settings, worker: WorkerProcess, articles: int, already: int, warm: float | None) -> dict:
        """The worker's memory after `articles` more (the corpus cycled), against its memory when warm."""
        if articles <= 0:
            return {"soak_articles": 0, "rss_mb_after": None, "rss_growth_pct": None}
        self.say(f"soak: {articles} more articles through the same worker ...")
        self._send(settings, bench_articles(settings.shared_dir, articles))
        self._wait(settings, already + articles, 0, read=False)
        after = _rss_mb(worker)
        return {
            "soak_articles": articles,
            "rss_mb_after": after,
            "rss_growth_pct": round(100 * (after - warm) / warm, 1) if warm and after else None,
        }

    def _with_stories(self, count: int) -> dict:
        """What the stories stage costs a worker on the same cores (issue 15's budget: at most 20% of its
        articles/s): a fresh worker alone, then a fresh worker with the stage reading its output, once as
        configured (by default it yields while the worker works through the backlog) and once never yielding;
        and how long after the worker's last output the stage had every record out with its story. Back to back
        (against the first phase, the cold one, the cost read from -25% to +25% in two runs)."""
        self.say("one worker again, then with the stories stage beside it, yielding and not ...")
        plain = self._phase_settings("plain")
        [worker] = self._start_workers(plain, 1)
        baseline = self._wait(plain, count, self._now_ms()).rate()
        worker.stop()
        result: dict = {"stories_baseline_articles_per_s": round(baseline, 1)}
        for suffix, yield_lag in (("", self.base.stories_yield_lag), ("_no_yield", 0)):
            rate, done_s = self._beside_the_stage(f"stories{suffix.replace('_', '-')}", count, yield_lag)
            result[f"stories_articles_per_s{suffix}"] = round(rate, 1)
            result[f"stories_cost_pct{suffix}"] = round(100 * (1 - rate / baseline), 1) if baseline else None
            result[f"stories_done_s{suffix}"] = done_s
        return result

    def _beside_the_stage(self, name: str, count: int, yield_lag: int) -> tuple[float, float]:
        """A fresh worker's articles/s with a fresh stage beside it; the seconds from the worker's last output
        to the stage's last storied record."""
        from khabar.local.stories import StoriesProcess

        settings = self._phase_settings(name).replace(
            stories_topic=f"bench-{self.run}-{name}-out",
            storied_topic=f"bench-{self.run}-{name}-storied",
            trending_topic=f"bench-{self.run}-{name}-trending",
            state_dir=self.work_dir / name,
            stories_port=free_port(),
            stories_yield_lag=yield_lag,
        )
        stage = StoriesProcess(settings, self._log(settings.replace(state_dir=self.work_dir / f"{name}-stage")))
        self.workers.append(stage)
        stage.start(timeout=180)
        [worker] = self._start_workers(settings, 1)
        phase = self._wait(settings, count, self._now_ms())
        worker.stop()
        # A storied record for every enriched article (dead-lettered ones have none): the stage caught up. The
        # distinct ids read, not the end offsets: the worker's transactions leave markers in its topic, and the
        # soak sends the corpus again under the same ids, which get their story once.
        enriched = len({output.key for output in self._read(settings.enriched_topic)})
        self._await_messages(
            [settings.storied_topic], enriched, process=stage.process, name="the stories stage", log=stage.log_path
        )
        done_s = round((self._now_ms() - max(o.timestamp_ms for o in phase.outputs)) / 1000, 1)
        stage.stop()
        return phase.rate(), done_s

    def _passthrough(self, kind: str, worker_outputs: list[Output], count: int) -> float:
        """Articles per second forwarded without NLP by the worker's batch loop ("loop") or a Faust agent
        ("agent"), as outputs of the sizes the worker's were."""
        settings = self._phase_settings(f"passthrough-{kind}")
        sizes = self.work_dir / "sizes.json"
        sizes.write_text(json.dumps({o.key: o.size for o in worker_outputs}), encoding="utf-8")
        process = self._spawn(settings, [sys.executable, "-m", "khabar.bench.passthrough", kind, str(sizes)])
        try:
            phase = self._wait(settings, count, 0, process=process)
        finally:
            self._stop(process)
        return phase.rate()

    # -- processes and topics -----------------------------------------------------------------------------------

    def _scale_out(self, records: list[dict]) -> Phase:
        """Two workers over the articles, counted once both run and every article is in. On the pre-loaded topic,
        the first worker enriched 2,048-2,240 of 3,000 articles alone while the second started, too many to leave
        out, and the two read 0.99 times one (means of two rounds in turns). Here both own partitions of an empty
        topic of their own first, and the articles are sent to it after (at 1,700-3,900/s, faster than two workers
        enrich them): 1.60 times one in the same rounds."""
        settings = self._phase_settings("scaleout")
        settings = settings.replace(raw_topic=f"{settings.app_id}-raw")
        self._create(settings.raw_topic)
        workers = self._start_workers(settings, 2)
        self._send(settings, records)
        phase = self._wait(settings, len(records), self._now_ms())
        for worker in workers:
            worker.stop()
        return phase

    def _send(self, settings: Settings, records: list[dict], rate: float = 0) -> None:
        """The records to the raw topic of `settings`, as the producer sends them (at `rate` a second, if not 0)."""
        from khabar.producer.replay import Replayer

        replayer = Replayer(settings)
        try:
            replayer.replay(records, rate=rate)
        finally:
            replayer.close()

    def _phase_settings(self, name: str) -> Settings:
        settings = self.base.replace(app_id=f"bench-{self.run}-{name}", enriched_topic=f"bench-{self.run}-{name}")
        self._create(settings.enriched_topic)
        return settings

    def _start_workers(self, settings: Settings, count: int) -> list[WorkerProcess]:
        """`count` worker processes in one consumer group, returned once each owns partitions."""
        workers = []
        for n in range(count):
            own = settings.replace(state_dir=self.work_dir / f"{settings.app_id}-{n}", worker_port=free_port())
            worker = WorkerProcess(own, self._log(own))
            self.workers.append(worker)
            workers.append(worker.start(timeout=180))
        return workers

    def _spawn(self, settings: Settings, command: list[str]) -> subprocess.Popen:
        log_path = self._log(settings)
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(log_path, "ab") as log:
            process = subprocess.Popen(
                command,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env={**os.environ, **settings.to_env()},
                start_new_session=True,
            )
        self.processes.append(process)
        return process

    def _log(self, settings: Settings) -> Path:
        return self.work_dir / "logs" / f"{settings.state_dir.name or settings.app_id}.log"

    def _stop(self, process: subprocess.Popen) -> None:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def _create(self, *topics: str) -> None:
        # LogAppendTime: every timestamp is the broker's append time, one clock for every figure.
        self.admin.create_topics(
            [NewTopic(t, PARTITIONS, 1, topic_configs={"message.timestamp.type": "LogAppendTime"}) for t in topics]
        )
        # Sending before every partition has a leader costs retries (and warnings) in the producer.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            described = self.admin.describe_topics(list(topics))
            if all(
                len(t["partitions"]) == PARTITIONS and all(p["leader_id"] >= 0 for p in t["partitions"])
                for t in described
            ):
                break
            time.sleep(0.2)

    def _now_ms(self) -> int:
        # The local broker stamps with this machine's clock.
        return int(time.time() * 1000)

    def _wait(
        self,
        settings: Settings,
        count: int,
        ready_ms: int,
        *,
        read: bool = True,
        process: subprocess.Popen | None = None,
        timeout_s: float = 1800,
    ) -> Phase:
        """Block until the phase's output and dead-letter topics hold `count` messages; then read them."""
        self._await_messages(
            [settings.enriched_topic, settings.deadletter_topic],
            count,
            process=process,
            name=settings.app_id,
            log=self._log(settings),
            timeout_s=timeout_s,
        )
        return Phase(
            self._read(settings.enriched_topic) + self._read(settings.deadletter_topic) if read else [], ready_ms
        )

    def _await_messages(
        self,
        topics: list[str],
        count: int,
        *,
        process: subprocess.Popen | None = None,
        name: str = "",
        log: Path | None = None,
        timeout_s: float = 1800,
    ) -> int:
        """Block until `topics` hold `count` messages between them (end offsets: a transactional producer's
        markers count), saying how many every 5 s; return how many they hold."""
        deadline = time.monotonic() + timeout_s
        consumer = KafkaConsumer(bootstrap_servers=self.base.bootstrap_servers, enable_auto_commit=False)
        try:
            partitions = [TopicPartition(t, p) for t in topics for p in range(PARTITIONS)]
            told = 0.0
            while True:
                done = sum(consumer.end_offsets(partitions).values())
                if time.monotonic() - told > 5:
                    self.say(f"  {done}/{count} in {', '.join(topics)}")
                    told = time.monotonic()
                if done >= count:
                    return done
                if process is not None and process.poll() is not None:
                    raise RuntimeError(f"{name} exited with code {process.returncode}; see {log or self.work_dir}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{done} of {count} messages within {timeout_s:.0f} s; see {self.work_dir}")
                time.sleep(0.5)
        finally:
            consumer.close()

    def _read(self, topic: str) -> list[Output]:
        """Every message of `topic`: key, broker timestamp, size."""
        consumer = KafkaConsumer(bootstrap_servers=self.base.bootstrap_servers, enable_auto_commit=False)
        try:
            partitions = [TopicPartition(topic, p) for p in range(PARTITIONS)]
            consumer.assign(partitions)
            consumer.seek_to_beginning()
            ends = consumer.end_offsets(partitions)
            outputs: list[Output] = []
            while any(consumer.position(p) < ends[p] for p in partitions):
                for messages in consumer.poll(timeout_ms=1000).values():
                    outputs.extend(
                        Output((m.key or b"").decode("utf-8", "replace"), m.timestamp, len(m.value or b""))
                        for m in messages
                    )
            return sorted(outputs, key=lambda o: o.timestamp_ms)
        finally:
            consumer.close()

    def _deadlettered(self) -> int:
        consumer = KafkaConsumer(bootstrap_servers=self.base.bootstrap_servers, enable_auto_commit=False)
        try:
            partitions = [TopicPartition(self.base.deadletter_topic, p) for p in range(PARTITIONS)]
            return sum(consumer.end_offsets(partitions).values())
        finally:
            consumer.close()

    def close(self) -> None:
        """Stop every process this bench started and delete its topics (Faust's own ones too)."""
        for worker in self.workers:
            worker.stop()
        for process in self.processes:
            self._stop(process)
        try:
            created = [t for t in self.admin.list_topics() if t.startswith(f"bench-{self.run}-")]
            if created:
                self.admin.delete_topics(created)
        finally:
            self.admin.close()
        shutil.rmtree(self.work_dir, ignore_errors=True)


def _library_rate(settings: Settings, records: list[dict]) -> tuple[float, str]:
    """Articles per second through the text pipeline alone, with a fresh tagger cache (new words included), and
    the tagger's name."""
    from khabar.text.pipeline import TextPipeline

    pipeline = TextPipeline(settings.ner_backend, settings.ner_model_path)
    started = time.perf_counter()
    for record in records:
        pipeline.analyse(record["title"], record["body"])
    return round(len(records) / (time.perf_counter() - started), 1), pipeline.ner_model


def _rss_mb(worker: WorkerProcess) -> float | None:
    if worker.process is None:
        return None
    try:
        for line in Path(f"/proc/{worker.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except FileNotFoundError:
        pass
    return None


def machine() -> dict:
    """Cores, CPU, memory and the versions the figures were measured with."""
    from khabar.local.broker import kafka_version

    cpu = (
        next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            ),
            platform.processor(),
        )
        if Path("/proc/cpuinfo").exists()
        else ""
    )
    memory_gb = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    versions = {
        f"{name.replace('-', '_')}_version": metadata.version(name)
        for name in ("faust-streaming", "aiokafka", "kafka-python")
    }
    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": memory_gb,
        "python_version": platform.python_version(),
        "kafka_version": kafka_version(),
        **versions,
        "khabar_version": __version__,
    }

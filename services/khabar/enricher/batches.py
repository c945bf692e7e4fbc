"""The enricher's consume-transform-produce loop: the one place where a batch's outputs and its offsets meet.

Faust's own exactly_once sends outputs to topics the worker does not consume outside any transaction, and its
commit timer races the agent (measured: ../shared/notes/kafka-eos-security.md). This loop owns the boundary
instead, with kafka-python 3.0, synchronously, in a thread of its own (the NLP is synchronous CPU work):

    poll a batch -> Processor.process each message -> send each outcome to enriched or dead-letter
    exactly_once:  send the batch's next offsets to the transaction (with the consumer's group metadata,
                   KIP-447) and commit it: outputs and offsets become visible together, or not at all
    at_least_once: flush, then commit the offsets: a crash between the two repeats the batch's outputs

One transactional producer per process (KIP-447 fences a stale member by its group generation, so a process
keeps its producer across rebalances). Its id is stable across restarts (`WorkerSlot`): the successor's
`init_transactions` aborts what a killed predecessor left open at once, instead of after the timeout.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.consumer.subscription_state import ConsumerRebalanceListener
from kafka.errors import KafkaError, KafkaTimeoutError, ProducerFencedError, TransactionalIdAuthorizationFailedError
from kafka.structs import OffsetAndMetadata
from mode import Service

from khabar import kafka_clients
from khabar.config import Settings
from khabar.enricher import metrics
from khabar.enricher.processing import Handles, Origin

log = logging.getLogger(__name__)

SWITCH_INTERVAL_S = 0.0005  # how often the GIL may pass to another thread (Python's default: 5 ms)
_STOP_WAIT_S = 5.0  # longest wait for the batch in hand to commit on shutdown (stopping.Worker exits at 8 s)
_REPLACEMENTS_ALLOWED, _REPLACEMENT_WINDOW_S = 5, 60.0  # a leader failover replaced it once (cluster test)


class TransactionalIdContested(KafkaError):
    """The worker's producer had to be replaced again and again: someone else is using its transactional id."""


class _CommitUndecided(KafkaError):
    """A transaction's commit got no answer in time: whether it committed is for the broker to say."""


class _CommitDropped(KafkaError):
    """kafka-python reported a commit that did not happen: its transaction was dropped by an epoch bump."""


def _check_committed(manager: Any, epoch: Any, deliveries: list) -> None:
    """Raise unless the commit that kafka-python reported covers every output of the batch. A send that fails
    with a stale epoch makes kafka-python bump the epoch mid-transaction (KIP-360), which forgets the
    transaction: a commit after that is reported done without an EndTxn being sent, while the outputs are not
    written. The loop then went on past the batch, and the next commit's offsets skipped it (the fence test lost
    2 of 1000 articles so in a CI-style run)."""
    unwritten = sum(1 for delivery in deliveries if not delivery.is_done or delivery.failed())
    if unwritten or manager.is_bumping_epoch() or manager.producer_id_and_epoch != epoch:
        raise _CommitDropped(
            f"the commit was reported, but {unwritten} of {len(deliveries)} outputs were not written and the "
            f"producer epoch went from {epoch} to {manager.producer_id_and_epoch}"
        )


class WorkerSlot:
    """A numbered slot of this state directory, held (flock) for the life of the process, with a random token
    kept in a file: the same worker restarted in the same place gets the same transactional id back, two
    workers beside each other never share one. The kernel drops the lock when a process dies, even by SIGKILL."""

    def __init__(self, directory: Path):
        directory.mkdir(parents=True, exist_ok=True)
        number = 0
        while True:
            lock = open(directory / f"slot-{number}.lock", "a")
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                lock.close()
                number += 1
        self.number, self._lock = number, lock
        token_file = directory / f"slot-{number}.token"
        if not token_file.exists():
            token_file.write_text(uuid.uuid4().hex[:12])
        self.token = token_file.read_text().strip()

    def release(self) -> None:
        self._lock.close()


class _Assignment(ConsumerRebalanceListener):
    """Keeps a copy of the assigned partitions that other threads may read (readiness, lag)."""

    def __init__(self, loop: BatchLoop):
        self.loop = loop

    def on_partitions_revoked(self, revoked):
        # Nothing of a revoked partition is in flight: a batch is committed or aborted before the next poll.
        self.loop.assigned = frozenset(self.loop.assigned - set(revoked))

    def on_partitions_assigned(self, assigned):
        self.loop.assigned = frozenset(self.loop.assigned | set(assigned))
        log.info("assigned %s", sorted(tp.partition for tp in self.loop.assigned))


class BatchLoop:
    """Consumes the raw topic in the worker's group and writes one outcome per message, with the configured
    processing guarantee. `run` returns when `stop` is set (after the batch in hand is committed)."""

    def __init__(
        self,
        settings: Settings,
        processor: Handles,
        transactional_id: str | None = None,
        client_id: str = "khabar-enricher",
    ):
        self.settings, self.processor = settings, processor
        self.assigned: frozenset[TopicPartition] = frozenset()
        self.consumer = KafkaConsumer(
            **kafka_clients.kafka_python(settings),
            group_id=settings.app_id,
            client_id=client_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            # Raw messages written by a transaction (another pipeline's) count only once committed.
            isolation_level="read_committed",
            session_timeout_ms=int(settings.session_timeout_s * 1000),
            heartbeat_interval_ms=int(settings.session_timeout_s * 1000 / 5),
            max_poll_records=settings.batch_size,
            max_partition_fetch_bytes=max(1_048_576, settings.max_article_bytes + 65536),
        )
        if settings.exactly_once and not transactional_id:
            raise ValueError("exactly_once needs a transactional id")
        self.transactional_id, self.client_id = transactional_id, client_id
        self._replaced: list[float] = []  # monotonic times of this loop's recent producer replacements
        self._stopping = threading.Event()  # run's stop event, once it runs
        self.producer = self._new_producer()
        self.consumer.subscribe([settings.raw_topic], listener=_Assignment(self))

    def _new_producer(self) -> KafkaProducer:
        exactly_once = self.settings.exactly_once
        producer = KafkaProducer(
            **kafka_clients.kafka_python(self.settings),
            client_id=self.client_id,
            acks="all",
            enable_idempotence=True,
            # The outputs wait in the producer's buffer and go out together, flushed before each commit (see
            # process): kafka-python's default of 16 KB made every enriched record (~30 KB) a batch of its own,
            # with a produce request and a sender wake-up per article; its network thread took 23% of a core,
            # sharing the GIL with the NLP. One worker on pre-loaded SaudiNewsNet articles: 209 -> 288
            # articles/s at 1 MB batches (linger 5 ms); then a 100 ms linger with the flush: 289 -> 320/s
            # (means of 3 runs each, taken in turns).
            linger_ms=100,
            batch_size=1_048_576,
            # kafka-python 3.0.12 sleeps this long before retrying a transactional request, where Java sleeps 20 ms
            # after CONCURRENT_TRANSACTIONS (the previous commit still completing): at its default of 100 ms, the
            # sleeps took 13% of the worker's time (py-spy). 20 ms: 402 -> 430 articles/s (means of 4 phases each,
            # in turns).
            retry_backoff_ms=20,
            max_request_size=self.settings.max_output_bytes + 65536,
            transactional_id=self.transactional_id if exactly_once else None,
            transaction_timeout_ms=int(self.settings.transaction_timeout_s * 1000),
        )
        if exactly_once:
            try:
                producer.init_transactions()  # aborts what this id's previous holder left open
            except KafkaError:
                _discard(producer)
                raise
        return producer

    def _replacement(self) -> KafkaProducer:
        """A new producer under the same id, tried until the transaction coordinator answers. After a leader
        kill, a replacement's init timed out once (60 s) while the coordinator moved, and the worker died on it
        (cluster test, 1 of 4 runs)."""
        while True:
            try:
                return self._new_producer()
            except KafkaTimeoutError as error:
                if self._stopping.is_set():
                    raise
                log.warning("no transactional producer yet (%r): tried again", error)

    def run(self, stop: threading.Event) -> None:
        poll_ms = int(self.settings.batch_timeout_s * 1000)
        self._stopping = stop
        # The NLP holds the GIL in this thread; the clients' threads take many short steps per batch (produce
        # requests, each round trip of the transaction), and each waited up to Python's default of 5 ms for it.
        # At 0.5 ms, means of three rounds of the same phases in turns (on a variant of this loop that sent a
        # batch's outputs after enriching it): two workers 445 -> 515 articles/s (2 workers vs 1: 1.38 -> 1.65),
        # latency at 160/s p50 72 -> 47 ms, p99 292 -> 234; one worker 325 -> 313 (within the noise).
        sys.setswitchinterval(SWITCH_INTERVAL_S)
        try:
            while not stop.is_set():
                batch = self.consumer.poll(timeout_ms=poll_ms, max_records=self.settings.batch_size)
                if batch:
                    self.process(batch)
        finally:
            self.close()

    def process(self, batch: dict[TopicPartition, list]) -> float | None:
        """Enrich one polled batch and commit it, returning the commit's seconds; on a Kafka error, abort and
        rewind so that the batch is consumed again, returning None."""
        exactly_once = self.settings.exactly_once
        metrics.BATCH_SIZE.observe(sum(map(len, batch.values())))
        started = time.perf_counter()
        try:
            if exactly_once:
                self.producer.begin_transaction()
                epoch = self.producer._transaction_manager.producer_id_and_epoch
            deliveries = []
            for tp, messages in batch.items():
                for message in messages:
                    timestamp = message.timestamp / 1000 if message.timestamp and message.timestamp > 0 else None
                    outcome = self.processor.process(
                        message.value, Origin(tp.topic, tp.partition, message.offset, message.key, timestamp)
                    )
                    topic = self.settings.enriched_topic if outcome.enriched else self.settings.deadletter_topic
                    deliveries.append(self.producer.send(topic, key=outcome.key, value=outcome.value))
            offsets = {tp: OffsetAndMetadata(messages[-1].offset + 1, "", -1) for tp, messages in batch.items()}
            committing = time.perf_counter()
            if exactly_once:
                # Bounded: a flush waits without end by default, and a dead broker must fail the batch instead.
                self.producer.flush(timeout=self.settings.transaction_timeout_s)
                manager = self.producer._transaction_manager
                self._bounded(manager.send_offsets_to_transaction(offsets, self.consumer.group_metadata()))
                self._bounded(manager.begin_commit())
                _check_committed(manager, epoch, deliveries)
            else:
                self.producer.flush()
                for delivery in deliveries:
                    delivery.get(timeout=0)  # raises the error of a send that failed
                self.consumer.commit(offsets)
            committed = time.perf_counter()
            metrics.COMMIT_SECONDS.observe(committed - committing)
            metrics.BATCH_SECONDS.observe(committed - started)
            return committed - committing
        except KafkaError as error:
            self._recover(batch, error)
            return None

    def _bounded(self, result: Any) -> None:
        """Wait for a transactional request, at most KHABAR_TRANSACTION_TIMEOUT_S: kafka-python's own
        send_offsets_to_transaction and commit_transaction wait without end, and after the coordinator's broker
        was killed they waited on that node for minutes (cluster test: the worker stalled 4 min)."""
        self.producer._sender.wakeup()
        if not result.wait(timeout_ms=int(self.settings.transaction_timeout_s * 1000)):
            raise _CommitUndecided(f"no answer within {self.settings.transaction_timeout_s:g}s")

    def _recover(self, batch: dict[TopicPartition, list], error: KafkaError) -> None:
        """A failed batch (a rebalance fenced this member's generation, a broker went away, a timeout): its
        successor (this loop, or the partition's new owner) processes it again. With exactly_once the open
        transaction is aborted, or, where the producer cannot abort it, a new producer under the same id settles
        it, as it does for a fence (see _count_replacement). A producer not authorised to use its transactional id,
        or replaced again and again, is raised: the worker stops, nothing of the batch committed."""
        log.warning("batch of %d not committed, consumed again: %r", sum(map(len, batch.values())), error)
        metrics.BATCHES_ABORTED.inc()
        if not self.settings.exactly_once or self._aborted(error):
            self._rewind(batch, committed=False)
            return
        # Committed or not, the broker decides: the new producer's init_transactions waits for that decision,
        # then the batch resumes from the group's committed offsets, not from its start.
        self._count_replacement(error)
        _discard(self.producer)
        self.producer = self._replacement()
        self._rewind(batch, committed=True)

    def _aborted(self, error: KafkaError) -> bool:
        """Abort the open transaction where the producer still can; False where it cannot and must be replaced:
        a commit that got no answer, a fatal error, or an epoch bump in progress (after a partition leader failed
        over, kafka-python bumps the producer's epoch and the broker aborts the transaction; aborting it again
        is an invalid transition, and the worker died on it: 265 of 300 articles of the cluster test left)."""
        if isinstance(error, TransactionalIdAuthorizationFailedError):
            raise error  # we may not use the id: this worker must stop
        if isinstance(error, ProducerFencedError):
            return False
        manager = self.producer._transaction_manager
        if (
            isinstance(error, (_CommitUndecided, _CommitDropped))
            or manager.has_fatal_error()
            or manager.is_bumping_epoch()
        ):
            return False
        try:
            self._bounded(manager.begin_abort())
        except KafkaError as failure:
            log.warning("the transaction could not be aborted (%r): its producer is replaced", failure)
            return False
        return True

    def _count_replacement(self, error: KafkaError) -> None:
        """Most fences are our own: kafka-python reports a stale epoch from the transaction coordinator
        (INVALID_PRODUCER_EPOCH, after its epoch bump raced a partition leader's failover) as ProducerFencedError,
        and the worker stopped on it, losing articles (cluster test, 1 of 4 CI-style runs). The slot lock keeps
        the id to this process, so the producer is replaced and the batch resumes. A rival holding the same id (a
        copy of the state directory) fences each new producer in turn, seen as fences or as stale epochs on
        sends: more than _REPLACEMENTS_ALLOWED replacements within _REPLACEMENT_WINDOW_S stop the worker."""
        now = time.monotonic()
        self._replaced = [at for at in self._replaced if now - at < _REPLACEMENT_WINDOW_S] + [now]
        if len(self._replaced) > _REPLACEMENTS_ALLOWED:
            raise TransactionalIdContested(
                f"the producer of transactional id {self.transactional_id} was replaced {len(self._replaced)} "
                f"times in {_REPLACEMENT_WINDOW_S:g}s, the last after {error!r}: another process holds the id "
                f"(a copy of {self.settings.state_dir}?), or the cluster keeps failing over; give each worker "
                "a state directory of its own"
            ) from error

    def _rewind(self, batch: dict[TopicPartition, list], committed: bool) -> None:
        """Seek the batch's partitions this member still owns back to the batch's first offsets, or to the
        group's committed offsets."""
        owned = self.consumer.assignment()
        timeout_ms = int(self.settings.transaction_timeout_s * 1000)
        for tp, messages in batch.items():
            if tp in owned:
                offset = self.consumer.committed(tp, timeout_ms=timeout_ms) if committed else None
                self.consumer.seek(tp, offset if offset is not None else messages[0].offset)

    def close(self) -> None:
        """Leave the group at once (its partitions move without waiting for the session timeout)."""
        try:
            self.consumer.close()
        finally:
            try:
                self.producer.close(timeout=5)
            except KafkaError:  # sends that cannot complete (a fenced producer's): the broker settles them
                _discard(self.producer)


def _discard(producer: KafkaProducer) -> None:
    """Close a producer whose buffered sends cannot complete (the new producer's init settles their transaction).
    Its close() flushes first and, when that times out, raises before it stops the sender thread: each replaced
    producer's thread then lived on until its batches expired, 120 s later (fence test). Force-closed first, the
    thread fails those batches and ends."""
    producer._sender.force_close()
    producer._sender.join(_STOP_WAIT_S)
    try:
        producer.close(timeout=0)
    except KafkaError as error:
        log.warning("the replaced producer did not close cleanly: %r", error)


class BatchService(Service):
    """Runs the batch loop in a thread for the Faust worker's life: started with the app, stopped with it
    (SIGTERM: the batch in hand is committed, the group left, within about a batch's time). A loop that fails
    crashes the worker, so that it exits instead of staying up without consuming."""

    def __init__(self, settings: Settings, processor: Handles, **kwargs):
        super().__init__(**kwargs)
        self.settings, self.processor = settings, processor
        self._batches: BatchLoop | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._slot: WorkerSlot | None = None

    async def on_start(self) -> None:
        self._slot = WorkerSlot(self.settings.state_dir / "worker" / "slots")
        transactional_id = f"{self.settings.app_id}-{self._slot.token}"
        loop = asyncio.get_running_loop()
        self._thread = threading.Thread(
            target=self._run, args=(transactional_id, loop), name="khabar-batches", daemon=True
        )
        self._thread.start()

    def _run(self, transactional_id: str, loop: asyncio.AbstractEventLoop) -> None:
        try:
            self._batches = BatchLoop(self.settings, self.processor, transactional_id)
            log.info(
                "%s: %s, transactional id %s",
                self.settings.raw_topic,
                self.settings.processing_guarantee,
                transactional_id if self.settings.exactly_once else "-",
            )
            self._batches.run(self._stop)
        except BaseException as error:  # noqa: BLE001 — any failure of the loop must stop the worker
            log.exception("the batch loop failed")
            if not self._stop.is_set():
                asyncio.run_coroutine_threadsafe(self.crash(error), loop)
        finally:
            self._batches = None

    @property
    def assigned(self) -> frozenset[TopicPartition]:
        batches = self._batches
        return batches.assigned if batches is not None else frozenset()

    async def on_stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            # A commit stuck on an unreachable broker must not hold the worker: the thread is a daemon.
            await asyncio.to_thread(self._thread.join, _STOP_WAIT_S)
        if self._slot is not None:
            self._slot.release()

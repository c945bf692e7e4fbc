"""The Faust application: the worker's lifecycle, web pages and timers around the batch loop (enricher.batches),
which consumes the raw topic and writes each outcome to its topic."""

from __future__ import annotations

import asyncio
import gc
import logging

import faust
from faust.app.base import BootStrategy
from faust.sensors.prometheus import setup_prometheus_sensors

from khabar import __version__, kafka_clients
from khabar.config import Settings
from khabar.enricher import metrics, stopping
from khabar.enricher.batches import BatchService
from khabar.enricher.lag import ConsumerLag
from khabar.enricher.logs import quiet_repeats
from khabar.enricher.processing import Processor
from khabar.lag import REFRESH_S, PartitionOffsets
from khabar.text.pipeline import TextPipeline

log = logging.getLogger(__name__)


class _WithoutConsumer(BootStrategy):
    enable_kafka_consumer = False


class _App(faust.App):
    # The raw topic is consumed by the batch loop, which owns the transaction boundary: Faust's consumer would
    # join the same group, with an assignor of its own.
    BootStrategy = _WithoutConsumer


def create_app(settings: Settings, pipeline: TextPipeline | None = None) -> faust.App:
    pipeline = pipeline or TextPipeline(
        settings.ner_backend, settings.ner_model_path, knowledge=settings.enriched_schema_version >= 3
    )
    (settings.state_dir / "worker").mkdir(parents=True, exist_ok=True)  # Faust does not create its datadir
    processor = Processor(settings, pipeline)
    app = _App(
        settings.app_id,
        broker=settings.kafka_url,
        broker_credentials=kafka_clients.faust_credentials(settings),
        topic_replication_factor=settings.replication_factor,
        autodiscover=False,
        datadir=str(settings.state_dir / "worker"),
        topic_partitions=settings.topic_partitions,
        web_host=settings.worker_host,
        web_bind=settings.worker_host,  # web_host only names the host in URLs; Faust binds web_bind, 0.0.0.0 by default
        web_port=settings.worker_port,
        web_in_thread=False,
    )
    batches = BatchService(settings, processor)
    app.service(batches)  # type: ignore[arg-type]  # an instance is started as it is (App._prepare_subservice)
    setup_prometheus_sensors(app, pattern="/metrics", name_prefix="faust")
    metrics.WORKER_INFO.info({"version": __version__, "ner_model": pipeline.ner_model})

    @app.page("/healthz")
    async def healthz(web, request):
        return web.json({"status": "alive", "version": __version__})

    offsets = PartitionOffsets(lambda: batches.assigned, kafka_clients.aiokafka(settings))
    consumer_lag = ConsumerLag(offsets, settings.app_id, settings.raw_topic, kafka_clients.aiokafka(settings))

    @app.page("/readyz")
    async def readyz(web, request):
        """Ready when this worker owns raw-topic partitions and the broker answers a metadata request."""
        assigned = sorted(tp.partition for tp in batches.assigned if tp.topic == settings.raw_topic)
        try:
            await asyncio.wait_for(consumer_lag.probe_broker(), timeout=2)
            broker = "reachable"
        except Exception as error:  # any failure here means "not ready", with the reason shown
            broker = f"unreachable: {type(error).__name__}"
        ready = bool(assigned) and broker == "reachable"
        return web.json({"ready": ready, "partitions": assigned, "broker": broker}, status=200 if ready else 503)

    @app.timer(REFRESH_S)
    async def export_consumer_lag():
        await consumer_lag.refresh()

    async def close_lag_clients(_app: faust.App, **_kwargs: object) -> None:
        await consumer_lag.close()
        await offsets.close()

    app.on_before_shutdown.connect(close_lag_clients)  # type: ignore[arg-type]

    return app


def run_worker(settings: Settings, loglevel: str = "warning") -> None:
    app = create_app(settings)
    # The loaded models and tables live for the whole process: keep the garbage collector from rescanning them.
    gc.freeze()
    # The batch loop's kafka-python keeps its warnings in the worker (the CLI silences it for other commands).
    logging.getLogger("kafka").setLevel(logging.WARNING)
    for client in ("aiokafka", "kafka"):  # a broker outage would otherwise log ~100 lines a second
        quiet_repeats(client)
    worker = stopping.Worker(app, loglevel=loglevel, quiet=True)
    worker.execute_from_commandline()

"""The Faust application: consumes the raw topic in batches and writes each outcome to its topic."""

from __future__ import annotations

import asyncio
import gc
import logging

import faust
from faust.sensors.prometheus import setup_prometheus_sensors

from khabar import __version__
from khabar.config import Settings
from khabar.enricher import metrics
from khabar.enricher.lag import REFRESH_S, ConsumerLag
from khabar.enricher.logs import quiet_repeats
from khabar.enricher.processing import Origin, Processor
from khabar.text.pipeline import TextPipeline

log = logging.getLogger(__name__)


def create_app(settings: Settings, pipeline: TextPipeline | None = None) -> faust.App:
    pipeline = pipeline or TextPipeline(settings.ner_backend, settings.ner_model_path,
                                        knowledge=settings.enriched_schema_version >= 3)
    (settings.state_dir / "worker").mkdir(parents=True, exist_ok=True)  # Faust does not create its datadir
    processor = Processor(settings, pipeline)
    app = faust.App(
        settings.app_id,
        broker=settings.kafka_url,
        autodiscover=False,
        datadir=str(settings.state_dir / "worker"),
        topic_partitions=settings.topic_partitions,
        consumer_auto_offset_reset="earliest",
        broker_session_timeout=settings.session_timeout_s,
        producer_max_request_size=settings.max_output_bytes + 65536,
        web_host=settings.worker_host,
        web_port=settings.worker_port,
        web_in_thread=False,
    )
    setup_prometheus_sensors(app, pattern="/metrics", name_prefix="faust")
    metrics.WORKER_INFO.info({"version": __version__, "ner_model": pipeline.ner_model})

    # Raw bytes in: decoding is ours to do, so a bad message becomes a dead letter instead of a Faust error.
    raw_topic = app.topic(settings.raw_topic, key_type=bytes, value_type=bytes,
                          key_serializer="raw", value_serializer="raw")
    enriched_topic = app.topic(settings.enriched_topic, key_serializer="raw", value_serializer="raw")
    deadletter_topic = app.topic(settings.deadletter_topic, key_serializer="raw", value_serializer="raw")

    @app.page("/healthz")
    async def healthz(web, request):
        return web.json({"status": "alive", "version": __version__})

    consumer_lag = ConsumerLag(app, settings.app_id, settings.raw_topic, settings.bootstrap_servers)

    @app.page("/readyz")
    async def readyz(web, request):
        """Ready when this worker owns raw-topic partitions and the broker answers a metadata request."""
        assigned = sorted(tp.partition for tp in app.consumer.assignment() if tp.topic == settings.raw_topic) \
            if app.consumer is not None else []
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

    @app.agent(raw_topic, name="enrich")
    async def enrich(stream):
        async for events in stream.take_events(settings.batch_size, within=settings.batch_timeout_s):
            metrics.BATCH_SIZE.observe(len(events))
            deliveries = []
            for event in events:
                message = event.message
                outcome = processor.process(
                    message.value,
                    Origin(message.topic, message.partition, message.offset, message.key, message.timestamp),
                )
                target = enriched_topic if outcome.enriched else deadletter_topic
                # force: send now rather than as a Faust "attachment" published at commit time.
                deliveries.append(await target.send(key=outcome.key, value=outcome.value, force=True))
                # Let heartbeats and fetches run between articles: the NLP itself is synchronous CPU work.
                await asyncio.sleep(0)
            # The batch's offsets are acknowledged when this loop asks for the next batch: wait until the broker
            # has every output, so a crash can never commit an offset whose output was lost. A delivery that
            # fails raises here and stops the worker uncommitted; its successor processes the batch again.
            await asyncio.gather(*deliveries)

    return app


def run_worker(settings: Settings, loglevel: str = "warning") -> None:
    from khabar.topics import ensure_topics

    ensure_topics(settings)
    app = create_app(settings)
    # The loaded models and tables live for the whole process: keep the garbage collector from rescanning them.
    gc.freeze()
    quiet_repeats("aiokafka")  # a broker outage would otherwise log ~100 lines a second
    worker = faust.Worker(app, loglevel=loglevel, quiet=True)
    worker.execute_from_commandline()

"""The plumbing's ceilings for `khabar bench pipeline`: each raw message forwarded without NLP, as a message of
the size the worker's output had for it, by

- ``loop``: the worker's own batch loop (`khabar.enricher.batches`: its clients, batches, processing guarantee
  and transactions), with a forwarder in the processor's place: what the worker's plumbing allows;
- ``agent``: a Faust agent (aiokafka, `take_events` batches, one forced send per message, the batch's
  deliveries awaited before the next), the shape the worker had before it owned its transactions.

Run as ``python -m khabar.bench.passthrough {loop,agent} SIZES.json`` with the worker's KHABAR_* settings;
SIZES.json maps article ids (the message keys) to output sizes in bytes, from the worker's run on the same
messages.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import threading
from pathlib import Path

import faust

from khabar.config import Settings
from khabar.enricher.processing import Origin, Outcome


class Forwarder:
    """Stands in for the Processor: every message out as filler of the size the worker's output had."""

    def __init__(self, sizes: dict[str, int]):
        self.sizes = sizes
        self.filler = b"x" * max(sizes.values(), default=0)

    def process(self, value: bytes | None, origin: Origin) -> Outcome:
        key = origin.key or b""
        size = self.sizes.get(key.decode("utf-8", "replace"), len(value or b""))
        return Outcome(True, key, self.filler[:size])


def run_loop(settings: Settings, sizes: dict[str, int]) -> None:
    from khabar.enricher.batches import BatchLoop

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    loop = BatchLoop(settings, Forwarder(sizes), transactional_id=f"{settings.app_id}-passthrough")
    loop.run(stop)


def create_agent_app(settings: Settings, sizes: dict[str, int]) -> faust.App:
    (settings.state_dir / "worker").mkdir(parents=True, exist_ok=True)
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
    raw_topic = app.topic(
        settings.raw_topic, key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw"
    )
    output_topic = app.topic(settings.enriched_topic, key_serializer="raw", value_serializer="raw")
    forwarder = Forwarder(sizes)

    @app.agent(raw_topic, name="passthrough")
    async def passthrough(stream):
        async for events in stream.take_events(settings.batch_size, within=settings.batch_timeout_s):
            deliveries = []
            for event in events:
                message = event.message
                origin = Origin(message.topic, message.partition, message.offset, message.key, None)
                outcome = forwarder.process(message.value, origin)
                deliveries.append(await output_topic.send(key=outcome.key, value=outcome.value, force=True))
                await asyncio.sleep(0)
            await asyncio.gather(*deliveries)

    return app


def main() -> None:
    kind, sizes_file = sys.argv[1:3]
    sizes = json.loads(Path(sizes_file).read_text(encoding="utf-8"))
    settings = Settings.from_env()
    if kind == "loop":
        run_loop(settings, sizes)
    else:
        faust.Worker(create_agent_app(settings, sizes), loglevel="warning", quiet=True).execute_from_commandline()


if __name__ == "__main__":
    main()

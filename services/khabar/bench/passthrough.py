"""The plumbing's ceiling for `khabar bench pipeline`: a Faust agent shaped like the enrichment worker's
(same client stack, `take_events` batches, one forced send per message, the batch's deliveries awaited before
the next) that forwards each raw message without NLP, as a message of the size the worker's output had.

Run as ``python -m khabar.bench.passthrough SIZES.json`` with the worker's KHABAR_* settings; SIZES.json maps
article ids (the message keys) to output sizes in bytes, taken from the worker's run on the same messages.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import faust

from khabar.config import Settings


def create_passthrough_app(settings: Settings, sizes: dict[str, int]) -> faust.App:
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
    filler = b"x" * max(sizes.values(), default=0)

    @app.agent(raw_topic, name="passthrough")
    async def passthrough(stream):
        async for events in stream.take_events(settings.batch_size, within=settings.batch_timeout_s):
            deliveries = []
            for event in events:
                message = event.message
                key = message.key or b""
                size = sizes.get(key.decode("utf-8", "replace"), len(message.value or b""))
                deliveries.append(await output_topic.send(key=key, value=filler[:size], force=True))
                await asyncio.sleep(0)
            await asyncio.gather(*deliveries)

    return app


def main() -> None:
    sizes = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    app = create_passthrough_app(Settings.from_env(), sizes)
    faust.Worker(app, loglevel="warning", quiet=True).execute_from_commandline()


if __name__ == "__main__":
    main()

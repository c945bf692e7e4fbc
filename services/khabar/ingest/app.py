"""`khabar ingest`: articles over HTTP, answered 202 only once the broker has them.

POST /articles takes what `khabar replay` reads from .json/.jsonl feeds (one object, or JSON Lines), makes each a
raw record as the producer does (khabar.producer.sources), and sends them with acks=all and idempotence. Any
answer but 202 means the client must send the request again; the document is schemas/ingest.openapi.json.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import time

from aiohttp import web
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaConnectionError, KafkaError
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from khabar import kafka_clients, schemas
from khabar.config import Settings
from khabar.enricher.logs import quiet_repeats
from khabar.ingest import metrics
from khabar.producer.sources import InputError, read_json_bytes
from khabar.topics import ensure_topics

OPENAPI_PATH = schemas.SCHEMA_DIR / "ingest.openapi.json"
JSON_LINES_TYPES = ("application/x-ndjson", "application/jsonl", "application/x-jsonlines")
log = logging.getLogger(__name__)


class BrokerUnavailable(Exception):
    """The broker did not acknowledge: the client should send the same request again later."""


class RawTopicSender:
    """Sends records to the raw topic and waits for the broker's acknowledgement of every one.

    The producer starts on first use, and again on a later request when the broker was down at the first, so
    that the endpoint itself can start (and answer 503) before the broker is there."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._producer: AIOKafkaProducer | None = None
        self._starting = asyncio.Lock()

    async def send(self, records: list[dict]) -> None:
        """Return once the broker acknowledged every record; raise BrokerUnavailable if it did not in time.

        On a timeout some records may still arrive later: the client's resend gives them the same ids."""

        async def send_all() -> None:
            producer = await self._started()
            pending = [
                await producer.send(self.settings.raw_topic, schemas.encode(record), key=record["id"].encode())
                for record in records
            ]
            await asyncio.gather(*pending)

        timeout = self.settings.ingest_ack_timeout_s
        # Only a producer that was already running is suspect; one still starting keeps going for the next request.
        running = self._producer is not None
        try:
            await asyncio.wait_for(send_all(), timeout)
        except TimeoutError as error:
            if running:
                await self._discard()
            raise BrokerUnavailable(
                f"the broker did not acknowledge within {timeout:g}s (KHABAR_INGEST_ACK_TIMEOUT_S)"
            ) from error
        except KafkaError as error:
            if error.retriable or isinstance(error, KafkaConnectionError):
                if running:
                    await self._discard()
                raise BrokerUnavailable(f"the broker is unavailable: {type(error).__name__}: {error}") from error
            raise

    async def _discard(self) -> None:
        """Start afresh on the next request: an idempotent aiokafka producer can stay stuck on its unacknowledged
        batches after the broker comes back (aiokafka #1017; seen here: 503 for 90 s after a broker restart)."""
        producer, self._producer = self._producer, None
        if producer is not None:
            try:
                await asyncio.wait_for(producer.stop(), self.settings.ingest_ack_timeout_s)
            except (TimeoutError, KafkaError):
                log.warning("dropped a producer with articles the broker had not acknowledged (their requests got 503)")

    async def _started(self) -> AIOKafkaProducer:
        async with self._starting:
            if self._producer is None:
                producer = AIOKafkaProducer(
                    **kafka_clients.aiokafka(self.settings),
                    acks="all",
                    enable_idempotence=True,
                    linger_ms=5,
                    max_request_size=self.settings.producer_max_request_bytes,
                    client_id="khabar-ingest",
                )
                try:
                    await producer.start()
                    # Created here rather than at start-up, which must not need the broker.
                    await asyncio.to_thread(ensure_topics, self.settings, [self.settings.raw_topic])
                except BaseException:
                    await producer.stop()
                    raise
                self._producer = producer
            return self._producer

    async def close(self) -> None:
        """Send what is still buffered, waiting no longer than for one request's acks: a broker that is away
        must not keep the server from stopping (what it holds was answered 503)."""
        if self._producer is not None:
            try:
                await asyncio.wait_for(self._producer.stop(), self.settings.ingest_ack_timeout_s)
            except TimeoutError:
                log.warning("stopped with articles the broker had not acknowledged (their requests got 503)")


class IngestServer:
    def __init__(self, settings: Settings, sender: RawTopicSender | None = None):
        self.settings = settings
        self.sender = sender or RawTopicSender(settings)
        self.openapi = json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))

    def app(self) -> web.Application:
        app = web.Application(client_max_size=self.settings.ingest_max_body_bytes)
        app.router.add_post("/articles", self.post_articles)
        app.router.add_get("/openapi.json", self.get_openapi)
        app.router.add_get("/metrics", self.get_metrics)
        app.router.add_get("/healthz", self.get_healthz)
        app.on_cleanup.append(lambda _app: self.sender.close())
        return app

    async def post_articles(self, request: web.Request) -> web.Response:
        status, payload, headers = await self._ingest(request)
        metrics.REQUESTS.labels(str(status)).inc()
        return web.json_response(payload, status=status, headers=headers)

    async def _ingest(self, request: web.Request) -> tuple[int, dict, dict[str, str]]:
        if not self._authorised(request):
            return (
                401,
                {"error": "send the ingest token as 'Authorization: Bearer TOKEN' (KHABAR_INGEST_TOKEN)"},
                {"WWW-Authenticate": 'Bearer realm="khabar ingest"'},
            )
        json_lines = request.content_type in JSON_LINES_TYPES
        if not json_lines and request.content_type != "application/json":
            return (
                415,
                {
                    "error": f"unsupported Content-Type {request.content_type!r}: send application/json "
                    "(one article) or application/x-ndjson (JSON Lines)"
                },
                {},
            )
        limit = self.settings.ingest_max_body_bytes
        too_large: tuple[int, dict, dict[str, str]] = (
            413,
            {"error": f"the body is over {limit} bytes (KHABAR_INGEST_MAX_BODY_BYTES): send fewer at a time"},
            {},
        )
        if (request.content_length or 0) > limit:
            return too_large
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return too_large
        items = list(read_json_bytes(body, "request", ".jsonl" if json_lines else ".json"))
        problems = [item for item in items if isinstance(item, InputError)]
        if problems or not items:
            metrics.ARTICLES_INVALID.inc(len(problems))
            problems = problems or [InputError("request", "no article in the body")]
            return (
                400,
                {
                    "error": f"{len(problems)} of {max(len(items), 1)} article(s) invalid; nothing was sent",
                    "problems": [{"item": p.origin, "reason": p.reason} for p in problems],
                },
                {},
            )
        records = [item for item in items if isinstance(item, dict)]
        for number, record in enumerate(records, 1):
            size = len(schemas.encode(record))
            if size > self.settings.max_article_bytes:
                limit = self.settings.max_article_bytes
                return (
                    413,
                    {
                        "error": f"article {number} (id {record['id']}) is {size} bytes as a raw record, over "
                        f"{limit} (KHABAR_MAX_ARTICLE_BYTES); nothing was sent"
                    },
                    {},
                )
        started = time.perf_counter()
        try:
            await self.sender.send(records)
        except BrokerUnavailable as error:
            log.warning("answered 503: %s", error)
            return (
                503,
                {"error": f"{error}; nothing is known to be stored: send the request again"},
                {"Retry-After": str(self.settings.ingest_retry_after_s)},
            )
        metrics.ACK_SECONDS.observe(time.perf_counter() - started)
        metrics.ARTICLES_ACCEPTED.inc(len(records))
        return 202, {"ids": [record["id"] for record in records]}, {}

    def _authorised(self, request: web.Request) -> bool:
        token = self.settings.ingest_token
        if not token:
            return True
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        try:
            given_bytes = given.strip().encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:
            return False
        return scheme.lower() == "bearer" and hmac.compare_digest(given_bytes, token.encode("utf-8"))

    async def get_openapi(self, _request: web.Request) -> web.Response:
        return web.json_response(self.openapi)

    async def get_metrics(self, _request: web.Request) -> web.Response:
        return web.Response(body=generate_latest(), headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def get_healthz(self, _request: web.Request) -> web.Response:
        return web.Response(text="ok\n")


def serve(settings: Settings, host: str, port: int) -> None:
    """Serve until SIGINT or SIGTERM, then send what is still buffered and stop."""
    quiet_repeats()  # while the broker is away aiokafka logs each failed reconnect, many a second
    web.run_app(IngestServer(settings).app(), host=host, port=port, print=None, access_log=None)

"""`khabar desk`: reads the enriched, dead-letter and stories topics and serves them live to browsers on loopback.

One process, one asyncio loop: an aiokafka consumer of its own group (read_committed: aborted output is never
shown), an aiohttp server with the page and a server-sent-event stream, and a scraper of the workers' metrics.
A browser that connects (or reconnects: EventSource does so by itself after a reload, a network blip or a desk
restart) gets a snapshot of everything the desk holds, then each new record as it comes. The consumer rides
out a broker restart by itself (aiokafka reconnects); the page keeps its connection to the desk meanwhile.
"""

from __future__ import annotations

import asyncio
import json
import logging
import signal
from importlib.resources import files

import aiohttp
from aiohttp import web
from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import KafkaError

from khabar import kafka_clients
from khabar.config import Settings
from khabar.desk.health import Health
from khabar.desk.state import DeskState

log = logging.getLogger(__name__)

# Trends and places are recomputed at most this often, however fast articles come: over 1,000 kept articles
# (the seed's 22 entities each) one recount took 205 ms on this 2-core machine at load 11, 2.6 ms per article.
SUMMARY_EVERY_S = 2.0
HEALTH_EVERY_S = 5.0  # the workers refresh their lag every 5 s: scraping more often would show nothing new
KEEPALIVE_S = 15.0  # a comment line this often lets the browser and proxies see the stream is alive
CLIENT_QUEUE = 1000  # events held for one slow browser; past this it is sent a fresh snapshot instead

# Even if some text escaped its escaping, the page runs no script but its own file and loads nothing from
# elsewhere: article text is untrusted input.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
STATIC = {
    "/": ("index.html", "text/html"),
    "/desk.js": ("desk.js", "text/javascript"),
    "/desk.css": ("desk.css", "text/css"),
}
_RESYNC, _CLOSE = object(), object()


def metrics_urls(settings: Settings) -> list[str]:
    urls = [url.strip() for url in settings.desk_metrics_urls.split(",") if url.strip()]
    return urls or [f"http://{settings.worker_host}:{settings.worker_port}/metrics"]


class _Backlog(ConsumerRebalanceListener):
    """On the first assignment of each partition, start `records` before the group's committed offset (or
    the end, for a new group), so that a desk that starts or restarts has a page full of recent articles."""

    def __init__(self, consumer: AIOKafkaConsumer, records: int):
        self.consumer, self.records = consumer, records
        self.primed: set[TopicPartition] = set()

    async def on_partitions_revoked(self, revoked) -> None:
        pass

    async def on_partitions_assigned(self, assigned) -> None:
        fresh = [tp for tp in assigned if tp not in self.primed]
        if not fresh:
            return
        begins = await self.consumer.beginning_offsets(fresh)
        ends = await self.consumer.end_offsets(fresh)
        for tp in fresh:
            committed = await self.consumer.committed(tp)
            resume = committed if committed is not None and committed >= 0 else ends[tp]
            self.consumer.seek(tp, max(begins[tp], resume - self.records))
        self.primed.update(fresh)


class Desk:
    def __init__(self, settings: Settings, state: DeskState | None = None):
        self.settings = settings
        self.state = state or DeskState(trend_window_s=settings.desk_trend_window_s)
        self.health = Health(metrics_urls(settings))
        self.last_health: dict = self.health.report([])
        self.clients: set[asyncio.Queue] = set()
        self.stopping = asyncio.Event()
        self._summary_due = False
        self._pages = {
            path: (files("khabar.desk").joinpath("static", name).read_bytes(), kind)
            for path, (name, kind) in STATIC.items()
        }

    # --- web ---------------------------------------------------------------------------------------------------

    def web_app(self) -> web.Application:
        app = web.Application()
        app.on_response_prepare.append(_security_headers)
        for path in self._pages:
            app.router.add_get(path, self._page)
        app.router.add_get("/events", self._events)
        app.router.add_get("/api/snapshot", self._snapshot)
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/favicon.ico", self._no_icon)
        return app

    async def _page(self, request: web.Request) -> web.Response:
        body, kind = self._pages[request.path]
        return web.Response(body=body, content_type=kind, charset="utf-8", headers={"Cache-Control": "no-cache"})

    async def _snapshot(self, request: web.Request) -> web.Response:
        return web.json_response(self.snapshot(), dumps=_dumps)

    async def _no_icon(self, request: web.Request) -> web.Response:
        return web.Response(status=204)  # the page has no icon: say so rather than log a 404 per visit

    async def _healthz(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "alive", "clients": len(self.clients)})

    def snapshot(self) -> dict:
        return {**self.state.snapshot(), "health": self.last_health}

    async def _events(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
        await response.prepare(request)
        queue: asyncio.Queue = asyncio.Queue(CLIENT_QUEUE)
        self.clients.add(queue)
        try:
            await response.write(b"retry: 2000\n\n" + _event("snapshot", self.snapshot()))
            while not self.stopping.is_set():
                try:
                    event = await asyncio.wait_for(queue.get(), KEEPALIVE_S)
                except TimeoutError:
                    await response.write(b": keep-alive\n\n")
                    continue
                if event is _CLOSE:
                    break
                await response.write(_event("snapshot", self.snapshot()) if event is _RESYNC else event)
        except (ConnectionResetError, ConnectionError):
            pass  # the browser went away (reload, closed tab): it reconnects on its own if it wants more
        finally:
            self.clients.discard(queue)
        return response

    def broadcast(self, kind: str, data: dict) -> None:
        event = _event(kind, data)
        for queue in self.clients:
            try:
                queue.put_nowait(event)
            except asyncio.QueueFull:  # too slow to keep up: start it afresh from a snapshot
                while not queue.empty():
                    queue.get_nowait()
                queue.put_nowait(_RESYNC)

    # --- Kafka -------------------------------------------------------------------------------------------------

    def handle(self, topic: str, value: bytes | None) -> None:
        """One record from Kafka into the state and out to the browsers; a record that is not readable is
        counted and skipped, never fatal."""
        try:
            record = json.loads(value) if value is not None else None
        except ValueError:
            record = None
        if topic == self.settings.enriched_topic:
            view = self.state.add_enriched(record)
            kind = "article"
        elif topic == self.settings.stories_topic:
            view = self.state.add_story(record)
            kind = "story"
        else:
            view = self.state.add_deadletter(record)
            kind = "deadletter"
        if view is not None:
            self.broadcast(kind, view)
            self._summary_due = True

    async def consume(self) -> None:
        consumer = AIOKafkaConsumer(
            **kafka_clients.aiokafka(self.settings),
            group_id=self.settings.desk_group,
            client_id="khabar-desk",
            isolation_level="read_committed",
            enable_auto_commit=True,
            auto_offset_reset="earliest",
        )
        consumer.subscribe(
            [self.settings.enriched_topic, self.settings.deadletter_topic, self.settings.stories_topic],
            listener=_Backlog(consumer, self.settings.desk_backlog),
        )
        while not self.stopping.is_set():
            try:
                await consumer.start()
                break
            except KafkaError as error:
                log.warning("broker %s not reachable (%r): retrying", self.settings.bootstrap_servers, error)
                await asyncio.sleep(2)
        try:
            while not self.stopping.is_set():
                try:
                    batch = await consumer.getmany(timeout_ms=500)
                except KafkaError as error:  # the broker went away: aiokafka reconnects when it is back
                    log.warning("reading %s: %r", self.settings.enriched_topic, error)
                    await asyncio.sleep(1)
                    continue
                for partition, messages in batch.items():
                    for message in messages:
                        self.handle(partition.topic, message.value)
        finally:
            await consumer.stop()

    # --- periodic ----------------------------------------------------------------------------------------------

    async def push_summaries(self) -> None:
        while not self.stopping.is_set():
            await asyncio.sleep(SUMMARY_EVERY_S)
            if self._summary_due:
                self._summary_due = False
                self.broadcast("summary", self.state.summary())

    async def scrape_health(self) -> None:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=3)) as session:
            while not self.stopping.is_set():
                rows = []
                for url in self.health.urls:
                    try:
                        async with session.get(url) as response:
                            response.raise_for_status()
                            rows.append(self.health.update(url, await response.text()))
                    except (TimeoutError, aiohttp.ClientError, ValueError) as error:
                        rows.append(self.health.update(url, None, type(error).__name__))
                self.last_health = self.health.report(rows)
                self.broadcast("health", self.last_health)
                try:
                    await asyncio.wait_for(self.stopping.wait(), HEALTH_EVERY_S)
                except TimeoutError:
                    pass

    # --- lifecycle ---------------------------------------------------------------------------------------------

    async def serve(self, on_ready=lambda url: None) -> None:
        """Serve until SIGINT/SIGTERM (or `stopping` is set), then close every stream and the consumer."""
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, self.stopping.set)
        runner = web.AppRunner(self.web_app(), handle_signals=False)
        await runner.setup()
        try:
            await web.TCPSite(runner, self.settings.desk_host, self.settings.desk_port).start()
            on_ready(f"http://{self.settings.desk_host}:{self.settings.desk_port}/")
            tasks = [asyncio.create_task(job()) for job in (self.consume, self.push_summaries, self.scrape_health)]
            stopped = asyncio.create_task(self.stopping.wait())
            done, _ = await asyncio.wait([stopped, *tasks], return_when=asyncio.FIRST_COMPLETED)
            self.stopping.set()
            for queue in self.clients:
                while queue.full():
                    queue.get_nowait()
                queue.put_nowait(_CLOSE)
            await asyncio.gather(*tasks, return_exceptions=True)
            for task in done - {stopped}:
                task.result()  # a job that failed (not one that was told to stop) says why
        finally:
            await runner.cleanup()


def _event(kind: str, data: dict) -> bytes:
    return f"event: {kind}\ndata: {_dumps(data)}\n\n".encode()


def _dumps(data) -> str:
    # One line whatever the text holds (JSON escapes newlines), as an event's data line must be.
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


async def _security_headers(request: web.Request, response: web.StreamResponse) -> None:
    response.headers.update(SECURITY_HEADERS)

"""The desk's web side without Kafka: its files with a policy that runs no foreign script, and the event
stream (a snapshot on connect, then each record handed to the desk)."""

from __future__ import annotations

import asyncio
import json

from aiohttp.test_utils import TestClient, TestServer

from khabar.config import Settings
from khabar.desk.server import Desk

SETTINGS = Settings.from_env({}, enriched_topic="enriched", deadletter_topic="dead", stories_topic="stories")
RECORD = {
    "id": "a1",
    "title": "<b>عنوان</b>",
    "text": "<b>عنوان</b>\n\nنص",
    "enriched_at": None,
    "structure": {"paragraphs": [{"start": 0, "end": 12}, {"start": 14, "end": 16}], "removed": []},
    "mentions": [],
    "entities": [],
}


async def _with_client(check) -> None:
    desk = Desk(SETTINGS)
    async with TestClient(TestServer(desk.web_app())) as client:
        await check(desk, client)


def test_the_page_and_its_files_come_with_a_policy_that_allows_no_inline_script():
    async def check(desk, client):
        for path, kind in (("/", "text/html"), ("/desk.js", "text/javascript"), ("/desk.css", "text/css")):
            response = await client.get(path)
            assert response.status == 200 and response.content_type == kind
            policy = response.headers["Content-Security-Policy"]
            assert "script-src 'self'" in policy and "unsafe-inline" not in policy
            assert response.headers["X-Content-Type-Options"] == "nosniff"
        page = await (await client.get("/")).text()
        assert 'dir="rtl"' in page and '<script src="/desk.js"' in page

    asyncio.run(_with_client(check))


def test_the_stream_starts_with_a_snapshot_then_sends_each_new_record_once():
    async def check(desk, client):
        desk.handle("enriched", json.dumps(RECORD).encode())
        response = await client.get("/events")
        assert response.headers["Content-Type"] == "text/event-stream"

        async def event() -> tuple[str, dict]:
            kind = data = None
            while data is None:
                line = (await asyncio.wait_for(response.content.readline(), 5)).decode().rstrip("\n")
                if line.startswith("event: "):
                    kind = line[7:]
                elif line.startswith("data: "):
                    data = json.loads(line[6:])
            return kind, data

        kind, snapshot = await event()
        assert kind == "snapshot" and [a["id"] for a in snapshot["articles"]] == ["a1"]
        assert snapshot["articles"][0]["title"] == ["<b>عنوان</b>"]  # text, for the page to show as text
        desk.handle("enriched", json.dumps(RECORD).encode())  # the same record again: not sent again
        desk.handle("enriched", json.dumps({**RECORD, "id": "a2"}).encode())
        desk.handle("dead", b"not json")  # unreadable: counted, not sent, not fatal
        kind, article = await event()
        assert (kind, article["id"]) == ("article", "a2")
        assert desk.state.unreadable == 1
        # a2's story, decided after it was shown: the page gets the article again, with it.
        story = {"id": "a1", "duplicate_of": "a1", "first_seen": {"source": "test", "time": "2026-01-01T12:00:00Z"}}
        desk.handle("stories", json.dumps({"id": "a2", "story": story}).encode())
        kind, article = await event()
        assert (kind, article["id"], article["story"]) == ("story", "a2", story)
        response.close()

    asyncio.run(_with_client(check))

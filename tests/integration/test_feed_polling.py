"""An RSS feed served over real HTTP: `khabar feed` sends its items, the worker enriches them, and the next
poll sends only what the feed added."""

from __future__ import annotations

import functools
import http.server
import os
import subprocess
import sys
import threading

import pytest

from khabar.producer.feeds import parse_feed
from support.kafka import collect_by_key

pytestmark = pytest.mark.integration

FEED = """<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>وكالة الاختبار</title>{}</channel></rss>"""
ITEM = (
    "<item><title>{title}</title><link>https://news.example/{n}</link><description>&lt;p&gt;وصل الرئيس "
    "الفرنسي إيمانويل ماكرون إلى بيروت صباح اليوم في زيارة رسمية {n}.&lt;/p&gt;</description></item>"
)


def write_feed(path, numbers):
    path.write_text(FEED.format("".join(ITEM.format(title=f"خبر رقم {n}", n=n) for n in numbers)), encoding="utf-8")


@pytest.fixture
def served(tmp_path):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield tmp_path, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_feed_items_are_enriched_and_a_second_poll_sends_only_new_ones(settings, worker, outputs, served):
    folder, base = served
    url = f"{base}/feed.xml"
    write_feed(folder / "feed.xml", [1, 2])
    env = {**os.environ, **settings.to_env()}

    def poll_once() -> str:
        done = subprocess.run(
            [sys.executable, "-m", "khabar", "feed", "--once", url],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert f"{url}: sent 2 new" in poll_once()
    ids = {item["id"] for item in parse_feed((folder / "feed.xml").read_bytes(), url)}
    found = collect_by_key(outputs, ids, timeout=90)
    assert found.keys() == ids and all(kind == "enriched" for [(kind, _)] in found.values())
    assert {record["title"] for [(_, record)] in found.values()} == {"خبر رقم 1", "خبر رقم 2"}

    write_feed(folder / "feed.xml", [1, 2, 3])
    assert f"{url}: sent 1 new" in poll_once()
    [new] = {item["id"] for item in parse_feed((folder / "feed.xml").read_bytes(), url)} - ids
    assert [kind for kind, _ in collect_by_key(outputs, {new}, timeout=90)[new]] == ["enriched"]

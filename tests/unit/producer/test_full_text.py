"""Feeds and pages as they are in the wild, served by a local HTTP server: a malformed feed is read as far as it
goes; with full text, each item's page gives its article without navigation or comments, politely (robots.txt,
User-Agent, a timeout, a pause between requests to one host), and an item whose page cannot be had keeps its
feed text, the reason counted."""

from __future__ import annotations

import http.server
import threading
import time

import pytest

from khabar import schemas
from khabar.producer.feeds import FeedPoller
from khabar.producer.pages import ROBOTS_NAME, USER_AGENT, PageReader

ARTICLE = [
    "وصل الرئيس الفرنسي إيمانويل ماكرون إلى بيروت صباح اليوم في زيارة رسمية يلتقي خلالها كبار المسؤولين "
    "اللبنانيين لبحث الأزمة الاقتصادية التي تعصف بالبلاد منذ سنوات.",
    "وقال مصدر في الرئاسة اللبنانية إن المحادثات ستتناول ملف الإصلاحات والمساعدات الدولية وإعادة إعمار مرفأ "
    "بيروت الذي دمره انفجار ضخم.",
    "ومن المقرر أن يزور ماكرون أيضا عددا من المناطق المتضررة ويلتقي ممثلين عن المجتمع المدني قبل أن يغادر.",
]
NAVIGATION, COMMENT, FOOTER = "الرئيسية", "زيارة لا تقدم ولا تؤخر", "جميع الحقوق محفوظة"
PAGE = f"""<!doctype html><html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>ماكرون في بيروت</title></head>
<body><header><nav><ul><li><a href="/">{NAVIGATION}</a></li><li><a href="/sport">رياضة</a></li>
<li><a href="/politics">سياسة</a></li><li><a href="/economy">اقتصاد</a></li></ul></nav></header>
<main><article><h1>ماكرون في بيروت</h1>{"".join(f"<p>{p}</p>" for p in ARTICLE)}</article>
<section id="comments" class="comments"><h3>التعليقات</h3>
<div class="comment"><p>قارئ: {COMMENT}</p></div><div class="comment"><p>قارئة: نتمنى النجاح للمحادثات</p></div>
</section></main><footer><p>{FOOTER} ٢٠٢٦</p></footer></body></html>"""
NO_ARTICLE = f"""<html><body><nav><a href="/">{NAVIGATION}</a></nav></body></html>"""
ROBOTS = f"User-agent: {ROBOTS_NAME}\nDisallow: /private/\n"
ITEM = "<item><title>{title}</title><link>{base}{path}</link><description>ملخص الخبر {n}</description></item>"
ITEMS = [
    ("ماكرون في بيروت", "/news/1"),
    ("خبر محجوب", "/private/2"),
    ("خبر ضائع", "/missing/3"),
    ("صفحة بلا مقال", "/empty/4"),
    ("صفحة بطيئة", "/slow/5"),
]


def feed(base: str) -> bytes:
    items = "".join(ITEM.format(title=title, base=base, path=path, n=n) for n, (title, path) in enumerate(ITEMS, 1))
    return f"""<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>وكالة الاختبار</title>
{items}</channel></rss>""".encode()


# Not well-formed XML: an undeclared entity, a bare '&', an unclosed element, and no closing tags at the end.
MALFORMED = """<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>وكالة &nbsp; الاختبار</title>
<item><title>خبر أول & ثان</title><link>https://news.example/1</link>
<description>نص الخبر الأول<br></description></item>
<item><title>خبر ثالث</title><link>https://news.example/3</link><description>نص الخبر الثالث</description>
""".encode()


class Site(http.server.ThreadingHTTPServer):
    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[tuple[str, str, float]] = []  # path, User-Agent, when
        self.base = f"http://127.0.0.1:{self.server_port}"
        self.pages = {
            "/feed.xml": feed(self.base),
            "/malformed.xml": MALFORMED,
            "/robots.txt": ROBOTS.encode(),
            "/news/1": PAGE.encode(),
            "/private/2": PAGE.encode(),
            "/empty/4": NO_ARTICLE.encode(),
        }


class _Handler(http.server.BaseHTTPRequestHandler):
    server: Site

    def do_GET(self) -> None:
        self.server.requests.append((self.path, self.headers.get("User-Agent", ""), time.monotonic()))
        if self.path == "/slow/5":
            time.sleep(1.5)  # beyond the reader's timeout
        body = self.server.pages.get(self.path)
        try:
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "application/rss+xml" if self.path.endswith(".xml") else "text/html")
            self.end_headers()
            self.wfile.write(body or b"not found")
        except BrokenPipeError:  # the reader gave up on the slow page
            pass

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def site():
    server = Site()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def test_a_malformed_feed_is_read_as_far_as_it_goes(site, tmp_path):
    url = f"{site.base}/malformed.xml"
    records = FeedPoller([url], tmp_path).poll(url)
    assert [(r["title"], r["url"], r["body"]) for r in records] == [
        ("خبر أول & ثان", "https://news.example/1", "نص الخبر الأول"),
        ("خبر ثالث", "https://news.example/3", "نص الخبر الثالث"),
    ]
    assert records[0]["source"].startswith("وكالة")
    for record in records:
        schemas.validate(schemas.RAW, record)


def test_full_text_takes_the_article_from_each_page_politely_else_keeps_the_feed_text(site, tmp_path):
    url = f"{site.base}/feed.xml"
    summaries = FeedPoller([url], tmp_path).poll(url)
    site.requests.clear()
    poller = FeedPoller([url], tmp_path, pages=PageReader(timeout_s=0.5, host_interval_s=0.2))
    records = poller.poll(url)

    assert [r["id"] for r in records] == [r["id"] for r in summaries]  # the item's id, whatever its page holds
    article = records[0]["body"]
    assert article == "\n\n".join(ARTICLE)  # no navigation, comments, footer, nor the headline again
    assert NAVIGATION not in article and COMMENT not in article and FOOTER not in article
    assert [r["body"] for r in records[1:]] == [f"ملخص الخبر {n}" for n in range(2, 6)]
    assert poller.fallbacks == {"robots": 1, "fetch_failed": 2, "no_text": 1}
    for record in records:
        schemas.validate(schemas.RAW, record)

    paths = [path for path, _, _ in site.requests]
    assert paths == ["/feed.xml", "/robots.txt", "/news/1", "/missing/3", "/empty/4", "/slow/5"]  # not /private/
    assert {agent for _, agent, _ in site.requests} == {USER_AGENT}
    page_times = [when for path, _, when in site.requests if path != "/feed.xml"]
    assert min(later - earlier for earlier, later in zip(page_times, page_times[1:], strict=False)) >= 0.2

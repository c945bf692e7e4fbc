"""News feeds: RSS 2.0, RSS 1.0 and Atom items become raw records; polling again sends only new items."""

from __future__ import annotations

from khabar import schemas
from khabar.producer.feeds import FeedPoller, parse_feed
from khabar.producer.sources import InputError

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>وكالة الأنباء</title><link>https://news.example/</link>
{items}
</channel></rss>"""
ITEM = """<item><title>{title}</title><link>https://news.example/{n}</link>
<pubDate>Sat, 28 Nov 2026 10:00:00 GMT</pubDate><dc:creator>مراسلنا</dc:creator>
<description>&lt;p&gt;وصل الرئيس &amp;amp; الوفد&lt;/p&gt;&lt;p&gt;إلى بيروت {n}.&lt;/p&gt;</description></item>"""


def rss(*numbers: int, extra: str = "") -> bytes:
    return RSS.format(items="".join(ITEM.format(title=f"خبر {n}", n=n) for n in numbers) + extra).encode()


def test_rss_items_become_valid_raw_records_with_plain_text():
    [record] = parse_feed(rss(1), "https://news.example/rss")
    schemas.validate(schemas.RAW, record)
    assert (record["source"], record["url"], record["title"]) == ("وكالة الأنباء", "https://news.example/1", "خبر 1")
    assert record["body"] == "وصل الرئيس & الوفد\n\nإلى بيروت 1."
    assert (record["author"], record["published"]) == ("مراسلنا", "Sat, 28 Nov 2026 10:00:00 GMT")


def test_full_content_is_preferred_and_scripts_are_dropped():
    content = """<item><title>خبر</title><link>https://news.example/c</link><description>مقتطف</description>
    <content:encoded><![CDATA[<div><p>فقرة أولى</p><script>track()</script><p>فقرة ثانية</p></div>]]></content:encoded></item>"""
    [record] = parse_feed(rss(extra=content), "u")
    assert record["body"] == "فقرة أولى\n\nفقرة ثانية"


def test_atom_and_rdf_feeds():
    atom = b"""<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom News</title>
    <entry><title>\xd8\xb9\xd9\x86\xd9\x88\xd8\xa7\xd9\x86</title><link rel="alternate" href="https://a.example/x"/>
    <updated>2026-11-28T10:00:00Z</updated><summary type="html">&lt;b&gt;text&lt;/b&gt; here</summary>
    <author><name>writer</name></author></entry></feed>"""
    [record] = parse_feed(atom, "https://a.example/atom")
    assert (record["source"], record["url"], record["body"], record["author"]) == (
        "Atom News",
        "https://a.example/x",
        "text here",
        "writer",
    )
    rdf = b"""<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">
    <channel><title>RDF News</title></channel>
    <item><title>t</title><link>https://r.example/1</link><description>body</description></item></rdf:RDF>"""
    [record] = parse_feed(rdf, "https://r.example/rdf")
    assert (record["source"], record["url"], record["body"]) == ("RDF News", "https://r.example/1", "body")


def test_what_is_not_a_feed_or_has_no_text_is_named():
    [not_xml] = parse_feed(b"<html", "u")
    [html] = parse_feed(b"<html><body>page</body></html>", "u")
    [empty] = parse_feed(rss(extra="<item><title>x</title><link>https://news.example/v</link></item>"), "u")
    assert "not an RSS or Atom feed" in not_xml.reason and "not an RSS or Atom feed" in html.reason
    assert empty.origin == "u item https://news.example/v" and "no text" in empty.reason


def test_polling_again_gives_only_new_items_even_after_a_restart(tmp_path):
    pages = {"u": rss(1, 2)}
    poller = FeedPoller(["u"], tmp_path, fetch=pages.__getitem__)
    first = poller.poll("u")
    assert [r["title"] for r in first] == ["خبر 1", "خبر 2"]
    poller.remember("u", [first[0]["id"]])  # the broker took only the first
    assert [r["title"] for r in poller.poll("u")] == ["خبر 2"]
    poller.remember("u", [first[1]["id"]])
    pages["u"] = rss(1, 2, 3)
    again = FeedPoller(["u"], tmp_path, fetch=pages.__getitem__)  # a new process
    assert [r["title"] for r in again.poll("u")] == ["خبر 3"]


def test_an_item_problem_is_said_once_a_fetch_problem_every_time(tmp_path):
    def fetch(url):
        if url == "down":
            raise OSError("connection refused")
        return rss(extra="<item><title>x</title><link>https://news.example/v</link></item>")

    poller = FeedPoller(["up", "down"], tmp_path, fetch=fetch)
    assert len(poller.poll("up")) == 1 and poller.poll("up") == []
    for _ in range(2):
        [problem] = poller.poll("down")
        assert isinstance(problem, InputError) and "connection refused" in problem.reason

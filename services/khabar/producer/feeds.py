"""News feeds over HTTP, parsed by feedparser (RSS 0.9x to 2.0, RSS 1.0, Atom; malformed ones read as far as they
go). Each item becomes a raw record (its title, its text without the HTML, its link and date), or, with full
text, the article from the item's own page (khabar.producer.pages). What was sent is remembered per feed in
the state directory, so that polling again, even after a restart, sends only the new items."""

from __future__ import annotations

import hashlib
import json
import logging
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import html_text

from khabar.producer import metrics
from khabar.producer.pages import USER_AGENT, PageReader
from khabar.producer.sources import InputError, checked
from khabar.records import raw_record

log = logging.getLogger(__name__)
# Items remembered per feed: far more than a feed lists at once.
_REMEMBERED = 10_000
_FETCH_TIMEOUT_S = 30


def parse_feed(data: bytes, url: str) -> list[dict | InputError]:
    """The items of a feed document, each a raw record or an InputError saying what is wrong with it."""
    parsed = feedparser.parse(data)
    if not parsed.version and not parsed.entries:
        problem = parsed.get("bozo_exception")
        return [
            InputError(
                url, "not an RSS or Atom feed" + (f": {problem}" if problem else " (no rss, rdf:RDF or feed element)")
            )
        ]
    if parsed.bozo:
        log.info("%s is malformed, read as far as it goes: %s", url, parsed.get("bozo_exception"))
    source = _plain(parsed.feed.get("title_detail")) or urlsplit(url).netloc or url
    records: list[dict | InputError] = []
    for number, entry in enumerate(parsed.entries, 1):
        link = entry.get("link") or None
        title = _plain(entry.get("title_detail"))
        # Full content (content:encoded, atom:content) first, then the description or summary.
        body = next(filter(None, map(_plain, [*entry.get("content", ()), entry.get("summary_detail")])), "")
        origin = f"{url} item {link or number}"
        if not body:
            records.append(InputError(origin, "the item has no text (no content, description or summary)"))
            continue
        record = raw_record(
            source=source[:200],
            url=link,
            locator=link or f"{url}#{title}",
            title=title,
            body=body,
            author=entry.get("author") or None,
            published=entry.get("published") or entry.get("updated") or None,
        )
        records.append(checked(record, origin))
    return records


def _plain(detail: dict | None) -> str:
    """The text of a feed field (feedparser's detail: its value and type), without HTML, trimmed."""
    if not detail or not detail.get("value"):
        return ""
    if "html" in detail.get("type", ""):
        return html_text.extract_text(detail["value"]).strip()
    return " ".join(detail["value"].split())


class FeedPoller:
    """Fetches feeds and gives their items not yet sent; `remember` records what the broker took."""

    def __init__(
        self,
        urls: Iterable[str],
        state_dir: Path,
        fetch: Callable[[str], bytes] | None = None,
        pages: PageReader | None = None,
    ):
        self.urls = list(urls)
        self.state_dir = state_dir / "feeds"
        self.fetch = fetch or _fetch
        self.pages = pages  # given: each new item's text is its page's article (--full-text)
        self.fallbacks: Counter[str] = Counter()  # in the last poll: why a new item kept its feed text
        self._sent = {url: self._load(url) for url in self.urls}
        self._told: set[InputError] = set()  # problems of single items, said once per process

    def poll(self, url: str) -> list[dict | InputError]:
        """The feed's items not sent before, in the feed's order, and its problems: the feed's own each
        time, an item's the first time only."""
        try:
            data = self.fetch(url)
        except (OSError, ValueError) as error:  # network errors, HTTP errors, bad URLs
            return [InputError(url, f"cannot fetch the feed: {error}")]
        sent, told = self._sent[url], self._told
        new: list[dict | InputError] = []
        self.fallbacks = Counter()
        for item in parse_feed(data, url):
            if isinstance(item, InputError):
                if item.origin == url or item not in told:
                    told.add(item)
                    new.append(item)
            elif item["id"] not in sent:
                new.append(self._full_text(item, self.pages) if self.pages else item)
        return new

    def _full_text(self, record: dict, pages: PageReader) -> dict:
        """The record with its page's article as body, or as it was, the reason counted."""
        text, why_not = pages.article_text(record["url"], record["title"])
        if text and len(text) <= len(record["body"]):  # a menu or a teaser, not the article the summary is from
            text, why_not = None, "no_text"
        full = checked({**record, "body": text}, record["url"]) if text else None
        if not isinstance(full, dict):
            why_not = why_not or "invalid"
            self.fallbacks[why_not] += 1
            metrics.FULL_TEXT_FALLBACKS.labels(why_not).inc()
            return record
        metrics.FULL_TEXT_PAGES.inc()
        return full  # under the feed item's id: polling again knows the item, whatever its page holds now

    def remember(self, url: str, ids: Iterable[str]) -> None:
        sent = self._sent[url]
        sent.update(dict.fromkeys(ids))
        while len(sent) > _REMEMBERED:  # the oldest go first (dicts keep insertion order)
            del sent[next(iter(sent))]
        self.state_dir.mkdir(parents=True, exist_ok=True)
        path = self._path(url)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps({"url": url, "sent": list(sent)}))
        temporary.replace(path)  # a crash mid-write leaves the previous list

    def _path(self, url: str) -> Path:
        return self.state_dir / f"{hashlib.sha256(url.encode()).hexdigest()[:16]}.json"

    def _load(self, url: str) -> dict[str, None]:
        try:
            return dict.fromkeys(json.loads(self._path(url).read_text())["sent"])
        except (OSError, ValueError, KeyError):
            return {}


def _fetch(url: str) -> bytes:
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    with urllib.request.urlopen(request, timeout=_FETCH_TIMEOUT_S) as response:
        return response.read()

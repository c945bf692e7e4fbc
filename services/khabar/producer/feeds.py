"""News feeds over HTTP: RSS 2.0, RSS 1.0 (RDF) and Atom. Each item becomes a raw record (its title, its
text without the HTML, its link and date). What was sent is remembered per feed in the state directory, so
that polling again, even after a restart, sends only the new items."""

from __future__ import annotations

import hashlib
import json
import re
import urllib.request
from collections.abc import Callable, Iterable
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit
from xml.etree import ElementTree

from khabar import __version__
from khabar.producer.sources import InputError, checked
from khabar.records import raw_record

_NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rss1": "http://purl.org/rss/1.0/",
}
# The root elements of the three kinds of feed.
_ROOTS = ("rss", f"{{{_NS['rdf']}}}RDF", f"{{{_NS['atom']}}}feed")
# Where each field of an item is, in the order tried: RSS 2.0, then RSS 1.0, then Atom.
_TITLE = ("title", "rss1:title", "atom:title")
_TEXT = ("content:encoded", "description", "rss1:description", "atom:content", "atom:summary")
_LINK = ("link", "rss1:link")
_DATE = ("pubDate", "dc:date", "atom:published", "atom:updated")
_AUTHOR = ("author", "dc:creator", "atom:author/atom:name")
# Items remembered per feed: far more than a feed lists at once.
_REMEMBERED = 10_000
_FETCH_TIMEOUT_S = 30


def parse_feed(data: bytes, url: str) -> list[dict | InputError]:
    """The items of a feed document, each a raw record or an InputError saying what is wrong with it."""
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as error:
        return [InputError(url, f"not an RSS or Atom feed: {error}")]
    channel = root.find("channel")
    items = root.findall("channel/item") or root.findall("rss1:item", _NS) or root.findall("atom:entry", _NS)
    if not items and root.tag not in _ROOTS:
        return [InputError(url, f"not an RSS or Atom feed: its root element is {root.tag}")]
    heading = _first(channel if channel is not None else root, ("title", "rss1:channel/rss1:title", "atom:title"))
    source = heading or urlsplit(url).netloc or url
    records: list[dict | InputError] = []
    for number, item in enumerate(items, 1):
        link = _first(item, _LINK) or _atom_link(item)
        title = _first(item, _TITLE)
        body = _first(item, _TEXT, html=True)
        origin = f"{url} item {link or number}"
        if not body:
            records.append(InputError(origin, "the item has no text (no content, description or summary)"))
            continue
        record = raw_record(source=source[:200], url=link, locator=link or f"{url}#{title}", title=title,
                            body=body, author=_first(item, _AUTHOR) or None, published=_first(item, _DATE) or None)
        records.append(checked(record, origin))
    return records


class FeedPoller:
    """Fetches feeds and gives their items not yet sent; `remember` records what the broker took."""

    def __init__(self, urls: Iterable[str], state_dir: Path, fetch: Callable[[str], bytes] | None = None):
        self.urls = list(urls)
        self.state_dir = state_dir / "feeds"
        self.fetch = fetch or _fetch
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
        new = []
        for item in parse_feed(data, url):
            if isinstance(item, InputError):
                if item.origin == url or item not in told:
                    told.add(item)
                    new.append(item)
            elif item["id"] not in sent:
                new.append(item)
        return new

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
    request = urllib.request.Request(url, headers={"User-Agent": f"khabar/{__version__} (feed reader)"})
    with urllib.request.urlopen(request, timeout=_FETCH_TIMEOUT_S) as response:
        return response.read()


def _first(element, paths: tuple[str, ...], html: bool = False) -> str:
    """The text of the first of `paths` under `element` that has some, trimmed ("" if none). With `html`,
    the text is an HTML fragment (escaped in RSS, or XHTML elements in Atom) made plain."""
    for path in paths:
        found = element.find(path, _NS)
        if found is None:
            continue
        raw = "".join(found.itertext())
        text = _text_of_html(raw) if html else " ".join(raw.split())
        if text:
            return text
    return ""


def _atom_link(entry) -> str | None:
    for link in entry.findall("atom:link", _NS):
        if link.get("rel", "alternate") == "alternate" and link.get("href"):
            return link.get("href")
    return None


class _Text(HTMLParser):
    """The text of an HTML fragment: block elements become line breaks, entities are decoded."""

    _BLOCKS = frozenset("p br div li ul ol h1 h2 h3 h4 h5 h6 blockquote tr table section article figcaption".split())

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag) -> None:
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data) -> None:
        if not self._skip:
            self.parts.append(data)


def _text_of_html(fragment: str) -> str:
    parser = _Text()
    parser.feed(fragment)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).split("\n"))
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


_BLANK_LINES = re.compile(r"\n{2,}")

"""The article on a feed item's own page (`khabar feed --full-text`), fetched politely and extracted by trafilatura.

Polite: one request at a time (the poller is sequential), at least KHABAR_FEED_HOST_INTERVAL_S between two
requests to one host (longer if its robots.txt asks with Crawl-delay), a timeout, a User-Agent that says who
we are, and robots.txt honoured (read once a day per host; unreachable means nothing may be fetched, as RFC
9309 says). A page that cannot be had leaves the item with its feed text, and says why.
"""

from __future__ import annotations

import math
import time
import urllib.request
from collections.abc import Callable
from urllib.error import HTTPError
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

import trafilatura

from khabar import __version__

USER_AGENT = f"khabar/{__version__} (feed reader)"
ROBOTS_NAME = "khabar"  # the name robots.txt rules are matched against
_ROBOTS_FOR_S = 86_400
_MAX_PAGE_BYTES = 5_000_000
_NOTHING = ["User-agent: *", "Disallow: /"]
# Why an item kept its feed text (the reasons counted in khabar_feed_full_text_fallbacks_total).
FALLBACK_REASONS = ("no_link", "robots", "fetch_failed", "no_text", "invalid")  # no_text: none longer than the feed's


class PageReader:
    def __init__(
        self,
        timeout_s: float,
        host_interval_s: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.timeout_s, self.host_interval_s = timeout_s, host_interval_s
        self.clock, self.sleep = clock, sleep
        self._robots: dict[str, tuple[RobotFileParser, float]] = {}  # host -> rules, when read
        self._last_request: dict[str, float] = {}  # host -> when its last request ended

    def article_text(self, url: str | None, title: str = "") -> tuple[str | None, str | None]:
        """(the main text of the page at `url`, None), or (None, why not: one of FALLBACK_REASONS)."""
        if not url or urlsplit(url).scheme not in ("http", "https"):
            return None, "no_link"
        if not self._allowed(url):
            return None, "robots"
        try:
            page = self._get(url)
        except (OSError, ValueError):  # HTTP errors, timeouts, refused connections, bad URLs
            return None, "fetch_failed"
        text = trafilatura.extract(page, url=url, include_comments=False, include_tables=False)
        lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
        if lines and lines[0] == title.strip():  # the page's headline: the record has it as its title
            lines = lines[1:]
        return ("\n\n".join(lines), None) if lines else (None, "no_text")

    def _allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        rules, read_at = self._robots.get(parts.netloc, (None, -math.inf))
        if rules is None or self.clock() - read_at > _ROBOTS_FOR_S:
            rules = RobotFileParser()
            try:
                lines = self._get(f"{parts.scheme}://{parts.netloc}/robots.txt").decode("utf-8", "replace").splitlines()
            except HTTPError as error:
                # No robots.txt (4xx) allows everything; 401/403, a server error or no answer allows nothing.
                lines = [] if 400 <= error.code < 500 and error.code not in (401, 403) else _NOTHING
            except (OSError, ValueError):
                lines = _NOTHING
            rules.parse(lines)
            self._robots[parts.netloc] = (rules, self.clock())
        return rules.can_fetch(ROBOTS_NAME, url)

    def _get(self, url: str) -> bytes:
        host = urlsplit(url).netloc
        rules = self._robots.get(host, (None, 0.0))[0]
        interval = max(self.host_interval_s, float(rules.crawl_delay(ROBOTS_NAME) or 0) if rules else 0.0)
        wait = self._last_request.get(host, -math.inf) + interval - self.clock()
        if wait > 0:
            self.sleep(wait)
        try:
            request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                return response.read(_MAX_PAGE_BYTES)
        finally:
            self._last_request[host] = self.clock()

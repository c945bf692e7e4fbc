"""Pipeline health at a glance, from the workers' own /metrics pages: rates in and out, dead letters, lag.

Rates are the change of each worker's counters between two scrapes; a worker that restarted (its counters
went down) counts from zero again rather than as a negative rate.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from prometheus_client.parser import text_string_to_metric_families


@dataclass
class WorkerFigures:
    received: float = 0.0
    enriched: float = 0.0
    deadlettered: float = 0.0
    lag: float = 0.0
    deadlettered_by_reason: dict[str, float] = field(default_factory=dict)


def parse_metrics(text: str) -> WorkerFigures:
    """The figures the desk shows, from one worker's Prometheus text exposition."""
    figures = WorkerFigures()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "khabar_articles_received_total":
                figures.received += sample.value
            elif sample.name == "khabar_articles_enriched_total":
                figures.enriched += sample.value
            elif sample.name == "khabar_articles_deadlettered_total":
                figures.deadlettered += sample.value
                reason = sample.labels.get("reason", "?")
                figures.deadlettered_by_reason[reason] = figures.deadlettered_by_reason.get(reason, 0) + sample.value
            elif sample.name == "khabar_consumer_lag_messages":
                figures.lag += sample.value
    return figures


def _rate(after: float, before: float, seconds: float) -> float:
    return (after - before if after >= before else after) / seconds


class Health:
    """Keeps the last scrape of each worker to turn counters into rates."""

    def __init__(self, urls: list[str], clock=time.monotonic):
        self.urls, self.clock = urls, clock
        self._last: dict[str, tuple[float, WorkerFigures]] = {}
        self._rates: dict[str, tuple[float, float, float]] = {}  # url -> (in, out, dead) per second

    def update(self, url: str, text: str | None, error: str | None = None) -> dict:
        """Record one scrape (its text, or why it failed) and return that worker's row."""
        if text is None:
            self._last.pop(url, None)
            self._rates.pop(url, None)
            return {"url": url, "up": False, "error": error}
        now, figures = self.clock(), parse_metrics(text)
        previous = self._last.get(url)
        if previous is not None and now > previous[0]:
            seconds, before = now - previous[0], previous[1]
            self._rates[url] = (
                _rate(figures.received, before.received, seconds),
                _rate(figures.enriched, before.enriched, seconds),
                _rate(figures.deadlettered, before.deadlettered, seconds),
            )
        self._last[url] = (now, figures)
        return {
            "url": url,
            "up": True,
            "received": figures.received,
            "enriched": figures.enriched,
            "deadlettered": figures.deadlettered,
            "by_reason": figures.deadlettered_by_reason,
            "lag": figures.lag,
        }

    def report(self, rows: list[dict]) -> dict:
        """All workers together: what the page shows in its health bar."""
        rates = [self._rates[row["url"]] for row in rows if row["up"] and row["url"] in self._rates]
        return {
            "workers": rows,
            "up": sum(row["up"] for row in rows),
            "rate_in": sum(r[0] for r in rates) if rates else None,
            "rate_out": sum(r[1] for r in rates) if rates else None,
            "rate_dead": sum(r[2] for r in rates) if rates else None,
            "lag": sum(row["lag"] for row in rows if row["up"]) if any(row["up"] for row in rows) else None,
        }

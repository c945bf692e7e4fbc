"""Prometheus metrics of `khabar ingest` (served on its own /metrics)."""

from prometheus_client import Counter, Histogram

REQUESTS = Counter("khabar_ingest_requests_total", "POST /articles requests, by the status answered.", ["status"])
ARTICLES_ACCEPTED = Counter("khabar_ingest_articles_accepted_total", "Articles acknowledged by the broker (202).")
ARTICLES_INVALID = Counter("khabar_ingest_articles_invalid_total", "Articles refused with 400 (not JSON, or invalid).")
ACK_SECONDS = Histogram(
    "khabar_ingest_ack_seconds",
    "From sending a request's articles to the broker's last ack.",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)

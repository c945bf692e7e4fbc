"""Prometheus metrics of the producers (served by `khabar replay` and `khabar watch` when
KHABAR_PRODUCER_METRICS_PORT is set)."""

from prometheus_client import Counter

ARTICLES_SENT = Counter("khabar_producer_articles_sent_total", "Raw articles acknowledged by the broker.")
SEND_ERRORS = Counter("khabar_producer_send_errors_total", "Raw articles the broker did not acknowledge.", ["error"])
INVALID_INPUTS = Counter(
    "khabar_producer_invalid_inputs_total", "Input items rejected before sending (bad file or schema)."
)
WATCH_FILES = Counter(
    "khabar_watch_files_total", "Files `khabar watch` finished, by where they went (done, failed).", ["outcome"]
)
WATCH_RETRIES = Counter("khabar_watch_retries_total", "Tries of a watched file cut short by an unavailable broker.")
FULL_TEXT_PAGES = Counter("khabar_feed_full_text_pages_total", "Feed items sent with the article from their page.")
FULL_TEXT_FALLBACKS = Counter(
    "khabar_feed_full_text_fallbacks_total",
    "Feed items sent with their feed text as their page could not be had, by why.",
    ["reason"],
)

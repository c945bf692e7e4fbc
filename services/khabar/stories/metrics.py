"""Prometheus metrics of the stories stage (on the worker's /metrics page)."""

from prometheus_client import Counter, Gauge

STORY_ASSIGNMENTS = Counter(
    "khabar_story_assignments_total",
    "Articles given a story, by whether they nearly copy an earlier one.",
    ["duplicate"],
)
STORY_REVISIONS = Counter(
    "khabar_story_revisions_total",
    "Stories changed after they were published: an earlier copy reached the band keys after the article did "
    "(the new record replaces the old under the article's key).",
)
REFETCHES = Counter(
    "khabar_stories_refetches_total",
    "Times the stage read its input again from the committed offsets because a partition was left behind its "
    "end without moving (records fetched and dropped by Faust around a rebalance).",
)
STORY_UNREADABLE = Counter(
    "khabar_story_unreadable_total",
    "Enriched records the stories stage could not read (skipped; the enricher's output is "
    "validated, so this means a foreign producer on the topic).",
)
TRENDING_ARTICLES = Gauge(
    "khabar_trending_entity_articles",
    "Distinct articles mentioning the entity in the newest window this worker published.",
    ["entity", "name", "type"],
)
TRENDING_STORIES = Gauge(
    "khabar_trending_entity_stories",
    "Distinct stories mentioning the entity (near-copies once) in the newest window published.",
    ["entity", "name", "type"],
)
TRENDING_BURST = Gauge(
    "khabar_trending_entity_burst_score",
    "Burst score of the entity in the newest window published: (articles - baseline) / sqrt(baseline + 1).",
    ["entity", "name", "type"],
)
TRENDING_WINDOW_END = Gauge(
    "khabar_trending_window_end_timestamp_seconds", "Event-time end of the newest window this worker published."
)
TABLE_RECOVERY_SECONDS = Gauge(
    "khabar_stories_recovery_seconds",
    "Seconds from partitions assigned to the stories tables recovered from their changelogs, at the latest rebalance.",
)
STAGE_ERRORS = Counter(
    "khabar_stories_errors_total",
    "Internal messages of the stories stage that failed (logged with the traceback), by agent.",
    ["agent"],
)
YIELDING = Gauge(
    "khabar_stories_yielding",
    "1 while the stage reads no new enriched records, yielding to enrichment workers working through a backlog.",
)

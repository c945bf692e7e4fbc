"""The enricher's own Prometheus metrics (Faust's sensor adds its own beside them on the same /metrics page)."""

from prometheus_client import REGISTRY, Counter, Gauge, Histogram, Info

from khabar.enricher.top_entities import TopEntities

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)

ARTICLES_RECEIVED = Counter("khabar_articles_received_total", "Raw messages taken from the raw topic.")
ARTICLES_ENRICHED = Counter("khabar_articles_enriched_total", "Enriched articles written to the enriched topic.")
ARTICLES_DEADLETTERED = Counter(
    "khabar_articles_deadlettered_total", "Messages written to the dead-letter topic, by reason.", ["reason"]
)
STAGE_SECONDS = Histogram(
    "khabar_stage_seconds",
    "Processing time of one article per stage.",
    ["stage"],
    buckets=(0.0001, 0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5),
)
END_TO_END_SECONDS = Histogram(
    "khabar_end_to_end_latency_seconds",
    "From the raw message's Kafka timestamp to its enriched record being sent.",
    buckets=_LATENCY_BUCKETS,
)
ENTITIES_TAGGED = Counter("khabar_entities_tagged_total", "Entity mentions tagged, by type.", ["type"])
PLACE_MENTIONS = Counter(
    "khabar_place_mentions_total",
    "Mentions of places resolved to GeoNames, by the place's country (ISO 3166-1 alpha-2).",
    ["country"],
)
BATCH_SIZE = Histogram("khabar_batch_size", "Raw messages enriched per batch.", buckets=(1, 2, 4, 8, 16, 32, 64, 128))
CONSUMER_LAG = Gauge(
    "khabar_consumer_lag_messages", "End offset minus committed offset of the raw topic.", ["topic", "partition"]
)
WORKER_INFO = Info("khabar_worker", "Version and NER model of this worker.")
TOP_ENTITIES = TopEntities("khabar_top_entity_mentions")
REGISTRY.register(TOP_ENTITIES)
BATCH_SECONDS = Histogram(
    "khabar_batch_seconds", "From a polled batch to its outputs and offsets committed.", buckets=_LATENCY_BUCKETS
)
COMMIT_SECONDS = Histogram(
    "khabar_commit_seconds",
    "Committing one batch: its offsets and transaction (exactly_once), or flush and offsets.",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
BATCHES_ABORTED = Counter(
    "khabar_batches_aborted_total", "Batches not committed (rebalance, broker error): aborted and consumed again."
)

"""One raw message in, one outcome out: an enriched record, or a dead-letter record with the reason.

No Kafka client here: the Faust agent hands in the message bytes and where they came from, and writes the
outcome. `Processor.process` never raises, so a bad message can never stop the worker.
"""

from __future__ import annotations

import base64
import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timezone

from khabar import schemas
from khabar.config import Settings
from khabar.enricher import metrics
from khabar.text.pipeline import TextPipeline

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Origin:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    timestamp: float | None  # Kafka message timestamp, seconds since the epoch


@dataclass(frozen=True)
class Outcome:
    enriched: bool
    key: bytes
    value: bytes
    article_id: str | None
    reason: str | None = None  # the dead-letter reason
    record: dict | None = None  # the enriched record


class Rejected(Exception):
    def __init__(self, reason: str, stage: str, error: BaseException | str, article_id: str | None = None):
        super().__init__(str(error))
        self.reason, self.stage, self.article_id = reason, stage, article_id
        self.error_class = type(error).__name__ if isinstance(error, BaseException) else "Rejected"


class Processor:
    def __init__(self, settings: Settings, pipeline: TextPipeline):
        self.settings = settings
        self.pipeline = pipeline

    def process(self, value: bytes | None, origin: Origin) -> Outcome:
        metrics.ARTICLES_RECEIVED.inc()
        try:
            outcome = self._enrich(value, origin)
        except Rejected as rejected:
            outcome = self._dead_letter(value, origin, rejected)
        except Exception as error:  # a bug in a stage must cost one message, not the worker
            log.exception("unexpected failure on %s[%d]@%d", origin.topic, origin.partition, origin.offset)
            outcome = self._dead_letter(value, origin, Rejected("enrich_failed", "enrich", error))
        if outcome.enriched:
            metrics.ARTICLES_ENRICHED.inc()
            for mention in outcome.record["mentions"]:
                metrics.ENTITIES_TAGGED.labels(mention["type"]).inc()
            metrics.TOP_ENTITIES.add(outcome.record["entities"])
            for entity in outcome.record["entities"]:
                if "geo" in entity:
                    metrics.PLACE_MENTIONS.labels(entity["geo"]["country"]).inc(entity["count"])
            if origin.timestamp:
                metrics.END_TO_END_SECONDS.observe(max(0.0, time.time() - origin.timestamp))
        else:
            metrics.ARTICLES_DEADLETTERED.labels(outcome.reason).inc()
        return outcome

    def _enrich(self, value: bytes | None, origin: Origin) -> Outcome:
        clock = time.perf_counter
        started = clock()
        raw = self._parse(value)
        article_id = raw.get("id") if isinstance(raw, dict) and isinstance(raw.get("id"), str) else None
        try:
            schemas.validate(schemas.RAW, raw)
        except schemas.SchemaError as error:
            raise Rejected("invalid_raw", "validate_input", error, article_id) from error
        parsed = clock()
        try:
            record = self.pipeline.enrich(raw)
        except Exception as error:
            raise Rejected("enrich_failed", "enrich", error, article_id) from error
        record["pipeline"]["stage_seconds"]["parse"] = parsed - started
        try:
            schemas.validate(schemas.ENRICHED, record, record["schema_version"])
        except schemas.SchemaError as error:
            raise Rejected("invalid_enriched", "validate_output", error, article_id) from error
        serialise_started = clock()
        payload = schemas.encode(record)
        if len(payload) > self.settings.max_output_bytes:
            raise Rejected("output_too_large", "produce",
                           f"the enriched record is {len(payload)} bytes, over the limit of "
                           f"{self.settings.max_output_bytes} (KHABAR_MAX_OUTPUT_BYTES)", article_id)
        stages = dict(record["pipeline"]["stage_seconds"], serialise=clock() - serialise_started)
        for stage, seconds in stages.items():
            metrics.STAGE_SECONDS.labels(stage).observe(seconds)
        return Outcome(True, article_id.encode(), payload, article_id, record=record)

    def _parse(self, value: bytes | None):
        if value is None:
            raise Rejected("null_value", "decode", "the message has no value (null)")
        if len(value) > self.settings.max_article_bytes:
            raise Rejected("too_large", "decode",
                           f"the message is {len(value)} bytes, over the limit of "
                           f"{self.settings.max_article_bytes} (KHABAR_MAX_ARTICLE_BYTES)")
        try:
            text = value.decode("utf-8")
        except UnicodeDecodeError as error:
            raise Rejected("not_utf8", "decode", error) from error
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise Rejected("not_json", "decode", error) from error

    def _dead_letter(self, value: bytes | None, origin: Origin, rejected: Rejected) -> Outcome:
        # Keep the original whole when it fits; the dead-letter message itself must stay under the broker's limit.
        limit = self.settings.max_output_bytes // 3
        data, encoding, truncated = None, None, False
        if value is not None:
            try:
                text = value.decode("utf-8")
                data, encoding, truncated = text[: limit // 4], "utf-8", len(text) > limit // 4
            except UnicodeDecodeError:
                data, encoding, truncated = base64.b64encode(value[:limit]).decode("ascii"), "base64", len(value) > limit
        key_text = origin.key.decode("utf-8", "replace") if origin.key is not None else None
        record = {
            "schema_version": schemas.VERSIONS[schemas.DEADLETTER],
            "id": rejected.article_id,
            "error": {"reason": rejected.reason, "class": rejected.error_class, "message": str(rejected)[:2000],
                      "stage": rejected.stage},
            "original": {"encoding": encoding, "data": data, "size_bytes": len(value or b""),
                         "truncated": truncated},
            "source": {"topic": origin.topic, "partition": origin.partition, "offset": origin.offset,
                       "key": key_text,
                       "timestamp": schemas.timestamp(datetime.fromtimestamp(origin.timestamp, timezone.utc))
                       if origin.timestamp else None},
            "failed_at": schemas.timestamp(),
        }
        schemas.validate(schemas.DEADLETTER, record)
        key = (rejected.article_id or key_text or f"{origin.partition}-{origin.offset}").encode("utf-8")
        return Outcome(False, key, schemas.encode(record), rejected.article_id, reason=rejected.reason)

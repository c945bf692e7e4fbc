"""One raw message in, one outcome out: an enriched record, or a dead-letter record with the reason.

No Kafka client here: the Faust agent (or `khabar enrich` for a file) hands in the message bytes and where they
came from, and writes the outcome. `Processor.process` never raises, so a bad message can never stop the worker.
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any, Protocol

from khabar import records, schemas
from khabar.config import Settings
from khabar.enricher import metrics
from khabar.records import Origin, Rejection
from khabar.text.pipeline import TextPipeline

__all__ = ["Handles", "Origin", "Outcome", "Processor"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    enriched: bool
    key: bytes
    value: bytes
    reason: str | None = None  # the dead-letter reason
    record: dict[str, Any] | None = None  # the enriched record, or the dead letter


class Handles(Protocol):
    """What the batch loop hands each message to: the Processor, or the bench's forwarder without NLP."""

    def process(self, value: bytes | None, origin: Origin) -> Outcome: ...


class Rejected(Exception):
    """Raised inside the processor to turn a message into a dead letter."""

    def __init__(self, reason: str, stage: str, error: BaseException | str, article_id: str | None = None) -> None:
        super().__init__(str(error))
        error_class = type(error).__name__ if isinstance(error, BaseException) else "Rejected"
        self.rejection = Rejection(reason, stage, error_class, str(error), article_id)


class Processor:
    def __init__(self, settings: Settings, pipeline: TextPipeline) -> None:
        self.settings = settings
        self.pipeline = pipeline
        schemas.load(schemas.ENRICHED, settings.enriched_schema_version)  # an unsupported version fails at start

    def process(self, value: bytes | None, origin: Origin) -> Outcome:
        metrics.ARTICLES_RECEIVED.inc()
        try:
            outcome = self._enrich(value, origin)
        except Rejected as rejected:
            outcome = self._dead_letter(value, origin, rejected.rejection)
        except Exception as error:  # a bug in a stage must cost one message, not the worker
            log.exception("unexpected failure on %s[%d]@%d", origin.topic, origin.partition, origin.offset)
            outcome = self._dead_letter(value, origin, Rejected("enrich_failed", "enrich", error).rejection)
        if outcome.enriched:
            assert outcome.record is not None
            metrics.ARTICLES_ENRICHED.inc()
            # Counted per type and country, not per mention: a labelled increment costs 1.6 us, and an
            # article has dozens of mentions.
            for kind, count in Counter(mention["type"] for mention in outcome.record["mentions"]).items():
                metrics.ENTITIES_TAGGED.labels(kind).inc(count)
            metrics.TOP_ENTITIES.add(outcome.record["entities"])
            places: Counter[str] = Counter()
            for entity in outcome.record["entities"]:
                if "geo" in entity:
                    places[entity["geo"]["country"]] += entity["count"]
            for country, count in places.items():
                metrics.PLACE_MENTIONS.labels(country).inc(count)
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
            analysis = self.pipeline.analyse(raw["title"], raw["body"])
            record = records.enriched_record(
                raw,
                analysis,
                self.pipeline.ner_model,
                dict(analysis.seconds, parse=parsed - started),
                self.settings.enriched_schema_version,
            )
        except Exception as error:
            raise Rejected("enrich_failed", "enrich", error, article_id) from error
        try:
            schemas.validate(
                schemas.ENRICHED, record, record["schema_version"], trusted=records.BUILT_BY_THE_NORMALISER
            )
        except schemas.SchemaError as error:
            raise Rejected("invalid_enriched", "validate_output", error, article_id) from error
        serialise_started = clock()
        payload = schemas.encode(record)
        if len(payload) > self.settings.max_output_bytes:
            raise Rejected(
                "output_too_large",
                "produce",
                _over_limit(
                    "the enriched record", len(payload), self.settings.max_output_bytes, "KHABAR_MAX_OUTPUT_BYTES"
                ),
                article_id,
            )
        stages = dict(record["pipeline"]["stage_seconds"], serialise=clock() - serialise_started)
        for stage, seconds in stages.items():
            metrics.STAGE_SECONDS.labels(stage).observe(seconds)
        assert article_id is not None  # the raw schema requires it
        return Outcome(True, article_id.encode(), payload, record=record)

    def _parse(self, value: bytes | None) -> Any:
        if value is None:
            raise Rejected("null_value", "decode", "the message has no value (null)")
        if len(value) > self.settings.max_article_bytes:
            raise Rejected(
                "too_large",
                "decode",
                _over_limit("the message", len(value), self.settings.max_article_bytes, "KHABAR_MAX_ARTICLE_BYTES"),
            )
        try:
            text = value.decode("utf-8")
        except UnicodeDecodeError as error:
            raise Rejected("not_utf8", "decode", error) from error
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise Rejected("not_json", "decode", error) from error
        except RecursionError as error:  # valid JSON syntax, nested deeper than the decoder can go
            raise Rejected("not_json", "decode", f"nested too deep to decode ({error})") from error

    def _dead_letter(self, value: bytes | None, origin: Origin, rejection: Rejection) -> Outcome:
        # The original is kept whole when it fits; the dead letter itself must stay under the broker's limit.
        record = records.dead_letter_record(value, origin, rejection, self.settings.max_output_bytes // 3)
        schemas.validate(schemas.DEADLETTER, record)
        key = records.dead_letter_key(origin, rejection)
        return Outcome(False, key, schemas.encode(record), reason=rejection.reason, record=record)


def _over_limit(what: str, size: int, limit: int, variable: str) -> str:
    return f"{what} is {size} bytes, over the limit of {limit} ({variable})"

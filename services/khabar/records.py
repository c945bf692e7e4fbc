"""The records khabar writes, built in one place beside their schemas: raw articles, enriched articles (and
their storied copies), dead letters, with the article id and the token columns.

The text library returns an `Analysis` (what the text says); this module turns it into the wire record of the
version `schemas.VERSIONS` names. Nothing here talks to Kafka.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from khabar import __version__, schemas

if TYPE_CHECKING:  # the producer builds raw records without loading the text library
    from khabar.text.pipeline import Analysis

# The columns of the record's tokens, as its schema lists them.
TOKEN_COLUMNS: list[str] = schemas.load(schemas.ENRICHED)["properties"]["tokens"]["required"]
# The token columns and structure spans of an enriched record come from the normaliser's document, which the full
# schema accepts on every test article (tests/unit/test_trusted_validation.py); re-checking their ~1,000 entries
# one by one was 70% of validating a record, itself 19% of a worker's time per article.
BUILT_BY_THE_NORMALISER = ("tokens", "structure.paragraphs", "structure.sentences", "structure.removed")


def article_id(source: str, locator: str, title: str, body: str) -> str:
    """Stable id: the same article read again from the same place gets the same id."""
    digest = hashlib.sha256("\x1f".join((source, locator, title, body)).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()[:16]


def raw_record(
    *,
    source: str,
    url: str | None,
    locator: str,
    title: str,
    body: str,
    author: str | None = None,
    published: str | None = None,
) -> dict[str, Any]:
    return {
        "schema_version": schemas.VERSIONS[schemas.RAW],
        "id": article_id(source, locator, title, body),
        "source": source,
        "url": url,
        "title": title,
        "body": body,
        "author": author,
        "published": published,
        "produced_at": schemas.timestamp(),
    }


def enriched_record(
    raw: dict[str, Any], analysis: Analysis, ner_model: str, stage_seconds: dict[str, float], version: int | None = None
) -> dict:
    """The enriched record of a raw record (valid against the raw schema) and the analysis of its text, in the
    current version or an older one still supported (2: without the entity knowledge)."""
    version = version or schemas.VERSIONS[schemas.ENRICHED]
    if version not in schemas.SUPPORTED[schemas.ENRICHED]:
        raise ValueError(f"no enriched record version {version}; supported: {schemas.SUPPORTED[schemas.ENRICHED]}")
    doc = analysis.document
    columns = doc.token_columns()
    record = {
        "schema_version": version,
        "id": raw["id"],
        "source": raw["source"],
        "url": raw.get("url"),
        "title": raw["title"],
        "published": raw.get("published"),
        "produced_at": raw["produced_at"],
        "enriched_at": schemas.timestamp(),
        "text": analysis.text,
        "text_clean": doc.text_clean,
        "text_norm": doc.text_norm,
        "language": {"arabic_ratio": round(doc.arabic_ratio, 4), "is_arabic": doc.is_arabic},
        "structure": {
            "paragraphs": [s._asdict() for s in doc.paragraphs],
            "sentences": [s._asdict() for s in doc.sentences],
            "removed": [r._asdict() for r in doc.removed],
        },
        "tokens": {column: columns[column] for column in TOKEN_COLUMNS},
        "token_count": len(doc.tokens),
        "mentions": [m.to_dict() for m in analysis.mentions],
        "entities": [e.to_dict() for e in analysis.entities],
        "pipeline": {"version": __version__, "ner_model": ner_model, "stage_seconds": stage_seconds},
    }
    if version >= 3:
        known = analysis.knowledge
        if known is None:
            raise ValueError("an enriched record of version 3 needs the entity knowledge: a TextPipeline made with it")
        for mention, mention_id in zip(record["mentions"], known.mention_ids, strict=True):
            if mention_id:
                mention["id"] = mention_id
        for entity, info in zip(record["entities"], known.entities, strict=True):
            entity.update(info.fields())
        record["focus"], record["quotes"] = known.focus, known.quotes
    return record


def storied_payload(enriched: bytes, story: dict[str, Any]) -> bytes:
    """An enriched record (version 3, as the worker encoded it) with its story (`id`, `duplicate_of`,
    `first_seen`) added, as the stories stage writes it to articles.storied. The story goes in at the end of the
    record's bytes: the worker checked the record against its schema, and decoding, checking and encoding it
    again took 0.31 ms a record against 0.007 ms (200 SaudiNewsNet records, median 23 KB)."""
    if not enriched.startswith(b'{"schema_version":3,') or not enriched.endswith(b"}"):
        raise ValueError("a storied record needs an enriched record of version 3, encoded by schemas.encode")
    schemas.validate_property(schemas.ENRICHED, "story", story)
    return enriched[:-1] + b',"story":' + schemas.encode(story) + b"}"


@dataclass(frozen=True)
class Origin:
    """Where a message came from: the dead letter records it, and redrive reads it back from there."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    timestamp: float | None  # Kafka message timestamp, seconds since the epoch


@dataclass(frozen=True)
class Rejection:
    """Why a message was not enriched: a reason of the dead-letter schema, the stage and the error."""

    reason: str
    stage: str
    error_class: str
    message: str
    article_id: str | None = None


def dead_letter_record(value: bytes | None, origin: Origin, rejection: Rejection, copy_limit: int) -> dict:
    """The dead letter of a message: the reason, where it came from, and the original (at most `copy_limit`
    bytes of it, so that the dead letter itself stays under the broker's message limit)."""
    data, encoding, truncated = None, None, False
    if value is not None:
        try:
            text = value.decode("utf-8")
            # A character is at most 6 bytes once JSON-escaped, so copy_limit // 4 characters stay well within.
            data, encoding, truncated = text[: copy_limit // 4], "utf-8", len(text) > copy_limit // 4
        except UnicodeDecodeError:
            data, encoding, truncated = (
                base64.b64encode(value[:copy_limit]).decode("ascii"),
                "base64",
                len(value) > copy_limit,
            )
    key_text = origin.key.decode("utf-8", "replace") if origin.key is not None else None
    moment = datetime.fromtimestamp(origin.timestamp, UTC) if origin.timestamp else None
    return {
        "schema_version": schemas.VERSIONS[schemas.DEADLETTER],
        "id": rejection.article_id,
        "error": {
            "reason": rejection.reason,
            "class": rejection.error_class,
            "message": rejection.message[:2000],
            "stage": rejection.stage,
        },
        "original": {"encoding": encoding, "data": data, "size_bytes": len(value or b""), "truncated": truncated},
        "source": {
            "topic": origin.topic,
            "partition": origin.partition,
            "offset": origin.offset,
            "key": key_text,
            "timestamp": schemas.timestamp(moment) if moment else None,
        },
        "failed_at": schemas.timestamp(),
    }


def dead_letter_key(origin: Origin, rejection: Rejection) -> bytes:
    """The article id when known, else the original key, else where the message was."""
    key_text = origin.key.decode("utf-8", "replace") if origin.key is not None else None
    return (rejection.article_id or key_text or f"{origin.partition}-{origin.offset}").encode("utf-8")

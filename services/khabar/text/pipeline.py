"""Turns a raw article record into an enriched article record (both defined in `schemas/`)."""

from __future__ import annotations

import time

from khabar import __version__, schemas
from khabar.text.knowledge import load_knowledge
from khabar.text.ner import extract_entities, load_tagger
from khabar.text.normalise import normalise_document


# The columns of the record's tokens, as its schema lists them.
TOKEN_COLUMNS = schemas.load(schemas.ENRICHED)["properties"]["tokens"]["required"]


def compose_document(title: str, body: str) -> str:
    """The text every offset of the enriched record points into."""
    return f"{title}\n\n{body}" if title.strip() else body


class TextPipeline:
    def __init__(self, ner_backend: str = "khabar", ner_model_path: str | None = None,
                 schema_version: int | None = None):
        self.tagger = load_tagger(ner_backend, ner_model_path or None)
        self.schema_version = schema_version or schemas.VERSIONS[schemas.ENRICHED]
        schemas.load(schemas.ENRICHED, self.schema_version)  # an unsupported version fails here, not per article
        # Version 2 records carry no entity knowledge: its table is not even loaded.
        self.knowledge = load_knowledge() if self.schema_version >= 3 else None

    @property
    def ner_model(self) -> str:
        return self.tagger.name

    def enrich(self, raw: dict) -> dict:
        """Enrich a raw record that already matches the raw-article schema."""
        clock = time.perf_counter
        text = compose_document(raw["title"], raw["body"])
        started = clock()
        doc = normalise_document(text)
        normalised = clock()
        mentions, entities = extract_entities(text, doc.tokens, doc.sentences, self.tagger)
        tagged = clock()
        structure = doc.to_dict()
        record = {
            "schema_version": self.schema_version,
            "id": raw["id"],
            "source": raw["source"],
            "url": raw["url"],
            "title": raw["title"],
            "published": raw.get("published"),
            "produced_at": raw["produced_at"],
            "enriched_at": schemas.timestamp(),
            "text": text,
            "text_clean": doc.text_clean,
            "text_norm": doc.text_norm,
            "language": {"arabic_ratio": round(doc.arabic_ratio, 4), "is_arabic": doc.is_arabic},
            "structure": {key: structure[key] for key in ("paragraphs", "sentences", "removed")},
            "tokens": {field: structure["tokens"][field] for field in TOKEN_COLUMNS},
            "token_count": len(doc.tokens),
            "mentions": [m.to_dict() for m in mentions],
            "entities": [e.to_dict() for e in entities],
            "pipeline": {
                "version": __version__,
                "ner_model": self.ner_model,
                "stage_seconds": {"normalise": normalised - started, "tag": tagged - normalised},
            },
        }
        if self.knowledge is not None:
            known = self.knowledge.annotate(text, mentions, entities, record["tokens"]["norm"])
            for mention, mention_id in zip(record["mentions"], known.mention_ids):
                if mention_id:
                    mention["id"] = mention_id
            for entity, info in zip(record["entities"], known.entities):
                entity.update(info.fields())
            record["focus"], record["quotes"] = known.focus, known.quotes
            record["pipeline"]["stage_seconds"]["knowledge"] = clock() - tagged
        return record

"""The text pipeline: an article's title and body in, its analysis out (normalised text, tokens, entities, and
what the entities are beyond the article: ids, Latin spellings, places, the focus, quotations).

It knows no wire format: `khabar.records` turns an `Analysis` into the enriched record.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from khabar.text.knowledge import ArticleKnowledge, load_knowledge
from khabar.text.ner import Entity, Mention, extract_entities, load_tagger
from khabar.text.normalise import NormalisedDocument, normalise_document


def compose_document(title: str, body: str) -> str:
    """The text every offset of the analysis points into."""
    return f"{title}\n\n{body}" if title.strip() else body


@dataclass(frozen=True)
class Analysis:
    text: str  # the composed document: every offset points into it
    document: NormalisedDocument
    mentions: list[Mention]
    entities: list[Entity]
    seconds: dict[str, float]  # per stage: normalise, tag, knowledge
    knowledge: ArticleKnowledge | None = None  # None when the pipeline was made without it


class TextPipeline:
    def __init__(self, ner_backend: str = "khabar", ner_model_path: str | None = None, knowledge: bool = True) -> None:
        self.tagger = load_tagger(ner_backend, ner_model_path or None)
        # Without it (records of version 2) the knowledge table is not even loaded.
        self.knowledge = load_knowledge() if knowledge else None

    @property
    def ner_model(self) -> str:
        return str(self.tagger.name)

    def analyse(self, title: str, body: str) -> Analysis:
        clock = time.perf_counter
        text = compose_document(title, body)
        started = clock()
        doc = normalise_document(text)
        normalised = clock()
        lexicon = self.knowledge.untagged_places if self.knowledge is not None else None
        mentions, entities = extract_entities(text, doc.tokens, doc.sentences, self.tagger, lexicon)
        tagged = clock()
        seconds = {"normalise": normalised - started, "tag": tagged - normalised}
        if self.knowledge is None:
            return Analysis(text, doc, mentions, entities, seconds)
        known = self.knowledge.annotate(text, mentions, entities, [t.norm for t in doc.tokens])
        seconds["knowledge"] = clock() - tagged
        return Analysis(text, doc, mentions, entities, seconds, known)

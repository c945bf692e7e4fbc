"""A plain tokeniser (camel-tools words with character offsets) and sentence splitter: NER tests that check the
tagger apart from the normaliser use these."""

from __future__ import annotations

import re

from khabar.text.ner.evaluation import PlainToken
from khabar.text.structure import Span


def tokenize(text: str) -> list[PlainToken]:
    from camel_tools.tokenizers.word import simple_word_tokenize

    out, pos = [], 0
    for w in simple_word_tokenize(text):
        i = text.index(w, pos)
        out.append(PlainToken(w, i, i + len(w), w, i))
        pos = i + len(w)
    return out


def sentence_spans(text: str) -> list[Span]:
    return [Span(m.start(), m.end()) for m in re.finditer(r"[^\n.!?؟]+[.!?؟]?", text) if m.group().strip()]

"""Shared helpers for the NER tests: shared-data location and a tokeniser with character offsets."""
from __future__ import annotations

import os
import re
from pathlib import Path

from khabar.text.ner.evaluation import PlainToken, Span

REPO = Path(__file__).resolve().parents[3]
SHARED = Path(os.environ.get("KHABAR_SHARED_DIR", REPO.parent / "shared"))
ANERCORP = SHARED / "data/ner/anercorp"
AQMAR = SHARED / "data/ner/aqmar"


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

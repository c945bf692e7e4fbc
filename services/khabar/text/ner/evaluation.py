"""Scoring the tagger on BIO files, and the article-level extraction on pseudo-articles."""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from khabar.text.structure import Span

from .data import score
from .entities import extract_entities


@dataclass
class PlainToken:
    """A token without normalisation (stem == text), for tagging pre-tokenised text."""

    text: str
    start: int
    end: int
    stem: str
    stem_start: int


def articles_as_bio(tagger, sents: list[tuple[list[str], list[str]]], n: int) -> list[list[str]]:
    """BIO labels from `extract_entities` run on pseudo-articles of n consecutive sentences (the
    files have no article boundaries), mapped back to the file's tokens."""
    out: list[list[str]] = []
    for d in range(0, len(sents), n):
        chunk = sents[d : d + n]
        text, toks, spans_, where = "", [], [], []
        for si, (words, _) in enumerate(chunk):
            s0 = len(text)
            for wi, w in enumerate(words):
                toks.append(PlainToken(w, len(text), len(text) + len(w), w, len(text)))
                where.append((si, wi))
                text += w + " "
            spans_.append(Span(s0, len(text)))
            text += "\n"
        mentions, _ = extract_entities(text, toks, spans_, tagger)
        starts = [t.start for t in toks]
        labels = [["O"] * len(words) for words, _ in chunk]
        for m in mentions:
            a = bisect.bisect_right(starts, m.start) - 1
            b = bisect.bisect_left(starts, m.end) - 1
            for k in range(a, b + 1):
                si, wi = where[k]
                labels[si][wi] = ("B-" if k == a else "I-") + m.type
        out.extend(labels)
    return out


def score_articles(tagger, sents, n: int) -> dict:
    return score([t for _, t in sents], articles_as_bio(tagger, sents, n))

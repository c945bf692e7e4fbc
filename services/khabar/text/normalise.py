"""Normalisation of articles: structure, display and search forms, tokens with offsets into the original.

The forms equal what the camel-tools chain gives (see ``charmap``) paragraph by paragraph, with whitespace
collapsed: ``text_clean`` is NFKC + arclean + dediac_ar, ``text_norm`` adds the alef / alef-maksura /
teh-marbuta normalisation, and ``[t.norm for t in tokens] == simple_word_tokenize(text_norm)``.

How it is fast: the chain is a per-character map except where NFKC composes across characters, so an
article maps through per-character tables (``charmap``) into output characters, each with the span of the
original characters it comes from; the rare spots where composition can happen go through the real chain,
one chunk at a time. Tokens are runs of word characters and single punctuation characters of that output,
and their proclitics follow the rules of ``tokenise``, tabled. Those loops over characters run compiled
(``khabar_text_core``, Rust, in ``services/text-core``), on tables made from camel-tools (``core_tables``):
the compiled code decides no form itself. What is decided per line (boilerplate, repeats) stays in Python.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from khabar.text.charmap import LETTERS
from khabar.text.core import Normaliser
from khabar.text.core_tables import core_tables
from khabar.text.structure import Removed, Repeats, Span, boilerplate_kind, new_span

__all__ = ["NormalisedDocument", "Removed", "Span", "Token", "normalise_document"]


class Token(NamedTuple):
    text: str  # surface, == original[start:end]
    norm: str  # search form
    proclitic: str  # search form of the proclitic, "" if none
    stem: str  # search form without the proclitic
    clean: str  # display form
    start: int  # offsets into the original
    end: int
    stem_start: int


class NormalisedDocument:
    """One normalised article. Offsets (``start``, ``end``, spans) are into the original text."""

    __slots__ = (
        "text_clean",
        "text_norm",
        "paragraphs",
        "sentences",
        "removed",
        "arabic_ratio",
        "is_arabic",
        "title",
        "tokens",
    )

    def __init__(
        self,
        text_clean: str,
        text_norm: str,
        paragraphs: list[Span],
        sentences: list[Span],
        removed: list[Removed],
        arabic_ratio: float,
        tokens: list[Token],
    ) -> None:
        self.text_clean = text_clean
        self.text_norm = text_norm
        self.paragraphs = paragraphs
        self.sentences = sentences
        self.removed = removed
        self.arabic_ratio = arabic_ratio
        self.is_arabic = arabic_ratio >= ARABIC_MIN_RATIO
        self.title = paragraphs[0] if paragraphs else None
        self.tokens = tokens

    def token_columns(self) -> dict[str, list]:
        """The tokens as columns: one list per field of Token."""
        columns = list(map(list, zip(*self.tokens))) or [[] for _ in Token._fields]
        return dict(zip(Token._fields, columns))

    def to_dict(self) -> dict:
        """Everything, the tokens as columns."""
        return {
            "text_clean": self.text_clean,
            "text_norm": self.text_norm,
            "tokens": self.token_columns(),
            "paragraphs": [s._asdict() for s in self.paragraphs],
            "sentences": [s._asdict() for s in self.sentences],
            "removed": [r._asdict() for r in self.removed],
            "arabic_ratio": self.arabic_ratio,
            "is_arabic": self.is_arabic,
            "title": None if self.title is None else self.title._asdict(),
        }


# An article counts as Arabic when most of its letters are.
ARABIC_MIN_RATIO = 0.5

# A sentence ends with a space-separated piece of a line that ends with final punctuation (and closing
# quotes or brackets).
_SENTENCE_END_RE = re.compile(r"[.!?؟…۔][\"'»”’)\]]*(?= )")
_LETTER_PAIRS = [(chr(a), b) for a, b in LETTERS.items()]


# The compiled loops, given the chain's tables and the proclitic rules, and the types of what they make.
_NORMALISER = Normaliser(core_tables(), token_type=Token, span_type=Span)


def normalise_document(text: str) -> NormalisedDocument:
    """Normalise one article (title + blank line + body, as the caller composes it); never raises on a str.

    Lines are the paragraphs, the first one with text being the title; boilerplate lines and verbatim repeats
    are removed and listed in ``removed``, and give no tokens. Sentences break at each paragraph and after
    each sentence end. Work is linear in the length of the article.
    """
    stream, lines = _NORMALISER.lines(text)
    paragraphs, removed, clean_lines, kept = [], [], [], []
    repeats = Repeats()
    for index, start, end, clean_line in lines:
        if not clean_line:
            removed.append(Removed("no_text", start, end, text[start:end]))
            continue
        kind = (boilerplate_kind(clean_line) if paragraphs else None) or repeats.kind(clean_line)
        if kind is not None:
            removed.append(Removed(kind, start, end, text[start:end]))
            continue
        paragraphs.append(new_span(Span, (start, end)))
        clean_lines.append(clean_line)
        kept.append(index)
    text_norm = text_clean = "\n".join(clean_lines)
    for letter, normalised in _LETTER_PAIRS:  # str.replace is many times faster than str.translate here
        text_norm = text_norm.replace(letter, normalised)
    breaks = [m.end() for m in _SENTENCE_END_RE.finditer(text)]
    breaks += [start for start, _ in paragraphs]
    tokens, sentences, ratio = _NORMALISER.tokens(stream, kept, breaks, [(r.start, r.end) for r in removed])
    return NormalisedDocument(text_clean, text_norm, paragraphs, sentences, removed, ratio, tokens)

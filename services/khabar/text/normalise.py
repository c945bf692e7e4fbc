"""Normalisation of one article: structure, display and search forms, tokens with offsets into the original.

The forms equal what the camel-tools chain gives (see ``charmap``) paragraph by paragraph, with whitespace
collapsed: ``text_clean`` is NFKC + arclean + dediac_ar, ``text_norm`` adds the alef / alef-maksura /
teh-marbuta normalisation, and ``[t.norm for t in tokens] == simple_word_tokenize(text_norm)``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import NamedTuple

from khabar.text.charmap import (
    ATTACHES,
    COMPOSITION_RISK,
    DEL_LETTER,
    DELETED,
    EXPANSIONS,
    LETTERS,
    LP_CLEAN,
    SLOW,
    camel_clean,
)
from khabar.text.structure import Removed, Span, split_sentences, split_structure
from khabar.text.tokenise import TOKEN_RE, split_proclitic

__all__ = ["NormalisedDocument", "Removed", "Span", "Token", "normalise_document"]


class Token(NamedTuple):
    text: str  # surface, == original[start:end]
    start: int
    end: int
    norm: str  # search form
    proclitic: str  # search form of the proclitic, "" if none
    stem: str  # search form without the proclitic
    stem_start: int  # offset of the stem in the original
    clean: str  # display form


@dataclass(slots=True)
class NormalisedDocument:
    text_clean: str
    text_norm: str
    tokens: list[Token]
    paragraphs: list[Span]
    sentences: list[Span]
    removed: list[Removed]
    arabic_ratio: float
    is_arabic: bool
    title: Span | None = field(default=None)

    def to_dict(self) -> dict:
        return {
            "text_clean": self.text_clean,
            "text_norm": self.text_norm,
            "tokens": [t._asdict() for t in self.tokens],
            "paragraphs": [s._asdict() for s in self.paragraphs],
            "sentences": [s._asdict() for s in self.sentences],
            "removed": [r._asdict() for r in self.removed],
            "arabic_ratio": self.arabic_ratio,
            "is_arabic": self.is_arabic,
            "title": None if self.title is None else self.title._asdict(),
        }


# An article counts as Arabic when most of its letters are.
ARABIC_MIN_RATIO = 0.5

_RISK_RE = re.compile(COMPOSITION_RISK)
_CHUNK_RE = re.compile(f".{ATTACHES}*", re.S)
_DROP_DELETED = str.maketrans("", "", DELETED)
_ASCII_LETTERS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


class _View(NamedTuple):
    """A paragraph's display and search forms, aligned with each other, and where each character came from:
    the original positions themselves (``starts`` is None), or ``starts[i]``/``ends[i]`` for character i."""

    clean: str
    norm: str
    pos: int
    endpos: int
    starts: list[int] | None
    ends: list[int] | None


def _slow_view(text: str, start: int, end: int) -> _View:
    """Run the reference chain on chunks that normalise independently (a character and the combining or
    composable characters after it), recording the original span of each output character."""
    pieces, starts, ends = [], [], []
    for m in _CHUNK_RE.finditer(text, start, end):
        out = camel_clean(m.group())
        pieces.append(out)
        starts.extend([m.start()] * len(out))
        ends.extend([m.end()] * len(out))
    clean = "".join(pieces)
    return _View(clean, clean.translate(LETTERS), 0, len(clean), starts, ends)


def _resolve(view: str) -> str:
    """The real characters of a piece of a view: sentinels of deleted characters out, expansions in."""
    out = view.translate(_DROP_DELETED)
    if out and max(out) >= "\U00100000":
        out = "".join(EXPANSIONS.get(c, c) for c in out)
    return out


def _tokens(text: str, view: _View, raw: list) -> None:
    """Append (norm, clean, start, end, stem offsets) of each token of a view to ``raw``."""
    starts, ends = view.starts, view.ends
    for m in TOKEN_RE.finditer(view.norm, view.pos, view.endpos):
        a, b = m.span()
        norm = m.group()
        if starts is None:
            s, e = a, b
        else:
            s, e = starts[a], ends[b - 1]
        expansion = EXPANSIONS.get(norm)
        if expansion is not None:
            raw.extend((c, c, s, e, None) for c in expansion)
            continue
        clean = view.clean[a:b]
        if DELETED[0] in norm or DELETED[1] in norm:
            # Offsets of the kept characters, so that the stem can start after deleted ones (وَكيم).
            kept = [i for i in range(a, b) if norm[i - a] not in DELETED]
            norm = norm.translate(_DROP_DELETED)
            clean = clean.translate(_DROP_DELETED)
        else:
            kept = None
        if starts is not None:
            kept = [starts[i] for i in (kept or range(a, b))]
        raw.append((norm, clean, s, e, kept))


def normalise_document(text: str) -> NormalisedDocument:
    view_clean = text.translate(LP_CLEAN)
    view_norm = view_clean.translate(LETTERS)
    risky = _RISK_RE.search(text) is not None or SLOW in view_clean
    structure = split_structure(text, view_norm)

    paragraphs, removed = [], list(structure.removed)
    clean_lines, norm_lines, raw = [], [], []
    for paragraph in structure.paragraphs:
        start, end = paragraph
        if risky and (_RISK_RE.search(text, start, end) or SLOW in view_clean[start:end]):
            view = _slow_view(text, start, end)
        else:
            view = _View(view_clean, view_norm, start, end, None, None)
        clean_line = " ".join(_resolve(view.clean[view.pos : view.endpos]).split())
        if not clean_line:
            removed.append(Removed("no_text", start, end, text[start:end]))
            continue
        paragraphs.append(paragraph)
        clean_lines.append(clean_line)
        norm_lines.append(" ".join(_resolve(view.norm[view.pos : view.endpos]).split()))
        _tokens(text, view, raw)
    removed.sort(key=lambda r: r.start)

    vocabulary = {r[0] for r in raw}
    tokens = []
    for norm, clean, s, e, kept in raw:
        k = split_proclitic(clean, norm, vocabulary) if len(norm) > 2 else 0
        if k and kept is not None and kept[k] == kept[k - 1]:
            k = 0  # the boundary falls inside one original character (a ligature such as ﻷ)
        if k == 0:
            tokens.append(Token(text[s:e], s, e, norm, "", norm, s, clean))
        else:
            stem_start = s + k if kept is None else kept[k]
            tokens.append(Token(text[s:e], s, e, norm, norm[:k], norm[k:], stem_start, clean))

    sentences = [sentence for paragraph in paragraphs for sentence in split_sentences(text, paragraph)]
    ratio = _arabic_ratio(view_clean)
    title = structure.title if paragraphs and paragraphs[0] == structure.title else None
    return NormalisedDocument(
        text_clean="\n".join(clean_lines),
        text_norm="\n".join(norm_lines),
        tokens=tokens,
        paragraphs=paragraphs,
        sentences=sentences,
        removed=removed,
        arabic_ratio=ratio,
        is_arabic=ratio >= ARABIC_MIN_RATIO,
        title=title,
    )


def _arabic_ratio(view_clean: str) -> float:
    """Share of Arabic letters among letters, read off the display view: there every Arabic character left is
    a letter (U+0621..U+064A, two UTF-8 bytes led by D8 or D9), Latin letters are ASCII or Latin-1 (led by
    C3, less × and ÷), and letters of other scripts are ``DEL_LETTER``."""
    b = view_clean.encode("utf-8", "surrogatepass")
    arabic = b.count(b"\xd8") + b.count(b"\xd9")
    latin = len(b) - len(b.translate(None, _ASCII_LETTERS)) + b.count(b"\xc3") - b.count("×".encode()) - b.count("÷".encode())
    letters = arabic + latin + b.count(DEL_LETTER.encode())
    return arabic / letters if letters else 0.0

"""Normalisation of one article: structure, display and search forms, tokens with offsets into the original.

The forms equal what the camel-tools chain gives (see ``charmap``) paragraph by paragraph, with whitespace
collapsed: ``text_clean`` is NFKC + arclean + dediac_ar, ``text_norm`` adds the alef / alef-maksura /
teh-marbuta normalisation, and ``[t.norm for t in tokens] == simple_word_tokenize(text_norm)``.

How it is fast: the chain is a per-character map except where NFKC composes across characters, so the
whole article maps through numpy tables (``charmap``) into one array of output characters, each with the
position of the original character it comes from; the rare spots where composition can happen go through
the real chain, one chunk at a time. Tokens are then runs of word characters and single punctuation
characters of that array, found with array operations, and each column of their strings comes out of one
``str.split`` of the words laid out with spaces. Proclitics are found for all the words at once too
(``tokenise.proclitic_lengths``). Nothing is kept from one article to the next.
"""

from __future__ import annotations

import re
from itertools import repeat
from operator import getitem, itemgetter, setitem
from typing import NamedTuple

import numpy as np

from khabar.text.charmap import (
    CLASS,
    FIRST,
    FLAT,
    LENGTH,
    LETTER,
    LETTERS,
    ONE,
    PUNCTUATION,
    RISK,
    SAME,
    SEARCH,
    WORD,
    attaches,
    chunk_clean,
    is_arabic_letter,
    is_letter,
)
from khabar.text.structure import Removed, Repeats, Span, boilerplate_kind, lines, new_span
from khabar.text.tokenise import proclitic_lengths

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
        "_columns",
        "_tokens",
    )

    def __init__(
        self,
        text_clean: str,
        text_norm: str,
        paragraphs: list[Span],
        sentences: list[Span],
        removed: list[Removed],
        arabic_ratio: float,
        columns: tuple,
    ) -> None:
        self.text_clean = text_clean
        self.text_norm = text_norm
        self.paragraphs = paragraphs
        self.sentences = sentences
        self.removed = removed
        self.arabic_ratio = arabic_ratio
        self.is_arabic = arabic_ratio >= ARABIC_MIN_RATIO
        self.title = paragraphs[0] if paragraphs else None
        self._columns = columns  # one list per field of Token; made into Token objects on first use
        self._tokens: list[Token] | None = None

    @property
    def tokens(self) -> list[Token]:
        if self._tokens is None:
            self._tokens = list(map(tuple.__new__, repeat(Token), zip(*self._columns)))
        return self._tokens

    def to_dict(self) -> dict:
        return {
            "text_clean": self.text_clean,
            "text_norm": self.text_norm,
            # A dict display per token: about twice as fast as dict(zip(Token._fields, token)).
            "tokens": [
                {"text": a, "norm": b, "proclitic": c, "stem": d, "clean": e, "start": f, "end": g, "stem_start": h}
                for a, b, c, d, e, f, g, h in self.tokens
            ],
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
_SPACE = ord(" ")
# Tokens above which the strings of equal words are shared.
_SHARE_ABOVE = 20_000
_LETTER_PAIRS = [(chr(a), b) for a, b in LETTERS.items()]


def _chunks(text: str, codes: np.ndarray, wide: bool) -> list[tuple[int, int]]:
    """Spans of text that must go through the real chain: a starter and the marks after it, around each
    character that may compose with the one before it, and around each character beyond the BMP."""
    spots = np.flatnonzero(RISK[codes] if not wide else RISK[np.minimum(codes, 0xFFFF)] | (codes > 0xFFFF))
    chunks: list[tuple[int, int]] = []
    end = 0
    for p in spots.tolist():
        if p < end:
            continue
        start = p
        while start > end and attaches(text[start]):
            start -= 1
        if text[start] == "\n":  # a line feed composes with nothing and stays one
            start += 1
        end = p + 1
        while end < len(text) and attaches(text[end]):
            end += 1
        chunks.append((start, end))
    return chunks


def _stream(text: str, codes: np.ndarray, wide: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """The display form of ``text`` as an array of output characters (whitespace as spaces, the original
    line feeds kept), and the original span of each: from ``start`` to ``end``, or just the character at
    ``start`` (``end`` None) when every output character comes from one original character alone."""
    chunks = _chunks(text, codes, wide) if wide or RISK[codes].any() else ()
    bmp = np.minimum(codes, 0xFFFF) if wide else codes
    length = LENGTH[bmp]
    if not chunks and length.max(initial=0) <= 1:
        starts = np.flatnonzero(length)
        return ONE[bmp[starts]], starts, None
    first, flat = FIRST[bmp], FLAT
    ends = np.arange(1, len(text) + 1)
    if chunks:
        extra = []
        size = len(FLAT)
        for a, b in chunks:
            out = chunk_clean(text[a:b])
            length[a : b] = 0
            length[a] = len(out)
            first[a] = size
            ends[a] = b
            size += len(out)
            extra.append(out)
        flat = np.concatenate((FLAT, np.frombuffer("".join(extra).encode("utf-16-le"), np.uint16)))
    starts = np.repeat(np.arange(len(text)), length)
    cumulative = np.cumsum(length)
    within = np.arange(len(starts)) - np.repeat(cumulative - length, length)
    return flat[first[starts] + within], starts, ends[starts]


def _laid(codes: np.ndarray, starts: np.ndarray, ends: np.ndarray, pad: int = 0) -> np.ndarray:
    """``codes[a:b]`` for each (a, b) of ``starts`` and ``ends``, laid out with a space before and after
    each (none of them holds one), and ``pad`` more spaces at the end."""
    lengths = ends - starts
    owner = np.repeat(np.arange(len(starts)), lengths)
    at = np.arange(len(owner))
    laid = np.full(len(owner) + len(starts) + 1 + pad, _SPACE, codes.dtype)
    laid[at + owner + 1] = codes[at + (starts - (np.cumsum(lengths) - lengths))[owner]]
    return laid


def normalise_document(text: str) -> NormalisedDocument:
    """Normalise one article (title + blank line + body, as the caller composes it); never raises on a str.

    Lines are the paragraphs, the first one with text being the title; boilerplate lines and verbatim repeats
    are removed and listed in ``removed``, and give no tokens. Work is linear in the length of ``text``.
    """
    # UTF-32 keeps lone surrogates apart, so that surfaces decode back to the very same characters.
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), np.uint32)
    wide = bool(codes.max(initial=0) > 0xFFFF)
    out, origin, origin_end = _stream(text, codes, wide)
    clean_lines_all = out.tobytes().decode("utf-16-le").split("\n")  # one per line of the original

    paragraphs, removed, clean_lines, kept = [], [], [], []
    repeats = Repeats()
    for index, start, end in lines(text):
        clean_line = clean_lines_all[index]  # whitespace is all spaces here
        if "  " in clean_line or clean_line[:1] == " " or clean_line[-1:] == " ":
            clean_line = " ".join(clean_line.split())
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
    text_clean = "\n".join(clean_lines)
    text_norm = text_clean
    for letter, normalised in _LETTER_PAIRS:  # str.replace is many times faster than str.translate here
        text_norm = text_norm.replace(letter, normalised)

    first, last = _token_bounds(out)
    if len(kept) < len(paragraphs) + len(removed):  # lines were removed: their tokens go too
        line = np.zeros(len(clean_lines_all), np.bool_)
        line[kept] = True
        inside = line[np.searchsorted(np.flatnonzero(out == 10), first)]
        first, last = first[inside], last[inside]
    starts = origin[first]
    ends = origin[last] + 1 if origin_end is None else origin_end[last]
    clean_laid = _laid(out, first, last + 1, pad=4)
    # A long document: one string object per distinct word, not per token (it costs time, saves memory).
    share = {} if len(first) > _SHARE_ABOVE else None
    cleans = _shared(clean_laid[:-4].tobytes().decode("utf-16-le").split(" ")[1:-1], share)
    norms = _shared(SEARCH[clean_laid[:-4]].tobytes().decode("utf-16-le").split(" ")[1:-1], share)
    surfaces = _shared(_surfaces(text, codes, starts, ends, cleans, origin_end is None), share)
    # Where the space before each word is in the laid-out forms.
    laid_at = np.cumsum(last + 2 - first) - (last + 2 - first)
    if origin_end is None:
        allowed = None
    else:  # one original character gave several output ones (ﻷ, ﷺ): no split inside it

        def allowed(words: np.ndarray, lengths) -> np.ndarray:
            at = first[words] + lengths
            return origin[at] != origin[at - 1]

    shifts = proclitic_lengths(clean_laid, laid_at + 1, last + 1 - first, cleans, norms, allowed)
    sentences = _sentences(text, paragraphs, starts, ends)
    starts, ends = starts.tolist(), ends.tolist()
    # Proclitics, stems and stem starts, cut out of the search forms of the words that have a proclitic.
    proclitics = [""] * len(norms)
    stems = norms.copy()
    stem_starts = starts.copy()
    split = np.flatnonzero(shifts)
    words, lengths = split.tolist(), shifts[split].tolist()
    split_norms = list(map(norms.__getitem__, words))
    list(map(setitem, repeat(proclitics), words, map(getitem, split_norms, map(slice, lengths))))
    list(map(setitem, repeat(stems), words, map(getitem, split_norms, map(slice, lengths, repeat(None)))))
    list(map(setitem, repeat(stem_starts), words, origin[first[split] + shifts[split]].tolist()))
    if share is not None:
        proclitics, stems = _shared(proclitics, share), _shared(stems, share)

    return NormalisedDocument(
        text_clean,
        text_norm,
        paragraphs,
        sentences,
        removed,
        _arabic_ratio(text, codes, wide, removed),
        (surfaces, norms, proclitics, stems, cleans, starts, ends, stem_starts),
    )


def _shared(strings: list[str], share: dict[str, str] | None) -> list[str]:
    return strings if share is None else list(map(share.setdefault, strings, strings))


def _surfaces(text, codes, starts, ends, cleans, simple) -> list[str]:
    """``text[start:end]`` of every token. Where every output character comes from one original character,
    most words are written as their display form (every character maps to itself), so only the others are
    cut out of the text."""
    if not simple:
        return _laid(codes, starts, ends).tobytes().decode("utf-32-le", "surrogatepass").split(" ")[1:-1]
    changed = np.zeros(len(codes) + 1, np.int32)
    np.cumsum(~SAME[codes], out=changed[1:])  # all in the BMP: the others go through the chain
    words = np.flatnonzero(changed[ends] != changed[starts])
    surfaces = cleans.copy()
    written = map(text.__getitem__, map(slice, starts[words].tolist(), ends[words].tolist()))
    list(map(setitem, repeat(surfaces), words.tolist(), written))
    return surfaces


def _token_bounds(out: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First and last output position of each token: of each run of word characters, and of each
    punctuation character."""
    kind = CLASS[out]
    word = np.zeros(len(out) + 2, np.bool_)
    word[1:-1] = kind == WORD
    runs = np.flatnonzero(word[1:] != word[:-1])  # where runs start, and where they end (exclusive)
    first = kind == PUNCTUATION
    last = first.copy()
    first[runs[::2]] = True
    last[runs[1::2] - 1] = True
    return np.flatnonzero(first), np.flatnonzero(last)


def _sentences(text: str, paragraphs: list[Span], starts: np.ndarray, ends: np.ndarray) -> list[Span]:
    """Sentences, from the start of their first token to the end of their last: they break at each
    paragraph and after each sentence end. (A sentence end at the end of a line, or in a removed line, breaks
    where the next paragraph does anyway.)"""
    if not len(starts):
        return []
    marks = list(map(re.Match.end, _SENTENCE_END_RE.finditer(text)))
    marks += map(itemgetter(0), paragraphs)
    marks.append(len(text) + 1)
    breaks = np.unique(np.searchsorted(starts, marks))  # counted in tokens
    return list(map(new_span, repeat(Span), zip(starts[breaks[:-1]].tolist(), ends[breaks[1:] - 1].tolist())))


def _arabic_ratio(text: str, codes: np.ndarray, wide: bool, removed: list[Removed]) -> float:
    """Share of Arabic letters among the letters of the kept lines."""
    kinds = LETTER[np.minimum(codes, 0xFFFF) if wide else codes]
    if wide:
        for p in np.flatnonzero(codes > 0xFFFF).tolist():
            kinds[p] = is_letter(text[p]) + 2 * is_arabic_letter(text[p])
    _, other, _, arabic = np.bincount(kinds, minlength=4).tolist()
    for r in removed:
        _, other_removed, _, arabic_removed = np.bincount(kinds[r.start : r.end], minlength=4).tolist()
        other -= other_removed
        arabic -= arabic_removed
    return arabic / (other + arabic) if other + arabic else 0.0

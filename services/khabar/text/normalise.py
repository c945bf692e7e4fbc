"""Normalisation of articles: structure, display and search forms, tokens with offsets into the original.

The forms equal what the camel-tools chain gives (see ``charmap``) paragraph by paragraph, with whitespace
collapsed: ``text_clean`` is NFKC + arclean + dediac_ar, ``text_norm`` adds the alef / alef-maksura /
teh-marbuta normalisation, and ``[t.norm for t in tokens] == simple_word_tokenize(text_norm)``.

How it is fast: the chain is a per-character map except where NFKC composes across characters, so the
whole article maps through numpy tables (``charmap``) into one array of output characters, each with the
position of the original character it comes from; the rare spots where composition can happen go through
the real chain, one chunk at a time. Tokens are then runs of word characters and single punctuation
characters of that array, found with array operations, and each column of their strings comes out of one
``str.split`` of the words laid out with spaces. Proclitics are found for all the words at once too
(``tokenise.proclitic_lengths``). A batch of articles (``normalise_documents``) goes through all this as
one text, so that the fixed cost of each numpy call is paid once per batch; each article still gives
exactly what it gives alone. Nothing is kept from one batch to the next.
"""

from __future__ import annotations

import gc
import re
from itertools import repeat
from operator import add, getitem, itemgetter, setitem
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

__all__ = ["NormalisedDocument", "Removed", "Span", "Token", "normalise_document", "normalise_documents"]


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
            # With the collector off: hundreds of new tuples would set off collections that scan every
            # object alive (tokens of the whole batch included) and find nothing, tokens holding only str
            # and int. It about halves what making the tokens costs.
            enabled = gc.isenabled()
            gc.disable()
            try:
                self._tokens = list(map(tuple.__new__, repeat(Token), zip(*self._columns)))
            finally:
                if enabled:
                    gc.enable()
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
# Per ``LETTER`` kind: 1 for a letter, 1 << 32 for an Arabic one.
_LETTER_WEIGHT = np.array([0, 1, 0, 1 << 32], np.int64)


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
    """Normalise one article (see ``normalise_documents``)."""
    return normalise_documents([text])[0]


def normalise_documents(texts: list[str]) -> list[NormalisedDocument]:
    """Normalise a batch of articles (each title + blank line + body, as the caller composes it), each exactly
    as it would be alone; never raises on a list of str.

    Lines are the paragraphs, the first one with text being the title; boilerplate lines and verbatim repeats
    are removed and listed in ``removed``, and give no tokens. The articles go through the array work as one
    text, joined with line feeds (nothing composes across a line feed, and no line or sentence spans one), so
    that its fixed cost is paid once per batch. Work is linear in the total length.
    """
    if not texts:
        return []
    joined = "\n".join(texts)
    bases = np.cumsum([0] + [len(t) + 1 for t in texts])  # where each article starts in ``joined``
    # UTF-32 keeps lone surrogates apart, so that surfaces decode back to the very same characters.
    codes = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), np.uint32)
    wide = bool(codes.max(initial=0) > 0xFFFF)
    out, origin, origin_end = _stream(joined, codes, wide)
    clean_lines_all = out.tobytes().decode("utf-16-le").split("\n")  # one per line of ``joined``

    structures, kept = [], []
    line_base = 0
    for text in texts:
        paragraphs, removed, clean_lines = [], [], []
        repeats = Repeats()
        for index, start, end in lines(text):
            clean_line = clean_lines_all[line_base + index]  # whitespace is all spaces here
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
            kept.append(line_base + index)
        text_norm = text_clean = "\n".join(clean_lines)
        for letter, normalised in _LETTER_PAIRS:  # str.replace is many times faster than str.translate here
            text_norm = text_norm.replace(letter, normalised)
        structures.append((text_clean, text_norm, paragraphs, removed))
        line_base += text.count("\n") + 1

    first, last = _token_bounds(out)
    if any(removed for *_, removed in structures):  # lines were removed: their tokens go too
        line = np.zeros(len(clean_lines_all), np.bool_)
        line[kept] = True
        inside = line[np.searchsorted(np.flatnonzero(out == 10), first)]
        first, last = first[inside], last[inside]
    starts = origin[first]
    ends = origin[last] + 1 if origin_end is None else origin_end[last]
    bounds = np.searchsorted(starts, bases)  # each article's tokens, as a range of token indices
    counts = np.diff(bounds)
    clean_laid = _laid(out, first, last + 1, pad=4)
    # A long document: one string object per distinct word, not per token (it costs time, saves memory).
    share = {} if counts.max() > _SHARE_ABOVE else None
    cleans = _shared(clean_laid[:-4].tobytes().decode("utf-16-le").split(" ")[1:-1], share)
    norms = _shared(SEARCH[clean_laid[:-4]].tobytes().decode("utf-16-le").split(" ")[1:-1], share)
    surfaces = _shared(_surfaces(joined, codes, starts, ends, cleans, origin_end is None), share)
    # Where the space before each word is in the laid-out forms.
    laid_at = np.cumsum(last + 2 - first) - (last + 2 - first)
    if origin_end is None:
        allowed = None
    else:  # one original character gave several output ones (ﻷ, ﷺ): no split inside it

        def allowed(words: np.ndarray, lengths) -> np.ndarray:
            at = first[words] + lengths
            return origin[at] != origin[at - 1]

    bounds_list = bounds.tolist()
    shifts = proclitic_lengths(clean_laid, laid_at + 1, last + 1 - first, cleans, norms, bounds_list, allowed)
    # Offsets into each article.
    base = np.repeat(bases[:-1], counts)
    sentences = _sentences(joined, structures, bases, starts, ends, base, bounds)
    split = np.flatnonzero(shifts)
    split_starts = (origin[first[split] + shifts[split]] - base[split]).tolist()
    starts, ends = (starts - base).tolist(), (ends - base).tolist()
    # Proclitics, stems and stem starts, cut out of the search forms of the words that have a proclitic.
    proclitics = [""] * len(norms)
    stems = norms.copy()
    stem_starts = starts.copy()
    words, lengths = split.tolist(), shifts[split].tolist()
    split_norms = list(map(norms.__getitem__, words))
    list(map(setitem, repeat(proclitics), words, map(getitem, split_norms, map(slice, lengths))))
    list(map(setitem, repeat(stems), words, map(getitem, split_norms, map(slice, lengths, repeat(None)))))
    list(map(setitem, repeat(stem_starts), words, split_starts))
    if share is not None:
        proclitics, stems = _shared(proclitics, share), _shared(stems, share)

    columns = (surfaces, norms, proclitics, stems, cleans, starts, ends, stem_starts)
    ratios = _arabic_ratios(joined, codes, wide, bases, structures)
    return [
        NormalisedDocument(
            text_clean, text_norm, paragraphs, doc_sentences, removed, ratio, tuple(c[a:b] for c in columns)
        )
        for (text_clean, text_norm, paragraphs, removed), doc_sentences, ratio, a, b in zip(
            structures, sentences, ratios, bounds_list, bounds_list[1:]
        )
    ]


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


def _sentences(joined: str, structures: list, bases, starts, ends, base, bounds) -> list[list[Span]]:
    """Sentences of each article, from the start of their first token to the end of their last: they break
    at each paragraph and after each sentence end. (A sentence end at the end of a line, or in a removed
    line, breaks where the next paragraph does anyway.) Every article starts with a paragraph, so no sentence
    spans two."""
    if not len(starts):
        return [[] for _ in structures]
    marks = list(map(re.Match.end, _SENTENCE_END_RE.finditer(joined)))
    for (*_, paragraphs, _), at in zip(structures, bases.tolist()):
        marks += map(add, map(itemgetter(0), paragraphs), repeat(at))
    marks.append(len(joined) + 1)
    breaks = np.unique(np.searchsorted(starts, marks))  # counted in tokens
    firsts, lasts = breaks[:-1], breaks[1:] - 1
    spans = list(
        map(new_span, repeat(Span), zip((starts[firsts] - base[firsts]).tolist(), (ends[lasts] - base[lasts]).tolist()))
    )
    cuts = np.searchsorted(firsts, bounds).tolist()
    return [spans[a:b] for a, b in zip(cuts, cuts[1:])]


def _arabic_ratios(joined: str, codes: np.ndarray, wide: bool, bases: np.ndarray, structures: list) -> list[float]:
    """Share of Arabic letters among the letters of the kept lines of each article."""
    kinds = LETTER[np.minimum(codes, 0xFFFF) if wide else codes]
    if wide:
        for p in np.flatnonzero(codes > 0xFFFF).tolist():
            kinds[p] = is_letter(joined[p]) + 2 * is_arabic_letter(joined[p])
    # Letters before each position: other ones in the low 32 bits, Arabic ones above.
    before = np.zeros(len(codes) + 1, np.int64)
    np.cumsum(_LETTER_WEIGHT[kinds], out=before[1:])
    points = []  # (start, end) of each article, then of each of its removed lines
    bases = bases.tolist()
    for (*_, removed), at, end in zip(structures, bases, bases[1:]):
        points += (at, end - 1)
        for r in removed:
            points += (at + r.start, at + r.end)
    totals = before[points].tolist()
    ratios = []
    i = 0
    for *_, removed in structures:
        count = totals[i + 1] - totals[i]
        for j in range(i + 2, i + 2 + 2 * len(removed), 2):
            count -= totals[j + 1] - totals[j]
        i += 2 + 2 * len(removed)
        other, arabic = count & 0xFFFFFFFF, count >> 32
        ratios.append(arabic / (other + arabic) if other + arabic else 0.0)
    return ratios

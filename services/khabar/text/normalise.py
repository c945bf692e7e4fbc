"""Normalisation of one article: structure, display and search forms, tokens with offsets into the original.

The forms equal what the camel-tools chain gives (see ``charmap``) paragraph by paragraph, with whitespace
collapsed: ``text_clean`` is NFKC + arclean + dediac_ar, ``text_norm`` adds the alef / alef-maksura /
teh-marbuta normalisation, and ``[t.norm for t in tokens] == simple_word_tokenize(text_norm)``.

How it is fast: a space never joins or splits anything in the chain, so each space-separated piece of a line
normalises and tokenises on its own. Pieces repeat a lot within and across articles, so each one is worked
out once (``_piece``) and cached; an article is then assembled from its pieces with C-level iteration and
numpy only. New pieces (about one in eight after a few thousand articles) cost most of the time. Token
objects are made on first use of ``tokens``, from the offsets and pieces kept here.
"""

from __future__ import annotations

import re
import struct
from array import array
from itertools import accumulate, chain, compress, repeat
from operator import add, is_, itemgetter, not_
from typing import NamedTuple

import numpy as np

from khabar.text.charmap import (
    ATTACHES,
    COMPOSITION_RISK,
    DEL,
    EXPANSIONS,
    LETTERS,
    LP_CLEAN,
    PUNCT,
    SLOW,
    camel_clean,
)
from khabar.text.structure import Removed, Repeats, Span, boilerplate_kind, lines, new_span
from khabar.text.tokenise import TOKEN_RE, evidence_candidates, static_proclitic

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
        "_entries",
        "_offsets",
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
        title: Span | None,
        entries: list[tuple],
        offsets: np.ndarray,
    ) -> None:
        self.text_clean = text_clean
        self.text_norm = text_norm
        self.paragraphs = paragraphs
        self.sentences = sentences
        self.removed = removed
        self.arabic_ratio = arabic_ratio
        self.is_arabic = arabic_ratio >= ARABIC_MIN_RATIO
        self.title = title
        # Tokens: the pieces that hold their strings (see _TEMPLATES) and their offsets (start, end and stem
        # start rows); made into columns of Python objects, and then Token objects, on first use.
        self._entries = entries
        self._offsets = offsets
        self._columns: tuple[list, list[int], list[int], list[int]] | None = None
        self._tokens: list[Token] | None = None

    @property
    def tokens(self) -> list[Token]:
        if self._tokens is None:
            self._tokens = list(map(tuple.__new__, repeat(Token), self._rows()))
        return self._tokens

    def _rows(self):
        if self._columns is None:
            starts, ends, stem_starts = self._offsets.tolist()
            self._columns = (_templates(self._entries, starts, stem_starts), starts, ends, stem_starts)
        templates, starts, ends, stem_starts = self._columns
        return map(add, templates, zip(starts, ends, stem_starts))  # template + offsets

    def to_dict(self) -> dict:
        return {
            "text_clean": self.text_clean,
            "text_norm": self.text_norm,
            "tokens": list(map(dict, map(zip, repeat(Token._fields), self._rows()))),
            "paragraphs": [s._asdict() for s in self.paragraphs],
            "sentences": [s._asdict() for s in self.sentences],
            "removed": [r._asdict() for r in self.removed],
            "arabic_ratio": self.arabic_ratio,
            "is_arabic": self.is_arabic,
            "title": None if self.title is None else self.title._asdict(),
        }


# An article counts as Arabic when most of its letters are.
ARABIC_MIN_RATIO = 0.5


# What one space-separated piece of text gives, as a plain tuple (the collector stops tracking those once it
# sees they hold only strings, numbers and such tuples, so a big cache costs it nothing).
_COUNT = 0  # number of tokens
_TEMPLATES = 1  # per token: (text, norm, proclitic, stem, clean)
# int32 rows: per token (start - start of the token before, or of the piece; length; stem start - start; 0),
# then one row (start of the next piece - start of the last token; _PIECE_END or _SENTENCE_END; letters;
# Arabic letters). A running sum over the rows of all the pieces of a line, after a _LINE row that jumps to
# the line, gives the tokens' starts in the original; sentence ends and letter counts ride along, so that no
# other pass over the pieces is needed.
_OFFSETS = 2
_PIECE_END, _SENTENCE_END, _LINE = -1, -2, -3
_JUMP = struct.Struct("4i").pack
_WORD_ROWS = struct.Struct("8i").pack  # the rows of a piece that is one word
_CLEAN = 3  # display form, whitespace collapsed, and a space after it ("" if it is empty), to join as is
# Splits to make if the stem occurs in the document: ((token, ((proclitic, stem, shift, display stem, article +
# display stem), ...)), ...), the shorter proclitic first; and all those display forms, to test them at once.
# Display forms, as written: the search form would take أدى for ادي in وادي.
_CANDIDATES = 4
_CANDIDATE_STEMS = 5

# Two generations: when the young one is full it becomes the old one, and pieces met again are taken back
# from there, so that frequent pieces stay while rare ones go. A piece takes about 800 bytes: a generation
# holds what a few thousand articles bring, about 120 MB.
_CACHE: dict[str, tuple] = {}
_OLD_CACHE: dict[str, tuple] = {}
_CACHE_GENERATION = 150_000
# Pieces longer than this are rare (URLs, runs without spaces) and not worth keeping.
_CACHE_MAX_PIECE = 40

# Templates of one-character tokens from one-character pieces of text, shared.
_SINGLES: dict[tuple, tuple] = {}

_RISK_RE = re.compile(COMPOSITION_RISK)
_CHUNK_RE = re.compile(f".{ATTACHES}*", re.S)
_DROP_DELETED = str.maketrans("", "", DEL)
_LETTER_PAIRS = [(chr(a), b) for a, b in LETTERS.items()]
# Punctuation that the chain maps to one punctuation character, alone: around an Arabic word (letters that
# the chain keeps as they are), it makes a piece that takes the short way.
_SIMPLE_PUNCT = str.maketrans(
    {c: camel_clean(c) for c in "«»\"“”'()[]{}،؛؟.,:;!?-" if len(camel_clean(c)) == 1 and camel_clean(c) in PUNCT}
)
_PUNCT_TEMPLATES = {chr(c): (chr(c), m, "", m, m) for c, m in _SIMPLE_PUNCT.items()}
_PUNCT_CLASS = re.escape("".join(_PUNCT_TEMPLATES))
_SIMPLE_RE = re.compile(f"([{_PUNCT_CLASS}]*)([ء-غف-ي]+)([{_PUNCT_CLASS}]*)")
_SENTENCE_END_RE = re.compile(r"[.!?؟…۔]+[\"'»”’)\]]*$")
_LETTER_RE = re.compile(r"[^\W\d_]")
# Letters of the Arabic blocks (Arabic, Supplement, Extended-A, Presentation Forms-A and -B).
_ARABIC_LETTER_RE = re.compile(
    "["
    + "".join(
        c
        for a, b in ((0x600, 0x6FF), (0x750, 0x77F), (0x8A0, 0x8FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF))
        for c in map(chr, range(a, b + 1))
        if c.isalpha()
    )
    + "]"
)


def _view(piece: str) -> tuple[str, str, list[int] | None, list[int] | None]:
    """Display and search forms of a piece aligned with the piece (positions map back one to one, deleted
    characters left as sentinels), or, where NFKC composes across characters or a character expands into
    letters, the real chain run on independent chunks, with the original span of each output character."""
    view = piece.translate(LP_CLEAN)
    if SLOW not in view and not _RISK_RE.search(piece):
        return view, view.translate(LETTERS), None, None
    outputs, starts, ends = [], [], []
    for m in _CHUNK_RE.finditer(piece):
        out = camel_clean(m.group())
        outputs.append(out)
        starts += [m.start()] * len(out)
        ends += [m.end()] * len(out)
    view = "".join(outputs)
    return view, view.translate(LETTERS), starts, ends


def _resolve(view: str) -> str:
    """The real characters of a view: sentinels of deleted characters out, expansions in."""
    out = view.translate(_DROP_DELETED)
    if out and max(out) >= "\U00100000":
        out = "".join(EXPANSIONS.get(c, c) for c in out)
    return out


def _piece(piece: str) -> tuple:
    """What a piece gives (see ``_COUNT``...). Most pieces new to the cache are an Arabic word, maybe with
    punctuation around it: those take a short way; the rest, the general one."""
    m = _SIMPLE_RE.fullmatch(piece)
    if m is None:
        return _general_piece(piece)
    before, word, after = m.groups()
    candidates: list = []
    if not before and not after:  # the commonest: a bare word
        template, shift = _word(word, word, word.translate(LETTERS), range(len(word)), 0, 0, candidates)
        n = len(word)
        rows = _WORD_ROWS(0, n, shift, 0, n + 1, _PIECE_END, n, n)
        return (1, (template,), rows, f"{word} ", *_cands(candidates))
    at = len(before)
    templates = [_PUNCT_TEMPLATES[c] for c in before]
    spans = [(i, i + 1, 0) for i in range(at)]
    template, shift = _word(word, word, word.translate(LETTERS), range(at, at + len(word)), at, at, candidates)
    templates.append(template)
    spans.append((at, at + len(word), shift))
    templates += [_PUNCT_TEMPLATES[c] for c in after]
    spans += [(i, i + 1, 0) for i in range(at + len(word), len(piece))]
    clean = f"{before.translate(_SIMPLE_PUNCT)}{word}{after.translate(_SIMPLE_PUNCT)} "
    return _entry(piece, templates, spans, clean, len(word), len(word), candidates)


def _general_piece(piece: str) -> tuple:
    clean_view, norm_view, origin_starts, origin_ends = _view(piece)
    templates, spans, candidates = [], [], []
    for m in TOKEN_RE.finditer(norm_view):
        a, b = m.span()
        norm = m.group()
        if origin_starts is None:
            kept = range(a, b)  # original position of each character of the token
        else:
            kept, a, b = origin_starts[a:b], origin_starts[a], origin_ends[b - 1]
        expansion = EXPANSIONS.get(norm)
        if expansion is not None:
            for c in expansion:
                templates.append((piece[a:b], c, "", c, c))
                spans.append((a, b, 0))
            continue
        clean = clean_view[m.start() : m.end()]
        if origin_starts is None and DEL in norm:
            kept = [i for i in range(a, b) if norm_view[i] != DEL]  # وَكيم: the stem starts after the mark
            norm, clean = norm.translate(_DROP_DELETED), clean.translate(_DROP_DELETED)
        template, shift = _word(piece[a:b], clean, norm, kept, a, len(templates), candidates)
        templates.append(template)
        spans.append((a, b, shift))
    return _entry(
        piece,
        templates,
        spans,
        "".join(word + " " for word in _resolve(clean_view).split()),
        len(piece) - len(_LETTER_RE.sub("", piece)),
        len(piece) - len(_ARABIC_LETTER_RE.sub("", piece)),
        candidates,
    )


def _word(surface: str, clean: str, norm: str, kept, a: int, index: int, candidates: list) -> tuple[tuple, int]:
    """Template and stem shift of token ``index`` of a piece; its splits on evidence go to ``candidates``.
    ``kept``: the original position of each character of the token (``a``: the first)."""
    if len(surface) == 1 == len(norm):  # punctuation, digits: one shared template each, runs of them are long
        template = (surface, norm, "", norm, clean)  # ‰ gives two tokens, % and 0: the key is all of it
        template = _SINGLES.setdefault(template, template)
        return template, 0
    k = static_proclitic(clean, norm) if len(norm) > 2 else 0
    if k and kept[k] == kept[k - 1]:
        k = 0  # the boundary falls inside one original character (a ligature such as ﻷ)
    if not k:
        options = tuple(
            (norm[:j], norm[j:], kept[j] - a, clean[j:], "ال" + clean[j:])
            for j in evidence_candidates(norm)
            if kept[j] != kept[j - 1]
        )
        if options:
            candidates.append((index, options))
    clean = norm if clean == norm else clean  # share equal strings
    surface = clean if surface == clean else surface
    return (surface, norm, norm[:k], norm[k:] if k else norm, clean), kept[k] - a if k else 0


def _entry(piece: str, templates: list, spans: list, clean: str, letters: int, arabic: int, candidates: list):
    rows = array("i")
    previous = 0  # start of the token before
    for a, b, shift in spans:
        rows.extend((a - previous, b - a, shift, 0))
        previous = a
    # A sentence ends with a piece that ends with final punctuation (and closing quotes or brackets).
    end = _SENTENCE_END if _SENTENCE_END_RE.search(piece) else _PIECE_END
    rows.extend((len(piece) + 1 - previous, end, letters, arabic))
    return len(templates), tuple(templates), rows.tobytes(), clean, *_cands(candidates)


def _cands(candidates: list) -> tuple[tuple, tuple]:
    """The _CANDIDATES and _CANDIDATE_STEMS of a piece."""
    if not candidates:
        return (), ()
    return tuple(candidates), tuple([w for _, options in candidates for option in options for w in option[3:]])


def clear_cache() -> None:
    """Forget the pieces worked out so far (the bench uses it to measure articles that bring new words)."""
    _CACHE.clear()
    _OLD_CACHE.clear()


def _fill(pieces: list[str], entries: list[tuple | None]) -> None:
    """Work out the pieces not in the cache (``None`` in ``entries``) and cache them."""
    global _CACHE, _OLD_CACHE
    if len(_CACHE) > _CACHE_GENERATION:
        _CACHE, _OLD_CACHE = {}, _CACHE
    for i in compress(range(len(entries)), map(is_, entries, repeat(None))):
        piece = pieces[i]
        # It may have come earlier in the same line, or be in the old generation.
        entry = _CACHE.get(piece) or _OLD_CACHE.get(piece) or _piece(piece)
        if len(piece) <= _CACHE_MAX_PIECE:
            _CACHE[piece] = entry
        entries[i] = entry


def normalise_document(text: str) -> NormalisedDocument:
    """Normalise one article (title + blank line + body, as the caller composes it); never raises on a str.

    Lines are the paragraphs, the first one with text being the title; boilerplate lines and verbatim repeats
    are removed and listed in ``removed``, and give no tokens. Work is linear in the length of ``text``.
    """
    paragraphs, removed, clean_lines = [], [], []
    entries, rows = [], []  # every kept piece, and the offset rows of all of them
    position = 0  # where the rows so far lead
    repeats = Repeats()
    for start, end in lines(text):
        line = text[start:end]
        pieces = line.split(" ")
        line_entries = list(map(_CACHE.get, pieces))
        if None in line_entries:
            _fill(pieces, line_entries)
        clean_line = "".join(map(itemgetter(_CLEAN), line_entries))[:-1]
        if not clean_line:
            removed.append(Removed("no_text", start, end, line))
            continue
        kind = (boilerplate_kind(clean_line) if paragraphs else None) or repeats.kind(clean_line)
        if kind is not None:
            removed.append(Removed(kind, start, end, line))
            continue
        paragraphs.append(new_span(Span, (start, end)))
        clean_lines.append(clean_line)
        entries += line_entries
        rows.append(_JUMP(start - position, _LINE, 0, 0))
        rows += map(itemgetter(_OFFSETS), line_entries)
        position = end + 1
    removed.sort(key=itemgetter(1))

    text_clean = "\n".join(clean_lines)
    text_norm = text_clean
    for letter, normalised in _LETTER_PAIRS:  # str.replace is many times faster than str.translate here
        text_norm = text_norm.replace(letter, normalised)
    offsets, sentences, letters, arabic = _offsets(rows)
    return NormalisedDocument(
        text_clean,
        text_norm,
        paragraphs,
        sentences,
        removed,
        arabic / letters if letters else 0.0,
        paragraphs[0] if paragraphs else None,
        entries,
        offsets,
    )


def _offsets(rows: list[bytes]) -> tuple[np.ndarray, list[Span], int, int]:
    """From the rows of the pieces (see ``_OFFSETS``): start, end and stem start (three rows) of every token
    in the original; the sentences, from the start of their first token to the end of their last; and the
    counts of letters and of Arabic letters."""
    table = np.frombuffer(b"".join(rows), np.int32).reshape(-1, 4)
    kind = table[:, 1]
    is_token = kind >= 0
    starts = np.cumsum(table[:, 0], dtype=np.int64)[is_token]
    ends = starts + table[is_token, 1]
    letters, arabic = table[~is_token, 2:].sum(axis=0, dtype=np.int64).tolist()
    # Sentences run between breaks, counted in tokens: before each line, after each sentence end, at the end.
    breaks = np.append(np.cumsum(is_token)[(kind == _LINE) | (kind == _SENTENCE_END)], len(starts))
    nonempty = np.diff(breaks) > 0
    sentences = zip(starts[breaks[:-1][nonempty]].tolist(), ends[breaks[1:][nonempty] - 1].tolist())
    return (
        np.stack((starts, ends, starts + table[is_token, 2])),
        list(map(new_span, repeat(Span), sentences)),
        letters,
        arabic,
    )


def _templates(entries: list[tuple], starts: list[int], stem_starts: list[int]) -> list[tuple]:
    """(text, norm, proclitic, stem, clean) of every token, with the splits that the document's own
    vocabulary decides (``stem_starts`` is updated for those)."""
    templates = list(chain.from_iterable(map(itemgetter(_TEMPLATES), entries)))
    found = set(chain.from_iterable(map(itemgetter(_CANDIDATE_STEMS), entries)))
    if found:
        found.intersection_update(map(itemgetter(4), templates))
    if found:
        # Only the pieces with a stem found go through Python code.
        firsts = accumulate(map(itemgetter(_COUNT), entries), initial=0)
        hit = map(not_, map(found.isdisjoint, map(itemgetter(_CANDIDATE_STEMS), entries)))
        for first, candidates in compress(zip(firsts, map(itemgetter(_CANDIDATES), entries)), hit):
            for i, options in candidates:
                for proclitic, stem, shift, written, with_article in options:
                    if written in found or with_article in found:
                        text, norm, _, _, clean = templates[first + i]
                        templates[first + i] = (text, norm, proclitic, stem, clean)
                        stem_starts[first + i] = starts[first + i] + shift
                        break
    return templates

"""The camel-tools normalisation chain, and per-character tables of it built once from the chain itself.

The reference chain is ``normalize_unicode`` (NFKC) -> ``arclean`` -> ``dediac_ar`` for the display form,
then ``normalize_alef_ar`` -> ``normalize_alef_maksura_ar`` -> ``normalize_teh_marbuta_ar`` for the search
form. Every step except NFKC composition maps one character at a time, so the whole chain is a per-character
map (to zero, one or several characters) wherever no composition can happen across characters. The tables
below hold that map for every BMP character, for the compiled loops of ``normalise``. Characters that
may compose with the one before them (``RISK``) and characters beyond the BMP go through the real chain,
one chunk (a starter and the marks after it) at a time.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
from camel_tools.tokenizers.word import simple_word_tokenize
from camel_tools.utils.charmap import CharMapper
from camel_tools.utils.dediac import dediac_ar
from camel_tools.utils.normalize import (
    normalize_alef_ar,
    normalize_alef_maksura_ar,
    normalize_teh_marbuta_ar,
    normalize_unicode,
)

_ARCLEAN = CharMapper.builtin_mapper("arclean")


def camel_clean(s: str) -> str:
    """Display form by the reference chain: NFKC, arclean, dediacritisation."""
    return dediac_ar(_ARCLEAN(normalize_unicode(s)))


def camel_letters(s: str) -> str:
    """Alef, alef-maksura and teh-marbuta normalisation (per character)."""
    return normalize_teh_marbuta_ar(normalize_alef_maksura_ar(normalize_alef_ar(s)))


def camel_norm(s: str) -> str:
    """Search form by the reference chain."""
    return camel_letters(camel_clean(s))


def camel_tokens(s: str) -> list[str]:
    """Reference tokens: the search form split by ``simple_word_tokenize``."""
    return simple_word_tokenize(camel_norm(s))


# Every character the chain can output: what arclean keeps or produces, after the letter normalisation.
_OUTPUT_ALPHABET = frozenset(
    camel_letters(
        "".join(k for k, v in _ARCLEAN._charmap.items() if v is None)
        + "".join(v for v in _ARCLEAN._charmap.values() if v)
    )
)
# Characters the reference tokenizer always cuts out as one-character tokens (punctuation and symbols).
PUNCT = frozenset(c for c in _OUTPUT_ALPHABET if simple_word_tokenize(f"a{c}a") == ["a", c, "a"])
# So that whitespace is only space, tab, CR and LF, the tokenizer splits at exactly those, every other
# output character is either punctuation or part of a word, and no output character combines.
assert all(not c.isspace() or c in " \t\n\r" for c in _OUTPUT_ALPHABET)
assert all(c.isspace() or c in PUNCT or simple_word_tokenize(f"a{c}a") == [f"a{c}a"] for c in _OUTPUT_ALPHABET)
assert not any(unicodedata.combining(c) for c in _OUTPUT_ALPHABET)
assert max(map(ord, _OUTPUT_ALPHABET)) < 0x10000

# Letter normalisation on the display form, character by character, and as a table of output characters.
LETTERS = str.maketrans({c: camel_letters(c) for c in "إأٱآىة" if camel_letters(c) != c})
SEARCH = np.arange(0x10000, dtype=np.uint16)
SEARCH[list(LETTERS)] = list(map(ord, LETTERS.values()))


def chunk_clean(chunk: str) -> str:
    """Display form of a chunk, every whitespace character as a space: runs of whitespace collapse anyway,
    and the caller keeps the original line feeds apart."""
    return camel_clean(chunk).translate(_SPACES)


_SPACES = str.maketrans(dict.fromkeys("\t\n\r", " "))


def _composes_with_previous() -> frozenset[str]:
    """Characters that canonical composition can merge into the character before them."""
    second = set()
    for cp in range(0x30000):
        d = unicodedata.decomposition(chr(cp))
        if d and not d.startswith("<"):
            parts = [chr(int(x, 16)) for x in d.split()]
            if len(parts) == 2 and unicodedata.normalize("NFC", "".join(parts)) == chr(cp):
                second.add(parts[1])
    second.update(map(chr, range(0x1161, 0x1176)))  # Hangul vowel jamo (L + V -> LV)
    second.update(map(chr, range(0x11A8, 0x11C3)))  # Hangul trailing jamo (LV + T -> LVT)
    return frozenset(second)


# Output classes: what the tokenizer does with each output character.
SPACE, WORD, PUNCTUATION = 0, 1, 2
_LETTER_RE = re.compile(r"[^\W\d_]")
_ARABIC_BLOCKS = ((0x600, 0x6FF), (0x750, 0x77F), (0x8A0, 0x8FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF))


def is_letter(c: str) -> bool:
    """A letter as the language check counts them."""
    return _LETTER_RE.match(c) is not None


def is_arabic_letter(c: str) -> bool:
    """A letter of the Arabic blocks (Arabic, Supplement, Extended-A, Presentation Forms-A and -B)."""
    return c.isalpha() and any(a <= ord(c) <= b for a, b in _ARABIC_BLOCKS)


def letter_kind(c: str) -> int:
    """What the language check counts ``c`` as: 0 not a letter, 1 a letter, 3 an Arabic letter."""
    return is_letter(c) + 2 * is_arabic_letter(c)


def _tables():
    """Per BMP character: the chain's output (``LENGTH`` characters of ``FLAT`` from ``FIRST``), whether it may
    compose with the character before it (``RISK``) or
    lets composition through (``ATTACHES``: combining marks and composable characters; a chunk that starts
    with any other character normalises on its own), and ``LETTER``: 1 for a letter, 3 for an Arabic one.
    ``CLASS``: the class of each output character.

    Combining marks that cannot compose only reorder under NFKC, and the chain deletes every combining
    mark, so they are safe one by one.
    """
    composes = _COMPOSES
    chars = list(map(chr, range(0x10000)))
    outputs = ["\n" if c == "\n" else chunk_clean(c) for c in chars]
    attaches = np.zeros(0x10000, np.bool_)
    risk = np.zeros(0x10000, np.bool_)
    for cp, c in enumerate(chars):
        d = unicodedata.normalize("NFKD", c)
        if d and (d[0] in composes or unicodedata.combining(d[0])):
            attaches[cp] = True
            risk[cp] = any(x in composes for x in d)
    length = np.array(list(map(len, outputs)), np.intp)
    first = np.concatenate(([0], np.cumsum(length)[:-1]))
    flat = np.frombuffer("".join(outputs).encode("utf-16-le", "surrogatepass"), np.uint16)
    letter = np.array(list(map(letter_kind, chars)), np.uint8)
    cls = np.full(0x10000, WORD, np.uint8)
    cls[[ord(" "), ord("\n")]] = SPACE
    cls[list(map(ord, PUNCT))] = PUNCTUATION
    return length, first, flat, attaches, risk, letter, cls


_COMPOSES = _composes_with_previous()
LENGTH, FIRST, FLAT, ATTACHES, RISK, LETTER, CLASS = _tables()


def attaches(c: str) -> bool:
    """Whether composition may reach through ``c`` to the character before it (see ``_tables``)."""
    if c <= "\uffff":
        return bool(ATTACHES[ord(c)])
    d = unicodedata.normalize("NFKD", c)
    return bool(d) and (d[0] in _COMPOSES or unicodedata.combining(d[0]) != 0)

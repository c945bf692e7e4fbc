"""The camel-tools normalisation chain, and a per-character view of it that keeps offsets.

The reference chain is ``normalize_unicode`` (NFKC) -> ``arclean`` -> ``dediac_ar`` for the display form,
then ``normalize_alef_ar`` -> ``normalize_alef_maksura_ar`` -> ``normalize_teh_marbuta_ar`` for the search
form. Every step except NFKC composition maps one character at a time, so the whole chain is a per-character
map wherever no composition can happen across characters. ``LP_CLEAN`` is that map made length-preserving
(deleted characters become a sentinel), so positions in the mapped text are positions in the original.
Text where NFKC could compose across characters (``COMPOSITION_RISK``), or where a character expands into
letters (mapped to ``SLOW``), goes through the real chain chunk by chunk instead.
"""

from __future__ import annotations

import re
import unicodedata
from itertools import chain

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


# Sentinels never produced by the chain (arclean deletes control characters), so they cannot collide with
# real output: DEL stands for a character the chain deletes, SLOW for one it expands into several characters
# that are not all punctuation.
DEL = "\x00"
SLOW = "\x02"
# First sentinel for a character that expands into punctuation only ("…" -> "..."), in a private-use plane
# (arclean deletes private-use characters, so these never come out of the chain either).
_EXPANSION_BASE = 0x100000

# Every character the chain can output: what arclean keeps or produces, after the letter normalisation.
_OUTPUT_ALPHABET = frozenset(
    camel_letters(
        "".join(k for k, v in _ARCLEAN._charmap.items() if v is None)
        + "".join(v for v in _ARCLEAN._charmap.values() if v)
    )
)
# Characters the reference tokenizer always cuts out as one-character tokens (punctuation and symbols).
PUNCT = frozenset(c for c in _OUTPUT_ALPHABET if simple_word_tokenize(f"a{c}a") == ["a", c, "a"])
assert all(not c.isspace() or c in " \t\n\r" for c in _OUTPUT_ALPHABET)
assert not any(unicodedata.combining(c) for c in _OUTPUT_ALPHABET)

def _punctuation_expansions() -> dict[str, str]:
    """Characters that the chain expands into punctuation only ("…" -> "..."): character -> expansion. Only
    NFKC, arclean and ``normalize_unicode``'s own fixes can expand a character; found once, here, so that
    their sentinels never depend on the order in which articles (or threads) meet them."""
    expanding = {c for c in map(chr, range(0x30000)) if unicodedata.normalize("NFKD", c) != c}
    expanding.update(k for k, v in _ARCLEAN._charmap.items() if v and len(v) > 1)
    expanding.update("\ufdfc\ufdfd")
    out = {c: camel_clean(c) for c in sorted(expanding)}
    return {c: e for c, e in out.items() if len(e) > 1 and all(x in PUNCT for x in e)}


# Sentinel -> expansion, and character -> sentinel.
_SENTINELS = {c: chr(_EXPANSION_BASE + i) for i, c in enumerate(_punctuation_expansions())}
EXPANSIONS: dict[str, str] = {sentinel: camel_clean(c) for c, sentinel in _SENTINELS.items()}


class _LengthPreserving(dict):
    """``str.translate`` table: one character in, one character out, filled in on first sight."""

    def __missing__(self, cp: int) -> int:
        c = chr(cp)
        out = camel_clean(c)
        if len(out) == 1:
            mapped = out
        elif not out:
            mapped = DEL
        else:
            mapped = _SENTINELS.get(c, SLOW)
        self[cp] = ord(mapped)
        return self[cp]


LP_CLEAN = _LengthPreserving()
for _cp in chain(range(0x700), range(0x2000, 0x2070)):  # the common part, so that no article pays for it
    LP_CLEAN[_cp]

# Letter normalisation on the display form, character by character.
LETTERS = str.maketrans({c: camel_letters(c) for c in "إأٱآىة" if camel_letters(c) != c})


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


_COMPOSES = _composes_with_previous()


def _risk_classes() -> tuple[str, str]:
    """Regex classes of characters whose NFKC may depend on the character before them.

    The first (``ATTACHES``): combining marks and composable characters; a chunk of text that starts with
    any other character normalises on its own. The second (``COMPOSITION_RISK``): those that can actually
    change the output of the chain, by composing with what precedes them directly or after the reordering of
    combining marks. Other combining marks only reorder, and the chain deletes every combining mark.
    """
    attaches, risk = [], []
    for cp in range(0x30000):
        c = chr(cp)
        d = unicodedata.normalize("NFKD", c)
        if d and (d[0] in _COMPOSES or unicodedata.combining(d[0])):
            attaches.append(c)
            if d[0] in _COMPOSES or any(x in _COMPOSES for x in d):
                risk.append(c)
    return _char_class(attaches), _char_class(risk)


def _char_class(chars: list[str]) -> str:
    """A regex character class for ``chars`` (sorted), written as ranges."""
    ranges: list[list[int]] = []
    for cp in map(ord, chars):
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    return "[" + "".join(re.escape(chr(a)) + ("-" + re.escape(chr(b)) if b > a else "") for a, b in ranges) + "]"


ATTACHES, COMPOSITION_RISK = _risk_classes()

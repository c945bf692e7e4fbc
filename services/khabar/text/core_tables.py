"""The tables the compiled normaliser (``khabar_text_core.Normaliser``) walks articles through, in its layout:
the camel-tools chain per character (``charmap``), packed here, and the proclitic rules (``tokenise``).

Every per-character table has one entry per BMP character, little-endian; ``flat`` holds the chain's output
of every character, one after the other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from khabar.text import charmap
from khabar.text.tokenise import RuleTables, rule_tables


@dataclass(frozen=True)
class CoreTables:
    # The chain: per BMP character, its output is ``length`` (uint8) characters of ``flat`` (uint16) from
    # ``first`` (uint32); whether composition may reach through it to the character before (``attaches``,
    # bool) or it may compose with that character (``risk``, bool); ``letter`` (uint8): 0 not a letter, 1 a
    # letter, 3 an Arabic letter; ``space`` (bool): what ``str.strip`` trims lines of.
    length: bytes
    first: bytes
    flat: bytes
    attaches: bytes
    risk: bytes
    letter: bytes
    space: bytes
    # Per output character: the tokenizer's class of it (uint8, ``word_class``, ``punctuation_class`` or
    # neither) and its search form (uint16).
    output_class: bytes
    search: bytes
    word_class: int
    punctuation_class: int
    # The chain itself, for the chunks where composition can happen, and what ``attaches`` and ``letter``
    # say of a character beyond the BMP.
    chunk_clean: Callable[[str], str]
    attaches_wide: Callable[[str], bool]
    letter_wide: Callable[[str], int]
    # The proclitic rules.
    proclitics: RuleTables


def core_tables() -> CoreTables:
    """The tables, from ``charmap`` and ``tokenise``."""
    assert charmap.LENGTH.max() < 256 and len(charmap.FLAT) < 1 << 32
    return CoreTables(
        length=charmap.LENGTH.astype(np.uint8).tobytes(),
        first=charmap.FIRST.astype("<u4").tobytes(),
        flat=charmap.FLAT.astype("<u2").tobytes(),
        attaches=charmap.ATTACHES.tobytes(),
        risk=charmap.RISK.tobytes(),
        letter=charmap.LETTER.tobytes(),
        space=np.array([chr(c).isspace() for c in range(0x10000)], np.bool_).tobytes(),
        output_class=charmap.CLASS.tobytes(),
        search=charmap.SEARCH.astype("<u2").tobytes(),
        word_class=charmap.WORD,
        punctuation_class=charmap.PUNCTUATION,
        chunk_clean=charmap.chunk_clean,
        attaches_wide=charmap.attaches,
        letter_wide=charmap.letter_kind,
        proclitics=rule_tables(),
    )

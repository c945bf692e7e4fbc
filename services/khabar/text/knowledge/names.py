"""The keys names are looked up under, shared by the table's build and its lookups."""

from __future__ import annotations

import re
from functools import lru_cache

from khabar.text.ner.features import key

_SPACES = re.compile(r"\s+")
_LOWER_PARTICLES = {
    "al",
    "el",
    "bin",
    "ibn",
    "bint",
    "de",
    "del",
    "della",
    "der",
    "di",
    "da",
    "du",
    "la",
    "le",
    "van",
    "von",
    "y",
    "ul",
    "ud",
    "ad",
    "as",
    "ash",
    "at",
    "az",
    "ar",
    "an",
}


@lru_cache(maxsize=1 << 15)  # an article's names repeat, and so do the stream's
def lookup_key(name: str) -> str:
    """A name as the tagger's entity key sees it (no diacritics; alef, yaa, taa marbuta unified), one space
    between words."""
    return _SPACES.sub(" ", key(name)).strip()


def place_key(name: str) -> str:
    """Places are also written with or without a space between their words (بيونغ يانغ / بيونغيانغ)."""
    return lookup_key(name).replace(" ", "")


def title_case(english: str) -> str:
    """'bashar al-assad' -> 'Bashar al-Assad': words capitalised, name particles lower case but the first."""
    words = []
    for i, word in enumerate(english.split()):
        parts = word.split("-")
        out = []
        for j, part in enumerate(parts):
            particle = part in _LOWER_PARTICLES and (i > 0 or j < len(parts) - 1)
            out.append(part if particle or not part else part[0].upper() + part[1:])
        words.append("-".join(out))
    return " ".join(words)

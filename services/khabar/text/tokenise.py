"""Proclitic splitting without a morphology database."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from khabar.text.charmap import LETTERS

# The definite article, possibly behind a conjunction (و ف) and a preposition (ب ك), and لل (ل + ال).
# Matched on the display form so that a hamza-alef (ألمانيا, إلغاء, آلاف) is not taken for the article.
_DEFINITE = r"([وف]?(?:[بك]?ال|لل))"
_DEFINITE_RE = re.compile(_DEFINITE + r"([ء-ي]{2,})")
# Words that look like article + stem but are not.
_NOT_DEFINITE = frozenset(
    "الله الذي التي الذين اللذين اللتين اللذان اللتان اللاتي اللواتي اللائي الا الي الان اليه اليها اليهم "
    "اليهما اليك اليكم الينا".split()
)
# A conjunction, a preposition, or both, before a stem that does not start with the article.
_LETTER_PROCLITICS = frozenset("و ف ب ل ك وب ول وك فب فل فك".split())
_ARABIC_WORD_RE = re.compile(r"[ء-ي]+")
# Common words that begin with a proclitic letter that is part of the word: never split on evidence.
_WORDS = frozenset(
    "ليس ليست ليسوا لكن لكنه لكنها لكنهم لدي لدى لديه لديها لديهم لدينا لماذا كانت كانوا كذلك كلما بينما "
    "بعدما بينهم بينها فيما فيها فيهم فيهما".split()
)
# Short function words often written after و / ف / ل / ب / ك; any other stem needs evidence.
_FUNCTION_STEMS = frozenset(
    "قد لم لن لا ما من في هو هي هم هما هن انا نحن انت ان كان كانت يكون تكون قال قالت ذلك هذا هذه تلك "
    "هؤلاء اذا اذ لكن ليس ليست مع عن علي بين بعد قبل حتي كما منذ ايضا غير كل بعض".split()
)


def static_proclitic(clean: str, norm: str) -> int:
    """Length of the proclitic that the word alone shows (0 if none), given its display and search forms.

    The article family (ال وال فال بال كال لل, and وبال, وكال, فلل...) when at least two letters remain and
    the display form has a bare alef; و ف ب ل (and و/ف + ب/ل) before a common function word (وقد, ولم,
    بما); و before a hamza or a present-tense prefix (وأوضح, ويقول). Written without a morphology
    database, so it errs on the side of not splitting names (بوتين, كوريا, فلاديمير).
    """
    k = _definite(clean)
    if k and norm not in _NOT_DEFINITE:
        return k
    if not _ARABIC_WORD_RE.fullmatch(norm):
        return 0
    k = _FUNCTION_WORDS.get(norm, 0)
    if k:
        return k
    return 1 if _and_verb(clean, norm) else 0


def evidence_candidates(norm: str) -> list[int]:
    """Possible proclitic lengths of a word that ``static_proclitic`` left whole, to be split off when the
    stem, or the stem with the article, occurs on its own in the same document (وكيم next to كيم)."""
    if norm in _WORDS or not _ARABIC_WORD_RE.fullmatch(norm):
        return []
    return _evidence_lengths(norm)


def _definite(clean: str) -> int:
    m = _DEFINITE_RE.fullmatch(clean)
    return 0 if m is None else len(m.group(1))


# Search form -> proclitic length, for the words that a proclitic before a function word makes (the
# shorter proclitic first; not كما, كان: words of their own).
_FUNCTION_WORDS = {
    **{p + s: 2 for p in _LETTER_PROCLITICS if len(p) == 2 and p[1] != "ك" for s in _FUNCTION_STEMS},
    **{p + s: 1 for p in _LETTER_PROCLITICS if len(p) == 1 and p != "ك" for s in _FUNCTION_STEMS},
}


def _and_verb(clean: str, norm: str) -> bool:
    return norm[0] == "و" and len(norm) >= 4 and (clean[1] in "أإآ" or (norm[1] in "يتن" and len(norm) >= 5))


def _evidence_lengths(norm: str) -> list[int]:
    if len(norm) < 4 or norm[0] not in "وفبلك":
        return []
    return [k for k in (1, 2) if norm[:k] in _LETTER_PROCLITICS and len(norm) - k >= 3]


# The same rules as tables, for the compiled loops of ``khabar_text_core`` (see ``normalise``). What the rules
# say of a word depends, besides on the whole word being Arabic and on the exceptions
# (_NOT_DEFINITE, _FUNCTION_WORDS, _WORDS), only on which of a few classes its first four characters are in
# and on its length up to 8: ``_RULES`` holds that, worked out at import by the rules themselves.
_CLASSES_AT = (
    ("و", "ف", "ب", "ك", "ل", "ا"),
    ("ب", "ك", "ل", "ا", "أإآ", "يىتن"),
    ("ا", "ل"),
    ("ل",),
)
_SHIFT_AT = (0, 3, 6, 8)
_LENGTH_SHIFT = 9
# _RULES bits: the article family's length (0-4); و + hamza or verb prefix; how many evidence splits
# (0-2); maybe a function word; maybe in _NOT_DEFINITE.
_VERB, _EVIDENCE_SHIFT, _MAYBE_FUNCTION, _MAYBE_NOT_DEFINITE = 8, 4, 64, 128


def _class_table() -> np.ndarray:
    table = np.zeros(0x10000, np.uint16)
    for at, classes in enumerate(_CLASSES_AT):
        for code, chars in enumerate(classes, 1):
            for c in chars:
                table[ord(c)] |= code << _SHIFT_AT[at]
    return table


def _rules() -> np.ndarray:
    rules = np.zeros(1 << (_LENGTH_SHIFT + 4), np.uint8)
    for key in range(len(rules)):
        length = key >> _LENGTH_SHIFT
        codes = [(key >> shift) & mask for shift, mask in zip(_SHIFT_AT, (7, 7, 3, 1))]
        if length > 8 or any(code > len(classes) for code, classes in zip(codes, _CLASSES_AT)):
            continue
        # A word of this shape: a letter that no rule looks at ("م") where the class is none of them.
        clean = "".join(classes[code - 1][0] if code else "م" for code, classes in zip(codes, _CLASSES_AT))
        clean = (clean + "م" * 8)[:length]
        norm = clean.translate(LETTERS)
        definite = _definite(clean)
        rules[key] = (
            definite
            + _VERB * (length > 1 and _and_verb(clean, norm))
            + (len(_evidence_lengths(norm)) << _EVIDENCE_SHIFT)
            + _MAYBE_FUNCTION * (length > 2 and norm[0] in "وفبل" and length <= max(map(len, _FUNCTION_WORDS)))
            + _MAYBE_NOT_DEFINITE * (definite > 0 and length <= max(map(len, _NOT_DEFINITE)))
        )
    return rules


_CLASS_AT = [_class_table() & bits for bits in (7, 0o70, 0o300, 0o400)]  # the bits of each position's class
_RULES = _rules()


@dataclass(frozen=True)
class RuleBits:
    """Where a ``_RULES`` entry keeps what (see above); the shape of a word is its length up to 8 shifted by
    ``length_shift``, or'ed with the classes of its first four characters."""

    length_shift: int
    article_mask: int
    verb: int
    evidence_shift: int
    maybe_function: int
    maybe_not_definite: int


@dataclass(frozen=True)
class RuleTables:
    """The rules, as the compiled ``Normaliser`` applies them (``core_tables``): a word's proclitic is the
    article field of ``rules[shape]`` if the word is [ء-ي]+ and not in ``not_definite`` where the table says
    it may be, else its entry in ``function_words`` where it may be one, else 1 for و + hamza or verb prefix
    (on a [ءٱ-ي]+ search form), else a split found on evidence (the stem, or ``article`` + stem, is a word of
    the same article), unless the word is in ``whole_words``."""

    class_at: tuple[bytes, ...]  # for each of a word's first four characters: uint16 per BMP character
    rules: bytes  # uint8 per shape
    bits: RuleBits
    not_definite: frozenset[str]
    function_words: dict[str, int]
    whole_words: frozenset[str]
    article: str


def rule_tables() -> RuleTables:
    """The rules as tables (see ``RuleTables``), little-endian."""
    return RuleTables(
        class_at=tuple(table.astype("<u2").tobytes() for table in _CLASS_AT),
        rules=_RULES.tobytes(),
        bits=RuleBits(
            length_shift=_LENGTH_SHIFT,
            article_mask=7,
            verb=_VERB,
            evidence_shift=_EVIDENCE_SHIFT,
            maybe_function=_MAYBE_FUNCTION,
            maybe_not_definite=_MAYBE_NOT_DEFINITE,
        ),
        not_definite=_NOT_DEFINITE,
        function_words=_FUNCTION_WORDS,
        whole_words=_WORDS,
        article="ال",
    )

"""Proclitic splitting without a morphology database."""

from __future__ import annotations

import re

# The definite article, possibly behind a conjunction (و ف) and a preposition (ب ك), and لل (ل + ال).
# Matched on the display form so that a hamza-alef (ألمانيا, إلغاء, آلاف) is not taken for the article.
_DEFINITE_RE = re.compile(r"([وف]?(?:[بك]?ال|لل))([ء-ي]{2,})")
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
    m = _DEFINITE_RE.fullmatch(clean)
    if m is not None and norm not in _NOT_DEFINITE:
        return len(m.group(1))
    if not _ARABIC_WORD_RE.fullmatch(norm):
        return 0
    for k in (1, 2):
        if norm[:k] in _LETTER_PROCLITICS and norm[k:] in _FUNCTION_STEMS and norm[k - 1] != "ك":
            return k  # not كما, كان: words of their own
    if norm[0] == "و" and len(norm) >= 4 and (clean[1] in "أإآ" or (norm[1] in "يتن" and len(norm) >= 5)):
        return 1
    return 0


def evidence_candidates(norm: str) -> list[int]:
    """Possible proclitic lengths of a word that ``static_proclitic`` left whole, to be split off when the
    stem, or the stem with the article, occurs on its own in the same document (وكيم next to كيم)."""
    if len(norm) < 4 or norm[0] not in "وفبلك" or norm in _WORDS or not _ARABIC_WORD_RE.fullmatch(norm):
        return []
    return [k for k in (1, 2) if norm[:k] in _LETTER_PROCLITICS and len(norm) - k >= 3]

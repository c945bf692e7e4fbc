"""Proclitic splitting without a morphology database."""

from __future__ import annotations

import re
from itertools import compress, repeat
from operator import getitem, methodcaller, not_

import numpy as np

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


# The same rules for all the words of a document at once, on their display forms laid out as one array of
# characters (``laid``), each word at ``starts`` with its ``lengths``, with spaces between and around them.
_MAX_FUNCTION_WORD = 2 + max(map(len, _FUNCTION_STEMS))
# Search form -> proclitic length, for the words that a proclitic before a function word makes.
_FUNCTION_WORDS = {
    **{p + s: 2 for p in _LETTER_PROCLITICS if len(p) == 2 and p[1] != "ك" for s in _FUNCTION_STEMS},
    **{p + s: 1 for p in _LETTER_PROCLITICS if len(p) == 1 and p != "ك" for s in _FUNCTION_STEMS},
}
_FROM = [slice(1, None), slice(2, None)]


def _table(*groups: str) -> np.ndarray:
    """Character -> bit mask: bit i set for the characters of ``groups[i]`` (ranges written as a-b)."""
    table = np.zeros(0x10000, np.uint16)
    for bit, group in enumerate(groups):
        for c in re.findall(".-.|.", group):
            table[ord(c[0]) : ord(c[-1]) + 1] |= 1 << bit
    return table


# Bits: letters of [ء-ي], ٱ, و ف, ب ك, ا, ل, و, أ إ آ, ي ى ت ن, و ف ب ل ك, ب ل ك.
_CLASSES = _table("ء-ي", "ٱ", "وف", "بك", "ا", "ل", "و", "أإآ", "يىتن", "وفبلك", "بلك")
_AR, _ALEF_WASLA, _WF, _BK, _A, _L, _W, _HAMZA, _PREFIX, _EV, _BLK = (1 << bit for bit in range(11))


def proclitic_lengths(laid: np.ndarray, starts: np.ndarray, lengths: np.ndarray, cleans, norms, allowed=None):
    """Proclitic length of every word: ``static_proclitic``, else a split that ``evidence_candidates``
    offers and the document supports: the stem, or the stem with the article, occurs as a word of the
    document (وكيم next to كيم), the shorter proclitic first. ``allowed(word, length)``, if given, may
    refuse a split (one inside a ligature): the word is then treated as if no rule split it.
    ``laid`` must have four spaces after the last word."""
    kinds = _CLASSES[laid]
    c0, c1, c2, c3 = (kinds[starts + i] for i in range(4))
    # Per word, how many of its characters are in [ء-ي] (low half) and how many are ٱ (high half).
    counts = np.cumsum((kinds & _AR) + ((kinds & _ALEF_WASLA).astype(np.int64) << 31), dtype=np.int64)
    inside = counts[starts + lengths - 1] - counts[starts - 1]
    arabic = inside == lengths  # the display form is [ء-ي]+
    arabic_search = (inside & 0xFFFFFFFF) + (inside >> 32) == lengths  # the search form is
    wf, bk = (c0 & _WF) > 0, (c1 & _BK) > 0
    # The article family: the first way that _DEFINITE_RE.fullmatch finds, leaving two letters or more.
    definite = np.select(
        [
            wf & bk & (c2 & _A > 0) & (c3 & _L > 0) & (lengths >= 6),
            wf & (c1 & _A > 0) & (c2 & _L > 0) & (lengths >= 5),
            wf & (c1 & _L > 0) & (c2 & _L > 0) & (lengths >= 5),
            (c0 & _BK > 0) & (c1 & _A > 0) & (c2 & _L > 0) & (lengths >= 5),
            (c0 & _A > 0) & (c1 & _L > 0) & (lengths >= 4),
            (c0 & _L > 0) & (c1 & _L > 0) & (lengths >= 4),
        ],
        [4, 3, 3, 3, 2, 2],
        0,
    )
    found = (definite > 0) & arabic
    result = np.where(found, definite, 0)
    short = np.flatnonzero(found & (lengths <= max(map(len, _NOT_DEFINITE)))).tolist()
    result[[i for i, no in zip(short, map(_NOT_DEFINITE.__contains__, map(norms.__getitem__, short))) if no]] = 0
    # A proclitic before a function word; و before a hamza or a present-tense prefix.
    maybe = np.flatnonzero((result == 0) & (c0 & (_WF | _BK | _L) > 0) & (lengths <= _MAX_FUNCTION_WORD)).tolist()
    result[maybe] = list(map(_FUNCTION_WORDS.get, map(norms.__getitem__, maybe), repeat(0)))
    verb = (c0 & _W > 0) & arabic_search & ((c1 & _HAMZA > 0) & (lengths >= 4) | (c1 & _PREFIX > 0) & (lengths >= 5))
    result[(result == 0) & verb] = 1
    if allowed is not None:
        split = np.flatnonzero(result).tolist()
        result[[i for i, k in zip(split, result[split].tolist()) if not allowed(i, k)]] = 0
    # Splits on evidence.
    candidates = np.flatnonzero((result == 0) & (c0 & _EV > 0) & arabic_search & (lengths >= 4)).tolist()
    candidates = list(compress(candidates, map(not_, map(_WORDS.__contains__, map(norms.__getitem__, candidates)))))
    if candidates:
        evidence = set(cleans)  # the words, and the stems of those written with the article
        evidence.update(map(getitem, compress(cleans, map(methodcaller("startswith", "ال"), cleans)), repeat(_FROM[1])))
        evidence_options = []  # (word, proclitic lengths to try)
        twos = ((c0 & _WF > 0) & (c1 & _BLK > 0) & (lengths >= 5))[candidates].tolist()
        words = list(map(cleans.__getitem__, candidates))
        by_one = map(evidence.__contains__, map(getitem, words, repeat(_FROM[0])))
        by_two = map(evidence.__contains__, map(getitem, words, repeat(_FROM[1])))
        for i, one, two, may_two in zip(candidates, by_one, by_two, twos):
            if one or two and may_two:
                evidence_options.append((i, (1, 2) if may_two else (1,)))
        for i, options in evidence_options:
            clean = cleans[i]
            for k in options:
                if clean[k:] in evidence and (allowed is None or allowed(i, k)):
                    result[i] = k
                    break
    return result

"""Proclitic splitting without a morphology database."""

from __future__ import annotations

import re
from itertools import compress, repeat
from operator import not_

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


# The same rules for all the words of a document at once, on their display forms laid out as one array of
# characters (``laid``), each word at ``starts`` with its ``lengths``, with spaces between and around them.
# What the rules say of a word depends, besides on the whole word being Arabic and on the exceptions
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
_FROM = [slice(1, None), slice(2, None)]
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
# Characters of [ء-ي] count 1 and ٱ counts 1 << 32, so that a sum over a word tells whether its display form
# is [ء-ي]+ and whether its search form is.
_WEIGHT = np.full(0x10000, 1 << 40, np.int64)
_WEIGHT[0x621:0x64B] = 1
_WEIGHT[ord("ٱ")] = 1 << 32


def proclitic_lengths(
    laid: np.ndarray, starts: np.ndarray, lengths: np.ndarray, cleans, norms, documents, allowed=None
) -> np.ndarray:
    """Proclitic length of every word: ``static_proclitic``, else a split that ``evidence_candidates``
    offers and the document supports: the stem, or the stem with the article, occurs as a word of the
    document (وكيم next to كيم), the shorter proclitic first. The words of document ``i`` are those from
    ``documents[i]`` to ``documents[i + 1]``. ``allowed(words, lengths)``, if given, says which of these
    splits may be made (not one inside a ligature): a word whose rule split is refused is treated as if no
    rule split it.
    ``laid`` must have four spaces after the last word."""
    shape = np.minimum(lengths, 8) << _LENGTH_SHIFT
    for at, table in enumerate(_CLASS_AT):  # each of the first four characters' class at its position
        shape |= table[laid[starts + at]]
    rules = _RULES[shape]
    counts = np.cumsum(_WEIGHT[laid])
    inside = counts[starts + lengths - 1] - counts[starts - 1]
    arabic = inside == lengths  # the display form is [ء-ي]+
    arabic_search = (inside & 0xFFFFFFFF) + (inside >> 32) == lengths  # the search form is
    result = np.where(arabic, rules & 7, 0)
    maybe = np.flatnonzero(rules & (_MAYBE_NOT_DEFINITE * arabic)).tolist()
    result[list(compress(maybe, map(_NOT_DEFINITE.__contains__, map(norms.__getitem__, maybe))))] = 0
    maybe = np.flatnonzero((result == 0) & (rules & _MAYBE_FUNCTION > 0)).tolist()
    result[maybe] = list(map(_FUNCTION_WORDS.get, map(norms.__getitem__, maybe), repeat(0)))
    result[(result == 0) & (rules & _VERB > 0) & arabic_search] = 1
    if allowed is not None:
        split = np.flatnonzero(result)
        result[split[~allowed(split, result[split])]] = 0
    # Splits on evidence.
    options = (rules >> _EVIDENCE_SHIFT) & 3
    candidates = np.flatnonzero((result == 0) & (options > 0) & arabic_search)
    if not len(candidates):
        return result
    found = _Words(laid, starts, lengths, documents, cleans)
    by_one, by_two = found.stems(candidates)
    if allowed is not None:
        by_one &= allowed(candidates, 1)
        by_two &= allowed(candidates, 2)
    by_two &= options[candidates] > 1
    split = np.flatnonzero(by_one | by_two)
    words = candidates[split].tolist()
    lengths = np.where(by_one[split], 1, 2).tolist()
    for i, k in compress(zip(words, lengths), map(not_, map(_WORDS.__contains__, map(norms.__getitem__, words)))):
        result[i] = k
    return result


class _Words:
    """Which stems occur as words (or as words with the article) of their own document, found with numpy.
    A word is described by its first eight characters packed in two integers, and its length and document in
    a third; equal words are described alike, and a description tells a word of up to eight characters
    exactly. Descriptions are sorted by a key that mixes them; a longer stem that some word is described as
    is compared as a string."""

    def __init__(self, laid, starts, lengths, documents, cleans) -> None:
        self.laid = laid
        self.starts, self.lengths, self.cleans = starts, lengths, cleans
        self.document = np.repeat(np.arange(len(documents) - 1, dtype=np.uint64), np.diff(documents))
        self.documents = documents
        parts = self._parts(self._window(starts), self._window(starts + 4), lengths, self.document)
        keys = self._key(parts)
        self.order = np.argsort(keys)
        self.keys = keys[self.order]
        self.parts = [part[self.order] for part in parts]

    def _window(self, at: np.ndarray) -> np.ndarray:
        """The four characters from each of ``at``, packed in one integer (past the end: anything)."""
        last = len(self.laid) - 1
        window = self.laid[at].astype(np.uint64)
        for i in (1, 2, 3):
            window |= self.laid[np.minimum(at + i, last)].astype(np.uint64) << (16 * i)
        return window

    @staticmethod
    def _parts(first, second, lengths, document) -> list[np.ndarray]:
        first = first & _MASKS[np.clip(lengths, 0, 4)]
        second = second & _MASKS[np.clip(lengths - 4, 0, 4)]
        return [first, second, lengths.astype(np.uint64) | document << 32]

    @staticmethod
    def _key(parts: list[np.ndarray]) -> np.ndarray:
        return parts[0] * _MIX[0] + parts[1] * _MIX[1] + parts[2] * _MIX[2]

    def stems(self, words: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Whether the stem after the first character of each of ``words``, or that stem with the article,
        is a word of the same document; and the same for the stem after the first two characters. (All
        four questions asked at once: numpy calls cost much more than their work on a batch.)"""
        n = len(words)
        words = np.tile(words, 4)
        k = np.repeat(np.array([1, 2, 1, 2]), n)
        article = np.repeat(np.array([0, 0, 2, 2]), n)  # the article's length
        at = self.starts[words] + k
        lengths = self.lengths[words] - k + article
        first = self._window(at)
        first[2 * n :] = first[2 * n :] << 32 | _ARTICLE
        parts = self._parts(first, self._window(at + 4 - article), lengths, self.document[words])
        keys = self._key(parts)
        # Looked up in order: several times faster than in any order.
        order = np.argsort(keys)
        same = np.empty_like(order)
        same[order] = np.minimum(np.searchsorted(self.keys, keys[order]), len(self.keys) - 1)
        alike = self.keys[same] == keys
        found = alike.copy()
        for mine, theirs in zip(parts, self.parts):
            found &= theirs[same] == mine
        # Stems longer than eight characters, and the astronomically rare keys alike of different words: the
        # stem is compared with the word found, then looked up among the words of its document.
        unsure = np.flatnonzero(found & (lengths > 8) | alike & ~found)
        cleans, documents = self.cleans, self.documents
        of_document: dict[int, set[str]] = {}  # made when first needed
        rows = zip(unsure.tolist(), words[unsure].tolist(), (parts[2][unsure] >> 32).tolist(), same[unsure].tolist())
        for i, word, d, alike_word in rows:
            stem = "ال"[: article[i]] + cleans[word][k[i] :]
            if cleans[alike_word] == stem:
                found[i] = True
                continue
            if d not in of_document:
                of_document[d] = set(cleans[documents[d] : documents[d + 1]])
            found[i] = stem in of_document[d]
        found = found.reshape(4, n)
        return found[0] | found[2], found[1] | found[3]


# Packed characters: masks that keep the first 0 to 4, and "ال" as the first two.
_MASKS = np.array([0, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFFFFFF, 0xFFFFFFFFFFFFFFFF], np.uint64)
_ARTICLE = np.uint64(ord("ا") | ord("ل") << 16)
# Odd multipliers that mix the parts of a key.
_MIX = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9], np.uint64)

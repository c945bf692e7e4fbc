"""Word tokens as ``simple_word_tokenize`` cuts them, and proclitic splitting without a morphology database."""

from __future__ import annotations

import re

from khabar.text.charmap import DELETED, PUNCT

# On the normalised text, simple_word_tokenize splits at whitespace and cuts out each punctuation or symbol
# character. Deleted characters (sentinels) are transparent: they neither start nor end a word, nor split it.
# Private-use plane 16 holds the sentinels of punctuation-only expansions ("…").
_P = "".join(re.escape(c) for c in sorted(PUNCT)) + "\U00100000-\U0010fffd"
_D = re.escape(DELETED)
TOKEN_RE = re.compile(rf"[{_P}]|[^\s{_P}{_D}](?:[^\s{_P}]*[^\s{_P}{_D}])?")

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
# Short function words often written after و / ف / ل / ب / ك; any other stem needs evidence.
_FUNCTION_STEMS = frozenset(
    "قد لم لن لا ما من في هو هي هم هما هن انا نحن انت ان ان كان كانت يكون تكون قال قالت ذلك هذا هذه تلك "
    "هؤلاء اذا اذ لكن ليس ليست مع عن علي بين بعد قبل حتي كما منذ ايضا غير كل بعض".split()
)


def split_proclitic(clean: str, norm: str, vocabulary: set[str] | frozenset[str]) -> int:
    """Length of the proclitic at the start of a word (0 if none), given its display and search forms.

    Rules, in order: the article family (ال وال فال بال كال لل and وبال, وكال, فلل...) when at least two
    letters remain and the display form has a bare alef; a single conjunction or preposition (و ف ب ل ك,
    or و/ف + ب/ل/ك) when what remains is a word seen on its own in the same document (``vocabulary``), a
    common function word, or, after و, starts with a hamza or with a present-tense prefix (ويقول, وأوضح). Stems of two letters
    only count as function words (وقد, ولم, بما).
    Written without a morphology database, so it errs on the side of not splitting names (بوتين, كوريا).
    """
    m = _DEFINITE_RE.fullmatch(clean)
    if m is not None and norm not in _NOT_DEFINITE:
        return len(m.group(1))
    if not _ARABIC_WORD_RE.fullmatch(norm):
        return 0
    for k in (1, 2):
        prefix, stem = norm[:k], norm[k:]
        if prefix in _LETTER_PROCLITICS and len(stem) >= 2:
            if len(stem) >= 3 and (stem in vocabulary or "ال" + stem in vocabulary):
                return k
            if stem in _FUNCTION_STEMS and prefix[-1] != "ك":  # كما, كان are words of their own
                return k
    if norm[0] == "و" and len(norm) >= 4 and (clean[1] in "أإآ" or (norm[1] in "يتن" and len(norm) >= 5)):
        return 1
    return 0

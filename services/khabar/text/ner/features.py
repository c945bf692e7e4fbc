"""Per-word-type features shared by training (crfsuite) and numpy inference.

Every feature depends on one word only; context enters as the same features of the neighbours
under an offset prefix ("-1:w=..."). That keeps the model linear per (offset, word type), so at run
time each word type's contribution is summed once, cached, and the sentence score is a gather.
"""

from __future__ import annotations

import re
from functools import lru_cache

from khabar.text.core import WordKeys

_DIACRITICS = re.compile("[\u064b-\u0652\u0670\u0640]")
_KEY_MAP = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه"})
_ARABIC = re.compile("[\u0621-\u064a]")
_LATIN = re.compile("[A-Za-z]")
_DIGIT = re.compile("[0-9\u0660-\u0669]")

# Conjunction/preposition/article proclitics, longest first (applied to the key form).
_PROCLITICS = (
    "وبال",
    "وكال",
    "وفال",
    "فبال",
    "وال",
    "فال",
    "بال",
    "كال",
    "ولل",
    "فلل",
    "لل",
    "ال",
    "وب",
    "ول",
    "وك",
    "فب",
    "فل",
    "و",
    "ف",
    "ب",
    "ل",
    "ك",
)
_MIN_STEM = 2
_BY_FIRST = {c: tuple(p for p in _PROCLITICS if p[0] == c) for c in {p[0] for p in _PROCLITICS}}


def clean(text: str) -> str:
    """Display normalisation: no diacritics or tatweel."""
    return _DIACRITICS.sub("", text)


@lru_cache(maxsize=1 << 16)  # news repeats its words: most calls are for a word seen recently
def key(text: str) -> str:
    """Matching key: clean + alef/yaa/taa-marbuta unified (spelling varies across sources)."""
    return _DIACRITICS.sub("", text).translate(_KEY_MAP)


def sentence_keys(sentences: list[list[str]]) -> list[list[str]]:
    """`key` of every word, sentence by sentence, compiled: entity extraction wants the key of every token of an
    article, and a call of `key` per token took 9% of the worker's time per article (py-spy)."""
    return _word_keys().sentences(sentences)


@lru_cache(maxsize=1)
def _word_keys() -> WordKeys:
    tables = core_tables()
    return WordKeys(tables["dropped"], tables["unified"])


def strip_proclitics(k: str) -> tuple[str, str]:
    """(proclitic, stem) of a key-normalised word; proclitic may be ''."""
    for p in _BY_FIRST.get(k[:1], ()):
        if k.startswith(p) and len(k) - len(p) >= _MIN_STEM:
            return p, k[len(p) :]
    return "", k


def lookup_forms(k: str) -> list[str]:
    """Forms to look a word up under in name lists: itself, minus conjunction/preposition, minus article."""
    forms = [k]
    for p in _BY_FIRST.get(k[:1], ()):
        if k.startswith(p) and len(k) - len(p) >= _MIN_STEM:
            forms.append(k[len(p) :])
            # "لل" = ل + article: the list may hold the article form.
            if p.endswith("لل"):
                forms.append("ال" + k[len(p) :])
    return forms


def core_tables() -> dict:
    """The character classes and proclitics above, as the compiled scorer (``khabar_text_core.WordScorer``)
    takes them: it decides no form itself. Every class lies in the BMP."""
    bmp = [chr(c) for c in range(0x10000) if not 0xD800 <= c < 0xE000]

    def members(pattern: re.Pattern) -> str:
        return "".join(c for c in bmp if pattern.match(c))

    return {
        "dropped": members(_DIACRITICS),
        "unified": {chr(a): b for a, b in _KEY_MAP.items()},
        "arabic": members(_ARABIC),
        "digit": members(_DIGIT),
        "latin": members(_LATIN),
        "proclitics": list(_PROCLITICS),
        "min_stem": _MIN_STEM,
    }


def shape(word: str) -> str:
    if _ARABIC.search(word):
        return "ar" if not _DIGIT.search(word) else "ar9"
    if _DIGIT.search(word):
        return "9"
    if _LATIN.search(word):
        return "lat"
    return "p:" + word[:3]


class FeatureExtractor:
    """`gazetteers`: name -> {"B": first-token keys, "I": later-token keys}; `freq`: key -> Zipf frequency
    bin in general Arabic text (absent = rare). Names are mostly rare words; common words that are
    also names (سعيد، كريم) are what the bin lets the model discount."""

    def __init__(
        self,
        gazetteers: dict[str, dict[str, set[str]]] | None = None,
        freq: dict[str, int] | None = None,
        subwords=None,
        clusters=None,
    ):
        self.gazetteers = gazetteers or {}
        self.freq = freq or {}
        self.subwords = subwords  # SubwordClusters or None
        self.clusters = clusters  # archive.WordClusters or None: learned from a desk's unlabeled articles
        # One dict lookup per form instead of one per list: key -> names of the lists holding it.
        self._index: dict[str, list[str]] = {}
        for name, parts in sorted(self.gazetteers.items()):
            for part, entries in sorted(parts.items()):
                for e in entries:
                    self._index.setdefault(e, []).append(f"{part}={name}")

    def type_feats(self, word: str) -> tuple[list[str], list[str]]:
        """(features of the word at offset 0, features it contributes as a neighbour)."""
        k = key(word)
        sh = shape(word)
        if sh != "ar":
            core = ["w=" + k, "sh=" + sh]
            return core, list(core)
        pro, stem = strip_proclitics(k)
        core = [
            "w=" + k,
            "s=" + stem,
            "pro=" + pro,
            "sh=ar",
            "sp2=" + stem[:2],
            "sp3=" + stem[:3],
            "x1=" + k[-1:],
            "x2=" + k[-2:],
            "x3=" + k[-3:],
            "len=" + str(min(len(stem), 9)),
        ]
        ctx = ["w=" + k, "s=" + stem, "pro=" + pro, "x2=" + k[-2:]]
        index = self._index
        forms = lookup_forms(k)
        exact = index.get(k, ())
        gaz = ["g" + g for g in exact]
        for form in forms[1:]:
            gaz.extend("gs" + g for g in index.get(form, ()) if g not in exact)
        gaz = sorted(set(gaz))
        core.extend(gaz)
        ctx.extend(gaz)
        if self.freq:
            fq = ["fq=" + str(self.freq.get(k, 1)), "sfq=" + str(self.freq.get(stem, 1))]
            core.extend(fq)
            ctx.extend(fq)
        if self.subwords is not None:
            sw = self.subwords.features(clean(word))
            core.extend(sw)
        if self.clusters is not None:
            wc = self.clusters.features(k, stem)
            core.extend(wc)
            ctx.extend(wc)
        return core, ctx

    def cluster_feats(self, word: str) -> list[str]:
        """The archive-cluster features of type_feats, the same at every offset (the last features of both
        lists); the compiled scorer computes all the others."""
        if self.clusters is None or shape(word) != "ar":
            return []
        k = key(word)
        return self.clusters.features(k, strip_proclitics(k)[1])


PAD_BOS = "\x02"
PAD_EOS = "\x03"
PAD_FEATS = {PAD_BOS: (["BOS"], ["BOS"]), PAD_EOS: (["EOS"], ["EOS"])}


def sentence_attributes(words: list[str], offsets: tuple[int, ...], feats_of) -> list[list[str]]:
    """crfsuite attribute lists for one sentence (training path; inference sums the same weights)."""
    n = len(words)
    per = [feats_of(w) for w in words]
    out = []
    for i in range(n):
        attrs: list[str] = []
        for o in offsets:
            j = i + o
            if o == 0:
                attrs.extend("0:" + f for f in per[i][0])
            elif 0 <= j < n:
                attrs.extend(f"{o}:{f}" for f in per[j][1])
            else:
                attrs.append(f"{o}:" + ("BOS" if j < 0 else "EOS"))
        out.append(attrs)
    return out

"""Mentions (typed spans with character offsets) and per-article canonical entities."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any, Protocol

from .data import spans
from .features import clean, key, sentence_keys

_ALEF = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا"})
_ARTICLE_PREFIX = re.compile("^([وفبك]{1,2})(?=ال..)")  # وال/بال/فال/كال/وبال...: strip before the article
_LL_PREFIX = re.compile("^([وف]?لل)(?=..)")  # لل = ل + article with its alef dropped
_ONE_PREFIX = re.compile("^([وفبلك]{1,2})(?=...)")


class TokenLike(Protocol):  # read-only members, as the normaliser's Token (a NamedTuple) has them
    @property
    def text(self) -> str: ...
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def stem(self) -> str: ...
    @property
    def stem_start(self) -> int: ...


class SpanLike(Protocol):
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...


@dataclass
class Mention:
    type: str
    text: str
    start: int
    end: int
    confidence: float

    def to_dict(self) -> dict:
        # Spelled out: dataclasses.asdict (recursive, deep-copying) took 6% of a worker's time per article.
        return {
            "type": self.type,
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "confidence": self.confidence,
        }


@dataclass
class Entity:
    name: str
    type: str
    count: int
    first_offset: int
    aliases: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "type": self.type,
            "count": self.count,
            "first_offset": self.first_offset,
            "aliases": list(self.aliases),
        }


def _display(s: str) -> str:
    return clean(s).translate(_ALEF)


def _strip_first(tok, standalone: set[str]) -> tuple[int, str]:
    """Characters to skip at the start of a mention's first token, and a prefix to add to its name.

    Before an article the proclitics are unambiguous. A bare one-letter proclitic is ambiguous
    (لبنان, كوريا, فلاديمير start with one), so strip it only when the rest stands alone elsewhere
    in the article, or when the normaliser's own analysis put the stem after it.
    """
    w = tok.text
    m = _ARTICLE_PREFIX.match(w)
    if m:
        return m.end(), ""
    m = _LL_PREFIX.match(w)
    if m:
        return m.end(), "ال"
    m = _ONE_PREFIX.match(w)
    if m:
        for n in range(m.end(), 0, -1):
            if key(w[n:]) in standalone:
                return n, ""
        analysed = getattr(tok, "stem_start", tok.start) - tok.start
        if 0 < analysed <= m.end():
            return analysed, ""
    return 0, ""


_START = attrgetter("start")


def _group(tokens: Sequence[TokenLike], sentences: Sequence[SpanLike]) -> list[list[TokenLike]]:
    if not sentences:
        return [list(tokens)] if tokens else []
    groups: list[list[TokenLike]] = [[] for _ in sentences]
    si = 0
    bounds = sorted(range(len(sentences)), key=lambda i: sentences[i].start)
    for tok in sorted(tokens, key=_START):
        while si < len(bounds) - 1 and tok.start >= sentences[bounds[si]].end:
            si += 1
        groups[bounds[si]].append(tok)
    return [g for g in groups if g]


_WORDLIKE = re.compile(r"\w")
# A name found once is looked for again in the same article: a repeated "كيم" or "بوتين" the tagger
# missed in a weaker context. These mentions get this confidence, not a model probability.
PROPAGATED_CONFIDENCE = 0.5
_COMMON_BIN = 4
_PERS_LOC = ("PERS", "LOC")  # single name words at least this common in general Arabic are not propagated


# Names a caller knows from outside the tagger (the knowledge's well-known places of the countries an article is
# about) are found in untagged words as repeats are, rare words only (bin <= 3: frequent words that are also place
# names, ليل Lille or "night", القائم Al-Qa'im or "the acting", are left to the tagger), with this confidence.
LEXICON_CONFIDENCE = 0.4
_LEXICON_MAX_BIN = 3


class Lexicon(Protocol):
    """Single words (keys) known from outside the tagger, where an article's tagged names make them likely."""

    @property
    def words(self) -> AbstractSet[str]:
        """Every word it may know."""
        ...

    def known(self, tagged: list[tuple[str, str]], candidates: set[str]) -> Mapping[str, str]:
        """Of `candidates` (words of `words`), those likely in an article with these tagged (name, type) pairs,
        with their type."""
        ...


def extract_entities(
    text: str, tokens: Sequence[TokenLike], sentences: Sequence[SpanLike], tagger, lexicon: Lexicon | None = None
) -> tuple[list[Mention], list[Entity]]:
    groups = _group(tokens, sentences)
    words = [[t.text for t in g] for g in groups]
    tagged = tagger.tag_sentences(words)
    # Every token is in one group: its key is worked out once, for the article's set and for _propagate.
    group_keys = sentence_keys(words)
    standalone = set().union(*group_keys)
    names: dict[str, set[str]] = getattr(tagger, "names", {}) or {}
    freq: dict[str, int] = getattr(getattr(tagger, "extractor", None), "freq", {}) or {}

    found = []  # (group index, start, end, type, confidence)
    for gi, (group, tags) in enumerate(zip(groups, tagged)):
        for s, e, typ in spans([lab for lab, _ in tags]):
            # Quotes and brackets the tagger put at an edge are not part of the name.
            while s < e and not _WORDLIKE.search(group[s].text):
                s += 1
            while e > s and not _WORDLIKE.search(group[e - 1].text):
                e -= 1
            if s < e:
                found.append((gi, s, e, typ, sum(c for _, c in tags[s:e]) / (e - s)))
    extra = _from_lexicon(groups, found, standalone, freq, lexicon) if lexicon is not None else {}
    found += _propagate(groups, group_keys, found, standalone, freq, extra)

    mentions: list[Mention] = []
    name_of: list[str] = []
    for gi, s, e, typ, conf in sorted(found, key=lambda f: groups[f[0]][f[1]].start):
        group = groups[gi]
        skip, add = _strip_first(group[s], standalone)
        start = group[s].start + skip
        end = group[e - 1].end
        name = add + _display(" ".join([text[start : group[s].end]] + [t.text for t in group[s + 1 : e]]))
        # Foreign names fool the tagger between person and place (بيونج يانج tagged as a person):
        # a whole multi-word name found in exactly one of the two lists settles it.
        if typ in _PERS_LOC:
            listed = [t for t in _PERS_LOC if key(name) in names.get(t, ())]
            if len(listed) == 1:
                typ = listed[0]
        mentions.append(Mention(typ, text[start:end], start, end, round(conf, 4)))
        name_of.append(name)
    return mentions, _entities(mentions, name_of)


def _bare(tok, standalone: set[str]) -> str:
    skip, add = _strip_first(tok, standalone)
    return add + key(tok.text[skip:])


def _propagate(
    groups, group_keys, found, standalone: set[str], freq: dict[str, int], extra: dict[str, str] | None = None
) -> list[tuple]:
    """Untagged repeats of names tagged elsewhere in the article: the whole name, and for people
    the first and last word of a multi-word name (كيم of كيم جونج أون, بوتين of فلاديمير بوتين); and the
    single `extra` words (a lexicon's) with their type, at LEXICON_CONFIDENCE."""
    known: dict[tuple[str, ...], tuple[str, float]] = {}
    taken: set[tuple[int, int]] = set()
    for gi, s, e, typ, _ in found:
        group = groups[gi]
        seq = tuple([_bare(group[s], standalone)] + [key(t.text) for t in group[s + 1 : e]])
        known.setdefault(seq, (typ, PROPAGATED_CONFIDENCE))
        if typ == "PERS" and len(seq) > 1:
            for part in (seq[0], seq[-1]):
                if len(part) >= 3 and freq.get(part, 1) < _COMMON_BIN:
                    known.setdefault((part,), (typ, PROPAGATED_CONFIDENCE))
        taken.update((gi, i) for i in range(s, e))
    for word, typ in (extra or {}).items():
        known.setdefault((word,), (typ, LEXICON_CONFIDENCE))
    if not known:
        return []
    longest = max(len(k) for k in known)
    firsts = {k[0] for k in known}
    # A bare form is a suffix of the token's key (key works character by character), after "ال" or not: a token
    # with no suffix among these can start no known name, and its _bare (22% of extract_entities) is skipped.
    # As a tuple for str.endswith, which tries them in C: a suffix test per length in Python took 14% of
    # extract_entities (cProfile, 1,000 new SaudiNewsNet articles).
    tails = tuple(firsts | {f[2:] for f in firsts if f.startswith("ال")})
    bare_of: dict[tuple[str, int], str] = {}  # one _bare per word and split, not per token
    out = []
    for gi, (group, keys) in enumerate(zip(groups, group_keys)):
        after = 0  # a match starts past the previous one
        # Only the tokens whose key ends with a tail can start a name (if "" were a first, every key would).
        for i in [i for i, k in enumerate(keys) if k.endswith(tails)]:
            if i < after or (gi, i) in taken:
                continue
            tok = group[i]
            split = (tok.text, getattr(tok, "stem_start", tok.start) - tok.start)
            bare = bare_of.get(split)
            if bare is None:
                bare = bare_of[split] = _bare(tok, standalone)
            if bare not in firsts:
                continue
            for n in range(min(longest, len(group) - i), 0, -1):
                if any((gi, j) in taken for j in range(i, i + n)):
                    continue
                seq = (bare, *keys[i + 1 : i + n])
                if seq in known:
                    out.append((gi, i, i + n, *known[seq]))
                    after = i + n
                    break
    return out


def _from_lexicon(groups, found, standalone: set[str], freq: dict[str, int], lexicon: Lexicon) -> dict[str, str]:
    """The lexicon's words this article may hold bare (its rare words, proclitics stripped), that its tagged names
    make likely."""
    # A bare form is a word's key, or its key without one or two proclitic letters: the lexicon is asked once
    # about those of the article's distinct words (asked per token, at ~750 tokens an article, this took 3.7 ms).
    once = {k[1:] for k in standalone if k[:1] in _PROCLITIC_LETTERS}
    forms = (standalone | once | {k[1:] for k in once if k[:1] in _PROCLITIC_LETTERS}) & lexicon.words
    candidates = {form for form in forms if freq.get(form, 1) <= _LEXICON_MAX_BIN}
    if not candidates:
        return {}
    tagged = [(" ".join(t.text for t in groups[gi][s:e]), typ) for gi, s, e, typ, _ in found]
    return dict(lexicon.known(tagged, candidates))


_PROCLITIC_LETTERS = frozenset("وفبلك")


def _entities(mentions: list[Mention], names: list[str]) -> list[Entity]:
    by_key: dict[str, list[int]] = defaultdict(list)
    for i, name in enumerate(names):
        by_key[key(name)].append(i)
    # One type per name: the majority over its mentions (first seen on ties).
    info: dict[str, dict[str, Any]] = {}
    for k, idx in by_key.items():
        if len(idx) == 1:  # most names: nothing to vote on
            typ, surf = mentions[idx[0]].type, names[idx[0]]
        else:
            types = Counter(mentions[i].type for i in idx)
            typ = max(types, key=lambda t: (types[t], -min(mentions[i].start for i in idx if mentions[i].type == t)))
            surf = Counter(names[i] for i in idx).most_common(1)[0][0]
        info[k] = {"type": typ, "name": surf, "idx": idx, "toks": k.split()}
    # Short person names merge into the longer name that contains them as whole words
    # (بوتين -> فلاديمير بوتين, كيم -> كيم جونج أون); ambiguity goes to the more frequent one.
    target = {k: k for k in info}
    # A longer name that contains a short one holds its first word: looked for among the names with that word,
    # not among every name of the article (in the names' order, which breaks ties as before).
    persons = [k for k, v in info.items() if v["type"] == "PERS"]
    persons_with: dict[str, list[str]] = defaultdict(list)
    for k in persons:
        for word in dict.fromkeys(info[k]["toks"]):
            persons_with[word].append(k)
    for k, v in sorted(info.items(), key=lambda kv: len(kv[1]["toks"])):
        if v["type"] != "PERS":
            continue
        n = len(v["toks"])
        cands = [
            k2
            for k2 in (persons_with.get(v["toks"][0], ()) if n else persons)
            if len((v2 := info[k2])["toks"]) > n
            and any(v2["toks"][j : j + n] == v["toks"] for j in range(len(v2["toks"]) - n + 1))
        ]
        if cands:
            target[k] = max(cands, key=lambda c: (len(info[c]["idx"]), -min(mentions[i].start for i in info[c]["idx"])))
    merged: dict[str, list[str]] = defaultdict(list)
    for k in info:
        t = k
        while target[t] != t:
            t = target[t]
        merged[t].append(k)
    out = []
    for root, members in merged.items():
        idx = [i for m in members for i in info[m]["idx"]]
        aliases = sorted({info[m]["name"] for m in members} - {info[root]["name"]})
        out.append(
            Entity(info[root]["name"], info[root]["type"], len(idx), min(mentions[i].start for i in idx), aliases)
        )
    out.sort(key=lambda e: e.first_offset)
    return out

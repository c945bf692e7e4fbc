"""Mentions (typed spans with character offsets) and per-article canonical entities."""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from typing import Protocol, Sequence

from .data import spans
from .features import clean, key

_ALEF = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا"})
_ARTICLE_PREFIX = re.compile("^([وفبك]{1,2})(?=ال..)")   # وال/بال/فال/كال/وبال...: strip before the article
_LL_PREFIX = re.compile("^([وف]?لل)(?=..)")                # لل = ل + article with its alef dropped
_ONE_PREFIX = re.compile("^([وفبلك]{1,2})(?=...)")


class TokenLike(Protocol):
    text: str
    start: int
    end: int
    stem: str
    stem_start: int


class SpanLike(Protocol):
    start: int
    end: int


@dataclass
class Mention:
    type: str
    text: str
    start: int
    end: int
    confidence: float

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Entity:
    name: str
    type: str
    count: int
    first_offset: int
    aliases: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


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


def _group(tokens: Sequence[TokenLike], sentences: Sequence[SpanLike]) -> list[list[TokenLike]]:
    if not sentences:
        return [list(tokens)] if tokens else []
    groups: list[list[TokenLike]] = [[] for _ in sentences]
    si = 0
    bounds = sorted(range(len(sentences)), key=lambda i: sentences[i].start)
    for tok in sorted(tokens, key=lambda t: t.start):
        while si < len(bounds) - 1 and tok.start >= sentences[bounds[si]].end:
            si += 1
        groups[bounds[si]].append(tok)
    return [g for g in groups if g]


def extract_entities(text: str, tokens: Sequence[TokenLike], sentences: Sequence[SpanLike], tagger
                     ) -> tuple[list[Mention], list[Entity]]:
    groups = _group(tokens, sentences)
    tagged = tagger.tag_sentences([[t.text for t in g] for g in groups])
    standalone = {key(t.text) for t in tokens}
    mentions: list[Mention] = []
    name_of: list[str] = []
    for group, tags in zip(groups, tagged):
        labels = [lab for lab, _ in tags]
        for s, e, typ in spans(labels):
            skip, add = _strip_first(group[s], standalone)
            start = group[s].start + skip
            end = group[e - 1].end
            conf = sum(c for _, c in tags[s:e]) / (e - s)
            mentions.append(Mention(typ, text[start:end], start, end, round(conf, 4)))
            name_of.append(add + _display(" ".join([text[start:group[s].end]] + [t.text for t in group[s + 1:e]])))
    return mentions, _entities(mentions, name_of)


def _entities(mentions: list[Mention], names: list[str]) -> list[Entity]:
    by_key: dict[str, list[int]] = defaultdict(list)
    for i, n in enumerate(names):
        by_key[key(n)].append(i)
    # One type per name: the majority over its mentions (first seen on ties).
    info = {}
    for k, idx in by_key.items():
        types = Counter(mentions[i].type for i in idx)
        typ = max(types, key=lambda t: (types[t], -min(mentions[i].start for i in idx if mentions[i].type == t)))
        surf = Counter(names[i] for i in idx).most_common(1)[0][0]
        info[k] = {"type": typ, "name": surf, "idx": idx, "toks": k.split()}
    # Short person names merge into the longer name that contains them as whole words
    # (بوتين -> فلاديمير بوتين, كيم -> كيم جونج أون); ambiguity goes to the more frequent one.
    target = {k: k for k in info}
    for k, v in sorted(info.items(), key=lambda kv: len(kv[1]["toks"])):
        if v["type"] != "PERS":
            continue
        n = len(v["toks"])
        cands = [k2 for k2, v2 in info.items() if v2["type"] == "PERS" and len(v2["toks"]) > n
                 and any(v2["toks"][j:j + n] == v["toks"] for j in range(len(v2["toks"]) - n + 1))]
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
        out.append(Entity(info[root]["name"], info[root]["type"], len(idx),
                          min(mentions[i].start for i in idx), aliases))
    out.sort(key=lambda e: e.first_offset)
    return out

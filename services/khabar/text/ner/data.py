"""Reading BIO-tagged TSV corpora and CoNLL-style entity-level scoring."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

TYPES = ("PERS", "LOC", "ORG", "MISC")
# AQMAR spells two of the four types differently.
_TYPE_ALIASES = {"PER": "PERS", "MIS": "MISC"}


def canon_label(label: str) -> str:
    if label == "O" or "-" not in label:
        return "O"
    prefix, typ = label.split("-", 1)
    typ = _TYPE_ALIASES.get(typ, typ)
    if typ not in TYPES or prefix not in ("B", "I"):
        return "O"
    return f"{prefix}-{typ}"


def read_bio(path: str | Path) -> list[tuple[list[str], list[str]]]:
    """`word<TAB>tag` lines, blank line between sentences; tags mapped to PERS/LOC/ORG/MISC."""
    sents: list[tuple[list[str], list[str]]] = []
    words: list[str] = []
    tags: list[str] = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.rstrip("\n").rstrip("\r")
            if not line.strip():
                if words:
                    sents.append((words, tags))
                    words, tags = [], []
                continue
            parts = line.split("\t") if "\t" in line else line.split()
            word = parts[0]
            tag = parts[-1] if len(parts) > 1 else "O"
            words.append(word)
            tags.append(canon_label(tag))
    if words:
        sents.append((words, tags))
    return sents


def spans(tags: list[str]) -> list[tuple[int, int, str]]:
    """Entity spans (start, end exclusive, type), CoNLL rules: a stray I- starts a new entity."""
    out: list[tuple[int, int, str]] = []
    start: int | None = None
    typ = ""
    for i, tag in enumerate(tags):
        if tag == "O":  # most tags: it only closes an open entity
            if start is not None:
                out.append((start, i, typ))
                start, typ = None, ""
            continue
        prefix, _, t = tag.partition("-")
        if start is not None and (prefix != "I" or t != typ):
            out.append((start, i, typ))
            start, typ = None, ""
        if prefix == "B" or (prefix == "I" and start is None):
            start, typ = i, t
    if start is not None:
        out.append((start, len(tags), typ))
    return out


def score(gold: list[list[str]], pred: list[list[str]]) -> dict:
    """Exact span+type micro and per-type precision/recall/F1, in percent."""
    tp: Counter[str] = Counter()
    n_gold: Counter[str] = Counter()
    n_pred: Counter[str] = Counter()
    for g, p in zip(gold, pred):
        gs, ps = set(spans(g)), set(spans(p))
        for s in gs:
            n_gold[s[2]] += 1
        for s in ps:
            n_pred[s[2]] += 1
        for s in gs & ps:
            tp[s[2]] += 1

    def prf(t, g, p):
        prec = 100.0 * t / p if p else 0.0
        rec = 100.0 * t / g if g else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        return {"precision": round(prec, 2), "recall": round(rec, 2), "f1": round(f1, 2), "support": g}

    per_type = {t: prf(tp[t], n_gold[t], n_pred[t]) for t in TYPES if n_gold[t] or n_pred[t]}
    micro = prf(sum(tp.values()), sum(n_gold.values()), sum(n_pred.values()))
    return {"micro": micro, "per_type": per_type}


def seen_unseen_recall(train: list[tuple[list[str], list[str]]], gold_sents, pred_tags) -> dict:
    """Recall on gold entities whose (surface, type) occurs in `train` vs those that do not."""
    seen_set = set()
    for words, tags in train:
        for s, e, t in spans(tags):
            seen_set.add((" ".join(words[s:e]), t))
    hit: Counter[str] = Counter()
    tot: Counter[str] = Counter()
    for (words, gtags), ptags in zip(gold_sents, pred_tags):
        ps = set(spans(ptags))
        for sp in spans(gtags):
            key = "seen" if (" ".join(words[sp[0] : sp[1]]), sp[2]) in seen_set else "unseen"
            tot[key] += 1
            hit[key] += sp in ps
    return {
        k: {"recall": round(100.0 * hit[k] / tot[k], 2) if tot[k] else 0.0, "support": tot[k]}
        for k in ("seen", "unseen")
    }

"""Typed name lists, built at training time and shipped inside the model file (licences in NOTICE)."""
from __future__ import annotations

from pathlib import Path

from .features import key


def _add(gaz: dict, name: str, phrase: str) -> None:
    toks = [key(t) for t in phrase.split()]
    toks = [t for t in toks if t]
    if not toks:
        return
    g = gaz.setdefault(name, {"B": set(), "I": set()})
    g["B"].add(toks[0])
    g["I"].update(toks[1:])


def arabic_names(shared: Path) -> dict:
    """AKhateeb/arabic-names (MIT): first and family names."""
    gaz: dict = {}
    d = shared / "data/gazetteers/arabic-names"
    for fname, gname in [("Most-Popular-Arabic-FirstNames.txt", "first"), ("female-first-names-in-arabic.txt", "first"),
                         ("male-first--names-in-arabic.txt", "first"), ("Most-Popular-Arabic-LastNames.txt", "last"),
                         ("last-names-in-arabic.txt", "last")]:
        p = d / fname
        if p.exists():
            for line in p.read_text(encoding="utf-8").splitlines():
                line = line.strip()
                if line:
                    _add(gaz, gname, line)
    return gaz


def build_gazetteers(shared: Path, sources=("arabic_names",)) -> dict:
    gaz: dict = {}
    for src in sources:
        for name, parts in globals()[src](shared).items():
            g = gaz.setdefault(name, {"B": set(), "I": set()})
            for part, entries in parts.items():
                g[part] |= entries
    return gaz

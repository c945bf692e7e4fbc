"""What an article's entities are beyond the article: canonical ids, Latin spellings, places resolved to GeoNames,
the article's focus, and its quotations with their speakers.

Pure: a lookup table built offline (`khabar build-knowledge`, see build.py) and the article's own text and
entities; nothing here imports the rest of khabar.
"""

from __future__ import annotations

import gzip
import json
import re
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Protocol

from .geo import Gazetteer, Place, focus
from .latin import Romaniser
from .names import lookup_key
from .quotes import find_quotes

TABLE = Path(__file__).parent / "data" / "knowledge.json.gz"
_SLUG = re.compile(r"[^a-z0-9]+")

__all__ = ["Knowledge", "EntityKnowledge", "ArticleKnowledge", "load_knowledge", "TABLE"]


class EntityLike(Protocol):
    name: str
    type: str
    count: int
    aliases: list[str]


class MentionLike(Protocol):
    type: str
    text: str
    start: int
    end: int


@dataclass
class EntityKnowledge:
    id: str
    latin: dict | None  # {"text": ..., "source": ...}
    geo: dict | None

    def fields(self) -> dict:
        """The entity's new record fields: id always, latin and geo where known."""
        out: dict = {"id": self.id}
        if self.latin:
            out["latin"] = self.latin
        if self.geo:
            out["geo"] = self.geo
        return out


@dataclass
class ArticleKnowledge:
    entities: list[EntityKnowledge]  # one per entity, in the entities' order
    mention_ids: list[str | None]  # the entity id of each mention
    focus: dict | None
    quotes: list[dict]


def _slug(latin: str) -> str:
    ascii_form = unicodedata.normalize("NFKD", latin).encode("ascii", "ignore").decode("ascii")
    return _SLUG.sub("-", ascii_form.lower()).strip("-")


# Cities this prominent (log10 population + 1.5 log10 alternate names: Tyre LB 7.48, Tanta EG 7.43) are looked
# for in the words the tagger left, in articles about their country (extract_entities' lexicon).
WELL_KNOWN_PROMINENCE = 7.0


class WellKnownPlaces:
    """extract_entities' lexicon: the names of well-known cities, likely in an article when its tagged places are in
    their country (إدلب in a story that names سوريا or حلب)."""

    def __init__(self, gazetteer: Gazetteer, person_words: set[str]):
        self.gazetteer = gazetteer
        self.countries: dict[str, frozenset[str]] = {}  # name (key) -> the countries of its well-known cities
        for name, rows in gazetteer.names.items():
            countries = {
                place.country
                for place in (gazetteer.places[i] for i in rows)
                if place.prominence is not None and place.prominence >= WELL_KNOWN_PROMINENCE
            }
            if countries and name not in person_words:  # بشار, سالم, داود: a person far more often than a town
                self.countries[name] = frozenset(countries)
        self.words = frozenset(self.countries)

    def known(self, tagged: list[tuple[str, str]], candidates: set[str]) -> dict[str, str]:
        places = list(dict.fromkeys(name for name, kind in tagged if kind == "LOC"))
        countries = {place.country for place in self.gazetteer.resolve(places) if place}
        return {name: "LOC" for name in candidates if not self.countries[name].isdisjoint(countries)}


class Knowledge:
    def __init__(self, table: dict):
        self.gazetteer = Gazetteer(table["places"])
        self.romaniser = Romaniser(table["latin"])
        self.sources: dict[str, str] = table["sources"]
        self.untagged_places = WellKnownPlaces(
            self.gazetteer, {word for name in self.romaniser.person for word in name.split()}
        )

    @classmethod
    def load(cls, path: Path = TABLE) -> Knowledge:
        if not path.exists():
            raise FileNotFoundError(
                f"no knowledge table at {path}: run `uv run --group ner-train khabar build-knowledge`"
            )
        with gzip.open(path, "rt", encoding="utf-8") as f:
            return cls(json.load(f))

    def annotate(
        self,
        text: str,
        mentions: Sequence[MentionLike],
        entities: Sequence[EntityLike],
        words: Sequence[str] | None = None,
    ) -> ArticleKnowledge:
        """words: the search forms of the article's tokens, if at hand (saves reading the text for adjectives)."""
        places = [i for i, e in enumerate(entities) if e.type == "LOC"]
        adjectives = self.gazetteer.nationality_countries(text, words)  # once, not again per alias
        found_places = self.gazetteer.resolve([entities[i].name for i in places], adjectives)
        resolved = dict(zip(places, found_places, strict=True))
        # An alias may resolve where the entity's chosen name does not (a misspelt most common form).
        for i, place in list(resolved.items()):
            if place is None and entities[i].aliases:
                resolved[i] = next((p for p in self.gazetteer.resolve(entities[i].aliases, adjectives) if p), None)
        known = [self._entity(e, resolved.get(i)) for i, e in enumerate(entities)]
        mention_ids = self._mention_ids(mentions, entities, known)
        found = [(place, entities[i].count) for i, place in resolved.items() if place]
        quotes = []
        for quote in find_quotes(text, mentions):
            speaker = None
            if quote.speaker is not None and mention_ids[quote.speaker]:
                m = mentions[quote.speaker]
                speaker = {"id": mention_ids[quote.speaker], "start": m.start, "end": m.end}
            quotes.append({"start": quote.start, "end": quote.end, "verb": quote.verb, "speaker": speaker})
        return ArticleKnowledge(known, mention_ids, self._focus(found), quotes)

    def _entity(self, entity: EntityLike, place: Place | None) -> EntityKnowledge:
        if place is not None:
            return EntityKnowledge(
                f"geonames:{place.geonames_id}",
                {"text": place.name, "source": "geonames"},
                place.to_geo(self.gazetteer.fips.get(place.country, "")),
            )
        spelled = self.romaniser.spell(entity.name, entity.type)
        latin = {"text": spelled[0], "source": spelled[1]} if spelled else None
        kind = entity.type.lower()
        if spelled:
            # A whole-name spelling is the referent's: the Arabic variants that share it share the id.
            return EntityKnowledge(f"{kind}:{_slug(spelled[0])}", latin, None)
        canonical = self.romaniser.canonical_person(entity.name) if entity.type == "PERS" else lookup_key(entity.name)
        return EntityKnowledge(f"{kind}:{canonical.replace(' ', '_')}", latin, None)

    @staticmethod
    def _mention_ids(
        mentions: Sequence[MentionLike], entities: Sequence[EntityLike], known: list[EntityKnowledge]
    ) -> list[str | None]:
        by_key: dict[tuple[str, str], str] = {}
        by_name: dict[str, list[str]] = defaultdict(list)
        for entity, info in zip(entities, known, strict=True):
            for name in [entity.name, *entity.aliases]:
                by_key.setdefault((lookup_key(name), entity.type), info.id)
                by_name[lookup_key(name)].append(info.id)
        out: list[str | None] = []
        for m in mentions:
            k = lookup_key(m.text)
            found = by_key.get((k, m.type)) or by_key.get(("ال" + k[2:] if k.startswith("لل") else k, m.type))
            if found is None and len(by_name.get(k, ())) == 1:
                found = by_name[k][0]  # the entity took its majority type
            out.append(found)
        return out

    def _focus(self, found: list[tuple[Place, int]]) -> dict | None:
        main = focus(found, self.gazetteer.country_of)
        if main is None:
            return None
        country, city = main
        return {
            "country": country.country,
            "id": f"geonames:{country.geonames_id}",
            "latin": country.name,
            "city": {"id": f"geonames:{city.geonames_id}", "latin": city.name} if city else None,
        }


@cache
def load_knowledge(path: Path = TABLE) -> Knowledge:
    """Loaded once per process and shared (about a second)."""
    return Knowledge.load(path)

"""Scores entity knowledge end to end (tagger, then knowledge) against a hand-checked set in JSON Lines.

Each line: {"source": ..., "text": ..., "places": [[surface, geonames_id, country], ...],
"names": [[surface, [accepted Latin spellings]], ...],
"quotes": [[quoted text, speaker surface or null], ...]}.
Every occurrence of a place's surface as a word in the text is one place mention; a name is scored once, at its first
occurrence; a quotation is exact when a found quotation's span is its text, and its speaker right when the found
speaker's entity is named by it, or by a whole-word part of it, or the other way round.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .names import lookup_key

_LATIN_FOLD = re.compile(r"[\s\-'‘’`]+")


@dataclass
class Score:
    counts: Counter = field(default_factory=Counter)
    misses: list[str] = field(default_factory=list)

    def ratio(self, part: str, whole: str) -> float | None:
        return round(self.counts[part] / self.counts[whole], 4) if self.counts[whole] else None

    def report(self) -> dict:
        c = self.counts
        return {
            "places": {
                "mentions": c["place"],
                "resolved": self.ratio("place_resolved", "place"),
                "country_right_among_resolved": self.ratio("place_country", "place_resolved"),
                "geonames_id_right_among_resolved": self.ratio("place_id", "place_resolved"),
                "tagged_as_entity": self.ratio("place_tagged", "place"),
            },
            "latin": {
                "names": c["name"],
                "given": self.ratio("name_given", "name"),
                "right_where_given": self.ratio("name_right", "name_given"),
            },
            "quotes": {
                "quotes": c["quote"],
                "span_exact": self.ratio("quote_exact", "quote"),
                "speaker_right": self.ratio("quote_speaker", "quote"),
                "speaker_right_among_exact": self.ratio("quote_speaker_exact", "quote_exact"),
                "found_not_in_set": c["quote_extra"],
            },
        }


def _fold(latin: str) -> str:
    return _LATIN_FOLD.sub("", latin).lower()


def _occurrences(text: str, surface: str) -> list[int]:
    """Where the surface stands as a word, a conjunction or preposition before it allowed (ومصر, بالرياض)."""
    pattern = "(?<![\u0621-\u064a])(?:[وفبلك]{1,2})?(" + re.escape(surface) + ")(?![\u0621-\u064a])"
    return [m.start(1) for m in re.finditer(pattern, text)]


def evaluate(path: Path, enrich) -> Score:
    """enrich(text) -> an enriched record's mentions, entities, quotes (a dict with those keys)."""
    score = Score()
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        item = json.loads(line)
        text = item["text"]
        record = enrich(text)
        entities = {e["id"]: e for e in record["entities"]}
        mentions = record["mentions"]

        def entity_at(start: int, end: int, mentions: list = mentions, entities: dict = entities) -> dict | None:
            for m in mentions:
                if m["start"] < end and start < m["end"] and m.get("id") in entities:
                    return entities[m["id"]]
            return None

        for surface, geonames_id, country in item.get("places", ()):
            starts = _occurrences(text, surface)
            if not starts:
                raise ValueError(f"{path}:{n}: place {surface!r} is not in the text")
            for start in starts:
                score.counts["place"] += 1
                entity = entity_at(start, start + len(surface))
                geo = entity.get("geo") if entity else None
                score.counts["place_tagged"] += entity is not None
                if geo:
                    score.counts["place_resolved"] += 1
                    score.counts["place_country"] += geo["country"] == country
                    score.counts["place_id"] += geo["geonames_id"] == geonames_id
                if not geo or geo["geonames_id"] != geonames_id:
                    score.misses.append(
                        f"{n} place {surface} want {geonames_id} {country}, got "
                        f"{geo and (geo['geonames_id'], geo['country'])}"
                    )
        for surface, accepted in item.get("names", ()):
            starts = _occurrences(text, surface)
            if not starts:
                raise ValueError(f"{path}:{n}: name {surface!r} is not in the text")
            score.counts["name"] += 1
            entity = entity_at(starts[0], starts[0] + len(surface))
            latin = entity.get("latin") if entity else None
            if latin:
                score.counts["name_given"] += 1
                right = _fold(latin["text"]) in {_fold(a) for a in accepted}
                score.counts["name_right"] += right
                if not right:
                    score.misses.append(f"{n} latin {surface} want {accepted}, got {latin}")
        found = {(q["start"], q["end"]): q for q in record["quotes"]}
        matched = set()
        for quoted, speaker in item.get("quotes", ()):
            starts = _occurrences(text, quoted)
            if not starts:
                raise ValueError(f"{path}:{n}: quotation {quoted!r} is not in the text")
            score.counts["quote"] += 1
            span = (starts[0], starts[0] + len(quoted))
            quote = found.get(span)
            if quote is None:
                # Not exact: the found quotation overlapping it, still scored for its speaker.
                quote = next((q for q in record["quotes"] if q["start"] < span[1] and span[0] < q["end"]), None)
            else:
                score.counts["quote_exact"] += 1
            if quote:
                matched.add((quote["start"], quote["end"]))
            got = quote["speaker"] if quote else None
            right = _speaker_right(got, speaker, text, entities)
            score.counts["quote_speaker"] += right
            score.counts["quote_speaker_exact"] += right and quote is found.get(span)
            if quote is not found.get(span) or not right:
                score.misses.append(
                    f"{n} quote {quoted[:30]} want {speaker}, got "
                    f"{quote and text[quote['start'] : quote['end']][:30]} / "
                    f"{got and text[got['start'] : got['end']]}"
                )
        score.counts["quote_extra"] += len(set(found) - matched)
    return score


def _speaker_right(got: dict | None, speaker: str | None, text: str, entities: dict) -> bool:
    if speaker is None or got is None:
        return speaker is None and got is None
    want = f" {lookup_key(speaker)} "
    entity = entities.get(got["id"], {})
    names = {lookup_key(text[got["start"] : got["end"]]), lookup_key(entity.get("name", ""))}
    names |= {lookup_key(a) for a in entity.get("aliases", ())}
    # The same referent named in part (ستولتنبرغ for ينس ستولتنبرغ, منظمة هيومن رايتس ووتش for هيومن رايتس ووتش).
    return any(f" {n} " in want or want in f" {n} " for n in names if n)

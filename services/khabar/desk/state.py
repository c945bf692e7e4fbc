"""What the desk knows: the latest articles and dead letters, and the trends and places computed from them.

Fed one record at a time by the Kafka reader; every record is kept once, by article id (dead letters by
where they were read), so a record delivered twice (a worker restarted mid-batch, the desk re-reading its
backlog) neither shows twice nor counts twice. Each article's story comes from the stories topic (the stories
stage decides it after the worker has written the article) and is joined on the article id, whichever of the
two arrives first; the latest story of an article wins (a story can be revised). Memory is bounded by `keep`
articles and twice as many stories.
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from datetime import datetime
from typing import Any

from khabar.desk.view import article_view, deadletter_view
from khabar.text.ner.features import key


class DeskState:
    def __init__(self, keep: int = 1000, show: int = 60, keep_deadletters: int = 60, trend_window_s: float = 3600.0):
        self.keep, self.show, self.keep_deadletters, self.trend_window_s = keep, show, keep_deadletters, trend_window_s
        self.articles: OrderedDict[str, dict] = OrderedDict()  # id -> view, oldest first
        # id -> (enriched_at in seconds, [(entity key, mentions, entity)]): worked out once, counted at each summary
        self._counted: dict[str, tuple[float | None, list[tuple[str, int, dict]]]] = {}
        self.stories: OrderedDict[str, dict] = OrderedDict()  # article id -> its latest story, oldest first
        self.deadletters: OrderedDict[str, dict] = OrderedDict()
        self.unreadable = 0  # records that were not JSON or not an article/dead letter: counted, not shown

    def add_enriched(self, record: Any) -> dict | None:
        """The article's view if it is new, None if it was seen already or cannot be shown."""
        try:
            if record["id"] in self.articles:
                return None
            view = article_view(record)
        except (KeyError, TypeError, AttributeError, IndexError):
            self.unreadable += 1
            return None
        view["story"] = self.stories.get(view["id"], view["story"])
        self.articles[view["id"]] = view
        self._counted[view["id"]] = (
            _seconds(view.get("enriched_at")),
            [
                (entity.get("id") or f"{entity['type']}:{key(entity['name'] or '')}", entity.get("count") or 1, entity)
                for entity in view["entities"]
            ],
        )
        while len(self.articles) > self.keep:
            self._counted.pop(self.articles.popitem(last=False)[0])
        return view

    def add_story(self, record: Any) -> dict | None:
        """An article's story (an `article-story` record): the article's view with it, if the article is held
        and its story changed; None otherwise (the story waits for its article)."""
        try:
            article_id, story = record["id"], record["story"]
            if not isinstance(article_id, str) or not isinstance(story, dict) or not isinstance(story["id"], str):
                raise TypeError("not a story record")
        except (KeyError, TypeError):
            self.unreadable += 1
            return None
        self.stories[article_id] = story
        self.stories.move_to_end(article_id)
        while len(self.stories) > 2 * self.keep:
            self.stories.popitem(last=False)
        view = self.articles.get(article_id)
        if view is None or view["story"] == story:
            return None
        view["story"] = story
        return view

    def add_deadletter(self, record: Any) -> dict | None:
        try:
            view = deadletter_view(record)
        except (KeyError, TypeError, AttributeError):
            self.unreadable += 1
            return None
        if view["key"] in self.deadletters:
            return None
        self.deadletters[view["key"]] = view
        while len(self.deadletters) > self.keep_deadletters:
            self.deadletters.popitem(last=False)
        return view

    def snapshot(self) -> dict:
        """Everything a page that has just (re)connected needs, newest first."""
        return {
            "articles": list(self.articles.values())[-self.show :][::-1],
            "deadletters": list(self.deadletters.values())[::-1],
            **self.summary(),
        }

    def summary(self) -> dict:
        return {
            "trending": self.trending(),
            "places": self.places(),
            "counts": {
                "articles": len(self.articles),
                "deadletters": len(self.deadletters),
                "unreadable": self.unreadable,
            },
        }

    def trending(self, limit: int = 15) -> list[dict]:
        """Entities of the articles of the last `trend_window_s` (event time: up to the newest article's
        enriched_at, so a replay of old news trends as it did), ranked by the stories naming them (a story's
        near-copies count once), then by their mentions."""
        window = self._in_window()
        stories: dict[str, set[str]] = {}
        mentions: Counter[str] = Counter()
        shown: dict[str, dict] = {}
        for view in window:
            story = (view["story"] or {}).get("id") or view["id"]
            for entity_key, count, entity in self._counted[view["id"]][1]:
                stories.setdefault(entity_key, set()).add(story)
                mentions[entity_key] += count
                shown.setdefault(entity_key, entity)
        ranked = sorted(stories, key=lambda k: (-len(stories[k]), -mentions[k], k))[:limit]
        return [{**_label(shown[k]), "key": k, "stories": len(stories[k]), "mentions": mentions[k]} for k in ranked]

    def places(self, limit: int = 20) -> dict:
        """Countries of the resolved places (entities with `geo`), each with its places, and the names of the
        places that are not resolved (all of them, for records without `geo`), by the articles naming them."""
        countries: dict[str, dict] = {}
        unresolved: dict[str, dict] = {}
        for view in self.articles.values():
            for entity in view["entities"]:
                geo = entity.get("geo")
                if geo and geo.get("country"):
                    country = countries.setdefault(
                        geo["country"],
                        {"country": geo["country"], "name": None, "articles": set(), "places": Counter()},
                    )
                    country["articles"].add(view["id"])
                    if geo.get("feature") == "country":
                        country["name"] = country["name"] or entity["name"]
                    else:
                        country["places"][entity["name"]] += 1
                elif entity.get("type") == "LOC":
                    place = unresolved.setdefault(
                        key(entity["name"] or ""), {"name": entity["name"], "articles": set()}
                    )
                    place["articles"].add(view["id"])
        by_articles = sorted(countries.values(), key=lambda c: (-len(c["articles"]), c["country"]))[:limit]
        places = sorted(unresolved.values(), key=lambda p: (-len(p["articles"]), p["name"]))[:limit]
        return {
            "countries": [
                {
                    "country": c["country"],
                    "name": c["name"],
                    "articles": len(c["articles"]),
                    "places": [name for name, _ in c["places"].most_common(5)],
                }
                for c in by_articles
            ],
            "unresolved": [{"name": p["name"], "articles": len(p["articles"])} for p in places],
        }

    def _in_window(self) -> list[dict]:
        known = [at for at, _ in self._counted.values() if at is not None]
        if not known:
            return list(self.articles.values())
        since = max(known) - self.trend_window_s
        return [view for view in self.articles.values() if (self._counted[view["id"]][0] or since) >= since]


def _label(entity: dict) -> dict:
    return {k: entity[k] for k in ("name", "type", "latin", "id") if k in entity}


def _seconds(moment: Any) -> float | None:
    if not isinstance(moment, str):
        return None
    try:
        return datetime.fromisoformat(moment.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None

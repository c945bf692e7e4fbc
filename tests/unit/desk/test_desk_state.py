"""What the desk keeps and computes: each record once, trends by story, places by country."""

from __future__ import annotations

from khabar.desk.state import DeskState


def article(
    article_id: str,
    entities: list[dict],
    at: str = "2026-01-01T12:00:00.000Z",
    story: str | None = None,
    text: str = "خبر",
) -> dict:
    record = {
        "id": article_id,
        "title": "",
        "text": text,
        "enriched_at": at,
        "source": "test",
        "url": None,
        "structure": {"paragraphs": [{"start": 0, "end": len(text)}], "removed": []},
        "mentions": [],
        "entities": entities,
    }
    if story:
        record["story"] = {"id": story, "duplicate_of": None, "first_seen": None}
    return record


def entity(name: str, entity_type: str = "PERS", count: int = 1, **extra) -> dict:
    return {"name": name, "type": entity_type, "count": count, "first_offset": 0, **extra}


def test_a_record_delivered_twice_is_kept_and_counted_once():
    state = DeskState()
    assert state.add_enriched(article("a", [entity("بوتين", count=3)])) is not None
    assert state.add_enriched(article("a", [entity("بوتين", count=3)])) is None
    assert [(t["name"], t["stories"], t["mentions"]) for t in state.trending()] == [("بوتين", 1, 3)]
    assert len(state.snapshot()["articles"]) == 1


def test_records_that_cannot_be_shown_are_counted_not_fatal():
    state = DeskState()
    for bad in (None, [], {"id": "x"}, {"id": "y", "text": 3, "structure": None}):
        assert state.add_enriched(bad) is None
    assert state.add_deadletter({"error": None}) is None
    assert state.unreadable == 5


def test_trending_counts_a_storys_near_copies_once_and_forgets_old_articles():
    state = DeskState(trend_window_s=3600)
    state.add_enriched(article("old", [entity("ترامب")] * 1, at="2026-01-01T09:00:00.000Z"))
    state.add_enriched(article("a", [entity("بوتين"), entity("موسكو", "LOC")], story="s1"))
    state.add_enriched(article("b", [entity("بوتين")], story="s1", at="2026-01-01T12:01:00.000Z"))
    state.add_enriched(article("c", [entity("موسكو", "LOC")], story="s2"))
    state.add_enriched(article("d", [entity("موسكو", "LOC")], story="s3"))
    ranked = [(t["name"], t["stories"], t["mentions"]) for t in state.trending()]
    assert ranked == [("موسكو", 3, 3), ("بوتين", 1, 2)]  # ترامب is three hours older than the newest article


def test_one_canonical_id_is_one_entity_across_spellings():
    state = DeskState()
    state.add_enriched(article("a", [entity("بيونج يانج", "LOC", id="gn:1871859", latin="Pyongyang")]))
    state.add_enriched(article("b", [entity("بيونغ يانغ", "LOC", id="gn:1871859", latin="Pyongyang")]))
    [top] = state.trending()
    assert (top["key"], top["stories"], top["latin"]) == ("gn:1871859", 2, "Pyongyang")


def test_places_by_country_when_resolved_and_by_name_when_not():
    state = DeskState()
    lb = {"country": "LB", "feature": "city", "geonames_id": 276781}
    state.add_enriched(
        article(
            "a", [entity("بيروت", "LOC", geo=lb), entity("لبنان", "LOC", geo={"country": "LB", "feature": "country"})]
        )
    )
    state.add_enriched(article("b", [entity("بيروت", "LOC", geo=lb), entity("بونجسان", "LOC")]))
    places = state.places()
    assert places["countries"] == [{"country": "LB", "name": "لبنان", "articles": 2, "places": ["بيروت"]}]
    assert places["unresolved"] == [{"name": "بونجسان", "articles": 1}]


def test_memory_is_bounded_and_the_newest_come_first():
    state = DeskState(keep=3, show=2)
    for n in range(5):
        state.add_enriched(article(str(n), []))
    assert list(state.articles) == ["2", "3", "4"]
    assert [a["id"] for a in state.snapshot()["articles"]] == ["4", "3"]


def story(article_id: str, story_id: str) -> dict:
    first = {"source": "test", "time": "2026-01-01T12:00:00.000Z"}
    return {"id": article_id, "story": {"id": story_id, "duplicate_of": story_id, "first_seen": first}}


def test_a_story_joins_its_article_whichever_comes_first_and_the_latest_wins():
    state = DeskState()
    state.add_enriched(article("a", [entity("بوتين")]))
    assert state.add_story(story("b", "a")) is None  # its article is not here yet: the story waits for it
    assert state.add_enriched(article("b", [entity("بوتين")]))["story"]["id"] == "a"
    assert state.add_enriched(article("c", [entity("بوتين")]))["story"] is None
    assert state.add_story(story("c", "x"))["story"]["id"] == "x"  # came after its article: the view, updated
    assert state.add_story(story("c", "a"))["story"]["id"] == "a"  # revised
    assert state.add_story(story("c", "a")) is None  # the same again: nothing to show
    assert [(t["name"], t["stories"], t["mentions"]) for t in state.trending()] == [("بوتين", 1, 3)]
    assert state.add_story({"id": "d"}) is None and state.unreadable == 1


def test_stories_held_for_articles_not_seen_are_bounded():
    state = DeskState(keep=3)
    for n in range(10):
        state.add_story(story(f"s{n}", "x"))
    assert list(state.stories) == [f"s{n}" for n in range(4, 10)]

"""The stories stage's decisions, without Faust: idempotent and independent of arrival order."""

from __future__ import annotations

import pytest

from khabar.stories import logic


def test_entity_key_prefers_the_canonical_id():
    assert logic.entity_key({"id": "Q42", "name": "دوغلاس  ادامز", "type": "PERS"}) == "Q42"
    assert logic.entity_key({"name": " دوغلاس  ادامز ", "type": "PERS"}) == "PERS:دوغلاس ادامز"


def test_event_time_reads_saudinewsnet_and_rfc3339_dates():
    assert logic.event_time({"published": "2015-07-21 02:51:32"}) == 1437447092.0
    assert logic.event_time({"published": None, "produced_at": "2015-07-21T02:51:32.000Z"}) == 1437447092.0
    with pytest.raises(ValueError, match="published"):
        logic.event_time({"published": "yesterday"})


def test_a_band_stores_an_article_once_and_forgets_past_the_horizon():
    entries, changed = logic.add_to_band([], {"id": "a", "t": 100.0, "source": "x"}, horizon_s=50)
    assert changed and [e["id"] for e in entries] == ["a"]
    again, changed = logic.add_to_band(entries, {"id": "a", "t": 100.0, "source": "x"}, horizon_s=50)
    assert not changed and again == entries
    later, changed = logic.add_to_band(entries, {"id": "b", "t": 200.0, "source": "y"}, horizon_s=50)
    assert changed and [e["id"] for e in later] == ["b"]


def article(article_id: str, t: float) -> logic.Article:
    return logic.Article(article_id, "src", t, {}, [])


def hit(article_id: str, t: float, shared: int, story: str | None = None) -> dict:
    first = {"source": "first", "t": 1.0} if story else None
    return {"id": article_id, "t": t, "source": "src", "story": story, "first": first, "shared": shared}


def test_decide_takes_the_earliest_earlier_near_copy_whatever_arrived_first():
    candidates = logic.merge_hits([[hit("c", 30, 1)], [hit("c", 30, 2), hit("b", 20, 3), hit("late", 90, 9)]])
    assert candidates["c"]["shared"] == 3
    story = logic.decide(article("z", 50), candidates)
    assert (story.id, story.duplicate_of, story.first_t) == ("b", "b", 20)
    assert logic.decide(article("z", 50), {"b": hit("b", 20, 1)}).duplicate_of is None  # one band: not a copy
    assert logic.decide(article("late", 90), candidates).duplicate_of == "b"


def test_decide_inherits_a_known_story():
    story = logic.decide(article("z", 50), {"b": hit("b", 20, 4, story="root")})
    assert (story.id, story.duplicate_of, story.first_source) == ("root", "b", "first")


def test_windows_cover_their_buckets():
    assert logic.window_ends(600, size=3600, step=300)[0] == 900
    assert len(logic.window_ends(600, size=3600, step=300)) == 12
    assert logic.window_ends(3600, size=3600, step=3600) == [7200]  # tumbling
    buckets = {"0": [2, 5], "300": [1, 1], "3600": [7, 7]}
    assert logic.window_articles(buckets, 3600, 3600, 300) == (3, 6)
    assert logic.window_articles(buckets, 3900, 3600, 300) == (8, 8)


def test_burst_is_measured_against_the_entity_baseline():
    buckets = {str(b): [1, 1] for b in range(0, 3600 * 3, 3600)}  # one article an hour for three hours
    buckets[str(3600 * 3)] = [10, 10]
    base = logic.baseline(buckets, 3600 * 4, 3600, 3600, windows=3)
    assert base == 1.0
    assert logic.burst_score(10, base) == pytest.approx(9 / 2**0.5, abs=1e-3)
    assert logic.burst_score(1, base) == 0.0


def test_merge_window_keeps_the_larger_figure_and_the_top():
    held = {"a": {"key": "a", "articles": 5, "mentions": 5}}
    merged = logic.merge_window(
        held,
        [
            {"key": "a", "articles": 3, "mentions": 3},
            {"key": "b", "articles": 4, "mentions": 9},
            {"key": "c", "articles": 1, "mentions": 1},
        ],
        keep=2,
    )
    assert list(merged) == ["a", "b"] and merged["a"]["articles"] == 5

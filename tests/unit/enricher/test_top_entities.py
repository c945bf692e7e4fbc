"""The top-entities gauge: a bounded number of series, over a sliding window, exported at each scrape."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, generate_latest

from khabar.enricher.top_entities import TopEntities


class Clock:
    def __init__(self, now: float = 1_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def entity(name: str, count: int, entity_type: str = "PERS") -> dict:
    return {"name": name, "type": entity_type, "count": count, "first_offset": 0, "aliases": []}


def test_only_the_most_mentioned_are_exported():
    top = TopEntities("t", limit=2, clock=Clock())
    top.add([entity("بوتين", 3), entity("موسكو", 1, "LOC"), entity("كيم", 2)])
    top.add([entity("موسكو", 4, "LOC")])
    assert top.top() == [(("LOC", "موسكو"), 5), (("PERS", "بوتين"), 3)]


def test_mentions_older_than_the_window_are_forgotten():
    clock = Clock()
    top = TopEntities("t", window_s=300, bucket_s=60, clock=clock)
    top.add([entity("old", 5)])
    clock.now += 240  # still inside the 5 one-minute buckets of the window
    top.add([entity("new", 1)])
    assert dict(top.top()) == {("PERS", "old"): 5, ("PERS", "new"): 1}
    clock.now += 60
    assert dict(top.top()) == {("PERS", "new"): 1}
    clock.now += 300
    assert top.top() == []


def test_a_scrape_exports_the_current_top_as_a_labelled_gauge():
    registry = CollectorRegistry()
    top = TopEntities("khabar_top_entity_mentions", limit=1, clock=Clock())
    registry.register(top)
    top.add([entity("بوتين", 2), entity("كيم", 1)])
    page = generate_latest(registry).decode()
    assert "# TYPE khabar_top_entity_mentions gauge" in page
    assert 'khabar_top_entity_mentions{name="بوتين",type="PERS"} 2.0' in page
    assert "كيم" not in page


def test_a_bucket_keeps_a_bounded_number_of_names_and_the_most_mentioned_among_them():
    top = TopEntities("t", limit=2, bucket_names=10, clock=Clock())
    top.add([entity("بوتين", 50), entity("كيم", 40)])
    for batch in range(20):  # a long tail of names mentioned once
        top.add([entity(f"name-{batch}-{i}", 1) for i in range(3)])
        assert len(top._buckets[-1][1]) <= 10
    top.add([entity("كيم", 1)])
    assert top.top() == [(("PERS", "بوتين"), 50), (("PERS", "كيم"), 41)]

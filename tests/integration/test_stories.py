"""The stories stage (`khabar stories`, beside an enrichment worker) on the real broker: near-copies across two
stories processes, trending counts exact after a SIGKILL,
state recovered from the changelogs after a restart."""

from __future__ import annotations

import re
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from khabar.config import Settings
from khabar.local.ports import free_port
from khabar.local.stories import StoriesProcess
from khabar.local.worker import WorkerProcess
from khabar.producer.replay import Replayer
from khabar.stories.logic import stories_topics
from khabar.topics import ensure_topics
from support.stories import START, distinct_articles, latest_story, near_copies, read_topics, recount

pytestmark = pytest.mark.integration

WINDOW_END = "2015-07-21T10:05:00.000Z"  # the first hourly window (every 5 min) holding 10:00:00-10:04:59
WINDOW = ((START + timedelta(minutes=5 - 60)).timestamp(), (START + timedelta(minutes=5)).timestamp())


@pytest.fixture
def stories_settings(settings: Settings) -> Settings:
    run = settings.app_id.rsplit("-", 1)[-1]
    stories = settings.replace(
        stories_topic=f"stories-{run}",
        storied_topic=f"storied-{run}",
        trending_topic=f"trending-{run}",
        trending_publish_s=1.0,
    )
    ensure_topics(stories)
    ensure_topics(stories, stories_topics(stories))
    return stories


def start(settings: Settings, log: Path) -> WorkerProcess:
    """A `khabar stories` process (the enricher runs beside it: the `worker` fixture)."""
    port = free_port()
    return StoriesProcess(settings.replace(worker_port=port, stories_port=port), log).start()


def send(settings: Settings, records: list[dict]) -> None:
    replayer = Replayer(settings)
    try:
        replayer.replay(records)
    finally:
        replayer.close()


def metric(worker: WorkerProcess, name: str) -> float:
    status, body = worker.get("/metrics")
    assert status == 200
    values = [float(v) for v in re.findall(rb"^" + name.encode() + rb"(?:\{[^}]*\})? ([0-9.e+-]+)$", body, re.M)]
    return sum(values)


def one_story(stories: dict[str, dict], copies: list[dict]) -> bool:
    """Whether every copy has the first copy's story."""
    return {stories[c["id"]]["id"] for c in copies if c["id"] in stories} == {copies[0]["id"]}


class StoriesMissing(AssertionError):
    """Articles that got no story in time."""


def stories_of(
    settings: Settings, ids: set[str], timeout: float = 120, settled: Callable[[dict], bool] = lambda _: True
) -> dict[str, dict]:
    """The latest story of each article, once every one has a story and `settled(stories)` holds (a story can
    be revised after it was first published: an earlier copy reached the band keys later), or at the timeout."""

    def done(records: dict[str, list[dict]]) -> bool:
        stories = latest_story(records[settings.stories_topic])
        return stories.keys() >= ids and settled(stories)

    records = read_topics(settings, [settings.stories_topic], done, timeout)
    stories = latest_story(records[settings.stories_topic])
    if not stories.keys() >= ids:
        raise StoriesMissing(f"{len(ids - stories.keys())} of {len(ids)} articles got no story in {timeout}s")
    return stories


def storied_records(settings: Settings, ids: set[str], timeout: float = 60) -> None:
    """Every article reaches the storied topic as its enriched record with a story the stories topic gave it."""
    topics = [settings.enriched_topic, settings.storied_topic]
    records = read_topics(settings, topics, lambda r: all({x["id"] for x in r[t]} >= ids for t in topics), timeout)
    storied = {record["id"]: record for record in records[settings.storied_topic]}
    assert storied.keys() >= ids, f"{len(ids - storied.keys())} of {len(ids)} articles not on the storied topic"
    enriched = {record["id"]: record for record in records[settings.enriched_topic]}
    every_story = defaultdict(set)
    # Until every article's stories are read (its revisions come before its storied record is checked here).
    stories_read = read_topics(
        settings, [settings.stories_topic], lambda r: {x["id"] for x in r[settings.stories_topic]} >= ids, timeout
    )
    for record in stories_read[settings.stories_topic]:
        every_story[record["id"]].add(record["story"]["id"])
    for article_id in ids:
        story = storied[article_id].pop("story")
        assert storied[article_id] == enriched[article_id]
        assert story["id"] in every_story[article_id]


def trending_matches_recount(
    settings: Settings, ids: set[str], copies: list[dict], timeout: float = 90
) -> tuple[dict, dict, int]:
    """Wait until the newest trending record of WINDOW_END equals the recount from the enriched topic (by
    distinct article id), once the copies' stories have settled; return both and how many enriched records were
    redelivered copies."""
    stories = stories_of(settings, ids, settled=lambda s: one_story(s, copies))
    enriched = read_topics(
        settings, [settings.enriched_topic], lambda r: {x["id"] for x in r[settings.enriched_topic]} >= ids, 60
    )[settings.enriched_topic]
    expected = recount(enriched, stories, *WINDOW)
    top = sorted(expected.items(), key=lambda item: (-item[1][0], -item[1][2], item[0]))[: settings.trending_top]
    wanted = [(key, *figures) for key, figures in top]
    got: list = []
    deadline = time.monotonic() + timeout
    while got != wanted and time.monotonic() < deadline:
        records = read_topics(settings, [settings.trending_topic], lambda r: False, 3)[settings.trending_topic]
        windows = [r for r in records if r["window"]["end"] == WINDOW_END]
        if windows:
            got = [(e["key"], e["articles"], e["stories"], e["mentions"]) for e in windows[-1]["entities"]]
    assert wanted, "the recount found no entity in the window: the test articles are not in it"
    assert got == wanted
    return dict(expected), stories, len(enriched) - len({x["id"] for x in enriched})


def test_near_copies_are_found_across_two_worker_processes(
    stories_settings: Settings, worker: WorkerProcess, tmp_path: Path
) -> None:
    first = start(stories_settings, tmp_path / "first.log")
    second = start(stories_settings, tmp_path / "second.log")
    try:
        copies, others = near_copies(6), distinct_articles(6, first_second=100)
        send(stories_settings, copies + others)
        root = copies[0]["id"]
        stories = stories_of(
            stories_settings, {r["id"] for r in copies + others}, settled=lambda s: one_story(s, copies), timeout=180
        )

        assert {stories[c["id"]]["id"] for c in copies} == {root}
        assert stories[root]["duplicate_of"] is None
        assert [stories[c["id"]]["duplicate_of"] for c in copies[1:]] == [root] * 5
        assert stories[copies[3]["id"]]["first_seen"] == {"source": "test", "time": "2015-07-21T10:00:00.000Z"}
        for other in others:
            assert stories[other["id"]]["id"] == other["id"] and stories[other["id"]]["duplicate_of"] is None
        storied_records(stories_settings, set(stories))
        # Both processes decided stories: the decisions are partitioned, not made in one place.
        assert metric(first, "khabar_story_assignments_total") > 0
        assert metric(second, "khabar_story_assignments_total") > 0
    finally:
        second.stop()
        first.stop()


def test_trending_counts_equal_a_recount_after_a_sigkill_and_restart(
    stories_settings: Settings, worker: WorkerProcess, tmp_path: Path
) -> None:
    copies, others = near_copies(10), distinct_articles(50, first_second=20)
    articles = copies + others
    ids = {r["id"] for r in articles}
    stage = start(stories_settings, tmp_path / "before.log")
    try:
        send(stories_settings, articles)
        # Killed once the first stories came out, with most articles still on their way through the stages.
        read_topics(
            stories_settings,
            [stories_settings.stories_topic],
            lambda r: len(r[stories_settings.stories_topic]) >= 5,
            60,
        )
    finally:
        stage.kill()
    restarted = start(stories_settings, tmp_path / "after.log")
    try:
        expected, stories, redelivered = trending_matches_recount(stories_settings, ids, copies)
        print(f"redelivered enriched records: {redelivered}; entities in the window: {len(expected)}")
        # The ten near-copies are one story: counted ten times as articles, once as a story.
        assert {stories[c["id"]]["id"] for c in copies} == {copies[0]["id"]}
        assert any(articles_ >= 10 and stories_ == articles_ - 9 for articles_, stories_, _ in expected.values())
        storied_records(stories_settings, ids)  # records held when it was killed came back from the changelog
    finally:
        restarted.stop()


def test_state_is_recovered_from_the_changelogs_after_a_restart(
    stories_settings: Settings, worker: WorkerProcess, tmp_path: Path
) -> None:
    copies, others = near_copies(4), distinct_articles(10, first_second=20)
    before = copies[:2] + others
    stage = start(stories_settings, tmp_path / "before.log")
    try:
        send(stories_settings, before)
        stories_of(stories_settings, {r["id"] for r in before})
    finally:
        stage.stop()  # a clean stop commits every offset: nothing is redelivered, the state can only be recovered
    restarted = start(stories_settings, tmp_path / "after.log")
    try:
        send(stories_settings, copies[2:])
        stories = stories_of(stories_settings, {r["id"] for r in copies}, settled=lambda s: one_story(s, copies))
        # The band keys of the first copies were stored before the restart: the new copies still find them.
        assert [stories[c["id"]]["duplicate_of"] for c in copies[2:]] == [copies[0]["id"]] * 2
        assert {stories[c["id"]]["id"] for c in copies} == {copies[0]["id"]}
        recovery = metric(restarted, "khabar_stories_recovery_seconds")
        print(f"stories tables recovered in {recovery:.2f}s")
        assert recovery > 0
        trending_matches_recount(stories_settings, {r["id"] for r in before + copies[2:]}, copies)
    finally:
        restarted.stop()


def test_the_stage_yields_while_the_worker_works_through_a_backlog_and_then_stories_every_article(
    stories_settings: Settings, worker: WorkerProcess, tmp_path: Path
) -> None:
    settings = stories_settings.replace(stories_yield_lag=50, stories_yield_s=60.0)
    # Enough for the worker to be behind for a few of the stage's looks (one a second).
    articles = near_copies(4) + distinct_articles(800, first_second=20)
    ids = {r["id"] for r in articles}
    log = tmp_path / "stage.log"
    stage = start(settings, log)
    try:
        send(settings, articles)
        stories = stories_of(settings, ids, timeout=240)
        assert {stories[c["id"]]["id"] for c in articles[:4]} == {articles[0]["id"]}
        # Nothing that Faust had fetched when the stage paused is lost: every record goes out with its story.
        storied_records(settings, ids, timeout=120)
    finally:
        stage.stop()
    said = log.read_text(encoding="utf-8")
    assert "stories: yielding" in said and "stories: reading" in said, "the stage never yielded to the worker"

"""The stories stage steps aside while the enrichment workers work through a backlog, and no longer than that."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import faust
from faust.types import TP

from khabar.config import Settings
from khabar.lag import GroupPosition
from khabar.stories.app import StoriesStage
from khabar.stories.yielding import STILL_AFTER_S, YieldPolicy


def at(done: int, end: int, committed: bool = True) -> GroupPosition:
    """The group's position on two partitions: `done` and `end` split between them."""
    return GroupPosition(
        ends={0: end // 2, 1: end - end // 2}, resumes={0: done // 2, 1: done - done // 2}, committed=committed
    )


def test_it_yields_while_the_group_works_through_a_backlog_and_reads_again_once_it_is_gone() -> None:
    policy = YieldPolicy(behind=1000, longest_s=30)
    assert not policy.paused(at(0, 3000), now=0.0)  # one look: whether the commits move is not known yet
    assert policy.paused(at(300, 3000), now=1.0)
    assert policy.paused(at(600, 3000), now=2.0)
    assert policy.paused(at(1900, 3000), now=6.0)
    assert not policy.paused(at(2100, 3000), now=7.0)  # 900 behind: no longer a backlog
    assert not policy.paused(at(2200, 3000), now=8.0)


def test_a_group_whose_commits_do_not_move_is_not_waited_for() -> None:
    policy = YieldPolicy(behind=1000, longest_s=30)
    # A stopped (or never started) enrichment group: a big lag, and nobody working through it.
    assert [policy.paused(at(100, 50_000), now=float(t)) for t in range(10)] == [False] * 10
    never = YieldPolicy(behind=1000, longest_s=30)
    assert [never.paused(at(0, 50_000, committed=False), now=float(t)) for t in range(10)] == [False] * 10
    # Working, then stuck: the pause ends once its commits have not moved for STILL_AFTER_S.
    stuck = YieldPolicy(behind=1000, longest_s=60)
    assert not stuck.paused(at(0, 50_000), now=0.0)
    assert stuck.paused(at(100, 50_000), now=1.0)
    assert stuck.paused(at(100, 50_000), now=1.0 + STILL_AFTER_S)
    assert not stuck.paused(at(100, 50_000), now=2.0 + STILL_AFTER_S)


def test_a_pause_is_bounded_and_followed_by_as_long_a_read() -> None:
    policy = YieldPolicy(behind=1000, longest_s=10)
    states = [policy.paused(at(100 * t, 1_000_000), now=float(t)) for t in range(40)]
    # Paused from t=1 to t=10, then reading for 10 s (t=11..20), paused again from t=21 to t=30, and so on.
    assert states == [False] + [True] * 10 + [False] * 10 + [True] * 10 + [False] * 9


def test_it_never_yields_when_turned_off_or_when_the_position_cannot_be_read() -> None:
    off = YieldPolicy(behind=0, longest_s=30)
    assert [off.paused(at(100 * t, 1_000_000), now=float(t)) for t in range(5)] == [False] * 5
    policy = YieldPolicy(behind=1000, longest_s=30)
    policy.paused(at(0, 9000), now=0.0)
    assert policy.paused(at(300, 9000), now=1.0)
    assert not policy.paused(None, now=2.0)


class Consumer:
    def __init__(self, assigned: set[TP]) -> None:
        self.assigned, self.paused = assigned, set()
        self.seeks = 0  # back to the committed offsets: Faust drops what it had fetched of a paused partition

    def assignment(self) -> set[TP]:
        return self.assigned

    def pause_partitions(self, tps: set[TP]) -> None:
        self.paused |= tps

    def resume_partitions(self, tps: set[TP]) -> None:
        self.paused -= tps

    async def perform_seek(self) -> None:
        self.seeks += 1


class Enrichment:
    """The workers' group: its position read from a list, one entry per look."""

    def __init__(self, positions: list[GroupPosition]) -> None:
        self.positions = positions

    def partitions(self) -> list[TP]:
        return [TP("articles.raw", 0), TP("articles.raw", 1)]

    async def position(self, _partitions: list[TP]) -> GroupPosition:
        return self.positions.pop(0)


def test_the_stage_pauses_only_its_enriched_partitions_and_resumes_them() -> None:
    settings = Settings(topic_partitions=2)
    stage = StoriesStage(faust.App("stories-yield-unit", broker="kafka://127.0.0.1:1"), settings)
    enriched = {TP(settings.enriched_topic, 0), TP(settings.enriched_topic, 1)}
    consumer = Consumer(enriched | {TP("khabar-enricher-stories-story-answers", 0)})
    stage.app = SimpleNamespace(consumer=consumer, rebalancing=False, in_recovery=False)  # type: ignore[assignment]
    enrichment = Enrichment([at(0, 9000), at(500, 9000), at(1000, 9000), at(8900, 9000), at(8950, 9000)])

    async def looks() -> list[tuple[set[TP], int]]:
        seen = []
        for _ in range(5):
            await stage.give_way(enrichment)  # type: ignore[arg-type]
            seen.append((set(consumer.paused), consumer.seeks))
        return seen

    assert asyncio.run(looks()) == [(set(), 0), (enriched, 0), (enriched, 0), (set(), 1), (set(), 1)]
    assert not stage.yielding

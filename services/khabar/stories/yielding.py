"""When the stories stage steps aside for the enrichment workers.

On two shared cores the stage, running flat out behind a backlog (it handles ~70 articles/s, a worker ~300),
took 20-39% of a worker's articles/s through the CPU and the broker it shares, however lean its own work
(issue 15's budget: 20%). Enrichment is what every reader of the stream waits for; stories can come later.
So while the workers' group is working through a backlog, the stage stops reading new enriched records (its
internal topics keep draining, so articles in flight are finished), and reads again once the backlog is gone,
or after a bounded pause, for at least as long before it may yield again: under a backlog that never ends the
stage still gets half the time.
"""

from __future__ import annotations

from dataclasses import dataclass

from khabar.lag import GroupPosition

# The workers commit every batch (tenths of a second): a group whose commits have not moved for this long is
# not working through its backlog (stopped, or gone), and nothing is gained by waiting for it.
STILL_AFTER_S = 5.0


@dataclass
class YieldPolicy:
    behind: int  # raw articles the group must be behind for the stage to yield; 0: never
    longest_s: float  # the longest pause at a stretch
    paused_since: float | None = None
    reads_until: float = 0.0  # after a pause cut short by longest_s: no yielding before this
    _done: int | None = None  # the group's resume offsets, summed, at the last look
    _moved_at: float | None = None

    def paused(self, position: GroupPosition | None, now: float) -> bool:
        """Whether the stage should be paused now, given the group's position (None: it could not be read)."""
        done = sum(position.resumes.values()) if position is not None and position.committed else None
        if done is not None and self._done is not None and done > self._done:
            self._moved_at = now
        self._done = done
        working = done is not None and self._moved_at is not None and now - self._moved_at <= STILL_AFTER_S
        backlog = self.behind > 0 and working and position is not None and sum(position.lags().values()) > self.behind
        if self.paused_since is not None:
            if backlog and now - self.paused_since < self.longest_s:
                return True
            if backlog:
                self.reads_until = now + self.longest_s
            self.paused_since = None
            return False
        if backlog and now >= self.reads_until:
            self.paused_since = now
            return True
        return False

"""A worker that stops when told: SIGTERM or Ctrl-C ends the process within STOP_DEADLINE_S, broker or not.

Faust stops cleanly in about 2.5 s when the broker answers (committing the offsets of what was finished), but
with the broker gone its consumer thread waits out a 60 s timeout: a worker measured here was still alive 61.5 s
after SIGTERM. Past the deadline nothing more can be committed anyway, so the process exits; what it had not
committed is processed again by the next worker (at-least-once).
"""

from __future__ import annotations

import logging
import os
import threading

import faust

log = logging.getLogger(__name__)

STOP_DEADLINE_S = 8.0  # within the 10 s an orchestrator usually grants before SIGKILL
EXIT_CODE_FORCED = 3


class Worker(faust.Worker):
    def _schedule_shutdown(self, signal) -> None:  # mode's one entry for SIGINT and SIGTERM
        if not self._signal_stop_time:
            timer = threading.Timer(STOP_DEADLINE_S, _exit_now, args=(signal,))
            timer.daemon = True
            timer.start()
        super()._schedule_shutdown(signal)


def _exit_now(signal) -> None:
    log.error(
        "the worker did not stop within %.0f s of %s (is the broker reachable?): exiting without a clean "
        "stop; what it had not committed will be processed again",
        STOP_DEADLINE_S,
        signal.name,
    )
    logging.shutdown()  # flush the log handlers: os._exit skips them
    os._exit(EXIT_CODE_FORCED)

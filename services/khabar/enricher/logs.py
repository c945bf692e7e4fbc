"""The worker's log during a broker outage: aiokafka logs every failed reconnect and metadata request, about
a hundred lines a second, which would bury everything else. Alike lines are let through once per window."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable

# Lines that differ only in numbers (node ids, ports, counts) are alike.
_NUMBER = re.compile(r"\d+")
# Distinct kinds of line remembered at once; past this the memory starts again (an outage has a handful).
_MAX_KINDS = 1000


class RepeatFilter(logging.Filter):
    """Lets the first of alike records through (same logger, level and message, numbers aside), then one
    per ``window`` seconds, which says how many alike were held back since the last one let through.
    Records below ``level`` pass untouched and unformatted: aiokafka logs every message it sends at debug
    level, with its value, and formatting those took a third of the worker's time."""

    def __init__(
        self, window: float = 30.0, clock: Callable[[], float] = time.monotonic, level: int = logging.WARNING
    ) -> None:
        super().__init__()
        self.window, self.clock, self.level = window, clock, level
        self._last: dict[tuple, list] = {}  # kind -> [when let through, held back since]

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < self.level:
            return True
        message = record.getMessage()
        kind = (record.name, record.levelno, _NUMBER.sub("#", message))
        now = self.clock()
        last = self._last.get(kind)
        if last is not None and now - last[0] < self.window:
            last[1] += 1
            return False
        if last is not None and last[1]:
            record.msg, record.args = f"{message} ({last[1]} alike held back in {now - last[0]:.0f} s)", ()
        if len(self._last) >= _MAX_KINDS:
            self._last.clear()
        self._last[kind] = [now, 0]
        return True


def quiet_repeats(prefix: str = "aiokafka", window: float = 30.0) -> RepeatFilter:
    """One RepeatFilter on every logger named ``prefix`` or under it that exists now (a logger's filters do
    not see its children's records, so each gets it)."""
    repeats = RepeatFilter(window)
    for name in list(logging.Logger.manager.loggerDict):
        if name == prefix or name.startswith(prefix + "."):
            logging.getLogger(name).addFilter(repeats)
    return repeats

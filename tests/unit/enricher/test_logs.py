"""A broker outage must not flood the worker's log: alike lines are let through once per window."""

from __future__ import annotations

import logging

from khabar.enricher.logs import RepeatFilter, quiet_repeats


def record(message: str, *args, name: str = "aiokafka.conn", level: int = logging.ERROR) -> logging.LogRecord:
    return logging.LogRecord(name, level, __file__, 1, message, args, None)


def test_alike_lines_pass_once_per_window_and_say_how_many_were_held_back():
    now = [0.0]
    repeats = RepeatFilter(window=30, clock=lambda: now[0])
    passed = []
    for second in range(61):
        now[0] = float(second)
        for port in (9092, 9093):  # numbers aside, the same line
            line = record("Unable connect to node with id %d: Connect call failed ('127.0.0.1', %d)", 1, port)
            if repeats.filter(line):
                passed.append((second, line.getMessage()))
    assert [second for second, _ in passed] == [0, 30, 60]
    assert passed[0][1].endswith("9092)") and "alike" not in passed[0][1]
    assert passed[1][1].endswith("(59 alike held back in 30 s)")


def test_different_lines_levels_and_loggers_are_not_alike():
    repeats = RepeatFilter(window=30, clock=lambda: 0.0)
    lines = [
        record("Unable to update metadata from [1]"),
        record("Group Coordinator Request failed"),
        record("Unable to update metadata from [1]", level=logging.WARNING),
        record("Unable to update metadata from [1]", name="aiokafka.cluster"),
    ]
    assert all(repeats.filter(line) for line in lines)
    assert not repeats.filter(record("Unable to update metadata from [2]"))


def test_records_below_the_level_pass_unformatted():
    class Unprintable:
        def __repr__(self):
            raise AssertionError("formatted")

    repeats = RepeatFilter(window=30, clock=lambda: 0.0)
    debug = record("Sending (key=%r value=%r)", Unprintable(), Unprintable(), level=logging.DEBUG)
    assert repeats.filter(debug) and repeats.filter(debug)


def test_quiet_repeats_covers_every_aiokafka_logger():
    import aiokafka.conn  # noqa: F401  (its logger exists once imported)

    repeats = quiet_repeats("aiokafka", window=30)
    try:
        for name in ("aiokafka", "aiokafka.conn"):
            assert repeats in logging.getLogger(name).filters
        assert repeats not in logging.getLogger("khabar").filters
    finally:
        for logger in [logging.getLogger(n) for n in logging.Logger.manager.loggerDict]:
            if isinstance(logger, logging.Logger):
                logger.removeFilter(repeats)

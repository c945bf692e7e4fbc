"""What a dead letter's own copy of the original gives back when the raw topic no longer has it."""

from __future__ import annotations

import base64

from khabar.producer.redrive import _dead_letter, _whole_copy


def test_a_whole_copy_gives_the_original_bytes_back():
    assert _whole_copy({"encoding": "utf-8", "data": "خبر", "size_bytes": 6, "truncated": False}) == "خبر".encode()
    raw = b"\xff\xfe binary"
    copy = {"encoding": "base64", "data": base64.b64encode(raw).decode(), "size_bytes": len(raw), "truncated": False}
    assert _whole_copy(copy) == raw


def test_a_truncated_or_empty_copy_gives_nothing():
    assert _whole_copy({"encoding": "utf-8", "data": "خ", "size_bytes": 90_000, "truncated": True}) is None
    assert _whole_copy({"encoding": None, "data": None, "size_bytes": 0}) is None


def test_a_message_that_is_no_dead_letter_is_recognised_as_such():
    assert _dead_letter(b"{not json") is None and _dead_letter(None) is None
    assert _dead_letter(b'{"schema_version": 1}') is None

"""Fixtures for every test layer; the broker fixtures are in tests/integration/conftest.py."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from support.shared_data import absent_reason, shared_data


def pytest_configure(config: pytest.Config) -> None:
    """Tests stop `khabar run` and `khabar replay` with SIGINT, as Ctrl-C does. A suite started in the background
    by a shell without job control (`(bash .ci/run &)`) inherits SIGINT ignored, and so would every process it
    starts: they then never see the Ctrl-C and the tests time out (3 failures in two such runs). The default
    handler here makes the children start with the default disposition."""
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The third-party data beside the clone (../shared); tests that need it skip in a user's bare clone."""
    data = shared_data()
    if not data.is_dir():
        pytest.skip(absent_reason(data))
    return data.parent

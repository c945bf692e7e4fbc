"""Fixtures for every test layer; the broker fixtures are in tests/integration/conftest.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from support.shared_data import absent_reason, shared_data


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The third-party data beside the clone (../shared); tests that need it skip in a user's bare clone."""
    data = shared_data()
    if not data.is_dir():
        pytest.skip(absent_reason(data))
    return data.parent

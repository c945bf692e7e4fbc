"""Fixtures for the text library tests: the seed article and the SaudiNewsNet articles in ../shared."""

from __future__ import annotations

import pytest

from khabar.config import PROJECT_ROOT
from khabar.text.corpus import SAUDINEWSNET, saudinewsnet_documents
from support.shared_data import absent_reason

SEED = PROJECT_ROOT / "seeds" / "000_059d5603d6d85883.txt"


@pytest.fixture(scope="session")
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def saudinewsnet(shared_dir) -> list[str]:
    """SaudiNewsNet documents (title + blank line + content); skipped when the shared data is absent."""
    if not any((shared_dir / SAUDINEWSNET).glob("*.zip")):
        pytest.skip(absent_reason(shared_dir / SAUDINEWSNET / "*.zip"))
    return list(saudinewsnet_documents(shared_dir))

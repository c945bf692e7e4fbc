"""Fixtures for the text library tests: the seed article and the SaudiNewsNet articles in ../shared."""

from __future__ import annotations

from pathlib import Path

import pytest

from khabar.text.corpus import saudinewsnet_dir, saudinewsnet_documents

SEED = Path(__file__).resolve().parents[3] / "seeds" / "000_059d5603d6d85883.txt"


@pytest.fixture(scope="session")
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def saudinewsnet() -> list[str]:
    """SaudiNewsNet documents (title + blank line + content); skipped when the shared data is absent."""
    if not any(saudinewsnet_dir().glob("*.zip")):
        pytest.skip(f"SaudiNewsNet not found in {saudinewsnet_dir()} (set KHABAR_SHARED_DIR)")
    return list(saudinewsnet_documents())

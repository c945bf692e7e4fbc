"""Where the third-party data beside the clone is (../shared, holding data/ and seeds/), for every test layer.

The location is the one setting's, `Settings.shared_dir`: $KHABAR_SHARED_DIR, else ../shared beside the project
root. A user's bare clone has no ../shared, so tests that need it skip, saying why: through the
`shared_dir` fixture (tests/conftest.py), or, where a path is needed at import time (skipif, parametrize),
through `shared_data` and `absent_reason` here.
"""

from __future__ import annotations

from pathlib import Path

from khabar.config import Settings

__all__ = ["absent_reason", "shared_data"]


def shared_data(relative: str = "") -> Path:
    """A path under the shared data set (../shared/data); it may not exist."""
    return Settings.from_env().shared_dir / "data" / relative


def absent_reason(path: Path) -> str:
    """The skip reason for a test whose shared data at `path` is missing."""
    return (
        f"{path} is absent: this test reads the shared data set that CI provides beside the clone "
        f"(../shared; set KHABAR_SHARED_DIR to use another folder)"
    )

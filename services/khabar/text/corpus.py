"""Reading the SaudiNewsNet articles in the shared data folder (third-party data: read in place, never copied)."""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Iterator
from pathlib import Path

_REPO_ROOT = Path(__file__).resolve().parents[3]


def shared_dir() -> Path:
    """``KHABAR_SHARED_DIR``, else ``../shared`` beside the project root (or beside the working directory)."""
    configured = os.environ.get("KHABAR_SHARED_DIR")
    if configured:
        return Path(configured)
    for candidate in (_REPO_ROOT / ".." / "shared", Path.cwd() / ".." / "shared"):
        if candidate.is_dir():
            return candidate.resolve()
    return (_REPO_ROOT / ".." / "shared").resolve()


def saudinewsnet_dir() -> Path:
    return shared_dir() / "data" / "articles" / "saudinewsnet"


def saudinewsnet_documents(limit: int | None = None) -> Iterator[str]:
    """Documents as the pipeline composes them (title + blank line + content), in file order."""
    count = 0
    for path in sorted(saudinewsnet_dir().glob("*.zip")):
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                for article in json.loads(archive.read(name)):
                    if limit is not None and count >= limit:
                        return
                    yield f"{article.get('title') or ''}\n\n{article.get('content') or ''}"
                    count += 1

"""Reading the SaudiNewsNet articles in the shared data folder (third-party data: read in place, never copied)."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

SAUDINEWSNET = Path("data") / "articles" / "saudinewsnet"  # under the shared data folder


def saudinewsnet_documents(shared_dir: Path, limit: int | None = None, days: int | None = None) -> Iterator[str]:
    """Documents as the pipeline composes them (title + blank line + content), in file order; `shared_dir` is
    the shared data folder (Settings.shared_dir); `days`: only the first that many daily files."""
    count = 0
    for path in sorted((shared_dir / SAUDINEWSNET).glob("*.zip"))[:days]:
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                for article in json.loads(archive.read(name)):
                    if limit is not None and count >= limit:
                        return
                    yield f"{article.get('title') or ''}\n\n{article.get('content') or ''}"
                    count += 1

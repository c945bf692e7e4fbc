"""Articles for tests, built from the seed article."""

from __future__ import annotations

from khabar.config import PROJECT_ROOT
from khabar.producer.sources import read_paths
from khabar.records import raw_record

SEEDS = PROJECT_ROOT / "seeds"


def seed_variants(count: int) -> list[dict]:
    """`count` distinct articles built from the seed article (each with its own id)."""
    seed = next(iter(read_paths([SEEDS])))
    assert isinstance(seed, dict), seed
    return [
        raw_record(
            source="test",
            url=f"https://example.test/{n}",
            locator=str(n),
            title=f"{seed['title']} {n}",
            body=seed["body"],
        )
        for n in range(count)
    ]

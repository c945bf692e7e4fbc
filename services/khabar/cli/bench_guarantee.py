"""`khabar bench guarantee`: what exactly-once costs, against at-least-once, measured in the same run."""

from __future__ import annotations

import json
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import click

from khabar.config import Settings
from khabar.enricher.processing import Processor
from khabar.local.ports import free_port


@click.command("guarantee")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--articles", "limit", default=2000, show_default=True, help="How many SaudiNewsNet articles.")
@click.option("--rounds", default=2, show_default=True, help="Rounds; the modes take turns within each.")
@click.pass_obj
def guarantee(settings: Settings, as_json: bool, limit: int, rounds: int) -> None:
    """The batch loop on a broker of its own (free loopback ports, a temporary folder, stopped at the end):
    the same articles pre-loaded in a fresh raw topic for each run, consumed to the end by one loop in this
    process, once with each processing guarantee per round; the best round of each is kept. Also the time
    of one commit (transaction, or flush and offsets), from the loop's histogram."""
    from khabar.cli.bench import _progress
    from khabar.local.broker import LocalBroker
    from khabar.records import raw_record
    from khabar.text.corpus import SAUDINEWSNET, saudinewsnet_documents

    documents = list(saudinewsnet_documents(settings.shared_dir, limit))
    if not documents:
        raise click.ClickException(
            f"no SaudiNewsNet articles in {settings.shared_dir / SAUDINEWSNET} (KHABAR_SHARED_DIR)"
        )
    records = []
    for n, document in enumerate(documents):
        title, _, body = document.partition("\n\n")
        records.append(
            raw_record(source="bench", url=None, locator=str(n), title=title or f"article {n}", body=body or title)
        )
    say = _progress()
    with tempfile.TemporaryDirectory(prefix="khabar-bench-") as home:
        broker = LocalBroker(free_port(), free_port(), Path(home) / "kafka", settings.cache_dir, settings.kafka_heap)
        say(f"starting a broker on {broker.bootstrap} ...")
        broker.up(timeout=180)
        try:
            result = _compare(
                settings.replace(bootstrap_servers=broker.bootstrap, state_dir=Path(home) / "state"),
                records,
                rounds,
                say,
            )
        finally:
            broker.down()
    if as_json:
        click.echo(json.dumps(result))
    else:
        width = max(map(len, result))
        for key, value in result.items():
            click.echo(f"{key:>{width}}: {value}")


def _compare(settings: Settings, records: list[dict], rounds: int, say: Callable[[str], None]) -> dict:
    from khabar.text.pipeline import TextPipeline

    processor = Processor(settings, TextPipeline(settings.ner_backend, settings.ner_model_path))
    for record in records[:50]:  # the pipeline's lazy parts, outside the timing
        processor.pipeline.analyse(record["title"], record["body"])
    best: dict[str, float] = {}
    commits: dict[str, list[float]] = {}
    for round_number in range(1, rounds + 1):
        for mode in ("at_least_once", "exactly_once"):
            say(f"round {round_number}: {mode}, {len(records)} articles ...")
            seconds, commit_seconds = _run(settings.replace(processing_guarantee=mode), processor, records)
            best[mode] = min(best.get(mode, float("inf")), seconds)
            commits.setdefault(mode, []).extend(commit_seconds)
    at_least_once, exactly_once = (len(records) / best[mode] for mode in ("at_least_once", "exactly_once"))
    return {
        "articles": len(records),
        "batch_size": settings.batch_size,
        "rounds": rounds,
        "at_least_once_articles_per_s": round(at_least_once, 1),
        "exactly_once_articles_per_s": round(exactly_once, 1),
        "exactly_once_vs_at_least_once": round(exactly_once / at_least_once, 3),
        "at_least_once_commit_ms_median": round(1000 * _median(commits["at_least_once"]), 2),
        "exactly_once_commit_ms_median": round(1000 * _median(commits["exactly_once"]), 2),
    }


def _run(settings: Settings, processor: Processor, records: list[dict]) -> tuple[float, list[float]]:
    """Seconds from the first batch polled to the last committed, and each commit's seconds."""
    from khabar import schemas
    from khabar.enricher.batches import BatchLoop
    from khabar.producer.replay import Replayer
    from khabar.topics import ensure_topics

    run = uuid.uuid4().hex[:8]
    settings = settings.replace(
        raw_topic=f"raw-{run}",
        enriched_topic=f"enriched-{run}",
        deadletter_topic=f"deadletter-{run}",
        app_id=f"bench-{run}",
    )
    ensure_topics(settings)
    replayer = Replayer(settings)
    for record in records:
        replayer.producer.send(settings.raw_topic, key=record["id"].encode(), value=schemas.encode(record))
    replayer.flush()
    replayer.close()
    loop = BatchLoop(settings, processor, transactional_id=f"bench-{run}", client_id="khabar-bench")
    done, started, commit_seconds = 0, 0.0, []
    try:
        while done < len(records):
            batch = loop.consumer.poll(timeout_ms=200, max_records=settings.batch_size)
            if not batch:
                continue
            started = started or time.perf_counter()
            seconds = loop.process(batch)
            if seconds is not None:  # else aborted, and polled again
                commit_seconds.append(seconds)
                done += sum(map(len, batch.values()))
        return time.perf_counter() - started, commit_seconds
    finally:
        loop.close()


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2] if ordered else float("nan")

"""The enricher's command: `khabar worker`."""

from __future__ import annotations

import click

from khabar.cli.params import require_broker
from khabar.config import Settings


@click.command()
@click.option("--loglevel", default="warning", show_default=True, help="Faust's log level.")
@click.pass_obj
def worker(settings: Settings, loglevel: str) -> None:
    """Run the enrichment worker (Faust) until Ctrl-C; metrics on http://WORKER_HOST:WORKER_PORT/metrics."""
    from khabar.topics import ensure_topics

    require_broker(settings)
    # Before importing Faust and the models (seconds): a broker that refuses us says so at once.
    ensure_topics(settings)
    from khabar.enricher.app import run_worker

    click.echo(
        f"worker {settings.app_id}: {settings.raw_topic} -> {settings.enriched_topic} | "
        f"{settings.deadletter_topic}; metrics http://{settings.worker_host}:{settings.worker_port}/metrics",
        err=True,
    )
    run_worker(settings, loglevel)

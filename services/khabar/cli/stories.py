"""The stories stage's command: `khabar stories`."""

from __future__ import annotations

import click

from khabar.cli.params import require_broker
from khabar.config import Settings


@click.command()
@click.option("--loglevel", default="warning", show_default=True, help="Faust's log level.")
@click.pass_obj
def stories(settings: Settings, loglevel: str) -> None:
    """Group near-copies into stories and count trending entities (Faust) until Ctrl-C; reads the enriched
    topic, writes KHABAR_STORIES_TOPIC, KHABAR_STORIED_TOPIC and KHABAR_TRENDING_TOPIC; metrics on
    WORKER_HOST:STORIES_PORT/metrics."""
    from khabar.stories.logic import stories_topics
    from khabar.topics import ensure_topics

    require_broker(settings)
    ensure_topics(settings, stories_topics(settings))
    from khabar.stories.app import run_stories

    click.echo(
        f"stories: {settings.enriched_topic} -> {settings.stories_topic} | {settings.storied_topic} | "
        f"{settings.trending_topic}; "
        f"metrics http://{settings.worker_host}:{settings.stories_port}/metrics",
        err=True,
    )
    run_stories(settings, loglevel)

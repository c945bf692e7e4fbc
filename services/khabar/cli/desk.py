"""`khabar desk`: the live web page of the enriched stream, on loopback unless KHABAR_DESK_HOST says otherwise."""

from __future__ import annotations

import click

from khabar.cli.params import require_broker
from khabar.config import Settings


@click.command()
@click.pass_obj
def desk(settings: Settings) -> None:
    """Serve the desk: the latest articles with their entities, stories, trends, places, dead letters and the
    pipeline's health, live, on http://DESK_HOST:DESK_PORT/ until Ctrl-C."""
    import asyncio

    from khabar.desk.server import Desk, metrics_urls
    from khabar.enricher.logs import quiet_repeats
    from khabar.topics import ensure_topics, khabar_topics

    require_broker(settings)
    # The stories topic too: subscribed to before any stories stage made it, it would be auto-created with
    # one partition.
    ensure_topics(settings, [*khabar_topics(settings), settings.stories_topic])
    quiet_repeats("aiokafka")  # a broker outage would otherwise log ~100 lines a second

    def ready(url: str) -> None:
        click.echo(
            f"desk on {url} (group {settings.desk_group}; {settings.enriched_topic} | "
            f"{settings.deadletter_topic} | {settings.stories_topic}; "
            f"health from {', '.join(metrics_urls(settings))}); Ctrl-C stops",
            err=True,
        )

    try:
        asyncio.run(Desk(settings).serve(on_ready=ready))
    except OSError as error:  # most often the port is taken
        raise click.ClickException(
            f"cannot serve on {settings.desk_host}:{settings.desk_port} ({error}): "
            "choose another port with KHABAR_DESK_PORT"
        ) from error

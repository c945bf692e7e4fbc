"""`khabar watch DIR`: the durable watched inbox (khabar.producer.watch)."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import click

from khabar.cli.params import require_broker
from khabar.config import Settings


def _interrupt(_signal, _frame) -> None:
    raise KeyboardInterrupt


@click.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.pass_obj
def watch(settings: Settings, directory: Path) -> None:
    """Send every article file dropped into DIRECTORY, until Ctrl-C: write each under a temporary name
    (.NAME.tmp), then rename it. Sent files move to DIRECTORY/done/; one with a problem to DIRECTORY/failed/
    with NAME.reason.txt beside it. A restart sends what arrived meanwhile and nothing the broker already has."""
    from prometheus_client import start_http_server

    from khabar.producer.replay import Replayer
    from khabar.producer.watch import Watcher
    from khabar.topics import ensure_topics

    require_broker(settings)
    ensure_topics(settings, [settings.raw_topic])  # a producer's principal may see only that topic
    if settings.producer_metrics_port:
        start_http_server(settings.producer_metrics_port, addr=settings.worker_host)
    signal.signal(signal.SIGTERM, _interrupt)  # stop as on Ctrl-C: what is in flight is flushed first
    replayer = Replayer(settings)
    watcher = Watcher(directory, replayer)
    click.echo(
        f"watching {directory}/ -> topic {settings.raw_topic} on {settings.bootstrap_servers}; Ctrl-C stops", err=True
    )
    try:
        while True:
            for outcome in watcher.scan():
                click.echo(str(outcome))
            time.sleep(settings.watch_poll_s)
    except KeyboardInterrupt:
        pass
    finally:
        replayer.close()

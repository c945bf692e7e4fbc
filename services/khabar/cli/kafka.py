"""`khabar kafka up|down|status`: the local single-node broker."""

from __future__ import annotations

import click

from khabar.local.broker import BrokerError, LocalBroker, kafka_version
from khabar.topics import ensure_topics


@click.group()
def kafka() -> None:
    """Run a local Apache Kafka broker (KRaft, single node) from the Maven jars."""


@kafka.command()
@click.pass_obj
def up(settings) -> None:
    """Start the broker (fetching the jars with Maven the first time) and create khabar's topics."""
    broker = LocalBroker.from_settings(settings)
    try:
        seconds = broker.up()
    except BrokerError as error:
        raise click.ClickException(str(error)) from error
    ensure_topics(settings)
    state = f"started in {seconds:.1f}s" if seconds else "already running"
    click.echo(f"Kafka {kafka_version()} {state} on {broker.bootstrap} (pid {broker.pid()}); logs: {broker.log_file}")


@kafka.command()
@click.pass_obj
def down(settings) -> None:
    """Stop the broker started by `khabar kafka up`."""
    broker = LocalBroker.from_settings(settings)
    click.echo("stopped" if broker.down() else "not running")


@kafka.command()
@click.pass_obj
def status(settings) -> None:
    """Say whether the local broker runs, where, and where its logs are."""
    broker = LocalBroker.from_settings(settings)
    pid = broker.pid()
    if pid is None:
        click.echo(f"not running (logs: {broker.log_file})")
        raise SystemExit(1)
    click.echo(f"Kafka {kafka_version()} running on {broker.bootstrap} (pid {pid}); logs: {broker.log_file}")

"""What several commands share: the PATH... argument, the problem printer, and the check for a broker."""

from __future__ import annotations

import socket

import click

from khabar.config import Settings

# Article files, or directories of them; `-` is standard input.
paths_argument = click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))
# The same for a command that sends to a broker: a missing file is said before connecting.
existing_paths_argument = click.argument(
    "paths", nargs=-1, required=True, type=click.Path(exists=True, allow_dash=True, path_type=str)
)

# How long to try each bootstrap address before saying there is no broker.
_CONNECT_TIMEOUT_S = 3.0


def say_problem(line: str) -> None:
    """The one printer of input and delivery problems (invalid input, not sent): standard error."""
    click.echo(line, err=True)


def require_broker(settings: Settings) -> None:
    """Fail in one line, saying where we looked and what to do, when no bootstrap address takes a connection.

    The client libraries would otherwise retry for a minute and print dozens of connection errors."""
    for address in settings.bootstrap_servers.split(","):
        host, _, port = address.strip().rpartition(":")
        try:
            with socket.create_connection((host.strip("[]") or "127.0.0.1", int(port)), timeout=_CONNECT_TIMEOUT_S):
                return
        except (OSError, ValueError):
            continue
    raise click.ClickException(
        f"no Kafka broker answers at {settings.bootstrap_servers}: start the local one with `khabar kafka up`, "
        "or point KHABAR_BOOTSTRAP_SERVERS at yours"
    )

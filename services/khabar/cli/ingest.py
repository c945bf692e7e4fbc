"""`khabar ingest`: the HTTP endpoint that takes articles from other systems."""

from __future__ import annotations

import click

from khabar.config import Settings


@click.command()
@click.option("--host", default=None, help="Address to bind to [default: KHABAR_INGEST_HOST, 127.0.0.1].")
@click.option("--port", type=int, default=None, help="Port [default: KHABAR_INGEST_PORT, 6067].")
@click.pass_obj
def ingest(settings: Settings, host: str | None, port: int | None) -> None:
    """Serve POST /articles until Ctrl-C: one article as JSON, or JSON Lines (Content-Type application/x-ndjson),
    as `khabar replay` reads feeds. 202 with the ids once the broker acknowledged them; 400 naming every
    problem; 503 with Retry-After while the broker is unavailable. The API: GET /openapi.json; metrics: /metrics.
    Set KHABAR_INGEST_TOKEN to require 'Authorization: Bearer TOKEN'."""
    from khabar.ingest.app import serve

    host, port = host or settings.ingest_host, port or settings.ingest_port
    auth = "bearer token required" if settings.ingest_token else "no token (set KHABAR_INGEST_TOKEN to require one)"
    click.echo(
        f"ingest: POST http://{host}:{port}/articles -> topic {settings.raw_topic} on "
        f"{settings.bootstrap_servers}; {auth}",
        err=True,
    )
    serve(settings, host, port)

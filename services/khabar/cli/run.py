"""`khabar run`: the whole pipeline on this machine, from a cold start to a readable summary."""

from __future__ import annotations

import os
import signal
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING

import click

from khabar.cli.params import say_problem
from khabar.config import PROJECT_ROOT, Settings

if TYPE_CHECKING:
    from khabar.local.outputs import OutputReader
    from khabar.local.worker import WorkerProcess

SEEDS = PROJECT_ROOT / "seeds"


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option(
    "--follow",
    is_flag=True,
    help="After the replay, enrich each file dropped into --watch (as khabar watch does) until Ctrl-C.",
)
@click.option(
    "--watch",
    type=click.Path(file_okay=False, path_type=Path),
    default=PROJECT_ROOT / "inbox",
    show_default="inbox/",
    help="Directory watched with --follow.",
)
@click.option(
    "--timeout", type=float, default=300.0, show_default=True, help="Seconds to wait for every article to come out."
)
@click.option(
    "--desk",
    "with_desk",
    is_flag=True,
    help="Also serve the desk, the live page of the stream (KHABAR_DESK_PORT); implies --follow.",
)
@click.pass_obj
def run(settings: Settings, paths, follow, watch, timeout, with_desk) -> None:
    """Start a local broker and a worker, replay articles (default: seeds/), print what came out, stop.

    Everything it started it stops again, also on Ctrl-C or an error.
    """
    from khabar.local.broker import BrokerError, LocalBroker, kafka_version
    from khabar.local.desk import DeskProcess
    from khabar.local.outputs import OutputReader
    from khabar.local.worker import WorkerError, WorkerProcess
    from khabar.topics import ensure_topics

    wall = time.monotonic()
    broker = LocalBroker.from_settings(settings)
    already_running = broker.pid() is not None
    worker = desk = None
    follow = follow or with_desk
    try:
        click.echo(f"[1/4] Kafka {kafka_version()} broker on {broker.bootstrap} ...", nl=False)
        try:
            seconds = broker.up()
        except BrokerError as error:
            raise click.ClickException(str(error)) from error
        click.echo(" already running" if already_running else f" started in {seconds:.1f}s (logs: {broker.log_file})")
        ensure_topics(settings)

        click.echo("[2/4] enrichment worker ...", nl=False)
        started = time.monotonic()
        worker = WorkerProcess(settings)
        try:
            worker.start()
        except WorkerError as error:
            raise click.ClickException(str(error)) from error
        click.echo(f" up in {time.monotonic() - started:.1f}s; metrics {worker.url}/metrics (log: {worker.log_path})")
        if with_desk:
            desk = DeskProcess(settings)
            try:
                desk.start()
            except WorkerError as error:
                raise click.ClickException(str(error)) from error
            click.echo(f"      desk: {desk.url}/ (open it in a browser; log: {desk.log_path})")

        with OutputReader(settings) as reader:
            outcome = _replay_and_collect(settings, reader, list(paths) or [str(SEEDS)], timeout, worker)
            click.echo(f"done in {time.monotonic() - wall:.1f}s: {outcome}")
            if follow:
                _follow(settings, reader, watch)
    except KeyboardInterrupt:
        _tell("\ninterrupted")
    except BrokenPipeError:  # the reader of our output went away (`khabar run --follow | head`): stop all the same
        _detach_stdout()
    finally:
        # A second Ctrl-C (terminals signal the whole process group) must not cut the clean-up short.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        _tell("[4/4] stopping ...", nl=False)
        for process in (desk, worker):
            if process is not None:
                process.stop()
        if not already_running:
            broker.down()
        _tell(
            " stopped"
            + (" the worker; the broker you started yourself stays up" if already_running else " worker and broker")
        )


def _tell(message: str, nl: bool = True) -> None:
    """Say something during the clean-up, which must go on when nobody reads any more."""
    try:
        click.echo(message, nl=nl)
    except BrokenPipeError:
        _detach_stdout()


def _detach_stdout() -> None:
    """Send the rest of our output to /dev/null, so that no later write (nor the flush at exit) fails."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def _replay_and_collect(
    settings: Settings, reader: OutputReader, paths: list[str], timeout: float, worker: WorkerProcess
) -> str:
    from khabar.producer.replay import Replayer
    from khabar.producer.sources import read_paths

    with Replayer(settings) as replayer:
        report = replayer.replay(read_paths(paths), on_problem=say_problem)
    click.echo(f"[3/4] replayed {len(report.sent)} article(s) from {', '.join(paths)}; waiting for the results ...")
    found = reader.collect(set(report.sent), timeout, on_record=_print_record)
    missing = set(report.sent) - found.keys()
    if missing:
        raise click.ClickException(
            f"{len(missing)} article(s) did not come out within {timeout:.0f}s: "
            f"{', '.join(sorted(missing)[:5])}; see the worker log {worker.log_path}"
        )
    enriched = sum(kind == "enriched" for kind, _ in found.values())
    return f"{enriched} enriched, {len(found) - enriched} dead-lettered, {len(report.invalid)} invalid input(s)"


def _print_record(kind: str, record: dict) -> None:
    if kind == "deadletter":
        error = record["error"]
        click.echo(
            f"  ✗ {record.get('id')}: dead-lettered ({error['reason']} at {error['stage']}): {error['message'][:200]}"
        )
        return
    by_type: dict[str, list[str]] = defaultdict(list)
    for entity in record["entities"]:
        by_type[entity["type"]].append(
            f"{entity['name']} ×{entity['count']}" if entity["count"] > 1 else entity["name"]
        )
    click.echo(f"  ✓ {record['id']}  {record['title'] or '(no title)'}")
    flags = "" if record["language"]["is_arabic"] else "  [not Arabic]"
    click.echo(
        f"      {record['token_count']} tokens, {len(record['mentions'])} entity mentions, "
        f"{len(record['structure']['removed'])} boilerplate block(s) removed{flags}"
    )
    for entity_type in ("PERS", "LOC", "ORG", "MISC"):
        if by_type[entity_type]:
            click.echo(f"      {entity_type:5} {'، '.join(by_type[entity_type])}")


def _follow(settings: Settings, reader: OutputReader, watch: Path) -> None:
    """Send each file that arrives in `watch` (khabar.producer.watch) and print results as they come, until Ctrl-C."""
    from khabar.producer.replay import Replayer
    from khabar.producer.watch import Watcher

    with Replayer(settings) as replayer:
        watcher = Watcher(watch, replayer)  # makes the inbox: it is there once we say so
        click.echo(
            f"following: drop .txt/.json/.jsonl/.zip files into {watch}/ (write .NAME.tmp, then rename it), "
            f"or `khabar replay` into {settings.raw_topic}; sent files go to done/, others to failed/; "
            "Ctrl-C stops"
        )
        while True:
            for outcome in watcher.scan():
                click.echo(f"  {outcome}")
            for kind, record in reader.records(poll_s=settings.watch_poll_s):
                _print_record(kind, record)

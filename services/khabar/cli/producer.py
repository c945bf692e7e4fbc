"""The producer's commands: replay article files, poll feeds, send dead letters back."""

from __future__ import annotations

import sys
import time
from itertools import islice

import click

from khabar.cli.params import existing_paths_argument, require_broker, say_problem
from khabar.config import Settings
from khabar.producer.sources import STDIN, read_paths
from khabar.schemas import DEADLETTER_REASONS


@click.command()
@existing_paths_argument
@click.option(
    "--rate",
    type=float,
    default=0.0,
    show_default=True,
    help="Articles per second; 0 sends as fast as the broker takes them.",
)
@click.option("--limit", type=int, default=0, help="Stop after this many articles (per pass with --loop).")
@click.option("--loop", is_flag=True, help="Start again from the first article after the last, until Ctrl-C.")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: when stderr is a terminal).")
@click.pass_obj
def replay(
    settings: Settings, paths: tuple[str, ...], rate: float, limit: int, loop: bool, progress: bool | None
) -> None:
    """Send articles (.txt seeds, .json, .jsonl, .zip feeds, or directories of them) to the raw topic.

    `-` reads a continuous feed of JSON Lines on standard input (`tail -F feed.jsonl | khabar replay -`),
    sending each article as its line arrives, until the input closes."""
    if loop and STDIN in paths:
        raise click.UsageError("--loop cannot replay standard input (-): it can be read only once")
    from prometheus_client import start_http_server
    from tqdm import tqdm

    from khabar.producer.replay import Replayer
    from khabar.topics import ensure_topics

    require_broker(settings)
    ensure_topics(settings, [settings.raw_topic])  # a producer's principal may see only that topic
    if settings.producer_metrics_port:
        start_http_server(settings.producer_metrics_port, addr=settings.worker_host)
    sent = failed = invalid = 0
    with (
        Replayer(settings) as replayer,
        tqdm(unit=" articles", disable=not (sys.stderr.isatty() if progress is None else progress)) as bar,
    ):
        try:
            while True:
                items = islice(read_paths(paths), limit or None)
                for report in replayer.replay_parts(
                    items, rate=rate, on_item=bar.update, on_problem=lambda line: bar.write(line, file=sys.stderr)
                ):
                    sent, failed, invalid = (
                        sent + len(report.sent),
                        failed + len(report.failed),
                        invalid + len(report.invalid),
                    )
                if not loop:
                    break
        except KeyboardInterrupt:
            pass
    click.echo(
        f"sent {sent}, failed {failed}, invalid {invalid} -> topic {settings.raw_topic} on {settings.bootstrap_servers}"
    )
    if failed or invalid:
        raise SystemExit(1)


@click.command()
@click.argument("urls", nargs=-1, required=True)
@click.option("--every", type=float, default=300.0, show_default=True, help="Seconds between rounds of polls.")
@click.option("--once", is_flag=True, help="Poll every feed once, then exit (non-zero if anything failed).")
@click.option(
    "--full-text",
    is_flag=True,
    help="Send the article from each new item's page (politely: robots.txt, "
    "a pause between requests to one host), else its feed text, saying why.",
)
@click.pass_obj
def feed(settings: Settings, urls: tuple[str, ...], every: float, once: bool, full_text: bool) -> None:
    """Poll RSS or Atom feeds (URLs) and send each new item to the raw topic, until Ctrl-C.

    An item's text is its content, else its description or summary, without the HTML; with --full-text, the
    article on its page. What was sent is remembered per feed under KHABAR_STATE_DIR, so a restart sends only
    what is new."""
    from khabar.producer.feeds import FeedPoller
    from khabar.producer.pages import PageReader
    from khabar.producer.replay import Replayer
    from khabar.topics import ensure_topics

    require_broker(settings)
    ensure_topics(settings, [settings.raw_topic])  # a producer's principal may see only that topic
    pages = PageReader(settings.feed_page_timeout_s, settings.feed_host_interval_s) if full_text else None
    poller = FeedPoller(urls, settings.state_dir, pages=pages)
    problems = 0
    with Replayer(settings) as replayer:
        try:
            while True:
                started = time.monotonic()
                for url in urls:
                    report = replayer.replay(poller.poll(url), on_problem=say_problem)
                    poller.remember(url, report.sent)
                    problems += len(report.invalid) + len(report.failed)
                    fallbacks = ", ".join(f"{reason} {count}" for reason, count in sorted(poller.fallbacks.items()))
                    click.echo(
                        f"{url}: sent {len(report.sent)} new -> topic {settings.raw_topic}"
                        + (f" (feed text kept, as the page could not be had: {fallbacks})" if fallbacks else "")
                    )
                if once:
                    break
                time.sleep(max(0.0, every - (time.monotonic() - started)))
        except KeyboardInterrupt:
            pass
    if once and problems:
        raise SystemExit(1)


@click.command()
@click.option(
    "--reason",
    "reasons",
    multiple=True,
    metavar="REASON",
    help="Send back the dead letters of this reason (repeatable): " + ", ".join(DEADLETTER_REASONS) + ".",
)
@click.option("--all", "every_reason", is_flag=True, help="Every reason.")
@click.option("--dry-run", is_flag=True, help="Count what would be sent; send nothing.")
@click.pass_obj
def redrive(settings: Settings, reasons: tuple[str, ...], every_reason: bool, dry_run: bool) -> None:
    """Send dead-lettered articles back to the raw topic once their cause is fixed (a limit raised, a bug
    fixed): the original bytes under the original key, from the raw topic while it still holds them, else
    from the dead letter's copy. Each run sends every match again; enriched records are keyed by id, so the
    latest one wins."""
    from khabar.producer.redrive import Redriver

    unknown = sorted(set(reasons) - set(DEADLETTER_REASONS))
    if unknown or not (reasons or every_reason):
        raise click.UsageError(
            f"say which dead letters to send back: --reason one of {', '.join(DEADLETTER_REASONS)}"
            " (repeatable), or --all" + (f"; unknown: {', '.join(unknown)}" if unknown else "")
        )
    require_broker(settings)
    with Redriver(settings) as redriver:
        report = redriver.redrive(set(DEADLETTER_REASONS) if every_reason else set(reasons), dry_run=dry_run)
    found = ", ".join(f"{reason} {count}" for reason, count in sorted(report.found.items())) or "none"
    click.echo(f"dead letters in {settings.deadletter_topic}: {found}")
    for problem in report.unrecoverable:
        say_problem(f"cannot send back {problem}")
    for label, error in report.sent.failed:
        say_problem(f"not sent: {label}: {error}")
    recoverable = report.chosen - len(report.unrecoverable)
    done = f"would send {recoverable}" if dry_run else f"sent {len(report.sent.sent)}"
    click.echo(
        f"{done} of {report.chosen} chosen ({report.from_raw_topic} read back from the raw topic) "
        f"-> topic {settings.raw_topic}"
    )
    if report.unrecoverable or report.sent.failed:
        raise SystemExit(1)

"""Commands on articles: replay them into Kafka, run the worker, enrich or validate files without a broker."""

from __future__ import annotations

import json
import sys
import time
from itertools import islice

import click

from khabar.producer.sources import STDIN, InputError, read_paths
from khabar.schemas import DEADLETTER_REASONS

# Articles per replay report (the producer is flushed after each part).
_REPORT_EVERY = 1000
_paths = click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))


@click.command()
@_paths
@click.option("--rate", type=float, default=0.0, show_default=True, help="Articles per second; 0 sends as fast as the broker takes them.")
@click.option("--limit", type=int, default=0, help="Stop after this many articles (per pass with --loop).")
@click.option("--loop", is_flag=True, help="Start again from the first article after the last, until Ctrl-C.")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: when stderr is a terminal).")
@click.pass_obj
def replay(settings, paths, rate, limit, loop, progress) -> None:
    """Send articles (.txt seeds, .json, .jsonl, .zip feeds, or directories of them) to the raw topic.

    `-` reads a continuous feed of JSON Lines on standard input (`tail -F feed.jsonl | khabar replay -`),
    sending each article as its line arrives, until the input closes."""
    if loop and STDIN in paths:
        raise click.UsageError("--loop cannot replay standard input (-): it can be read only once")
    from prometheus_client import start_http_server
    from tqdm import tqdm

    from khabar.broker.topics import ensure_topics
    from khabar.producer.replay import Replayer

    ensure_topics(settings)
    if settings.producer_metrics_port:
        start_http_server(settings.producer_metrics_port, addr=settings.worker_host)
    replayer = Replayer(settings)
    sent = failed = invalid = 0
    try:
        with tqdm(unit=" articles", disable=not (sys.stderr.isatty() if progress is None else progress)) as bar:

            def reported(items):  # each invalid input said at once: a feed on stdin may never end
                for item in items:
                    if isinstance(item, InputError):
                        bar.write(f"invalid: {item}", file=sys.stderr)
                    yield item

            while True:  # one pass over the paths, sent in parts so that a report never grows without end
                items = islice(reported(read_paths(paths)), limit or None)
                while True:
                    report = replayer.replay(islice(items, _REPORT_EVERY), rate=rate, on_item=bar.update)
                    sent, failed, invalid = sent + len(report.sent), failed + len(report.failed), invalid + len(report.invalid)
                    for article_id, error in report.failed:
                        bar.write(f"not sent: {article_id}: {error}", file=sys.stderr)
                    if len(report.sent) + len(report.failed) + len(report.invalid) < _REPORT_EVERY:
                        break
                if not loop:
                    break
    except KeyboardInterrupt:
        pass
    finally:
        replayer.close()
    click.echo(f"sent {sent}, failed {failed}, invalid {invalid} -> topic {settings.raw_topic} on {settings.bootstrap_servers}")
    if failed or invalid:
        raise SystemExit(1)


@click.command()
@click.argument("urls", nargs=-1, required=True)
@click.option("--every", type=float, default=300.0, show_default=True, help="Seconds between rounds of polls.")
@click.option("--once", is_flag=True, help="Poll every feed once, then exit (non-zero if anything failed).")
@click.pass_obj
def feed(settings, urls, every, once) -> None:
    """Poll RSS or Atom feeds (URLs) and send each new item to the raw topic, until Ctrl-C.

    An item's text is its content, else its description or summary, without the HTML. What was sent is
    remembered per feed under KHABAR_STATE_DIR, so a restart sends only what is new."""
    from khabar.broker.topics import ensure_topics
    from khabar.producer.feeds import FeedPoller
    from khabar.producer.replay import Replayer

    ensure_topics(settings)
    poller = FeedPoller(urls, settings.state_dir)
    replayer = Replayer(settings)
    problems = 0
    try:
        while True:
            started = time.monotonic()
            for url in urls:
                report = replayer.replay(poller.poll(url))
                poller.remember(url, report.sent)
                for problem in report.invalid:
                    click.echo(f"invalid: {problem}", err=True)
                for article_id, error in report.failed:
                    click.echo(f"not sent: {article_id}: {error}", err=True)
                problems += len(report.invalid) + len(report.failed)
                click.echo(f"{url}: sent {len(report.sent)} new -> topic {settings.raw_topic}")
            if once:
                break
            time.sleep(max(0.0, every - (time.monotonic() - started)))
    except KeyboardInterrupt:
        pass
    finally:
        replayer.close()
    if once and problems:
        raise SystemExit(1)


@click.command()
@click.option("--reason", "reasons", multiple=True, metavar="REASON",
              help="Send back the dead letters of this reason (repeatable): " + ", ".join(DEADLETTER_REASONS) + ".")
@click.option("--all", "every_reason", is_flag=True, help="Every reason.")
@click.option("--dry-run", is_flag=True, help="Count what would be sent; send nothing.")
@click.pass_obj
def redrive(settings, reasons, every_reason, dry_run) -> None:
    """Send dead-lettered articles back to the raw topic once their cause is fixed (a limit raised, a bug
    fixed): the original bytes under the original key, from the raw topic while it still holds them, else
    from the dead letter's copy. Each run sends every match again; enriched records are keyed by id, so the
    latest one wins."""
    from khabar.producer.redrive import Redriver

    unknown = sorted(set(reasons) - set(DEADLETTER_REASONS))
    if unknown or not (reasons or every_reason):
        raise click.UsageError(f"say which dead letters to send back: --reason one of {', '.join(DEADLETTER_REASONS)}"
                               f" (repeatable), or --all" + (f"; unknown: {', '.join(unknown)}" if unknown else ""))
    redriver = Redriver(settings)
    try:
        report = redriver.redrive(set(DEADLETTER_REASONS) if every_reason else set(reasons), dry_run=dry_run)
    finally:
        redriver.close()
    found = ", ".join(f"{reason} {count}" for reason, count in sorted(report.found.items())) or "none"
    click.echo(f"dead letters in {settings.deadletter_topic}: {found}")
    for problem in report.unrecoverable:
        click.echo(f"cannot send back {problem}", err=True)
    for label, error in report.sent.failed:
        click.echo(f"not sent: {label}: {error}", err=True)
    recoverable = report.chosen - len(report.unrecoverable)
    done = f"would send {recoverable}" if dry_run else f"sent {len(report.sent.sent)}"
    click.echo(f"{done} of {report.chosen} chosen ({report.from_raw_topic} read back from the raw topic) "
               f"-> topic {settings.raw_topic}")
    if report.unrecoverable or report.sent.failed:
        raise SystemExit(1)


@click.command()
@click.option("--loglevel", default="warning", show_default=True, help="Faust's log level.")
@click.pass_obj
def worker(settings, loglevel) -> None:
    """Run the enrichment worker (Faust) until Ctrl-C; metrics on http://WORKER_HOST:WORKER_PORT/metrics."""
    from khabar.enricher.app import run_worker

    click.echo(f"worker {settings.app_id}: {settings.raw_topic} -> {settings.enriched_topic} | "
               f"{settings.deadletter_topic}; metrics http://{settings.worker_host}:{settings.worker_port}/metrics",
               err=True)
    run_worker(settings, loglevel)


@click.command()
@_paths
@click.option("--indent", type=int, default=None, help="Pretty-print with this indent instead of one line per article.")
@click.pass_obj
def enrich(settings, paths, indent) -> None:
    """Enrich article files without a broker: prints each enriched record as JSON (`-`: JSON Lines from
    standard input, each printed as its line arrives)."""
    from khabar.text.pipeline import TextPipeline

    pipeline = TextPipeline(settings.ner_backend, settings.ner_model_path, settings.enriched_schema_version)
    problems = 0
    for item in read_paths(paths):
        if isinstance(item, InputError):
            problems += 1
            click.echo(f"invalid: {item}", err=True)
        else:
            click.echo(json.dumps(pipeline.enrich(item), ensure_ascii=False, indent=indent))
    if problems:
        raise SystemExit(1)


@click.command()
@_paths
def validate(paths) -> None:
    """Check article files as the producer would (readable, and each article valid against the raw schema)."""
    valid = 0
    failures = []
    for item in read_paths(paths):
        if isinstance(item, InputError):
            failures.append(item)
            click.echo(f"FAIL {item}")
        else:
            valid += 1
    click.echo(f"{valid} valid, {len(failures)} invalid")
    if failures or not valid:
        raise SystemExit(1)

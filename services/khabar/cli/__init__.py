"""`khabar`: the command line. Every subcommand reads its settings from KHABAR_* environment variables."""

from __future__ import annotations

import logging

import click

from khabar import __version__
from khabar.cli.bench import bench
from khabar.cli.bench_guarantee import guarantee
from khabar.cli.desk import desk
from khabar.cli.ingest import ingest
from khabar.cli.kafka import kafka
from khabar.cli.knowledge import bench_knowledge, build_knowledge, eval_knowledge
from khabar.cli.producer import feed, redrive, replay
from khabar.cli.run import run
from khabar.cli.stories import stories
from khabar.cli.text import enrich, eval_ner, train_ner, validate
from khabar.cli.watch import watch
from khabar.cli.worker import worker
from khabar.config import Settings
from khabar.kafka_clients import KafkaAccessError


class _Commands(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except KafkaAccessError as error:  # it says what to change: no traceback
            raise click.ClickException(str(error)) from error


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="khabar")
@click.option("-v", "--verbose", count=True, help="More log output (-v info, -vv debug).")
@click.pass_context
def main(ctx: click.Context, verbose: int) -> None:
    """khabar: streaming enrichment of Arabic news on Apache Kafka.

    Start with `khabar run`: it brings up a local broker and a worker, replays the seed articles and shows
    what came out.
    """
    level = (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # kafka-python logs each connection attempt and retry; the commands say themselves what failed and what to
    # do, so its chatter shows only with -v (warnings) and -vv (everything). The worker's aiokafka keeps its
    # warnings: an operator needs them, and `enricher.logs` already folds repeats.
    logging.getLogger("kafka").setLevel((logging.CRITICAL, logging.WARNING, logging.DEBUG)[min(verbose, 2)])
    try:
        ctx.obj = Settings.from_env()
    except ValueError as error:
        raise click.UsageError(str(error)) from error


@main.command()
def config() -> None:
    """Print every setting: environment variable, default, meaning."""
    for variable, default, help_text in Settings.describe():
        click.echo(f"{variable:32} {default:28} {help_text}")


bench.add_command(guarantee)
for command in (
    kafka,
    run,
    desk,
    replay,
    watch,
    feed,
    ingest,
    redrive,
    worker,
    stories,
    enrich,
    validate,
    bench,
    train_ner,
    eval_ner,
    build_knowledge,
    eval_knowledge,
):
    main.add_command(command)
bench.add_command(bench_knowledge)

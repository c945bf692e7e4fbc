"""`khabar bench`: measured speed of the text library against the camel-tools baseline, on real articles."""

from __future__ import annotations

import gc
import json
import resource
import sys
import time

import click

from khabar.config import Settings


@click.group()
def bench() -> None:
    """Benchmarks on the SaudiNewsNet articles in the shared data folder."""


@bench.command("normalise")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--articles", "limit", default=1000, show_default=True, help="How many articles.")
@click.option("--big-mb", default=5.0, show_default=True, help="Size of the one big article (0: skip).")
@click.pass_obj
def normalise(settings: Settings, as_json: bool, limit: int, big_mb: float) -> None:
    """Normalisation: the chained camel-tools calls (baseline) against normalise_document, in one run.

    The baseline is normalize_unicode, arclean, dediac_ar, the alef / alef-maksura / teh-marbuta
    normalisations and simple_word_tokenize on each whole document. Ours also finds the structure, removes
    boilerplate, and gives Token objects with offsets and proclitics (``ratio``); it is timed again with the
    record's dicts made, as the pipeline makes them. Every article is then checked against the reference
    (forms, offsets and proclitics; not timed), and one big article made of concatenated articles is timed
    on its own.
    """
    from khabar.text.charmap import camel_tokens
    from khabar.text.corpus import SAUDINEWSNET, saudinewsnet_documents
    from khabar.text.normalise import normalise_document
    from khabar.text.reference import mismatches

    documents = list(saudinewsnet_documents(settings.shared_dir, limit))
    if not documents:
        raise click.ClickException(
            f"no SaudiNewsNet articles in {settings.shared_dir / SAUDINEWSNET}: "
            "set KHABAR_SHARED_DIR to the shared data folder"
        )
    size_mb = sum(len(d.encode("utf-8")) for d in documents) / 1e6
    say = _progress()
    say(f"{len(documents)} articles, {size_mb:.2f} MB: timing the camel-tools chain and ours, 3 rounds ...")

    def baseline() -> None:
        for document in documents:
            camel_tokens(document)

    def ours() -> None:
        for document in documents:
            normalise_document(document)

    def with_record() -> None:
        for document in documents:
            normalise_document(document).to_dict()  # as the pipeline does

    for document in documents[:50]:  # lazy parts on both sides (regex caches)
        camel_tokens(document)
        normalise_document(document).to_dict()
    baseline_s, ours_s, record_s = _timed([baseline, ours, with_record])
    say("checking every article against the chain ...")

    failing = [i for i, document in enumerate(documents) if mismatches(document, normalise_document(document))]
    result = {
        "articles": len(documents),
        "mb": round(size_mb, 3),
        "baseline_mb_s": round(size_mb / baseline_s, 3),
        "mb_s": round(size_mb / ours_s, 3),
        "articles_per_s": round(len(documents) / ours_s, 1),
        "ratio": round(baseline_s / ours_s, 2),
        # With the record's dicts (to_dict), as the pipeline makes them.
        "ratio_with_to_dict": round(baseline_s / record_s, 2),
        "identical": not failing,
        "mismatched_articles": len(failing),
    }
    if big_mb > 0:
        say(f"one article of {big_mb:g} MB ...")
        result.update(_big_article(documents, big_mb, normalise_document))
    result["peak_rss_mb"] = round(_peak_rss_mb(), 1)

    _print(result, as_json)
    if failing:
        click.echo(f"first mismatched article: #{failing[0]}", err=True)
        sys.exit(1)


def _print(result: dict, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(result))
    else:
        width = max(map(len, result))
        for key, value in result.items():
            click.echo(f"{key:>{width}}: {value}")


def _progress():
    """Where the bench is, on stderr when it is a terminal (the figures go to stdout)."""
    if not sys.stderr.isatty():
        return lambda message: None
    return lambda message: click.echo(message, err=True)


def _timed(functions: list, rounds: int = 3) -> list[float]:
    """Seconds for each function: the best of ``rounds`` rounds, the functions taking turns within each
    round, so that a busy machine slows them alike."""
    best = [float("inf")] * len(functions)
    for _ in range(rounds):
        for i, function in enumerate(functions):
            gc.collect()
            start = time.perf_counter()
            function()
            best[i] = min(best[i], time.perf_counter() - start)
    return best


def _big_article(documents: list[str], big_mb: float, normalise_document) -> dict:
    """One article of at least ``big_mb`` MB (articles joined): its time, and how much the peak RSS grew."""
    parts, size = [], 0
    while size < big_mb * 1e6:
        for document in documents:
            parts.append(document)
            size += len(document.encode("utf-8")) + 2
            if size >= big_mb * 1e6:
                break
    big = "\n\n".join(parts)
    gc.collect()
    before = _peak_rss_mb()
    start = time.perf_counter()
    doc = normalise_document(big)
    seconds = time.perf_counter() - start
    return {
        "big_article_mb": round(len(big.encode("utf-8")) / 1e6, 2),
        "big_article_s": round(seconds, 3),
        "big_article_tokens": len(doc.tokens),
        # Everything the document holds, Token objects included.
        "big_article_rss_growth_mb": round(_peak_rss_mb() - before, 1),
    }


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@bench.command("pipeline")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option(
    "--articles",
    "count",
    default=5000,
    show_default=True,
    type=click.IntRange(2),
    help="How many SaudiNewsNet articles to pre-load and enrich.",
)
@click.option("--soak", is_flag=True, help="Also send --soak-articles more through one worker and report its memory.")
@click.option(
    "--soak-articles",
    default=50_000,
    show_default=True,
    type=click.IntRange(1),
    help="Articles of the --soak run (the corpus repeats past its 31,030).",
)
@click.option(
    "--stories", is_flag=True, help="Also run one worker with the stories stage beside it and report the cost."
)
@click.pass_obj
def pipeline(settings: Settings, as_json: bool, count: int, soak: bool, soak_articles: int, stories: bool) -> None:
    """The pipeline on the local broker: worker throughput against no-NLP passthrough ceilings (the worker's own
    batch loop forwarding, and a Faust agent), the text library alone, latency at half load, two workers against
    one, memory; all in one run.

    Starts the local broker (KHABAR_KAFKA_PORT) unless it runs, on topics of its own that it deletes afterwards,
    and stops everything it started. Rates come from the broker's timestamps of the outputs.
    """
    from khabar.bench.pipeline import PipelineBench, machine
    from khabar.local.broker import BrokerError, LocalBroker

    say = _progress()
    broker = LocalBroker.from_settings(settings)
    already_running = broker.pid() is not None
    try:
        say(f"broker on {broker.bootstrap} ...")
        broker.up()
    except BrokerError as error:
        raise click.ClickException(str(error)) from error
    try:
        runner = PipelineBench(settings, settings.state_dir / "bench", say)
        try:
            result = runner.measure(count, soak_articles if soak else 0, stories)
        except RuntimeError as error:  # WorkerError included: the message says what happened and where to look
            raise click.ClickException(str(error)) from error
        finally:
            runner.close()
    finally:
        if not already_running:
            broker.down()
    result.update(machine())
    _print(result, as_json)


@bench.command("stories")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--days", default=7, show_default=True, help="How many daily SaudiNewsNet files (a week: 7).")
@click.option("--articles", "limit", default=None, type=int, help="At most this many articles.")
@click.pass_obj
def stories(settings: Settings, as_json: bool, days: int, limit: int | None) -> None:
    """Near-duplicate detector (MinHash/LSH) against exact shingle Jaccard: precision, recall, copies found."""
    from khabar.stories.evaluation import evaluate
    from khabar.text.corpus import SAUDINEWSNET, saudinewsnet_documents
    from khabar.text.normalise import normalise_document

    say = _progress()
    documents = list(saudinewsnet_documents(settings.shared_dir, limit, days=days))
    if not documents:
        raise click.ClickException(
            f"no SaudiNewsNet articles in {settings.shared_dir / SAUDINEWSNET}: "
            "set KHABAR_SHARED_DIR to the shared data folder"
        )
    say(f"{len(documents)} articles from {days} day(s): normalising ...")
    tokens = [[token.norm for token in normalise_document(document).tokens] for document in documents]
    say("scoring the detector against exact Jaccard ...")
    report = evaluate(tokens)
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False))
        return
    detector = report["detector"]
    click.echo(
        f"{report['articles']} articles, {report['true_pairs']} near-copy pairs by exact Jaccard >= "
        f"{report['parameters']['threshold']}: precision {detector['precision']}, recall {detector['recall']}"
    )
    for name, scores in report["rules"].items():
        click.echo(f"  {name:50} precision {scores['precision']:.4f}  recall {scores['recall']:.4f}")

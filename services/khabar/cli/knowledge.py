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
    return {"schema_version": 1, "id": f"{number:016x}", "source": "eval", "url": None, "title": "",
            "body": text, "published": None, "produced_at": "2026-01-01T00:00:00.000Z"}


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
    score = evaluate(path, lambda text: pipeline.enrich(_raw(text)))
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
def bench_knowledge(limit: int, rounds: int) -> None:
    """Cost of the entity knowledge in the worker: each message processed as the worker does (parse, validate,
    enrich, validate, serialise) writing version 2 records (baseline) and version 3, in one run; and the memory
    its table takes."""
    from khabar.config import Settings
    from khabar.enricher.processing import Origin, Processor
    from khabar.schemas import encode
    from khabar.text.corpus import saudinewsnet_dir, saudinewsnet_documents
    from khabar.text.knowledge import Knowledge
    from khabar.text.pipeline import TextPipeline

    documents = list(saudinewsnet_documents(limit))
    if not documents:
        raise click.ClickException(f"no SaudiNewsNet articles in {saudinewsnet_dir()}")
    messages = [encode(_raw(d, i)) for i, d in enumerate(documents)]
    gc.collect()
    tracemalloc.start()
    started = time.perf_counter()
    table = Knowledge.load()
    load_s = time.perf_counter() - started
    table_mb = tracemalloc.get_traced_memory()[0] / 1e6
    tracemalloc.stop()
    del table
    settings = Settings.from_env({})
    processors = {v: Processor(settings, TextPipeline(schema_version=v)) for v in (2, 3)}
    origin = Origin("articles.raw", 0, 0, None, None)
    for processor in processors.values():  # warm the tagger's word cache alike for both
        for message in messages:
            processor.process(message, origin)
    best = {2: float("inf"), 3: float("inf")}
    knowledge_s = 0.0
    for _ in range(rounds):
        for version, processor in processors.items():
            begun = time.perf_counter()
            stage = 0.0
            for message in messages:
                outcome = processor.process(message, origin)
                if version == 3 and outcome.record:
                    stage += outcome.record["pipeline"]["stage_seconds"]["knowledge"]
            elapsed = time.perf_counter() - begun
            if elapsed < best[version]:
                best[version] = elapsed
                knowledge_s = stage if version == 3 else knowledge_s
    n = len(messages)
    click.echo(json.dumps({
        "articles": n,
        "ms_per_article_v2": round(1000 * best[2] / n, 3),
        "ms_per_article_v3": round(1000 * best[3] / n, 3),
        "knowledge_ms_per_article": round(1000 * knowledge_s / n, 3),
        "knowledge_share_of_v3": round(knowledge_s / best[3], 4),
        "throughput_ratio_v3_to_v2": round(best[2] / best[3], 4),
        "table_load_s": round(load_s, 2),
        "table_memory_mb": round(table_mb, 1),
    }))
